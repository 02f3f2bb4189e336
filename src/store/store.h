/* store.h - the narrow interface to durable state.
 *
 * Every resource (cluster, task definition, family, container instance,
 * task, service) is a JSON document plus the columns that queries filter on.
 *
 * The "account" of every call and column is the caller's partition, an
 * opaque string to the store: ecsd passes the scope "ACCOUNT:REGION"
 * (model/context.h), so one account's regions are apart. Backends compare
 * it byte for byte and never parse it.
 *
 * Operations see only this interface; the backend behind it (SQLite, the
 * default, or PostgreSQL: store_pg.c) is a table of function pointers
 * (store_backend_t).
 *
 * Threads: a store_t is shared by all threads. A store_txn_t belongs to the
 * thread that began it and is used by that thread only. Every API operation
 * runs in exactly one transaction that api/dispatch.c begins and ends.
 */
#ifndef ECSD_STORE_STORE_H
#define ECSD_STORE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

typedef enum store_kind {
    STORE_CLUSTER = 1,
    STORE_TASKDEF = 2,   /* key "family:revision"; family, num = revision */
    STORE_FAMILY = 3,    /* key family; doc {"lastRevision", "activeCount"} */
    STORE_INSTANCE = 4,  /* key instance id */
    STORE_TASK = 5,      /* key task id */
    STORE_SERVICE = 6,   /* key "cluster/service name" */
    STORE_TOKEN = 7,     /* idempotency tokens: key "Operation/token"; num = when used */
    STORE_SETTING = 8,   /* account settings: key "PRINCIPAL#NAME"; family = name, status = value */
    STORE_CAPACITY_PROVIDER = 9, /* key name; status ACTIVE | INACTIVE (model/capacity_provider.h) */
} store_kind_t;

/* One stored resource. Strings are owned by the record (NULL = no value). */
typedef struct store_record {
    char *account;    /* the scope; filled by get/query; put takes it as a parameter */
    char *key;        /* unique within (kind, account) */
    char *cluster;    /* owning cluster name */
    char *status;     /* e.g. ACTIVE/INACTIVE, a task's lastStatus */
    char *desired;    /* a task's desiredStatus */
    char *family;     /* task-definition family */
    int64_t num;      /* a number to order by (revision, creation time ms) */
    char *started_by;
    char *service;
    char *instance;   /* container instance id */
    json_t *doc;      /* the resource as the API shows it (owned reference) */
    int64_t version;  /* bumped by every put; read-only for callers */
} store_record_t;

typedef enum store_order {
    STORE_ORDER_KEY = 0,        /* key ascending */
    STORE_ORDER_FAMILY_NUM = 1, /* family, then num (numerically) */
    STORE_ORDER_NUM_KEY = 2,    /* num, then key */
} store_order_t;

/* Position after which a page starts: the sort columns of the last row seen. */
typedef struct store_cursor {
    char *text; /* key (ORDER_KEY, ORDER_NUM_KEY) or family (ORDER_FAMILY_NUM) */
    int64_t num;
} store_cursor_t;

/* A filter: NULL / 0 members do not filter. */
typedef struct store_query {
    store_kind_t kind;
    const char *account; /* required */
    const char *cluster;
    const char *status;
    const char *status_not; /* rows whose status differs */
    const char *desired;
    const char *family;
    const char *key_prefix;
    const char *started_by;
    const char *service;
    const char *instance;
    store_order_t order;
    bool descending;
    const store_cursor_t *after; /* NULL: from the first row */
    int limit;                   /* 0: no limit */
    bool without_doc;            /* rows come back with doc NULL (listings that need keys only) */
    bool columns_only;           /* the filter columns only: doc NULL, version 0, account NULL (a backend
                                  * may still give them) */
} store_query_t;

typedef struct store store_t;
typedef struct store_txn store_txn_t;

typedef enum store_mode {
    STORE_READ = 0,
    STORE_WRITE = 1,
    /* A write of the one row it reads by key (an agent's heartbeat): it may
     * run beside other writers (PostgreSQL: SERIALIZABLE without the
     * writers' lock, store_pg.c), so that the heartbeats of many agents do
     * not queue behind placements; it may then lose a race with a writer of
     * the same row (store_conflicted) and is run again by its caller.
     * SQLite: a write like any other. */
    STORE_WRITE_ROW = 2,
} store_mode_t;

/* Open the default backend (SQLite) in data_dir, creating and migrating it.
 * default_region: rows of a store written before scopes carried a region
 * (schema < 5, account "ACCOUNT") move to "ACCOUNT:default_region"; the
 * server passes its --region. A backend without such old rows (PostgreSQL)
 * needs no such parameter. store_open_sqlite is the same with
 * STORE_DEFAULT_REGION, the default of --region (tests, tools). */
