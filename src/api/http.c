/* http.c - libmicrohttpd glue. MHD runs a pool of worker threads, each with
 * its own epoll loop; a request's state (struct http_request) belongs to the
 * connection and is freed by request_completed(). */
#include "api/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/auth.h"
#include "api/logs_api.h"
#include "api/secrets_api.h"
#include "api/poll.h"
#include "common/log.h"

struct http_server {
    struct MHD_Daemon *daemon;
    const model_service_t *svc;
    int port;
};

/* The request state of a GET /healthz: nothing to keep. */
static char healthz_marker;

typedef struct http_request {
    char account[13];      /* who the request acts for, once authenticated */
    char region[MODEL_REGION_MAX]; /* and in which region */
    char *body;
    size_t len, cap;
    bool too_large;
    bool is_poll;          /* POST /v1/poll: an agent's blocking poll */
    bool is_logs;          /* X-Amz-Target Logs_20140328.*: signed for "logs", bodies up to LOGS_MAX_BODY */
    bool waiting;          /* suspended in the poll hub */
    double t0_ms;          /* when it was read whole (monotonic), for its log line */
    poll_waiter_t waiter;
    struct MHD_Connection *conn;
    http_server_t *server;
} http_request_t;

static enum MHD_Result send_body(struct MHD_Connection *conn, int status, char *body, size_t len,
                                 const char *content_type, const char *request_id)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (request_id != NULL)
        MHD_add_response_header(r, "x-amzn-RequestId", request_id);
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The operation of an X-Amz-Target ("Service.Operation"), NULL for none. */
static const char *operation_of(const char *target)
{
    const char *dot = target ? strrchr(target, '.') : NULL;
    return dot ? dot + 1 : target;
}

/* Sends the answer and writes the request's log line. */
static enum MHD_Result answer(struct MHD_Connection *conn, const api_response_t *resp, const char *operation,
                              const char *account, double t0)
{
    log_request(resp->request_id, operation, account, resp->status, t0 > 0 ? now_ms() - t0 : 0);
    return send_body(conn, resp->status, resp->body, resp->body_len, API_CONTENT_TYPE, resp->request_id);
}

static enum MHD_Result send_error(struct MHD_Connection *conn, int status, const char *type,
                                  const char *msg)
{
    ecs_error_t err;
    api_response_t resp = {0};
    ids_uuid4(resp.request_id);
    ecs_err(&err, status, type, "%s", msg);
    api_render_error(&err, &resp);
    return answer(conn, &resp, operation_of(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target")),
                  "", 0);
}

static void suspend_conn(void *arg)
{
    http_request_t *req = arg;
    MHD_suspend_connection(req->conn);
}

static void resume_conn(void *arg)
{
    http_request_t *req = arg;
    MHD_resume_connection(req->conn);
}

/* A blocking poll: answer now if the instance changed, else wait in the
 * hub; the hub resumes the connection and MHD calls us again. The state is
 * looked at again after joining the hub, so a change committed between the
 * first look and the join is not missed. */
static enum MHD_Result answer_poll(http_server_t *h, http_request_t *req)
{
    poll_hub_t *hub = h->svc->hub;
    api_response_t resp = {0};
    if (req->waiting) { /* woken or timed out */
        req->waiting = false;
        api_poll(h->svc, req->account, req->region, req->body, req->len, true, &resp, &req->waiter);
    } else if (api_poll(h->svc, req->account, req->region, req->body, req->len, false, &resp, &req->waiter) == 0) {
        req->waiter.fire = resume_conn;
        req->waiter.arg = req;
        poll_hub_add(hub, &req->waiter);
        api_response_t again = {0};
        if (api_poll(h->svc, req->account, req->region, req->body, req->len, false, &again, &req->waiter) == 1) {
            poll_hub_remove(hub, &req->waiter);
            resp = again;
        } else if ((req->waiting = poll_hub_arm(hub, &req->waiter, suspend_conn, req))) {
            return MHD_YES;
        } else {
            api_poll(h->svc, req->account, req->region, req->body, req->len, true, &resp, &req->waiter);
        }
    }
    return answer(req->conn, &resp, "Poll", req->account, req->t0_ms);
}

#define MAX_HEADERS 64

typedef struct header_list {
    sigv4_header_t h[MAX_HEADERS];
    size_t n;
    bool overflow;
} header_list_t;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                      const char *value, size_t value_size)
{
    (void)kind;
    header_list_t *list = cls;
    if (list->n == MAX_HEADERS) {
        list->overflow = true;
        return MHD_NO;
    }
    list->h[list->n++] = (sigv4_header_t){key, key_size, value ? value : "", value ? value_size : 0};
    return MHD_YES;
}

