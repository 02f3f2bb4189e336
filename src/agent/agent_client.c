#include "agent/agent_client.h"

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/sigv4.h"
#include "common/cleanup.h"
#include "common/log.h"

#define TARGET_PREFIX "AmazonEC2ContainerServiceV20141113."
#define AMZ_JSON "application/x-amz-json-1.1"
#define ANSWER_MAX (64u << 20)
#define CALL_TIMEOUT_S 60L

struct agent_client {
    char base[AGENT_CLIENT_ENDPOINTS_MAX][512]; /* scheme://authority, no trailing slash */
    int n_base;
    atomic_int current; /* the endpoint that answered last */
    char *region, *access_key, *secret_key;
    atomic_bool cancelled;
};

typedef struct answer {
    char *data;
    size_t len, cap;
} answer_t;

/* One URL of the list into out (its scheme://authority). -1 when it is none. */
static int read_base(const char *url, size_t url_len, char out[512])
{
    const char *auth = memmem(url, url_len, "://", 3);
    if (auth == NULL)
        return -1;
    size_t rest = url_len - (size_t)(auth + 3 - url), len = (size_t)(auth + 3 - url);
    for (size_t i = 0; i < rest && strchr("/?#", auth[3 + i]) == NULL; i++)
        len++;
    if (len >= 512 || len == (size_t)(auth + 3 - url))
        return -1;
    memcpy(out, url, len);
    out[len] = '\0';
    return 0;
}

agent_client_t *agent_client_new(const char *endpoint, const char *region, const char *access_key,
                                 const char *secret_key)
{
    agent_client_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    for (const char *p = endpoint;; p++) {
        size_t len = strcspn(p, ",");
        if (c->n_base == AGENT_CLIENT_ENDPOINTS_MAX || read_base(p, len, c->base[c->n_base]) < 0) {
            free(c);
            return NULL;
        }
        c->n_base++;
        p += len;
        if (*p == '\0')
            break;
    }
    atomic_init(&c->current, 0);
    c->region = strdup(region);
    c->access_key = strdup(access_key);
    c->secret_key = strdup(secret_key);
    atomic_init(&c->cancelled, false);
    if (c->region == NULL || c->access_key == NULL || c->secret_key == NULL ||
        curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        free(c->region);
        free(c->access_key);
        free(c->secret_key);
        free(c);
        return NULL;
    }
    return c;
}

void agent_client_free(agent_client_t *c)
{
    if (c == NULL)
        return;
    free(c->region);
    free(c->access_key);
    free(c->secret_key);
    free(c);
    curl_global_cleanup();
}

void agent_client_cancel(agent_client_t *c) { atomic_store(&c->cancelled, true); }

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    answer_t *a = arg;
    size_t len = size * n;
    if (a->len + len + 1 > ANSWER_MAX)
        return 0;
    if (a->len + len + 1 > a->cap) {
        size_t cap = a->cap ? a->cap : 4096;
        while (cap < a->len + len + 1)
            cap *= 2;
        char *d = realloc(a->data, cap);
        if (d == NULL)
            return 0;
        a->data = d;
        a->cap = cap;
    }
    memcpy(a->data + a->len, p, len);
    a->len += len;
    a->data[a->len] = '\0';
    return len;
}

static int on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    (void)dt, (void)dn, (void)ut, (void)un;
    agent_client_t *c = arg;
    return atomic_load(&c->cancelled) ? 1 : 0;
}

/* The error of an HTTP error answer: {"__type": "[prefix#]Name", "message"}. */
static int answer_error(long status, const answer_t *a, ecs_error_t *err)
{
    cleanup_json json_t *j = a->data ? json_loads(a->data, 0, NULL) : NULL;
    const char *type = json_string_value(json_object_get(j, "__type"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (msg == NULL)
        msg = json_string_value(json_object_get(j, "Message"));
    if (type != NULL && strchr(type, '#') != NULL)
        type = strchr(type, '#') + 1;
    return ecs_err(err, (int)status, type ? type : (status >= 500 ? "ServerException" : "ClientException"),
                   "%s", msg ? msg : (a->data ? a->data : "(no message)"));
}

/* POST body to base+path, signed. */
static int post(agent_client_t *c, const char *base, const char *path, const char *target, const char *ctype,
                const char *body, long timeout_s, const char *service, const char *region, json_t **out,
                ecs_error_t *err)
{
    *out = NULL;
    if (atomic_load(&c->cancelled))
        return ecs_err(err, AGENT_CLIENT_UNREACHABLE, "ConnectionError", "the agent is stopping");
    const char *auth = strstr(base, "://") + 3;
    char amz_date[17], authz[SIGV4_AUTHORIZATION_MAX];
    sigv4_signer_t signer = {.access_key = c->access_key, .secret = c->secret_key,
                             .region = region ? region : c->region, .service = service};
    size_t body_len = strlen(body);
    if (sigv4_sign(&signer, "POST", auth, path, ctype, target, body, body_len, (int64_t)time(NULL), amz_date,
                   authz) < 0)
        return ecs_server_err(err, "cannot sign the request");
    char url[1100], h_host[600], h_date[64], h_auth[SIGV4_AUTHORIZATION_MAX + 32], h_ctype[128],
        h_target[200];
    snprintf(url, sizeof url, "%s%s", base, path);
    snprintf(h_host, sizeof h_host, "Host: %s", auth);
    snprintf(h_date, sizeof h_date, "X-Amz-Date: %s", amz_date);
    snprintf(h_auth, sizeof h_auth, "Authorization: %s", authz);
    snprintf(h_ctype, sizeof h_ctype, "Content-Type: %s", ctype);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, h_host);
    headers = curl_slist_append(headers, h_date);
    headers = curl_slist_append(headers, h_auth);
    headers = curl_slist_append(headers, h_ctype);
    headers = curl_slist_append(headers, "Expect:");
    if (target != NULL) {
        snprintf(h_target, sizeof h_target, "X-Amz-Target: %s", target);
        headers = curl_slist_append(headers, h_target);
    }
    CURL *h = curl_easy_init();
    answer_t a = {0};
    int rc = -1;
    if (h == NULL || headers == NULL) {
        ecs_server_err(err, "out of memory");
        goto done;
    }
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)body_len);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, c);
    curl_easy_setopt(h, CURLOPT_PROXY, ""); /* never through a proxy of the environment */
    CURLcode res = curl_easy_perform(h);
    long status = 0;
    if (res != CURLE_OK) {
        ecs_err(err, AGENT_CLIENT_UNREACHABLE, "ConnectionError", "%s: %s", url, curl_easy_strerror(res));
        goto done;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300) {
        answer_error(status, &a, err);
        goto done;
    }
    json_error_t jerr;
    *out = a.data ? json_loads(a.data, 0, &jerr) : json_object();
    if (*out == NULL) {
        ecs_err(err, (int)status, "ServerException", "the answer of %s is not JSON: %s", url, jerr.text);
        goto done;
    }
    rc = 0;
