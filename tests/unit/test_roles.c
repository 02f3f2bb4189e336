/* Tests for model/roles.c (the roles file: lines, comments, errors naming
 * the line, duplicates, role ARNs, lookups, reloads that keep the roles in
 * force on error) and api/role_creds.c (ecsd's session tokens, the
 * credentials a role gives, the poll entry's members). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/credentials.h"
#include "api/role_creds.h"
#include "model/roles.h"
#include "test.h"

#define APP "arn:aws:iam::123456789012:role/app"

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/ecsd-roles-test.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
        if (fd >= 0)
            close(fd);
        free(path);
        return NULL;
    }
    close(fd);
    return path;
}

TEST(roles_parse_lines_comments_and_forms)
{
    role_entry_t *v = NULL;
    size_t n = 0;
    ecs_error_t err;
    const char *text = "# roles\n\n" APP " AKIDOWN   # ecsd's own key\n"
                       "arn:aws:iam::123456789012:role/path/to/ext AKIDEXT sec-ret tok.en\n"
                       "arn:aws-cn:iam::210987654321:role/x+=,.@_- K_3 s\n";
    REQUIRE(roles_parse(text, "f", &v, &n, &err) == 0);
    REQUIRE(n == 3);
    /* sorted by ARN ('-' before ':') */
    CHECK_STR(v[0].arn, "arn:aws-cn:iam::210987654321:role/x+=,.@_-");
    CHECK_STR(v[0].access_key, "K_3");
    CHECK_STR(v[1].arn, APP);
    CHECK_STR(v[1].access_key, "AKIDOWN");
    CHECK_STR(v[1].secret, "");
    CHECK_STR(v[1].token, "");
    CHECK_STR(v[2].arn, "arn:aws:iam::123456789012:role/path/to/ext");
    CHECK_STR(v[2].secret, "sec-ret");
    CHECK_STR(v[2].token, "tok.en");
    free(v);
}

TEST(roles_parse_errors_name_the_line)
{
    static const struct {
        const char *text, *words;
    } bad[] = {
        {"x KEY\n", "f line 1: the first word must be a role ARN"},
        {"\n\narn:aws:iam::1234:role/a KEY\n", "f line 3: the first word must be a role ARN"},
        {"arn:aws:iam::123456789012:user/a KEY\n", "line 1: the first word must be a role ARN"},
        {"arn:aws:iam::123456789012:role/ KEY\n", "line 1: the first word must be a role ARN"},
        {"arn:aws:s3::123456789012:role/a KEY\n", "line 1: the first word must be a role ARN"},
        {APP "\n", "line 1: expected ROLE_ARN ACCESS_KEY_ID"},
        {APP " K\n", "line 1: expected ROLE_ARN ACCESS_KEY_ID"},
        {APP " KEY-WITH-DASH\n", "line 1: expected ROLE_ARN ACCESS_KEY_ID"},
        {APP " KEY s t extra\n", "line 1: more than four words"},
        {APP " KEY\n" APP " OTHER\n", "role " APP " appears twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        role_entry_t *v = NULL;
        size_t n = 0;
        ecs_error_t err = {0};
        CHECK(roles_parse(bad[i].text, "f", &v, &n, &err) == -1);
        if (strstr(err.message, bad[i].words) == NULL) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err.message, bad[i].words);
            *test_failed_ = 1;
        }
        CHECK(strstr(err.message, "KEY") == NULL || strstr(bad[i].words, "KEY") != NULL ||
              strstr(err.message, "ACCESS_KEY_ID") != NULL); /* keys never in the message */
    }
}

TEST(roles_arn_account_of)
{
    char acct[13];
    CHECK(roles_arn_account(APP, acct));
    CHECK_STR(acct, "123456789012");
    CHECK(!roles_arn_account("arn:aws:iam::123456789012:role", acct));
    CHECK(!roles_arn_account("arn::iam::123456789012:role/a", acct));
    CHECK(!roles_arn_account("arn:aws:iam::12345678901a:role/a", acct));
    CHECK(!roles_arn_account("arn:aws:iam::123456789012:role/a b", acct));
}

TEST(roles_load_lookup_reload_keeps_on_error)
{
    char *path = write_tmp(APP " AKIDOWN\n");
    REQUIRE(path != NULL);
    roles_t *r = NULL;
    ecs_error_t err;
    REQUIRE(roles_load(path, &r, &err) == 0);
    role_entry_t e;
    CHECK(roles_count(r) == 1);
    CHECK(roles_lookup(r, APP, &e) == 1);
    CHECK_STR(e.access_key, "AKIDOWN");
    CHECK(roles_lookup(r, "arn:aws:iam::123456789012:role/none", &e) == 0);
    FILE *f = fopen(path, "w");
    fputs("bad line\n", f);
    fclose(f);
    CHECK(roles_reload(r, &err) == -1);
    CHECK(roles_lookup(r, APP, &e) == 1); /* the roles in force stay */
    f = fopen(path, "w");
    fputs(APP " AKIDNEW s\n", f);
    fclose(f);
    CHECK(roles_reload(r, &err) == 0);
    CHECK(roles_lookup(r, APP, &e) == 1);
    CHECK_STR(e.access_key, "AKIDNEW");
    CHECK_STR(e.secret, "s");
    roles_free(r);
    unlink(path);
    free(path);
    CHECK(roles_lookup(NULL, APP, &e) == 0);
}

