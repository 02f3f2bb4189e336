/* store_sqlite.c - the SQLite backend of the store (the embedded default).
 *
 * WAL mode, synchronous=FULL: an answered write is on disk. Each thread has
 * its own connection (created on first use, closed when the thread ends or
 * the store closes), with its prepared statements cached by SQL text.
 * Write transactions are BEGIN IMMEDIATE, so writers queue on SQLite's lock
 * (busy_timeout) instead of failing half-way.
 *
 * Threads: sqlite_store_t.conns is guarded by .lock; a sqlite_conn_t is used
 * only by its thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/cleanup.h"
#include "common/json_write.h"
#include "common/log.h"
#include "store/sqlite_schema.h"
#include "store/store.h"

#define STMT_CACHE_MAX 64
#define BUSY_TIMEOUT_MS 15000

typedef struct sqlite_conn sqlite_conn_t;

typedef struct sqlite_txn {
    store_txn_t base;
    sqlite_conn_t *conn;
    bool active;
    bool writing; /* holds the store's write_lock */
} sqlite_txn_t;

struct sqlite_conn {
    sqlite3 *db;
    struct {
        char *sql;
        sqlite3_stmt *st;
    } cache[STMT_CACHE_MAX];
    int n_cache;
    sqlite_txn_t txn;
    struct sqlite_store *owner;
    sqlite_conn_t *next;
};

typedef struct sqlite_store {
    store_t base;
    char *path;
    pthread_key_t key;
    pthread_mutex_t lock; /* guards conns */
    sqlite_conn_t *conns;
    /* Held from BEGIN IMMEDIATE to COMMIT/ROLLBACK: this process's writers
     * queue here instead of in SQLite's busy handler, which polls with
     * sleeps of up to 100 ms and so gives long, unfair waits. */
    pthread_mutex_t write_lock;
} sqlite_store_t;

static const store_backend_t sqlite_backend;

static void conn_free(sqlite_conn_t *c)
{
    for (int i = 0; i < c->n_cache; i++) {
        sqlite3_finalize(c->cache[i].st);
        free(c->cache[i].sql);
    }
    sqlite3_close(c->db);
    free(c);
}

