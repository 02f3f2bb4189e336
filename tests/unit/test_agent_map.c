/* Tests for agent/agent_map.c: container definition -> Docker create body,
 * Docker names, start order, networkBindings from inspect. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_map.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/28c22fde-ced4-48cc-b183-ff53c31d4f5d"

static const char *const two_names[] = {"ecs-web-3-db-28c22fdeced448ccb183", "ecs-web-3-app-28c22fdeced448ccb183"};

static json_t *web_taskdef(void)
{
    return json_loads(
        "{\"family\":\"web\",\"revision\":3,"
        "\"volumes\":[{\"name\":\"www\",\"host\":{\"sourcePath\":\"/srv/www\"}},{\"name\":\"scratch\"},"
        "             {\"name\":\"empty\",\"host\":{\"sourcePath\":\"\"}}],"
        "\"containerDefinitions\":["
        " {\"name\":\"db\",\"image\":\"busybox:latest\",\"cpu\":0,\"memory\":32,\"essential\":true,"
        "  \"environment\":[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"2\"}],"
        "  \"mountPoints\":[{\"sourceVolume\":\"scratch\",\"containerPath\":\"/data\",\"readOnly\":false}],"
        "  \"portMappings\":[],\"volumesFrom\":[],\"command\":[\"sleep\",\"9\"]},"
        " {\"name\":\"app\",\"image\":\"127.0.0.1:5000/busybox:latest\",\"cpu\":256,\"memory\":64,"
        "  \"links\":[\"db:database\",\"db\"],\"entryPoint\":[\"sh\",\"-c\"],\"command\":[\"httpd -f\"],"
        "  \"portMappings\":[{\"containerPort\":80,\"hostPort\":8080,\"protocol\":\"tcp\"},"
        "                   {\"containerPort\":53,\"protocol\":\"udp\"},{\"containerPort\":81,\"hostPort\":0}],"
        "  \"mountPoints\":[{\"sourceVolume\":\"www\",\"containerPath\":\"/www\",\"readOnly\":true},"
        "                  {\"sourceVolume\":\"empty\",\"containerPath\":\"/e\"}],"
        "  \"volumesFrom\":[{\"sourceContainer\":\"db\",\"readOnly\":true}],\"environment\":[]}]}",
        0, NULL);
}

static json_t *body_for(const json_t *td, const json_t *overrides, size_t i)
{
    agent_map_task_t t = {.task_arn = ARN, .cluster = "web", .taskdef = td, .overrides = overrides,
                          .docker_names = two_names, .volumes_dir = "/var/lib/ecsd/volumes/28c2"};
    ecs_error_t err;
    return agent_map_create_body(&t, i, &err);
}

static const char *str_at(const json_t *arr, size_t i) { return json_string_value(json_array_get(arr, i)); }

TEST(agent_map_docker_name)
{
    char name[AGENT_DOCKER_NAME_MAX];
    agent_map_docker_name("web", 3, "app", ARN, name);
    CHECK_STR(name, "ecs-web-3-app-28c22fdeced448ccb183");
    agent_map_docker_name("my_fam-ily", 12, "we!rd.na me", ARN, name);
    CHECK_STR(name, "ecs-my_fam-ily-12-werdname-28c22fdeced448ccb183");
    char longname[400];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    agent_map_docker_name(longname, 1, longname, ARN, name);
    CHECK(strlen(name) < AGENT_DOCKER_NAME_MAX);
    CHECK(strstr(name, "-28c22fdeced448ccb183") != NULL);
}

TEST(agent_map_resources_command_env_labels)
{
    cleanup_json json_t *td = web_taskdef();
    REQUIRE(td != NULL);
    cleanup_json json_t *db = body_for(td, NULL, 0);
    cleanup_json json_t *app = body_for(td, NULL, 1);
    REQUIRE(db != NULL && app != NULL);
    json_t *dbh = json_object_get(db, "HostConfig"), *apph = json_object_get(app, "HostConfig");
    CHECK(json_object_get(dbh, "CpuShares") == NULL); /* cpu 0: Docker's default */
    CHECK_INT(json_integer_value(json_object_get(apph, "CpuShares")), 256);
    CHECK_INT(json_integer_value(json_object_get(dbh, "Memory")), 32LL * 1024 * 1024);
    CHECK_INT(json_integer_value(json_object_get(apph, "Memory")), 64LL * 1024 * 1024);
    CHECK_STR(json_string_value(json_object_get(app, "Image")), "127.0.0.1:5000/busybox:latest");
    CHECK_STR(str_at(json_object_get(db, "Cmd"), 1), "9");
    CHECK(json_object_get(db, "Entrypoint") == NULL);
    CHECK_STR(str_at(json_object_get(app, "Entrypoint"), 0), "sh");
    json_t *env = json_object_get(db, "Env");
    CHECK_INT(json_array_size(env), 2);
    CHECK_STR(str_at(env, 0), "A=1");
    CHECK_STR(str_at(env, 1), "B=2");
    json_t *labels = json_object_get(app, "Labels");
    CHECK_STR(json_string_value(json_object_get(labels, "com.amazonaws.ecs.task-arn")), ARN);
    CHECK_STR(json_string_value(json_object_get(labels, "com.amazonaws.ecs.container-name")), "app");
    CHECK_STR(json_string_value(json_object_get(labels, "com.amazonaws.ecs.cluster")), "web");
    CHECK_STR(json_string_value(json_object_get(labels, "com.amazonaws.ecs.task-definition-family")), "web");
    CHECK_STR(json_string_value(json_object_get(labels, "com.amazonaws.ecs.task-definition-version")), "3");
}

