/* Unit tests of today's task-definition members: the requiresAttributes
 * computed at registration (model/taskdef_requires.c) against what the
 * ecsd agent advertises (agent/agent_caps.c), and the checks of
 * model/taskdef_check.c (exception and the member named). */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/agent_caps.h"
#include "common/cleanup.h"
#include "model/attributes.h"
#include "model/taskdef_validate.h"
#include "test.h"

static json_t *normalize(const char *text, ecs_error_t *err)
{
    json_error_t jerr;
    cleanup_json json_t *in = json_loads(text, 0, &jerr);
    if (in == NULL) {
        fprintf(stderr, "test JSON does not parse: %s: %s\n", jerr.text, text);
        abort();
    }
    json_t *out = NULL;
    memset(err, 0, sizeof *err);
    return taskdef_normalize(in, &out, err) == 0 ? out : NULL;
}

static bool requires(const json_t *td, const char *name)
{
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(td, "requiresAttributes"), i, a)
        if (strcmp(json_string_value(json_object_get(a, "name")), name) == 0)
            return true;
    return false;
}

/* An engine as the agent sees it: API 1.43, cgroupfs, SELinux, one volume plugin. */
static json_t *agent_attributes(void)
{
    cleanup_json json_t *v = json_loads("{\"ApiVersion\":\"1.43\",\"Arch\":\"amd64\"}", 0, NULL);
    cleanup_json json_t *i = json_loads(
        "{\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"2\",\"SecurityOptions\":[\"name=seccomp,profile=builtin\","
        "\"name=selinux\"],\"Plugins\":{\"Log\":[\"json-file\",\"local\",\"syslog\"],\"Volume\":[\"local\",\"rexray\"]}}",
        0, NULL);
    agent_caps_t c;
    agent_caps_from_docker(v, i, &c);
    return agent_caps_attributes(&c);
}

/* Every member the agent runs: what ECS requires of an instance for it is
 * what the agent advertises, so placement by requiresAttributes finds it. */
TEST(taskdef_requires_what_the_agent_advertises)
{
    ecs_error_t err;
    cleanup_json json_t *td = normalize(
        "{\"family\":\"f\",\"networkMode\":\"bridge\",\"pidMode\":\"host\",\"ipcMode\":\"host\","
        " \"volumes\":[{\"name\":\"v\",\"dockerVolumeConfiguration\":{\"scope\":\"shared\",\"autoprovision\":true,"
        "   \"driver\":\"rexray\"}},{\"name\":\"w\",\"dockerVolumeConfiguration\":{\"scope\":\"task\"}}],"
        " \"containerDefinitions\":["
        "  {\"name\":\"db\",\"image\":\"postgres\",\"memory\":256,\"memoryReservation\":128,\"privileged\":true,"
        "   \"dockerLabels\":{\"a\":\"b\"},\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,\"hardLimit\":20}],"
        "   \"logConfiguration\":{\"logDriver\":\"json-file\",\"options\":{\"max-size\":\"1m\",\"mode\":\"non-blocking\"}},"
        "   \"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"],\"startPeriod\":5},"
        "   \"linuxParameters\":{\"initProcessEnabled\":true},\"stopTimeout\":5,"
        "   \"restartPolicy\":{\"enabled\":true},\"dockerSecurityOptions\":[\"label:type:svirt_t\"],"
        "   \"portMappings\":[{\"containerPortRange\":\"7000-7010\"}],"
        "   \"mountPoints\":[{\"sourceVolume\":\"v\",\"containerPath\":\"/v\"}]},"
        "  {\"name\":\"web\",\"image\":\"nginx\",\"memory\":64,\"startTimeout\":30,"
        "   \"dependsOn\":[{\"containerName\":\"db\",\"condition\":\"HEALTHY\"}]}]}",
        &err);
    REQUIRE(td != NULL);
    static const char *const want[] = {
        "com.amazonaws.ecs.capability.docker-remote-api.1.18", "com.amazonaws.ecs.capability.docker-remote-api.1.19",
        "com.amazonaws.ecs.capability.docker-remote-api.1.21", "com.amazonaws.ecs.capability.docker-remote-api.1.24",
        "com.amazonaws.ecs.capability.docker-remote-api.1.25", "com.amazonaws.ecs.capability.docker-remote-api.1.28",
        "com.amazonaws.ecs.capability.docker-remote-api.1.29", "com.amazonaws.ecs.capability.privileged-container",
        "com.amazonaws.ecs.capability.logging-driver.json-file", "ecs.capability.container-health-check",
        "ecs.capability.container-ordering", "ecs.capability.container-restart-policy",
        "ecs.capability.network.container-port-range", "ecs.capability.pid-ipc-namespace-sharing",
        "ecs.capability.docker-plugin.rexray", "com.amazonaws.ecs.capability.selinux",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(requires(td, want[i]));
        if (!requires(td, want[i]))
            fprintf(stderr, "  missing %s\n", want[i]);
    }
    CHECK_INT((int)json_array_size(json_object_get(td, "requiresAttributes")), (int)(sizeof want / sizeof want[0]));
    cleanup_json json_t *have = agent_attributes();
    const json_t *missing = attr_first_missing(have, json_object_get(td, "requiresAttributes"));
    CHECK(missing == NULL);
    if (missing != NULL)
        fprintf(stderr, "  the agent lacks %s\n", json_string_value(json_object_get(missing, "name")));
}