/* Thread exit: unlink the thread's connection and close it. */
static void conn_destroy(void *arg)
{
    sqlite_conn_t *c = arg;
    sqlite_store_t *s = c->owner;
    pthread_mutex_lock(&s->lock);
    for (sqlite_conn_t **pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    conn_free(c);
}

static int conn_open(sqlite_store_t *s, sqlite3 **out, ecs_error_t *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(s->path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ecs_server_err(err, "store: cannot open %s: %s", s->path,
                       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) !=
        SQLITE_OK) {
        ecs_server_err(err, "store: cannot configure %s: %s", s->path, sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

static sqlite_conn_t *thread_conn(sqlite_store_t *s, ecs_error_t *err)
{
    sqlite_conn_t *c = pthread_getspecific(s->key);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        ecs_server_err(err, "store: out of memory");
        return NULL;
    }
    if (conn_open(s, &c->db, err) < 0) {
        free(c);
        return NULL;
    }
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

/* A prepared statement for sql, reset and with bindings cleared. */
static sqlite3_stmt *conn_stmt(sqlite_conn_t *c, const char *sql, ecs_error_t *err)
{
    for (int i = 0; i < c->n_cache; i++) {
        if (strcmp(c->cache[i].sql, sql) == 0) {
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            return c->cache[i].st;
        }
    }
    if (c->n_cache == STMT_CACHE_MAX) {
        ecs_server_err(err, "store: statement cache full");
        return NULL;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        ecs_server_err(err, "store: prepare failed: %s", sqlite3_errmsg(c->db));
        return NULL;
    }
    c->cache[c->n_cache].sql = strdup(sql);
    c->cache[c->n_cache].st = st;
    if (c->cache[c->n_cache].sql == NULL) {
        sqlite3_finalize(st);
        ecs_server_err(err, "store: out of memory");
        return NULL;
    }
    c->n_cache++;
    return st;
}

static int db_err(sqlite_conn_t *c, ecs_error_t *err, const char *what)
{
    return ecs_server_err(err, "store: %s failed: %s", what, sqlite3_errmsg(c->db));
}

static int sq_begin(store_t *base, store_mode_t mode, store_txn_t **out, ecs_error_t *err)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    sqlite_conn_t *c = thread_conn(s, err);
    if (c == NULL)
        return -1;
    if (c->txn.active)
        return ecs_server_err(err, "store: nested transaction on one thread");
    sqlite3_stmt *st = conn_stmt(c, mode != STORE_READ ? "BEGIN IMMEDIATE" : "BEGIN", err);
    if (st == NULL)
        return -1;
    if (mode != STORE_READ)
        pthread_mutex_lock(&s->write_lock);
    if (sqlite3_step(st) != SQLITE_DONE) {
        if (mode != STORE_READ)
            pthread_mutex_unlock(&s->write_lock);
        return db_err(c, err, "begin");
    }
    c->txn.active = true;
    c->txn.writing = mode != STORE_READ;
    *out = &c->txn.base;
    return 0;
}

static int sq_commit(store_txn_t *t, ecs_error_t *err)
{
    sqlite_txn_t *tx = (sqlite_txn_t *)t;
    sqlite_conn_t *c = tx->conn;
    sqlite3_stmt *st = conn_stmt(c, "COMMIT", err);
    int rc = st ? sqlite3_step(st) : SQLITE_ERROR;
    if (rc != SQLITE_DONE) {
        if (st != NULL)
            db_err(c, err, "commit");
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    }
    tx->active = false;
    if (tx->writing) {
        tx->writing = false;
        pthread_mutex_unlock(&c->owner->write_lock);
    }
    return rc == SQLITE_DONE ? 0 : -1;
}

static void sq_rollback(store_txn_t *t)
{
    sqlite_txn_t *tx = (sqlite_txn_t *)t;
    if (!tx->active)
        return;
    sqlite3_stmt *st = conn_stmt(tx->conn, "ROLLBACK", NULL);
    if (st == NULL || sqlite3_step(st) != SQLITE_DONE)
        sqlite3_exec(tx->conn->db, "ROLLBACK", NULL, NULL, NULL);
    tx->active = false;
    if (tx->writing) {
        tx->writing = false;
        pthread_mutex_unlock(&tx->conn->owner->write_lock);
    }
}

static char *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *v = sqlite3_column_text(st, i);
    return v ? strdup((const char *)v) : NULL;
}

/* The same positions with only what a keyset page needs (key, family, num). */
#define KEY_COLUMNS "key, NULL, NULL, NULL, family, num"
/* RECORD_COLUMNS without the document (store_query_t.columns_only), nor
 * version and account: they follow the document in the row, and reading
 * them would read its overflow pages */
#define COLUMNS_ONLY "key, cluster, status, desired, family, num, started_by, service, instance, NULL, 0, NULL"
#define RECORD_COLUMNS \
    "key, cluster, status, desired, family, num, started_by, service, instance, doc, version, account"

/* with_cols: RECORD_COLUMNS were selected (else KEY_COLUMNS); with_doc:
 * parse the document too. */
static int row_to_record_cols(sqlite3_stmt *st, store_record_t *r, bool with_cols, bool with_doc, ecs_error_t *err)
{
    *r = (store_record_t){0};
    if (!with_cols) { /* KEY_COLUMNS */
        r->key = col_text(st, 0);
        r->family = col_text(st, 4);
        r->num = sqlite3_column_int64(st, 5);
        return r->key != NULL ? 0 : ecs_server_err(err, "store: unreadable record");
    }
    r->key = col_text(st, 0);
    r->cluster = col_text(st, 1);
    r->status = col_text(st, 2);
    r->desired = col_text(st, 3);
    r->family = col_text(st, 4);
    r->num = sqlite3_column_int64(st, 5);
    r->started_by = col_text(st, 6);
    r->service = col_text(st, 7);
    r->instance = col_text(st, 8);
    json_error_t jerr;
    if (with_doc)
        r->doc = json_loadb((const char *)sqlite3_column_blob(st, 9), (size_t)sqlite3_column_bytes(st, 9), 0,
                            &jerr);
    r->version = sqlite3_column_int64(st, 10);
    r->account = col_text(st, 11);
    if ((with_doc && r->doc == NULL) || r->key == NULL) {
        store_record_clear(r);
        return ecs_server_err(err, "store: unreadable record");
    }
    return 0;
}

static int row_to_record(sqlite3_stmt *st, store_record_t *r, bool with_doc, ecs_error_t *err)
{
    return row_to_record_cols(st, r, with_doc, with_doc, err);
}

static int sq_get(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
                  store_record_t *out, ecs_error_t *err)
{
    sqlite_conn_t *c = ((sqlite_txn_t *)t)->conn;
    sqlite3_stmt *st = conn_stmt(
        c, "SELECT " RECORD_COLUMNS " FROM resources WHERE kind = ? AND account = ? AND key = ?", err);
    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = row_to_record(st, out, true, err) < 0 ? -1 : 1;
    else
        rc = rc == SQLITE_DONE ? 0 : db_err(c, err, "get");
    sqlite3_reset(st); /* a statement left mid-row would pin its read snapshot */
    return rc;
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v != NULL)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static int sq_put(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *r,
                  ecs_error_t *err)
{
    sqlite_conn_t *c = ((sqlite_txn_t *)t)->conn;
    size_t doc_len = 0;
    cleanup_free char *doc = json_write(r->doc, &doc_len);
    if (doc == NULL)
        return ecs_server_err(err, "store: cannot serialise record");
    sqlite3_stmt *st = conn_stmt(
        c,
        "INSERT INTO resources (kind, account, key, cluster, status, desired, family, num,"
        " started_by, service, instance, doc) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (kind, account, key) DO UPDATE SET cluster = excluded.cluster,"
        " status = excluded.status, desired = excluded.desired, family = excluded.family,"
        " num = excluded.num, started_by = excluded.started_by, service = excluded.service,"
        " instance = excluded.instance, doc = excluded.doc, version = resources.version + 1",
        err);
    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->key, -1, SQLITE_STATIC);
    bind_opt_text(st, 4, r->cluster);
    bind_opt_text(st, 5, r->status);
    bind_opt_text(st, 6, r->desired);
    bind_opt_text(st, 7, r->family);
    sqlite3_bind_int64(st, 8, r->num);
    bind_opt_text(st, 9, r->started_by);
    bind_opt_text(st, 10, r->service);
    bind_opt_text(st, 11, r->instance);
    sqlite3_bind_text(st, 12, doc, (int)doc_len, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st); /* drop the reference to doc before it is freed */
    return rc == SQLITE_DONE ? 0 : db_err(c, err, "put");
}

static int sq_del(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
                  ecs_error_t *err)
{
    sqlite_conn_t *c = ((sqlite_txn_t *)t)->conn;
    sqlite3_stmt *st =
        conn_stmt(c, "DELETE FROM resources WHERE kind = ? AND account = ? AND key = ?", err);
    if (st == NULL)
        return -1;
    sqlite3_bind_int(st, 1, (int)kind);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
    return sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(c, err, "delete");
}

/* The WHERE, ORDER BY and LIMIT of a query, built from the filter's set
 * members; every value is a bound parameter. The SQL text depends only on
 * which members are set, so the statement cache stays small. */
typedef struct sql_buf {
    char text[1024];
    size_t len;
    const char *binds[16]; /* text parameters after kind (?1), in order */
    int n_binds;
} sql_buf_t;

static void sql_add(sql_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n < sizeof b->text) {
        memcpy(b->text + b->len, s, n + 1);
        b->len += n;
    }
}

