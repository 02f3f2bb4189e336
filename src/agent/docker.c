/* docker.c - the Docker Engine API client (see docker.h).
 *
 * Every call makes its own curl easy handle over the engine's unix socket,
 * so calls from many threads never share a connection. Replies are kept in
 * memory up to BODY_MAX; the pull and events streams are read line by line
 * (Docker writes one JSON object per line) and never kept whole.
 */
#include "agent/docker.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/cleanup.h"

/* API 1.41 is the newest Debian 12's docker.io (20.10) speaks; newer engines
 * (28.x accepts 1.24 and up) answer it too. */
#define DOCKER_API "/v1.41"
#define BODY_MAX ((size_t)16 << 20)
#define LINE_MAX_BYTES ((size_t)1 << 20)

/* Bounds on each call (as the ECS agent's defaults), in seconds. */
#define T_VERSION 30
#define T_INSPECT 30
#define T_LIST 60
#define T_CREATE 240
#define T_START 180
#define T_STOP_EXTRA 120 /* on top of the stop timeout itself */
#define T_REMOVE 300
#define T_PULL (2 * 3600)
#define T_PULL_IDLE 300 /* a pull that sends nothing for this long fails */

struct docker {
    char *socket_path;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

docker_t *docker_new(const char *host)
{
    if (host == NULL)
        return NULL;
    const char *path = strncmp(host, "unix://", 7) == 0 ? host + 7 : host;
    if (path[0] != '/' || strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return NULL;
    pthread_once(&curl_once, curl_init_once);
    if (curl_init_rc != CURLE_OK)
        return NULL;
    docker_t *d = calloc(1, sizeof *d);
    if (d == NULL || (d->socket_path = strdup(path)) == NULL) {
        free(d);
        return NULL;
    }
    return d;
}

void docker_free(docker_t *d)
{
    if (d == NULL)
        return;
    free(d->socket_path);
    free(d);
}

/* ---- growable byte buffer, always NUL-terminated ---- */

typedef struct buf {
    char *data;
    size_t len, cap;
} buf_t;

static void buf_free(buf_t *b) { free(b->data); }
#define cleanup_buf __attribute__((cleanup(buf_free)))

static int buf_add(buf_t *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *data = realloc(b->data, cap);
        if (data == NULL)
            return -1;
        b->data = data;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int buf_str(buf_t *b, const char *s) { return buf_add(b, s, strlen(s)); }

/* Appends s percent-encoded: RFC 3986 unreserved characters and those in
 * keep stay ("/:@" for image references in a path, which Docker routes whole). */
static int buf_esc(buf_t *b, const char *s, const char *keep)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int as_is = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    strchr("-._~", c) != NULL || strchr(keep, c) != NULL;
        if (as_is ? buf_add(b, s, 1) : buf_add(b, enc, 3))
            return -1;
    }
    return 0;
}

/* Appends a + escaped(mid, keep) + b; mid may be NULL. */
static int buf_path(buf_t *p, const char *a, const char *mid, const char *keep, const char *b)
{
    return buf_str(p, a) || (mid && buf_esc(p, mid, keep)) || buf_str(p, b);
}

/* The same as a new buffer; data is NULL when out of memory. */
static buf_t path_of(const char *a, const char *mid, const char *keep, const char *b)
{
    buf_t p = {0};
    if (buf_path(&p, a, mid, keep, b)) {
        buf_free(&p);
        p = (buf_t){0};
    }
    return p;
}

/* ---- one HTTP exchange with the engine ---- */

/* A reply read line by line as it comes (pull progress, events): Docker
 * writes one JSON object per line. */
typedef struct stream {
    long status; /* from the status line, which comes before any body byte */
    buf_t line;  /* the line being received */
    buf_t errbody; /* the whole reply when its status is not 200 */
    void (*on_object)(struct stream *s, json_t *obj);
    char error[ECS_ERROR_MESSAGE_MAX]; /* pull: the first error in the stream */
    docker_event_fn fn;                /* events */
    void *arg;
    docker_bytes_fn raw;               /* logs: the bytes as they come, not lines */
} stream_t;

typedef struct req {
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;   /* after the API version, query already encoded */
    const json_t *body; /* JSON body for POST, or NULL */
    const void *raw;    /* or a body of raw_len bytes of type raw_type (an image tar) */
    size_t raw_len;
    const char *raw_type;
    long timeout_s;     /* whole exchange; 0: none */
    long idle_s;        /* fail when nothing arrives this long; 0: none */
    volatile bool *stop; /* aborts the exchange when it becomes true */
    stream_t *stream;    /* NULL: the reply is kept whole */
} req_t;

static int xfer_check(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                      curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return *(volatile bool *)arg ? 1 : 0;
}

static size_t write_buf(char *p, size_t size, size_t n, void *arg)
{
    buf_t *b = arg;
    if (b->len + size * n > BODY_MAX || buf_add(b, p, size * n))
        return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
    return size * n;
}

static void stream_line(stream_t *s)
{
    size_t n = s->line.len;
    while (n > 0 && (s->line.data[n - 1] == '\r' || s->line.data[n - 1] == ' '))
        n--;
    json_t *obj = n ? json_loadb(s->line.data, n, 0, NULL) : NULL;
    if (json_is_object(obj))
        s->on_object(s, obj);
    json_decref(obj);
    s->line.len = 0;
}

static size_t stream_header(char *p, size_t size, size_t n, void *arg)
{
    stream_t *s = arg;
    int code;
    if (size * n > 9 && strncmp(p, "HTTP/", 5) == 0 && sscanf(p, "HTTP/%*s %d", &code) == 1)
        s->status = code; /* the last status line wins (after a 100 Continue) */
    return size * n;
}

static size_t stream_write(char *p, size_t size, size_t n, void *arg)
{
    stream_t *s = arg;
    size_t len = size * n;
    if (s->status != 200)
        return write_buf(p, size, n, &s->errbody);
    if (s->raw != NULL)
        return s->raw(s->arg, p, len) == 0 ? len : 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t chunk = nl ? (size_t)(nl - (p + i)) : len - i;
        if (s->line.len + chunk > LINE_MAX_BYTES || buf_add(&s->line, p + i, chunk))
            return 0;
        i += chunk + (nl != NULL);
        if (nl)
            stream_line(s);
    }
    return len;
}

