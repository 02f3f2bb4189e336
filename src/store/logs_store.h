/* logs_store.h - where CloudWatch Logs' groups, streams and events live:
 * a SQLite file of its own (DATA_DIR/logs.db, WAL), apart from the ECS
 * store, so a task writing a thousand lines a second never waits on, or
 * makes wait, the ECS store's writer lock. Its writers queue on its own
 * mutex; readers run beside them.
 *
 * Every group belongs to a scope ("ACCOUNT:REGION", model/context.h) and
 * is named uniquely in it; a stream belongs to a group; an event to a
 * stream. Events are ordered by (timestamp, eid): eid is the order of
 * arrival, unique in the file, and stable, so it is the eventId shown.
 *
 * Outcomes that are not failures (absent, already there) are positive
 * returns; -1 is a failure of the store, with err filled (HTTP 500).
 *
 * Threads: any thread may call any function; each thread gets its own
 * connection (closed when the thread ends or the store closes).
 */
#ifndef ECSD_STORE_LOGS_STORE_H
#define ECSD_STORE_LOGS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef struct logs_store logs_store_t;

enum logs_outcome {
    LOGS_OK = 0,
    LOGS_NO_GROUP = 1,  /* the log group does not exist */
    LOGS_NO_STREAM = 2, /* the log stream does not exist */
    LOGS_EXISTS = 3,    /* what was to be created exists */
};

#define LOGS_NAME_MAX 512

typedef struct logs_group {
    int64_t gid;
    char name[LOGS_NAME_MAX + 1];
    int64_t created_ms;
    int retention_days; /* 0: events never expire */
    char kms_key[257];
    char group_class[24]; /* STANDARD, INFREQUENT_ACCESS, DELIVERY */
    bool deletion_protection;
    int64_t stored_bytes;
    char *tags; /* malloc'd JSON object text, "{}" when none; logs_groups_free frees it */
} logs_group_t;

typedef struct logs_stream {
    int64_t sid;
    char name[LOGS_NAME_MAX + 1];
    int64_t created_ms;
    bool has_events;
    int64_t first_ts, last_ts, last_ingest;
    int64_t stored_bytes;
    int64_t seq; /* PutLogEvents calls so far: the sequence token shown */
} logs_stream_t;

typedef struct logs_event {
    int64_t eid, sid, ts, ingest;
    char *msg; /* malloc'd, msg_len bytes and a NUL */
    size_t msg_len;
} logs_event_t;

/* An event to store: message bytes (not NUL-terminated) and timestamp. */
typedef struct logs_event_in {
    const char *msg;
    size_t msg_len;
    int64_t ts;
} logs_event_in_t;

int logs_store_open(const char *data_dir, logs_store_t **out, ecs_error_t *err);
void logs_store_close(logs_store_t *s);

/* ---- groups (names compare bytewise) ---- */

/* LOGS_OK or LOGS_EXISTS. g->gid is ignored; tags NULL means none. */
int logs_group_create(logs_store_t *s, const char *scope, const logs_group_t *g, ecs_error_t *err);
/* 1 found (out filled; free out->tags), 0 not found, -1 error. */
int logs_group_get(logs_store_t *s, const char *scope, const char *name, logs_group_t *out, ecs_error_t *err);
/* LOGS_OK (the group, its streams and events are gone) or LOGS_NO_GROUP. */
int logs_group_delete(logs_store_t *s, const char *scope, const char *name, ecs_error_t *err);
/* Groups of scope whose name starts with prefix (NULL: any) and contains
 * `contains` case-insensitively (NULL: any), by name, after `after` (NULL:
 * from the first), at most limit. */
int logs_group_list(logs_store_t *s, const char *scope, const char *prefix, const char *contains,
                    const char *after, size_t limit, logs_group_t **out, size_t *n, ecs_error_t *err);
