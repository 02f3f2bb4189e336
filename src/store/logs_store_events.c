/* logs_store_events.c - the logs store's events: appending a batch,
 * reading a stream forward and backward, scanning a group, and the
 * janitor's sweep (retention, then the bound on the file's size). */
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "store/logs_store_int.h"

#define SWEEP_BATCH 5000

int logs_events_put(logs_store_t *s, const char *scope, const char *group, const char *stream,
                    const logs_event_in_t *ev, size_t n, int64_t now_ms, int64_t *seq, ecs_error_t *err)
{
    static const char find[] = "SELECT sid, seq FROM log_streams WHERE gid = ? AND name = ?";
    static const char ins[] = "INSERT INTO log_events (gid, sid, ts, ingest, bytes, msg) VALUES (?, ?, ?, ?, ?, ?)";
    static const char up_stream[] =
        "UPDATE log_streams SET first_ts = min(coalesce(first_ts, ?2), ?2), last_ts = max(coalesce(last_ts, ?3), ?3),"
        " last_ingest = ?4, bytes = bytes + ?5, seq = seq + 1 WHERE sid = ?1";
    static const char up_group[] = "UPDATE log_groups SET bytes = bytes + ?2 WHERE gid = ?1";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL || logs_write_begin(c, err) < 0)
        return -1;
    int64_t gid = 0, sid = 0;
    int rc = logs_gid(c, scope, group, &gid, err);
    if (rc == 0)
        rc = LOGS_NO_GROUP;
    sqlite3_stmt *st = rc == 1 ? logs_stmt(c, find, err) : NULL;
    if (st != NULL) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_text(st, 2, stream, -1, SQLITE_STATIC);
        int step = sqlite3_step(st);
        if (step == SQLITE_ROW) {
            sid = sqlite3_column_int64(st, 0);
            *seq = sqlite3_column_int64(st, 1) + 1;
        }
        rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? LOGS_NO_STREAM : logs_db_err(c, err, "read");
        sqlite3_reset(st);
    } else if (rc == 1) {
        rc = -1;
    }
    int64_t bytes = 0, first = INT64_MAX, last = INT64_MIN;
    sqlite3_stmt *in = rc == 1 ? logs_stmt(c, ins, err) : NULL;
    for (size_t i = 0; in != NULL && i < n; i++) {
        sqlite3_bind_int64(in, 1, gid);
        sqlite3_bind_int64(in, 2, sid);
        sqlite3_bind_int64(in, 3, ev[i].ts);
        sqlite3_bind_int64(in, 4, now_ms);
        sqlite3_bind_int64(in, 5, (sqlite3_int64)ev[i].msg_len);
        sqlite3_bind_text64(in, 6, ev[i].msg, ev[i].msg_len, SQLITE_STATIC, SQLITE_UTF8);
        if (sqlite3_step(in) != SQLITE_DONE) {
            rc = logs_db_err(c, err, "insert");
            sqlite3_reset(in);
            break;
        }
        sqlite3_reset(in);
        bytes += (int64_t)ev[i].msg_len;
        first = ev[i].ts < first ? ev[i].ts : first;
        last = ev[i].ts > last ? ev[i].ts : last;
    }
    if (rc == 1 && in == NULL)
        rc = -1;
    if (rc == 1 && n > 0) {
        sqlite3_stmt *us = logs_stmt(c, up_stream, err), *ug = us ? logs_stmt(c, up_group, err) : NULL;
        rc = -1;
        if (ug != NULL) {
            sqlite3_bind_int64(us, 1, sid);
            sqlite3_bind_int64(us, 2, first);
            sqlite3_bind_int64(us, 3, last);
            sqlite3_bind_int64(us, 4, now_ms);
            sqlite3_bind_int64(us, 5, bytes);
            sqlite3_bind_int64(ug, 1, gid);
            sqlite3_bind_int64(ug, 2, bytes);
            rc = sqlite3_step(us) == SQLITE_DONE && sqlite3_step(ug) == SQLITE_DONE ? 1 : logs_db_err(c, err, "update");
            sqlite3_reset(us);
            sqlite3_reset(ug);
        }
    }
    if (rc == 1)
        rc = LOGS_OK;
    if (logs_write_end(c, rc == LOGS_OK, err) < 0)
        return -1;
    return rc;
}