/* Runs the exchange; *status is Docker's HTTP status. Returns the curl
 * code (CURLE_OK when a reply, of any status, came back). */
static CURLcode perform(docker_t *d, const req_t *r, long *status, buf_t *reply, char *errbuf)
{
    *status = 0;
    snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
    cleanup_buf buf_t url = {0};
    cleanup_free char *body = NULL;
    if (buf_str(&url, "http://docker" DOCKER_API) || buf_str(&url, r->path) ||
        (r->body && (body = json_dumps(r->body, JSON_COMPACT)) == NULL))
        return CURLE_OUT_OF_MEMORY;
    CURL *h = curl_easy_init();
    /* No "Expect: 100-continue" pause before large bodies. */
    struct curl_slist *hdrs = curl_slist_append(NULL, "Expect:"), *h2;
    if (body && (h2 = curl_slist_append(hdrs, "Content-Type: application/json")) != NULL)
        hdrs = h2;
    char raw_ct[64];
    snprintf(raw_ct, sizeof raw_ct, "Content-Type: %s", r->raw_type ? r->raw_type : "");
    if (r->raw && (h2 = curl_slist_append(hdrs, raw_ct)) != NULL)
        hdrs = h2;
    if (h == NULL || hdrs == NULL) {
        curl_easy_cleanup(h);
        curl_slist_free_all(hdrs);
        return CURLE_OUT_OF_MEMORY;
    }
    errbuf[0] = '\0';
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        if (r->raw != NULL) {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, r->raw);
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)r->raw_len);
        } else {
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, body ? (long)strlen(body) : 0L);
        }
    } else if (strcmp(r->method, "GET") != 0) {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (r->timeout_s > 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT, r->timeout_s);
    if (r->idle_s > 0) {
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, r->idle_s);
    }
    if (r->stop != NULL) {
        /* Called at least once a second, even on an idle stream. */
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, xfer_check);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, (void *)r->stop);
    }
    if (r->stream != NULL) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, stream_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, r->stream);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, r->stream ? stream_write : write_buf);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r->stream ? (void *)r->stream : (void *)reply);

    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK && errbuf[0] == '\0')
        snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    if (r->stream != NULL && r->stream->status == 200 && r->stream->line.len > 0)
        stream_line(r->stream); /* a last line without '\n' */
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return rc;
}

