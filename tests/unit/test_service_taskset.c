/* Tests for task sets (model/service_taskset.c): computedDesiredCount as
 * ECS gives it (the service's desiredCount x scale, rounded up), 0 for a
 * DRAINING task set or service; finding by id or ARN; ids that never
 * collide; PRIMARY moving with the members the service shows. */
#include <string.h>

#include "model/service_taskset.h"
#include "test.h"

static json_t *service(int desired, const char *status)
{
    return json_pack("{s:s, s:s, s:s, s:i, s:s, s:{s:s}, s:[]}", "serviceArn",
                     "arn:aws:ecs:us-east-1:123456789012:service/c1/web", "serviceName", "web", "clusterArn",
                     "arn:aws:ecs:us-east-1:123456789012:cluster/c1", "desiredCount", desired, "status", status,
                     "deploymentController", "type", "EXTERNAL", "taskSets");
}

static json_t *set(const char *id, double pct, const char *status)
{
    return json_pack("{s:s, s:s, s:{s:f, s:s}, s:s}", "id", id, "status", status, "scale", "value", pct, "unit",
                     "PERCENT", "taskDefinition", id);
}

TEST(taskset_computed_rounds_up)
{
    json_t *doc = service(4, "ACTIVE"), *ts = set("a", 25, "ACTIVE");
    CHECK_INT(taskset_computed(doc, ts), 1);
    json_object_set_new(json_object_get(ts, "scale"), "value", json_real(30)); /* 1.2 -> 2 */
    CHECK_INT(taskset_computed(doc, ts), 2);
    json_object_set_new(json_object_get(ts, "scale"), "value", json_real(100));
    CHECK_INT(taskset_computed(doc, ts), 4);
    json_object_set_new(json_object_get(ts, "scale"), "value", json_real(0));
    CHECK_INT(taskset_computed(doc, ts), 0);
    json_object_set_new(doc, "desiredCount", json_integer(30)); /* 10 % of 30 is 3, not 4 (float noise) */
    json_object_set_new(json_object_get(ts, "scale"), "value", json_real(10));
    CHECK_INT(taskset_computed(doc, ts), 3);
    json_object_set_new(ts, "status", json_string("DRAINING"));
    CHECK_INT(taskset_computed(doc, ts), 0);
    json_object_set_new(ts, "status", json_string("ACTIVE"));
    json_object_set_new(doc, "status", json_string("DRAINING"));
    CHECK_INT(taskset_computed(doc, ts), 0);
    json_decref(ts);
    json_decref(doc);
}

TEST(taskset_ids_arns_and_primary)
{
    json_t *doc = service(2, "ACTIVE");
    char a[32], b[32];
    taskset_new_id(doc, 1000, a);
    CHECK(strncmp(a, "ecs-svc/", 8) == 0 && strlen(a) == 27);
    json_t *arn = taskset_arn(doc, a);
    char want[160];
    snprintf(want, sizeof want, "arn:aws:ecs:us-east-1:123456789012:task-set/c1/web/%s", a);
    CHECK_STR(json_string_value(arn), want);
    json_t *ts = set(a, 50, "ACTIVE");
    json_object_set(ts, "taskSetArn", arn);
    json_object_set_new(ts, "launchType", json_string("EC2"));
    json_array_append_new(json_object_get(doc, "taskSets"), ts);
    taskset_new_id(doc, 1000, b); /* the same millisecond: another id */
    CHECK(strcmp(a, b) != 0);
    json_t *other = set(b, 50, "ACTIVE");
    json_array_append_new(json_object_get(doc, "taskSets"), other);
    CHECK(taskset_find(doc, a) == ts && taskset_find(doc, want) == ts && taskset_find(doc, b) == other);
    CHECK(taskset_find(doc, "ecs-svc/1") == NULL && taskset_find(doc, NULL) == NULL);
    model_ctx_t ctx = {.now_ms = 5000};
    taskset_make_primary(&ctx, doc, other);
    CHECK_STR(json_string_value(json_object_get(other, "status")), "PRIMARY");
    CHECK_STR(json_string_value(json_object_get(ts, "status")), "ACTIVE");
    CHECK_STR(json_string_value(json_object_get(doc, "taskDefinition")), b);
    CHECK(json_object_get(doc, "launchType") == NULL); /* the primary has none: nor has the service */
    taskset_make_primary(&ctx, doc, ts);
    CHECK_STR(json_string_value(json_object_get(other, "status")), "ACTIVE");
    CHECK_STR(json_string_value(json_object_get(doc, "launchType")), "EC2");
    CHECK(service_is_external(doc));
    json_decref(arn);
    json_decref(doc);
}
