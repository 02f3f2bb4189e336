/* Tests for agent/agent_order.c and the health rules of agent_task.c:
 * dependsOn conditions and startTimeout, the stop order, the restart
 * policy, per-container and per-task health and their reports. */
#include <stdlib.h>
#include <string.h>

#include "agent/agent_task.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN "arn:aws:ecs:us-east-1:123456789012:task/0a1b2c3d-0000-4000-8000-000000000009"

typedef struct seen {
    char lines[16][200];
    size_t n;
} seen_t;

static void keep(void *arg, const char *op, json_t *body)
{
    seen_t *r = arg;
    const char *h = json_string_value(json_object_get(body, "healthStatus"));
    const char *th = json_string_value(json_object_get(body, "taskHealthStatus"));
    const char *name = json_string_value(json_object_get(body, "containerName"));
    if (r->n < 16)
        snprintf(r->lines[r->n++], sizeof r->lines[0], "%s %s %s%s%s%s%s", op[6] == 'T' ? "task" : "container",
                 json_string_value(json_object_get(body, "status")), name ? name : "", h ? " health=" : "", h ? h : "",
                 th ? " task=" : "", th ? th : "");
    json_decref(body);
}

/* A task of these container definitions (a JSON array text). */
static agent_task_t *task_of(const char *defs)
{
    char text[4096];
    snprintf(text, sizeof text,
             "{\"taskArn\":\"" ARN "\",\"desiredStatus\":\"RUNNING\",\"lastStatus\":\"PENDING\","
             "\"taskDefinition\":{\"family\":\"o\",\"revision\":1,\"containerDefinitions\":%s}}",
             defs);
    cleanup_json json_t *e = json_loads(text, 0, NULL);
    agent_task_t *t = e ? agent_task_from_poll(e) : NULL;
    if (t != NULL)
        t->prepared = true;
    return t;
}

static void run(agent_task_t *t, size_t i, int64_t at_ms, const agent_sink_t *s)
{
    t->c[i].known = AGENT_CREATED;
    t->c[i].started_ms = at_ms;
    agent_task_container_running(t, i, NULL, s);
}

static void stop(agent_task_t *t, size_t i, int code, const agent_sink_t *s)
{
    agent_task_container_stopped(t, i, &code, NULL, false, s);
}

TEST(agent_order_depends_on_conditions)
{
    seen_t r = {.n = 0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "c"};
    agent_task_t *t = task_of("[{\"name\":\"init\",\"image\":\"i\",\"essential\":false,\"startTimeout\":5},"
                              " {\"name\":\"side\",\"image\":\"i\",\"essential\":false},"
                              " {\"name\":\"app\",\"image\":\"i\",\"dependsOn\":["
                              "   {\"containerName\":\"init\",\"condition\":\"SUCCESS\"},"
                              "   {\"containerName\":\"side\",\"condition\":\"START\"}]}]");
    REQUIRE(t != NULL);
    CHECK_INT(t->order[2], 2); /* app after what it depends on */
    size_t i;
    CHECK_INT(agent_order_ready(t, 2, 0, NULL, 0), AGENT_DEP_WAIT);
    /* the others proceed meanwhile; app takes no step (no pull either) */
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_PULL);
    CHECK_INT(i, 0);
    run(t, 0, 1000, &s);
    run(t, 1, 1000, &s);
    CHECK_INT(agent_order_ready(t, 2, 2000, NULL, 0), AGENT_DEP_WAIT); /* init still running */
    CHECK_INT(agent_task_next(t, 2000, &i), AGENT_ACT_NONE);
    stop(t, 0, 0, &s);
    CHECK_INT(agent_order_ready(t, 2, 2000, NULL, 0), AGENT_DEP_MET);
    CHECK_INT(agent_task_next(t, 2000, &i), AGENT_ACT_PULL);
    CHECK_INT(i, 2);
    agent_task_free(t);

    /* SUCCESS fails when the dependency exits non-zero, COMPLETE does not */
    t = task_of(
        "[{\"name\":\"init\",\"image\":\"i\",\"essential\":false},"
        " {\"name\":\"a\",\"image\":\"i\",\"dependsOn\":[{\"containerName\":\"init\",\"condition\":\"SUCCESS\"}]},"
        " {\"name\":\"b\",\"image\":\"i\",\"dependsOn\":[{\"containerName\":\"init\",\"condition\":\"COMPLETE\"}]}]");
    REQUIRE(t != NULL);
    run(t, 0, 1000, &s);
    stop(t, 0, 3, &s);
    char why[300];
    CHECK_INT(agent_order_ready(t, 1, 2000, why, sizeof why), AGENT_DEP_FAILED);
    CHECK_STR(why, "CannotStartContainerError: container a: dependency on init (SUCCESS): it exited with code 3");
    CHECK_INT(agent_order_ready(t, 2, 2000, why, sizeof why), AGENT_DEP_MET);
    CHECK_INT(agent_task_next(t, 2000, &i), AGENT_ACT_DEPFAIL);
    CHECK_INT(i, 1);
    agent_task_free(t);

    /* START fails when the dependency stopped before it started */
    t = task_of("[{\"name\":\"x\",\"image\":\"i\",\"essential\":false},"
                " {\"name\":\"y\",\"image\":\"i\",\"dependsOn\":[{\"containerName\":\"x\",\"condition\":\"START\"}]}]");
    REQUIRE(t != NULL);
    agent_task_container_stopped(t, 0, NULL, "CannotPullContainerError: no", true, &s);
    CHECK_INT(agent_order_ready(t, 1, 0, why, sizeof why), AGENT_DEP_FAILED);
    CHECK(strstr(why, "stopped without starting") != NULL);
    agent_task_free(t);
}

