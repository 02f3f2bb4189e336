/* Tests for agent/agent_task.c: the task's lifecycle rules and the reports
 * they produce, driven without Docker. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_task.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/0a1b2c3d-0000-4000-8000-000000000001"

/* A sink that keeps the reports as "op status[ name][ exit=N][ reason=R]",
 * a task report's container changes after it as
 * " {name STATUS[ exit=N][ reason=R][ bindings]; ...}". */
typedef struct record {
    char lines[32][700];
    size_t n;
} record_t;

static void change_text(const json_t *body, char *out, size_t size, bool with_status_first)
{
    const char *name = json_string_value(json_object_get(body, "containerName"));
    const char *status = json_string_value(json_object_get(body, "status"));
    const char *reason = json_string_value(json_object_get(body, "reason"));
    json_t *exit_code = json_object_get(body, "exitCode");
    json_t *b = json_object_get(body, "networkBindings");
    char code[24] = "";
    if (exit_code != NULL)
        snprintf(code, sizeof code, " exit=%lld", (long long)json_integer_value(exit_code));
    if (with_status_first)
        snprintf(out, size, "%s%s%s%s%s%s%s", status, name ? " " : "", name ? name : "", code, reason ? " reason=" : "",
                 reason ? reason : "", json_array_size(b) ? " bindings" : "");
    else
        snprintf(out, size, "%s %s%s%s%s%s", name, status, code, reason ? " reason=" : "", reason ? reason : "",
                 json_array_size(b) ? " bindings" : "");
}

static void keep(void *arg, const char *op, json_t *body)
{
    record_t *r = arg;
    bool task = strcmp(op, "SubmitTaskStateChange") == 0;
    char text[300], changes[300] = "";
    change_text(body, text, sizeof text, true);
    json_t *list = json_object_get(body, "containers");
    for (size_t i = 0; i < json_array_size(list); i++) {
        char one[120];
        change_text(json_array_get(list, i), one, sizeof one, false);
        size_t len = strlen(changes);
        snprintf(changes + len, sizeof changes - len, "%s%s", i == 0 ? " {" : "; ", one);
    }
    if (json_array_size(list) > 0) {
        size_t len = strlen(changes);
        snprintf(changes + len, sizeof changes - len, "}");
    }
    if (r->n < 32)
        snprintf(r->lines[r->n++], sizeof r->lines[0], "%s %s%s", task ? "task" : "container", text, changes);
    json_decref(body);
}

static json_t *entry(const char *desired, const char *c1_status)
{
    json_t *e = json_loads(
        "{\"taskArn\":\"" ARN "\",\"desiredStatus\":\"RUNNING\",\"lastStatus\":\"PENDING\","
        "\"containers\":[{\"name\":\"app\",\"lastStatus\":\"PENDING\"},{\"name\":\"db\",\"lastStatus\":\"PENDING\"},"
        "               {\"name\":\"side\",\"lastStatus\":\"PENDING\"}],"
        "\"taskDefinition\":{\"family\":\"web\",\"revision\":2,\"containerDefinitions\":["
        " {\"name\":\"app\",\"image\":\"i\",\"memory\":8,\"links\":[\"db\"]},"
        " {\"name\":\"db\",\"image\":\"i\",\"memory\":8,\"essential\":true},"
        " {\"name\":\"side\",\"image\":\"i\",\"memory\":8,\"essential\":false}]}}",
        0, NULL);
    json_object_set_new(e, "desiredStatus", json_string(desired));
    json_object_set_new(json_array_get(json_object_get(e, "containers"), 0), "lastStatus", json_string(c1_status));
    return e;
}

/* Walks the start path: every container through PULLED, CREATED, RUNNING. */
static void start_all(agent_task_t *t, const agent_sink_t *s)
{
    size_t i;
    for (int guard = 0; guard < 20; guard++) {
        agent_action_t a = agent_task_next(t, 0, &i);
        if (a == AGENT_ACT_PREPARE)
            t->prepared = true;
        else if (a == AGENT_ACT_PULL)
            t->c[i].known = AGENT_PULLED;
        else if (a == AGENT_ACT_CREATE)
            t->c[i].known = AGENT_CREATED;
        else if (a == AGENT_ACT_START)
            agent_task_container_running(t, i, json_loads("[{\"hostPort\":1}]", 0, NULL), s);
        else
            return;
    }
}

