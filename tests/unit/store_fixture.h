/* store_fixture.h - what the store's unit tests share (test_store.c,
 * test_store_concurrency.c): STORE_TEST, which runs a test's body on SQLite
 * and, when ECSD_TEST_PG names a PostgreSQL server, again on PostgreSQL;
 * a fixture with a store of its own (a folder, or a database) and rows to
 * put. Included by test files only. */
#ifndef ECSD_TESTS_STORE_FIXTURE_H
#define ECSD_TESTS_STORE_FIXTURE_H

#include <dirent.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "test.h"

#define ACCOUNT "000000000000"
#define OTHER_ACCOUNT "111111111111"

/* The PostgreSQL server of the tests; NULL: the tests run on SQLite only. */
static inline const char *pg_base(void)
{
    const char *b = getenv("ECSD_TEST_PG");
    return b != NULL && b[0] != '\0' ? b : NULL;
}

static bool on_pg; /* the backend fixture_open opens; set by STORE_TEST */

/* TEST(name) that runs its body on each backend. */
#define STORE_TEST(name_)                                                          \
    static void name_##_on(int *test_failed_);                                     \
    TEST(name_)                                                                    \
    {                                                                              \
        on_pg = false;                                                             \
        name_##_on(test_failed_);                                                  \
        if (pg_base() != NULL) {                                                   \
            int before_ = *test_failed_;                                           \
            *test_failed_ = 0;                                                     \
            on_pg = true;                                                          \
            name_##_on(test_failed_);                                              \
            if (*test_failed_)                                                     \
                fprintf(stderr, "  (the failures above were on PostgreSQL)\n");    \
            *test_failed_ |= before_;                                              \
            on_pg = false;                                                         \
        }                                                                          \
    }                                                                              \
    static void name_##_on(int *test_failed_)

typedef struct fixture {
    char dir[64];
    char db[64];   /* PostgreSQL: the database of this fixture */
    char url[512];
    store_t *s;
} fixture_t;

/* Runs one statement on the test server's maintenance database. */
static inline int pg_admin(const char *sql)
{
    char url[512];
    snprintf(url, sizeof url, "%s/postgres", pg_base());
    PGconn *db = PQconnectdb(url);
    PGresult *res = PQstatus(db) == CONNECTION_OK ? PQexec(db, sql) : NULL;
    int rc = PQresultStatus(res) == PGRES_COMMAND_OK ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "  %s: %s\n", sql, PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
    return rc;
}

/* Opens (again) the store of f, on the fixture's backend. */
static inline int fixture_reopen(fixture_t *f)
{
    ecs_error_t err;
    int rc = f->db[0] ? store_open_pg(f->url, &f->s, &err) : store_open_sqlite(f->dir, &f->s, &err);
    if (rc < 0)
        fprintf(stderr, "  store_open: %s\n", err.message);
    return rc;
}

static inline int fixture_open(fixture_t *f)
{
    static int seq;
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-store.XXXXXX");
    f->s = NULL;
    f->db[0] = '\0';
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (on_pg) {
        char sql[128];
        snprintf(f->db, sizeof f->db, "ecsd_unit_%d_%d", (int)getpid(), ++seq);
        snprintf(f->url, sizeof f->url, "%s/%s", pg_base(), f->db);
        snprintf(sql, sizeof sql, "CREATE DATABASE %s", f->db);
        if (pg_admin(sql) < 0)
            return -1;
    }
    return fixture_reopen(f);
}

static inline void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d != NULL) {
        struct dirent *ent;
        while ((ent = readdir(d)) != NULL) {
            if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
                continue;
            char path[512];
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline void fixture_close(fixture_t *f)
{
    store_close(f->s);
    f->s = NULL;
    rm_dir(f->dir);
    if (f->db[0]) {
        char sql[128];
        snprintf(sql, sizeof sql, "DROP DATABASE %s WITH (FORCE)", f->db);
        pg_admin(sql);
    }
}

/* A record to put: strings are borrowed (store_put copies). */
typedef struct row {
    const char *key, *cluster, *status, *family;
    int64_t num;
} row_t;

static inline int put_rows(store_t *s, store_kind_t kind, const char *account, const row_t *rows, size_t n)
{
    ecs_error_t err;
    store_txn_t *t = NULL;
    if (store_begin(s, STORE_WRITE, &t, &err) < 0) {
        fprintf(stderr, "  begin: %s\n", err.message);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        store_record_t r = {.key = (char *)rows[i].key, .cluster = (char *)rows[i].cluster,
                            .status = (char *)rows[i].status, .family = (char *)rows[i].family,
                            .num = rows[i].num, .doc = json_pack("{s:s}", "k", rows[i].key)};
        int rc = store_put(t, kind, account, &r, &err);
        json_decref(r.doc);
        if (rc < 0) {
            fprintf(stderr, "  put: %s\n", err.message);
            store_rollback(t);
            return -1;
        }
    }
    if (store_commit(t, &err) < 0) {
        fprintf(stderr, "  commit: %s\n", err.message);
        return -1;
    }
    return 0;
}

#endif
