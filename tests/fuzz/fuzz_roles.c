/* fuzz_roles.c - libFuzzer target: the roles file (model/roles.c) and
 * ecsd's session tokens (api/role_creds.c).
 *
 * Input: the text of a roles file. Invariants, beyond "no crash, no leak,
 * no UB": roles_parse answers 0 or -1; on -1 the message is non-empty and
 * names the file; on 0 every entry has a role ARN roles_arn_account
 * accepts, an access key id of 3 or more characters, and the entries are
 * sorted with no ARN twice. The input is also checked as a session token
 * of a fixed key: only the token made for it may pass.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/role_creds.h"
#include "model/roles.h"

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_roles: " __VA_ARGS__);                                           \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    role_entry_t *v = NULL;
    size_t n = 0;
    ecs_error_t err = {0};
    int rc = roles_parse(text, "FILE", &v, &n, &err);
    ABORT_IF(rc != 0 && rc != -1, "roles_parse returned %d", rc);
    if (rc == -1) {
        ABORT_IF(strstr(err.message, "roles: FILE") == NULL && strstr(err.message, "out of memory") == NULL,
                 "a message that does not name the file: %s", err.message);
    } else {
        for (size_t i = 0; i < n; i++) {
            char account[13];
            ABORT_IF(!roles_arn_account(v[i].arn, account), "an entry without a role ARN: %s", v[i].arn);
            ABORT_IF(strlen(v[i].access_key) < 3, "a short access key id");
            ABORT_IF(i > 0 && strcmp(v[i - 1].arn, v[i].arn) >= 0, "unsorted or twice: %s", v[i].arn);
        }
        free(v);
    }
    char token[SESSION_TOKEN_MAX];
    ABORT_IF(api_session_token_make("AKIDFUZZ", "secret", 2000000000, token) != 0, "no token made");
    int ok = api_session_token_check("AKIDFUZZ", "secret", text, size, 1);
    ABORT_IF(ok == 0 && (size != strlen(token) || memcmp(text, token, size) != 0), "a forged token passed");
    free(text);
    return 0;
}
