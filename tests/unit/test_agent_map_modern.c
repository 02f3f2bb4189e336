/* Tests for agent/agent_map_host.c and agent_map_task.c: today's container
 * definition members on Docker's create body, what the agent refuses
 * (with a reason naming the field), task-level limits, named volumes. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_map.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/web/28c22fdeced448ccb183ff53c31d4f5d"

static const char *const names[] = {"ecs-web-1-app-28c22fdeced448ccb183", "ecs-web-1-db-28c22fdeced448ccb183"};

static json_t *body(const char *taskdef_json, size_t i, const char *cgroup, ecs_error_t *err)
{
    cleanup_json json_t *td = json_loads(taskdef_json, 0, NULL);
    if (td == NULL)
        return NULL;
    agent_map_task_t t = {.task_arn = ARN,
                          .cluster = "c",
                          .taskdef = td,
                          .docker_names = names,
                          .volumes_dir = "/v",
                          .cgroup_parent = cgroup};
    return agent_map_create_body(&t, i, err);
}

static json_int_t int_at(const json_t *o, const char *k)
{
    return json_integer_value(json_object_get(o, k));
}
static const char *str_of(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

TEST(agent_map_modern_members)
{
    ecs_error_t err;
    cleanup_json json_t *b =
        body("{\"family\":\"web\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"busybox\","
             "\"memory\":64,\"memoryReservation\":32,\"user\":\"65534:65534\",\"workingDirectory\":\"/tmp\","
             "\"hostname\":\"apphost\",\"interactive\":true,\"pseudoTerminal\":true,\"privileged\":false,"
             "\"readonlyRootFilesystem\":true,\"stopTimeout\":7,"
             "\"dockerLabels\":{\"team\":\"blue\",\"com.amazonaws.ecs.cluster\":\"not-this\"},"
             "\"extraHosts\":[{\"hostname\":\"db.local\",\"ipAddress\":\"10.0.0.5\"}],"
             "\"dnsServers\":[\"10.0.0.2\"],\"dnsSearchDomains\":[\"corp\"],"
             "\"dockerSecurityOptions\":[\"no-new-privileges\"],"
             "\"systemControls\":[{\"namespace\":\"net.core.somaxconn\",\"value\":\"512\"}],"
             "\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":1024,\"hardLimit\":2048}],"
             "\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"],\"interval\":5,\"retries\":2,\"startPeriod\":1},"
             "\"logConfiguration\":{\"logDriver\":\"json-file\",\"options\":{\"max-size\":\"1m\",\"max-file\":\"2\"}},"
             "\"linuxParameters\":{\"capabilities\":{\"add\":[\"NET_ADMIN\"],\"drop\":[\"MKNOD\"]},"
             " \"devices\":[{\"hostPath\":\"/dev/null\",\"containerPath\":\"/dev/nothing\",\"permissions\":[\"read\"]},"
             "              {\"hostPath\":\"/dev/zero\"}],"
             " \"initProcessEnabled\":true,\"sharedMemorySize\":64,"
             " \"tmpfs\":[{\"containerPath\":\"/scratch\",\"size\":16,\"mountOptions\":[\"noexec\",\"nosuid\"]}],"
             " \"maxSwap\":128,\"swappiness\":10}}]}",
             0, "/ecs/28c2", &err);
    REQUIRE(b != NULL);
    json_t *h = json_object_get(b, "HostConfig");
    CHECK_STR(str_of(b, "User"), "65534:65534");
    CHECK_STR(str_of(b, "WorkingDir"), "/tmp");
    CHECK_STR(str_of(b, "Hostname"), "apphost");
    CHECK(json_is_true(json_object_get(b, "OpenStdin")) && json_is_true(json_object_get(b, "Tty")));
    CHECK_INT(int_at(b, "StopTimeout"), 7);
    json_t *labels = json_object_get(b, "Labels");
    CHECK_STR(str_of(labels, "team"), "blue");
    CHECK_STR(str_of(labels, "com.amazonaws.ecs.cluster"), "c"); /* the agent's own label wins */
    json_t *hc = json_object_get(b, "Healthcheck");
    CHECK_STR(json_string_value(json_array_get(json_object_get(hc, "Test"), 0)), "CMD-SHELL");
    CHECK_INT(int_at(hc, "Interval"), 5000000000LL);
    CHECK_INT(int_at(hc, "Timeout"), 5000000000LL); /* ECS's default */
    CHECK_INT(int_at(hc, "Retries"), 2);
    CHECK_INT(int_at(hc, "StartPeriod"), 1000000000LL);
    CHECK_INT(int_at(h, "Memory"), 64LL << 20);
    CHECK_INT(int_at(h, "MemoryReservation"), 32LL << 20);
    CHECK_INT(int_at(h, "MemorySwap"), (64LL + 128) << 20);
    CHECK_INT(int_at(h, "MemorySwappiness"), 10);
    CHECK(json_is_true(json_object_get(h, "ReadonlyRootfs")) && json_is_false(json_object_get(h, "Privileged")));
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "ExtraHosts"), 0)), "db.local:10.0.0.5");
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "Dns"), 0)), "10.0.0.2");
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "DnsSearch"), 0)), "corp");
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "SecurityOpt"), 0)), "no-new-privileges");
    CHECK_STR(str_of(json_object_get(h, "Sysctls"), "net.core.somaxconn"), "512");
    json_t *ul = json_array_get(json_object_get(h, "Ulimits"), 0);
    CHECK_STR(str_of(ul, "Name"), "nofile");
    CHECK(int_at(ul, "Soft") == 1024 && int_at(ul, "Hard") == 2048);
    json_t *lc = json_object_get(h, "LogConfig");
    CHECK_STR(str_of(lc, "Type"), "json-file");
    CHECK_STR(str_of(json_object_get(lc, "Config"), "max-size"), "1m");
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "CapAdd"), 0)), "NET_ADMIN");
    CHECK_STR(json_string_value(json_array_get(json_object_get(h, "CapDrop"), 0)), "MKNOD");
    json_t *d0 = json_array_get(json_object_get(h, "Devices"), 0),
           *d1 = json_array_get(json_object_get(h, "Devices"), 1);
    CHECK_STR(str_of(d0, "PathInContainer"), "/dev/nothing");
    CHECK_STR(str_of(d0, "CgroupPermissions"), "r");
    CHECK_STR(str_of(d1, "PathInContainer"), "/dev/zero");
    CHECK_STR(str_of(d1, "CgroupPermissions"), "rwm");
    CHECK(json_is_true(json_object_get(h, "Init")));
    CHECK_INT(int_at(h, "ShmSize"), 64LL << 20);
    CHECK_STR(str_of(json_object_get(h, "Tmpfs"), "/scratch"), "size=16m,noexec,nosuid");
    CHECK_STR(str_of(h, "CgroupParent"), "/ecs/28c2");
    CHECK(json_object_get(h, "NetworkMode") == NULL); /* bridge: Docker's default */
}