/* Go's duration format, as the ECS agent prints timeouts: 30s, 4m0s, 2h0m0s. */
static void go_duration(long s, char *out, size_t size)
{
    if (s >= 3600)
        snprintf(out, size, "%ldh%ldm%lds", s / 3600, s / 60 % 60, s % 60);
    else if (s >= 60)
        snprintf(out, size, "%ldm%lds", s / 60, s % 60);
    else
        snprintf(out, size, "%lds", s);
}

/* No reply: a timeout is DockerTimeoutError (as the ECS agent reports it
 * when state is given), anything else type with curl's text. */
static int transport_err(docker_t *d, CURLcode rc, const char *errbuf, long timeout_s,
                         const char *type, const char *state, ecs_error_t *err)
{
    char dur[32];
    go_duration(timeout_s, dur, sizeof dur);
    if (rc == CURLE_OPERATION_TIMEDOUT && state != NULL)
        return ecs_err(err, 500, "DockerTimeoutError",
                       "Could not transition to %s; timed out after waiting %s", state, dur);
    if (rc == CURLE_OUT_OF_MEMORY)
        return ecs_err(err, 500, type, "out of memory");
    if (rc == CURLE_COULDNT_CONNECT)
        return ecs_err(err, 500, type, "Cannot connect to the Docker daemon at unix://%s: %s",
                       d->socket_path, errbuf);
    return ecs_err(err, 500, type, "Docker at unix://%s: %s", d->socket_path, errbuf);
}

/* An exchange whose reply is kept in *reply: Docker's HTTP status, or -1
 * (err filled) when no reply came back. */
static long request(docker_t *d, const char *method, const buf_t *path, const json_t *body,
                    long timeout_s, const char *type, const char *state, buf_t *reply,
                    ecs_error_t *err)
{
    if (path->data == NULL)
        return ecs_err(err, 500, type, "out of memory");
    req_t r = {.method = method, .path = path->data, .body = body, .timeout_s = timeout_s};
    char errbuf[CURL_ERROR_SIZE];
    long status;
    CURLcode rc = perform(d, &r, &status, reply, errbuf);
    return rc == CURLE_OK ? status : transport_err(d, rc, errbuf, timeout_s, type, state, err);
}

/* Docker's error text from a reply: {"message": "..."}, else the body
 * itself, else the status. Returns -1; status < 0 (no reply) keeps err. */
static int reply_err(const buf_t *reply, long status, const char *type, ecs_error_t *err)
{
    if (status < 0)
        return -1;
    json_t *j = reply->len ? json_loadb(reply->data, reply->len, 0, NULL) : NULL;
    const char *msg = NULL;
    size_t len = reply->len;
    if (json_unpack(j, "{s:s}", "message", &msg) == 0 && msg[0] != '\0') {
        ecs_err(err, (int)status, type, "%s", msg);
    } else {
        while (len > 0 && strchr("\r\n ", reply->data[len - 1]) != NULL)
            len--;
        if (len > 0)
            ecs_err(err, (int)status, type, "%.*s", (int)len, reply->data);
        else
            ecs_err(err, (int)status, type, "Docker answered HTTP %ld", status);
    }
    json_decref(j);
    return -1;
}

