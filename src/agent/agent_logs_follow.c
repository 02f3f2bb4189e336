/* agent_logs_follow.c - a follower thread: one container's Docker log
 * stream, from the follower's position, into the container's buffer (see
 * agent_logs.h). In mode blocking a full buffer pauses the reading (Docker
 * keeps writing its file, the container is never held up); non-blocking
 * drops the oldest buffered events. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_logs_int.h"
#include "agent/agent_logs_parse.h"
#include "common/cleanup.h"
#include "common/log.h"

typedef struct follow {
    logs_ct_t *ct;
    agent_logs_framer_t framer;
    bool resuming;            /* still at or before the start position */
    int64_t start_ns, skip;   /* lines at start_ns already read before */
    char *clean;              /* scratch for agent_logs_utf8_clean */
    size_t clean_cap;
    bool oom;
} follow_t;

int64_t agent_logs_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void agent_logs_ev_free_list(logs_ev_t *e)
{
    while (e != NULL) {
        logs_ev_t *next = e->next;
        free(e);
        e = next;
    }
}

static logs_ev_t *ev_new(const char *text, size_t len, int64_t ts_ns)
{
    size_t cap = len < 256 ? 256 : len;
    logs_ev_t *e = malloc(sizeof *e + cap + 1);
    if (e == NULL)
        return NULL;
    *e = (logs_ev_t){.ts_ms = ts_ns / 1000000, .len = len, .cap = cap};
    memcpy(e->msg, text, len);
    e->msg[len] = '\0';
    return e;
}

/* Lock held: appends e to the buffer, dropping the oldest (non-blocking)
 * when it would overflow. */
static void enqueue(logs_ct_t *ct, logs_ev_t *e)
{
    agent_logs_t *l = ct->owner;
    if (!ct->blocking) {
        while (ct->head != NULL && ct->bytes + (int64_t)e->len > ct->max_bytes) {
            logs_ev_t *old = ct->head;
            ct->head = old->next;
            if (ct->head == NULL)
                ct->tail = NULL;
            ct->count--;
            ct->bytes -= (int64_t)old->len;
            ct->dropped++;
            free(old);
        }
        if (ct->dropped > 0 && (ct->dropped & (ct->dropped - 1)) == 0)
            log_warn("awslogs %.12s: buffer full (mode non-blocking), %" PRId64 " events dropped so far", ct->id,
                     ct->dropped);
    }
    e->in_ms = agent_logs_now_ms();
    e->next = NULL;
    if (ct->tail != NULL)
        ct->tail->next = e;
    else
        ct->head = e;
    ct->tail = e;
    ct->count++;
    ct->bytes += (int64_t)e->len;
    if (ct->count == 1 || ct->count >= LOGS_BATCH_EVENTS || ct->bytes >= LOGS_BATCH_BYTES)
        pthread_cond_signal(&l->wake);
}

void agent_logs_flush_pending(logs_ct_t *ct)
{
    if (ct->pending != NULL)
        enqueue(ct, ct->pending);
    ct->pending = NULL;
}

/* Lock held, mode blocking: waits while the buffer is full. */
static void wait_room(logs_ct_t *ct, size_t len)
{
    agent_logs_t *l = ct->owner;
    while (ct->blocking && !l->stop && ct->bytes > 0 && ct->bytes + (int64_t)len > ct->max_bytes) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200 * 1000000L;
        if (ts.tv_nsec >= 1000000000L)
            ts.tv_sec++, ts.tv_nsec -= 1000000000L;
        pthread_cond_timedwait(&l->space, &l->lock, &ts);
    }
}

