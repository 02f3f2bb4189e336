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

/* Appends s percent-encoded: only RFC 3986 unreserved characters stay. */
static int buf_esc(buf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        char enc[3] = {'%', hex[c >> 4], hex[c & 15]};
        int keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-' || c == '.' || c == '_' || c == '~';
        if (keep ? buf_add(b, s, 1) : buf_add(b, enc, 3))
            return -1;
    }
    return 0;
}

/* ---- one HTTP exchange with the engine ---- */

typedef struct req {
    const char *method; /* "GET", "POST", "DELETE" */
    const char *path;   /* after the API version, query already encoded */
    const json_t *body; /* JSON body for POST, or NULL */
    long timeout_s;     /* whole exchange; 0: none */
    long idle_s;        /* fail when nothing arrives this long; 0: none */
    curl_write_callback write_fn; /* NULL: the reply goes into *reply */
    void *write_arg;
    curl_write_callback header_fn; /* header lines, or NULL */
    void *header_arg;
    volatile bool *stop; /* aborts the exchange when it becomes true */
} req_t;

static int xfer_check(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                      curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    volatile bool *stop = arg;
    return *stop ? 1 : 0;
}

static size_t write_buf(char *p, size_t size, size_t n, void *arg)
{
    buf_t *b = arg;
    if (b->len + size * n > BODY_MAX || buf_add(b, p, size * n))
        return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
    return size * n;
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

/* Runs the exchange; *status is Docker's HTTP status. Returns the curl
 * code (CURLE_OK when a reply, of any status, came back). */
static CURLcode perform(docker_t *d, const req_t *r, long *status, buf_t *reply, char *errbuf)
{
    *status = 0;
    errbuf[0] = '\0';
    CURL *h = curl_easy_init();
    if (h == NULL) {
        snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
        return CURLE_OUT_OF_MEMORY;
    }
    cleanup_buf buf_t url = {0};
    cleanup_free char *body = NULL;
    struct curl_slist *hdrs = NULL, *h2;
    if (buf_str(&url, "http://docker" DOCKER_API) || buf_str(&url, r->path) ||
        (r->body && (body = json_dumps(r->body, JSON_COMPACT)) == NULL)) {
        curl_easy_cleanup(h);
        snprintf(errbuf, CURL_ERROR_SIZE, "out of memory");
        return CURLE_OUT_OF_MEMORY;
    }
    /* No "Expect: 100-continue" pause before large bodies. */
    if ((h2 = curl_slist_append(hdrs, "Expect:")) != NULL)
        hdrs = h2;
    if (body && (h2 = curl_slist_append(hdrs, "Content-Type: application/json")) != NULL)
        hdrs = h2;

    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
    curl_easy_setopt(h, CURLOPT_URL, url.data);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
    if (strcmp(r->method, "POST") == 0) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, body ? (long)strlen(body) : 0L);
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
    if (r->header_fn != NULL) {
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, r->header_fn);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, r->header_arg);
    }
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, r->write_fn ? r->write_fn : write_buf);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, r->write_fn ? r->write_arg : (void *)reply);

    CURLcode rc = curl_easy_perform(h);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
    if (rc != CURLE_OK && errbuf[0] == '\0')
        snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
    curl_easy_cleanup(h);
    curl_slist_free_all(hdrs);
    return rc;
}

/* Docker's error text from an error reply: {"message": "..."}, else the
 * body itself, else the status. */
static void reply_message(const char *body, size_t len, long status, char *out, size_t size)
{
    json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
    const char *msg = NULL;
    if (j != NULL && json_unpack(j, "{s:s}", "message", &msg) == 0 && msg[0] != '\0') {
        snprintf(out, size, "%s", msg);
    } else {
        while (len > 0 && (body[len - 1] == '\n' || body[len - 1] == '\r' || body[len - 1] == ' '))
            len--;
        if (len > 0)
            snprintf(out, size, "%.*s", (int)len, body);
        else
            snprintf(out, size, "Docker answered HTTP %ld", status);
    }
    json_decref(j);
}

/* The error for a failed exchange: a timeout is DockerTimeoutError (as the
 * ECS agent reports it), anything else type with curl's or Docker's text. */
static int transport_err(docker_t *d, CURLcode rc, const char *errbuf, const req_t *r,
                         const char *type, const char *state, ecs_error_t *err)
{
    if (rc == CURLE_OPERATION_TIMEDOUT && state != NULL) {
        char dur[32];
        go_duration(r->timeout_s, dur, sizeof dur);
        return ecs_err(err, 500, "DockerTimeoutError",
                       "Could not transition to %s; timed out after waiting %s", state, dur);
    }
    return ecs_err(err, 500, type, "Cannot connect to the Docker daemon at unix://%s: %s",
                   d->socket_path, errbuf);
}

