/* store_pg_rows.c - records and queries of the PostgreSQL backend: the
 * statements of store_sqlite.c with $N parameters, every value bound as
 * text (PostgreSQL casts it to the column's type). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cleanup.h"
#include "common/json_write.h"
#include "store/store_pg_int.h"

#define KEY_COLUMNS "key, NULL, NULL, NULL, family, num"
#define RECORD_COLUMNS \
    "key, cluster, status, desired, family, num, started_by, service, instance, doc, version, account"

static pg_conn_t *txn_conn(store_txn_t *t) { return ((pg_txn_t *)t)->conn; }

static char *col_text(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

static int64_t col_int(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static int row_to_record(PGresult *res, int row, store_record_t *r, bool with_doc, ecs_error_t *err)
{
    *r = (store_record_t){0};
    r->key = col_text(res, row, 0);
    r->family = col_text(res, row, 4);
    r->num = col_int(res, row, 5);
    if (!with_doc) /* KEY_COLUMNS */
        return r->key != NULL ? 0 : ecs_server_err(err, "store: unreadable record");
    r->cluster = col_text(res, row, 1);
    r->status = col_text(res, row, 2);
    r->desired = col_text(res, row, 3);
    r->started_by = col_text(res, row, 6);
    r->service = col_text(res, row, 7);
    r->instance = col_text(res, row, 8);
    json_error_t jerr;
    r->doc = json_loadb(PQgetvalue(res, row, 9), (size_t)PQgetlength(res, row, 9), 0, &jerr);
    r->version = col_int(res, row, 10);
    r->account = col_text(res, row, 11);
    if (r->doc == NULL || r->key == NULL) {
        store_record_clear(r);
        return ecs_server_err(err, "store: unreadable record");
    }
    return 0;
}

int pg_get(store_txn_t *t, store_kind_t kind, const char *account, const char *key, store_record_t *out,
           ecs_error_t *err)
{
    char k[12];
    snprintf(k, sizeof k, "%d", (int)kind);
    const char *vals[] = {k, account, key};
    PGresult *res = pg_exec(txn_conn(t),
                            "SELECT " RECORD_COLUMNS " FROM resources WHERE kind = $1 AND account = $2 AND key = $3",
                            3, vals, NULL, err, "get");
    if (res == NULL)
        return -1;
    int rc = PQntuples(res) == 0 ? 0 : row_to_record(res, 0, out, true, err) < 0 ? -1 : 1;
    PQclear(res);
    return rc;
}

int pg_put(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *r, ecs_error_t *err)
{
    size_t doc_len = 0;
    cleanup_free char *doc = json_write(r->doc, &doc_len);
    if (doc == NULL)
        return ecs_server_err(err, "store: cannot serialise record");
    char k[12], num[24];
    snprintf(k, sizeof k, "%d", (int)kind);
    snprintf(num, sizeof num, "%" PRId64, r->num);
    const char *vals[] = {k, account, r->key, r->cluster, r->status, r->desired, r->family, num,
                          r->started_by, r->service, r->instance, doc};
    PGresult *res = pg_exec(
        txn_conn(t),
        "INSERT INTO resources (kind, account, key, cluster, status, desired, family, num,"
        " started_by, service, instance, doc) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)"
        " ON CONFLICT (kind, account, key) DO UPDATE SET cluster = excluded.cluster,"
        " status = excluded.status, desired = excluded.desired, family = excluded.family,"
        " num = excluded.num, started_by = excluded.started_by, service = excluded.service,"
        " instance = excluded.instance, doc = excluded.doc, version = resources.version + 1",
        12, vals, NULL, err, "put");
    PQclear(res);
    return res == NULL ? -1 : 0;
}

int pg_del(store_txn_t *t, store_kind_t kind, const char *account, const char *key, ecs_error_t *err)
{
    char k[12];
    snprintf(k, sizeof k, "%d", (int)kind);
    const char *vals[] = {k, account, key};
    PGresult *res = pg_exec(txn_conn(t), "DELETE FROM resources WHERE kind = $1 AND account = $2 AND key = $3", 3,
                            vals, NULL, err, "delete");
    PQclear(res);
    return res == NULL ? -1 : 0;
}

/* The SQL of a query and its parameters, built from the filter's set
 * members, as store_sqlite.c does: the text depends only on which members
 * are set, so the statement cache stays small. */
typedef struct sql_buf {
    char text[1400];
    size_t len;
    const char *vals[20];
    int n;
    char kind[12], num[24], limit[16];
    char *prefix_hi;
} sql_buf_t;

static void sql_add(sql_buf_t *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n < sizeof b->text) {
        memcpy(b->text + b->len, s, n + 1);
        b->len += n;
    }
}

/* Appends clause and "$N" for its one value. */
static void sql_param(sql_buf_t *b, const char *clause, const char *value)
{
    if (value == NULL)
        return;
    char part[16];
    b->vals[b->n] = value;
    snprintf(part, sizeof part, "$%d", ++b->n);
    sql_add(b, clause);
    sql_add(b, part);
}

