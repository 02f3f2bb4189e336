#include "api/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/cleanup.h"

#define KEY_MAX 128
#define SECRET_MAX 128

typedef struct credential {
    char key[KEY_MAX + 1];
    char secret[SECRET_MAX + 1];
    char account[13];
} credential_t;

struct credentials {
    char *path;
    pthread_rwlock_t lock; /* guards keys and n */
    credential_t *keys;    /* sorted by key */
    size_t n;
};

static int by_key(const void *a, const void *b)
{
    return strcmp(((const credential_t *)a)->key, ((const credential_t *)b)->key);
}

static bool all_in(const char *s, const char *set) { return strspn(s, set) == strlen(s); }

/* Parses the file into a sorted array. */
static int parse_file(const char *path, credential_t **out, size_t *n_out, ecs_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return ecs_server_err(err, "credentials: cannot open %s: %s", path, strerror(errno));
    credential_t *keys = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    int lineno = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f) != NULL) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        char key[KEY_MAX + 2], secret[SECRET_MAX + 2], account[16], extra[2];
        int got = sscanf(line, "%129s %129s %15s %1s", key, secret, account, extra);
        if (got <= 0)
            continue; /* blank or comment */
        if (got != 3 || strlen(key) > KEY_MAX || strlen(secret) > SECRET_MAX || strlen(account) != 12 ||
            !all_in(account, "0123456789") || !all_in(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")) {
            rc = ecs_server_err(err, "credentials: %s line %d: expected ACCESS_KEY_ID (A-Z, 0-9) SECRET "
                                     "12-DIGIT-ACCOUNT", path, lineno);
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            credential_t *grown = realloc(keys, cap * sizeof *keys);
            if (grown == NULL) {
                rc = ecs_server_err(err, "credentials: out of memory");
                break;
            }
            keys = grown;
        }
        memcpy(keys[n].key, key, strlen(key) + 1); /* lengths checked above */
        memcpy(keys[n].secret, secret, strlen(secret) + 1);
        memcpy(keys[n].account, account, 13);
        n++;
    }
    fclose(f);
    if (rc == 0) {
        qsort(keys, n, sizeof *keys, by_key);
        for (size_t i = 1; i < n && rc == 0; i++)
            if (strcmp(keys[i - 1].key, keys[i].key) == 0)
                rc = ecs_server_err(err, "credentials: %s: access key %s appears twice", path, keys[i].key);
    }
    if (rc < 0) {
        free(keys);
        return -1;
    }
    *out = keys;
    *n_out = n;
    return 0;
}

int credentials_load(const char *path, credentials_t **out, ecs_error_t *err)
{
    credentials_t *c = calloc(1, sizeof *c);
    if (c == NULL || (c->path = strdup(path)) == NULL) {
        free(c);
        return ecs_server_err(err, "credentials: out of memory");
    }
    if (parse_file(path, &c->keys, &c->n, err) < 0) {
        free(c->path);
        free(c);
        return -1;
    }
    pthread_rwlock_init(&c->lock, NULL);
    *out = c;
    return 0;
}

int credentials_reload(credentials_t *c, ecs_error_t *err)
{
    credential_t *keys;
    size_t n;
    if (parse_file(c->path, &keys, &n, err) < 0)
        return -1;
    pthread_rwlock_wrlock(&c->lock);
    credential_t *old = c->keys;
    c->keys = keys;
    c->n = n;
    pthread_rwlock_unlock(&c->lock);
    free(old);
    return 0;
}

size_t credentials_count(credentials_t *c)
{
    pthread_rwlock_rdlock(&c->lock);
    size_t n = c->n;
    pthread_rwlock_unlock(&c->lock);
    return n;
}

void credentials_free(credentials_t *c)
{
    if (c == NULL)
        return;
    pthread_rwlock_destroy(&c->lock);
    free(c->keys);
    free(c->path);
    free(c);
}

int credentials_first(credentials_t *c, char key[129], char secret[129])
{
    pthread_rwlock_rdlock(&c->lock);
    int found = c->n > 0;
    if (found) {
        snprintf(key, 129, "%s", c->keys[0].key);
        snprintf(secret, 129, "%s", c->keys[0].secret);
    }
    pthread_rwlock_unlock(&c->lock);
    return found;
}

int credentials_lookup(void *arg, const char *access_key, char *secret, size_t secret_size, char *account,
                       size_t account_size)
{
    credentials_t *c = arg;
    credential_t probe;
    if (strlen(access_key) > KEY_MAX)
        return 0;
    snprintf(probe.key, sizeof probe.key, "%s", access_key);
    pthread_rwlock_rdlock(&c->lock);
    const credential_t *hit = bsearch(&probe, c->keys, c->n, sizeof *c->keys, by_key);
    if (hit != NULL) {
        snprintf(secret, secret_size, "%s", hit->secret);
        snprintf(account, account_size, "%s", hit->account);
    }
    pthread_rwlock_unlock(&c->lock);
    return hit != NULL;
}

static void random_chars(char *out, size_t n, const char *alphabet)
{
    unsigned char bytes[64];
    size_t len = strlen(alphabet);
    if (getrandom(bytes, n, 0) != (ssize_t)n)
        abort(); /* no entropy: no key can be made */
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[bytes[i] % len];
    out[n] = '\0';
}

int credentials_create(const char *path, const char *account, char key_id[21], char secret[41], ecs_error_t *err)
{
    memcpy(key_id, "AKID", 4);
    random_chars(key_id + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    random_chars(secret, 40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
    cleanup_free char *tmp = NULL;
    if (asprintf(&tmp, "%s.tmp", path) < 0)
        return ecs_server_err(err, "out of memory");
    cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return ecs_server_err(err, "credentials: cannot write %s: %s", tmp, strerror(errno));
    char text[256];
    int len = snprintf(text, sizeof text, "# ecsd dev credentials: ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID\n%s %s %s\n",
                       key_id, secret, account);
    if (write(fd, text, (size_t)len) != len || fsync(fd) < 0 || rename(tmp, path) < 0)
        return ecs_server_err(err, "credentials: cannot write %s: %s", path, strerror(errno));
    return 0;
}
