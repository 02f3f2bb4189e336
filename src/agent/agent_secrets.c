/* agent_secrets.c - secrets and environment files of a task
 * (agent/agent_secrets.h). */
#include "agent/agent_secrets.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_envfile.h"
#include "common/cleanup.h"
#include "common/log.h"

#define PULL "unable to pull secrets or registry auth: execution resource retrieval failed: "
#define RETRIED "service call has been retried 1 time(s): "
#define SM_ARN "arn:aws:secretsmanager:"
#define SSM_ARN "arn:aws:ssm:"

typedef struct resolve {
    agent_client_t *client;
    json_t *missing; /* Parameter Store names not found, reported together as ECS does */
} resolve_t;

static const char *str(const json_t *o, const char *m)
{
    return json_string_value(json_object_get(o, m));
}

/* err, its type and message put after prefix (copied first: they are
 * read while err is written). */
static int wrap(ecs_error_t *err, const char *prefix, const char *what)
{
    ecs_error_t was = *err;
    return ecs_err(err, 400, was.type, "%s%s%s: %s", prefix, what, was.type, was.message);
}

/* The region field of an ARN (its 4th), into out; "" when absent. */
static void arn_region(const char *arn, char *out, size_t cap)
{
    out[0] = '\0';
    const char *p = arn;
    for (int i = 0; i < 3 && p != NULL; i++) {
        p = strchr(p, ':');
        p = p ? p + 1 : NULL;
    }
    if (p != NULL)
        snprintf(out, cap, "%.*s", (int)strcspn(p, ":"), p);
}

/* A Parameter Store value: 0, 1 when missing (noted), -1 with err. */
static int from_ssm(resolve_t *r, const char *from, char **value, ecs_error_t *err)
{
    char region[64];
    arn_region(from, region, sizeof region);
    bool arn = strncmp(from, SSM_ARN, strlen(SSM_ARN)) == 0;
    cleanup_json json_t *req = json_pack("{s:[s], s:b}", "Names", from, "WithDecryption", 1);
    cleanup_free char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    cleanup_json json_t *ans = NULL;
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    if (agent_client_call_service(r->client, "ssm", arn && region[0] ? region : NULL, "AmazonSSM.GetParameters", body,
                                  &ans, err) < 0)
        return wrap(err, PULL "unable to retrieve secrets from ssm: " RETRIED, "");
    const json_t *p = json_array_get(json_object_get(ans, "Parameters"), 0);
    if (str(p, "Value") == NULL) {
        json_array_append_new(r->missing, json_string(from));
        return 1;
    }
    *value = strdup(str(p, "Value"));
    return *value ? 0 : ecs_server_err(err, "out of memory");
}

/* A Secrets Manager value: valueFrom is the secret's ARN, optionally
 * followed by :json-key:version-stage:version-id (each may be empty). */
static int from_asm(resolve_t *r, const char *from, char **value, ecs_error_t *err)
{
    const char *parts[10] = {0};
    size_t lens[10] = {0};
    int n = 0;
    for (const char *p = from; n < 10; n++) {
        parts[n] = p;
        lens[n] = strcspn(p, ":");
        if (p[lens[n]] == '\0') {
            n++;
            break;
        }
        p += lens[n] + 1;
    }
    if (n < 7 || (n == 10 && parts[9][lens[9]] != '\0'))
        return ecs_client_err(err, PULL "unable to retrieve secret from asm: the secret ARN %.300s is not valid", from);
    size_t id_len = (size_t)(parts[6] + lens[6] - from);
    char id[2100], key[600] = "", stage[300] = "", vid[100] = "", region[64];
    snprintf(id, sizeof id, "%.*s", (int)id_len, from);
    if (n > 7)
        snprintf(key, sizeof key, "%.*s", (int)lens[7], parts[7]);
    if (n > 8)
        snprintf(stage, sizeof stage, "%.*s", (int)lens[8], parts[8]);
    if (n > 9)
        snprintf(vid, sizeof vid, "%.*s", (int)lens[9], parts[9]);
    arn_region(from, region, sizeof region);
    cleanup_json json_t *req = json_pack("{s:s}", "SecretId", id);
    if (req == NULL)
        return ecs_server_err(err, "out of memory");
    if (stage[0] != '\0')
        json_object_set_new(req, "VersionStage", json_string(stage));
    if (vid[0] != '\0')
        json_object_set_new(req, "VersionId", json_string(vid));
    cleanup_free char *body = json_dumps(req, JSON_COMPACT);
    cleanup_json json_t *ans = NULL;
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    if (agent_client_call_service(r->client, "secretsmanager", region[0] ? region : NULL,
                                  "secretsmanager.GetSecretValue", body, &ans, err) < 0) {
        char what[2200];
        snprintf(what, sizeof what, "failed to fetch secret %.300s from secrets manager: ", id);
        return wrap(err, PULL "unable to retrieve secret from asm: " RETRIED, what);
    }
    const char *text = str(ans, "SecretString");
    if (text == NULL)
        return ecs_client_err(err,
                              PULL "unable to retrieve secret from asm: the secret %.300s has a binary value, "
                                   "which cannot be an environment variable",
                              id);
    if (key[0] == '\0') {
        *value = strdup(text);
        return *value ? 0 : ecs_server_err(err, "out of memory");
    }
    cleanup_json json_t *doc = json_loads(text, JSON_DECODE_ANY, NULL);
    const json_t *v = json_object_get(doc, key);
    if (!json_is_object(doc))
        return ecs_client_err(err,
                              PULL "unable to retrieve secret from asm: the value of secret %.300s is not a "
                                   "JSON object, so it has no json key %.200s",
                              id, key);
    if (v == NULL)
        return ecs_client_err(err,
                              PULL "unable to retrieve secret from asm: retrieved secret from Secrets Manager "
                                   "did not contain json key %.200s",
                              key);
    *value = json_is_string(v) ? strdup(json_string_value(v)) : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return *value ? 0 : ecs_server_err(err, "out of memory");
}