/* An exchange with its reply in memory. Returns 0 with *status set, or -1
 * (err filled with type) when no reply came back. */
static int call(docker_t *d, const req_t *r, long *status, buf_t *reply, const char *type,
                const char *state, ecs_error_t *err)
{
    char errbuf[CURL_ERROR_SIZE];
    CURLcode rc = perform(d, r, status, reply, errbuf);
    if (rc != CURLE_OK)
        return transport_err(d, rc, errbuf, r, type, state, err);
    return 0;
}

static int reply_err(const buf_t *reply, long status, const char *type, ecs_error_t *err)
{
    char msg[ECS_ERROR_MESSAGE_MAX];
    reply_message(reply->data, reply->len, status, msg, sizeof msg);
    return ecs_err(err, (int)status, type, "%s", msg);
}

static json_t *reply_json(const buf_t *reply)
{
    return reply->len ? json_loadb(reply->data, reply->len, 0, NULL) : NULL;
}

/* Appends s for a URL path: unreserved characters and "/:@" stay (image
 * references such as 127.0.0.1:5000/name:tag are routed whole by Docker). */
static int buf_esc_path(buf_t *b, const char *s)
{
    for (const char *p = s; *p; p++) {
        char one[2] = {*p, '\0'};
        if (strchr("/:@", *p) != NULL ? buf_add(b, p, 1) : buf_esc(b, one))
            return -1;
    }
    return 0;
}

/* "/containers/<id><suffix>" */
static int container_path(buf_t *p, const char *id, const char *suffix)
{
    return buf_str(p, "/containers/") || buf_esc(p, id) || buf_str(p, suffix);
}

static int oom(ecs_error_t *err, const char *type) { return ecs_err(err, 500, type, "out of memory"); }

int docker_version(docker_t *d, char *version, size_t size, ecs_error_t *err)
{
    const char *type = "CannotGetDockerClientVersionError";
    req_t r = {.method = "GET", .path = "/version", .timeout_s = T_VERSION};
    cleanup_buf buf_t reply = {0};
    long status;
    if (call(d, &r, &status, &reply, type, NULL, err))
        return -1;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    cleanup_json json_t *j = reply_json(&reply);
    const char *v = NULL;
    if (j == NULL || json_unpack(j, "{s:s}", "Version", &v) != 0)
        return ecs_err(err, 500, type, "no Version in Docker's /version reply");
    snprintf(version, size, "%s", v);
    return 0;
}

/* ---- line streams (pull progress, events) ---- */

typedef struct stream {
    buf_t line;     /* the line being received */
    buf_t errbody;  /* the whole reply when its status is not 200 */
    long status;    /* 0 until known */
    void (*on_line)(struct stream *s, json_t *obj);
    /* pull */
    char error[ECS_ERROR_MESSAGE_MAX];
    /* events */
    docker_event_fn fn;
    void *arg;
} stream_t;

static void stream_line(stream_t *s, const char *p, size_t n)
{
    while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
        n--;
    if (n == 0)
        return;
    json_t *obj = json_loadb(p, n, 0, NULL);
    if (json_is_object(obj))
        s->on_line(s, obj);
    json_decref(obj);
}

/* The status line comes before any body byte: the header callback keeps it. */
static size_t stream_header(char *p, size_t size, size_t n, void *arg)
{
    stream_t *s = arg;
    int code;
    if (n * size > 9 && strncmp(p, "HTTP/", 5) == 0 && sscanf(p, "HTTP/%*s %d", &code) == 1)
        s->status = code; /* the last status line wins (after a 100 Continue) */
    return size * n;
}

static size_t stream_write(char *p, size_t size, size_t n, void *arg)
{
    stream_t *s = arg;
    size_t len = size * n;
    if (s->status != 200)
        return write_buf(p, size, n, &s->errbody);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t chunk = nl ? (size_t)(nl - (p + i)) : len - i;
        if (s->line.len + chunk > LINE_MAX_BYTES || buf_add(&s->line, p + i, chunk))
            return 0;
        i += chunk;
        if (nl) {
            stream_line(s, s->line.data, s->line.len);
            s->line.len = 0;
            i++;
        }
    }
    return len;
}

/* Runs a streamed exchange. Returns the curl code; s->status is set. */
static CURLcode stream_perform(docker_t *d, req_t *r, stream_t *s, char *errbuf)
{
    r->write_fn = stream_write;
    r->write_arg = s;
    r->header_fn = stream_header;
    r->header_arg = s;
    long status = 0;
    CURLcode rc = perform(d, r, &status, NULL, errbuf);
    if (s->line.len > 0 && s->status == 200)
        stream_line(s, s->line.data, s->line.len); /* a last line without '\n' */
    s->status = status;
    return rc;
}