done:
    curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    free(a.data);
    return rc;
}

/* An endpoint that gives no answer, or a gateway's "not now", is left for
 * the next of the list; any other answer is the server's. */
static bool try_next(const ecs_error_t *err)
{
    return err->status == AGENT_CLIENT_UNREACHABLE || err->status == 502 || err->status == 503 ||
           err->status == 504;
}

/* POST to the endpoint that answered last, and on along the list while
 * one gives no answer. */
static int call_any(agent_client_t *c, const char *target, const char *body, const char *service,
                    const char *region, json_t **out, ecs_error_t *err)
{
    int first = atomic_load(&c->current), rc = -1;
    for (int k = 0; k < c->n_base; k++) {
        int i = (first + k) % c->n_base;
        rc = post(c, c->base[i], "/", target, AMZ_JSON, body, CALL_TIMEOUT_S, service, region, out, err);
        if (rc == 0 || !try_next(err) || atomic_load(&c->cancelled)) {
            if (i != first && atomic_compare_exchange_strong(&c->current, &first, i))
                log_warn("server %s did not answer: %s answers now", c->base[first], c->base[i]);
            return rc;
        }
    }
    return rc;
}

int agent_client_logs(agent_client_t *c, const char *endpoint, const char *region, const char *op, const char *body,
                      json_t **out, ecs_error_t *err)
{
    char target[160], base[512];
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    const char *r = region && region[0] ? region : NULL;
    if (endpoint == NULL || strchr(endpoint, ',') != NULL) /* the client's own list */
        return call_any(c, target, body, "logs", r, out, err);
    if (read_base(endpoint, strlen(endpoint), base) < 0)
        return ecs_invalid_param(err, "not an http(s) endpoint: %.300s", endpoint);
    return post(c, base, "/", target, AMZ_JSON, body, CALL_TIMEOUT_S, "logs", r, out, err);
}

int agent_client_call(agent_client_t *c, const char *op, const char *body, json_t **out, ecs_error_t *err)
{
    char target[160];
    snprintf(target, sizeof target, TARGET_PREFIX "%s", op);
    return call_any(c, target, body, NULL, NULL, out, err);
}

int agent_client_endpoints(const agent_client_t *c) { return c->n_base; }

int agent_client_post(agent_client_t *c, const char *url, const char *body, long timeout_s, json_t **out,
                      ecs_error_t *err)
{
    const char *auth = strstr(url, "://");
    if (auth == NULL)
        return ecs_invalid_param(err, "not a URL: %.300s", url);
    size_t base_len = (size_t)(auth + 3 - url) + strcspn(auth + 3, "/?#");
    char base[512];
    if (base_len >= sizeof base)
        return ecs_invalid_param(err, "URL too long: %.300s", url);
    memcpy(base, url, base_len);
    base[base_len] = '\0';
    const char *path = url[base_len] == '/' ? url + base_len : "/";
    return post(c, base, path, NULL, "application/json", body, timeout_s, NULL, NULL, out, err);
}

int agent_client_call_service(agent_client_t *c, const char *service, const char *region, const char *target,
                              const char *body, json_t **out, ecs_error_t *err)
{
    return call_any(c, target, body, service, region, out, err);
}

bool agent_client_retryable(const ecs_error_t *err)
{
    static const char *const retry[] = {"ThrottlingException", "UnrecognizedClientException",
                                        "InvalidSignatureException", "SignatureDoesNotMatch",
                                        "IncompleteSignatureException", "AccessDeniedException",
                                        "MissingAuthenticationTokenException", "ExpiredTokenException"};
    if (err->status == AGENT_CLIENT_UNREACHABLE || err->status >= 500)
        return true;
    for (size_t i = 0; i < sizeof retry / sizeof retry[0]; i++)
        if (strcmp(err->type, retry[i]) == 0)
            return true;
    return false;
}
