/* http.h - the HTTP front of the server (libmicrohttpd): POST / goes to
 * api_dispatch(), GET /healthz answers 200 once the server is ready. */
#ifndef ECSD_API_HTTP_H
#define ECSD_API_HTTP_H

#include "api/dispatch.h"
#include "common/error.h"

#define HTTP_MAX_BODY (256 * 1024)

typedef struct http_server http_server_t;

/* listen is "ADDR:PORT" (IPv4, or [IPv6]:PORT). svc must outlive the server. */
int http_start(const char *listen, int threads, const api_service_t *svc, http_server_t **out,
               ecs_error_t *err);
/* The port actually bound (useful with port 0). */
int http_port(const http_server_t *h);
void http_stop(http_server_t *h);

#endif
