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

/* Access key ids as AWS allows them (IAM: [\w]+, up to 128) and as local
 * AWS tools use them: "test", "testing", "AKIAIOSFODNN7EXAMPLE", "my_key". */
#define KEY_MIN 3
#define KEY_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"

/* One line (its comment already cut): 0 and *got = 0 for a blank line, 0
 * and *got = 1 with c filled, -1 with err naming path and lineno. */
static int parse_line(const char *line, const char *path, int lineno, credential_t *c, int *got, ecs_error_t *err)
{
    char key[KEY_MAX + 2], secret[SECRET_MAX + 2], account[16], extra[2];
    int n = sscanf(line, "%129s %129s %15s %1s", key, secret, account, extra);
    *got = 0;
    if (n <= 0)
        return 0; /* blank or comment */
    if (n != 3)
        return ecs_server_err(err, "credentials: %s line %d: expected ACCESS_KEY_ID SECRET_ACCESS_KEY "
                                   "ACCOUNT_ID (three words)", path, lineno);
    if (strlen(key) < KEY_MIN || strlen(key) > KEY_MAX || !all_in(key, KEY_CHARS))
        return ecs_server_err(err, "credentials: %s line %d: the access key id must be %d to %d letters, "
                                   "digits or underscores", path, lineno, KEY_MIN, KEY_MAX);
    if (strlen(secret) > SECRET_MAX)
        return ecs_server_err(err, "credentials: %s line %d: the secret access key is longer than %d "
                                   "characters", path, lineno, SECRET_MAX);
    if (strlen(account) != 12 || !all_in(account, "0123456789"))
        return ecs_server_err(err, "credentials: %s line %d: the account id must be 12 digits", path, lineno);
    memcpy(c->key, key, strlen(key) + 1); /* lengths checked above */
    memcpy(c->secret, secret, strlen(secret) + 1);
    memcpy(c->account, account, 13);
    *got = 1;
    return 0;
}

/* Parses the file into a sorted array. */
static int parse_file(const char *path, credential_t **out, size_t *n_out, ecs_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return ecs_server_err(err, "credentials: cannot open %s: %s", path, strerror(errno));
    credential_t *keys = NULL;
    size_t n = 0, cap = 0;
    cleanup_free char *line = NULL;
    size_t line_cap = 0;
    int lineno = 0, rc = 0;
    while (rc == 0 && getline(&line, &line_cap, f) >= 0) {
        lineno++;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            credential_t *grown = realloc(keys, cap * sizeof *keys);
            if (grown == NULL) {
                rc = ecs_server_err(err, "credentials: out of memory");
                break;
            }
            keys = grown;
        }
        int got;
        rc = parse_line(line, path, lineno, &keys[n], &got, err);
        n += (size_t)got;
    }
    fclose(f);
    if (rc == 0 && n > 1) {
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
    const credential_t *hit = c->n ? bsearch(&probe, c->keys, c->n, sizeof *c->keys, by_key) : NULL;
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