static void sql_filter(sql_buf_t *b, const char *clause, const char *value)
{
    if (value == NULL)
        return;
    sql_add(b, clause);
    b->binds[b->n_binds++] = value;
}

/* Appends the WHERE clause; *prefix_hi receives the upper bound of a key
 * prefix range (caller frees). */
static void sql_where(sql_buf_t *b, const store_query_t *q, char **prefix_hi)
{
    sql_add(b, " FROM resources WHERE kind = ?1");
    sql_filter(b, " AND account = ?", q->account);
    sql_filter(b, " AND cluster = ?", q->cluster);
    sql_filter(b, " AND status = ?", q->status);
    sql_filter(b, " AND status <> ?", q->status_not);
    sql_filter(b, " AND desired = ?", q->desired);
    sql_filter(b, " AND family = ?", q->family);
    sql_filter(b, " AND started_by = ?", q->started_by);
    sql_filter(b, " AND service = ?", q->service);
    sql_filter(b, " AND instance = ?", q->instance);
    if (q->key_prefix != NULL && q->key_prefix[0] != '\0') {
        /* key >= prefix AND key < prefix + 0xFF: an index range; keys are
         * UTF-8 and never contain the byte 0xFF. */
        if (asprintf(prefix_hi, "%s\xff", q->key_prefix) < 0)
            abort();
        sql_filter(b, " AND key >= ?", q->key_prefix);
        sql_filter(b, " AND key < ?", *prefix_hi);
    }
}