/* The largest code point: a key that starts with the prefix and goes on
 * with any other character sorts below prefix + this (C collation, UTF-8
 * bytes). SQLite's backend appends the byte 0xFF, which PostgreSQL's UTF-8
 * text cannot hold; ecsd's keys never contain U+10FFFF, a noncharacter. */
#define MAX_CODE_POINT "\xf4\x8f\xbf\xbf"

static void sql_where(sql_buf_t *b, const store_query_t *q)
{
    snprintf(b->kind, sizeof b->kind, "%d", (int)q->kind);
    b->vals[0] = b->kind;
    b->n = 1;
    sql_add(b, " FROM resources WHERE kind = $1");
    sql_param(b, " AND account = ", q->account);
    sql_param(b, " AND cluster = ", q->cluster);
    sql_param(b, " AND status = ", q->status);
    sql_param(b, " AND status <> ", q->status_not);
    sql_param(b, " AND desired = ", q->desired);
    sql_param(b, " AND family = ", q->family);
    sql_param(b, " AND started_by = ", q->started_by);
    sql_param(b, " AND service = ", q->service);
    sql_param(b, " AND instance = ", q->instance);
    if (q->key_prefix != NULL && q->key_prefix[0] != '\0') {
        if (asprintf(&b->prefix_hi, "%s" MAX_CODE_POINT, q->key_prefix) < 0)
            abort();
        sql_param(b, " AND key >= ", q->key_prefix);
        sql_param(b, " AND key < ", b->prefix_hi);
    }
}

int pg_query(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n, ecs_error_t *err)
{
    sql_buf_t b;
    b.len = 0;
    b.text[0] = '\0';
    b.prefix_hi = NULL;
    sql_add(&b, q->without_doc ? "SELECT " KEY_COLUMNS : "SELECT " RECORD_COLUMNS);
    sql_where(&b, q);
    const char *cmp = q->descending ? "<" : ">";
    const char *dir = q->descending ? " DESC" : "";
    char clause[160];
    switch (q->order) {
    case STORE_ORDER_KEY:
        if (q->after != NULL) {
            snprintf(clause, sizeof clause, " AND key %s ", cmp);
            sql_param(&b, clause, q->after->text ? q->after->text : "");
        }
        snprintf(clause, sizeof clause, " ORDER BY key%s", dir);
        break;
    case STORE_ORDER_FAMILY_NUM:
    case STORE_ORDER_NUM_KEY: {
        bool fam = q->order == STORE_ORDER_FAMILY_NUM;
        if (q->after != NULL) {
            snprintf(b.num, sizeof b.num, "%" PRId64, q->after->num);
            const char *text = q->after->text ? q->after->text : "";
            snprintf(clause, sizeof clause, fam ? " AND (family, num) %s ($%d, $%d)" : " AND (num, key) %s ($%d, $%d)",
                     cmp, b.n + 1, b.n + 2);
            b.vals[b.n++] = fam ? text : b.num;
            b.vals[b.n++] = fam ? b.num : text;
            sql_add(&b, clause);
        }
        snprintf(clause, sizeof clause, fam ? " ORDER BY family%s, num%s" : " ORDER BY num%s, key%s", dir, dir);
        break;
    }
    }
    sql_add(&b, clause);
    if (q->limit > 0) {
        snprintf(b.limit, sizeof b.limit, "%d", q->limit);
        sql_param(&b, " LIMIT ", b.limit);
    }
    PGresult *res = pg_exec(txn_conn(t), b.text, b.n, b.vals, NULL, err, "query");
    free(b.prefix_hi);
    if (res == NULL)
        return -1;
    size_t len = (size_t)PQntuples(res);
    store_record_t *rs = calloc(len ? len : 1, sizeof *rs);
    if (rs == NULL) {
        PQclear(res);
        return ecs_server_err(err, "store: out of memory");
    }
    for (size_t i = 0; i < len; i++) {
        if (row_to_record(res, (int)i, &rs[i], !q->without_doc, err) < 0) {
            store_records_free(rs, i);
            PQclear(res);
            return -1;
        }
    }
    PQclear(res);
    *out = rs;
    *n = len;
    return 0;
}

int pg_now_ms(store_txn_t *t, int64_t *now_ms, ecs_error_t *err)
{
    PGresult *res = pg_exec(txn_conn(t), "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint", 0, NULL,
                            NULL, err, "clock");
    if (res == NULL)
        return -1;
    *now_ms = col_int(res, 0, 0);
    PQclear(res);
    return 0;
}

/* Counted from the (kind, account, cluster, status) index: no counts table
 * (pg_schema.c says why). */
int pg_count(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err)
{
    sql_buf_t b;
    b.len = 0;
    b.text[0] = '\0';
    b.prefix_hi = NULL;
    sql_add(&b, "SELECT count(*)");
    sql_where(&b, q);
    PGresult *res = pg_exec(txn_conn(t), b.text, b.n, b.vals, NULL, err, "count");
    free(b.prefix_hi);
    if (res == NULL)
        return -1;
    *count = col_int(res, 0, 0);
    PQclear(res);
    return 0;
}
