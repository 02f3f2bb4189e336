/* auth.h - who a request acts for. With credentials configured, every
 * request must carry a valid AWS Signature Version 4 by one of their keys,
 * and acts for that key's account; without (--insecure-no-auth), every
 * request acts for the server's default account. */
#ifndef ECSD_API_AUTH_H
#define ECSD_API_AUTH_H

#include "api/api.h"
#include "api/sigv4.h"

/* 0 with account filled, or -1 with AWS's authentication error. */
int api_authenticate(const model_service_t *svc, const sigv4_request_t *req, char account[13], ecs_error_t *err);

#endif