/* Lock held: one line (clean UTF-8) at position (ns, n). */
static void add_line(follow_t *f, int64_t ts_ns, const char *text, size_t len)
{
    logs_ct_t *ct = f->ct;
    bool starts = !ct->has_re || ct->pending == NULL || regexec(&ct->re, text, 0, NULL, 0) == 0;
    if (!ct->has_re && len == 0)
        return; /* CloudWatch takes no empty message; Docker's driver skips them too */
    if (!starts && ct->pending->len + 1 + len > LOGS_EVENT_MAX)
        starts = true; /* a multi-line event at the size limit: the rest is the next one */
    /* a quiet second ends an event: by Docker's times, whenever the shipper looks */
    if (!starts && ts_ns - ct->pending_ns >= (int64_t)LOGS_MULTILINE_FLUSH_MS * 1000000)
        starts = true;
    if (!starts) {
        logs_ev_t *p = ct->pending;
        if (p->len + 1 + len > p->cap) {
            size_t cap = p->cap * 2 > p->len + 1 + len ? p->cap * 2 : p->len + 1 + len;
            logs_ev_t *n = realloc(p, sizeof *p + cap + 1);
            if (n == NULL) {
                f->oom = true;
                return;
            }
            ct->pending = p = n;
            p->cap = cap;
        }
        p->msg[p->len++] = '\n';
        memcpy(p->msg + p->len, text, len);
        p->len += len;
        p->msg[p->len] = '\0';
    } else {
        agent_logs_flush_pending(ct);
        for (size_t at = 0; at < len || (at == 0 && len == 0); at += LOGS_EVENT_MAX) {
            size_t piece = len - at < LOGS_EVENT_MAX ? len - at : LOGS_EVENT_MAX;
            wait_room(ct, piece);
            logs_ev_t *e = ev_new(text + at, piece, ts_ns);
            if (e == NULL) {
                f->oom = true;
                return;
            }
            e->end_ns = ct->read_ns, e->end_n = ct->read_n;
            if (ct->has_re && at + piece >= len) {
                ct->pending = e; /* more lines may join it */
                break;
            }
            enqueue(ct, e);
            if (len == 0)
                break;
        }
    }
    if (ct->pending != NULL) {
        ct->pending->end_ns = ct->read_ns, ct->pending->end_n = ct->read_n;
        ct->pending_ms = agent_logs_now_ms();
        ct->pending_ns = ts_ns;
    }
}

static void on_line(void *arg, int64_t ts_ns, int stream, const char *text, size_t len)
{
    (void)stream;
    follow_t *f = arg;
    logs_ct_t *ct = f->ct;
    if (f->resuming) {
        if (ts_ns < f->start_ns)
            return;
        if (ts_ns == f->start_ns && f->skip > 0) {
            f->skip--;
            return;
        }
        f->resuming = false;
    }
    if (f->clean_cap < len * 3 + 1) {
        char *c = realloc(f->clean, len * 3 + 1);
        if (c == NULL) {
            f->oom = true;
            return;
        }
        f->clean = c;
        f->clean_cap = len * 3 + 1;
    }
    size_t n = agent_logs_utf8_clean(text, len, f->clean);
    f->clean[n] = '\0';
    pthread_mutex_lock(&ct->owner->lock);
    if (ts_ns > ct->read_ns)
        ct->read_ns = ts_ns, ct->read_n = 1;
    else if (ts_ns == ct->read_ns)
        ct->read_n++;
    add_line(f, ts_ns, f->clean, n);
    pthread_mutex_unlock(&ct->owner->lock);
}

static int on_bytes(void *arg, const char *p, size_t n)
{
    follow_t *f = arg;
    return agent_logs_framer_feed(&f->framer, p, n) < 0 || f->oom ? -1 : 0;
}

static void *follow_main(void *arg)
{
    logs_ct_t *ct = arg;
    agent_logs_t *l = ct->owner;
    ecs_error_t err = {0};
    int rc = -1;
    json_t *insp = NULL;
    int found = docker_inspect(l->docker, ct->id, &insp, &err);
    bool tty = json_is_true(json_object_get(json_object_get(insp, "Config"), "Tty"));
    json_decref(insp);
    follow_t f = {.ct = ct};
    pthread_mutex_lock(&l->lock);
    f.start_ns = ct->read_ns, f.skip = ct->read_n, f.resuming = ct->read_ns > 0;
    pthread_mutex_unlock(&l->lock);
    if (found == 1) {
        char since[48] = "";
        if (f.start_ns > 0)
            snprintf(since, sizeof since, "%" PRId64 ".%09" PRId64, f.start_ns / 1000000000, f.start_ns % 1000000000);
        agent_logs_framer_init(&f.framer, tty, on_line, &f);
        rc = docker_logs(l->docker, ct->id, since, &l->stop, on_bytes, &f, &err);
        agent_logs_framer_end(&f.framer);
        if (rc < 0 && !l->stop)
            log_warn("awslogs %.12s: %s", ct->id, f.oom ? "out of memory" : err.message);
    }
    free(f.clean);
    pthread_mutex_lock(&l->lock);
    if (rc == 0)
        agent_logs_flush_pending(ct); /* the container stopped: its last event is whole */
    ct->done = rc == 0;
    ct->ended = true;
    pthread_cond_signal(&l->wake);
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

int agent_logs_follow_start(agent_logs_t *l, logs_ct_t *ct)
{
    ct->following = true;
    ct->followed = true;
    ct->ended = false;
    ct->done = false;
    int rc = pthread_create(&ct->th, NULL, follow_main, ct);
    if (rc != 0) {
        ct->following = false;
        log_error("awslogs %.12s: cannot start a thread: %s", ct->id, strerror(rc));
        return -1;
    }
    l->n_follow++;
    return 0;
}