TEST(roles_session_tokens)
{
    char tok[SESSION_TOKEN_MAX];
    REQUIRE(api_session_token_make("AKIDOWN", "secret", 2000000000, tok) == 0);
    CHECK(strncmp(tok, "ecsd1.2000000000.", 17) == 0 && strlen(tok) == 17 + 64);
    CHECK(api_session_token_check("AKIDOWN", "secret", tok, strlen(tok), 1999999999) == 0);
    CHECK(api_session_token_check("AKIDOWN", "secret", tok, strlen(tok), 2000000000) == -2); /* expired */
    CHECK(api_session_token_check("AKIDOTHER", "secret", tok, strlen(tok), 1) == -1);        /* another key */
    CHECK(api_session_token_check("AKIDOWN", "other", tok, strlen(tok), 1) == -1);           /* another secret */
    char forged[SESSION_TOKEN_MAX];
    snprintf(forged, sizeof forged, "%s", tok);
    forged[6] = '3'; /* a later expiry with the same MAC */
    CHECK(api_session_token_check("AKIDOWN", "secret", forged, strlen(forged), 1) == -1);
    CHECK(api_session_token_check("AKIDOWN", "secret", tok, strlen(tok) - 1, 1) == -1);
    CHECK(api_session_token_check("AKIDOWN", "secret", "test", 4, 1) == -1);
    CHECK(api_session_token_check("AKIDOWN", "secret", "", 0, 1) == -1);
}

TEST(roles_credentials_of_a_role)
{
    char *cpath = write_tmp("AKIDOWN ownsecret 123456789012\n");
    char *rpath = write_tmp(APP " AKIDOWN\narn:aws:iam::123456789012:role/ext AKIDEXT extsecret exttoken\n"
                            "arn:aws:iam::210987654321:role/app AKIDOWN\n"
                            "arn:aws:iam::123456789012:role/ghost AKIDGHOST\n");
    REQUIRE(cpath != NULL && rpath != NULL);
    credentials_t *creds = NULL;
    roles_t *roles = NULL;
    ecs_error_t err;
    REQUIRE(credentials_load(cpath, &creds, &err) == 0);
    REQUIRE(roles_load(rpath, &roles, &err) == 0);
    model_service_t svc = {.creds = creds, .roles = roles};
    json_t *out = NULL;
    char why[600];
    int64_t now = 1800000123;
    REQUIRE(api_role_credentials(&svc, "123456789012", APP, now, &out, why, sizeof why) == 1);
    CHECK_STR(json_string_value(json_object_get(out, "accessKeyId")), "AKIDOWN");
    CHECK_STR(json_string_value(json_object_get(out, "secretAccessKey")), "ownsecret");
    json_int_t exp = json_integer_value(json_object_get(out, "expiration"));
    CHECK(exp == 1800000000 / 3600 * 3600 + 6 * 3600 || exp == (1800000123 / 3600) * 3600 + 6 * 3600);
    const char *tok = json_string_value(json_object_get(out, "sessionToken"));
    CHECK(tok != NULL && api_session_token_check("AKIDOWN", "ownsecret", tok, strlen(tok), now) == 0);
    json_decref(out);
    REQUIRE(api_role_credentials(&svc, "123456789012", "arn:aws:iam::123456789012:role/ext", now, &out, why,
                                 sizeof why) == 1);
    CHECK_STR(json_string_value(json_object_get(out, "secretAccessKey")), "extsecret");
    CHECK_STR(json_string_value(json_object_get(out, "sessionToken")), "exttoken");
    json_decref(out);
    CHECK(api_role_credentials(&svc, "123456789012", "arn:aws:iam::210987654321:role/app", now, &out, why,
                               sizeof why) == 0);
    CHECK(strstr(why, "belongs to account 210987654321, not the task's account 123456789012") != NULL);
    CHECK(api_role_credentials(&svc, "123456789012", "arn:aws:iam::123456789012:role/ghost", now, &out, why,
                               sizeof why) == 0);
    CHECK(strstr(why, "not one of this server's keys") != NULL);
    CHECK(api_role_credentials(&svc, "123456789012", "arn:aws:iam::123456789012:role/none", now, &out, why,
                               sizeof why) == 0);
    CHECK(strstr(why, "is not in the server's roles file") != NULL);
    CHECK(api_role_credentials(&svc, "123456789012", "nope", now, &out, why, sizeof why) == 0);

    /* the poll entry: credentials of both roles, or the first reason */
    json_t *entry = json_pack("{s:{s:s, s:s}}", "taskDefinition", "taskRoleArn", APP, "executionRoleArn",
                              "arn:aws:iam::123456789012:role/ext");
    api_poll_add_credentials(&svc, "123456789012", entry, now);
    CHECK(json_is_object(json_object_get(entry, "roleCredentials")));
    CHECK(json_is_object(json_object_get(entry, "executionRoleCredentials")));
    CHECK(json_object_get(entry, "credentialsError") == NULL);
    json_decref(entry);
    entry = json_pack("{s:{s:s, s:s}}", "taskDefinition", "taskRoleArn", APP, "executionRoleArn",
                      "arn:aws:iam::123456789012:role/none");
    api_poll_add_credentials(&svc, "123456789012", entry, now);
    CHECK(strncmp(json_string_value(json_object_get(entry, "credentialsError")),
                  "ResourceInitializationError: unable to get credentials for the task execution role: role", 87) ==
          0);
    json_decref(entry);
    svc.roles = NULL; /* no roles file: nothing */
    entry = json_pack("{s:{s:s}}", "taskDefinition", "taskRoleArn", APP);
    api_poll_add_credentials(&svc, "123456789012", entry, now);
    CHECK(json_object_size(entry) == 1);
    json_decref(entry);
    roles_free(roles);
    credentials_free(creds);
    unlink(cpath);
    unlink(rpath);
    free(cpath);
    free(rpath);
}
