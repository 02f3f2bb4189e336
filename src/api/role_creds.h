/* role_creds.h - the credentials a task's roles hand its containers
 * (docs/agent-protocol.md §3), from the roles file (model/roles.h), and
 * the session tokens ecsd issues with its own keys.
 *
 * A role mapped to one of this server's own keys hands out that key with
 * a session token of ecsd's: "ecsd1.<expiry>.<hex HMAC-SHA256 of the key
 * id and the expiry, keyed with the key's secret>". SigV4 checks such a
 * token when a request carries one (X-Amz-Security-Token): a forged or
 * expired token is refused, as AWS refuses them. Credentials are made
 * for windows of an hour and last 6 hours, so every poll of one window
 * carries the same ones and the agent always holds credentials with more
 * than 5 hours left. */
#ifndef ECSD_API_ROLE_CREDS_H
#define ECSD_API_ROLE_CREDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "model/context.h"

#define ROLE_CREDS_WINDOW_S 3600
#define ROLE_CREDS_LIFETIME_S (6 * 3600)
#define SESSION_TOKEN_MAX 96

/* The token for key akid (its secret) that expires at expiry (epoch s). */
int api_session_token_make(const char *akid, const char *secret, int64_t expiry, char out[SESSION_TOKEN_MAX]);
/* 0 when token is one ecsd issued for akid and it has not expired at now,
 * -2 when it has expired, -1 otherwise. */
int api_session_token_check(const char *akid, const char *secret, const char *token, size_t len, int64_t now);
/* A sigv4 token_check (arg unused): ecsd's own tokens only. */
int api_session_token_verify(void *arg, const char *akid, const char *secret, const char *token, size_t len,
                             int64_t now);

/* The credentials of role_arn for a task of account at now (epoch s):
 * 1 with *out = {"roleArn", "accessKeyId", "secretAccessKey",
 * "sessionToken", "expiration" (epoch s)}, or 0 with why saying why none
 * (not in the roles file, another account's role, an unknown own key). */
int api_role_credentials(const model_service_t *svc, const char *account, const char *role_arn, int64_t now,
                         json_t **out, char *why, size_t why_size);

/* Adds to a poll entry (a task with its effective "taskDefinition") the
 * credentials of its roles: "roleCredentials" for taskRoleArn,
 * "executionRoleCredentials" for executionRoleArn, or "credentialsError"
 * (the reason the task cannot have them). Nothing without a roles file. */
void api_poll_add_credentials(const model_service_t *svc, const char *account, json_t *entry, int64_t now);

#endif