/* What the agent cannot do is required, so placement fails naming it. */
TEST(taskdef_requires_what_the_agent_lacks)
{
    ecs_error_t err;
    cleanup_json json_t *td = normalize(
        "{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"taskRoleArn\":\"arn:aws:iam::123456789012:role/r\","
        " \"executionRoleArn\":\"arn:aws:iam::123456789012:role/x\","
        " \"volumes\":[{\"name\":\"e\",\"efsVolumeConfiguration\":{\"fileSystemId\":\"fs-1\","
        "   \"transitEncryption\":\"ENABLED\",\"authorizationConfig\":{\"iam\":\"ENABLED\"}}}],"
        " \"containerDefinitions\":[{\"name\":\"a\",\"image\":\"123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:1\","
        "  \"memory\":64,\"logConfiguration\":{\"logDriver\":\"awslogs\"},"
        "  \"secrets\":[{\"name\":\"P\",\"valueFrom\":\"arn:aws:secretsmanager:eu-west-1:123456789012:secret:p\"},"
        "               {\"name\":\"Q\",\"valueFrom\":\"/param/q\"}],"
        "  \"environmentFiles\":[{\"value\":\"arn:aws:s3:::b/e.env\",\"type\":\"s3\"}]}]}",
        &err);
    REQUIRE(td != NULL);
    static const char *const want[] = {
        "com.amazonaws.ecs.capability.task-iam-role",  "ecs.capability.task-eni",
        "ecs.capability.execution-role-awslogs",       "com.amazonaws.ecs.capability.ecr-auth",
        "ecs.capability.execution-role-ecr-pull",      "ecs.capability.secrets.asm.environment-variables",
        "ecs.capability.secrets.ssm.environment-variables", "ecs.capability.env-files.s3",
        "ecs.capability.efs",                          "ecs.capability.efsAuth",
        "com.amazonaws.ecs.capability.logging-driver.awslogs",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(requires(td, want[i]));
        if (!requires(td, want[i]))
            fprintf(stderr, "  missing %s\n", want[i]);
    }
    cleanup_json json_t *have = agent_attributes();
    const json_t *missing = attr_first_missing(have, json_object_get(td, "requiresAttributes"));
    REQUIRE(missing != NULL);
    /* a plain definition requires nothing */
    cleanup_json json_t *plain =
        normalize("{\"family\":\"p\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"busybox\",\"memory\":8}]}", &err);
    REQUIRE(plain != NULL);
    CHECK_INT((int)json_array_size(json_object_get(plain, "requiresAttributes")), 0);
}

