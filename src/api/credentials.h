/* credentials.h - the access keys a server accepts, each with its secret
 * and the 12-digit account it acts for. Read from a file of lines
 * "ACCESS_KEY_ID SECRET_ACCESS_KEY ACCOUNT_ID" (white space between,
 * '#' starts a comment), and read again on demand (SIGHUP). An access key
 * id is 3 to 128 of [A-Za-z0-9_] (as AWS allows, so "test" works as with
 * other local AWS tools), a secret up to 128 non-blank characters, the
 * account 12 digits.
 *
 * Threads: lookups (any thread) and reloads are guarded by a rwlock. */
#ifndef ECSD_API_CREDENTIALS_H
#define ECSD_API_CREDENTIALS_H

#include <stddef.h>

#include "common/error.h"

typedef struct credentials credentials_t;

/* Loads path; -1 with a message naming the file and line on a bad line. */
int credentials_load(const char *path, credentials_t **out, ecs_error_t *err);
/* Reads the file again; on error the keys in force stay as they were. */
int credentials_reload(credentials_t *c, ecs_error_t *err);
size_t credentials_count(credentials_t *c);
void credentials_free(credentials_t *c);

/* The first key of the file (for `ecsd dev` to print): 1, or 0 if none. */
int credentials_first(credentials_t *c, char key[129], char secret[129]);

/* A sigv4_lookup_fn: arg is a credentials_t. 1 found, 0 unknown key. */
int credentials_lookup(void *arg, const char *access_key, char *secret, size_t secret_size, char *account,
                       size_t account_size);

/* Writes a new file with one random key pair for account (mode 0600,
 * atomically); fills key_id and secret. For `ecsd dev`. */
int credentials_create(const char *path, const char *account, char key_id[21], char secret[41], ecs_error_t *err);

#endif
