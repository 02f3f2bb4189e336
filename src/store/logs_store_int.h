/* logs_store_int.h - what the files of the logs store share: the
 * per-thread connections and their statement cache, the writer lock. */
#ifndef ECSD_STORE_LOGS_STORE_INT_H
#define ECSD_STORE_LOGS_STORE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "store/logs_store.h"

#define LOGS_STMT_CACHE_MAX 48

typedef struct logs_conn {
    sqlite3 *db;
    struct {
        const char *sql; /* static text: compared by address */
        sqlite3_stmt *st;
    } cache[LOGS_STMT_CACHE_MAX];
    int n_cache;
    struct logs_store *owner;
    struct logs_conn *next;
} logs_conn_t;

struct logs_store {
    char *path;
    pthread_key_t key;
    pthread_mutex_t lock;       /* guards conns */
    logs_conn_t *conns;
    pthread_mutex_t write_lock; /* held by the one writer, BEGIN IMMEDIATE to COMMIT */
};

/* The calling thread's connection, opened on first use. */
logs_conn_t *logs_conn(logs_store_t *s, ecs_error_t *err);
/* A cached statement for static text sql, reset, bindings cleared. */
sqlite3_stmt *logs_stmt(logs_conn_t *c, const char *sql, ecs_error_t *err);
int logs_db_err(logs_conn_t *c, ecs_error_t *err, const char *what);

/* Write transactions: logs_write_begin takes the writer lock; end commits
 * (ok) or rolls back, and releases it. end returns 0 or -1 (commit failed). */
int logs_write_begin(logs_conn_t *c, ecs_error_t *err);
int logs_write_end(logs_conn_t *c, bool ok, ecs_error_t *err);
/* A read transaction, so a multi-statement read sees one snapshot. */
int logs_read_begin(logs_conn_t *c, ecs_error_t *err);
void logs_read_end(logs_conn_t *c);

/* The gid of group name in scope: 1 found, 0 not, -1 error. */
int logs_gid(logs_conn_t *c, const char *scope, const char *name, int64_t *gid, ecs_error_t *err);

#endif