/* Each rule: the request with one fault, and a piece of the message. */
TEST(taskdef_modern_checks_name_the_member)
{
    static const struct {
        const char *req, *msg;
    } cases[] = {
#define C1(extra) "{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64" extra "}]}"
        {C1(",\"healthCheck\":{\"command\":[\"CMD-SHELL\",\"x\"],\"interval\":4}"),
         "Invalid 'healthCheck' setting for container 'a'. interval must be from 5 to 300 seconds (got 4)."},
        {C1(",\"healthCheck\":{\"command\":[\"CMD\",\"x\"],\"timeout\":61}"), "timeout must be from 2 to 60"},
        {C1(",\"healthCheck\":{\"command\":[\"CMD\",\"x\"],\"retries\":0}"), "retries must be from 1 to 10"},
        {C1(",\"healthCheck\":{\"command\":[\"CMD\",\"x\"],\"startPeriod\":301}"), "startPeriod must be from 0 to 300"},
        {C1(",\"healthCheck\":{\"command\":[]}"), "command must be a non-empty list"},
        {C1(",\"healthCheck\":{\"command\":[\"curl\",\"x\"]}"), "command must start with CMD, CMD-SHELL or NONE"},
        {C1(",\"dependsOn\":[{\"containerName\":\"zz\",\"condition\":\"START\"}]"), "containerName 'zz' is not a container"},
        {C1(",\"dependsOn\":[{\"containerName\":\"a\",\"condition\":\"START\"}]"), "cannot depend on itself"},
        {C1(",\"stopTimeout\":-1"), "Invalid 'stopTimeout' setting for container 'a'."},
        {C1(",\"memoryReservation\":100"), "Invalid 'memoryReservation' setting for container 'a'."},
        {C1(",\"portMappings\":[{\"containerPortRange\":\"90-80\"}]"), "containerPortRange '90-80'"},
        {C1(",\"portMappings\":[{\"containerPortRange\":\"80-90\"},{\"containerPortRange\":\"85-95\"}]"), "overlaps"},
        {C1(",\"portMappings\":[{\"containerPort\":80,\"name\":\"Web\"}]"), "name 'Web' must be 1 to 64 lowercase"},
        {C1(",\"portMappings\":[{\"containerPort\":80,\"name\":\"w\"},{\"containerPort\":81,\"name\":\"w\"}]"),
         "name 'w' is used by more than one port mapping"},
        {C1(",\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":10,\"hardLimit\":5}]"), "Invalid 'ulimits' setting"},
        {C1(",\"ulimits\":[{\"name\":\"nofile\",\"softLimit\":1,\"hardLimit\":5},"
            "{\"name\":\"nofile\",\"softLimit\":1,\"hardLimit\":5}]"),
         "nofile is given more than once"},
        {C1(",\"linuxParameters\":{\"maxSwap\":10,\"swappiness\":101}"), "swappiness must be from 0 to 100"},
        {C1(",\"linuxParameters\":{\"swappiness\":10}"), "swappiness needs maxSwap"},
        {C1(",\"linuxParameters\":{\"tmpfs\":[{\"containerPath\":\"/t\",\"size\":0}]}"), "tmpfs size"},
        {"{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
         "\"memory\":64,\"portMappings\":[{\"containerPort\":80,\"hostPort\":81}]}]}",
         "When networkMode=awsvpc, the host ports and container ports in port mappings must match."},
        {"{\"family\":\"f\",\"networkMode\":\"host\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
         "\"memory\":64,\"portMappings\":[{\"containerPortRange\":\"80-90\"}]}]}",
         "containerPortRange needs networkMode bridge or awsvpc"},
        {"{\"family\":\"f\",\"ephemeralStorage\":{\"sizeInGiB\":20},\"containerDefinitions\":[{\"name\":\"a\","
         "\"image\":\"i\",\"memory\":64}]}",
         "Invalid 'ephemeralStorage' setting. sizeInGiB must be from 21 to 200 GiB."},
        {"{\"family\":\"f\",\"volumes\":[{\"name\":\"v\",\"host\":{},\"dockerVolumeConfiguration\":{}}],"
         "\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64}]}",
         "Only one of host and dockerVolumeConfiguration can be given."},
        {"{\"family\":\"f\",\"volumes\":[{\"name\":\"v\",\"dockerVolumeConfiguration\":{\"scope\":\"task\","
         "\"autoprovision\":true}}],\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64}]}",
         "autoprovision can only be true when scope is shared"},
        {"{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64},"
         "{\"name\":\"b\",\"image\":\"i\",\"memory\":64,\"dependsOn\":[{\"containerName\":\"a\",\"condition\":\"HEALTHY\"}]}]}",
         "condition HEALTHY needs a healthCheck in container 'a'"},
        {"{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64},"
         "{\"name\":\"b\",\"image\":\"i\",\"memory\":64,\"dependsOn\":[{\"containerName\":\"a\",\"condition\":\"SUCCESS\"}]}]}",
         "condition SUCCESS cannot be set on an essential container"},
        {"{\"family\":\"f\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"memory\":64,"
         "\"dependsOn\":[{\"containerName\":\"b\",\"condition\":\"START\"}]},"
         "{\"name\":\"b\",\"image\":\"i\",\"memory\":64,\"dependsOn\":[{\"containerName\":\"a\",\"condition\":\"START\"}]}]}",
         "depend on each other in a cycle"},
        {"{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
         "\"memory\":64},{\"name\":\"b\",\"image\":\"i\",\"memory\":64,\"links\":[\"a\"]}]}",
         "Links are not supported when networkMode=awsvpc."},
#undef C1
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ecs_error_t err;
        json_t *td = normalize(cases[i].req, &err);
        CHECK(td == NULL);
        json_decref(td);
        CHECK_STR(err.type, "ClientException");
        CHECK(strstr(err.message, cases[i].msg) != NULL);
        if (strstr(err.message, cases[i].msg) == NULL)
            fprintf(stderr, "  case %zu: got '%s', want '%s'\n", i, err.message, cases[i].msg);
    }
    /* the good forms pass: a range with no containerPort, NONE, awsvpc with equal ports */
    ecs_error_t err;
    cleanup_json json_t *ok = normalize(
        "{\"family\":\"f\",\"networkMode\":\"awsvpc\",\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\","
        "\"memory\":64,\"healthCheck\":{\"command\":[\"NONE\"]},\"portMappings\":[{\"containerPortRange\":\"80-90\"},"
        "{\"containerPort\":443,\"hostPort\":443,\"name\":\"tls\"}]}]}",
        &err);
    CHECK(ok != NULL);
    if (ok == NULL)
        fprintf(stderr, "  refused: %s\n", err.message);
    const json_t *pm = json_array_get(json_object_get(json_array_get(json_object_get(ok, "containerDefinitions"), 0),
                                                      "portMappings"),
                                      0);
    CHECK(json_object_get(pm, "containerPort") == NULL);
    CHECK_STR(json_string_value(json_object_get(pm, "containerPortRange")), "80-90");
}
