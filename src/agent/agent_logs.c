/* agent_logs.c - the awslogs shipper thread (see agent_logs.h): finds the
 * containers with the AGENT_LOGS_LABEL in Docker every second, keeps a
 * follower on each one that may still write, and sends their buffered
 * events as PutLogEvents batches, writing each container's position to
 * disk after every accepted batch. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "agent/agent_logs_int.h"
#include "agent/agent_map.h"
#include "common/cleanup.h"
#include "common/log.h"

#define DISCOVER_MS 1000
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 10000

/* ---- positions on disk ----
 *
 * "<ns> <lines at that ns>\n": shipped up to there. Before each batch is
 * sent, " <end ns> <end lines> <newest timestamp> <its message's hash>" is
 * added (the batch in flight); after the server took it the file holds the
 * end alone. A file still naming a batch in flight at the next start means
 * the agent died during the send: the stream's newest event says whether
 * the server took it (then the end is the position) or not. */

static void pos_path(const agent_logs_t *l, const char *id, char *out, size_t size)
{
    snprintf(out, size, "%s/%s.pos", l->dir, id);
}

static void pos_load(const agent_logs_t *l, logs_ct_t *ct)
{
    char path[4400];
    pos_path(l, ct->id, path, sizeof path);
    FILE *f = fopen(path, "r");
    long long ns = 0, n = 0, vns = 0, vn = 0, vts = 0;
    unsigned long long hash = 0;
    if (f != NULL) {
        int got = fscanf(f, "%lld %lld %lld %lld %lld %llx", &ns, &n, &vns, &vn, &vts, &hash);
        if (got < 2 || ns < 0 || n < 0)
            ns = n = 0;
        if (got == 6 && vns >= ns) {
            ct->verify = true;
            ct->v_ns = vns, ct->v_n = vn, ct->v_ts = vts, ct->v_hash = hash;
        }
        fclose(f);
    }
    ct->pos_ns = ct->read_ns = ns;
    ct->pos_n = ct->read_n = n;
}

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h;
}

/* Temporary file, fsync, rename, fsync of the folder. */
static int pos_write(const agent_logs_t *l, const char *id, const char *text)
{
    char path[4400], tmp[4410];
    pos_path(l, id, path, sizeof path);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int len = (int)strlen(text);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    bool ok = write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    close(fd);
    if (!ok || rename(tmp, path) != 0)
        return -1;
    int dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static int pos_save(const agent_logs_t *l, const char *id, int64_t ns, int64_t n)
{
    char text[64];
    snprintf(text, sizeof text, "%" PRId64 " %" PRId64 "\n", ns, n);
    return pos_write(l, id, text);
}

static int pos_save_in_flight(const agent_logs_t *l, const logs_ct_t *ct, int64_t end_ns, int64_t end_n,
                              const json_t *newest)
{
    char text[200];
    const char *msg = json_string_value(json_object_get(newest, "message"));
    snprintf(text, sizeof text, "%" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRId64 " %" PRIx64 "\n",
             ct->pos_ns, ct->pos_n, end_ns, end_n, (int64_t)json_integer_value(json_object_get(newest, "timestamp")),
             fnv1a(msg ? msg : "", msg ? json_string_length(json_object_get(newest, "message")) : 0));
    return pos_write(l, ct->id, text);
}

/* ---- containers ---- */

static char *dup_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return strdup(s ? s : "");
}

static void ct_free(logs_ct_t *ct)
{
    agent_logs_ev_free_list(ct->head);
    free(ct->pending);
    free(ct->group);
    free(ct->stream);
    free(ct->region);
    free(ct->endpoint);
    if (ct->has_re)
        regfree(&ct->re);
    free(ct);
}

