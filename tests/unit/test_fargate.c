/* Tests of Fargate's rules and the ENI attachment (model/fargate.c), and
 * of the agent's pure awsvpc pieces (agent/agent_awsvpc.c, agent_pause.c,
 * the release step of agent_task_next). */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_awsvpc.h"
#include "agent/agent_pause.h"
#include "agent/agent_task.h"
#include "common/cleanup.h"
#include "model/attributes.h"
#include "model/fargate.h"
#include "test.h"

static json_t *J(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);
    if (j == NULL)
        abort();
    return j;
}

TEST(fargate_run_checks_sizes_and_placement_members)
{
    ecs_error_t err;
    cleanup_json json_t *in = J("{}");
    static const struct {
        const char *cpu, *mem;
        bool ok;
    } sizes[] = {
        {"256", "512", true},       {"256", "2048", true},    {"256", "1536", false}, {"256", "4096", false},
        {"512", "1024", true},      {"512", "4096", true},    {"1024", "3072", true}, {"1 vCPU", "2 GB", true},
        {"2048", "16384", true},    {"4096", "30720", true},  {"4096", "31744", false}, {"8192", "20480", true},
        {"8192", "18432", false},   {"16384", "122880", true}, {"128", "512", false},
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        cleanup_json json_t *td = json_pack("{s:s, s:s}", "cpu", sizes[i].cpu, "memory", sizes[i].mem);
        int rc = fargate_check_run(in, td, &err);
        CHECK_INT(rc, sizes[i].ok ? 0 : -1);
        if (rc < 0) {
            CHECK_STR(err.type, "InvalidParameterException");
            CHECK(strstr(err.message, "No Fargate configuration exists for given values") != NULL);
        }
    }
    cleanup_json json_t *no_size = J("{\"cpu\": \"256\"}");
    CHECK_INT(fargate_check_run(in, no_size, &err), -1);
    CHECK_STR(err.message, "Fargate requires that 'cpu' and 'memory' be defined at the task level.");
    cleanup_json json_t *ok = J("{\"cpu\": \"256\", \"memory\": \"512\"}");
    cleanup_json json_t *pc = J("{\"placementConstraints\": [{\"type\": \"distinctInstance\"}]}");
    CHECK_INT(fargate_check_run(pc, ok, &err), -1);
    CHECK_STR(err.message, "Placement constraints are not supported with FARGATE launch type.");
    cleanup_json json_t *ps = J("{\"placementStrategy\": [{\"type\": \"random\"}]}");
    CHECK_INT(fargate_check_run(ps, ok, &err), -1);
    CHECK_STR(err.message, "Placement strategies are not supported with FARGATE launch type.");
    cleanup_json json_t *empty = J("{\"placementConstraints\": [], \"placementStrategy\": []}");
    CHECK_INT(fargate_check_run(empty, ok, &err), 0);
}

TEST(fargate_service_checks)
{
    ecs_error_t err;
    cleanup_json json_t *fg_td = J("{\"compatibilities\": [\"EC2\", \"FARGATE\"]}");
    cleanup_json json_t *ec2_td = J("{\"compatibilities\": [\"EC2\", \"EXTERNAL\"]}");
    cleanup_json json_t *fg = J("{\"launchType\": \"FARGATE\"}");
    cleanup_json json_t *ec2 = J("{\"launchType\": \"EC2\", \"placementConstraints\": [{\"type\": \"x\"}]}");
    CHECK_INT(fargate_check_service(fg, fg_td, &err), 0);
    CHECK_INT(fargate_check_service(ec2, ec2_td, &err), 0);
    CHECK_INT(fargate_check_service(fg, ec2_td, &err), -1);
    CHECK_STR(err.message, "Task definition does not support launch_type FARGATE.");
    cleanup_json json_t *pc = J("{\"launchType\": \"FARGATE\", \"placementConstraints\": [{\"type\": \"x\"}]}");
    CHECK_INT(fargate_check_service(pc, fg_td, &err), -1);
    CHECK_STR(err.message, "Placement constraints are not supported with FARGATE launch type.");
    cleanup_json json_t *ps = J("{\"launchType\": \"FARGATE\", \"placementStrategy\": [{\"type\": \"x\"}]}");
    CHECK_INT(fargate_check_service(ps, fg_td, &err), -1);
    CHECK_STR(err.message, "Placement strategies are not supported with FARGATE launch type.");
}

