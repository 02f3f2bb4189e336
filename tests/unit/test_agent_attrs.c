/* Tests for the agent's own attributes from its options
 * (agent/agent_opts.c): --availability-zone, --instance-type and
 * --instance-attributes (ECS_INSTANCE_ATTRIBUTES' JSON object). */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_opts.h"
#include "common/cleanup.h"
#include "test.h"

static int opts_with(const char *zone, const char *type, const char *custom, agent_opts_t *o, ecs_error_t *err)
{
    char *argv[] = {"agent", "--availability-zone", (char *)zone, "--instance-type", (char *)type,
                    "--instance-attributes", (char *)custom, NULL};
    static ecsd_config_t cfg;
    config_free(&cfg);
    memset(&cfg, 0, sizeof cfg);
    if (config_parse(&cfg, CFG_AGENT, "agent", 7, argv) != 0)
        return -2;
    return agent_opts_from_config(&cfg, o, err);
}

TEST(agent_registers_zone_type_and_custom_attributes)
{
    agent_opts_t o;
    ecs_error_t err = {0};
    REQUIRE(opts_with("us-east-1a", "m5.large", "{\"stack\": \"prod\", \"team\": \"web\"}", &o, &err) == 0);
    cleanup_json json_t *list = json_array();
    agent_opts_attributes(&o, list);
    cleanup_free char *text = json_dumps(list, JSON_COMPACT);
    CHECK_STR(text, "[{\"name\":\"ecs.capability.task-eni\"},{\"name\":\"ecs.capability.fargate\"},"
                    "{\"name\":\"ecs.availability-zone\",\"value\":\"us-east-1a\"},"
                    "{\"name\":\"ecs.instance-type\",\"value\":\"m5.large\"},"
                    "{\"name\":\"stack\",\"value\":\"prod\"},{\"name\":\"team\",\"value\":\"web\"}]");
    /* empty: nothing */
    REQUIRE(opts_with("", "", "", &o, &err) == 0);
    cleanup_json json_t *none = json_array();
    agent_opts_attributes(&o, none);
    CHECK_INT(json_array_size(none), 2); /* task-eni and fargate: every ecsd agent's */
    static const char *const bad[] = {"[1]", "{\"a\": 1}", "{\"ecs.os-type\": \"x\"}", "not json",
                                      "{\"a1\":\"v\",\"a2\":\"v\",\"a3\":\"v\",\"a4\":\"v\",\"a5\":\"v\",\"a6\":\"v\","
                                      "\"a7\":\"v\",\"a8\":\"v\",\"a9\":\"v\",\"a10\":\"v\",\"a11\":\"v\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(opts_with("z", "t", bad[i], &o, &err), -1);
        CHECK(strstr(err.message, "--instance-attributes") != NULL);
    }
}

/* --fargate and --awsvpc-subnet (model/fargate.h, agent/agent_awsvpc.h). */
static int fargate_opts(const char *fargate, const char *subnet, agent_opts_t *o, ecs_error_t *err)
{
    char *argv[] = {"agent", "--fargate", (char *)fargate, "--awsvpc-subnet", (char *)subnet, NULL};
    static ecsd_config_t cfg;
    config_free(&cfg);
    memset(&cfg, 0, sizeof cfg);
    if (config_parse(&cfg, CFG_AGENT, "agent", 5, argv) != 0)
        return -2;
    return agent_opts_from_config(&cfg, o, err);
}

TEST(agent_fargate_capacity_and_awsvpc_subnet_options)
{
    agent_opts_t o;
    ecs_error_t err = {0};
    static const struct {
        const char *mode, *want;
    } modes[] = {
        {"also", "[{\"name\":\"ecs.capability.task-eni\"},{\"name\":\"ecs.capability.fargate\"}]"},
        {"only", "[{\"name\":\"ecs.capability.task-eni\"},{\"name\":\"ecs.capability.fargate\"},"
                 "{\"name\":\"ecs.capability.fargate-only\"}]"},
        {"no", "[{\"name\":\"ecs.capability.task-eni\"}]"},
    };
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        REQUIRE(fargate_opts(modes[i].mode, "10.7.0.0/24", &o, &err) == 0);
        CHECK_STR(o.awsvpc_subnet, "10.7.0.0/24");
        cleanup_json json_t *list = json_array();
        agent_opts_attributes(&o, list);
        cleanup_free char *text = json_dumps(list, JSON_COMPACT);
        CHECK_STR(text, modes[i].want);
    }
    CHECK_INT(fargate_opts("sometimes", "10.0.0.0/16", &o, &err), -1);
    CHECK(strstr(err.message, "--fargate must be also, only or no") != NULL);
    static const char *const bad[] = {"10.0.0.0", "10.0.0.0/4", "10.0.0.0/30", "10.0.0/16", "x/16", "10.0.0.0/1x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_INT(fargate_opts("also", bad[i], &o, &err), -1);
        CHECK(strstr(err.message, "--awsvpc-subnet") != NULL);
    }
}

static int opts_provider(const char *provider, agent_opts_t *o, ecs_error_t *err)
{
    char *argv[] = {"agent", "--capacity-provider", (char *)provider, NULL};
    static ecsd_config_t cfg;
    config_free(&cfg);
    memset(&cfg, 0, sizeof cfg);
    if (config_parse(&cfg, CFG_AGENT, "agent", 3, argv) != 0)
        return -2;
    return agent_opts_from_config(&cfg, o, err);
}

TEST(agent_registers_its_capacity_provider)
{
    agent_opts_t o;
    ecs_error_t err = {0};
    REQUIRE(opts_provider("web-asg_1", &o, &err) == 0);
    cleanup_json json_t *list = json_array();
    agent_opts_attributes(&o, list);
    cleanup_free char *text = json_dumps(list, JSON_COMPACT);
    CHECK_STR(text, "[{\"name\":\"ecs.capability.task-eni\"},{\"name\":\"ecs.capability.fargate\"},"
                    "{\"name\":\"ecs.capacity-provider\",\"value\":\"web-asg_1\"}]");
    CHECK_INT(opts_provider("a b", &o, &err), -1);
    CHECK(strstr(err.message, "--capacity-provider") != NULL);
    REQUIRE(opts_provider("", &o, &err) == 0);
    cleanup_json json_t *none = json_array();
    agent_opts_attributes(&o, none);
    CHECK_INT(json_array_size(none), 2); /* task-eni and fargate: every ecsd agent's */
}
