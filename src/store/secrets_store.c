/* secrets_store.c - the secrets store (store/secrets_store.h). */
#include "store/secrets_store.h"

#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/aead.h"
#include "common/cleanup.h"

#define BUSY_TIMEOUT_MS 15000

struct secrets_store {
    pthread_mutex_t lock; /* held from secrets_begin to secrets_end */
    sqlite3 *db;
    unsigned char key[AEAD_KEY_LEN];
    char path[4200];
};

static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS docs ("
    " scope TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,"
    " PRIMARY KEY(scope, kind, name));"
    "CREATE TABLE IF NOT EXISTS vals ("
    " scope TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL, sealed BLOB NOT NULL,"
    " PRIMARY KEY(scope, kind, name, version));";

static int db_err(secrets_store_t *s, ecs_error_t *err, const char *what)
{
    return ecs_server_err(err, "secrets store: %s failed: %s", what, sqlite3_errmsg(s->db));
}

int secrets_store_open(const char *data_dir, secrets_store_t **out, ecs_error_t *err)
{
    *out = NULL;
    secrets_store_t *s = calloc(1, sizeof *s);
    if (s == NULL)
        return ecs_server_err(err, "secrets store: out of memory");
    pthread_mutex_init(&s->lock, NULL);
    char keypath[4200];
    snprintf(s->path, sizeof s->path, "%s/secrets.db", data_dir);
    snprintf(keypath, sizeof keypath, "%s/secrets.key", data_dir);
    if (aead_key_file(keypath, s->key, err) < 0) {
        secrets_store_close(s);
        return -1;
    }
    /* Made 0600 before SQLite opens it (its -wal and -shm follow the
     * file's mode): the names and descriptions are not for other users. */
    int fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0)
        close(fd);
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS) != SQLITE_OK ||
        sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(s->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
        ecs_server_err(err, "secrets store: cannot open %.300s: %s", s->path,
                       s->db ? sqlite3_errmsg(s->db) : "out of memory");
        secrets_store_close(s);
        return -1;
    }
    *out = s;
    return 0;
}

void secrets_store_close(secrets_store_t *s)
{
    if (s == NULL)
        return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    memset(s->key, 0, sizeof s->key);
    free(s);
}

const char *secrets_store_path(const secrets_store_t *s)
{
    return s->path;
}

int secrets_begin(secrets_store_t *s, ecs_error_t *err)
{
    pthread_mutex_lock(&s->lock);
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
        db_err(s, err, "begin");
        pthread_mutex_unlock(&s->lock);
        return -1;
    }
    return 0;
}

int secrets_end(secrets_store_t *s, bool ok, ecs_error_t *err)
{
    int rc = 0;
    if (ok && sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_err(s, err, "commit");
        ok = false;
    }
    if (!ok)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

/* A statement with its first n text parameters bound. */
static sqlite3_stmt *prep(secrets_store_t *s, const char *sql, const char *const *args, int n, ecs_error_t *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        db_err(s, err, "prepare");
        return NULL;
    }
    for (int i = 0; i < n; i++)
        sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    return st;
}

static int run(secrets_store_t *s, const char *sql, const char *const *args, int n, ecs_error_t *err)
{
    sqlite3_stmt *st = prep(s, sql, args, n, err);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(s, err, "write");
    sqlite3_finalize(st);
    return rc;
}

int secrets_doc_get(secrets_store_t *s, const char *scope, const char *kind, const char *name, json_t **doc,
                    ecs_error_t *err)
{
    *doc = NULL;
    const char *args[] = {scope, kind, name};
    sqlite3_stmt *st = prep(s, "SELECT doc FROM docs WHERE scope=? AND kind=? AND name=?", args, 3, err);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *doc = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
        rc = *doc ? 0 : ecs_server_err(err, "secrets store: a document of %.200s is not JSON", name);
    } else {
        rc = rc == SQLITE_DONE ? SECRETS_ABSENT : db_err(s, err, "read");
    }
    sqlite3_finalize(st);
    return rc;
}

int secrets_doc_put(secrets_store_t *s, const char *scope, const char *kind, const char *name, const json_t *doc,
                    ecs_error_t *err)
{
    cleanup_free char *text = json_dumps(doc, JSON_COMPACT);
    if (text == NULL)
        return ecs_server_err(err, "secrets store: out of memory");
    const char *args[] = {scope, kind, name, text};
    return run(s, "INSERT OR REPLACE INTO docs(scope, kind, name, doc) VALUES(?,?,?,?)", args, 4, err);
}