static void pull_line(stream_t *s, json_t *obj)
{
    const char *msg = NULL;
    if (s->error[0] != '\0')
        return; /* the first error is the cause */
    if (json_unpack(obj, "{s:{s:s}}", "errorDetail", "message", &msg) == 0 ||
        json_unpack(obj, "{s:s}", "error", &msg) == 0)
        snprintf(s->error, sizeof s->error, "%s", msg[0] ? msg : "image pull failed");
    else if (json_object_get(obj, "errorDetail") != NULL)
        snprintf(s->error, sizeof s->error, "image pull failed");
}

/* Splits "repo[:tag]" or "repo@digest": the tag follows the last ':' only
 * when that ':' comes after the last '/' (a registry may have a port). */
static int split_image(const char *image, buf_t *repo, const char **tag)
{
    const char *colon = strrchr(image, ':'), *slash = strrchr(image, '/');
    if (strchr(image, '@') != NULL) {
        *tag = NULL; /* by digest: Docker takes the whole reference */
        return buf_str(repo, image);
    }
    if (colon != NULL && (slash == NULL || colon > slash) && colon[1] != '\0') {
        *tag = colon + 1;
        return buf_add(repo, image, (size_t)(colon - image));
    }
    *tag = "latest";
    return buf_str(repo, image);
}

int docker_pull(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotPullContainerError", *tag;
    cleanup_buf buf_t repo = {0}, path = {0};
    if (image == NULL || image[0] == '\0')
        return ecs_err(err, 400, type, "no image given");
    if (split_image(image, &repo, &tag) || buf_str(&path, "/images/create?fromImage=") ||
        buf_esc(&path, repo.data) || (tag && (buf_str(&path, "&tag=") || buf_esc(&path, tag))))
        return oom(err, type);

    req_t r = {.method = "POST", .path = path.data, .timeout_s = T_PULL, .idle_s = T_PULL_IDLE};
    stream_t s = {.on_line = pull_line};
    char errbuf[CURL_ERROR_SIZE];
    CURLcode rc = stream_perform(d, &r, &s, errbuf);
    int ret = 0;
    if (rc == CURLE_OK && s.status != 200) {
        ret = reply_err(&s.errbody, s.status, type, err);
    } else if (s.error[0] != '\0') {
        ret = ecs_err(err, 500, type, "%s", s.error);
    } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        char dur[32];
        go_duration(r.timeout_s, dur, sizeof dur);
        ret = ecs_err(err, 500, type, "image pull of %s sent nothing for %lds or took over %s",
                      image, (long)T_PULL_IDLE, dur);
    } else if (rc != CURLE_OK) {
        ret = transport_err(d, rc, errbuf, &r, type, NULL, err);
    }
    buf_free(&s.line);
    buf_free(&s.errbody);
    return ret;
}

int docker_image_present(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotPullContainerError";
    cleanup_buf buf_t path = {0}, reply = {0};
    if (buf_str(&path, "/images/") || buf_esc_path(&path, image) || buf_str(&path, "/json"))
        return oom(err, type);
    req_t r = {.method = "GET", .path = path.data, .timeout_s = T_INSPECT};
    long status;
    if (call(d, &r, &status, &reply, type, NULL, err))
        return -1;
    if (status == 404)
        return 0;
    return status == 200 ? 1 : reply_err(&reply, status, type, err);
}

int docker_image_remove(docker_t *d, const char *image, ecs_error_t *err)
{
    const char *type = "CannotRemoveImageError";
    cleanup_buf buf_t path = {0}, reply = {0};
    if (buf_str(&path, "/images/") || buf_esc_path(&path, image) || buf_str(&path, "?force=1"))
        return oom(err, type);
    req_t r = {.method = "DELETE", .path = path.data, .timeout_s = T_REMOVE};
    long status;
    if (call(d, &r, &status, &reply, type, NULL, err))
        return -1;
    return status == 200 || status == 404 ? 0 : reply_err(&reply, status, type, err);
}

int docker_create(docker_t *d, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1],
                  ecs_error_t *err)
{
    const char *type = "CannotCreateContainerError";
    cleanup_buf buf_t path = {0}, reply = {0};
    if (buf_str(&path, "/containers/create") ||
        (name && (buf_str(&path, "?name=") || buf_esc(&path, name))))
        return oom(err, type);
    req_t r = {.method = "POST", .path = path.data, .body = body, .timeout_s = T_CREATE};
    long status;
    if (call(d, &r, &status, &reply, type, "created", err))
        return -1;
    if (status != 201)
        return reply_err(&reply, status, type, err);
    cleanup_json json_t *j = reply_json(&reply);
    const char *cid = NULL;
    if (j == NULL || json_unpack(j, "{s:s}", "Id", &cid) != 0 || strlen(cid) > DOCKER_ID_MAX)
        return ecs_err(err, 500, type, "no container Id in Docker's reply");
    snprintf(id, DOCKER_ID_MAX + 1, "%s", cid);
    return 0;
}

