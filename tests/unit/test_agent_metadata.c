/* Tests for agent/agent_metadata_view.c: the ids (UUID form, stable, one
 * per container and task role), the variables each container gets (the
 * definition's own win), the v4 and v3 container and task views in the
 * ECS agent's shapes, the credentials lookup (only by the task's id, not
 * after the task stopped) and a role the server cannot serve failing the
 * task. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_engine_int.h"
#include "agent/agent_map.h"
#include "agent/agent_opts.h"
#include "agent/agent_metadata.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/web/0123456789abcdef0123456789abcdef"

static json_t *entry(void)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:[{s:s, s:s}, {s:s, s:s}],"
        " s:{s:s, s:i, s:s, s:s, s:[{s:s, s:s, s:i, s:i, s:{s:s, s:{s:s}}, s:[{s:s, s:s}]},"
        "                           {s:s, s:s, s:i, s:b}]},"
        " s:{s:s, s:s, s:s, s:s, s:I}}",
        "taskArn", ARN, "clusterArn", "arn:aws:ecs:us-east-1:123456789012:cluster/web", "launchType", "EC2",
        "group", "service:api", "availabilityZone", "", "tags", "key", "team", "value", "web", "containers", "name",
        "app", "containerArn", "arn:aws:ecs:us-east-1:123456789012:container/web/x/app", "name", "side",
        "containerArn", "arn:c/side", "taskDefinition", "family", "api", "revision", 7, "taskRoleArn",
        "arn:aws:iam::123456789012:role/app", "memory", "512", "containerDefinitions", "name", "app", "image",
        "busybox", "cpu", 128, "memory", 64, "logConfiguration", "logDriver", "json-file", "options", "max-size",
        "1m", "environment", "name", "AWS_REGION", "value", "eu-west-9", "name", "side", "image", "busybox:1",
        "memory", 32, "essential", 0, "roleCredentials", "roleArn", "arn:aws:iam::123456789012:role/app",
        "accessKeyId", "AKIDOWN", "secretAccessKey", "s3cr3t", "sessionToken", "ecsd1.x", "expiration",
        (json_int_t)1800021600);
}

static agent_engine_t *engine(void)
{
    agent_engine_cfg_t cfg = {.cluster = "web", .data_dir = "/tmp", .stop_timeout_s = 1, .cleanup_delay_ms = 0};
    agent_runtime_t rt = {0};
    agent_engine_t *e = agent_engine_new(rt, NULL, &cfg);
    agent_tmds_cfg_t t = {.url = "http://169.254.170.2", .region = "us-east-1", .az = "us-east-1b"};
    memset(t.key, 7, sizeof t.key);
    if (e != NULL)
        agent_engine_set_tmds(e, &t);
    return e;
}

static const char *env_value(const json_t *env, const char *name)
{
    size_t i;
    json_t *kv;
    json_array_foreach(env, i, kv) if (strcmp(json_string_value(json_object_get(kv, "name")), name) == 0) return json_string_value(
        json_object_get(kv, "value"));
    return NULL;
}

TEST(agent_metadata_ids_env_and_create_body)
{
    agent_engine_t *e = engine();
    REQUIRE(e != NULL);
    cleanup_json json_t *en = entry();
    agent_task_t *t = agent_task_from_poll(en);
    REQUIRE(t != NULL && t->n == 2);
    agent_meta_take(e, t, en, true);
    /* UUID form, one per container, the same again */
    CHECK(strlen(t->c[0].endpoint_id) == 36 && t->c[0].endpoint_id[14] == '4');
    CHECK(strcmp(t->c[0].endpoint_id, t->c[1].endpoint_id) != 0);
    CHECK(strlen(t->creds_id) == 36 && strcmp(t->creds_id, t->c[0].endpoint_id) != 0);
    char again[40];
    unsigned char key[AGENT_ID_KEY_SIZE];
    memset(key, 7, sizeof key);
    agent_meta_id(key, "v4", ARN, "app", again);
    CHECK_STR(again, t->c[0].endpoint_id);
    key[0] = 8; /* another agent's key: another id */
    agent_meta_id(key, "v4", ARN, "app", again);
    CHECK(strcmp(again, t->c[0].endpoint_id) != 0);
    CHECK_STR(t->c[0].arn, "arn:aws:ecs:us-east-1:123456789012:container/web/x/app");

    cleanup_json json_t *env = agent_meta_env(e, t, 0);
    char want[128];
    snprintf(want, sizeof want, "http://169.254.170.2/v4/%s", t->c[0].endpoint_id);
    CHECK_STR(env_value(env, "ECS_CONTAINER_METADATA_URI_V4"), want);
    CHECK_STR(env_value(env, "ECS_AGENT_URI"), want);
    snprintf(want, sizeof want, "http://169.254.170.2/v3/%s", t->c[0].endpoint_id);
    CHECK_STR(env_value(env, "ECS_CONTAINER_METADATA_URI"), want);
    snprintf(want, sizeof want, "/v2/credentials/%s", t->creds_id);
    CHECK_STR(env_value(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), want);
    CHECK_STR(env_value(env, "AWS_DEFAULT_REGION"), "us-east-1");
    CHECK_STR(env_value(env, "AWS_EXECUTION_ENV"), "AWS_ECS_EC2");

    /* in the create body the definition's own AWS_REGION wins, once */
    const char *names[] = {t->c[0].docker_name, t->c[1].docker_name};
    agent_map_task_t mt = {.task_arn = ARN, .cluster = "web", .taskdef = t->taskdef, .docker_names = names,
                           .volumes_dir = "/tmp/v", .agent_env = env};
    ecs_error_t err;
    cleanup_json json_t *body = agent_map_create_body(&mt, 0, &err);
    REQUIRE(body != NULL);
    int regions = 0, uri = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(body, "Env"), i, s) {
        regions += strncmp(json_string_value(s), "AWS_REGION=", 11) == 0;
        uri += strncmp(json_string_value(s), "ECS_CONTAINER_METADATA_URI_V4=http://169.254.170.2/v4/", 54) == 0;
        CHECK(strcmp(json_string_value(s), "AWS_REGION=us-east-1") != 0);
    }
    CHECK(regions == 1 && uri == 1);

    /* no endpoint: only the region and the execution environment */
    agent_tmds_cfg_t off = {.url = "", .region = "us-east-1"};
    agent_engine_set_tmds(e, &off);
    cleanup_json json_t *env2 = agent_meta_env(e, t, 1);
    CHECK(json_array_size(env2) == 3 && env_value(env2, "ECS_CONTAINER_METADATA_URI_V4") == NULL);
    json_object_set_new(t->info, "launchType", json_string("FARGATE"));
    cleanup_json json_t *env3 = agent_meta_env(e, t, 1);
    CHECK_STR(env_value(env3, "AWS_EXECUTION_ENV"), "AWS_ECS_FARGATE");
    agent_task_free(t);
    agent_engine_free(e);
}

