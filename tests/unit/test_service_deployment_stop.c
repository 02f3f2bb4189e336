/* Tests for StopServiceDeployment's request (model/service_deployment_stop.c):
 * ROLLBACK_REQUESTED / STOP_REQUESTED from PENDING or IN_PROGRESS with the
 * scheduler's note, a stop already asked for continuing, ConflictException
 * for one that is over or for a rollback with nothing to go back to. */
#include <string.h>

#include "model/service_deployment.h"
#include "test.h"

static json_t *doc_with(const char *status, bool good)
{
    json_t *doc = json_pack("{s:{s:[{s:s, s:s}]}}", "_ecsd", "history", "status", status, "_dep", "ecs-svc/1");
    if (good)
        json_object_set_new(json_object_get(doc, "_ecsd"), "good",
                            json_pack("{s:s, s:s}", "id", "ecs-svc/2", "taskDefinition", "arn:td:1"));
    return doc;
}

static json_t *entry(json_t *doc)
{
    return json_array_get(json_object_get(json_object_get(doc, "_ecsd"), "history"), 0);
}

TEST(stop_deployment_rollback_and_abort)
{
    model_ctx_t ctx = {.now_ms = 1000};
    ecs_error_t err;
    json_t *doc = doc_with("IN_PROGRESS", true);
    CHECK_INT(service_deployment_request_stop(&ctx, doc, entry(doc), "ROLLBACK", &err), 0);
    CHECK_STR(json_string_value(json_object_get(entry(doc), "status")), "ROLLBACK_REQUESTED");
    json_t *stop = json_object_get(json_object_get(doc, "_ecsd"), "stop");
    CHECK_STR(json_string_value(json_object_get(stop, "type")), "ROLLBACK");
    CHECK_STR(json_string_value(json_object_get(stop, "dep")), "ecs-svc/1");
    /* asked again: it continues, no error, nothing changes */
    json_t *before = json_deep_copy(doc);
    CHECK_INT(service_deployment_request_stop(&ctx, doc, entry(doc), "ABORT", &err), 0);
    CHECK(json_equal(before, doc));
    json_decref(before);
    json_decref(doc);
    doc = doc_with("PENDING", false); /* ABORT needs nothing to go back to */
    CHECK_INT(service_deployment_request_stop(&ctx, doc, entry(doc), "ABORT", &err), 0);
    CHECK_STR(json_string_value(json_object_get(entry(doc), "status")), "STOP_REQUESTED");
    json_decref(doc);
}

TEST(stop_deployment_conflicts)
{
    model_ctx_t ctx = {.now_ms = 1000};
    ecs_error_t err;
    static const char *const over[] = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"};
    for (size_t i = 0; i < 4; i++) {
        json_t *doc = doc_with(over[i], true);
        CHECK_INT(service_deployment_request_stop(&ctx, doc, entry(doc), "ROLLBACK", &err), -1);
        CHECK_STR(err.type, "ConflictException");
        CHECK(strstr(err.message, over[i]) != NULL);
        CHECK(json_object_get(json_object_get(doc, "_ecsd"), "stop") == NULL);
        json_decref(doc);
    }
    json_t *doc = doc_with("IN_PROGRESS", false); /* no COMPLETED revision: nothing to roll back to */
    CHECK_INT(service_deployment_request_stop(&ctx, doc, entry(doc), "ROLLBACK", &err), -1);
    CHECK_STR(err.type, "ConflictException");
    CHECK_STR(json_string_value(json_object_get(entry(doc), "status")), "IN_PROGRESS");
    json_decref(doc);
}
