/* Unit tests of what a task gets at start: environment files (ECS's rules,
 * the folder they must lie in), the order of files, environment and
 * secrets in the container's Env, the reasons a task stops with, and the
 * sealing of the secrets store's values (common/aead.c). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_envfile.h"
#include "agent/agent_map.h"
#include "agent/agent_secrets.h"
#include "common/aead.h"
#include "common/cleanup.h"
#include "test.h"

static const char *pair(const json_t *pairs, size_t i, int k)
{
    return json_string_value(json_array_get(json_array_get(pairs, i), (size_t)k));
}

TEST(agent_envfile_parse_as_ecs_reads_it)
{
    cleanup_json json_t *pairs = json_array();
    const char text[] = "# a comment\n\nA=1\r\nB= spaced \"quoted\" \nnoequals\n=empty\nA=again\nC=x=y\n#D=no\nE=";
    CHECK_INT(agent_envfile_parse(text, sizeof text - 1, pairs), 2);
    REQUIRE(json_array_size(pairs) == 4);
    CHECK_STR(pair(pairs, 0, 0), "A");
    CHECK_STR(pair(pairs, 0, 1), "1");
    CHECK_STR(pair(pairs, 1, 1), " spaced \"quoted\" ");
    CHECK_STR(pair(pairs, 2, 0), "C");
    CHECK_STR(pair(pairs, 2, 1), "x=y");
    CHECK_STR(pair(pairs, 3, 0), "E");
    CHECK_STR(pair(pairs, 3, 1), "");
    /* a second file: its A loses to the first file's */
    const char more[] = "A=second\nF=6";
    CHECK_INT(agent_envfile_parse(more, sizeof more - 1, pairs), 0);
    CHECK(json_array_size(pairs) == 5);
    CHECK_STR(pair(pairs, 0, 1), "1");
    CHECK_STR(pair(pairs, 4, 0), "F");
    const char nul[] = "G=a\0b\nH=h";
    CHECK_INT(agent_envfile_parse(nul, sizeof nul - 1, pairs), 1);
    CHECK_STR(pair(pairs, 5, 0), "H");
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