TEST(agent_map_modern_network_modes_and_ranges)
{
    ecs_error_t err;
    const char *host = "{\"family\":\"web\",\"revision\":1,\"networkMode\":\"host\",\"pidMode\":\"host\","
                       "\"containerDefinitions\":[{\"name\":\"app\",\"image\":\"i\",\"portMappings\":"
                       "[{\"containerPort\":8080,\"protocol\":\"tcp\"}]}]}";
    cleanup_json json_t *b = body(host, 0, NULL, &err);
    REQUIRE(b != NULL);
    json_t *h = json_object_get(b, "HostConfig");
    CHECK_STR(str_of(h, "NetworkMode"), "host");
    CHECK_STR(str_of(h, "PidMode"), "host");
    CHECK(json_object_get(h, "PortBindings") == NULL); /* the host's ports themselves */
    CHECK(json_object_get(h, "CgroupParent") == NULL);
    cleanup_json json_t *td = json_loads(host, 0, NULL);
    cleanup_json json_t *bound =
        agent_map_container_bindings(td, json_array_get(json_object_get(td, "containerDefinitions"), 0), NULL);
    REQUIRE(json_array_size(bound) == 1);
    CHECK_INT(int_at(json_array_get(bound, 0), "hostPort"), 8080);
    CHECK_INT(int_at(json_array_get(bound, 0), "containerPort"), 8080);

    cleanup_json json_t *none =
        body("{\"family\":\"w\",\"revision\":1,\"networkMode\":\"none\",\"containerDefinitions\":"
             "[{\"name\":\"a\",\"image\":\"i\"}]}",
             0, NULL, &err);
    REQUIRE(none != NULL);
    CHECK_STR(str_of(json_object_get(none, "HostConfig"), "NetworkMode"), "none");

    cleanup_json json_t *range = body("{\"family\":\"w\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"a\","
                                      "\"image\":\"i\",\"portMappings\":[{\"containerPortRange\":\"7000-7002\","
                                      "\"protocol\":\"udp\"}]}]}",
                                      0, NULL, &err);
    REQUIRE(range != NULL);
    json_t *pb = json_object_get(json_object_get(range, "HostConfig"), "PortBindings");
    CHECK_INT(json_object_size(pb), 3);
    CHECK_STR(str_of(json_array_get(json_object_get(pb, "7001/udp"), 0), "HostPort"), "");
    CHECK(body("{\"family\":\"w\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
               "\"portMappings\":[{\"containerPortRange\":\"9-3\"}]}]}",
               0, NULL, &err) == NULL);
    CHECK(strstr(err.message, "containerPortRange") != NULL);
    /* maxSwap without a hard memory limit cannot be given to Docker */
    CHECK(body("{\"family\":\"w\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
               "\"memoryReservation\":16,\"linuxParameters\":{\"maxSwap\":0}}]}",
               0, NULL, &err) == NULL);
    CHECK(strstr(err.message, "maxSwap") != NULL);
}

