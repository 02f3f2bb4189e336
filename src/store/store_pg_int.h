/* store_pg_int.h - what the files of the PostgreSQL backend share:
 * store_pg.c (connections, transactions), store_pg_rows.c (records and
 * queries), store_pg_listen.c (notifications between servers). */
#ifndef ECSD_STORE_STORE_PG_INT_H
#define ECSD_STORE_STORE_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdbool.h>

#include "store/store.h"

#define PG_STMT_CACHE_MAX 96

typedef struct pg_conn pg_conn_t;
typedef struct pg_listener pg_listener_t;

typedef struct pg_txn {
    store_txn_t base;
    pg_conn_t *conn;
    bool active;
    bool writing;  /* holds the store's write_lock (a STORE_WRITE transaction) */
    bool failed;   /* a statement failed: the transaction can only roll back */
    bool conflict; /* store_conflicted(): lost a race, nothing happened */
} pg_txn_t;

struct pg_conn {
    PGconn *db;
    char *cache[PG_STMT_CACHE_MAX]; /* SQL text of prepared statement "s<i>" */
    int n_cache;
    pg_txn_t txn;
    /* The server warned, during this transaction's COMMIT, that it stopped
     * waiting for the synchronous standby: committed locally, perhaps not
     * replicated, so the outcome is unknown (a failover may lose it). */
    bool sync_wait_cancelled;
    struct pg_store *owner;
    pg_conn_t *next;
};

typedef struct pg_store {
    store_t base;
    char *conninfo;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    pg_conn_t *conns;
    pg_listener_t *listener; /* NULL until store_listen */
    /* Held by a write transaction from BEGIN to its end: this process's
     * writers queue here, as with SQLite, so that they do not fail each
     * other's serializable transactions (32 RunTask calls on one server
     * otherwise exhausted their retries); only writers of other servers
     * race, and the loser runs again. */
    pthread_mutex_t write_lock;
} pg_store_t;

/* A connection with ecsd's defaults; NULL with err filled. */
PGconn *pg_connect(const char *conninfo, ecs_error_t *err);
int pg_fail(pg_conn_t *c, PGresult *res, ecs_error_t *err, const char *what);
PGresult *pg_exec(pg_conn_t *c, const char *sql, int n, const char *const *vals, const int *lens,
                  ecs_error_t *err, const char *what);

int pg_get(store_txn_t *t, store_kind_t kind, const char *account, const char *key, store_record_t *out,
           ecs_error_t *err);
int pg_put(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *rec, ecs_error_t *err);
int pg_del(store_txn_t *t, store_kind_t kind, const char *account, const char *key, ecs_error_t *err);
int pg_query(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n, ecs_error_t *err);
int pg_now_ms(store_txn_t *t, int64_t *now_ms, ecs_error_t *err);
int pg_count(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err);

int pg_notify(store_txn_t *t, const char *account, const char *instance, bool polls, ecs_error_t *err);
int pg_listen(store_t *s, store_change_fn fn, void *arg, ecs_error_t *err);
void pg_listen_stop(pg_store_t *s);

#endif