TEST(agent_metadata_views_v4_v3)
{
    agent_engine_t *e = engine();
    cleanup_json json_t *en = entry();
    agent_task_t *t = agent_task_from_poll(en);
    REQUIRE(e != NULL && t != NULL);
    agent_meta_take(e, t, en, true);
    snprintf(t->c[0].docker_id, sizeof t->c[0].docker_id, "d0c0");
    t->c[0].known = AGENT_RUNNING;
    t->c[1].known = AGENT_CREATED;
    t->c[0].inspect = json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}, s:{s:s}, s:{s:{s:{s:s}}}}", "Image",
                                "sha256:abc", "Created", "2026-12-04T01:00:00.1Z", "State", "StartedAt",
                                "2026-12-04T01:00:01.2Z", "FinishedAt", "0001-01-01T00:00:00Z", "Config", "Labels",
                                "l", "v", "HostConfig", "NetworkMode", "default", "NetworkSettings", "Networks",
                                "bridge", "IPAddress", "172.17.0.2");
    t->c[0].bindings = json_pack("[{s:s, s:i, s:i, s:s}]", "bindIP", "0.0.0.0", "containerPort", 80, "hostPort",
                                 32768, "protocol", "tcp");
    t->pull_started_ms = 1800000000123;
    t->pull_stopped_ms = 1800000001456;
    cleanup_json json_t *c = agent_meta_container_view(t, 0, 4);
    cleanup_json json_t *want = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:{s:s}, s:s, s:s, s:{s:i, s:i}, s:s, s:s, s:s, s:[{s:i, s:i, s:s, s:s}],"
        " s:[{s:s, s:[s]}], s:s, s:{s:s}, s:s}",
        "DockerId", "d0c0", "Name", "app", "DockerName", t->c[0].docker_name, "Image", "busybox", "ImageID",
        "sha256:abc", "Labels", "l", "v", "DesiredStatus", "RUNNING", "KnownStatus", "RUNNING", "Limits", "CPU", 128,
        "Memory", 64, "CreatedAt", "2026-12-04T01:00:00.1Z", "StartedAt", "2026-12-04T01:00:01.2Z", "Type",
        "NORMAL", "Ports", "ContainerPort", 80, "HostPort", 32768, "Protocol", "tcp", "HostIp", "0.0.0.0",
        "Networks", "NetworkMode", "bridge", "IPv4Addresses", "172.17.0.2", "LogDriver", "json-file", "LogOptions",
        "max-size", "1m", "ContainerARN", "arn:aws:ecs:us-east-1:123456789012:container/web/x/app");
    if (!json_equal(c, want)) {
        char *got = json_dumps(c, JSON_SORT_KEYS);
        fprintf(stderr, "  got %s\n", got);
        free(got);
        *test_failed_ = 1;
    }
    cleanup_json json_t *c3 = agent_meta_container_view(t, 0, 3);
    CHECK(json_object_get(c3, "ContainerARN") == NULL && json_object_get(c3, "LogDriver") == NULL);
    CHECK(json_object_get(c3, "Networks") != NULL);

    cleanup_json json_t *task = agent_meta_task_view(t, "us-east-1b", 4, false);
    CHECK_STR(json_string_value(json_object_get(task, "Cluster")), "arn:aws:ecs:us-east-1:123456789012:cluster/web");
    CHECK_STR(json_string_value(json_object_get(task, "TaskARN")), ARN);
    CHECK_STR(json_string_value(json_object_get(task, "Family")), "api");
    CHECK_STR(json_string_value(json_object_get(task, "Revision")), "7");
    CHECK_STR(json_string_value(json_object_get(task, "KnownStatus")), "CREATED"); /* the least advanced */
    CHECK_STR(json_string_value(json_object_get(task, "DesiredStatus")), "RUNNING");
    CHECK_STR(json_string_value(json_object_get(task, "LaunchType")), "EC2");
    CHECK_STR(json_string_value(json_object_get(task, "ServiceName")), "api");
    CHECK_STR(json_string_value(json_object_get(task, "AvailabilityZone")), "us-east-1b");
    CHECK_STR(json_string_value(json_object_get(task, "PullStartedAt")), "2027-01-15T08:00:00.123Z");
    CHECK_STR(json_string_value(json_object_get(task, "PullStoppedAt")), "2027-01-15T08:00:01.456Z");
    CHECK(json_integer_value(json_object_get(json_object_get(task, "Limits"), "Memory")) == 512);
    CHECK(json_object_get(json_object_get(task, "Limits"), "CPU") == NULL);
    CHECK(json_is_false(json_object_get(task, "FaultInjectionEnabled")));
    CHECK(json_array_size(json_object_get(task, "Containers")) == 2);
    CHECK(json_object_get(task, "TaskTags") == NULL);
    cleanup_json json_t *tags = agent_meta_task_view(t, "", 4, true);
    CHECK_STR(json_string_value(json_object_get(json_object_get(tags, "TaskTags"), "team")), "web");
    CHECK(json_object_size(json_object_get(tags, "ContainerInstanceTags")) == 0);
    cleanup_json json_t *t3 = agent_meta_task_view(t, "", 3, false);
    CHECK(json_object_get(t3, "LaunchType") == NULL && json_object_get(t3, "FaultInjectionEnabled") == NULL);
    CHECK(json_object_get(t3, "AvailabilityZone") == NULL);
    agent_task_free(t);
    agent_engine_free(e);
}