#define STORE_DEFAULT_REGION "us-east-1"
int store_open_sqlite_region(const char *data_dir, const char *default_region, store_t **out, ecs_error_t *err);
int store_open_sqlite(const char *data_dir, store_t **out, ecs_error_t *err);
/* Opens the PostgreSQL backend (store_pg.c) on a libpq connection string
 * ("postgresql://host1:5432,host2:5432/ecsd?..."; every connection is made
 * with target_session_attrs=read-write, so it finds the primary), creating
 * and migrating the schema under an advisory lock (N servers may start at
 * once). */
int store_open_pg(const char *conninfo, store_t **out, ecs_error_t *err);
/* True for a --store value naming PostgreSQL (postgresql:// or postgres://). */
bool store_is_pg_url(const char *url);
void store_close(store_t *s);

int store_begin(store_t *s, store_mode_t mode, store_txn_t **out, ecs_error_t *err);
int store_commit(store_txn_t *t, ecs_error_t *err); /* ends t, on failure too */
void store_rollback(store_txn_t *t);                /* ends t; NULL is fine */

/* 1 found (out filled), 0 not found, -1 error. */
int store_get(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
              store_record_t *out, ecs_error_t *err);
/* Insert or replace the record with rec->key. */
int store_put(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *rec,
              ecs_error_t *err);
int store_delete(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
                 ecs_error_t *err);
/* Rows matching q in q's order, at most q->limit. *out is an array of *n
 * records, free it with store_records_free(). */
int store_query(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n,
                ecs_error_t *err);
int store_count(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err);

/* After a store call of this thread failed (store_begin and store_commit
 * included): true when its transaction lost a race with a concurrent one
 * (PostgreSQL's serialization failure, deadlock, unique violation, or a
 * connection lost before COMMIT) and nothing of it happened, so running
 * the whole operation again is safe and may succeed. Valid until the
 * thread's next store_begin on s. Always false on SQLite, whose writers
 * queue. */
bool store_conflicted(store_t *s);
/* The store's clock, epoch milliseconds: the database server's on
 * PostgreSQL (one clock for every ecsd server sharing it, as a lease's
 * expiry needs), this machine's on SQLite. */
int store_now_ms(store_txn_t *t, int64_t *now_ms, ecs_error_t *err);
/* True when other processes may write the store concurrently (PostgreSQL):
 * an operation may then have to run again (store_conflicted). */
bool store_shared(const store_t *s);

/* Inside a write transaction: asks that the other servers sharing the
 * store be told, once it commits, that the instance of this scope changed
 * (instance NULL: every instance of the scope); polls: its agent's polls
 * are to be answered (false: only its record changed, e.g. a heartbeat).
 * A no-op where no other server can share the store (SQLite). */
int store_notify(store_txn_t *t, const char *account, const char *instance, bool polls, ecs_error_t *err);

/* What a server does when another one committed a change: account,
 * instance and polls as given to store_notify (instance NULL: all of the account,
 * account NULL: everything, after the listener reconnected and may have
 * missed some). Called on the store's listener thread. */
typedef void (*store_change_fn)(void *arg, const char *account, const char *instance, bool polls);
/* Starts listening for other servers' changes (PostgreSQL: LISTEN on a
 * connection of its own). 0 also when the backend has nothing to listen to.
 * fn NULL stops the listener (before what fn uses is freed; store_close
 * stops it too). */
int store_listen(store_t *s, store_change_fn fn, void *arg, ecs_error_t *err);

void store_record_clear(store_record_t *r); /* frees members, not r */
void store_records_free(store_record_t *rs, size_t n);
void store_cursor_clear(store_cursor_t *c);

/* The backend table; store.c forwards to it. */
typedef struct store_backend {
    const char *name;
    int (*begin)(store_t *s, store_mode_t mode, store_txn_t **out, ecs_error_t *err);
    int (*commit)(store_txn_t *t, ecs_error_t *err);
    void (*rollback)(store_txn_t *t);
    int (*get)(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
               store_record_t *out, ecs_error_t *err);
    int (*put)(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *rec,
               ecs_error_t *err);
    int (*del)(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
               ecs_error_t *err);
    int (*query)(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n,
                 ecs_error_t *err);
    int (*count)(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err);
    void (*close)(store_t *s);
    /* Optional (NULL: nothing to do, never conflicts, not shared). */
    bool (*conflicted)(store_t *s);
    int (*now_ms)(store_txn_t *t, int64_t *now_ms, ecs_error_t *err);
    bool shared;
    int (*notify)(store_txn_t *t, const char *account, const char *instance, bool polls, ecs_error_t *err);
    int (*listen)(store_t *s, store_change_fn fn, void *arg, ecs_error_t *err);
} store_backend_t;

/* Every backend's store_t begins with this. */
struct store {
    const store_backend_t *backend;
};
/* Every backend's store_txn_t begins with this. */
struct store_txn {
    store_t *store;
};

#endif
