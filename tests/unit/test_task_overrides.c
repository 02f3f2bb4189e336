/* Tests for model/task_overrides.c (the checks, the view, the effective
 * definition) and for what the agent makes of an effective definition
 * (agent_map.c, agent_map_task.c): the overridden sizes on Docker's create
 * body and the task's limits, and the overrides the host cannot honour
 * refused with a reason naming the member. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_map.h"
#include "common/cleanup.h"
#include "model/resources.h"
#include "model/task.h"
#include "model/task_overrides.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/web/28c22fdeced448ccb183ff53c31d4f5d"

static const char TASKDEF[] =
    "{\"family\":\"web\",\"revision\":3,\"networkMode\":\"bridge\",\"containerDefinitions\":["
    "{\"name\":\"app\",\"image\":\"busybox\",\"cpu\":100,\"memory\":200,"
    "\"environment\":[{\"name\":\"A\",\"value\":\"1\"}]},"
    "{\"name\":\"side\",\"image\":\"busybox\",\"memoryReservation\":50}],"
    "\"inferenceAccelerators\":[{\"deviceName\":\"dev0\",\"deviceType\":\"eia2.medium\"}]}";

static json_t *load(const char *s)
{
    return json_loads(s, 0, NULL);
}

static int check(const char *overrides, ecs_error_t *err)
{
    cleanup_json json_t *td = load(TASKDEF);
    cleanup_json json_t *o = load(overrides);
    if (td == NULL || o == NULL)
        return -2;
    *err = (ecs_error_t){0};
    return task_overrides_check(o, td, err);
}

static const json_t *container(const json_t *td, size_t i)
{
    return json_array_get(json_object_get(td, "containerDefinitions"), i);
}

TEST(task_overrides_check_as_ecs)
{
    ecs_error_t err;
    CHECK(check("{}", &err) == 0);
    CHECK(check("{\"containerOverrides\":[{\"name\":\"app\",\"cpu\":0,\"memory\":4,\"memoryReservation\":4}],"
                "\"cpu\":\"0.5 vcpu\",\"memory\":\"2 GB\",\"ephemeralStorage\":{\"sizeInGiB\":21},"
                "\"inferenceAcceleratorOverrides\":[{\"deviceName\":\"dev0\",\"deviceType\":\"eia2.large\"}]}",
                &err) == 0);
    CHECK(check("{\"containerOverrides\":[{\"name\":\"side\",\"memory\":60}]}", &err) == 0); /* 60 >= 50 */
    static const struct {
        const char *overrides, *message;
    } bad[] = {
        {"{\"containerOverrides\":[{\"name\":\"x\"}]}", "Override for container named x is not a container"},
        {"{\"containerOverrides\":[{\"name\":\"app\",\"cpu\":10241}]}", "containerOverrides[0].cpu"},
        {"{\"containerOverrides\":[{\"name\":\"app\"},{\"name\":\"app\",\"memory\":3}]}",
         "containerOverrides[1].memory"},
        {"{\"containerOverrides\":[{\"name\":\"app\",\"memoryReservation\":-1}]}", "memoryReservation"},
        {"{\"containerOverrides\":[{\"name\":\"side\",\"memory\":40}]}",
         "memoryReservation 50 MiB must not be more than its memory 40 MiB"},
        {"{\"containerOverrides\":[{\"name\":\"app\",\"memoryReservation\":201}]}", "its memory 200 MiB"},
        {"{\"containerOverrides\":[{\"name\":\"app\",\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"0\"}]}]}",
         "resourceRequirements[0]"},
        {"{\"containerOverrides\":[{\"name\":\"app\",\"resourceRequirements\":[{\"type\":\"InferenceAccelerator\","
         "\"value\":\"dev9\"}]}]}",
         "'dev9' is not a deviceName"},
        {"{\"cpu\":\"2 cores\"}", "overrides.cpu"},
        {"{\"memory\":\"0\"}", "overrides.memory"},
        {"{\"ephemeralStorage\":{\"sizeInGiB\":300}}", "sizeInGiB"},
        {"{\"inferenceAcceleratorOverrides\":[{\"deviceName\":\"dev1\"}]}", "deviceName 'dev1'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(check(bad[i].overrides, &err) == -1);
        CHECK_STR(err.type, "InvalidParameterException");
        if (strstr(err.message, bad[i].message) == NULL) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err.message, bad[i].message);
            CHECK(0);
        }
    }
    /* the size limit counts the compact JSON */
    char big[9000];
    int n = snprintf(big, sizeof big, "{\"containerOverrides\":[{\"name\":\"app\",\"command\":[\"");
    memset(big + n, 'x', 8200);
    snprintf(big + n + 8200, sizeof big - (size_t)n - 8200, "\"]}]}");
    CHECK(check(big, &err) == -1);
    CHECK_STR(err.message, "Container Overrides length must be at most 8192");
}

