#include "model/roles.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/cleanup.h"

struct roles {
    char *path;
    pthread_rwlock_t lock; /* guards v and n */
    role_entry_t *v;       /* sorted by arn */
    size_t n;
};

#define KEY_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"
#define NAME_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-/"

static bool all_in(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return false;
    return true;
}

bool roles_arn_account(const char *arn, char account[13])
{
    /* arn:PARTITION:iam::ACCOUNT:role/NAME (IAM's own rules for the name) */
    if (strncmp(arn, "arn:", 4) != 0)
        return false;
    const char *p = strchr(arn + 4, ':');
    if (p == NULL || p == arn + 4 || strncmp(p, ":iam::", 6) != 0)
        return false;
    p += 6;
    if (!all_in(p, 12, "0123456789") || strncmp(p + 12, ":role/", 6) != 0)
        return false;
    const char *name = p + 18;
    size_t n = strlen(name);
    if (n == 0 || n > 512 || !all_in(name, n, NAME_CHARS) || name[n - 1] == '/')
        return false;
    memcpy(account, p, 12);
    account[12] = '\0';
    return true;
}

static int by_arn(const void *a, const void *b)
{
    return strcmp(((const role_entry_t *)a)->arn, ((const role_entry_t *)b)->arn);
}

/* The next blank-separated word of *p into out (size max+1): its length,
 * 0 at the end, -1 when longer than max. */
static int word(const char **p, char *out, size_t max)
{
    const char *s = *p + strspn(*p, " \t\r\n");
    size_t n = strcspn(s, " \t\r\n");
    *p = s + n;
    if (n > max)
        return -1;
    memcpy(out, s, n);
    out[n] = '\0';
    return (int)n;
}

static int parse_line(const char *line, const char *path, int lineno, role_entry_t *e, int *got, ecs_error_t *err)
{
    char extra[2];
    const char *p = line;
    *got = 0;
    memset(e, 0, sizeof *e);
    int na = word(&p, e->arn, ROLE_ARN_MAX);
    if (na == 0)
        return 0; /* blank or comment */
    char account[13];
    if (na < 0 || !roles_arn_account(e->arn, account))
        return ecs_server_err(err, "roles: %s line %d: the first word must be a role ARN, "
                                   "arn:aws:iam::ACCOUNT:role/NAME", path, lineno);
    int nk = word(&p, e->access_key, ROLE_KEY_MAX);
    if (nk < 3 || !all_in(e->access_key, (size_t)nk, KEY_CHARS))
        return ecs_server_err(err, "roles: %s line %d: expected ROLE_ARN ACCESS_KEY_ID [SECRET_ACCESS_KEY "
                                   "[SESSION_TOKEN]], the access key id 3 to 128 letters, digits or underscores",
                              path, lineno);
    if (word(&p, e->secret, ROLE_SECRET_MAX) < 0)
        return ecs_server_err(err, "roles: %s line %d: the secret access key is longer than %d characters", path,
                              lineno, ROLE_SECRET_MAX);
    if (word(&p, e->token, ROLE_TOKEN_MAX) < 0)
        return ecs_server_err(err, "roles: %s line %d: the session token is longer than %d characters", path,
                              lineno, ROLE_TOKEN_MAX);
    if (word(&p, extra, 1) != 0)
        return ecs_server_err(err, "roles: %s line %d: more than four words", path, lineno);
    *got = 1;
    return 0;
}