TEST(agent_map_links_ports_binds_volumes_from)
{
    cleanup_json json_t *td = web_taskdef();
    cleanup_json json_t *app = body_for(td, NULL, 1);
    REQUIRE(app != NULL);
    json_t *h = json_object_get(app, "HostConfig");
    json_t *links = json_object_get(h, "Links");
    CHECK_INT(json_array_size(links), 2);
    CHECK_STR(str_at(links, 0), "ecs-web-3-db-28c22fdeced448ccb183:database");
    CHECK_STR(str_at(links, 1), "ecs-web-3-db-28c22fdeced448ccb183:db");
    json_t *exposed = json_object_get(app, "ExposedPorts");
    CHECK(json_object_get(exposed, "80/tcp") != NULL);
    CHECK(json_object_get(exposed, "53/udp") != NULL);
    CHECK(json_object_get(exposed, "81/tcp") != NULL);
    json_t *pb = json_object_get(h, "PortBindings");
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(pb, "80/tcp"), 0), "HostPort")),
              "8080");
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(pb, "53/udp"), 0), "HostPort")), "");
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(pb, "81/tcp"), 0), "HostPort")), "");
    json_t *binds = json_object_get(h, "Binds");
    CHECK_INT(json_array_size(binds), 2);
    CHECK_STR(str_at(binds, 0), "/srv/www:/www:ro");
    CHECK_STR(str_at(binds, 1), "/var/lib/ecsd/volumes/28c2/empty:/e");
    CHECK_STR(str_at(json_object_get(h, "VolumesFrom"), 0), "ecs-web-3-db-28c22fdeced448ccb183:ro");
    cleanup_json json_t *db = body_for(td, NULL, 0);
    CHECK_STR(str_at(json_object_get(json_object_get(db, "HostConfig"), "Binds"), 0),
              "/var/lib/ecsd/volumes/28c2/scratch:/data");
}

TEST(agent_map_overrides)
{
    cleanup_json json_t *td = web_taskdef();
    cleanup_json json_t *ov = json_loads(
        "{\"containerOverrides\":[{\"name\":\"app\"},{\"name\":\"db\",\"command\":[\"echo\",\"hi\"],"
        "\"environment\":[{\"name\":\"B\",\"value\":\"over\"},{\"name\":\"C\",\"value\":\"3\"}]}]}",
        0, NULL);
    cleanup_json json_t *db = body_for(td, ov, 0);
    REQUIRE(db != NULL);
    json_t *cmd = json_object_get(db, "Cmd");
    CHECK_INT(json_array_size(cmd), 2);
    CHECK_STR(str_at(cmd, 0), "echo");
    json_t *env = json_object_get(db, "Env");
    CHECK_INT(json_array_size(env), 3);
    CHECK_STR(str_at(env, 0), "A=1");
    CHECK_STR(str_at(env, 1), "B=over");
    CHECK_STR(str_at(env, 2), "C=3");
    cleanup_json json_t *app = body_for(td, ov, 1); /* an entry without command keeps the definition's */
    CHECK_STR(str_at(json_object_get(app, "Cmd"), 0), "httpd -f");
}