TEST(fargate_requires_capacity_and_only_excludes_others)
{
    cleanup_json json_t *td = J("{\"networkMode\": \"awsvpc\"}");
    cleanup_json json_t *also = J("[{\"name\": \"ecs.capability.task-eni\"}, {\"name\": \"ecs.capability.fargate\"}]");
    cleanup_json json_t *only = J("[{\"name\": \"ecs.capability.task-eni\"}, {\"name\": \"ecs.capability.fargate\"},"
                                  " {\"name\": \"ecs.capability.fargate-only\"}]");
    cleanup_json json_t *no = J("[{\"name\": \"ecs.capability.task-eni\"}]");
    cleanup_json json_t *fg = fargate_task_requires(td, "FARGATE");
    cleanup_json json_t *ec2 = fargate_task_requires(td, "EC2");
    CHECK(attr_first_missing(also, fg) == NULL);
    CHECK(attr_first_missing(only, fg) == NULL);
    const json_t *m = attr_first_missing(no, fg);
    REQUIRE(m != NULL);
    CHECK_STR(json_string_value(json_object_get(m, "name")), FARGATE_ATTR);
    cleanup_free char *d1 = attr_missing_detail(m);
    CHECK(strstr(d1, "Fargate capacity") != NULL);
    CHECK(attr_first_missing(also, ec2) == NULL);
    CHECK(attr_first_missing(no, ec2) == NULL);
    m = attr_first_missing(only, ec2);
    REQUIRE(m != NULL);
    CHECK_STR(json_string_value(json_object_get(m, "name")), FARGATE_ONLY_ATTR);
    cleanup_free char *d2 = attr_missing_detail(m);
    CHECK(strstr(d2, "only Fargate tasks") != NULL);
    /* awsvpc still needs task-eni */
    cleanup_json json_t *none = J("[]");
    m = attr_first_missing(none, ec2);
    REQUIRE(m != NULL);
    CHECK_STR(json_string_value(json_object_get(m, "name")), ATTR_TASK_ENI);
}

static const json_t *eni(const json_t *doc) { return json_array_get(json_object_get(doc, "attachments"), 0); }