/* A container from its Docker summary; NULL when its label is unreadable. */
static logs_ct_t *ct_new(agent_logs_t *l, const char *id, const char *label)
{
    cleanup_json json_t *s = json_loads(label, 0, NULL);
    const char *group = json_string_value(json_object_get(s, "group"));
    if (group == NULL || group[0] == '\0' || strlen(id) > DOCKER_ID_MAX)
        return NULL;
    logs_ct_t *ct = calloc(1, sizeof *ct);
    if (ct == NULL)
        return NULL;
    ct->owner = l;
    snprintf(ct->id, sizeof ct->id, "%s", id);
    ct->group = dup_str(s, "group");
    ct->stream = dup_str(s, "stream");
    ct->region = dup_str(s, "region");
    ct->endpoint = dup_str(s, "endpoint");
    ct->create = json_is_true(json_object_get(s, "create"));
    ct->blocking = !json_is_false(json_object_get(s, "blocking"));
    json_int_t buffer = json_integer_value(json_object_get(s, "buffer"));
    ct->max_bytes = ct->blocking || buffer <= 0 ? LOGS_BLOCKING_BUFFER : buffer;
    const char *re = json_string_value(json_object_get(s, "multiline"));
    if (re != NULL && re[0] != '\0')
        ct->has_re = regcomp(&ct->re, re, REG_EXTENDED | REG_NOSUB) == 0;
    if (ct->group == NULL || ct->stream == NULL || ct->region == NULL || ct->endpoint == NULL) {
        ct_free(ct);
        return NULL;
    }
    if (ct->stream[0] == '\0') { /* no prefix, no awslogs-stream: Docker names it by the container id */
        free(ct->stream);
        ct->stream = strdup(id);
    }
    pos_load(l, ct);
    return ct;
}

static logs_ct_t *ct_find(agent_logs_t *l, const char *id)
{
    for (logs_ct_t *ct = l->cts; ct != NULL; ct = ct->next)
        if (strcmp(ct->id, id) == 0)
            return ct;
    return NULL;
}

static int call(agent_logs_t *l, logs_ct_t *ct, const char *op, json_t *body, json_t **out, ecs_error_t *err);

/* Lock held (released for the call): a batch was in flight when the agent
 * died; the stream's newest event says whether the server took it. -1
 * when the server cannot say now (try again later). */
static int verify_in_flight(agent_logs_t *l, logs_ct_t *ct)
{
    json_t *out = NULL;
    ecs_error_t err = {0};
    pthread_mutex_unlock(&l->lock);
    int rc = call(l, ct, "GetLogEvents",
                  json_pack("{s:s, s:s, s:b, s:i}", "logGroupName", ct->group, "logStreamName", ct->stream,
                            "startFromHead", 0, "limit", 1),
                  &out, &err);
    bool taken = false;
    if (rc == 0) {
        const json_t *e = json_array_get(json_object_get(out, "events"), json_array_size(json_object_get(out, "events")) - 1);
        const char *msg = json_string_value(json_object_get(e, "message"));
        taken = msg != NULL && json_integer_value(json_object_get(e, "timestamp")) == ct->v_ts &&
                fnv1a(msg, json_string_length(json_object_get(e, "message"))) == ct->v_hash;
    }
    json_decref(out);
    if (rc < 0 && strcmp(err.type, "ResourceNotFoundException") != 0) {
        pthread_mutex_lock(&l->lock);
        return -1;
    }
    if (taken)
        pos_save(l, ct->id, ct->v_ns, ct->v_n);
    pthread_mutex_lock(&l->lock);
    if (taken) {
        log_info("awslogs %.12s: the batch in flight when the agent stopped was taken; resuming after it", ct->id);
        ct->pos_ns = ct->read_ns = ct->v_ns;
        ct->pos_n = ct->read_n = ct->v_n;
    }
    ct->verify = false;
    return 0;
}

/* Lock held (released for the Docker call): lists the labelled containers
 * of the cluster and keeps a follower on those that may still write. */
static void discover(agent_logs_t *l)
{
    json_t *list = NULL;
    ecs_error_t err = {0};
    pthread_mutex_unlock(&l->lock);
    int rc = docker_list(l->docker, AGENT_LOGS_LABEL, &list, &err);
    pthread_mutex_lock(&l->lock);
    if (rc < 0) {
        json_decref(list);
        return; /* Docker away: keep what is known */
    }
    for (logs_ct_t *ct = l->cts; ct != NULL; ct = ct->next)
        ct->seen = false;
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        const json_t *labels = json_object_get(c, "Labels");
        const char *id = json_string_value(json_object_get(c, "Id"));
        const char *cluster = json_string_value(json_object_get(labels, AGENT_LABEL_CLUSTER));
        const char *label = json_string_value(json_object_get(labels, AGENT_LOGS_LABEL));
        const char *state = json_string_value(json_object_get(c, "State"));
        if (id == NULL || label == NULL || cluster == NULL || strcmp(cluster, l->cluster) != 0)
            continue;
        logs_ct_t *ct = ct_find(l, id);
        if (ct == NULL && (ct = ct_new(l, id, label)) != NULL) {
            ct->next = l->cts;
            l->cts = ct;
        }
        if (ct == NULL)
            continue;
        ct->seen = true;
        bool running = state != NULL && strcmp(state, "running") == 0;
        bool started = state != NULL && strcmp(state, "created") != 0;
        if (!ct->following && started && (running || !ct->done) && l->n_follow < AGENT_LOGS_MAX_FOLLOW &&
            (!ct->verify || verify_in_flight(l, ct) == 0))
            agent_logs_follow_start(l, ct);
    }
    json_decref(list);
}