TEST(agent_map_small_values)
{
    cleanup_json json_t *td = json_loads("{\"family\":\"f\",\"revision\":1,\"containerDefinitions\":["
                                         "{\"name\":\"a\",\"image\":\"i\",\"cpu\":1,\"memory\":4}]}",
                                         0, NULL);
    cleanup_json json_t *b = body_for(td, NULL, 0);
    REQUIRE(b != NULL);
    json_t *h = json_object_get(b, "HostConfig");
    CHECK_INT(json_integer_value(json_object_get(h, "CpuShares")), 2);               /* kernel minimum */
    CHECK_INT(json_integer_value(json_object_get(h, "Memory")), 6LL * 1024 * 1024); /* Docker minimum */
    CHECK(json_object_get(b, "Cmd") == NULL);
}

TEST(agent_map_bad_references)
{
    cleanup_json json_t *td = json_loads("{\"family\":\"f\",\"revision\":1,\"containerDefinitions\":["
                                         "{\"name\":\"a\",\"image\":\"i\",\"memory\":8,\"links\":[\"nope\"]},"
                                         "{\"name\":\"b\",\"image\":\"i\",\"memory\":8,"
                                         "\"mountPoints\":[{\"sourceVolume\":\"v\",\"containerPath\":\"/v\"}]}]}",
                                         0, NULL);
    CHECK(body_for(td, NULL, 0) == NULL);
    CHECK(body_for(td, NULL, 1) == NULL);
}

static int order_of(const char *defs_json, size_t *order, ecs_error_t *err)
{
    cleanup_json json_t *defs = json_loads(defs_json, 0, NULL);
    return agent_map_start_order(defs, order, err);
}

TEST(agent_map_start_order)
{
    size_t order[4];
    ecs_error_t err;
    /* app links db and takes volumes from data: both come first */
    REQUIRE(order_of("[{\"name\":\"app\",\"links\":[\"db:d\"],\"volumesFrom\":[{\"sourceContainer\":\"data\"}]},"
                     " {\"name\":\"db\",\"volumesFrom\":[{\"sourceContainer\":\"data\"}]},"
                     " {\"name\":\"data\"},{\"name\":\"free\"}]",
                     order, &err) == 0);
    CHECK_INT(order[0], 2); /* data */
    CHECK_INT(order[1], 1); /* db */
    CHECK_INT(order[2], 0); /* app */
    CHECK_INT(order[3], 3); /* free */
    /* no dependencies: definition order */
    REQUIRE(order_of("[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}]", order, &err) == 0);
    CHECK(order[0] == 0 && order[1] == 1 && order[2] == 2);
    /* a cycle, a link to nobody, a link to itself */
    CHECK(order_of("[{\"name\":\"a\",\"links\":[\"b\"]},{\"name\":\"b\",\"volumesFrom\":[{\"sourceContainer\":\"a\"}]}]",
                   order, &err) < 0);
    CHECK(strstr(err.message, "cycle") != NULL);
    CHECK(order_of("[{\"name\":\"a\",\"links\":[\"x\"]}]", order, &err) < 0);
    CHECK(order_of("[{\"name\":\"a\",\"links\":[\"a\"]}]", order, &err) < 0);
    CHECK(order_of("[]", order, &err) == 0);
}

TEST(agent_map_bindings)
{
    cleanup_json json_t *inspect = json_loads(
        "{\"NetworkSettings\":{\"Ports\":{"
        "\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"},{\"HostIp\":\"::\",\"HostPort\":\"8080\"}],"
        "\"81/tcp\":[{\"HostIp\":\"::\",\"HostPort\":\"49153\"},{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"49153\"}],"
        "\"53/udp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"49154\"}],"
        "\"9000/tcp\":null}}}",
        0, NULL);
    cleanup_json json_t *b = agent_map_bindings(inspect);
    REQUIRE(json_array_size(b) == 3);
    json_t *first = json_array_get(b, 0);
    CHECK_STR(json_string_value(json_object_get(first, "bindIP")), "0.0.0.0");
    CHECK_INT(json_integer_value(json_object_get(first, "containerPort")), 80);
    CHECK_INT(json_integer_value(json_object_get(first, "hostPort")), 8080);
    CHECK_STR(json_string_value(json_object_get(first, "protocol")), "tcp");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(b, 1), "hostPort")), 49153);
    CHECK_STR(json_string_value(json_object_get(json_array_get(b, 1), "bindIP")), "0.0.0.0");
    CHECK_STR(json_string_value(json_object_get(json_array_get(b, 2), "protocol")), "udp");
    cleanup_json json_t *none = agent_map_bindings(NULL);
    CHECK(json_is_array(none) && json_array_size(none) == 0);
}