TEST(agent_order_healthy_and_start_timeout)
{
    seen_t r = {0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "c"};
    agent_task_t *t = task_of("[{\"name\":\"db\",\"image\":\"i\",\"startTimeout\":10,"
                              "  \"healthCheck\":{\"command\":[\"CMD-SHELL\",\"true\"]}},"
                              " {\"name\":\"web\",\"image\":\"i\",\"dependsOn\":[{\"containerName\":\"db\","
                              "  \"condition\":\"HEALTHY\"}]},"
                              " {\"name\":\"plain\",\"image\":\"i\",\"essential\":false}]");
    REQUIRE(t != NULL);
    CHECK_INT(t->c[0].health, AGENT_HEALTH_UNKNOWN);
    CHECK_INT(t->c[2].health, AGENT_HEALTH_NONE);
    run(t, 0, 1000, &s);
    REQUIRE(r.n == 1);
    CHECK_STR(r.lines[0], "container RUNNING db health=UNKNOWN task=UNKNOWN");
    CHECK_INT(agent_order_ready(t, 1, 5000, NULL, 0), AGENT_DEP_WAIT);
    char why[300];
    /* not healthy 10 s after db started: web gives up */
    CHECK_INT(agent_order_ready(t, 1, 11001, why, sizeof why), AGENT_DEP_FAILED);
    CHECK(strstr(why, "db (HEALTHY): not met within its startTimeout of 10s") != NULL);
    /* healthy in time: web may start; the change is reported */
    agent_task_container_health(t, 0, AGENT_HEALTH_HEALTHY, &s);
    CHECK_INT(agent_order_ready(t, 1, 5000, NULL, 0), AGENT_DEP_MET);
    REQUIRE(r.n == 2);
    CHECK_STR(r.lines[1], "container RUNNING db health=HEALTHY task=HEALTHY");
    agent_task_container_health(t, 0, AGENT_HEALTH_HEALTHY, &s); /* the same again: nothing */
    CHECK_INT(r.n, 2);
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_HEALTHY); /* web and plain have no check */
    agent_task_container_health(t, 0, AGENT_HEALTH_UNHEALTHY, &s);
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_UNHEALTHY);
    CHECK_STR(r.lines[2], "container RUNNING db health=UNHEALTHY task=UNHEALTHY");
    agent_task_container_health(t, 2, AGENT_HEALTH_HEALTHY, &s); /* no check: ignored */
    CHECK_INT(r.n, 3);
    /* a dependency on HEALTHY of a container without a check can never hold */
    agent_task_free(t);
    t = task_of("[{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\",\"image\":\"i\",\"dependsOn\":"
                "[{\"containerName\":\"a\",\"condition\":\"HEALTHY\"}]}]");
    REQUIRE(t != NULL);
    CHECK_INT(agent_order_ready(t, 1, 0, why, sizeof why), AGENT_DEP_FAILED);
    CHECK(strstr(why, "no healthCheck") != NULL);
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_UNKNOWN); /* no checks at all */
    agent_task_free(t);
}