TEST(task_overrides_view_as_ecs_shows_it)
{
    cleanup_json json_t *td = load(TASKDEF);
    cleanup_json json_t *none = task_overrides_view(NULL, td);
    cleanup_json json_t *want_none =
        load("{\"containerOverrides\":[{\"name\":\"app\"},{\"name\":\"side\"}],\"inferenceAcceleratorOverrides\":[]}");
    CHECK(json_equal(none, want_none));
    cleanup_json json_t *o =
        load("{\"containerOverrides\":[{\"name\":\"side\",\"memory\":64,\"command\":[\"x\"],\"cpu\":null}],"
             "\"cpu\":\"1 vCPU\",\"taskRoleArn\":\"arn:aws:iam::1:role/t\",\"memory\":null}");
    cleanup_json json_t *v = task_overrides_view(o, td);
    cleanup_json json_t *want =
        load("{\"containerOverrides\":[{\"name\":\"app\"},{\"name\":\"side\",\"command\":[\"x\"],\"memory\":64}],"
             "\"cpu\":\"1 vCPU\",\"taskRoleArn\":\"arn:aws:iam::1:role/t\",\"inferenceAcceleratorOverrides\":[]}");
    CHECK(json_equal(v, want));
    /* the view applies as the request does */
    cleanup_json json_t *a = task_overrides_apply(td, o), *b = task_overrides_apply(td, v);
    CHECK(json_equal(a, b));
}

TEST(task_overrides_apply_gives_the_effective_definition)
{
    cleanup_json json_t *td = load(TASKDEF);
    cleanup_json json_t *o = load(
        "{\"containerOverrides\":[{\"name\":\"app\",\"cpu\":300,\"memory\":400,\"memoryReservation\":350,"
        "\"command\":[\"serve\"],\"environment\":[{\"name\":\"B\",\"value\":\"2\"}],"
        "\"environmentFiles\":[{\"value\":\"arn:aws:s3:::b/f.env\",\"type\":\"s3\"}],"
        "\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"1\"}]}],"
        "\"cpu\":\"0.5 vCPU\",\"memory\":\"1GB\",\"executionRoleArn\":\"arn:aws:iam::1:role/x\","
        "\"ephemeralStorage\":{\"sizeInGiB\":40},"
        "\"inferenceAcceleratorOverrides\":[{\"deviceName\":\"dev0\",\"deviceType\":\"eia2.xlarge\"}]}");
    cleanup_json json_t *e = task_overrides_apply(td, o);
    REQUIRE(e != NULL);
    CHECK_STR(json_string_value(json_object_get(e, "cpu")), "512");
    CHECK_STR(json_string_value(json_object_get(e, "memory")), "1024");
    CHECK_STR(json_string_value(json_object_get(e, "executionRoleArn")), "arn:aws:iam::1:role/x");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(e, "ephemeralStorage"), "sizeInGiB")), 40);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(e, "inferenceAccelerators"), 0),
                                                "deviceType")),
              "eia2.xlarge");
    const json_t *app = container(e, 0), *side = container(e, 1);
    CHECK_INT(json_integer_value(json_object_get(app, "cpu")), 300);
    CHECK_INT(json_integer_value(json_object_get(app, "memory")), 400);
    CHECK_INT(json_integer_value(json_object_get(app, "memoryReservation")), 350);
    CHECK(json_array_size(json_object_get(app, "environmentFiles")) == 1);
    CHECK(json_array_size(json_object_get(app, "resourceRequirements")) == 1);
    /* command and environment are the agent's to apply: the definition keeps its own */
    CHECK(json_object_get(app, "command") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(app, "environment"), 0), "name")), "A");
    CHECK_INT(json_integer_value(json_object_get(side, "memoryReservation")), 50);
    /* the revision itself is untouched */
    CHECK_INT(json_integer_value(json_object_get(container(td, 0), "memory")), 200);
    CHECK(json_object_get(td, "cpu") == NULL);
    /* and what placement reserves follows: task-level sizes win */
    res_t need;
    res_task_need(e, &need);
    CHECK_INT(need.cpu, 512);
    CHECK_INT(need.mem, 1024);
    cleanup_json json_t *o2 = load("{\"containerOverrides\":[{\"name\":\"side\",\"cpu\":7,\"memoryReservation\":9}]}");
    cleanup_json json_t *e2 = task_overrides_apply(td, o2);
    res_task_need(e2, &need);
    CHECK_INT(need.cpu, 107);
    CHECK_INT(need.mem, 209);
}

/* ---- the agent's side: an effective definition as the poll hands it ---- */

static const char *const names[] = {"ecs-web-3-app-28c22fdeced448ccb183", "ecs-web-3-side-28c22fdeced448ccb183"};

static agent_caps_t engine_caps(void)
{
    cleanup_json json_t *v = json_loads("{\"ApiVersion\":\"1.41\",\"Arch\":\"amd64\"}", 0, NULL);
    cleanup_json json_t *i = json_loads("{\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"2\",\"Plugins\":{\"Log\":"
                                        "[\"json-file\"]}}",
                                        0, NULL);
    agent_caps_t c;
    agent_caps_from_docker(v, i, &c);
    return c;
}