void logs_events_free(logs_event_t *e, size_t n)
{
    for (size_t i = 0; e != NULL && i < n; i++)
        free(e[i].msg);
    free(e);
}

/* Columns: eid, sid, ts, ingest, msg. */
static int row_event(sqlite3_stmt *st, logs_event_t *e, ecs_error_t *err)
{
    e->eid = sqlite3_column_int64(st, 0);
    e->sid = sqlite3_column_int64(st, 1);
    e->ts = sqlite3_column_int64(st, 2);
    e->ingest = sqlite3_column_int64(st, 3);
    const void *m = sqlite3_column_text(st, 4);
    e->msg_len = (size_t)sqlite3_column_bytes(st, 4);
    e->msg = malloc(e->msg_len + 1);
    if (e->msg == NULL)
        return ecs_server_err(err, "logs store: out of memory");
    if (e->msg_len > 0)
        memcpy(e->msg, m, e->msg_len);
    e->msg[e->msg_len] = '\0';
    return 0;
}

/* Appends a row to a growing array. */
static int push_event(logs_event_t **arr, size_t *n, size_t *cap, sqlite3_stmt *st, ecs_error_t *err)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        logs_event_t *g = realloc(*arr, nc * sizeof *g);
        if (g == NULL)
            return ecs_server_err(err, "logs store: out of memory");
        *arr = g;
        *cap = nc;
    }
    if (row_event(st, &(*arr)[*n], err) < 0)
        return -1;
    (*n)++;
    return 0;
}

int logs_events_read(logs_store_t *s, int64_t sid, const logs_read_t *r, logs_event_t **out, size_t *n,
                     ecs_error_t *err)
{
    static const char fwd[] = "SELECT eid, sid, ts, ingest, msg FROM log_events WHERE sid = ?1 AND ts >= ?2"
                              " AND ts < ?3 AND (ts, eid) > (?4, ?5) ORDER BY ts, eid LIMIT ?6";
    static const char back[] = "SELECT eid, sid, ts, ingest, msg FROM log_events WHERE sid = ?1 AND ts >= ?2"
                               " AND ts < ?3 AND (ts, eid) < (?4, ?5) ORDER BY ts DESC, eid DESC LIMIT ?6";
    *out = NULL;
    *n = 0;
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, r->backward ? back : fwd, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, sid);
    sqlite3_bind_int64(st, 2, r->start_ts);
    sqlite3_bind_int64(st, 3, r->end_ts);
    sqlite3_bind_int64(st, 4, r->pos.ts);
    sqlite3_bind_int64(st, 5, r->pos.eid);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->limit);
    logs_event_t *arr = NULL;
    size_t k = 0, cap = 0, bytes = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 4);
        if (k > 0 && bytes + len > r->max_bytes)
            break;
        if (push_event(&arr, &k, &cap, st, err) < 0) {
            sqlite3_reset(st);
            logs_events_free(arr, k);
            return -1;
        }
        bytes += len;
    }
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    if (!ok)
        logs_db_err(c, err, "read");
    sqlite3_reset(st);
    if (!ok) {
        logs_events_free(arr, k);
        return -1;
    }
    if (r->backward) /* read newest first; shown oldest first */
        for (size_t i = 0; i < k / 2; i++) {
            logs_event_t t = arr[i];
            arr[i] = arr[k - 1 - i];
            arr[k - 1 - i] = t;
        }
    *out = arr;
    *n = k;
    return 0;
}