void logs_groups_free(logs_group_t *g, size_t n);
/* LOGS_OK or LOGS_NO_GROUP. days 0 removes the policy. */
int logs_group_set_retention(logs_store_t *s, const char *scope, const char *name, int days, ecs_error_t *err);
/* Replaces the tags (a JSON object text). LOGS_OK or LOGS_NO_GROUP. */
int logs_group_set_tags(logs_store_t *s, const char *scope, const char *name, const char *tags,
                        ecs_error_t *err);

/* ---- streams ---- */

/* LOGS_OK, LOGS_NO_GROUP or LOGS_EXISTS. */
int logs_stream_create(logs_store_t *s, const char *scope, const char *group, const char *name, int64_t now_ms,
                       ecs_error_t *err);
/* LOGS_OK, LOGS_NO_GROUP or LOGS_NO_STREAM. */
int logs_stream_delete(logs_store_t *s, const char *scope, const char *group, const char *name, ecs_error_t *err);
/* 1 found, 0 not found, -1 error. */
int logs_stream_get(logs_store_t *s, int64_t gid, const char *name, logs_stream_t *out, ecs_error_t *err);

/* The stream of id sid (any group): 1 found, 0 not found, -1 error. */
int logs_stream_by_sid(logs_store_t *s, int64_t sid, logs_stream_t *out, ecs_error_t *err);

typedef struct logs_stream_query {
    const char *prefix;  /* NULL: any */
    bool by_last_event;  /* order by lastEventTimestamp, then name; else by name */
    bool descending;
    bool has_after;      /* page: rows after (after_ts, after_name) in that order */
    int64_t after_ts;
    const char *after_name;
    size_t limit;
} logs_stream_query_t;
int logs_stream_list(logs_store_t *s, int64_t gid, const logs_stream_query_t *q, logs_stream_t **out, size_t *n,
                     ecs_error_t *err);

/* ---- events ---- */

/* Appends n events (in order) to stream `stream` of group `group`, ingested
 * at now_ms, in one transaction; *seq gets the stream's new sequence.
 * LOGS_OK, LOGS_NO_GROUP or LOGS_NO_STREAM. */
int logs_events_put(logs_store_t *s, const char *scope, const char *group, const char *stream,
                    const logs_event_in_t *ev, size_t n, int64_t now_ms, int64_t *seq, ecs_error_t *err);

/* A position between events: (ts, eid), in the order of (timestamp, eid). */
typedef struct logs_pos {
    int64_t ts, eid;
} logs_pos_t;

typedef struct logs_read {
    int64_t start_ts, end_ts; /* start_ts <= ts < end_ts */
    logs_pos_t pos;           /* events after pos (forward) or before it */
    bool backward;
    size_t limit;             /* events */
    size_t max_bytes;         /* stop once the messages reach this many bytes */
} logs_read_t;
/* One stream's events, ascending (also when read backward). */
int logs_events_read(logs_store_t *s, int64_t sid, const logs_read_t *r, logs_event_t **out, size_t *n,
                     ecs_error_t *err);
void logs_events_free(logs_event_t *e, size_t n);

/* Walks a group's events in (timestamp, eid) order within r's range after
 * r->pos, at most `scan` rows; keep() says which are returned (at most
 * r->limit, r->max_bytes). *last gets the position of the last row looked
 * at; *more whether rows may remain after it. */
typedef bool (*logs_keep_fn)(void *arg, const logs_event_t *e);
int logs_events_scan(logs_store_t *s, int64_t gid, const logs_read_t *r, size_t scan, logs_keep_fn keep,
                     void *arg, logs_event_t **out, size_t *n, logs_pos_t *last, bool *more, ecs_error_t *err);

/* The janitor's pass: removes the events older than their group's
 * retention (by timestamp), then, while the file holds more than
 * max_bytes of messages (0: no bound), the oldest events arrived.
 * Returns how many events went, or -1. */
int64_t logs_store_sweep(logs_store_t *s, int64_t now_ms, int64_t max_bytes, ecs_error_t *err);

#endif
