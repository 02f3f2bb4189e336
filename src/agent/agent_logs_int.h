/* agent_logs_int.h - the shipper's insides, shared by agent_logs.c (the
 * shipper thread: discovery, batches, positions) and agent_logs_follow.c
 * (a follower thread per container: Docker's log stream into the
 * container's buffer). Not for other modules. */
#ifndef ECSD_AGENT_LOGS_INT_H
#define ECSD_AGENT_LOGS_INT_H

#include <pthread.h>
#include <regex.h>
#include <stdbool.h>
#include <stdint.h>

#include "agent/agent_client.h"
#include "agent/agent_logs.h"

#define LOGS_EVENT_OVERHEAD 26
#define LOGS_EVENT_MAX (262144 - LOGS_EVENT_OVERHEAD)  /* a message's bytes */
#define LOGS_BATCH_EVENTS 10000
#define LOGS_BATCH_BYTES 1048576
#define LOGS_BATCH_SPAN_MS (24LL * 3600 * 1000)
#define LOGS_BLOCKING_BUFFER (4 << 20)                /* mode blocking: reading pauses past this */
#define LOGS_FLUSH_MS 200                             /* an event waits at most this long for company */
#define LOGS_MULTILINE_FLUSH_MS 1000                  /* a multi-line event is over after this quiet */

/* One event: its lines' text (valid UTF-8), the time of its first line,
 * and the follower's position after its last line. */
typedef struct logs_ev {
    struct logs_ev *next;
    int64_t ts_ms;
    int64_t end_ns, end_n; /* position after its last line */
    int64_t in_ms;         /* monotonic time it was buffered */
    size_t len, cap;
    char msg[];            /* len bytes and a NUL */
} logs_ev_t;

typedef struct logs_ct {
    struct logs_ct *next;
    struct agent_logs *owner;
    char id[DOCKER_ID_MAX + 1];
    /* settings from the label, read-only */
    char *group, *stream, *region, *endpoint;
    bool create, blocking;
    int64_t max_bytes;
    bool has_re;
    regex_t re;
    /* guarded by owner->lock */
    logs_ev_t *head, *tail;  /* buffered, oldest first */
    size_t count;
    int64_t bytes;           /* buffered and in flight */
    logs_ev_t *pending;      /* a multi-line event still open */
    int64_t pending_ms;      /* monotonic time of its last line */
    int64_t pending_ns;      /* Docker's time of its last line */
    int64_t dropped;         /* events dropped (buffer full, rejected) */
    bool following;          /* a follower thread runs (or is to be joined) */
    bool ended;              /* the follower returned: join it */
    bool done;               /* Docker ended the stream: everything was read */
    bool followed;           /* a follower was started at least once */
    bool seen;               /* in the last Docker listing */
    pthread_t th;
    /* the follower's own position (lines read) */
    int64_t read_ns, read_n;
    /* the shipper's */
    int64_t pos_ns, pos_n;   /* shipped, as on disk */
    bool made;               /* group and stream created */
    bool verify;             /* a batch was in flight when the agent died: was it taken? */
    int64_t v_ns, v_n, v_ts; /* its end position, its newest event's timestamp ... */
    uint64_t v_hash;         /* ... and message hash */
    int64_t retry_at_ms, backoff_ms;
    bool warned;             /* the current run of failures was logged */
} logs_ct_t;

struct agent_logs {
    char *cluster, *endpoint;
    char dir[4200];          /* <data_dir>/logs */
    docker_t *docker;
    agent_client_t *client;
    pthread_mutex_t lock;    /* guards cts and every container's guarded fields */
    pthread_cond_t wake;     /* the shipper waits on it */
    pthread_cond_t space;    /* blocked followers wait on it */
    volatile bool stop;      /* docker_logs polls it */
    logs_ct_t *cts;
    int n_follow;
    bool kick;               /* look in Docker at the next round */
    pthread_t th;
    bool th_on;
};

int64_t agent_logs_now_ms(void); /* monotonic */

/* agent_logs_follow.c: lock held: starts ct's follower. -1 when no thread. */
int agent_logs_follow_start(agent_logs_t *l, logs_ct_t *ct);
/* Lock held: frees an event list. */
void agent_logs_ev_free_list(logs_ev_t *e);
/* Lock held: moves ct's open multi-line event into its buffer. */
void agent_logs_flush_pending(logs_ct_t *ct);

#endif