int logs_events_scan(logs_store_t *s, int64_t gid, const logs_read_t *r, size_t scan, logs_keep_fn keep,
                     void *arg, logs_event_t **out, size_t *n, logs_pos_t *last, bool *more, ecs_error_t *err)
{
    static const char sql[] = "SELECT eid, sid, ts, ingest, msg FROM log_events WHERE gid = ?1 AND ts >= ?2"
                              " AND ts < ?3 AND (ts, eid) > (?4, ?5) ORDER BY ts, eid LIMIT ?6";
    *out = NULL;
    *n = 0;
    *last = r->pos;
    *more = false;
    logs_conn_t *c = logs_conn(s, err);
    sqlite3_stmt *st = c ? logs_stmt(c, sql, err) : NULL;
    if (st == NULL)
        return -1;
    sqlite3_bind_int64(st, 1, gid);
    sqlite3_bind_int64(st, 2, r->start_ts);
    sqlite3_bind_int64(st, 3, r->end_ts);
    sqlite3_bind_int64(st, 4, r->pos.ts);
    sqlite3_bind_int64(st, 5, r->pos.eid);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)scan);
    logs_event_t *arr = NULL;
    size_t k = 0, cap = 0, bytes = 0, seen = 0;
    int rc;
    logs_event_t e;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == r->limit) { /* full: the row just read is left for the next page */
            *more = true;
            break;
        }
        seen++;
        if (row_event(st, &e, err) < 0)
            break;
        if (!keep(arg, &e)) {
            free(e.msg);
            *last = (logs_pos_t){e.ts, e.eid};
            continue;
        }
        if (k > 0 && bytes + e.msg_len > r->max_bytes) {
            free(e.msg);
            *more = true;
            break;
        }
        if (k == cap) {
            size_t nc = cap ? cap * 2 : 64;
            logs_event_t *g = realloc(arr, nc * sizeof *g);
            if (g == NULL) {
                free(e.msg);
                rc = SQLITE_NOMEM;
                break;
            }
            arr = g;
            cap = nc;
        }
        arr[k++] = e;
        bytes += e.msg_len;
        *last = (logs_pos_t){e.ts, e.eid};
    }
    bool ok = rc == SQLITE_ROW || rc == SQLITE_DONE;
    if (!ok)
        ecs_err(err, 500, "ServiceUnavailableException", "logs store: scan failed: %s", sqlite3_errmsg(c->db));
    sqlite3_reset(st);
    if (!ok) {
        logs_events_free(arr, k);
        return -1;
    }
    if (seen == scan)
        *more = true; /* stopped by the scan's bound, not by the end */
    *out = arr;
    *n = k;
    return 0;
}

/* Takes what sweep removed off the streams' and groups' byte counts. */
static int uncount(logs_conn_t *c, const char *select_sql, int64_t a, int64_t b, ecs_error_t *err)
{
    static const char up_stream[] = "UPDATE log_streams SET bytes = max(0, bytes - ?2) WHERE sid = ?1";
    static const char up_group[] = "UPDATE log_groups SET bytes = max(0, bytes - ?2) WHERE gid = ?1";
    sqlite3_stmt *sel = logs_stmt(c, select_sql, err);
    if (sel == NULL)
        return -1;
    sqlite3_bind_int64(sel, 1, a);
    sqlite3_bind_int64(sel, 2, b);
    int rc;
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t gid = sqlite3_column_int64(sel, 0), sid = sqlite3_column_int64(sel, 1);
        int64_t bytes = sqlite3_column_int64(sel, 2);
        sqlite3_stmt *us = logs_stmt(c, up_stream, err), *ug = us ? logs_stmt(c, up_group, err) : NULL;
        if (ug == NULL) {
            sqlite3_reset(sel);
            return -1;
        }
        sqlite3_bind_int64(us, 1, sid);
        sqlite3_bind_int64(us, 2, bytes);
        sqlite3_bind_int64(ug, 1, gid);
        sqlite3_bind_int64(ug, 2, bytes);
        int a1 = sqlite3_step(us), a2 = sqlite3_step(ug);
        sqlite3_reset(us);
        sqlite3_reset(ug);
        if (a1 != SQLITE_DONE || a2 != SQLITE_DONE) {
            sqlite3_reset(sel);
            return logs_db_err(c, err, "update");
        }
    }
    sqlite3_reset(sel);
    return rc == SQLITE_DONE ? 0 : logs_db_err(c, err, "read");
}