static int sql_bind_all(sqlite3_stmt *st, const store_query_t *q, const sql_buf_t *b)
{
    sqlite3_bind_int(st, 1, (int)q->kind);
    int i = 2;
    for (int k = 0; k < b->n_binds; k++)
        sqlite3_bind_text(st, i++, b->binds[k], -1, SQLITE_STATIC);
    return i;
}

static int sq_query(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n,
                    ecs_error_t *err)
{
    sqlite_conn_t *c = ((sqlite_txn_t *)t)->conn;
    sql_buf_t b; /* not zeroed whole: this runs for every query */
    b.len = 0;
    b.n_binds = 0;
    b.text[0] = '\0';
    cleanup_free char *prefix_hi = NULL;
    /* Listings need keys and sort columns only: the document (and the
     * other columns) are not even read then. */
    sql_add(&b, q->without_doc    ? "SELECT " KEY_COLUMNS
                : q->columns_only ? "SELECT " COLUMNS_ONLY
                                  : "SELECT " RECORD_COLUMNS);
    sql_where(&b, q, &prefix_hi);
    const char *cmp = q->descending ? "<" : ">";
    const char *dir = q->descending ? " DESC" : "";
    char clause[160];
    bool cursor_num = false;
    switch (q->order) {
    case STORE_ORDER_KEY:
        if (q->after != NULL) {
            snprintf(clause, sizeof clause, " AND key %s ?", cmp);
            sql_filter(&b, clause, q->after->text);
        }
        snprintf(clause, sizeof clause, " ORDER BY key%s", dir);
        break;
    case STORE_ORDER_FAMILY_NUM:
    case STORE_ORDER_NUM_KEY: {
        bool fam = q->order == STORE_ORDER_FAMILY_NUM;
        if (q->after != NULL) {
            snprintf(clause, sizeof clause, fam ? " AND (family, num) %s (?, ?)" : " AND (num, key) %s (?, ?)",
                     cmp);
            cursor_num = true;
            sql_add(&b, clause);
        }
        snprintf(clause, sizeof clause, fam ? " ORDER BY family%s, num%s" : " ORDER BY num%s, key%s", dir,
                 dir);
        break;
    }
    }
    sql_add(&b, clause);
    if (q->limit > 0)
        sql_add(&b, " LIMIT ?");
    sqlite3_stmt *st = conn_stmt(c, b.text, err);
    if (st == NULL)
        return -1;
    int i = sql_bind_all(st, q, &b);
    if (cursor_num) {
        if (q->order == STORE_ORDER_FAMILY_NUM) {
            sqlite3_bind_text(st, i++, q->after->text ? q->after->text : "", -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, i++, q->after->num);
        } else {
            sqlite3_bind_int64(st, i++, q->after->num);
            sqlite3_bind_text(st, i++, q->after->text ? q->after->text : "", -1, SQLITE_STATIC);
        }
    }
    if (q->limit > 0)
        sqlite3_bind_int(st, i++, q->limit);

    size_t cap = 16, len = 0;
    store_record_t *rs = malloc(cap * sizeof *rs);
    if (rs == NULL)
        return ecs_server_err(err, "store: out of memory");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (len == cap) {
            cap *= 2;
            store_record_t *grown = realloc(rs, cap * sizeof *rs);
            if (grown == NULL) {
                store_records_free(rs, len);
                sqlite3_reset(st);
                return ecs_server_err(err, "store: out of memory");
            }
            rs = grown;
        }
        if (row_to_record_cols(st, &rs[len], !q->without_doc, !q->without_doc && !q->columns_only, err) < 0) {
            store_records_free(rs, len);
            sqlite3_reset(st);
            return -1;
        }
        len++;
    }
    if (rc != SQLITE_DONE) {
        store_records_free(rs, len);
        db_err(c, err, "query");
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    *out = rs;
    *n = len;
    return 0;
}