typedef struct query_buf {
    char text[8192];
    size_t len;
    bool overflow;
} query_buf_t;

static void query_put(query_buf_t *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                     c == '_' || c == '.' || c == '~';
        if (q->len + 4 >= sizeof q->text) {
            q->overflow = true;
            return;
        }
        if (plain) {
            q->text[q->len++] = (char)c;
        } else {
            q->text[q->len++] = '%';
            q->text[q->len++] = hex[c >> 4];
            q->text[q->len++] = hex[c & 15];
        }
    }
    q->text[q->len] = '\0';
}

/* MHD hands the query decoded; SigV4 wants it encoded (it decodes and
 * re-encodes each pair itself), so it is encoded back, strictly. */
static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key, size_t key_size,
                                   const char *value, size_t value_size)
{
    (void)kind;
    query_buf_t *q = cls;
    if (q->len + 2 >= sizeof q->text) {
        q->overflow = true;
        return MHD_NO;
    }
    if (q->len > 0)
        q->text[q->len++] = '&';
    query_put(q, key, key_size);
    if (q->len + 2 >= sizeof q->text) {
        q->overflow = true;
        return MHD_NO;
    }
    q->text[q->len++] = '=';
    q->text[q->len] = '\0';
    if (value != NULL)
        query_put(q, value, value_size);
    return q->overflow ? MHD_NO : MHD_YES;
}