/* Lock held: joins ended followers; forgets containers Docker no longer
 * has once nothing of theirs is left to send. */
static void reap(agent_logs_t *l)
{
    for (logs_ct_t **pp = &l->cts; *pp != NULL;) {
        logs_ct_t *ct = *pp;
        if (ct->following && ct->ended) {
            pthread_mutex_unlock(&l->lock);
            pthread_join(ct->th, NULL);
            pthread_mutex_lock(&l->lock);
            ct->following = false;
            l->n_follow--;
        }
        if (!ct->seen && !ct->following && ct->head == NULL && ct->pending == NULL) {
            char path[4400];
            pos_path(l, ct->id, path, sizeof path);
            unlink(path);
            *pp = ct->next;
            ct_free(ct);
            continue;
        }
        pp = &ct->next;
    }
}

/* ---- sending ---- */

static bool already_exists(const ecs_error_t *err)
{
    return strcmp(err->type, "ResourceAlreadyExistsException") == 0;
}

static int call(agent_logs_t *l, logs_ct_t *ct, const char *op, json_t *body, json_t **out, ecs_error_t *err)
{
    cleanup_free char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    *out = NULL;
    if (text == NULL)
        return ecs_server_err(err, "out of memory");
    const char *ep = ct->endpoint[0] ? ct->endpoint : l->endpoint;
    return agent_client_logs(l->client, ep, ct->region, op, text, out, err);
}

/* The group (awslogs-create-group) and the stream, once. */
static int make_stream(agent_logs_t *l, logs_ct_t *ct, ecs_error_t *err)
{
    json_t *out = NULL;
    if (ct->create &&
        call(l, ct, "CreateLogGroup", json_pack("{s:s}", "logGroupName", ct->group), &out, err) < 0 &&
        !already_exists(err))
        return -1;
    json_decref(out);
    if (call(l, ct, "CreateLogStream", json_pack("{s:s, s:s}", "logGroupName", ct->group, "logStreamName", ct->stream),
             &out, err) < 0 &&
        !already_exists(err))
        return -1;
    json_decref(out);
    return 0;
}

typedef struct slot {
    const logs_ev_t *e;
    size_t seq;
} slot_t;