static json_t *effective(const char *overrides)
{
    cleanup_json json_t *td = load("{\"family\":\"web\",\"revision\":3,\"containerDefinitions\":["
                                   "{\"name\":\"app\",\"image\":\"busybox\",\"cpu\":100,\"memory\":200},"
                                   "{\"name\":\"side\",\"image\":\"busybox\",\"memoryReservation\":50}]}");
    cleanup_json json_t *o = load(overrides);
    return td && o ? task_overrides_apply(td, o) : NULL;
}

TEST(agent_maps_overridden_sizes)
{
    static const char ov[] = "{\"containerOverrides\":[{\"name\":\"app\",\"cpu\":300,\"memory\":400,"
                             "\"memoryReservation\":350,\"command\":[\"serve\"]},"
                             "{\"name\":\"side\",\"memoryReservation\":70}],\"cpu\":\"1024\",\"memory\":\"2048\"}";
    cleanup_json json_t *td = effective(ov);
    cleanup_json json_t *overrides = load(ov);
    REQUIRE(td != NULL && overrides != NULL);
    agent_caps_t caps = engine_caps();
    char reason[512] = "";
    CHECK(agent_map_task_check(td, &caps, reason, sizeof reason) == 0);
    int64_t cpu = 0, mem = 0;
    CHECK(agent_map_task_limits(td, &cpu, &mem, reason, sizeof reason) == 0);
    CHECK_INT(cpu, 1024);
    CHECK_INT(mem, 2048);
    agent_map_task_t t = {.task_arn = ARN, .cluster = "c", .taskdef = td, .overrides = overrides,
                          .docker_names = names, .volumes_dir = "/v", .cgroup_parent = "/ecs/28c2"};
    ecs_error_t err;
    cleanup_json json_t *app = agent_map_create_body(&t, 0, &err);
    cleanup_json json_t *side = agent_map_create_body(&t, 1, &err);
    REQUIRE(app != NULL && side != NULL);
    const json_t *h = json_object_get(app, "HostConfig");
    CHECK_INT(json_integer_value(json_object_get(h, "CpuShares")), 300);
    CHECK_INT(json_integer_value(json_object_get(h, "Memory")), 400LL << 20);
    CHECK_INT(json_integer_value(json_object_get(h, "MemoryReservation")), 350LL << 20);
    CHECK_STR(json_string_value(json_array_get(json_object_get(app, "Cmd"), 0)), "serve");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(side, "HostConfig"), "MemoryReservation")),
              70LL << 20);
    /* a container memory above the task's overridden memory: refused as the ECS agent does */
    cleanup_json json_t *over = effective("{\"memory\":\"256\",\"containerOverrides\":[{\"name\":\"app\","
                                          "\"memory\":300}]}");
    CHECK(agent_map_task_limits(over, &cpu, &mem, reason, sizeof reason) == -1);
    CHECK(strstr(reason, "memory 300 MiB is more than the task's 256 MiB") != NULL);
}

TEST(agent_refuses_overrides_it_cannot_honour)
{
    agent_caps_t caps = engine_caps();
    static const struct {
        const char *overrides, *reason;
    } cases[] = {
        {"{\"containerOverrides\":[{\"name\":\"side\",\"resourceRequirements\":[{\"type\":\"GPU\",\"value\":\"1\"}]}]}",
         "container side: resourceRequirements: GPU"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cleanup_json json_t *td = effective(cases[i].overrides);
        REQUIRE(td != NULL);
        char reason[512] = "";
        CHECK(agent_map_task_check(td, &caps, reason, sizeof reason) == -1);
        CHECK(strncmp(reason, "ResourceInitializationError: ", 29) == 0);
        if (strstr(reason, cases[i].reason) == NULL) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, reason, cases[i].reason);
            CHECK(0);
        }
    }
}

TEST(task_view_fills_ecs_defaults_of_older_records)
{
    /* a task stored before enableExecuteCommand and inferenceAcceleratorOverrides were kept */
    cleanup_json json_t *doc = load("{\"taskArn\":\"t\",\"overrides\":{\"containerOverrides\":[{\"name\":\"a\"}]},"
                                    "\"_ecsd\":{\"need\":{}}}");
    REQUIRE(doc != NULL);
    store_record_t rec = {.doc = doc};
    cleanup_json json_t *v = task_view(&rec);
    CHECK(json_is_false(json_object_get(v, "enableExecuteCommand")));
    CHECK(json_object_get(v, "_ecsd") == NULL);
    cleanup_json json_t *want =
        load("{\"containerOverrides\":[{\"name\":\"a\"}],\"inferenceAcceleratorOverrides\":[]}");
    CHECK(json_equal(json_object_get(v, "overrides"), want));
    /* the record itself is left as it was */
    CHECK(json_object_get(json_object_get(doc, "overrides"), "inferenceAcceleratorOverrides") == NULL);
    CHECK(json_object_get(doc, "enableExecuteCommand") == NULL);
}