/* Events of group gid older than cutoff, in one transaction. */
static int64_t sweep_group(logs_conn_t *c, int64_t gid, int64_t cutoff, ecs_error_t *err)
{
    static const char sums[] = "SELECT gid, sid, sum(bytes) FROM log_events WHERE gid = ?1 AND ts < ?2 GROUP BY sid";
    static const char del[] = "DELETE FROM log_events WHERE gid = ?1 AND ts < ?2";
    if (logs_write_begin(c, err) < 0)
        return -1;
    int64_t gone = -1;
    sqlite3_stmt *st = NULL;
    if (uncount(c, sums, gid, cutoff, err) == 0 && (st = logs_stmt(c, del, err)) != NULL) {
        sqlite3_bind_int64(st, 1, gid);
        sqlite3_bind_int64(st, 2, cutoff);
        gone = sqlite3_step(st) == SQLITE_DONE ? sqlite3_changes64(c->db) : logs_db_err(c, err, "delete");
        sqlite3_reset(st);
    }
    if (logs_write_end(c, gone >= 0, err) < 0)
        return -1;
    return gone;
}

/* The oldest events arrived (eid order) until `excess` bytes went, in
 * batches of SWEEP_BATCH rows. */
static int64_t sweep_oldest(logs_conn_t *c, int64_t excess, ecs_error_t *err)
{
    static const char upto[] = "SELECT eid, bytes FROM log_events ORDER BY eid LIMIT ?1";
    static const char sums[] = "SELECT gid, sid, sum(bytes) FROM log_events WHERE eid <= ?1 AND ?2 = ?2 GROUP BY sid";
    static const char del[] = "DELETE FROM log_events WHERE eid <= ?1";
    int64_t total = 0;
    while (excess > 0) {
        if (logs_write_begin(c, err) < 0)
            return -1;
        sqlite3_stmt *st = logs_stmt(c, upto, err);
        int64_t cut = -1, freed = 0;
        int rc = SQLITE_DONE;
        if (st != NULL) {
            sqlite3_bind_int64(st, 1, SWEEP_BATCH);
            while (freed < excess && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                cut = sqlite3_column_int64(st, 0);
                freed += sqlite3_column_int64(st, 1);
            }
            sqlite3_reset(st);
        }
        int64_t gone = -1;
        sqlite3_stmt *d = NULL;
        if (st != NULL && (rc == SQLITE_ROW || rc == SQLITE_DONE) && cut < 0) {
            gone = 0; /* nothing left to remove */
        } else if (st != NULL && (rc == SQLITE_ROW || rc == SQLITE_DONE) && uncount(c, sums, cut, 0, err) == 0 &&
                   (d = logs_stmt(c, del, err)) != NULL) {
            sqlite3_bind_int64(d, 1, cut);
            gone = sqlite3_step(d) == SQLITE_DONE ? sqlite3_changes64(c->db) : logs_db_err(c, err, "delete");
            sqlite3_reset(d);
        }
        if (logs_write_end(c, gone >= 0, err) < 0 || gone < 0)
            return -1;
        if (gone == 0)
            break;
        total += gone;
        excess -= freed;
    }
    return total;
}

int64_t logs_store_sweep(logs_store_t *s, int64_t now_ms, int64_t max_bytes, ecs_error_t *err)
{
    static const char groups[] = "SELECT gid, retention FROM log_groups WHERE retention > 0 AND gid > ?1"
                                 " ORDER BY gid LIMIT 1";
    static const char total_sql[] = "SELECT coalesce(sum(bytes), 0) FROM log_groups";
    logs_conn_t *c = logs_conn(s, err);
    if (c == NULL)
        return -1;
    int64_t removed = 0, after = 0;
    for (;;) { /* one group at a time, so the writer lock is held briefly */
        sqlite3_stmt *st = logs_stmt(c, groups, err);
        if (st == NULL)
            return -1;
        sqlite3_bind_int64(st, 1, after);
        int rc = sqlite3_step(st);
        int64_t gid = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        int64_t days = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW)
            return logs_db_err(c, err, "read");
        int64_t gone = sweep_group(c, gid, now_ms - days * 86400000, err);
        if (gone < 0)
            return -1;
        removed += gone;
        after = gid;
    }
    if (max_bytes <= 0)
        return removed;
    sqlite3_stmt *st = logs_stmt(c, total_sql, err);
    if (st == NULL)
        return -1;
    int64_t total = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (total <= max_bytes)
        return removed;
    int64_t gone = sweep_oldest(c, total - max_bytes, err);
    return gone < 0 ? -1 : removed + gone;
}