TEST(fargate_task_attachment_lifecycle)
{
    cleanup_json json_t *doc = J("{\"containers\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
    cleanup_json json_t *td = J("{\"networkMode\": \"awsvpc\", \"ephemeralStorage\": {\"sizeInGiB\": 30}}");
    cleanup_json json_t *net = J("{\"awsvpcConfiguration\": {\"subnets\": [\"subnet-1\", \"subnet-2\"]}}");
    const char *task_id = "0123456789abcdef0123456789abcdef";
    fargate_task_build(doc, task_id, td, "FARGATE", "LATEST", net);
    CHECK_STR(json_string_value(json_object_get(doc, "platformVersion")), "1.4.0");
    CHECK_STR(json_string_value(json_object_get(doc, "platformFamily")), "Linux");
    CHECK_INT(json_integer_value(json_object_get(json_object_get(doc, "ephemeralStorage"), "sizeInGiB")), 30);
    const json_t *a = eni(doc);
    CHECK_STR(json_string_value(json_object_get(a, "id")), "01234567-89ab-cdef-0123-456789abcdef");
    CHECK_STR(json_string_value(json_object_get(a, "status")), "PRECREATED");
    CHECK(fargate_task_has_eni(doc));
    char dashed[40], plain[40];
    REQUIRE(fargate_attachment_task_ids("arn:aws:ecs:us-east-1:1:attachment/01234567-89ab-cdef-0123-456789abcdef",
                                        dashed, plain) == 0);
    CHECK_STR(plain, task_id);
    CHECK_INT(fargate_attachment_task_ids("arn:aws:ecs:us-east-1:1:task/x", dashed, plain), -1);
    CHECK_INT(fargate_attachment_task_ids("01234567", dashed, plain), -1);
    /* ATTACHED without an address: nothing */
    cleanup_json json_t *bare =
        J("{\"attachmentArn\": \"arn:aws:ecs:r:1:attachment/01234567-89ab-cdef-0123-456789abcdef\","
          " \"status\": \"ATTACHED\"}");
    CHECK(!fargate_apply_attachment(doc, bare));
    cleanup_json json_t *other =
        J("{\"attachmentArn\": \"arn:aws:ecs:r:1:attachment/11111111-89ab-cdef-0123-456789abcdef\","
          " \"status\": \"ATTACHED\", \"details\": [{\"name\": \"privateIPv4Address\", \"value\": \"10.0.0.9\"}]}");
    CHECK(!fargate_apply_attachment(doc, other));
    cleanup_json json_t *ch =
        J("{\"attachmentArn\": \"arn:aws:ecs:r:1:attachment/01234567-89ab-cdef-0123-456789abcdef\","
          " \"status\": \"ATTACHED\", \"details\": [{\"name\": \"privateIPv4Address\", \"value\": \"10.0.0.5\"},"
          " {\"name\": \"macAddress\", \"value\": \"02:42:0a:00:00:05\"}, {\"name\": \"subnetId\", \"value\": \"x\"},"
          " {\"name\": \"bogus\", \"value\": \"y\"}]}");
    CHECK(fargate_apply_attachment(doc, ch));
    CHECK(!fargate_apply_attachment(doc, ch)); /* repeated */
    CHECK_STR(json_string_value(json_object_get(eni(doc), "status")), "ATTACHED");
    cleanup_free char *details = json_dumps(json_object_get(eni(doc), "details"), JSON_COMPACT);
    CHECK_STR(details, "[{\"name\":\"subnetId\",\"value\":\"subnet-1\"},{\"name\":\"privateIPv4Address\",\"value\":"
                       "\"10.0.0.5\"},{\"name\":\"macAddress\",\"value\":\"02:42:0a:00:00:05\"}]");
    cleanup_free char *ni = json_dumps(json_object_get(json_array_get(json_object_get(doc, "containers"), 1),
                                                       "networkInterfaces"), JSON_COMPACT);
    CHECK_STR(ni, "[{\"attachmentId\":\"01234567-89ab-cdef-0123-456789abcdef\",\"privateIpv4Address\":"
                  "\"10.0.0.5\"}]");
    fargate_task_stopped(doc);
    CHECK_STR(json_string_value(json_object_get(eni(doc), "status")), "DELETED");
    /* an EC2 bridge task gets none of it */
    cleanup_json json_t *plain_doc = J("{}");
    cleanup_json json_t *bridge = J("{\"networkMode\": \"bridge\"}");
    fargate_task_build(plain_doc, task_id, bridge, "EC2", NULL, NULL);
    CHECK_INT(json_object_size(plain_doc), 0);
}

TEST(agent_awsvpc_join_bindings_report)
{
    cleanup_json json_t *body =
        J("{\"Image\": \"x\", \"Hostname\": \"h\", \"ExposedPorts\": {\"80/tcp\": {}}, \"HostConfig\": "
          "{\"PortBindings\": {\"80/tcp\": [{\"HostPort\": \"80\"}]}, \"Links\": [], \"Dns\": [\"1.1.1.1\"], "
          "\"Memory\": 1}}");
    agent_awsvpc_join(body, "ecsd-pause-abc");
    cleanup_free char *text = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "{\"HostConfig\":{\"Memory\":1,\"NetworkMode\":\"container:ecsd-pause-abc\"},\"Image\":\"x\"}");
    cleanup_json json_t *def = J("{\"portMappings\": [{\"containerPort\": 80}, {\"containerPort\": 53, "
                                 "\"protocol\": \"udp\"}, {\"containerPortRange\": \"9000-9001\"}]}");
    cleanup_json json_t *b = agent_awsvpc_bindings(def, "10.1.0.4");
    cleanup_free char *bt = json_dumps(b, JSON_COMPACT);
    CHECK_STR(bt, "[{\"bindIP\":\"10.1.0.4\",\"containerPort\":80,\"hostPort\":80,\"protocol\":\"tcp\"},"
                  "{\"bindIP\":\"10.1.0.4\",\"containerPort\":53,\"hostPort\":53,\"protocol\":\"udp\"}]");
    agent_netns_t ns = {.ip = "10.1.0.4", .mac = "02:42:0a:01:00:04", .pause_id = "0123456789abcdef0123"};
    cleanup_json json_t *r = agent_awsvpc_report("c", "arn:aws:ecs:us-east-1:1:task/c/abc", "eni-id-1", NULL, &ns);
    REQUIRE(r != NULL);
    cleanup_free char *rt = json_dumps(r, JSON_COMPACT);
    CHECK_STR(rt, "{\"cluster\":\"c\",\"attachments\":[{\"attachmentArn\":\"arn:aws:ecs:us-east-1:1:attachment/"
                  "eni-id-1\",\"status\":\"ATTACHED\",\"details\":[{\"name\":\"networkInterfaceId\",\"value\":"
                  "\"eni-0123456789abcdef0\"},{\"name\":\"macAddress\",\"value\":\"02:42:0a:01:00:04\"},{\"name\":"
                  "\"privateDnsName\",\"value\":\"ip-10-1-0-4.ec2.internal\"},{\"name\":\"privateIPv4Address\","
                  "\"value\":\"10.1.0.4\"}]}]}");
    cleanup_json json_t *eu = agent_awsvpc_report("c", "arn:aws:ecs:eu-west-1:1:task/c/abc", "e", "eu-west-1", &ns);
    const json_t *dns = json_array_get(json_object_get(json_array_get(json_object_get(eu, "attachments"), 0),
                                                       "details"), 2);
    CHECK_STR(json_string_value(json_object_get(dns, "value")), "ip-10-1-0-4.eu-west-1.compute.internal");
    CHECK(agent_awsvpc_report("c", "not-an-arn", "x", NULL, &ns) == NULL);
    CHECK(agent_awsvpc_report("c", "arn:aws:ecs:us-east-1:1:task/c/abc", "", NULL, &ns) == NULL);
    cleanup_json json_t *entry = J("{\"attachments\": [{\"id\": \"i-1\", \"type\": \"ElasticNetworkInterface\"}]}");
    CHECK_STR(agent_awsvpc_eni_id(entry), "i-1");
}