static json_t *reply_json(const buf_t *reply)
{
    return reply->len ? json_loadb(reply->data, reply->len, 0, NULL) : NULL;
}

int docker_version(docker_t *d, char *version, size_t size, ecs_error_t *err)
{
    const char *type = "CannotGetDockerClientVersionError", *v = NULL;
    cleanup_buf buf_t path = path_of("/version", NULL, "", ""), reply = {0};
    long status = request(d, "GET", &path, NULL, T_VERSION, type, NULL, &reply, err);
    if (status != 200)
        return reply_err(&reply, status, type, err);
    cleanup_json json_t *j = reply_json(&reply);
    if (json_unpack(j, "{s:s}", "Version", &v) != 0)
        return ecs_err(err, 500, type, "no Version in Docker's /version reply");
    snprintf(version, size, "%s", v);
    return 0;
}

int docker_system(docker_t *d, const char *what, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotGetDockerClientVersionError";
    cleanup_buf buf_t path = path_of("/", what, "", ""), reply = {0};
    *out = NULL;
    long status = request(d, "GET", &path, NULL, T_VERSION, type, NULL, &reply, err);
    if (status != 200)
        return reply_err(&reply, status, type, err);
    *out = reply_json(&reply);
    if (json_is_object(*out))
        return 0;
    json_decref(*out);
    *out = NULL;
    return ecs_err(err, 500, type, "Docker's /%s reply is not a JSON object", what);
}

static void pull_object(stream_t *s, json_t *obj)
{
    const char *msg = NULL;
    if (s->error[0] != '\0')
        return; /* the first error is the cause */
    if (json_unpack(obj, "{s:{s:s}}", "errorDetail", "message", &msg) == 0 ||
        json_unpack(obj, "{s:s}", "error", &msg) == 0 || json_object_get(obj, "errorDetail"))
        snprintf(s->error, sizeof s->error, "%s", msg && msg[0] ? msg : "image pull failed");
}

/* Splits "repo[:tag]" or "repo@digest": the tag follows the last ':' only
 * when that ':' comes after the last '/' (a registry may have a port). */
static int split_image(const char *image, buf_t *repo, const char **tag)
{
    const char *colon = strrchr(image, ':'), *slash = strrchr(image, '/');
    *tag = strchr(image, '@') ? NULL : "latest"; /* by digest: the whole reference */
    if (*tag && colon != NULL && (slash == NULL || colon > slash) && colon[1] != '\0') {
        *tag = colon + 1;
        return buf_add(repo, image, (size_t)(colon - image));
    }
    return buf_str(repo, image);
}

int docker_pull(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotPullContainerError", *tag;
    cleanup_buf buf_t repo = {0}, path = {0};
    if (image == NULL || image[0] == '\0')
        return ecs_err(err, 400, type, "no image given");
    if (split_image(image, &repo, &tag) || buf_path(&path, "/images/create?fromImage=", repo.data, "", "") ||
        (tag && buf_path(&path, "&tag=", tag, "", "")))
        return ecs_err(err, 500, type, "out of memory");

    stream_t s = {.on_object = pull_object};
    req_t r = {.method = "POST", .path = path.data, .timeout_s = T_PULL, .idle_s = T_PULL_IDLE, .stream = &s};
    char errbuf[CURL_ERROR_SIZE], dur[32];
    long status;
    CURLcode rc = perform(d, &r, &status, NULL, errbuf);
    int ret = 0;
    go_duration(T_PULL, dur, sizeof dur);
    if (rc == CURLE_OK && status != 200)
        ret = reply_err(&s.errbody, status, type, err);
    else if (s.error[0] != '\0')
        ret = ecs_err(err, 500, type, "%s", s.error);
    else if (rc == CURLE_OPERATION_TIMEDOUT)
        ret = ecs_err(err, 500, type, "pull of %s sent nothing for %ds or took over %s", image,
                      T_PULL_IDLE, dur);
    else if (rc != CURLE_OK)
        ret = transport_err(d, rc, errbuf, 0, type, NULL, err);
    buf_free(&s.line);
    buf_free(&s.errbody);
    return ret;
}

