#include "api/auth.h"

#include <stdio.h>
#include <time.h>

#include "api/credentials.h"
#include "api/role_creds.h"
#include "common/config.h"

int api_authenticate(const model_service_t *svc, const sigv4_request_t *req, char account[13],
                     char region[MODEL_REGION_MAX], ecs_error_t *err)
{
    return api_authenticate_for(svc, "ecs", req, account, region, err);
}

int api_authenticate_for(const model_service_t *svc, const char *service, const sigv4_request_t *req,
                         char account[13], char region[MODEL_REGION_MAX], ecs_error_t *err)
{
    if (svc->creds == NULL) {
        snprintf(account, 13, "%s", svc->account);
        if (sigv4_scope_region(req, region) == 0)
            snprintf(region, MODEL_REGION_MAX, "%s", svc->region);
        if (!config_region_listed(svc->regions, region))
            return ecs_err(err, 400, "InvalidSignatureException",
                           "Credential should be scoped to a valid region, not '%s'. ", region);
        return 0;
    }
    sigv4_params_t p = {.service = service, .region = svc->regions, .now = (int64_t)time(NULL),
                        .lookup = credentials_lookup, .lookup_arg = svc->creds,
                        .token_check = api_session_token_verify};
    return sigv4_verify(req, &p, account, region, err);
}
