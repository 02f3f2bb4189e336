/* secrets_store.h - where Parameter Store's parameters and Secrets
 * Manager's secrets live: a SQLite file of their own (DATA_DIR/secrets.db),
 * apart from the ECS store (also under --store postgresql, as the logs
 * store), and the key that seals their values (DATA_DIR/secrets.key, 32
 * random bytes made 0600 on first start, common/aead.h).
 *
 * Two tables. docs: one JSON document per (scope, kind, name), what the
 * API shows of a parameter or secret (metadata and its versions' metadata,
 * never a value). vals: one sealed value per (scope, kind, name, version),
 * AES-256-GCM bound to those four, so no value (String, StringList,
 * SecureString, secret string or binary) is ever written in clear.
 *
 * Each operation runs in one transaction: secrets_begin() ...
 * secrets_end(). One connection behind one mutex: the traffic is a few
 * calls per task start, not worth a pool.
 *
 * Outcomes that are not failures (absent) are positive returns; -1 is a
 * failure of the store, with err filled (HTTP 500).
 */
#ifndef ECSD_STORE_SECRETS_STORE_H
#define ECSD_STORE_SECRETS_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

typedef struct secrets_store secrets_store_t;

#define SECRETS_ABSENT 1

/* What a document is: a parameter or a secret. */
#define SECRETS_PARAM "param"
#define SECRETS_SECRET "secret"

int secrets_store_open(const char *data_dir, secrets_store_t **out, ecs_error_t *err);
void secrets_store_close(secrets_store_t *s);
/* The file's path (tests read it to see no value in clear). */
const char *secrets_store_path(const secrets_store_t *s);

/* One transaction: takes the store's mutex. secrets_end commits when ok,
 * else rolls back; -1 when the commit fails. */
int secrets_begin(secrets_store_t *s, ecs_error_t *err);
int secrets_end(secrets_store_t *s, bool ok, ecs_error_t *err);

/* Inside a transaction. */
int secrets_doc_get(secrets_store_t *s, const char *scope, const char *kind, const char *name, json_t **doc,
                    ecs_error_t *err);
int secrets_doc_put(secrets_store_t *s, const char *scope, const char *kind, const char *name, const json_t *doc,
                    ecs_error_t *err);
/* Removes the document and all its values. */
int secrets_doc_delete(secrets_store_t *s, const char *scope, const char *kind, const char *name, ecs_error_t *err);
/* Every document of a kind in the scope, by name (byte order): a JSON
 * array of [name, doc]. */
int secrets_doc_list(secrets_store_t *s, const char *scope, const char *kind, json_t **out, ecs_error_t *err);
/* A version's value, sealed on the way in, opened on the way out
 * (*out malloc'd with a NUL after its n bytes); with open false, the
 * sealed bytes as stored (what Parameter Store shows of a SecureString
 * read without decryption). */
int secrets_val_put(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                    const void *v, size_t n, ecs_error_t *err);
int secrets_val_get(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                    bool open, char **out, size_t *n, ecs_error_t *err);
int secrets_val_delete(secrets_store_t *s, const char *scope, const char *kind, const char *name, const char *version,
                       ecs_error_t *err);

#endif
