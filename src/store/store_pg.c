/* store_pg.c - the PostgreSQL backend of the store (libpq).
 *
 * Any number of ecsd servers may share one database. Each thread has its
 * own connection (made on first use, closed when the thread ends or the
 * store closes), with its prepared statements cached by SQL text, as the
 * SQLite backend does. The schema and the queries are SQLite's
 * (pg_schema.c), with the "C" collation, so orders and pages are the same.
 *
 * Isolation: a write transaction is SERIALIZABLE, so every operation
 * written for SQLite's single writer keeps its meaning with concurrent
 * writers on other servers: the outcome is that of some serial order, or
 * the transaction fails with a serialization failure. A read transaction
 * is REPEATABLE READ READ ONLY: one snapshot, never aborted. A failure
 * that means "lost a race, nothing happened" (SQLSTATE 40001, 40P01,
 * 23505, or the connection lost before COMMIT) sets the transaction's
 * conflict flag (store_conflicted), and the caller runs the whole
 * operation again (api/dispatch.c). A COMMIT whose answer is lost has an
 * unknown outcome and is never called a conflict.
 *
 * Writers lock one table first (WRITER_LOCK below), so
 * they run one at a time across servers, as SQLite's do on one machine;
 * readers run beside them on every server, and so do the writes of one
 * row (STORE_WRITE_ROW: heartbeats), which SERIALIZABLE alone keeps
 * right.
 *
 * Threads: pg_store_t.conns is guarded by .lock; a pg_conn_t is used only
 * by its thread. The listener (store_pg_listen.c) has its own connection.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json_write.h"
#include "common/log.h"
#include "store/pg_schema.h"
#include "store/store_pg_int.h"

static const store_backend_t pg_backend;
static void txn_end(pg_txn_t *tx);

/* WRITER_LOCK: every write transaction of every server locks the empty
 * table ecsd_writer (pg_schema.c) as its first statement, so writers run
 * one at a time across all servers, and each one's snapshot is taken after
 * the previous one committed (a REPEATABLE READ or SERIALIZABLE snapshot is
 * taken at the first statement that reads, and LOCK TABLE does not read),
 * so they do not fail each other. Measured (bench/pg_servers.py, RunTask
 * count 10 at concurrency 16 on one cluster of 10 instances): optimistic
 * writers on two servers collided nearly always and fell to ~10 req/s
 * with p99 > 5 s; one at a time, 226 req/s (two servers), 273 (three), 292
 * (one). SERIALIZABLE stays, and a lost race is still run again: the lock
 * makes races rare, the isolation keeps them harmless. A transaction-level
 * lock goes with its transaction: a server paused inside one is cut off by
 * idle_in_transaction_session_timeout (pg_connect) and frees the others.
 *
 * Built with -DECSD_PG_OPTIMISTIC_WRITERS (make OPT='-O2 -DECSD_PG_OPTIMISTIC_WRITERS'),
 * writers skip the lock (and this process's write mutex) and rely on SERIALIZABLE and the retries alone: a
 * build for measuring that trade (bench/pg_servers.py, BENCH_PG_OPTIMISTIC),
 * not for production. */
#ifdef ECSD_PG_OPTIMISTIC_WRITERS
#define OPTIMISTIC_WRITERS 1
#else
#define OPTIMISTIC_WRITERS 0
#endif

static void conn_free(pg_conn_t *c)
{
    for (int i = 0; i < c->n_cache; i++)
        free(c->cache[i]);
    PQfinish(c->db);
    free(c);
}

/* Thread exit: unlink the thread's connection and close it. */
static void conn_destroy(void *arg)
{
    pg_conn_t *c = arg;
    pg_store_t *s = c->owner;
    pthread_mutex_lock(&s->lock);
    for (pg_conn_t **pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    conn_free(c);
}

/* Notices are not for the log (e.g. "relation exists, skipping"), except
 * the one that makes a commit's outcome unknown. */
static void on_notice(void *arg, const PGresult *res)
{
    pg_conn_t *c = arg;
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    if (c != NULL && msg != NULL && strstr(msg, "canceling wait for synchronous replication") != NULL)
        c->sync_wait_cancelled = true;
}

PGconn *pg_connect(const char *conninfo, ecs_error_t *err)
{
    /* Later entries win over earlier ones, the connection string's too:
     * the defaults come before it, target_session_attrs after (every read
     * and write goes to the primary; a standby's snapshot may be behind). */
    const char *const keys[] = {"connect_timeout", "keepalives", "keepalives_idle", "application_name", "options",
                                "dbname", "target_session_attrs", NULL};
    /* A transaction left idle (its server paused or hung) ends after 10 s,
     * with its locks; a lock waited for longer than that fails the
     * request (503) instead of hanging it. */
    const char *const vals[] = {"5", "1", "10", "ecsd",
                                "-c idle_in_transaction_session_timeout=10s -c lock_timeout=10s", conninfo,
                                "read-write", NULL};
    PGconn *db = PQconnectdbParams(keys, vals, 1);
    if (db == NULL || PQstatus(db) != CONNECTION_OK) {
        ecs_server_err(err, "store: cannot connect to PostgreSQL: %s",
                       db ? PQerrorMessage(db) : "out of memory");
        PQfinish(db);
        return NULL;
    }
    PQsetNoticeReceiver(db, on_notice, NULL);
    return db;
}

static pg_conn_t *thread_conn(pg_store_t *s, ecs_error_t *err)
{
    pg_conn_t *c = pthread_getspecific(s->key);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        ecs_server_err(err, "store: out of memory");
        return NULL;
    }
    if ((c->db = pg_connect(s->conninfo, err)) == NULL) {
        free(c);
        return NULL;
    }
    PQsetNoticeReceiver(c->db, on_notice, c);
    c->owner = s;
    c->txn.base.store = &s->base;
    c->txn.conn = c;
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, c);
    return c;
}

