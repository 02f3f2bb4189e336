#include "api/auth.h"

#include <stdio.h>
#include <time.h>

#include "api/credentials.h"

int api_authenticate(const model_service_t *svc, const sigv4_request_t *req, char account[13], ecs_error_t *err)
{
    if (svc->creds == NULL) {
        snprintf(account, 13, "%s", svc->account);
        return 0;
    }
    sigv4_params_t p = {.service = "ecs", .region = svc->region, .now = (int64_t)time(NULL),
                        .lookup = credentials_lookup, .lookup_arg = svc->creds};
    char region[32];
    return sigv4_verify(req, &p, account, region, err);
}