TEST(agent_task_from_poll)
{
    cleanup_json json_t *e = entry("RUNNING", "RUNNING");
    agent_task_t *t = agent_task_from_poll(e);
    REQUIRE(t != NULL);
    CHECK_STR(t->id, "0a1b2c3d-0000-4000-8000-000000000001");
    CHECK_STR(t->family, "web");
    CHECK_INT(t->revision, 2);
    CHECK_INT(t->n, 3);
    CHECK(!t->desired_stopped && t->stop_reason == NULL);
    CHECK_STR(t->c[0].docker_name, "ecs-web-2-app-0a1b2c3d000040008000");
    CHECK(t->c[0].essential && t->c[1].essential && !t->c[2].essential);
    CHECK_INT(t->c[0].sent, AGENT_RUNNING); /* what the server says it was told */
    CHECK_INT(t->c[1].sent, AGENT_NONE);
    CHECK_INT(t->order[0], 1); /* db before app, which links it */
    CHECK_INT(t->order[1], 0);
    CHECK_INT(t->order[2], 2);
    CHECK_INT(agent_task_find(t, "side"), 2);
    CHECK_INT(agent_task_find(t, "nope"), -1);
    snprintf(t->c[1].docker_id, sizeof t->c[1].docker_id, "%s", "abcdef0123456789abcdef");
    CHECK(agent_task_by_docker_id(t, "abcdef012345") == &t->c[1]);
    CHECK(agent_task_by_docker_id(t, "abcdef") == NULL); /* too short to be sure */
    agent_task_free(t);
}

TEST(agent_task_start_then_nonessential_then_essential_exit)
{
    record_t r = {0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "web"};
    cleanup_json json_t *e = entry("RUNNING", "PENDING");
    agent_task_t *t = agent_task_from_poll(e);
    REQUIRE(t != NULL);
    size_t i;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_PREPARE); /* the task's own resources first */
    t->prepared = true;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_PULL);
    CHECK_INT(i, 1); /* db first */
    start_all(t, &s);
    REQUIRE(r.n == 1); /* one report for the task's start, its containers in it */
    CHECK_STR(r.lines[0], "task RUNNING {app RUNNING bindings; db RUNNING bindings; side RUNNING bindings}");
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_NONE);
    /* the non-essential one exits 7: reported, nothing else happens */
    int code = 7;
    CHECK(!agent_task_container_stopped(t, 2, &code, NULL, false, &s));
    REQUIRE(r.n == 2);
    CHECK_STR(r.lines[1], "container STOPPED side exit=7");
    CHECK(!t->desired_stopped);
    CHECK(!agent_task_container_stopped(t, 2, &code, NULL, false, &s)); /* a second die: nothing */
    CHECK_INT(r.n, 2);
    /* the essential db exits 3: the task stops its other container */
    code = 3;
    CHECK(agent_task_container_stopped(t, 1, &code, NULL, false, &s));
    CHECK(t->desired_stopped);
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_STOP);
    CHECK_INT(i, 0);
    t->c[0].busy = true;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_NONE); /* its stop is in flight */
    code = 143;
    agent_task_container_stopped(t, 0, &code, NULL, false, &s);
    REQUIRE(r.n == 4);
    CHECK_STR(r.lines[2], "container STOPPED db exit=3"); /* app still runs: on its own */
    /* the last one travels in the task's report; no reason: the server says "Essential container in task exited" */
    CHECK_STR(r.lines[3], "task STOPPED {app STOPPED exit=143}");
    CHECK(t->stopped_sent && t->stopped_ms > 0);
    cleanup_json json_t *view = agent_task_view(t);
    CHECK_STR(json_string_value(json_object_get(view, "KnownStatus")), "STOPPED");
    CHECK_STR(json_string_value(json_object_get(view, "Version")), "2");
    CHECK_INT(json_array_size(json_object_get(view, "Containers")), 3);
    agent_task_free(t);
}

