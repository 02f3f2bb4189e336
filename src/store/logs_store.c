/* logs_store.c - the logs store's file, connections, groups and streams
 * (events: logs_store_events.c).
 *
 * WAL with synchronous=NORMAL: a commit does not wait for an fsync of its
 * own (the WAL is synced at checkpoints), so a stream of small batches
 * costs the disk little; a power cut may lose the last batches answered,
 * never the file. The ECS store keeps synchronous=FULL.
 */
#include "store/logs_store_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/log.h"

#define BUSY_TIMEOUT_MS 15000

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS log_groups ("
    " gid INTEGER PRIMARY KEY, scope TEXT NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,"
    " retention INTEGER NOT NULL DEFAULT 0, kms TEXT NOT NULL DEFAULT '', class TEXT NOT NULL DEFAULT 'STANDARD',"
    " protect INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, tags TEXT NOT NULL DEFAULT '{}',"
    " UNIQUE(scope, name));"
    "CREATE TABLE IF NOT EXISTS log_streams ("
    " sid INTEGER PRIMARY KEY, gid INTEGER NOT NULL, name TEXT NOT NULL, created INTEGER NOT NULL,"
    " first_ts INTEGER, last_ts INTEGER, last_ingest INTEGER, bytes INTEGER NOT NULL DEFAULT 0,"
    " seq INTEGER NOT NULL DEFAULT 0, UNIQUE(gid, name));"
    "CREATE TABLE IF NOT EXISTS log_events ("
    " eid INTEGER PRIMARY KEY, gid INTEGER NOT NULL, sid INTEGER NOT NULL, ts INTEGER NOT NULL,"
    " ingest INTEGER NOT NULL, bytes INTEGER NOT NULL, msg TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS log_events_stream ON log_events(sid, ts, eid);"
    "CREATE INDEX IF NOT EXISTS log_events_group ON log_events(gid, ts, eid);";

static void conn_free(logs_conn_t *c)
{
    for (int i = 0; i < c->n_cache; i++)
        sqlite3_finalize(c->cache[i].st);
    sqlite3_close(c->db);
    free(c);
}

/* Thread exit: unlink the thread's connection and close it. */
static void conn_destroy(void *arg)
{
    logs_conn_t *c = arg;
    logs_store_t *s = c->owner;
    pthread_mutex_lock(&s->lock);
    for (logs_conn_t **pp = &s->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    conn_free(c);
}

static int conn_open(logs_store_t *s, sqlite3 **out, ecs_error_t *err)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(s->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ecs_err(err, 500, "ServiceUnavailableException", "logs store: cannot open %s: %s", s->path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL) != SQLITE_OK) {
        ecs_err(err, 500, "ServiceUnavailableException", "logs store: cannot configure %s: %s", s->path,
                sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

logs_conn_t *logs_conn(logs_store_t *s, ecs_error_t *err)
{
    logs_conn_t *c = pthread_getspecific(s->key);
    if (c != NULL)
        return c;
    c = calloc(1, sizeof *c);
    if (c == NULL) {
        ecs_err(err, 500, "ServiceUnavailableException", "logs store: out of memory");
        return NULL;
    }
    if (conn_open(s, &c->db, err) < 0) {
        free(c);
        return NULL;
    }
    c->owner = s;
    pthread_mutex_lock(&s->lock);
    c->next = s->conns;
    s->conns = c;
    pthread_mutex_unlock(&s->lock);
    pthread_setspecific(s->key, c);
    return c;
}

sqlite3_stmt *logs_stmt(logs_conn_t *c, const char *sql, ecs_error_t *err)
{
    for (int i = 0; i < c->n_cache; i++) {
        if (c->cache[i].sql == sql) {
            sqlite3_reset(c->cache[i].st);
            sqlite3_clear_bindings(c->cache[i].st);
            return c->cache[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        logs_db_err(c, err, "prepare");
        return NULL;
    }
    if (c->n_cache == LOGS_STMT_CACHE_MAX) { /* more statements than expected: the oldest goes */
        sqlite3_finalize(c->cache[0].st);
        memmove(&c->cache[0], &c->cache[1], sizeof c->cache[0] * (LOGS_STMT_CACHE_MAX - 1));
        c->n_cache--;
    }
    c->cache[c->n_cache].sql = sql;
    c->cache[c->n_cache].st = st;
    c->n_cache++;
    return st;
}

int logs_db_err(logs_conn_t *c, ecs_error_t *err, const char *what)
{
    return ecs_err(err, 500, "ServiceUnavailableException", "logs store: %s failed: %s", what, sqlite3_errmsg(c->db));
}

int logs_write_begin(logs_conn_t *c, ecs_error_t *err)
{
    pthread_mutex_lock(&c->owner->write_lock);
    if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&c->owner->write_lock);
        return logs_db_err(c, err, "begin");
    }
    return 0;
}

int logs_write_end(logs_conn_t *c, bool ok, ecs_error_t *err)
{
    int rc = 0;
    if (ok && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        rc = logs_db_err(c, err, "commit");
    if (!ok || rc < 0)
        sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&c->owner->write_lock);
    return rc;
}

int logs_read_begin(logs_conn_t *c, ecs_error_t *err)
{
    return sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK ? 0 : logs_db_err(c, err, "begin");
}

void logs_read_end(logs_conn_t *c)
{
    sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
}

int logs_store_open(const char *data_dir, logs_store_t **out, ecs_error_t *err)
{
    if (mkdir(data_dir, 0700) < 0 && errno != EEXIST)
        return ecs_server_err(err, "logs store: cannot create %s: %s", data_dir, strerror(errno));
    logs_store_t *s = calloc(1, sizeof *s);
    size_t len = strlen(data_dir) + sizeof "/logs.db";
    if (s == NULL || (s->path = malloc(len)) == NULL) {
        free(s);
        return ecs_server_err(err, "logs store: out of memory");
    }
    snprintf(s->path, len, "%s/logs.db", data_dir);
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->write_lock, NULL);
    if (pthread_key_create(&s->key, conn_destroy) != 0) {
        free(s->path);
        free(s);
        return ecs_server_err(err, "logs store: no thread key");
    }
    logs_conn_t *c = logs_conn(s, err);
    char *msg = NULL;
    if (c == NULL || sqlite3_exec(c->db, SCHEMA, NULL, NULL, &msg) != SQLITE_OK) {
        if (c != NULL)
            ecs_server_err(err, "logs store: schema of %s: %s", s->path, msg ? msg : "?");
        sqlite3_free(msg);
        logs_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void logs_store_close(logs_store_t *s)
{
    if (s == NULL)
        return;
    pthread_key_delete(s->key); /* no destructor runs after this */
    pthread_mutex_lock(&s->lock);
    logs_conn_t *c = s->conns;
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    while (c != NULL) {
        logs_conn_t *next = c->next;
        conn_free(c);
        c = next;
    }
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->write_lock);
    free(s->path);
    free(s);
}

/* ---- groups ---- */

static void copy_text(char *dst, size_t cap, sqlite3_stmt *st, int col)
{
    const unsigned char *v = sqlite3_column_text(st, col);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

#define GROUP_COLUMNS "gid, name, created, retention, kms, class, protect, bytes, tags"

static int row_group(sqlite3_stmt *st, logs_group_t *g, ecs_error_t *err)
{
    g->gid = sqlite3_column_int64(st, 0);
    copy_text(g->name, sizeof g->name, st, 1);
    g->created_ms = sqlite3_column_int64(st, 2);
    g->retention_days = sqlite3_column_int(st, 3);
    copy_text(g->kms_key, sizeof g->kms_key, st, 4);
    copy_text(g->group_class, sizeof g->group_class, st, 5);
    g->deletion_protection = sqlite3_column_int(st, 6) != 0;
    g->stored_bytes = sqlite3_column_int64(st, 7);
    const unsigned char *tags = sqlite3_column_text(st, 8);
    g->tags = strdup(tags ? (const char *)tags : "{}");
    return g->tags ? 0 : ecs_server_err(err, "logs store: out of memory");
}

int logs_gid(logs_conn_t *c, const char *scope, const char *name, int64_t *gid, ecs_error_t *err)
{
    static const char sql[] = "SELECT gid FROM log_groups WHERE scope = ? AND name = ?";
    sqlite3_stmt *st = logs_stmt(c, sql, err);
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *gid = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : logs_db_err(c, err, "read");
}

int logs_group_create(logs_store_t *s, const char *scope, const logs_group_t *g, ecs_error_t *err)
{
    static const char sql[] = "INSERT INTO log_groups (scope, name, created, retention, kms, class, protect, tags) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, name) DO NOTHING";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL || logs_write_begin(c, err) < 0)
        return -1;
    sqlite3_stmt *st = logs_stmt(c, sql, err);
    int rc = -1;
    if (st != NULL) {
        sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, g->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, g->created_ms);
        sqlite3_bind_int(st, 4, g->retention_days);
        sqlite3_bind_text(st, 5, g->kms_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, g->group_class[0] ? g->group_class : "STANDARD", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 7, g->deletion_protection ? 1 : 0);
        sqlite3_bind_text(st, 8, g->tags ? g->tags : "{}", -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
            rc = sqlite3_changes(c->db) == 1 ? LOGS_OK : LOGS_EXISTS;
        else
            logs_db_err(c, err, "insert");
        sqlite3_reset(st);
    }
    if (logs_write_end(c, rc >= 0, err) < 0)
        return -1;
    return rc;
}

int logs_group_get(logs_store_t *s, const char *scope, const char *name, logs_group_t *out, ecs_error_t *err)
{
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM log_groups WHERE scope = ? AND name = ?";
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int ret = rc == SQLITE_ROW ? (row_group(st, out, err) == 0 ? 1 : -1)
              : rc == SQLITE_DONE ? 0
                                  : logs_db_err(c, err, "read");
    sqlite3_reset(st);
    return ret;
}

/* Runs a statement of one int64 parameter to its end. */
static int exec_id(logs_conn_t *c, const char *sql, int64_t id, ecs_error_t *err)
{
    sqlite3_stmt *st = logs_stmt(c, sql, err);
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : logs_db_err(c, err, "write");
}

int logs_group_delete(logs_store_t *s, const char *scope, const char *name, ecs_error_t *err)
{
    static const char del_events[] = "DELETE FROM log_events WHERE gid = ?";
    static const char del_streams[] = "DELETE FROM log_streams WHERE gid = ?";
    static const char del_group[] = "DELETE FROM log_groups WHERE gid = ?";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL || logs_write_begin(c, err) < 0)
        return -1;
    int64_t gid = 0;
    int rc = logs_gid(c, scope, name, &gid, err);
    if (rc == 1)
        rc = exec_id(c, del_events, gid, err) == 0 && exec_id(c, del_streams, gid, err) == 0 &&
                     exec_id(c, del_group, gid, err) == 0
                 ? LOGS_OK
                 : -1;
    else if (rc == 0)
        rc = LOGS_NO_GROUP;
    if (logs_write_end(c, rc == LOGS_OK, err) < 0)
        return -1;
    return rc;
}

int logs_group_list(logs_store_t *s, const char *scope, const char *prefix, const char *contains,
                    const char *after, size_t limit, logs_group_t **out, size_t *n, ecs_error_t *err)
{
    /* instr(lower..) for the pattern: names are ASCII by their pattern */
    static const char sql[] = "SELECT " GROUP_COLUMNS " FROM log_groups WHERE scope = ?1"
                              " AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2)"
                              " AND (?3 IS NULL OR instr(lower(name), lower(?3)) > 0)"
                              " AND (?4 IS NULL OR name > ?4) ORDER BY name LIMIT ?5";
    *out = NULL;
    *n = 0;
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_text(st, 1, scope, -1, SQLITE_STATIC);
    if (prefix)
        sqlite3_bind_text(st, 2, prefix, -1, SQLITE_STATIC);
    if (contains)
        sqlite3_bind_text(st, 3, contains, -1, SQLITE_STATIC);
    if (after)
        sqlite3_bind_text(st, 4, after, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)limit);
    logs_group_t *rows = calloc(limit ? limit : 1, sizeof *rows);
    if (rows == NULL)
        return ecs_server_err(err, "logs store: out of memory");
    int rc = SQLITE_DONE;
    size_t k = 0;
    while (k < limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        if (row_group(st, &rows[k++], err) < 0)
            break;
    bool ok = k == limit || rc == SQLITE_DONE;
    if (!ok && rc != SQLITE_ROW)
        logs_db_err(c, err, "list");
    sqlite3_reset(st);
    if (!ok) {
        logs_groups_free(rows, k);
        return -1;
    }
    *out = rows;
    *n = k;
    return 0;
}

void logs_groups_free(logs_group_t *g, size_t n)
{
    for (size_t i = 0; g != NULL && i < n; i++)
        free(g[i].tags);
    free(g);
}

/* UPDATE log_groups SET <col> = ?1 WHERE scope = ?2 AND name = ?3. */
static int update_group(logs_store_t *s, const char *sql, const char *text, int num, const char *scope,
                        const char *name, ecs_error_t *err)
{
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    if (logs_write_begin(c, err) < 0)
        return -1;
    if (text)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int(st, 1, num);
    sqlite3_bind_text(st, 2, scope, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(c->db) == 1 ? LOGS_OK : LOGS_NO_GROUP)
                                             : logs_db_err(c, err, "update");
    sqlite3_reset(st);
    if (logs_write_end(c, rc >= 0, err) < 0)
        return -1;
    return rc;
}

int logs_group_set_retention(logs_store_t *s, const char *scope, const char *name, int days, ecs_error_t *err)
{
    static const char sql[] = "UPDATE log_groups SET retention = ?1 WHERE scope = ?2 AND name = ?3";
    return update_group(s, sql, NULL, days, scope, name, err);
}

int logs_group_set_tags(logs_store_t *s, const char *scope, const char *name, const char *tags, ecs_error_t *err)
{
    static const char sql[] = "UPDATE log_groups SET tags = ?1 WHERE scope = ?2 AND name = ?3";
    return update_group(s, sql, tags, 0, scope, name, err);
}

/* ---- streams ---- */

int logs_stream_create(logs_store_t *s, const char *scope, const char *group, const char *name, int64_t now_ms,
                       ecs_error_t *err)
{
    static const char sql[] = "INSERT INTO log_streams (gid, name, created) VALUES (?, ?, ?)"
                              " ON CONFLICT (gid, name) DO NOTHING";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL || logs_write_begin(c, err) < 0)
        return -1;
    int64_t gid = 0;
    int rc = logs_gid(c, scope, group, &gid, err);
    if (rc == 0) {
        rc = LOGS_NO_GROUP;
    } else if (rc == 1) {
        sqlite3_stmt *st = logs_stmt(c, sql, err);
        rc = -1;
        if (st != NULL) {
            sqlite3_bind_int64(st, 1, gid);
            sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 3, now_ms);
            if (sqlite3_step(st) == SQLITE_DONE)
                rc = sqlite3_changes(c->db) == 1 ? LOGS_OK : LOGS_EXISTS;
            else
                logs_db_err(c, err, "insert");
            sqlite3_reset(st);
        }
    }
    if (logs_write_end(c, rc == LOGS_OK, err) < 0)
        return -1;
    return rc;
}

#define STREAM_COLUMNS "sid, name, created, first_ts, last_ts, last_ingest, bytes, seq"

static void row_stream(sqlite3_stmt *st, logs_stream_t *x)
{
    x->sid = sqlite3_column_int64(st, 0);
    copy_text(x->name, sizeof x->name, st, 1);
    x->created_ms = sqlite3_column_int64(st, 2);
    x->has_events = sqlite3_column_type(st, 3) != SQLITE_NULL;
    x->first_ts = sqlite3_column_int64(st, 3);
    x->last_ts = sqlite3_column_int64(st, 4);
    x->last_ingest = sqlite3_column_int64(st, 5);
    x->stored_bytes = sqlite3_column_int64(st, 6);
    x->seq = sqlite3_column_int64(st, 7);
}

int logs_stream_get(logs_store_t *s, int64_t gid, const char *name, logs_stream_t *out, ecs_error_t *err)
{
    static const char sql[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE gid = ? AND name = ?";
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_stream(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : logs_db_err(c, err, "read");
}

int logs_stream_by_sid(logs_store_t *s, int64_t sid, logs_stream_t *out, ecs_error_t *err)
{
    static const char sql[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE sid = ?";
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        row_stream(st, out);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : logs_db_err(c, err, "read");
}

int logs_stream_delete(logs_store_t *s, const char *scope, const char *group, const char *name, ecs_error_t *err)
{
    static const char find[] = "SELECT sid, bytes FROM log_streams WHERE gid = ? AND name = ?";
    static const char del_events[] = "DELETE FROM log_events WHERE sid = ?";
    static const char del_stream[] = "DELETE FROM log_streams WHERE sid = ?";
    static const char sub_bytes[] = "UPDATE log_groups SET bytes = max(0, bytes - ?) WHERE gid = ?";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL || logs_write_begin(c, err) < 0)
        return -1;
    int64_t gid = 0, sid = 0, bytes = 0;
    int rc = logs_gid(c, scope, group, &gid, err);
    if (rc == 0) {
        rc = LOGS_NO_GROUP;
    } else if (rc == 1) {
        sqlite3_stmt *st = logs_stmt(c, find, err);
        rc = -1;
        if (st != NULL) {
            sqlite3_bind_int64(st, 1, gid);
            sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
            int step = sqlite3_step(st);
            if (step == SQLITE_ROW) {
                sid = sqlite3_column_int64(st, 0);
                bytes = sqlite3_column_int64(st, 1);
                rc = 1;
            } else {
                rc = step == SQLITE_DONE ? LOGS_NO_STREAM : logs_db_err(c, err, "read");
            }
            sqlite3_reset(st);
        }
        if (rc == 1) {
            sqlite3_stmt *up = NULL;
            rc = exec_id(c, del_events, sid, err) == 0 && exec_id(c, del_stream, sid, err) == 0 &&
                         (up = logs_stmt(c, sub_bytes, err)) != NULL
                     ? LOGS_OK
                     : -1;
            if (up != NULL) {
                sqlite3_bind_int64(up, 1, bytes);
                sqlite3_bind_int64(up, 2, gid);
                if (sqlite3_step(up) != SQLITE_DONE)
                    rc = logs_db_err(c, err, "update");
                sqlite3_reset(up);
            }
        }
    }
    if (logs_write_end(c, rc == LOGS_OK, err) < 0)
        return -1;
    return rc;
}

int logs_stream_list(logs_store_t *s, int64_t gid, const logs_stream_query_t *q, logs_stream_t **out, size_t *n,
                     ecs_error_t *err)
{
    /* Four orders, each a keyset page: (key) > (after) ascending, < descending. */
    static const char by_name[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE gid = ?1"
                                  " AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2)"
                                  " AND (?3 IS NULL OR name > ?3) ORDER BY name LIMIT ?5";
    static const char by_name_desc[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE gid = ?1"
                                       " AND (?2 IS NULL OR substr(name, 1, length(?2)) = ?2)"
                                       " AND (?3 IS NULL OR name < ?3) ORDER BY name DESC LIMIT ?5";
    static const char by_last[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE gid = ?1"
                                  " AND (?3 IS NULL OR (coalesce(last_ts, 0), name) > (?4, ?3))"
                                  " ORDER BY coalesce(last_ts, 0), name LIMIT ?5";
    static const char by_last_desc[] = "SELECT " STREAM_COLUMNS " FROM log_streams WHERE gid = ?1"
                                       " AND (?3 IS NULL OR (coalesce(last_ts, 0), name) < (?4, ?3))"
                                       " ORDER BY coalesce(last_ts, 0) DESC, name DESC LIMIT ?5";
    const char *sql = q->by_last_event ? (q->descending ? by_last_desc : by_last)
                                       : (q->descending ? by_name_desc : by_name);
    *out = NULL;
    *n = 0;
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, gid);
    if (q->prefix && !q->by_last_event)
        sqlite3_bind_text(st, 2, q->prefix, -1, SQLITE_STATIC);
    if (q->has_after)
        sqlite3_bind_text(st, 3, q->after_name, -1, SQLITE_STATIC);
    if (q->by_last_event)
        sqlite3_bind_int64(st, 4, q->after_ts);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)q->limit);
    logs_stream_t *rows = calloc(q->limit ? q->limit : 1, sizeof *rows);
    if (rows == NULL)
        return ecs_server_err(err, "logs store: out of memory");
    int rc = SQLITE_DONE;
    size_t k = 0;
    while (k < q->limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
        row_stream(st, &rows[k++]);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(rows);
        return logs_db_err(c, err, "list");
    }
    *out = rows;
    *n = k;
    return 0;
}