int docker_image_present(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotPullContainerError";
    cleanup_buf buf_t path = path_of("/images/", image, "/:@", "/json"), reply = {0};
    long status = request(d, "GET", &path, NULL, T_INSPECT, type, NULL, &reply, err);
    if (status == 200 || status == 404)
        return status == 200;
    return reply_err(&reply, status, type, err);
}

int docker_image_remove(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotRemoveImageError";
    cleanup_buf buf_t path = path_of("/images/", image, "/:@", "?force=1"), reply = {0};
    long status = request(d, "DELETE", &path, NULL, T_REMOVE, type, NULL, &reply, err);
    return status == 200 || status == 404 ? 0 : reply_err(&reply, status, type, err);
}

int docker_create(docker_t *d, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1],
                  ecs_error_t *err)
{
    const char *type = "CannotCreateContainerError", *cid = NULL;
    cleanup_buf buf_t path = path_of(name ? "/containers/create?name=" : "/containers/create", name, "", ""),
                      reply = {0};
    long status = request(d, "POST", &path, body, T_CREATE, type, "created", &reply, err);
    if (status != 201)
        return reply_err(&reply, status, type, err);
    cleanup_json json_t *j = reply_json(&reply);
    if (json_unpack(j, "{s:s}", "Id", &cid) != 0 || strlen(cid) > DOCKER_ID_MAX)
        return ecs_err(err, 500, type, "no container Id in Docker's reply");
    snprintf(id, DOCKER_ID_MAX + 1, "%s", cid);
    return 0;
}

/* POST /containers/{id}/<action>: 204 done, 304 already so. */
static int container_post(docker_t *d, const char *id, const char *action, long timeout_s,
                          const char *type, const char *state, ecs_error_t *err)
{
    cleanup_buf buf_t path = path_of("/containers/", id, "", action), reply = {0};
    long status = request(d, "POST", &path, NULL, timeout_s, type, state, &reply, err);
    return status == 204 || status == 304 ? 0 : reply_err(&reply, status, type, err);
}

int docker_start(docker_t *d, const char *id, ecs_error_t *err)
{
    return container_post(d, id, "/start", T_START, "CannotStartContainerError", "started", err);
}

int docker_stop(docker_t *d, const char *id, int timeout_s, ecs_error_t *err)
{
    char action[48];
    timeout_s = timeout_s < 0 ? 0 : timeout_s;
    snprintf(action, sizeof action, "/stop?t=%d", timeout_s);
    return container_post(d, id, action, (long)timeout_s + T_STOP_EXTRA, "CannotStopContainerError",
                          "stopped", err);
}

int docker_remove(docker_t *d, const char *id, ecs_error_t *err)
{
    const char *type = "CannotRemoveContainerError";
    cleanup_buf buf_t path = path_of("/containers/", id, "", "?v=1&force=1"), reply = {0};
    long status = request(d, "DELETE", &path, NULL, T_REMOVE, type, "removed", &reply, err);
    return status == 204 ? 0 : reply_err(&reply, status, type, err);
}

/* A reply that must be a JSON object (inspect) or array (list). */
static int reply_into(const buf_t *reply, bool array, json_t **out, const char *type, ecs_error_t *err)
{
    *out = reply_json(reply);
    if (array ? json_is_array(*out) : json_is_object(*out))
        return 0;
    json_decref(*out);
    *out = NULL;
    return ecs_err(err, 500, type, "Docker's reply is not a JSON %s", array ? "array" : "object");
}

int docker_inspect(docker_t *d, const char *id, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotInspectContainerError";
    cleanup_buf buf_t path = path_of("/containers/", id, "", "/json"), reply = {0};
    *out = NULL;
    long status = request(d, "GET", &path, NULL, T_INSPECT, type, NULL, &reply, err);
    if (status == 404)
        return 0;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    return reply_into(&reply, false, out, type, err) ? -1 : 1;
}