TEST(agent_metadata_lookups_and_credentials)
{
    agent_engine_t *e = engine();
    cleanup_json json_t *en = entry();
    agent_task_t *t = agent_task_from_poll(en);
    REQUIRE(e != NULL && t != NULL);
    agent_meta_take(e, t, en, true);
    e->tasks = t;
    json_t *v = NULL;
    CHECK(agent_engine_metadata(e, t->c[1].endpoint_id, 4, AGENT_META_CONTAINER, &v) == 1);
    CHECK_STR(json_string_value(json_object_get(v, "Name")), "side");
    json_decref(v);
    CHECK(agent_engine_metadata(e, t->creds_id, 4, AGENT_META_CONTAINER, &v) == 0); /* not a container's id */
    CHECK(agent_engine_metadata(e, "", 4, AGENT_META_TASK, &v) == 0);
    CHECK(agent_engine_credentials(e, t->c[0].endpoint_id, NULL, &v) == 0); /* a metadata id is not a credentials id */
    CHECK(agent_engine_credentials(e, "", NULL, &v) == 0);
    REQUIRE(agent_engine_credentials(e, t->creds_id, NULL, &v) == 1);
    cleanup_json json_t *want = json_pack("{s:s, s:s, s:s, s:s, s:s}", "RoleArn", "arn:aws:iam::123456789012:role/app",
                                          "AccessKeyId", "AKIDOWN", "SecretAccessKey", "s3cr3t", "Token", "ecsd1.x",
                                          "Expiration", "2027-01-15T14:00:00.000Z");
    CHECK(json_equal(v, want));
    json_decref(v);
    char shorter[40];
    snprintf(shorter, sizeof shorter, "%.35s", t->creds_id);
    CHECK(agent_engine_credentials(e, shorter, NULL, &v) == 0);
    /* renewed by the next poll */
    cleanup_json json_t *next = json_pack("{s:{s:s, s:s, s:s, s:s, s:I}}", "roleCredentials", "roleArn", "r",
                                          "accessKeyId", "AKIDNEW", "secretAccessKey", "n", "sessionToken", "",
                                          "expiration", (json_int_t)1);
    CHECK(agent_engine_exec_credentials(e, ARN, &v) == 0); /* no execution role yet */
    json_object_set_new(next, "executionRoleCredentials",
                        json_pack("{s:s, s:s, s:s, s:s, s:I}", "roleArn", "x", "accessKeyId", "AKIDEXEC",
                                  "secretAccessKey", "e", "sessionToken", "t", "expiration", (json_int_t)1));
    agent_meta_take(e, t, next, false);
    REQUIRE(agent_engine_credentials(e, t->creds_id, NULL, &v) == 1);
    CHECK_STR(json_string_value(json_object_get(v, "AccessKeyId")), "AKIDNEW");
    json_decref(v);
    REQUIRE(agent_engine_exec_credentials(e, ARN, &v) == 1); /* the agent's own, never by a container's id */
    CHECK_STR(json_string_value(json_object_get(v, "AccessKeyId")), "AKIDEXEC");
    json_decref(v);
    /* asked from a bridge container of another task: refused; from one of its own or the host: served */
    cleanup_json json_t *other = entry();
    json_object_set_new(other, "taskArn", json_string(ARN "ff"));
    agent_task_t *u = agent_task_from_poll(other);
    REQUIRE(u != NULL);
    u->c[0].known = t->c[0].known = AGENT_RUNNING;
    u->c[0].inspect = json_pack("{s:{s:{s:{s:s}}}}", "NetworkSettings", "Networks", "bridge", "IPAddress",
                                "172.17.0.9");
    t->c[0].inspect = json_pack("{s:{s:{s:{s:s}}}}", "NetworkSettings", "Networks", "bridge", "IPAddress",
                                "172.17.0.5");
    t->next = u;
    CHECK(agent_engine_credentials(e, t->creds_id, "172.17.0.9", &v) == 0);
    CHECK(agent_engine_credentials(e, t->creds_id, "172.17.0.5", &v) == 1);
    json_decref(v);
    CHECK(agent_engine_credentials(e, t->creds_id, "169.254.170.2", &v) == 1);
    json_decref(v);
    u->c[0].known = AGENT_STOPPED; /* an address of a stopped container counts for nobody */
    CHECK(agent_engine_credentials(e, t->creds_id, "172.17.0.9", &v) == 1);
    json_decref(v);
    t->next = NULL;
    agent_task_free(u);
    t->stopped_sent = true; /* the task stopped: its credentials are gone */
    CHECK(agent_engine_credentials(e, t->creds_id, NULL, &v) == 0);
    e->tasks = NULL;
    agent_task_free(t);

    /* a role the server cannot serve fails the task before it starts */
    json_object_set_new(en, "credentialsError", json_string("ResourceInitializationError: unable to get x"));
    t = agent_task_from_poll(en);
    REQUIRE(t != NULL);
    agent_meta_take(e, t, en, true);
    CHECK(t->n == 0 && t->desired_stopped);
    CHECK_STR(t->stop_reason, "ResourceInitializationError: unable to get x");
    agent_task_free(t);
    agent_engine_free(e);
}