/* Lost a race or the connection: the transaction did nothing. */
static bool retryable(const char *state)
{
    /* not 55P03 (lock_not_available, lock_timeout): another server holds
     * the writers' lock past 10 s; running again at once would wait as
     * long, so the client is told (503) and retries later */
    return state != NULL &&
           (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "23505") == 0);
}

/* Fills err from a failed statement (res may be NULL) and marks the
 * transaction failed; PostgreSQL refuses everything after a failed
 * statement until ROLLBACK anyway. */
int pg_fail(pg_conn_t *c, PGresult *res, ecs_error_t *err, const char *what)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    c->txn.failed = true;
    if (state != NULL && strcmp(state, "55P03") == 0) {
        ecs_err(err, 503, "ServerException", "store: %s waited too long for another server's write, try again", what);
    } else if (retryable(state) || PQstatus(c->db) != CONNECTION_OK) {
        c->txn.conflict = true;
        ecs_err(err, 503, "ServerException", "store: %s lost a race with a concurrent change, try again (%s)",
                what, state ? state : "connection lost");
    } else {
        ecs_server_err(err, "store: %s failed: %s", what, res ? PQresultErrorMessage(res) : PQerrorMessage(c->db));
    }
    PQclear(res);
    return -1;
}

/* Runs a statement of the cache (prepared on first use); the result or NULL
 * with err filled. */
PGresult *pg_exec(pg_conn_t *c, const char *sql, int n, const char *const *vals, const int *lens,
                  ecs_error_t *err, const char *what)
{
    int i = 0;
    while (i < c->n_cache && strcmp(c->cache[i], sql) != 0)
        i++;
    char name[16];
    snprintf(name, sizeof name, "s%d", i);
    if (i == c->n_cache) {
        if (c->n_cache == PG_STMT_CACHE_MAX) {
            ecs_server_err(err, "store: statement cache full");
            return NULL;
        }
        PGresult *res = PQprepare(c->db, name, sql, n, NULL);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            pg_fail(c, res, err, what);
            return NULL;
        }
        PQclear(res);
        if ((c->cache[c->n_cache] = strdup(sql)) == NULL) {
            ecs_server_err(err, "store: out of memory");
            return NULL;
        }
        c->n_cache++;
    }
    PGresult *res = PQexecPrepared(c->db, name, n, vals, lens, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        pg_fail(c, res, err, what);
        return NULL;
    }
    return res;
}

/* A connection that broke between transactions is made again, so a
 * server outlives a restart or a failover of its database. Its prepared
 * statements are gone with it. */
static int conn_ensure(pg_conn_t *c, ecs_error_t *err)
{
    if (PQstatus(c->db) == CONNECTION_OK)
        return 0;
    PQreset(c->db);
    for (int i = 0; i < c->n_cache; i++)
        free(c->cache[i]);
    c->n_cache = 0;
    if (PQstatus(c->db) != CONNECTION_OK) {
        c->txn.conflict = true; /* nothing began: running again is safe */
        return ecs_err(err, 503, "ServerException", "store: PostgreSQL is unreachable: %s", PQerrorMessage(c->db));
    }
    log_info("store: reconnected to PostgreSQL");
    return 0;
}

static int pg_begin(store_t *base, store_mode_t mode, store_txn_t **out, ecs_error_t *err)
{
    pg_store_t *s = (pg_store_t *)base;
    pg_conn_t *c = thread_conn(s, err);
    if (c == NULL)
        return -1;
    if (c->txn.active)
        return ecs_server_err(err, "store: nested transaction on one thread");
    c->txn.conflict = false;
    c->txn.failed = false;
    const char *sql = mode != STORE_READ ? "BEGIN ISOLATION LEVEL SERIALIZABLE"
                                          : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    if (conn_ensure(c, err) < 0)
        return -1;
    /* the writers' turn: this process's mutex, then every server's lock */
    bool turn = mode == STORE_WRITE && !OPTIMISTIC_WRITERS;
    if (turn)
        pthread_mutex_lock(&s->write_lock);
    PGresult *res = PQexec(c->db, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQstatus(c->db) != CONNECTION_OK) {
        /* A connection broken while idle (the database restarted) shows
         * only when used: made again, and BEGIN once more; nothing began. */
        PQclear(res);
        res = NULL;
        if (conn_ensure(c, err) == 0)
            res = PQexec(c->db, sql);
    }
    if (PQresultStatus(res) == PGRES_COMMAND_OK && turn) {
        PQclear(res); /* before any statement takes the snapshot: see WRITER_LOCK */
        res = PQexec(c->db, "LOCK TABLE ecsd_writer IN EXCLUSIVE MODE");
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            PQclear(PQexec(c->db, "ROLLBACK"));
    }
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        c->txn.writing = turn;
        txn_end(&c->txn);
        return pg_fail(c, res, err, "begin");
    }
    PQclear(res);
    c->txn.active = true;
    c->txn.writing = turn;
    *out = &c->txn.base;
    return 0;
}