static agent_caps_t engine_caps(void)
{
    cleanup_json json_t *v = json_loads("{\"ApiVersion\":\"1.41\",\"Arch\":\"amd64\"}", 0, NULL);
    cleanup_json json_t *i = json_loads("{\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"1\",\"Plugins\":{\"Log\":"
                                        "[\"awslogs\",\"json-file\",\"local\",\"syslog\"]}}",
                                        0, NULL);
    agent_caps_t c;
    agent_caps_from_docker(v, i, &c);
    return c;
}

static int check(const char *taskdef_json, const agent_caps_t *caps, char *reason, size_t size)
{
    cleanup_json json_t *td = json_loads(taskdef_json, 0, NULL);
    return td ? agent_map_task_check(td, caps, reason, size) : -2;
}

#define TD(members, container)                                                                                         \
    "{\"family\":\"f\",\"revision\":1" members ",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\"" container  \
    "}]}"

TEST(agent_map_task_check_refuses_clearly)
{
    agent_caps_t caps = engine_caps();
    char why[512];
    CHECK_INT(check(TD("", ",\"logConfiguration\":{\"logDriver\":\"json-file\"}"), &caps, why, sizeof why), 0);
    CHECK_INT(check(TD(",\"cpu\":\"0.5 vCPU\",\"memory\":\"1GB\",\"networkMode\":\"host\"", ",\"memory\":512"), &caps,
                    why, sizeof why),
              0);
    static const struct {
        const char *td, *words;
    } bad[] = {
        {TD("", ",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-region\":\"r\"}}"),
         "must specify a value for log opt 'awslogs-group'"},
        {TD("", ",\"logConfiguration\":{\"logDriver\":\"awslogs\",\"options\":{\"awslogs-group\":\"g\","
                "\"awslogs-colour\":\"1\"}}"),
         "unknown log opt 'awslogs-colour'"},
        {TD("", ",\"logConfiguration\":{\"logDriver\":\"gelf\"}"), "log driver 'gelf' is not available"},
        {TD("", ",\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"1\"}]"), "resourceRequirements: GPU"},
        {TD(",\"networkMode\":\"nat\"", ""), "networkMode nat"},
        {TD(",\"pidMode\":\"task\"", ""), "pidMode task"},
        {TD(",\"volumes\":[{\"name\":\"e\",\"efsVolumeConfiguration\":{\"fileSystemId\":\"fs-1\"}}]", ""),
         "efsVolumeConfiguration"},
        {TD(",\"memory\":\"256\"", ",\"memory\":512"), "memory 512 MiB is more than the task's 256 MiB"},
        {TD(",\"cpu\":\"lots\"", ""), "cpu 'lots'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        why[0] = '\0';
        CHECK_INT(check(bad[k].td, &caps, why, sizeof why), -1);
        CHECK(strncmp(why, "ResourceInitializationError: ", 29) == 0);
        if (strstr(why, bad[k].words) == NULL)
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", k, why, bad[k].words);
        CHECK(strstr(why, bad[k].words) != NULL);
    }
    /* task-level limits need the cgroupfs driver */
    agent_caps_t systemd = caps;
    systemd.cgroupfs = false;
    CHECK_INT(check(TD(",\"memory\":\"512\"", ""), &systemd, why, sizeof why), -1);
    CHECK(strstr(why, "cgroupfs") != NULL);
}

TEST(agent_map_task_limits_and_volumes)
{
    char why[256];
    int64_t cpu, mem;
    cleanup_json json_t *td = json_loads(
        "{\"family\":\"web\",\"revision\":4,\"cpu\":\"1 vCPU\",\"memory\":\"0.5GB\",\"containerDefinitions\":[],"
        "\"volumes\":[{\"name\":\"cache\",\"dockerVolumeConfiguration\":{\"scope\":\"task\",\"driver\":\"local\","
        "\"driverOpts\":{\"type\":\"tmpfs\",\"device\":\"tmpfs\"},\"labels\":{\"k\":\"v\"}}},"
        "{\"name\":\"keep\",\"dockerVolumeConfiguration\":{\"scope\":\"shared\",\"autoprovision\":true}}]}",
        0, NULL);
    REQUIRE(agent_map_task_limits(td, &cpu, &mem, why, sizeof why) == 0);
    CHECK_INT(cpu, 1024);
    CHECK_INT(mem, 512);
    json_t *vols = json_object_get(td, "volumes");
    char name[AGENT_DOCKER_NAME_MAX];
    agent_map_volume_name(td, json_array_get(vols, 0), ARN, name);
    CHECK_STR(name, "ecs-web-4-cache-28c22fdeced448ccb183");
    agent_map_volume_name(td, json_array_get(vols, 1), ARN, name);
    CHECK_STR(name, "keep");
    CHECK(agent_map_volume_task_scoped(json_array_get(vols, 0)) &&
          !agent_map_volume_task_scoped(json_array_get(vols, 1)));
    cleanup_json json_t *vb = agent_map_volume_body(td, json_array_get(vols, 0), ARN, "c");
    CHECK_STR(str_of(vb, "Name"), "ecs-web-4-cache-28c22fdeced448ccb183");
    CHECK_STR(str_of(vb, "Driver"), "local");
    CHECK_STR(str_of(json_object_get(vb, "DriverOpts"), "type"), "tmpfs");
    CHECK_STR(str_of(json_object_get(vb, "Labels"), "k"), "v");
    CHECK_STR(str_of(json_object_get(vb, "Labels"), "com.amazonaws.ecs.task-arn"), ARN);
    cleanup_json json_t *shared = agent_map_volume_body(td, json_array_get(vols, 1), ARN, "c");
    CHECK(json_object_get(json_object_get(shared, "Labels"), "com.amazonaws.ecs.task-arn") == NULL);
    /* a mount point of a named volume binds the volume by name */
    json_object_set_new(td, "containerDefinitions",
                        json_loads("[{\"name\":\"app\",\"image\":\"i\",\"mountPoints\":[{\"sourceVolume\":\"cache\","
                                   "\"containerPath\":\"/c\"},{\"sourceVolume\":\"keep\",\"containerPath\":\"/k\","
                                   "\"readOnly\":true}]}]",
                                   0, NULL));
    agent_map_task_t t = {.task_arn = ARN, .cluster = "c", .taskdef = td, .docker_names = names, .volumes_dir = "/v"};
    ecs_error_t err;
    cleanup_json json_t *b = agent_map_create_body(&t, 0, &err);
    REQUIRE(b != NULL);
    json_t *binds = json_object_get(json_object_get(b, "HostConfig"), "Binds");
    CHECK_STR(json_string_value(json_array_get(binds, 0)), "ecs-web-4-cache-28c22fdeced448ccb183:/c");
    CHECK_STR(json_string_value(json_array_get(binds, 1)), "keep:/k:ro");
    /* no task-level values: 0 */
    cleanup_json json_t *plain = json_loads("{\"containerDefinitions\":[]}", 0, NULL);
    REQUIRE(agent_map_task_limits(plain, &cpu, &mem, why, sizeof why) == 0);
    CHECK(cpu == 0 && mem == 0);
}

TEST(agent_caps_attributes_as_ecs_names_them)
{
    agent_caps_t c = engine_caps();
    CHECK_INT(c.api_minor, 41);
    CHECK_STR(c.arch, "x86_64");
    CHECK(agent_caps_task_limits(&c));
    CHECK(agent_caps_log_driver(&c, "json-file") && agent_caps_log_driver(&c, "none"));
    CHECK(!agent_caps_log_driver(&c, "gelf") && !agent_caps_log_driver(&c, "gcplogs"));
    cleanup_json json_t *attrs = agent_caps_attributes(&c);
    cleanup_free char *text = json_dumps(attrs, JSON_COMPACT);
    REQUIRE(text != NULL);
    static const char *const want[] = {
        "{\"name\":\"ecs.os-type\",\"value\":\"linux\"}",
        "{\"name\":\"ecs.cpu-architecture\",\"value\":\"x86_64\"}",
        "\"com.amazonaws.ecs.capability.privileged-container\"",
        "\"com.amazonaws.ecs.capability.docker-remote-api.1.17\"",
        "\"com.amazonaws.ecs.capability.docker-remote-api.1.41\"",
        "\"com.amazonaws.ecs.capability.logging-driver.json-file\"",
        "\"com.amazonaws.ecs.capability.logging-driver.none\"",
        "\"com.amazonaws.ecs.capability.logging-driver.awslogs\"",
        "\"ecs.capability.container-health-check\"",
        "\"ecs.capability.container-ordering\"",
        "\"ecs.capability.task-cpu-mem-limit\"",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(strstr(text, want[i]) != NULL);
    CHECK(strstr(text, "docker-remote-api.1.42") == NULL);
    CHECK(strstr(text, "logging-driver.gelf") == NULL);
    CHECK(strstr(text, "task-iam-role") == NULL && strstr(text, "task-eni") == NULL);
    /* secrets and environment files are fetched at task start (agent_secrets.c) */
    CHECK(strstr(text, "\"ecs.capability.secrets.ssm.environment-variables\"") != NULL);
    CHECK(strstr(text, "\"ecs.capability.secrets.asm.bootstrap.log-driver\"") != NULL);
    CHECK(strstr(text, "\"ecs.capability.env-files.s3\"") != NULL);
    /* a systemd engine: no task limits */
    cleanup_json json_t *i2 = json_loads("{\"CgroupDriver\":\"systemd\",\"CgroupVersion\":\"2\","
                                         "\"Architecture\":\"aarch64\"}",
                                         0, NULL);
    agent_caps_t s;
    agent_caps_from_docker(NULL, i2, &s);
    CHECK(!agent_caps_task_limits(&s));
    CHECK_STR(s.arch, "arm64");
    cleanup_json json_t *a2 = agent_caps_attributes(&s);
    cleanup_free char *t2 = json_dumps(a2, JSON_COMPACT);
    CHECK(t2 != NULL && strstr(t2, "task-cpu-mem-limit") == NULL && strstr(t2, "container-health-check") == NULL);
}
