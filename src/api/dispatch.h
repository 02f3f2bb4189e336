/* dispatch.h - one path from an HTTP request to an operation and back:
 * target lookup, JSON parsing, parameter checking, the operation's one
 * transaction, and the rendering of its answer or error. No sockets here,
 * so tests can drive it in memory. */
#ifndef ECSD_API_DISPATCH_H
#define ECSD_API_DISPATCH_H

#include <stddef.h>

#include "api/api.h"
#include "common/ids.h"
#include "store/store.h"

typedef struct api_request {
    const char *target;       /* X-Amz-Target, NULL if absent */
    const char *content_type; /* Content-Type, NULL if absent */
    const char *body;         /* not NUL-terminated */
    size_t body_len;
    const char *account;      /* authenticated account; NULL: the service's default */
    const char *region;       /* the request's region; NULL: the service's default */
} api_request_t;

typedef struct api_response {
    int status;
    char *body; /* malloc'd JSON text; the caller frees it */
    size_t body_len;
    char request_id[IDS_UUID_LEN + 1];
} api_response_t;

#define API_TARGET_PREFIX "AmazonEC2ContainerServiceV20141113."
#define API_CONTENT_TYPE "application/x-amz-json-1.1"

void api_dispatch(const model_service_t *svc, const api_request_t *req, api_response_t *resp);

/* Renders an error as the JSON answer {"__type","message"}: the one place. */
void api_render_error(const ecs_error_t *err, api_response_t *resp);

#endif
