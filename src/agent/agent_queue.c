#include "agent/agent_queue.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "common/cleanup.h"
#include "common/log.h"
#include "common/clock.h"

#define REWRITE_BYTES (1 << 20) /* rewrite the file past this size */

typedef struct entry {
    uint64_t seq;
    char *op, *body;
    size_t bytes;         /* of its line in the file */
    struct entry *next;
} entry_t;

struct agent_queue {
    pthread_mutex_t lock; /* guards everything below */
    pthread_cond_t cond;  /* signalled on push and wake */
    char *path;
    int fd;               /* O_APPEND */
    off_t size;           /* bytes in the file */
    size_t live;          /* bytes of the pending entries' lines */
    uint64_t next_seq;
    entry_t *head, *tail;
    size_t n;
    bool woken;
};

static void entry_free(entry_t *e)
{
    if (e == NULL)
        return;
    free(e->op);
    free(e->body);
    free(e);
}

static void append_entry(agent_queue_t *q, entry_t *e)
{
    e->next = NULL;
    if (q->tail != NULL)
        q->tail->next = e;
    else
        q->head = e;
    q->tail = e;
    q->n++;
    q->live += e->bytes;
}

/* Removes the entry with this seq (normally the head). */
static void drop_seq(agent_queue_t *q, uint64_t seq)
{
    entry_t **pp = &q->head, *prev = NULL;
    while (*pp != NULL && (*pp)->seq != seq) {
        prev = *pp;
        pp = &(*pp)->next;
    }
    entry_t *e = *pp;
    if (e == NULL)
        return;
    *pp = e->next;
    if (q->tail == e)
        q->tail = prev;
    q->n--;
    q->live -= e->bytes;
    entry_free(e);
}

/* The line for an entry, with its newline; caller frees. */
static char *entry_line(const entry_t *e, size_t *len)
{
    cleanup_json json_t *j = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)e->seq, "op", e->op, "body", e->body);
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    if (text == NULL)
        return NULL;
    size_t n = strlen(text);
    char *line = realloc(text, n + 2);
    if (line == NULL) {
        free(text);
        return NULL;
    }
    line[n] = '\n';
    line[n + 1] = '\0';
    *len = n + 1;
    return line;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Replays the file's lines into the pending list. */
static void replay(agent_queue_t *q, char *text)
{
    char *line = text;
    while (*line != '\0') {
        char *nl = strchr(line, '\n');
        if (nl == NULL) { /* a torn last line: the push never returned */
            log_warn("queue %s: dropping an incomplete last line", q->path);
            break;
        }
        *nl = '\0';
        cleanup_json json_t *j = json_loads(line, 0, NULL);
        json_int_t seq = 0;
        const char *op = NULL, *body = NULL;
        if (json_unpack(j, "{s:I}", "ack", &seq) == 0) {
            drop_seq(q, (uint64_t)seq);
        } else if (json_unpack(j, "{s:I, s:s, s:s}", "seq", &seq, "op", &op, "body", &body) == 0 && seq > 0) {
            entry_t *e = calloc(1, sizeof *e);
            if (e != NULL && (e->op = strdup(op)) != NULL && (e->body = strdup(body)) != NULL) {
                e->seq = (uint64_t)seq;
                e->bytes = (size_t)(nl - line) + 1;
                append_entry(q, e);
            } else {
                entry_free(e);
            }
            if ((uint64_t)seq >= q->next_seq)
                q->next_seq = (uint64_t)seq + 1;
        } else if (line[0] != '\0') {
            log_warn("queue %s: skipping a line that is not an entry", q->path);
        }
        line = nl + 1;
    }
}