static int endpoint_opts(const char *ep, const char *setup, agent_opts_t *o, ecs_error_t *err)
{
    char *argv[] = {"agent", "--task-endpoint", (char *)ep, "--task-endpoint-setup", (char *)setup, NULL};
    static ecsd_config_t cfg;
    config_free(&cfg);
    memset(&cfg, 0, sizeof cfg);
    if (config_parse(&cfg, CFG_AGENT, "agent", 5, argv) != 0)
        return -2;
    return agent_opts_from_config(&cfg, o, err);
}

TEST(agent_metadata_endpoint_options)
{
    agent_opts_t o;
    ecs_error_t err = {0};
    static ecsd_config_t def;
    char *argv[] = {"agent", NULL};
    REQUIRE(config_parse(&def, CFG_AGENT, "agent", 1, argv) == 0);
    REQUIRE(agent_opts_from_config(&def, &o, &err) == 0);
    CHECK_STR(o.task_endpoint, AGENT_TMDS_DEFAULT); /* as the ECS agent */
    CHECK(o.task_endpoint_setup);
    config_free(&def);
    REQUIRE(endpoint_opts("172.17.0.1:51679", "none", &o, &err) == 0);
    CHECK_STR(o.task_endpoint, "172.17.0.1:51679");
    CHECK(!o.task_endpoint_setup);
    REQUIRE(endpoint_opts("", "auto", &o, &err) == 0);
    CHECK_STR(o.task_endpoint, "");
    CHECK(endpoint_opts("1.2.3.4:80", "sometimes", &o, &err) == -1);
    CHECK(strstr(err.message, "--task-endpoint-setup must be auto or none") != NULL);
    endpoint_opts("", "auto", &o, &err); /* frees the last one */
}