TEST(agent_pause_tar_is_one_ustar_file)
{
    unsigned char *tar = NULL;
    size_t len = 0;
    REQUIRE(agent_pause_tar(&tar, &len) == 0);
    CHECK_INT((long long)(len % 512), 0);
    CHECK_STR((const char *)tar, "pause");
    CHECK(memcmp(tar + 257, "ustar", 5) == 0);
    CHECK_INT(strtol((const char *)tar + 124, NULL, 8), (long long)agent_pause_bin_len);
    unsigned sum = 0;
    for (size_t i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : tar[i];
    CHECK_INT(strtol((const char *)tar + 148, NULL, 8), sum);
    CHECK(memcmp(tar + 512, "\x7f" "ELF", 4) == 0);
    free(tar);
}

TEST(agent_task_releases_awsvpc_namespace_after_its_containers)
{
    cleanup_json json_t *entry = J("{\"taskArn\": \"arn:aws:ecs:r:1:task/c/0123\", \"desiredStatus\": \"RUNNING\","
                                   " \"attachments\": [{\"id\": \"e1\", \"type\": \"ElasticNetworkInterface\"}],"
                                   " \"taskDefinition\": {\"family\": \"f\", \"revision\": 1, \"networkMode\":"
                                   " \"awsvpc\", \"containerDefinitions\": [{\"name\": \"a\", \"image\": \"x\"}]}}");
    agent_task_t *t = agent_task_from_poll(entry);
    REQUIRE(t != NULL);
    CHECK(t->awsvpc);
    CHECK_STR(t->eni_id, "e1");
    size_t i;
    t->prepared = true;
    t->c[0].known = AGENT_RUNNING;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_NONE);
    agent_task_desire_stop(t);
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_STOP); /* the containers first */
    t->c[0].known = AGENT_STOPPED;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_RELEASE);
    t->net_released = true;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_NONE);
    agent_task_free(t);
}