int roles_parse(const char *text, const char *path, role_entry_t **out, size_t *n_out, ecs_error_t *err)
{
    role_entry_t *v = NULL;
    size_t n = 0, cap = 0;
    int lineno = 0, rc = 0;
    for (const char *s = text; rc == 0 && *s != '\0';) {
        size_t len = strcspn(s, "\n");
        lineno++;
        cleanup_free char *line = strndup(s, len);
        s += len + (s[len] == '\n');
        if (line == NULL) {
            rc = ecs_server_err(err, "roles: out of memory");
            break;
        }
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            role_entry_t *grown = realloc(v, ncap * sizeof *v);
            if (grown == NULL) {
                rc = ecs_server_err(err, "roles: out of memory");
                break;
            }
            v = grown;
            cap = ncap;
        }
        int got;
        rc = parse_line(line, path, lineno, &v[n], &got, err);
        n += (size_t)got;
    }
    if (rc == 0 && n > 1) {
        qsort(v, n, sizeof *v, by_arn);
        for (size_t i = 1; i < n && rc == 0; i++)
            if (strcmp(v[i - 1].arn, v[i].arn) == 0)
                rc = ecs_server_err(err, "roles: %s: role %.300s appears twice", path, v[i].arn);
    }
    if (rc < 0) {
        if (v != NULL)
            OPENSSL_cleanse(v, cap * sizeof *v);
        free(v);
        return -1;
    }
    *out = v;
    *n_out = n;
    return 0;
}

static int parse_file(const char *path, role_entry_t **out, size_t *n, ecs_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return ecs_server_err(err, "roles: cannot open %s: %s", path, strerror(errno));
    cleanup_free char *text = NULL;
    size_t size = 0;
    FILE *mem = open_memstream(&text, &size);
    char buf[4096];
    size_t got;
    while (mem != NULL && (got = fread(buf, 1, sizeof buf, f)) > 0)
        fwrite(buf, 1, got, mem);
    bool bad = ferror(f) || mem == NULL;
    fclose(f);
    if (mem != NULL)
        fclose(mem);
    if (bad || text == NULL)
        return ecs_server_err(err, "roles: cannot read %s", path);
    int rc = roles_parse(text, path, out, n, err);
    OPENSSL_cleanse(text, size);
    return rc;
}

int roles_load(const char *path, roles_t **out, ecs_error_t *err)
{
    roles_t *r = calloc(1, sizeof *r);
    if (r == NULL || (r->path = strdup(path)) == NULL) {
        free(r);
        return ecs_server_err(err, "roles: out of memory");
    }
    if (parse_file(path, &r->v, &r->n, err) < 0) {
        free(r->path);
        free(r);
        return -1;
    }
    pthread_rwlock_init(&r->lock, NULL);
    *out = r;
    return 0;
}

int roles_reload(roles_t *r, ecs_error_t *err)
{
    role_entry_t *v;
    size_t n;
    if (parse_file(r->path, &v, &n, err) < 0)
        return -1;
    pthread_rwlock_wrlock(&r->lock);
    role_entry_t *old = r->v;
    size_t old_n = r->n;
    r->v = v;
    r->n = n;
    pthread_rwlock_unlock(&r->lock);
    if (old != NULL)
        OPENSSL_cleanse(old, old_n * sizeof *old);
    free(old);
    return 0;
}

size_t roles_count(roles_t *r)
{
    pthread_rwlock_rdlock(&r->lock);
    size_t n = r->n;
    pthread_rwlock_unlock(&r->lock);
    return n;
}

void roles_free(roles_t *r)
{
    if (r == NULL)
        return;
    if (r->v != NULL)
        OPENSSL_cleanse(r->v, r->n * sizeof *r->v);
    free(r->v);
    free(r->path);
    pthread_rwlock_destroy(&r->lock);
    free(r);
}

int roles_lookup(roles_t *r, const char *arn, role_entry_t *e)
{
    if (r == NULL || strlen(arn) > ROLE_ARN_MAX)
        return 0;
    role_entry_t key;
    memcpy(key.arn, arn, strlen(arn) + 1);
    pthread_rwlock_rdlock(&r->lock);
    const role_entry_t *hit = r->n ? bsearch(&key, r->v, r->n, sizeof *r->v, by_arn) : NULL;
    if (hit != NULL)
        *e = *hit;
    pthread_rwlock_unlock(&r->lock);
    return hit != NULL;
}