static int pg_commit_in(pg_txn_t *tx, pg_conn_t *c, ecs_error_t *err);

static void txn_end(pg_txn_t *tx)
{
    tx->active = false;
    if (tx->writing) {
        tx->writing = false;
        pthread_mutex_unlock(&tx->conn->owner->write_lock);
    }
}

static int pg_commit(store_txn_t *t, ecs_error_t *err)
{
    pg_txn_t *tx = (pg_txn_t *)t;
    pg_conn_t *c = tx->conn;
    int rc = pg_commit_in(tx, c, err);
    txn_end(tx);
    return rc;
}

static int pg_commit_in(pg_txn_t *tx, pg_conn_t *c, ecs_error_t *err)
{
    if (tx->failed) { /* a statement failed and the caller went on: nothing of it may stand */
        PQclear(PQexec(c->db, "ROLLBACK"));
        return ecs_server_err(err, "store: commit of a failed transaction");
    }
    c->sync_wait_cancelled = false;
    PGresult *res = PQexec(c->db, "COMMIT");
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK && strcmp(PQcmdStatus(res), "COMMIT") == 0 && !c->sync_wait_cancelled) {
        PQclear(res);
        return 0;
    }
    if (st == PGRES_COMMAND_OK && c->sync_wait_cancelled) {
        PQclear(res);
        return ecs_server_err(err, "store: the commit was not confirmed by the synchronous standby; the outcome "
                                   "is unknown");
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    if (st == PGRES_FATAL_ERROR && retryable(state)) { /* refused at commit (SSI): rolled back */
        tx->conflict = true;
        ecs_err(err, 503, "ServerException", "store: commit lost a race with a concurrent change, try again (%s)",
                state);
    } else if (PQstatus(c->db) != CONNECTION_OK) {
        /* The answer to COMMIT is lost: it may or may not have happened.
         * Never a conflict (running it again could do it twice); a 500,
         * which clients retry with their idempotency tokens. */
        ecs_server_err(err, "store: the connection to PostgreSQL was lost during commit; the outcome is unknown");
    } else {
        ecs_server_err(err, "store: commit failed: %s", res ? PQresultErrorMessage(res) : PQerrorMessage(c->db));
        PQclear(PQexec(c->db, "ROLLBACK"));
    }
    PQclear(res);
    return -1;
}

static void pg_rollback(store_txn_t *t)
{
    pg_txn_t *tx = (pg_txn_t *)t;
    if (!tx->active)
        return;
    if (PQstatus(tx->conn->db) == CONNECTION_OK)
        PQclear(PQexec(tx->conn->db, "ROLLBACK"));
    txn_end(tx);
}

static bool pg_conflicted(store_t *base)
{
    pg_conn_t *c = pthread_getspecific(((pg_store_t *)base)->key);
    return c != NULL && c->txn.conflict;
}

static void pg_close(store_t *base)
{
    pg_store_t *s = (pg_store_t *)base;
    pg_listen_stop(s);
    pthread_mutex_lock(&s->lock);
    pg_conn_t *c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    while (c != NULL) {
        pg_conn_t *next = c->next;
        conn_free(c);
        c = next;
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->conninfo);
    free(s);
}

static const store_backend_t pg_backend = {
    .name = "postgresql",
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .get = pg_get,
    .put = pg_put,
    .del = pg_del,
    .query = pg_query,
    .count = pg_count,
    .close = pg_close,
    .conflicted = pg_conflicted,
    .now_ms = pg_now_ms,
    .shared = true,
    .notify = pg_notify,
    .listen = pg_listen,
};

int store_open_pg(const char *conninfo, store_t **out, ecs_error_t *err)
{
    PGconn *db = pg_connect(conninfo, err);
    if (db == NULL)
        return -1;
    int rc = pg_schema_migrate(db, err);
    PQfinish(db);
    if (rc < 0)
        return -1;
    pg_store_t *s = calloc(1, sizeof *s);
    if (s == NULL || (s->conninfo = strdup(conninfo)) == NULL) {
        free(s);
        return ecs_server_err(err, "store: out of memory");
    }
    s->base.backend = &pg_backend;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_key_create(&s->key, conn_destroy);
    *out = &s->base;
    return 0;
}
