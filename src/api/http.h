/* http.h - the HTTP front of the server (libmicrohttpd): POST / goes to
 * api_dispatch(), GET /healthz answers 200 once the server is ready. */
#ifndef ECSD_API_HTTP_H
#define ECSD_API_HTTP_H

#include "api/dispatch.h"
#include "common/error.h"

#define HTTP_MAX_BODY (256 * 1024)
#define HTTP_IDLE_TIMEOUT_S 30          /* default: a connection silent this long is closed */
#define HTTP_MAX_CONNECTIONS 4096
#define HTTP_MAX_CONNECTIONS_PER_IP 512 /* one client cannot take them all */
#define HTTP_CONNECTION_MEMORY (8 * 1024) /* per connection: request headers and reply headers */

typedef struct http_server http_server_t;

/* PEM texts for HTTPS. */
typedef struct http_tls {
    const char *cert_pem;
    const char *key_pem;
} http_tls_t;

/* listen is "ADDR:PORT" (IPv4, or [IPv6]:PORT); tls NULL serves plain HTTP;
 * idle_timeout_s <= 0 means HTTP_IDLE_TIMEOUT_S. svc and tls must outlive
 * the server. */
int http_start(const char *listen, int threads, int idle_timeout_s, const model_service_t *svc,
               const http_tls_t *tls, http_server_t **out, ecs_error_t *err);
/* The port actually bound (useful with port 0). */
int http_port(const http_server_t *h);
void http_stop(http_server_t *h);

#endif