/* A count by kind, account, cluster and status (or status_not) alone is
 * read from the counts table that triggers keep (migration 4). */
static bool counted(const store_query_t *q)
{
    return q->account != NULL && q->cluster != NULL && (q->status != NULL) != (q->status_not != NULL) &&
           q->desired == NULL && q->family == NULL && q->key_prefix == NULL && q->started_by == NULL &&
           q->service == NULL && q->instance == NULL;
}

static int sq_count(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err)
{
    sqlite_conn_t *c = ((sqlite_txn_t *)t)->conn;
    if (counted(q)) {
        sqlite3_stmt *st = conn_stmt(c, q->status ? "SELECT coalesce(sum(n), 0) FROM counts WHERE kind = ?"
                                                    " AND account = ? AND cluster = ? AND status = ?"
                                                  : "SELECT coalesce(sum(n), 0) FROM counts WHERE kind = ?"
                                                    " AND account = ? AND cluster = ? AND status <> ?",
                                     err);
        if (st == NULL)
            return -1;
        sqlite3_bind_int(st, 1, (int)q->kind);
        sqlite3_bind_text(st, 2, q->account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, q->cluster, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, q->status ? q->status : q->status_not, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : db_err(c, err, "count");
        if (rc == 0)
            *count = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        return rc;
    }
    sql_buf_t b; /* not zeroed whole: this runs for every query */
    b.len = 0;
    b.n_binds = 0;
    b.text[0] = '\0';
    cleanup_free char *prefix_hi = NULL;
    sql_add(&b, "SELECT count(*)");
    sql_where(&b, q, &prefix_hi);
    sqlite3_stmt *st = conn_stmt(c, b.text, err);
    if (st == NULL)
        return -1;
    sql_bind_all(st, q, &b);
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : db_err(c, err, "count");
    if (rc == 0)
        *count = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

static void sq_close(store_t *base)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    pthread_mutex_lock(&s->lock);
    sqlite_conn_t *c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    while (c != NULL) {
        sqlite_conn_t *next = c->next;
        conn_free(c);
        c = next;
    }
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->path);
    free(s);
}

static const store_backend_t sqlite_backend = {
    .name = "sqlite",
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .get = sq_get,
    .put = sq_put,
    .del = sq_del,
    .query = sq_query,
    .count = sq_count,
    .close = sq_close,
};

int store_open_sqlite(const char *data_dir, store_t **out, ecs_error_t *err)
{
    return store_open_sqlite_region(data_dir, STORE_DEFAULT_REGION, out, err);
}

int store_open_sqlite_region(const char *data_dir, const char *default_region, store_t **out, ecs_error_t *err)
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST)
        return ecs_server_err(err, "store: cannot create %s: %s", data_dir, strerror(errno));
    sqlite_store_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ecs_server_err(err, "store: out of memory");
    s->base.backend = &sqlite_backend;
    if (asprintf(&s->path, "%s/ecsd.db", data_dir) < 0) {
        free(s);
        return ecs_server_err(err, "store: out of memory");
    }
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    pthread_key_create(&s->key, conn_destroy);
    sqlite3 *db = NULL;
    if (conn_open(s, &db, err) < 0 || sqlite_schema_migrate(db, default_region, err) < 0) {
        sqlite3_close(db);
        pthread_key_delete(s->key);
        pthread_mutex_destroy(&s->lock);
        pthread_mutex_destroy(&s->write_lock);
        free(s->path);
        free(s);
        return -1;
    }
    sqlite3_close(db);
    *out = &s->base;
    return 0;
}