/* Rewrites the file with only the pending entries (atomically) and reopens it. */
static int rewrite(agent_queue_t *q, ecs_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (mem == NULL)
        return ecs_server_err(err, "out of memory");
    for (entry_t *e = q->head; e != NULL; e = e->next) {
        size_t n;
        cleanup_free char *line = entry_line(e, &n);
        if (line != NULL)
            fwrite(line, 1, n, mem);
    }
    fclose(mem);
    int rc = agent_fs_write_atomic(q->path, buf, len, err);
    free(buf);
    if (rc < 0)
        return -1;
    int fd = open(q->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return ecs_server_err(err, "cannot open %.300s: %s", q->path, strerror(errno));
    if (q->fd >= 0)
        close(q->fd);
    q->fd = fd;
    q->size = (off_t)len;
    return 0;
}

int agent_queue_open(const char *path, agent_queue_t **out, ecs_error_t *err)
{
    agent_queue_t *q = calloc(1, sizeof *q);
    if (q == NULL || (q->path = strdup(path)) == NULL) {
        free(q);
        return ecs_server_err(err, "out of memory");
    }
    q->fd = -1;
    q->next_seq = 1;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    char *text = agent_fs_read(path, NULL);
    if (text == NULL && errno != ENOENT) {
        ecs_server_err(err, "cannot read %.300s: %s", path, strerror(errno));
        agent_queue_close(q);
        return -1;
    }
    if (text != NULL)
        replay(q, text);
    free(text);
    if (rewrite(q, err) < 0) {
        agent_queue_close(q);
        return -1;
    }
    if (q->n > 0)
        log_info("queue %s: %zu state changes from before are still to be sent", path, q->n);
    *out = q;
    return 0;
}

void agent_queue_close(agent_queue_t *q)
{
    if (q == NULL)
        return;
    while (q->head != NULL) {
        entry_t *e = q->head;
        q->head = e->next;
        entry_free(e);
    }
    if (q->fd >= 0)
        close(q->fd);
    pthread_cond_destroy(&q->cond);
    pthread_mutex_destroy(&q->lock);
    free(q->path);
    free(q);
}

int agent_queue_push(agent_queue_t *q, const char *op, const char *body, ecs_error_t *err)
{
    entry_t *e = calloc(1, sizeof *e);
    if (e == NULL || (e->op = strdup(op)) == NULL || (e->body = strdup(body)) == NULL) {
        entry_free(e);
        return ecs_server_err(err, "out of memory");
    }
    pthread_mutex_lock(&q->lock);
    e->seq = q->next_seq++;
    size_t len = 0;
    cleanup_free char *line = entry_line(e, &len);
    int rc = 0;
    if (line == NULL || write_all(q->fd, line, len) < 0 || fdatasync(q->fd) < 0)
        rc = ecs_server_err(err, "queue %.300s: cannot write: %s (the change is kept in memory only)", q->path,
                            line ? strerror(errno) : "out of memory");
    else
        q->size += (off_t)len;
    e->bytes = len;
    append_entry(q, e); /* sent even if it could not be made durable */
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int agent_queue_peek(agent_queue_t *q, agent_queue_item_t *out)
{
    *out = (agent_queue_item_t){0};
    pthread_mutex_lock(&q->lock);
    int rc = 0;
    if (q->head != NULL) {
        out->seq = q->head->seq;
        out->op = strdup(q->head->op);
        out->body = strdup(q->head->body);
        rc = out->op && out->body ? 1 : 0;
        if (rc == 0)
            agent_queue_item_clear(out);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

int agent_queue_ack(agent_queue_t *q, uint64_t seq, ecs_error_t *err)
{
    pthread_mutex_lock(&q->lock);
    if (q->head == NULL || q->head->seq != seq) {
        pthread_mutex_unlock(&q->lock);
        return ecs_server_err(err, "queue: %llu is not the head", (unsigned long long)seq);
    }
    drop_seq(q, seq);
    int rc = 0;
    if (q->n == 0) {
        /* nothing pending: empty the file (a crash before this lands only
         * resends what was acknowledged, which the server ignores) */
        if (ftruncate(q->fd, 0) == 0)
            q->size = 0;
    } else {
        char line[40];
        int n = snprintf(line, sizeof line, "{\"ack\":%llu}\n", (unsigned long long)seq);
        if (write_all(q->fd, line, (size_t)n) == 0)
            q->size += n;
        /* rewrite once the acknowledged part dominates (not at every ack
         * of a long backlog) */
        if (q->size > REWRITE_BYTES && (size_t)q->size > 2 * q->live)
            rc = rewrite(q, err);
    }
    pthread_mutex_unlock(&q->lock);
    return rc;
}

size_t agent_queue_pending(agent_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    size_t n = q->n;
    pthread_mutex_unlock(&q->lock);
    return n;
}

bool agent_queue_wait(agent_queue_t *q, int timeout_ms)
{
    struct timespec ts;
    clock_deadline(&ts, timeout_ms);
    pthread_mutex_lock(&q->lock);
    while (q->n == 0 && !q->woken && pthread_cond_timedwait(&q->cond, &q->lock, &ts) == 0)
        ;
    q->woken = false;
    bool pending = q->n > 0;
    pthread_mutex_unlock(&q->lock);
    return pending;
}

void agent_queue_wake(agent_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    q->woken = true;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void agent_queue_item_clear(agent_queue_item_t *item)
{
    free(item->op);
    free(item->body);
    *item = (agent_queue_item_t){0};
}