/* Who the request acts for: SigV4 over the exact bytes received. */
static int authenticate(http_server_t *h, http_request_t *req, const char *url, const char *method,
                        ecs_error_t *err)
{
    header_list_t headers; /* not zeroed whole: this runs on every request */
    headers.n = 0;
    headers.overflow = false;
    MHD_get_connection_values_n(req->conn, MHD_HEADER_KIND, collect_header, &headers);
    if (headers.overflow)
        return ecs_err(err, 400, "IncompleteSignatureException", "Too many headers (at most %d).", MAX_HEADERS);
    query_buf_t query; /* not zeroed whole: this runs on every request */
    query.len = 0;
    query.overflow = false;
    query.text[0] = '\0';
    MHD_get_connection_values_n(req->conn, MHD_GET_ARGUMENT_KIND, collect_arg, &query);
    if (query.overflow)
        return ecs_err(err, 400, "IncompleteSignatureException", "The query string is too long.");
    sigv4_request_t sreq = {.method = method, .path = url, .query = query.len ? query.text : NULL,
                            .headers = headers.h, .n_headers = headers.n,
                            .body = (const unsigned char *)req->body, .body_len = req->len};
    /* Parameter Store and Secrets Manager are signed for their own names. */
    const char *side = req->is_poll ? NULL
                                    : secrets_target(MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND,
                                                                                 "X-Amz-Target"));
    const char *service = req->is_logs ? LOGS_SIGNING_NAME : side ? side : "ecs";
    return api_authenticate_for(h->svc, service, &sreq, req->account, req->region, err);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
    (void)version;
    http_server_t *h = cls;
    if (*con_cls == &healthz_marker)
        return send_body(conn, 200, strdup("ok\n"), 3, "text/plain", NULL);
    http_request_t *req = *con_cls;
    if (req == NULL) {
        /* /healthz is answered on the next call, once the request is read
         * whole: answered now, MHD would close a keep-alive connection. */
        if (strcmp(method, "GET") == 0 && strcmp(url, "/healthz") == 0) {
            *con_cls = &healthz_marker;
            return MHD_YES;
        }
        bool is_poll = strcmp(url, "/v1/poll") == 0 && h->svc->hub != NULL;
        if (strcmp(url, "/") != 0 && !is_poll)
            return send_error(conn, 404, "UnknownOperationException", "Not found: only POST / is served.");
        if (strcmp(method, "POST") != 0)
            return send_error(conn, 405, "UnknownOperationException", "Only POST is allowed here.");
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        bool is_logs = !is_poll && logs_target(MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target"));
        if (cl != NULL && strtoull(cl, NULL, 10) > (is_logs ? LOGS_MAX_BODY : HTTP_MAX_BODY))
            return send_error(conn, 413, "SerializationException",
                              is_logs ? "The request body is larger than the limit of 5242880 bytes."
                                      : "The request body is larger than the limit of 262144 bytes.");
        req = calloc(1, sizeof *req);
        if (req == NULL)
            return MHD_NO;
        req->is_poll = strcmp(url, "/v1/poll") == 0 && h->svc->hub != NULL;
        req->is_logs = is_logs;
        req->conn = conn;
        req->server = h;
        *con_cls = req;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!req->too_large && req->len + *upload_size > (req->is_logs ? LOGS_MAX_BODY : HTTP_MAX_BODY))
            req->too_large = true; /* chunked upload: keep reading, answer at the end */
        if (!req->too_large) {
            if (req->len + *upload_size > req->cap) {
                size_t cap = req->cap ? req->cap : 1024;
                while (cap < req->len + *upload_size)
                    cap *= 2;
                char *grown = realloc(req->body, cap);
                if (grown == NULL)
                    return MHD_NO;
                req->body = grown;
                req->cap = cap;
            }
            memcpy(req->body + req->len, upload, *upload_size);
            req->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (req->too_large)
        return send_error(conn, 413, "SerializationException",
                          req->is_logs ? "The request body is larger than the limit of 5242880 bytes."
                                       : "The request body is larger than the limit of 262144 bytes.");
    const char *target = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Amz-Target");
    if (!req->waiting) { /* a resumed poll was authenticated before it waited */
        req->t0_ms = now_ms();
        ecs_error_t err;
        if (authenticate(h, req, url, method, &err) < 0) {
            api_response_t resp = {0};
            ids_uuid4(resp.request_id);
            api_render_error(&err, &resp);
            return answer(conn, &resp, req->is_poll ? "Poll" : operation_of(target), "", req->t0_ms);
        }
    }
    if (req->is_poll)
        return answer_poll(h, req);
    api_request_t areq = {
        .target = target,
        .content_type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        .body = req->body,
        .body_len = req->len,
        .account = req->account,
        .region = req->region,
    };
    api_response_t resp = {0};
    api_dispatch(h->svc, &areq, &resp);
    return answer(conn, &resp, operation_of(areq.target), req->account, req->t0_ms);
}

static void request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)conn, (void)toe;
    http_request_t *req = *con_cls;
    if (req != NULL && *con_cls != &healthz_marker) {
        if (req->is_poll && req->server->svc->hub != NULL)
            poll_hub_remove(req->server->svc->hub, &req->waiter);
        free(req->body);
        free(req);
        *con_cls = NULL;
    }
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss, ecs_error_t *err)
{
    char host[128];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || (size_t)(colon - listen) >= sizeof host)
        return ecs_server_err(err, "listen address '%s' is not ADDR:PORT", listen);
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535)
        return ecs_server_err(err, "listen port in '%s' is not 0..65535", listen);
    memset(ss, 0, sizeof *ss);
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        host[hl - 1] = '\0';
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return ecs_server_err(err, "listen address '%s' is not an IPv6 address", listen);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return ecs_server_err(err, "listen address '%s' is not an IPv4 address", listen);
    return 0;
}

int http_start(const char *listen, int threads, int idle_timeout_s, const model_service_t *svc,
               const http_tls_t *tls, http_server_t **out, ecs_error_t *err)
{
    struct sockaddr_storage ss;
    if (parse_listen(listen, &ss, err) < 0)
        return -1;
    http_server_t *h = calloc(1, sizeof *h);
    if (h == NULL)
        return ecs_server_err(err, "out of memory");
    h->svc = svc;
    unsigned flags =
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (tls != NULL)
        flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, &ss},
        {MHD_OPTION_THREAD_POOL_SIZE, threads, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_completed, h},
        {MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout_s > 0 ? idle_timeout_s : HTTP_IDLE_TIMEOUT_S, NULL},
        {MHD_OPTION_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS, NULL},
        {MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTP_MAX_CONNECTIONS_PER_IP, NULL},
        /* MHD clears a connection's memory pool for every request: keep it
         * as small as headers allow (bodies are copied out as they come) */
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTP_CONNECTION_MEMORY, NULL},
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls ? (void *)tls->cert_pem : NULL},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, tls ? (void *)tls->key_pem : NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (h->daemon == NULL) {
        free(h);
        return ecs_server_err(err, "cannot listen on %s (address in use?)", listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    *out = h;
    return 0;
}

int http_port(const http_server_t *h) { return h->port; }

void http_stop(http_server_t *h)
{
    if (h == NULL)
        return;
    MHD_stop_daemon(h->daemon);
    free(h);
}