TEST(agent_task_pull_failure_stops_with_reason)
{
    record_t r = {0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "web"};
    cleanup_json json_t *e = entry("RUNNING", "PENDING");
    agent_task_t *t = agent_task_from_poll(e);
    REQUIRE(t != NULL);
    t->prepared = true;
    size_t i;
    REQUIRE(agent_task_next(t, 0, &i) == AGENT_ACT_PULL && i == 1);
    const char *why = "CannotPullContainerError: manifest unknown";
    CHECK(agent_task_container_stopped(t, 1, NULL, why, true, &s));
    /* the others never started: abandoned without Docker */
    int guard = 0;
    while (agent_task_next(t, 0, &i) == AGENT_ACT_ABANDON && guard++ < 5)
        agent_task_container_stopped(t, i, NULL, NULL, false, &s);
    REQUIRE(r.n == 3);
    CHECK_STR(r.lines[0], "container STOPPED db reason=CannotPullContainerError: manifest unknown");
    CHECK_STR(r.lines[1], "container STOPPED app");
    CHECK_STR(r.lines[2], "task STOPPED reason=CannotPullContainerError: manifest unknown {side STOPPED}");
    agent_task_free(t);
}

TEST(agent_task_desired_stopped_and_unrunnable)
{
    record_t r = {0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "web"};
    /* stopped by the server while running: the running ones get docker stop */
    cleanup_json json_t *e = entry("RUNNING", "PENDING");
    agent_task_t *t = agent_task_from_poll(e);
    REQUIRE(t != NULL);
    start_all(t, &s);
    r.n = 0;
    agent_task_desire_stop(t);
    size_t i, stops = 0;
    for (size_t k = 0; k < 3; k++) {
        if (agent_task_next(t, 0, &i) != AGENT_ACT_STOP)
            break;
        t->c[i].busy = true;
        stops++;
    }
    CHECK_INT(stops, 3); /* all at once */
    for (size_t k = 0; k < 3; k++) {
        int code = 137;
        agent_task_container_stopped(t, k, &code, NULL, false, &s);
    }
    CHECK_INT(r.n, 3);
    CHECK_STR(r.lines[2], "task STOPPED {side STOPPED exit=137}");
    agent_task_free(t);

    /* no task definition: reported STOPPED at once with a reason */
    r.n = 0;
    cleanup_json json_t *bare = json_loads("{\"taskArn\":\"" ARN "\",\"desiredStatus\":\"RUNNING\"}", 0, NULL);
    t = agent_task_from_poll(bare);
    REQUIRE(t != NULL);
    CHECK_INT(t->n, 0);
    CHECK(t->desired_stopped);
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_NONE);
    agent_task_check(t, &s);
    REQUIRE(r.n == 1);
    CHECK(strncmp(r.lines[0], "task STOPPED reason=UnrecognizedTaskError: ", 43) == 0);
    agent_task_free(t);

    /* a link cycle: the same, containers stopped without Docker */
    r.n = 0;
    cleanup_json json_t *cyc = json_loads(
        "{\"taskArn\":\"" ARN "\",\"desiredStatus\":\"RUNNING\",\"taskDefinition\":{\"family\":\"c\",\"revision\":1,"
        "\"containerDefinitions\":[{\"name\":\"a\",\"image\":\"i\",\"links\":[\"b\"]},"
        "{\"name\":\"b\",\"image\":\"i\",\"links\":[\"a\"]}]}}",
        0, NULL);
    t = agent_task_from_poll(cyc);
    REQUIRE(t != NULL);
    CHECK(t->desired_stopped && t->stop_reason != NULL && strstr(t->stop_reason, "cycle") != NULL);
    agent_task_check(t, &s);
    CHECK_INT(r.n, 1);
    agent_task_free(t);
}

TEST(agent_task_silent_orphan)
{
    record_t r = {0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "web"};
    const char *names[] = {"a", "b"};
    agent_task_t *t = agent_task_orphan(ARN, 2, names);
    REQUIRE(t != NULL);
    t->c[0].known = AGENT_RUNNING;
    t->c[1].known = AGENT_CREATED;
    size_t i;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_STOP);
    CHECK_INT(i, 0);
    t->c[0].busy = true;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_ABANDON);
    CHECK_INT(i, 1);
    agent_task_container_stopped(t, 1, NULL, NULL, false, &s);
    agent_task_container_stopped(t, 0, NULL, NULL, false, &s);
    CHECK_INT(r.n, 0); /* the server does not hear of it */
    CHECK(t->stopped_ms > 0);
    agent_task_free(t);
}