int docker_stats(docker_t *d, const char *id, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotGetContainerStatsError";
    cleanup_buf buf_t path = path_of("/containers/", id, "", "/stats?stream=false"), reply = {0};
    *out = NULL;
    long status = request(d, "GET", &path, NULL, T_INSPECT, type, NULL, &reply, err);
    if (status == 404)
        return 0;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    return reply_into(&reply, false, out, type, err) ? -1 : 1;
}

/* "<sep>filters=<{"type":[type],"label":[label]}, URL-encoded>" (both optional). */
static int add_filters(buf_t *path, const char *sep, const char *type, const char *label)
{
    cleanup_json json_t *f = json_object();
    if (f == NULL || (type && json_object_set_new(f, "type", json_pack("[s]", type))) ||
        (label && json_object_set_new(f, "label", json_pack("[s]", label))))
        return -1;
    if (json_object_size(f) == 0)
        return 0;
    cleanup_free char *s = json_dumps(f, JSON_COMPACT);
    return s == NULL || buf_path(path, sep, NULL, "", "filters=") || buf_esc(path, s, "");
}

int docker_list(docker_t *d, const char *label, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotListContainersError";
    cleanup_buf buf_t path = path_of("/containers/json?all=1", NULL, "", ""), reply = {0};
    *out = NULL;
    if (path.data && add_filters(&path, "&", NULL, label)) {
        buf_free(&path);
        path = (buf_t){0};
    }
    long status = request(d, "GET", &path, NULL, T_LIST, type, NULL, &reply, err);
    if (status != 200)
        return reply_err(&reply, status, type, err);
    return reply_into(&reply, true, out, type, err);
}

int docker_volume_create(docker_t *d, const json_t *body, ecs_error_t *err)
{
    const char *type = "CannotCreateVolumeError";
    cleanup_buf buf_t path = path_of("/volumes/create", NULL, "", ""), reply = {0};
    long status = request(d, "POST", &path, body, T_CREATE, type, "created", &reply, err);
    return status == 201 || status == 200 ? 0 : reply_err(&reply, status, type, err);
}

int docker_volume_inspect(docker_t *d, const char *name, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotInspectVolumeError";
    cleanup_buf buf_t path = path_of("/volumes/", name, "", ""), reply = {0};
    *out = NULL;
    long status = request(d, "GET", &path, NULL, T_INSPECT, type, NULL, &reply, err);
    if (status == 404)
        return 0;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    return reply_into(&reply, false, out, type, err) ? -1 : 1;
}

int docker_volume_remove(docker_t *d, const char *name, ecs_error_t *err)
{
    const char *type = "CannotRemoveVolumeError";
    cleanup_buf buf_t path = path_of("/volumes/", name, "", ""), reply = {0};
    long status = request(d, "DELETE", &path, NULL, T_REMOVE, type, "removed", &reply, err);
    return status == 204 || status == 404 ? 0 : reply_err(&reply, status, type, err);
}

static void event_object(stream_t *s, json_t *obj) { s->fn(s->arg, obj); }

int docker_events(docker_t *d, const char *label, volatile bool *stop, docker_event_fn fn, void *arg,
                  ecs_error_t *err)
{
    const char *type = "DockerEventStreamError";
    cleanup_buf buf_t path = {0};
    if (*stop)
        return 0;
    if (buf_str(&path, "/events") || add_filters(&path, "?", "container", label))
        return ecs_err(err, 500, type, "out of memory");
    /* No time limit and no low-speed limit: an idle stream is normal. */
    stream_t s = {.on_object = event_object, .fn = fn, .arg = arg};
    req_t r = {.method = "GET", .path = path.data, .stop = stop, .stream = &s};
    char errbuf[CURL_ERROR_SIZE];
    long status;
    CURLcode rc = perform(d, &r, &status, NULL, errbuf);
    int ret = -1;
    if (*stop)
        ret = 0;
    else if (rc == CURLE_OK && status != 200)
        reply_err(&s.errbody, status, type, err);
    else if (rc == CURLE_OK)
        ecs_err(err, 500, type, "Docker closed the event stream");
    else
        transport_err(d, rc, errbuf, 0, type, NULL, err);
    buf_free(&s.line);
    buf_free(&s.errbody);
    return ret;
}