int secrets_doc_delete(secrets_store_t *s, const char *scope, const char *kind, const char *name, ecs_error_t *err)
{
    const char *args[] = {scope, kind, name};
    if (run(s, "DELETE FROM vals WHERE scope=? AND kind=? AND name=?", args, 3, err) < 0)
        return -1;
    return run(s, "DELETE FROM docs WHERE scope=? AND kind=? AND name=?", args, 3, err);
}

int secrets_doc_list(secrets_store_t *s, const char *scope, const char *kind, json_t **out, ecs_error_t *err)
{
    *out = NULL;
    const char *args[] = {scope, kind};
    sqlite3_stmt *st = prep(s, "SELECT name, doc FROM docs WHERE scope=? AND kind=? ORDER BY name", args, 2, err);
    if (st == NULL)
        return -1;
    json_t *list = json_array();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *doc = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        if (doc != NULL)
            json_array_append_new(list, json_pack("[s, o]", (const char *)sqlite3_column_text(st, 0), doc));
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        json_decref(list);
        return db_err(s, err, "list");
    }
    *out = list;
    return 0;
}

/* The associated data of a value: its four keys, NUL-separated. */
static size_t aad_of(char *buf, size_t cap, const char *scope, const char *kind, const char *name, const char *version)
{
    int n = snprintf(buf, cap, "%s%c%s%c%s%c%s", scope, 0, kind, 0, name, 0, version);
    return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

int secrets_val_put(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                    const void *v, size_t n, ecs_error_t *err)
{
    char aad[3000];
    size_t aad_len = aad_of(aad, sizeof aad, scope, kind, name, version);
    cleanup_free unsigned char *sealed = malloc(n + AEAD_OVERHEAD);
    if (aad_len == 0 || sealed == NULL || aead_seal(s->key, aad, aad_len, v, n, sealed) < 0)
        return ecs_server_err(err, "secrets store: cannot seal the value of %.200s", name);
    const char *args[] = {scope, kind, name, version};
    sqlite3_stmt *st =
        prep(s, "INSERT OR REPLACE INTO vals(scope, kind, name, version, sealed) VALUES(?,?,?,?,?)", args, 4, err);
    if (st == NULL)
        return -1;
    sqlite3_bind_blob(st, 5, sealed, (int)(n + AEAD_OVERHEAD), SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : db_err(s, err, "write");
    sqlite3_finalize(st);
    return rc;
}

int secrets_val_get(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                    bool open, char **out, size_t *n, ecs_error_t *err)
{
    *out = NULL;
    *n = 0;
    const char *args[] = {scope, kind, name, version};
    sqlite3_stmt *st =
        prep(s, "SELECT sealed FROM vals WHERE scope=? AND kind=? AND name=? AND version=?", args, 4, err);
    if (st == NULL)
        return -1;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? SECRETS_ABSENT : db_err(s, err, "read");
    }
    const unsigned char *sealed = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    if (!open) {
        *out = malloc(len + 1);
        if (*out == NULL) {
            sqlite3_finalize(st);
            return ecs_server_err(err, "secrets store: out of memory");
        }
        memcpy(*out, sealed, len);
        (*out)[len] = '\0';
        *n = len;
        sqlite3_finalize(st);
        return 0;
    }
    char aad[3000];
    size_t aad_len = aad_of(aad, sizeof aad, scope, kind, name, version);
    char *plain = len >= AEAD_OVERHEAD ? malloc(len - AEAD_OVERHEAD + 1) : NULL;
    if (plain == NULL || aad_len == 0 || aead_open(s->key, aad, aad_len, sealed, len, (unsigned char *)plain) < 0) {
        free(plain);
        sqlite3_finalize(st);
        return ecs_server_err(err, "secrets store: the value of %.200s does not open with this server's key", name);
    }
    plain[len - AEAD_OVERHEAD] = '\0';
    *out = plain;
    *n = len - AEAD_OVERHEAD;
    sqlite3_finalize(st);
    return 0;
}

int secrets_val_delete(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                       ecs_error_t *err)
{
    const char *args[] = {scope, kind, name, version};
    return run(s, "DELETE FROM vals WHERE scope=? AND kind=? AND name=? AND version=?", args, 4, err);
}