/* Every {name, valueFrom} of list into obj {name: value}. */
static int resolve_list(resolve_t *r, const json_t *list, json_t *obj, ecs_error_t *err)
{
    size_t i;
    const json_t *s;
    json_array_foreach(list, i, s)
    {
        const char *name = str(s, "name"), *from = str(s, "valueFrom");
        if (name == NULL || from == NULL)
            continue;
        if (r->client == NULL)
            return ecs_client_err(err, PULL "this agent has no server to fetch %.300s from", from);
        cleanup_free char *value = NULL;
        bool asm_ = strncmp(from, SM_ARN, strlen(SM_ARN)) == 0;
        int rc = asm_ ? from_asm(r, from, &value, err) : from_ssm(r, from, &value, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            json_object_set_new(obj, name, json_string(value));
    }
    return 0;
}

static int read_file(const char *path, char **text, size_t *n, char *why, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(why, cap, "cannot read %.300s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (st.st_size > AGENT_ENVFILE_MAX) {
        close(fd);
        snprintf(why, cap, "%.300s is larger than %d bytes", path, AGENT_ENVFILE_MAX);
        return -1;
    }
    char *buf = malloc((size_t)st.st_size + 1);
    ssize_t got = buf ? read(fd, buf, (size_t)st.st_size) : -1;
    close(fd);
    if (got < 0) {
        free(buf);
        snprintf(why, cap, "cannot read %.300s", path);
        return -1;
    }
    *text = buf;
    *n = (size_t)got;
    return 0;
}

/* The container's environmentFiles, in order, into pairs. */
static int env_files(const char *dir, const char *cname, const json_t *files, json_t *pairs, ecs_error_t *err)
{
    size_t i;
    const json_t *f;
    json_array_foreach(files, i, f)
    {
        const char *value = str(f, "value"), *type = str(f, "type");
        value = value ? value : "";
        if (type != NULL && strcmp(type, "s3") != 0)
            return ecs_client_err(err,
                                  "failed to download env files: container %s: environmentFiles[%zu]: type "
                                  "%.40s is not s3",
                                  cname, i, type);
        if (dir == NULL || dir[0] == '\0')
            return ecs_client_err(err,
                                  "failed to download env files: container %s: environmentFiles[%zu]: %.300s: "
                                  "ecsd has no S3; start the agent with --env-files-dir DIR to read "
                                  "arn:aws:s3:::BUCKET/KEY from DIR/BUCKET/KEY",
                                  cname, i, value);
        char path[4200], why[800];
        cleanup_free char *text = NULL;
        size_t n = 0;
        if (agent_envfile_path(dir, value, path, sizeof path, why, sizeof why) < 0 ||
            read_file(path, &text, &n, why, sizeof why) < 0)
            return ecs_client_err(err, "failed to download env files: container %s: environmentFiles[%zu]: %s", cname,
                                  i, why);
        int skipped = agent_envfile_parse(text, n, pairs);
        if (skipped > 0)
            log_warn("container %s: %s: %d line(s) not of the form VARIABLE=VALUE skipped", cname, path, skipped);
    }
    return 0;
}

int agent_secrets_task(agent_client_t *client, const char *env_dir, const json_t *taskdef, json_t **out,
                       ecs_error_t *err)
{
    *out = NULL;
    resolve_t r = {.client = client, .missing = json_array()};
    cleanup_json json_t *missing = r.missing;
    cleanup_json json_t *all = json_object();
    if (all == NULL || missing == NULL)
        return ecs_server_err(err, "out of memory");
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(taskdef, "containerDefinitions"), i, c)
    {
        const char *cname = str(c, "name");
        const json_t *secrets = json_object_get(c, "secrets"), *files = json_object_get(c, "environmentFiles");
        const json_t *opts = json_object_get(json_object_get(c, "logConfiguration"), "secretOptions");
        if (cname == NULL || json_array_size(secrets) + json_array_size(files) + json_array_size(opts) == 0)
            continue;
        json_t *mine = json_pack("{s:[], s:{}, s:{}}", "files", "secrets", "log");
        if (mine == NULL || json_object_set_new(all, cname, mine) < 0)
            return ecs_server_err(err, "out of memory");
        if (resolve_list(&r, secrets, json_object_get(mine, "secrets"), err) < 0 ||
            resolve_list(&r, opts, json_object_get(mine, "log"), err) < 0 ||
            env_files(env_dir, cname, files, json_object_get(mine, "files"), err) < 0)
            return -1;
    }
    if (json_array_size(missing) > 0) {
        char names[700] = "";
        size_t at = 0;
        json_t *m;
        json_array_foreach(missing, i, m)
        {
            int w = snprintf(names + at, sizeof names - at, "%s%s", i ? "," : "", json_string_value(m));
            at = w < 0 || (size_t)w >= sizeof names - at ? sizeof names - 1 : at + (size_t)w;
        }
        return ecs_client_err(err, PULL "unable to retrieve secrets from ssm: " RETRIED "invalid ssm parameters: %s",
                              names);
    }
    if (json_object_size(all) > 0)
        *out = json_incref(all);
    return 0;
}
