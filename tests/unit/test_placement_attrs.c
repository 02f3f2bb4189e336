/* Tests for common/units.c, model/attributes.c and what placement makes of
 * them: task-level cpu/memory strings, attribute checks and matching,
 * the ATTRIBUTE failure, a task's needs under today's rules. */
#include <string.h>

#include "common/cleanup.h"
#include "common/units.h"
#include "model/attributes.h"
#include "model/placement.h"
#include "test.h"

TEST(units_task_cpu_and_memory)
{
    int64_t v;
    CHECK(units_task_cpu("256", &v) == 0 && v == 256);
    CHECK(units_task_cpu("1 vCPU", &v) == 0 && v == 1024);
    CHECK(units_task_cpu("0.25 vcpu", &v) == 0 && v == 256);
    CHECK(units_task_cpu("2vCPU", &v) == 0 && v == 2048);
    CHECK(units_task_memory("512", &v) == 0 && v == 512);
    CHECK(units_task_memory("1GB", &v) == 0 && v == 1024);
    CHECK(units_task_memory("0.5 GB", &v) == 0 && v == 512);
    CHECK(units_task_memory("2 gb", &v) == 0 && v == 2048);
    static const char *const bad[] = {"", "0", "-1", "1.5", "1 GB extra", "GB", "1 vCPUs", "abc", ".", "9999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK(units_task_cpu(bad[i], &v) < 0);
        CHECK(units_task_memory(bad[i], &v) < 0);
    }
    CHECK(units_task_memory("1 vCPU", &v) < 0 && units_task_cpu("1GB", &v) < 0 && units_task_cpu(NULL, &v) < 0);
}

TEST(attributes_check_merge_match)
{
    ecs_error_t err;
    cleanup_json json_t *ok = json_loads("[{\"name\":\"ecs.os-type\",\"value\":\"linux\"},{\"name\":\"stack\","
                                         "\"value\":\"prod a@b:c/d\"},{\"name\":\"com.amazonaws.ecs.capability.x\","
                                         "\"targetType\":\"container-instance\"}]",
                                         0, NULL);
    CHECK_INT(attr_check_list(ok, "attributes", &err), 0);
    static const char *const bad[] = {"[{\"name\":\"\"}]", "[{\"name\":\"a b\"}]",
                                      "[{\"name\":\"a\",\"value\":\" x\"}]", "[{\"name\":\"a\",\"value\":\"x#\"}]",
                                      "[{\"name\":\"a\",\"targetType\":\"task\"}]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cleanup_json json_t *l = json_loads(bad[i], 0, NULL);
        CHECK_INT(attr_check_list(l, "attributes", &err), -1);
        CHECK_STR(err.type, "InvalidParameterException");
        CHECK(strstr(err.message, "attributes[0]") != NULL);
    }
    /* re-registration: the agent's set replaces its old one, custom ones stay */
    cleanup_json json_t *old =
        json_loads("[{\"name\":\"ecs.capability.gone\"},{\"name\":\"stack\",\"value\":\"prod\"}]", 0, NULL);
    cleanup_json json_t *reg = json_loads("[{\"name\":\"ecs.os-type\",\"value\":\"linux\",\"targetType\":"
                                          "\"container-instance\"}]",
                                          0, NULL);
    cleanup_json json_t *after = attr_after_register(old, reg);
    cleanup_free char *text = json_dumps(after, JSON_COMPACT);
    CHECK_STR(text, "[{\"name\":\"ecs.os-type\",\"value\":\"linux\"},{\"name\":\"stack\",\"value\":\"prod\"}]");
    /* matching: a name alone, or a name and value */
    cleanup_json json_t *req =
        json_loads("[{\"name\":\"ecs.os-type\",\"value\":\"linux\"},{\"name\":\"stack\"}]", 0, NULL);
    CHECK(attr_first_missing(after, req) == NULL);
    cleanup_json json_t *req2 = json_loads("[{\"name\":\"stack\",\"value\":\"dev\"}]", 0, NULL);
    CHECK(attr_first_missing(after, req2) == json_array_get(req2, 0));
    CHECK(attr_first_missing(NULL, req2) != NULL && attr_first_missing(after, NULL) == NULL);
    cleanup_free char *detail = attr_missing_detail(json_array_get(req2, 0));
    CHECK_STR(detail, "The container instance is missing the attribute stack=dev that the task definition requires.");
    /* awsvpc requires the task-eni capability, named in the detail */
    cleanup_json json_t *td =
        json_loads("{\"networkMode\":\"awsvpc\",\"requiresAttributes\":[{\"name\":\"x\"}]}", 0, NULL);
    cleanup_json json_t *need = attr_task_requires(td);
    CHECK_INT(json_array_size(need), 2);
    cleanup_free char *eni = attr_missing_detail(json_array_get(need, 1));
    CHECK(strstr(eni, "networkMode awsvpc") != NULL);
}

TEST(placement_attribute_failure_and_task_need)
{
    cleanup_json json_t *attrs = json_loads("[{\"name\":\"ecs.os-type\",\"value\":\"linux\"}]", 0, NULL);
    cleanup_json json_t *eni = json_loads("[{\"name\":\"ecs.capability.task-eni\"}]", 0, NULL);
    cleanup_json json_t *req = json_loads("[{\"name\":\"ecs.capability.task-eni\"}]", 0, NULL);
    res_t need = {.cpu = 1, .mem = 1};
    place_candidate_t c[2] = {{.cpu = 4096, .mem = 4096, .attrs = attrs, .connected = true},
                              {.cpu = 0, .mem = 0, .attrs = eni, .connected = true}};
    CHECK_STR(place_fit(&c[0], &need, req), "ATTRIBUTE");
    CHECK(place_fit(&c[0], &need, NULL) == NULL);
    unsigned rng = 1;
    int closest;
    const char *reason;
    CHECK_INT(place_choose(c, 2, &need, req, NULL, &rng, &closest, &reason), -1);
    CHECK_STR(reason, "RESOURCE:CPU"); /* has the attribute, lacks CPU: closer than lacking the attribute */
    CHECK_INT(closest, 1);
    /* task-level values win; memoryReservation is what a container reserves; host mode ports */
    cleanup_json json_t *td =
        json_loads("{\"cpu\":\"0.5 vCPU\",\"memory\":\"1GB\",\"networkMode\":\"host\",\"containerDefinitions\":["
                   "{\"name\":\"a\",\"cpu\":100,\"memory\":300,\"memoryReservation\":100,"
                   " \"portMappings\":[{\"containerPort\":8080},{\"containerPort\":53,\"protocol\":\"udp\"}]}]}",
                   0, NULL);
    res_t r;
    res_task_need(td, &r);
    CHECK_INT(r.cpu, 512);
    CHECK_INT(r.mem, 1024);
    CHECK(res_ports_has(&r.tcp, 8080) && res_ports_has(&r.udp, 53));
    json_object_del(td, "cpu");
    json_object_del(td, "memory");
    json_object_set_new(td, "networkMode", json_string("bridge"));
    res_task_need(td, &r);
    CHECK_INT(r.cpu, 100);
    CHECK_INT(r.mem, 100);
    CHECK_INT(r.tcp.n, 0); /* bridge without hostPort: dynamic */
}