TEST(agent_envfile_path_stays_in_its_folder)
{
    char dir[] = "/tmp/ecsd-envfiles-XXXXXX", sub[600], path[4200], why[800], out[600];
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof sub, "%s/bucket", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/bucket/app.env", dir);
    write_file(path, "A=1\n");
    snprintf(out, sizeof out, "%s/bucket/escape.env", dir);
    CHECK(symlink("/etc/hostname", out) == 0);
    CHECK_INT(agent_envfile_path(dir, "arn:aws:s3:::bucket/app.env", path, sizeof path, why, sizeof why), 0);
    CHECK(strstr(path, "/bucket/app.env") != NULL);
    static const char *const bad[] = {"arn:aws:s3:::bucket/../x.env", "arn:aws:s3:::bucket//app.env",
                                      "arn:aws:s3:::bucket",          "arn:aws:s3:::/app.env",
                                      "s3://bucket/app.env",          "arn:aws:s3:::bucket/escape.env",
                                      "arn:aws:s3:::bucket/none.env", "arn:aws:s3:::bucket/./app.env"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        CHECK_INT(agent_envfile_path(dir, bad[i], path, sizeof path, why, sizeof why), -1);
        CHECK(why[0] != '\0');
    }
    unlink(out);
    snprintf(path, sizeof path, "%s/bucket/app.env", dir);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

TEST(agent_secrets_reasons_and_files)
{
    char dir[] = "/tmp/ecsd-envfiles-XXXXXX", sub[600], path[700];
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(sub, sizeof sub, "%s/b", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/b/one.env", dir);
    write_file(path, "X=from-file\nY=file-y\n");
    cleanup_json json_t *td = json_loads(
        "{\"containerDefinitions\":[{\"name\":\"a\",\"environmentFiles\":[{\"value\":\"arn:aws:s3:::b/one.env\","
        "\"type\":\"s3\"}]},{\"name\":\"plain\"}]}",
        0, NULL);
    json_t *out = NULL;
    ecs_error_t err = {0};
    CHECK_INT(agent_secrets_task(NULL, dir, td, &out, &err), 0);
    REQUIRE(out != NULL);
    CHECK(json_object_get(out, "plain") == NULL);
    CHECK_STR(pair(json_object_get(json_object_get(out, "a"), "files"), 1, 1), "file-y");
    json_decref(out);
    CHECK_INT(agent_secrets_task(NULL, "", td, &out, &err), -1);
    CHECK(strstr(err.message, "failed to download env files: container a: environmentFiles[0]") != NULL);
    CHECK(strstr(err.message, "no S3") != NULL && strstr(err.message, "--env-files-dir") != NULL);
    cleanup_json json_t *sec = json_loads(
        "{\"containerDefinitions\":[{\"name\":\"a\",\"secrets\":[{\"name\":\"P\",\"valueFrom\":\"/p\"}]}]}", 0, NULL);
    CHECK_INT(agent_secrets_task(NULL, "", sec, &out, &err), -1);
    CHECK(strncmp(err.message, "unable to pull secrets or registry auth: ", 41) == 0);
    cleanup_json json_t *none = json_loads("{\"containerDefinitions\":[{\"name\":\"a\"}]}", 0, NULL);
    CHECK_INT(agent_secrets_task(NULL, "", none, &out, &err), 0);
    CHECK(out == NULL);
    unlink(path);
    rmdir(sub);
    rmdir(dir);
}

TEST(agent_map_env_files_environment_secrets_order)
{
    cleanup_json json_t *td =
        json_loads("{\"family\":\"f\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"busybox\","
                   "\"environment\":[{\"name\":\"X\",\"value\":\"explicit\"},{\"name\":\"S\",\"value\":\"env\"}],"
                   "\"logConfiguration\":{\"logDriver\":\"json-file\",\"options\":{\"max-size\":\"1m\"}}}]}",
                   0, NULL);
    cleanup_json json_t *inj = json_loads(
        "{\"a\":{\"files\":[[\"X\",\"file\"],[\"Y\",\"file-y\"],[\"S\",\"file-s\"]],\"secrets\":{\"S\":\"secret\"},"
        "\"log\":{\"splunk-token\":\"tok\"}}}",
        0, NULL);
    const char *names[] = {"ecs-f-1-a-x"};
    agent_map_task_t t = {.task_arn = "arn:aws:ecs:us-east-1:123456789012:task/c/28c22fdeced448ccb183f33e4e8c3a3b",
                          .cluster = "c",
                          .taskdef = td,
                          .docker_names = names,
                          .volumes_dir = "/v",
                          .injected = inj};
    ecs_error_t err;
    cleanup_json json_t *body = agent_map_create_body(&t, 0, &err);
    REQUIRE(body != NULL);
    cleanup_free char *env = json_dumps(json_object_get(body, "Env"), JSON_COMPACT);
    CHECK_STR(env, "[\"Y=file-y\",\"X=explicit\",\"S=secret\"]");
    const json_t *cfg = json_object_get(json_object_get(json_object_get(body, "HostConfig"), "LogConfig"), "Config");
    CHECK_STR(json_string_value(json_object_get(cfg, "splunk-token")), "tok");
    CHECK_STR(json_string_value(json_object_get(cfg, "max-size")), "1m");
}

TEST(aead_seals_and_refuses_forgeries)
{
    unsigned char key[AEAD_KEY_LEN] = {1, 2, 3}, other[AEAD_KEY_LEN] = {9};
    const char msg[] = "the database password";
    unsigned char sealed[sizeof msg + AEAD_OVERHEAD], plain[sizeof msg];
    CHECK_INT(aead_seal(key, "aad", 3, msg, sizeof msg, sealed), 0);
    CHECK(memmem(sealed, sizeof sealed, "password", 8) == NULL);
    CHECK_INT(aead_open(key, "aad", 3, sealed, sizeof sealed, plain), 0);
    CHECK_STR((const char *)plain, msg);
    CHECK_INT(aead_open(key, "aaX", 3, sealed, sizeof sealed, plain), -1);
    CHECK_INT(aead_open(other, "aad", 3, sealed, sizeof sealed, plain), -1);
    sealed[AEAD_NONCE_LEN + 2] ^= 1;
    CHECK_INT(aead_open(key, "aad", 3, sealed, sizeof sealed, plain), -1);
    CHECK_INT(aead_open(key, "aad", 3, sealed, AEAD_OVERHEAD - 1, plain), -1);
    /* an empty value too */
    unsigned char empty[AEAD_OVERHEAD];
    CHECK_INT(aead_seal(key, "", 0, "", 0, empty), 0);
    CHECK_INT(aead_open(key, "", 0, empty, sizeof empty, plain), 0);
}

TEST(aead_key_file_made_0600_and_kept)
{
    char dir[] = "/tmp/ecsd-key-XXXXXX", path[600];
    REQUIRE(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/secrets.key", dir);
    unsigned char a[AEAD_KEY_LEN], b[AEAD_KEY_LEN];
    ecs_error_t err = {0};
    CHECK_INT(aead_key_file(path, a, &err), 0);
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == AEAD_KEY_LEN);
    CHECK_INT(aead_key_file(path, b, &err), 0);
    CHECK(memcmp(a, b, sizeof a) == 0);
    chmod(path, 0644);
    CHECK_INT(aead_key_file(path, b, &err), -1);
    CHECK(strstr(err.message, "readable by others") != NULL);
    chmod(path, 0600);
    truncate(path, 5);
    CHECK_INT(aead_key_file(path, b, &err), -1);
    unlink(path);
    rmdir(dir);
}