static int by_time(const void *a, const void *b)
{
    const slot_t *x = a, *y = b;
    if (x->e->ts_ms != y->e->ts_ms)
        return x->e->ts_ms < y->e->ts_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The PutLogEvents body of a batch (events in time order, empty ones left out). */
static json_t *batch_body(const logs_ct_t *ct, logs_ev_t *batch, size_t n)
{
    slot_t *slots = calloc(n ? n : 1, sizeof *slots);
    json_t *events = json_array();
    if (slots == NULL || events == NULL) {
        free(slots);
        json_decref(events);
        return NULL;
    }
    size_t k = 0;
    for (logs_ev_t *e = batch; e != NULL; e = e->next)
        if (e->len > 0)
            slots[k] = (slot_t){e, k}, k++;
    qsort(slots, k, sizeof *slots, by_time);
    for (size_t i = 0; i < k; i++)
        json_array_append_new(events, json_pack("{s:I, s:s%}", "timestamp", (json_int_t)slots[i].e->ts_ms, "message",
                                                slots[i].e->msg, slots[i].e->len));
    free(slots);
    return json_pack("{s:s, s:s, s:o}", "logGroupName", ct->group, "logStreamName", ct->stream, "logEvents", events);
}

/* Lock held: takes the longest prefix of the buffer that makes one batch. */
static logs_ev_t *take_batch(logs_ct_t *ct, size_t *n)
{
    logs_ev_t *first = ct->head, *last = NULL;
    int64_t bytes = 0, lo = INT64_MAX, hi = INT64_MIN;
    *n = 0;
    for (logs_ev_t *e = first; e != NULL; e = e->next) {
        int64_t b = (int64_t)e->len + LOGS_EVENT_OVERHEAD;
        int64_t nlo = e->ts_ms < lo ? e->ts_ms : lo, nhi = e->ts_ms > hi ? e->ts_ms : hi;
        if (*n > 0 && (*n >= LOGS_BATCH_EVENTS || bytes + b > LOGS_BATCH_BYTES || nhi - nlo > LOGS_BATCH_SPAN_MS))
            break;
        bytes += b, lo = nlo, hi = nhi, last = e, (*n)++;
    }
    ct->head = last->next;
    if (ct->head == NULL)
        ct->tail = NULL;
    last->next = NULL;
    ct->count -= *n;
    return first;
}

/* Lock held: puts a batch back in front of the buffer. */
static void put_back(logs_ct_t *ct, logs_ev_t *batch, size_t n)
{
    logs_ev_t *last = batch;
    while (last->next != NULL)
        last = last->next;
    last->next = ct->head;
    if (ct->head == NULL)
        ct->tail = last;
    ct->head = batch;
    ct->count += n;
}

static int64_t batch_bytes(const logs_ev_t *e)
{
    int64_t b = 0;
    for (; e != NULL; e = e->next)
        b += (int64_t)e->len;
    return b;
}

static void note_rejected(logs_ct_t *ct, const json_t *out)
{
    const json_t *r = json_object_get(out, "rejectedLogEventsInfo");
    if (json_object_size(r) == 0)
        return;
    cleanup_free char *text = json_dumps(r, JSON_COMPACT);
    log_warn("awslogs %.12s: %s/%s rejected some events: %s", ct->id, ct->group, ct->stream, text ? text : "");
}

/* Lock held (released for the calls): sends one batch of ct's. */
static void send_one(agent_logs_t *l, logs_ct_t *ct, int64_t now)
{
    size_t n;
    logs_ev_t *batch = take_batch(ct, &n), *last = batch;
    while (last->next != NULL)
        last = last->next;
    int64_t end_ns = last->end_ns, end_n = last->end_n;
    bool made = ct->made;
    json_t *body = batch_body(ct, batch, n), *out = NULL;
    pthread_mutex_unlock(&l->lock);
    ecs_error_t err = {0};
    int rc = body == NULL ? ecs_server_err(&err, "out of memory") : 0;
    if (rc == 0 && !made && (rc = make_stream(l, ct, &err)) == 0)
        made = true;
    size_t n_events = json_array_size(json_object_get(body, "logEvents"));
    if (rc == 0 && n_events > 0) {
        if (pos_save_in_flight(l, ct, end_ns, end_n, json_array_get(json_object_get(body, "logEvents"), n_events - 1)) < 0)
            log_warn("awslogs %.12s: cannot write its position in %s: %s", ct->id, l->dir, strerror(errno));
        rc = call(l, ct, "PutLogEvents", json_incref(body), &out, &err);
    }
    json_decref(body);
    bool retry = rc < 0 && (agent_client_retryable(&err) || strcmp(err.type, "ResourceNotFoundException") == 0);
    if (rc == 0 || !retry) {
        if (rc < 0)
            log_error("awslogs %.12s: %zu events to %s/%s dropped: %s: %s", ct->id, n, ct->group, ct->stream,
                      err.type, err.message);
        note_rejected(ct, out);
        if (pos_save(l, ct->id, end_ns, end_n) < 0)
            log_warn("awslogs %.12s: cannot write its position in %s: %s", ct->id, l->dir, strerror(errno));
    }
    json_decref(out);
    pthread_mutex_lock(&l->lock);
    ct->made = made && !(rc < 0 && strcmp(err.type, "ResourceNotFoundException") == 0);
    if (rc < 0 && retry) {
        put_back(ct, batch, n);
        ct->backoff_ms = ct->backoff_ms ? (ct->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ct->backoff_ms * 2)
                                        : BACKOFF_MIN_MS;
        ct->retry_at_ms = now + ct->backoff_ms;
        if (!ct->warned)
            log_warn("awslogs %.12s: cannot send to %s/%s (retrying): %s: %s", ct->id, ct->group, ct->stream,
                     err.type, err.message);
        ct->warned = true;
        return;
    }
    if (rc < 0)
        ct->dropped += (int64_t)n;
    if (ct->warned)
        log_info("awslogs %.12s: sending to %s/%s again", ct->id, ct->group, ct->stream);
    ct->warned = false;
    ct->backoff_ms = 0;
    ct->pos_ns = end_ns, ct->pos_n = end_n;
    ct->bytes -= batch_bytes(batch);
    agent_logs_ev_free_list(batch);
    pthread_cond_broadcast(&l->space);
}

/* Lock held: whether ct has a batch due now. */
static bool due(const logs_ct_t *ct, int64_t now)
{
    if (ct->head == NULL || now < ct->retry_at_ms)
        return false;
    return ct->count >= LOGS_BATCH_EVENTS || ct->bytes >= LOGS_BATCH_BYTES || now - ct->head->in_ms >= LOGS_FLUSH_MS ||
           ct->ended || !ct->following;
}

static void *shipper_main(void *arg)
{
    agent_logs_t *l = arg;
    int64_t next_discover = 0;
    pthread_mutex_lock(&l->lock);
    while (!l->stop) {
        int64_t now = agent_logs_now_ms();
        if (now >= next_discover || l->kick) {
            l->kick = false;
            discover(l);
            next_discover = agent_logs_now_ms() + DISCOVER_MS;
        }
        reap(l);
        now = agent_logs_now_ms();
        for (logs_ct_t *ct = l->cts; ct != NULL && !l->stop; ct = ct->next) {
            if (ct->pending != NULL && now - ct->pending_ms >= LOGS_MULTILINE_FLUSH_MS)
                agent_logs_flush_pending(ct);
            while (!l->stop && due(ct, now))
                send_one(l, ct, now);
        }
        if (l->stop)
            break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 100 * 1000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&l->wake, &l->lock, &ts);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

bool agent_logs_busy(agent_logs_t *l, const char *docker_id)
{
    if (l == NULL)
        return false;
    pthread_mutex_lock(&l->lock);
    logs_ct_t *ct = ct_find(l, docker_id);
    bool busy = ct != NULL && ((ct->following && !ct->ended) || (ct->followed && !ct->done) || ct->head != NULL ||
                               ct->pending != NULL);
    pthread_mutex_unlock(&l->lock);
    return busy;
}

void agent_logs_kick(agent_logs_t *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->lock);
    l->kick = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
}

agent_logs_t *agent_logs_start(const agent_logs_cfg_t *cfg, ecs_error_t *err)
{
    agent_logs_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        ecs_server_err(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->wake, NULL);
    pthread_cond_init(&l->space, NULL);
    l->docker = cfg->docker;
    l->cluster = strdup(cfg->cluster);
    l->endpoint = strdup(cfg->endpoint);
    snprintf(l->dir, sizeof l->dir, "%s/logs", cfg->data_dir);
    l->client = agent_client_new(cfg->endpoint, cfg->region, cfg->access_key, cfg->secret_key);
    if (l->cluster == NULL || l->endpoint == NULL || l->client == NULL) {
        ecs_server_err(err, "cannot set up the logs client for %.200s", cfg->endpoint);
        agent_logs_stop(l);
        return NULL;
    }
    if (agent_fs_mkdirs(l->dir, 0700, err) < 0) {
        agent_logs_stop(l);
        return NULL;
    }
    int rc = pthread_create(&l->th, NULL, shipper_main, l);
    if (rc != 0) {
        ecs_server_err(err, "cannot start a thread: %s", strerror(rc));
        agent_logs_stop(l);
        return NULL;
    }
    l->th_on = true;
    return l;
}

void agent_logs_stop(agent_logs_t *l)
{
    if (l == NULL)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop = true;
    pthread_cond_broadcast(&l->wake);
    pthread_cond_broadcast(&l->space);
    pthread_mutex_unlock(&l->lock);
    if (l->client != NULL)
        agent_client_cancel(l->client);
    if (l->th_on)
        pthread_join(l->th, NULL);
    for (logs_ct_t *ct = l->cts; ct != NULL; ct = ct->next)
        if (ct->following)
            pthread_join(ct->th, NULL); /* docker_logs sees stop within a second */
    while (l->cts != NULL) {
        logs_ct_t *next = l->cts->next;
        ct_free(l->cts);
        l->cts = next;
    }
    agent_client_free(l->client);
    free(l->cluster);
    free(l->endpoint);
    pthread_cond_destroy(&l->wake);
    pthread_cond_destroy(&l->space);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