/* ---- images from a tar, networks (the agent's awsvpc bridge) ---- */

int docker_image_import(docker_t *d, const char *repo, const char *tag, const char *changes, const void *tar,
                        size_t len, ecs_error_t *err)
{
    const char *type = "CannotPullContainerError";
    cleanup_buf buf_t path = {0}, reply = {0};
    if (buf_path(&path, "/images/create?fromSrc=-&repo=", repo, "", "") || buf_path(&path, "&tag=", tag, "", "") ||
        (changes && buf_path(&path, "&changes=", changes, "", "")))
        return ecs_err(err, 500, type, "out of memory");
    req_t r = {.method = "POST", .path = path.data, .raw = tar, .raw_len = len, .raw_type = "application/x-tar",
               .timeout_s = T_CREATE};
    char errbuf[CURL_ERROR_SIZE];
    long status;
    CURLcode rc = perform(d, &r, &status, &reply, errbuf);
    if (rc != CURLE_OK)
        return transport_err(d, rc, errbuf, T_CREATE, type, NULL, err);
    if (status != 200)
        return reply_err(&reply, status, type, err);
    /* the reply is a progress stream: an error shows as {"error": ...} */
    if (reply.len > 0 && memmem(reply.data, reply.len, "\"error\"", 7) != NULL)
        return ecs_err(err, 500, type, "Docker refused the image: %.*s", (int)(reply.len > 300 ? 300 : reply.len),
                       reply.data);
    return 0;
}

int docker_network_inspect(docker_t *d, const char *name, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotInspectNetworkError";
    cleanup_buf buf_t path = path_of("/networks/", name, "", ""), reply = {0};
    *out = NULL;
    long status = request(d, "GET", &path, NULL, T_INSPECT, type, NULL, &reply, err);
    if (status == 404)
        return 0;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    return reply_into(&reply, false, out, type, err) ? -1 : 1;
}

int docker_network_create(docker_t *d, const json_t *body, ecs_error_t *err)
{
    const char *type = "CannotCreateNetworkError";
    cleanup_buf buf_t path = path_of("/networks/create", NULL, "", ""), reply = {0};
    long status = request(d, "POST", &path, body, T_CREATE, type, "created", &reply, err);
    return status == 201 || status == 200 ? 0 : reply_err(&reply, status, type, err);
}

int docker_logs(docker_t *d, const char *id, const char *since, volatile bool *stop, docker_bytes_fn fn, void *arg,
                ecs_error_t *err)
{
    const char *type = "DockerLogStreamError";
    cleanup_buf buf_t path = path_of("/containers/", id, "", "/logs?follow=1&stdout=1&stderr=1&timestamps=1");
    if (path.data == NULL || (since && since[0] && buf_path(&path, "&since=", since, "", "")))
        return ecs_err(err, 500, type, "out of memory");
    /* No time limit: a quiet container is normal; the stream ends when it stops. */
    stream_t s = {.raw = fn, .arg = arg};
    req_t r = {.method = "GET", .path = path.data, .stop = stop, .stream = &s};
    char errbuf[CURL_ERROR_SIZE];
    long status;
    CURLcode rc = perform(d, &r, &status, NULL, errbuf);
    int ret = -1;
    if (*stop)
        ret = 1;
    else if (rc == CURLE_OK && status != 200)
        reply_err(&s.errbody, status, type, err);
    else if (rc == CURLE_OK)
        ret = 0;
    else
        transport_err(d, rc, errbuf, 0, type, NULL, err);
    buf_free(&s.line);
    buf_free(&s.errbody);
    return ret;
}