/* POST /containers/{id}/<action>: 204 done, 304 already so. */
static int container_post(docker_t *d, const char *id, const char *suffix, long timeout_s,
                          const char *type, const char *state, ecs_error_t *err)
{
    cleanup_buf buf_t path = {0}, reply = {0};
    if (container_path(&path, id, suffix))
        return oom(err, type);
    req_t r = {.method = "POST", .path = path.data, .timeout_s = timeout_s};
    long status;
    if (call(d, &r, &status, &reply, type, state, err))
        return -1;
    return status == 204 || status == 304 ? 0 : reply_err(&reply, status, type, err);
}

int docker_start(docker_t *d, const char *id, ecs_error_t *err)
{
    return container_post(d, id, "/start", T_START, "CannotStartContainerError", "started", err);
}

int docker_stop(docker_t *d, const char *id, int timeout_s, ecs_error_t *err)
{
    char suffix[48];
    if (timeout_s < 0)
        timeout_s = 0;
    snprintf(suffix, sizeof suffix, "/stop?t=%d", timeout_s);
    return container_post(d, id, suffix, (long)timeout_s + T_STOP_EXTRA,
                          "CannotStopContainerError", "stopped", err);
}

int docker_remove(docker_t *d, const char *id, ecs_error_t *err)
{
    const char *type = "CannotRemoveContainerError";
    cleanup_buf buf_t path = {0}, reply = {0};
    if (container_path(&path, id, "?v=1&force=1"))
        return oom(err, type);
    req_t r = {.method = "DELETE", .path = path.data, .timeout_s = T_REMOVE};
    long status;
    if (call(d, &r, &status, &reply, type, "removed", err))
        return -1;
    return status == 204 ? 0 : reply_err(&reply, status, type, err);
}

int docker_inspect(docker_t *d, const char *id, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotInspectContainerError";
    cleanup_buf buf_t path = {0}, reply = {0};
    *out = NULL;
    if (container_path(&path, id, "/json"))
        return oom(err, type);
    req_t r = {.method = "GET", .path = path.data, .timeout_s = T_INSPECT};
    long status;
    if (call(d, &r, &status, &reply, type, NULL, err))
        return -1;
    if (status == 404)
        return 0;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    if ((*out = reply_json(&reply)) == NULL || !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return ecs_err(err, 500, type, "Docker's inspect reply is not a JSON object");
    }
    return 1;
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
    return s == NULL || buf_str(path, sep) || buf_str(path, "filters=") || buf_esc(path, s);
}

int docker_list(docker_t *d, const char *label, json_t **out, ecs_error_t *err)
{
    const char *type = "CannotListContainersError";
    cleanup_buf buf_t path = {0}, reply = {0};
    *out = NULL;
    if (buf_str(&path, "/containers/json?all=1") || add_filters(&path, "&", NULL, label))
        return oom(err, type);
    req_t r = {.method = "GET", .path = path.data, .timeout_s = T_LIST};
    long status;
    if (call(d, &r, &status, &reply, type, NULL, err))
        return -1;
    if (status != 200)
        return reply_err(&reply, status, type, err);
    if ((*out = reply_json(&reply)) == NULL || !json_is_array(*out)) {
        json_decref(*out);
        *out = NULL;
        return ecs_err(err, 500, type, "Docker's container list is not a JSON array");
    }
    return 0;
}

static void event_line(stream_t *s, json_t *obj) { s->fn(s->arg, obj); }

int docker_events(docker_t *d, const char *label, volatile bool *stop, docker_event_fn fn, void *arg,
                  ecs_error_t *err)
{
    const char *type = "DockerEventStreamError";
    cleanup_buf buf_t path = {0};
    if (*stop)
        return 0;
    if (buf_str(&path, "/events") || add_filters(&path, "?", "container", label))
        return oom(err, type);
    /* No time limit and no low-speed limit: an idle stream is normal. */
    req_t r = {.method = "GET", .path = path.data, .stop = stop};
    stream_t s = {.on_line = event_line, .fn = fn, .arg = arg};
    char errbuf[CURL_ERROR_SIZE];
    CURLcode rc = stream_perform(d, &r, &s, errbuf);
    int ret;
    if (*stop)
        ret = 0;
    else if (rc == CURLE_OK && s.status != 200)
        ret = reply_err(&s.errbody, s.status, type, err);
    else if (rc == CURLE_OK)
        ret = ecs_err(err, 500, type, "Docker closed the event stream");
    else
        ret = transport_err(d, rc, errbuf, &r, type, NULL, err);
    buf_free(&s.line);
    buf_free(&s.errbody);
    return ret;
}
