/* auth.h - who a request acts for, and in which region. With credentials
 * configured, every request must carry a valid AWS Signature Version 4 by
 * one of their keys, and acts for that key's account in the region of its
 * credential scope; without (--insecure-no-auth), every request acts for
 * the server's default account, in the region it was signed for if it was
 * signed, else in the default region. Either way the region must be one
 * the server serves (--regions). */
#ifndef ECSD_API_AUTH_H
#define ECSD_API_AUTH_H

#include "api/api.h"
#include "api/sigv4.h"

/* 0 with account and region filled, or -1 with AWS's authentication error. */
int api_authenticate(const model_service_t *svc, const sigv4_request_t *req, char account[13],
                     char region[MODEL_REGION_MAX], ecs_error_t *err);
/* The same for a request signed for another service's signing name
 * ("logs": CloudWatch Logs' requests on the same endpoint). */
int api_authenticate_for(const model_service_t *svc, const char *service, const sigv4_request_t *req,
                         char account[13], char region[MODEL_REGION_MAX], ecs_error_t *err);

#endif