TEST(agent_order_task_health_needs_every_essential)
{
    agent_task_t *t = task_of("[{\"name\":\"a\",\"image\":\"i\",\"healthCheck\":{\"command\":[\"CMD\",\"true\"]}},"
                              " {\"name\":\"b\",\"image\":\"i\",\"healthCheck\":{\"command\":[\"CMD\",\"true\"]}},"
                              " {\"name\":\"c\",\"image\":\"i\",\"essential\":false,"
                              "  \"healthCheck\":{\"command\":[\"CMD\",\"true\"]}}]");
    REQUIRE(t != NULL);
    t->c[0].health = AGENT_HEALTH_HEALTHY;
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_UNKNOWN); /* b has no verdict yet */
    t->c[1].health = AGENT_HEALTH_HEALTHY;
    t->c[2].health = AGENT_HEALTH_UNHEALTHY; /* not essential: does not count */
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_HEALTHY);
    t->c[1].health = AGENT_HEALTH_UNHEALTHY;
    CHECK_INT(agent_task_health(t), AGENT_HEALTH_UNHEALTHY);
    agent_task_free(t);
}

TEST(agent_order_stop_order)
{
    seen_t r = {.n = 0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "c"};
    agent_task_t *t = task_of("[{\"name\":\"db\",\"image\":\"i\"},"
                              " {\"name\":\"app\",\"image\":\"i\",\"dependsOn\":[{\"containerName\":\"db\","
                              "  \"condition\":\"START\"}]}]");
    REQUIRE(t != NULL);
    run(t, 0, 1, &s);
    run(t, 1, 1, &s);
    agent_task_desire_stop(t);
    size_t i;
    CHECK(!agent_order_may_stop(t, 0));
    CHECK_INT(agent_task_next(t, 10, &i), AGENT_ACT_STOP);
    CHECK_INT(i, 1); /* app first: it depends on db */
    t->c[1].busy = true;
    CHECK_INT(agent_task_next(t, 10, &i), AGENT_ACT_NONE); /* db waits for app to be stopped */
    stop(t, 1, 143, &s);
    CHECK_INT(agent_task_next(t, 10, &i), AGENT_ACT_STOP);
    CHECK_INT(i, 0);
    agent_task_free(t);
}

TEST(agent_order_restart_policy)
{
    seen_t r = {.n = 0};
    agent_sink_t s = {.fn = keep, .arg = &r, .cluster = "c"};
    agent_task_t *t = task_of("[{\"name\":\"a\",\"image\":\"i\",\"restartPolicy\":{\"enabled\":true,"
                              "  \"ignoredExitCodes\":[0],\"restartAttemptPeriod\":60}},"
                              " {\"name\":\"b\",\"image\":\"i\",\"restartPolicy\":{\"enabled\":true}},"
                              " {\"name\":\"c\",\"image\":\"i\",\"restartPolicy\":{\"enabled\":false}}]");
    REQUIRE(t != NULL);
    for (size_t k = 0; k < 3; k++)
        run(t, k, 1000, &s);
    int one = 1, zero = 0;
    CHECK(!agent_order_should_restart(t, 0, &one, 1000 + 59999)); /* ran less than 60 s */
    CHECK(agent_order_should_restart(t, 0, &one, 1000 + 60000));
    CHECK(!agent_order_should_restart(t, 0, &zero, 1000 + 60000)); /* ignored exit code */
    CHECK(!agent_order_should_restart(t, 0, NULL, 1000 + 60000));  /* no exit code */
    CHECK(!agent_order_should_restart(t, 1, &one, 1000 + 299999)); /* default period 300 s */
    CHECK(agent_order_should_restart(t, 1, &one, 1000 + 300000));
    CHECK(!agent_order_should_restart(t, 2, &one, 1000 + 900000)); /* not enabled */
    /* once restarted, the period counts from the restart */
    t->c[0].restarted_ms = 100000;
    CHECK(!agent_order_should_restart(t, 0, &one, 150000));
    CHECK(agent_order_should_restart(t, 0, &one, 160000));
    /* a restart due is the next step; not while the task stops */
    size_t i;
    t->c[0].restart_due = true;
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_RESTART);
    CHECK_INT(i, 0);
    agent_task_desire_stop(t);
    CHECK(!agent_order_should_restart(t, 1, &one, 1000 + 300000));
    CHECK_INT(agent_task_next(t, 0, &i), AGENT_ACT_STOP);
    agent_task_free(t);
}
