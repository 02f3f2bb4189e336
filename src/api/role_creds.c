#include "api/role_creds.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "api/credentials.h"
#include "api/sigv4.h"
#include "model/roles.h"

#define TOKEN_PREFIX "ecsd1."

static int token_mac(const char *akid, const char *secret, int64_t expiry, char hex[65])
{
    char msg[256];
    int n = snprintf(msg, sizeof msg, "ecsd-session-token|%s|%" PRId64, akid, expiry);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (n < 0 || (size_t)n >= sizeof msg ||
        HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, (size_t)n, mac, &len) == NULL ||
        len != 32)
        return -1;
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return 0;
}

int api_session_token_make(const char *akid, const char *secret, int64_t expiry, char out[SESSION_TOKEN_MAX])
{
    char hex[65];
    if (token_mac(akid, secret, expiry, hex) < 0)
        return -1;
    snprintf(out, SESSION_TOKEN_MAX, TOKEN_PREFIX "%" PRId64 ".%s", expiry, hex);
    return 0;
}

int api_session_token_check(const char *akid, const char *secret, const char *token, size_t len, int64_t now)
{
    char buf[SESSION_TOKEN_MAX];
    if (len >= sizeof buf || len <= strlen(TOKEN_PREFIX) || memcmp(token, TOKEN_PREFIX, strlen(TOKEN_PREFIX)) != 0)
        return -1;
    memcpy(buf, token, len);
    buf[len] = '\0';
    char *end;
    long long expiry = strtoll(buf + strlen(TOKEN_PREFIX), &end, 10);
    char hex[65];
    if (*end != '.' || strlen(end + 1) != 64 || expiry <= 0 || token_mac(akid, secret, expiry, hex) < 0 ||
        CRYPTO_memcmp(hex, end + 1, 64) != 0)
        return -1;
    return expiry <= now ? -2 : 0;
}

int api_session_token_verify(void *arg, const char *akid, const char *secret, const char *token, size_t len,
                             int64_t now)
{
    (void)arg;
    return api_session_token_check(akid, secret, token, len, now);
}

int api_role_credentials(const model_service_t *svc, const char *account, const char *role_arn, int64_t now,
                         json_t **out, char *why, size_t why_size)
{
    char role_account[13];
    role_entry_t e;
    *out = NULL;
    if (!roles_arn_account(role_arn, role_account)) {
        snprintf(why, why_size, "%.300s is not an IAM role ARN", role_arn);
        return 0;
    }
    if (strcmp(role_account, account) != 0) {
        snprintf(why, why_size, "role %.300s belongs to account %s, not the task's account %s", role_arn,
                 role_account, account);
        return 0;
    }
    if (roles_lookup(svc->roles, role_arn, &e) != 1) {
        snprintf(why, why_size, "role %.300s is not in the server's roles file", role_arn);
        return 0;
    }
    int64_t expiry = now / ROLE_CREDS_WINDOW_S * ROLE_CREDS_WINDOW_S + ROLE_CREDS_LIFETIME_S;
    char secret[SIGV4_SECRET_MAX], key_account[SIGV4_ACCOUNT_MAX], token[SESSION_TOKEN_MAX];
    const char *sec = e.secret, *tok = e.token;
    int rc = 1;
    if (e.secret[0] == '\0') { /* one of ecsd's own keys: its secret, and a token of ecsd's */
        if (svc->creds == NULL ||
            credentials_lookup(svc->creds, e.access_key, secret, sizeof secret, key_account, sizeof key_account) != 1 ||
            api_session_token_make(e.access_key, secret, expiry, token) < 0) {
            snprintf(why, why_size, "role %.300s maps to an access key that is not one of this server's keys",
                     role_arn);
            rc = 0;
        }
        sec = secret;
        tok = token;
    }
    if (rc == 1)
        *out = json_pack("{s:s, s:s, s:s, s:s, s:I}", "roleArn", role_arn, "accessKeyId", e.access_key,
                         "secretAccessKey", sec, "sessionToken", tok, "expiration", (json_int_t)expiry);
    OPENSSL_cleanse(&e, sizeof e);
    OPENSSL_cleanse(secret, sizeof secret);
    if (rc == 1 && *out == NULL) {
        snprintf(why, why_size, "out of memory");
        rc = 0;
    }
    return rc;
}

void api_poll_add_credentials(const model_service_t *svc, const char *account, json_t *entry, int64_t now)
{
    if (svc->roles == NULL)
        return; /* roles give nothing without a roles file */
    static const struct {
        const char *member, *key, *what;
    } kinds[] = {{"taskRoleArn", "roleCredentials", "task role"},
                 {"executionRoleArn", "executionRoleCredentials", "task execution role"}};
    json_t *td = json_object_get(entry, "taskDefinition");
    for (size_t i = 0; i < 2; i++) {
        const char *arn = json_string_value(json_object_get(td, kinds[i].member));
        if (arn == NULL || arn[0] == '\0')
            continue;
        json_t *creds;
        char why[600], reason[700];
        if (api_role_credentials(svc, account, arn, now, &creds, why, sizeof why) == 1) {
            json_object_set_new(entry, kinds[i].key, creds);
            continue;
        }
        snprintf(reason, sizeof reason, "ResourceInitializationError: unable to get credentials for the %s: %s",
                 kinds[i].what, why);
        json_object_set_new(entry, "credentialsError", json_string(reason));
        return;
    }
}
