/* Tests for the service scheduler: the pure plan (sched/sched_plan.c) on
 * ECS's worked examples (ecs-behavior.md §7.2) and on random states (a plan
 * carried out and planned again asks for nothing more), the launch back-off,
 * the string map, and whole ticks against a real store driven through the
 * API (a second tick in a row changes nothing; DRAINING ends INACTIVE). */
#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "api/dispatch.h"
#include "sched/sched_plan.h"
#include "sched/scheduler.h"
#include "sched/strmap.h"
#include "test.h"

/* --- the plan ------------------------------------------------------------ */

static plan_params_t params(int desired, int min, int max)
{
    return (plan_params_t){.desired = desired, .min_pct = min, .max_pct = max, .can_start = true};
}

TEST(plan_new_service_starts_desired)
{
    plan_params_t p = params(3, 100, 200);
    plan_deploy_t d[1] = {{0}};
    plan_result_t r;
    sched_plan(&p, d, 1, &r);
    CHECK_INT(r.start, 3);
    CHECK(!r.steady && !r.deadlock);
    CHECK_INT(d[0].desired, 3);
}

TEST(plan_steady_when_all_running)
{
    plan_params_t p = params(3, 100, 200);
    plan_deploy_t d[1] = {{.running = 3}};
    plan_result_t r;
    sched_plan(&p, d, 1, &r);
    CHECK_INT(r.start, 0);
    CHECK(r.steady);
    CHECK_INT(d[0].stop_running + d[0].stop_pending, 0);
    /* a task on its way out is not steady yet (the waiter would see it RUNNING) */
    d[0].stopping = 1;
    sched_plan(&p, d, 1, &r);
    CHECK(!r.steady);
    CHECK_INT(r.start, 0);
}

/* 100/200, N = 3: start 3 new beside the 3 old; stop the old only once
 * the new are RUNNING; the old deployment leaves once its tasks stopped. */
TEST(plan_rolling_100_200)
{
    plan_params_t p = params(3, 100, 200);
    plan_result_t r;
    plan_deploy_t d[2] = {{0}, {.running = 3}};
    sched_plan(&p, d, 2, &r);
    CHECK_INT(r.start, 3);
    CHECK_INT(d[1].stop_running, 0);
    CHECK_INT(d[0].desired, 3);
    CHECK_INT(d[1].desired, 3);

    plan_deploy_t e[2] = {{.pending = 3}, {.running = 3}};
    sched_plan(&p, e, 2, &r);
    CHECK_INT(r.start, 0);
    CHECK_INT(e[1].stop_running, 0);
    CHECK(!r.deadlock); /* new tasks are on their way */

    plan_deploy_t f[2] = {{.running = 2, .pending = 1}, {.running = 3}};
    sched_plan(&p, f, 2, &r);
    CHECK_INT(f[1].stop_running, 2); /* healthy 5 - 2 = 3 = minimum */
    CHECK_INT(f[1].desired, 1);

    plan_deploy_t g[2] = {{.running = 3}, {.running = 1, .stopping = 2}};
    sched_plan(&p, g, 2, &r);
    CHECK_INT(g[1].stop_running, 1);
    CHECK(!r.steady && !g[1].drop);

    plan_deploy_t h[2] = {{.running = 3}, {.stopping = 3}};
    sched_plan(&p, h, 2, &r);
    CHECK(!h[1].drop && !r.steady);

    plan_deploy_t k[2] = {{.running = 3}, {0}};
    sched_plan(&p, k, 2, &r);
    CHECK(k[1].drop);
    CHECK(r.steady);
    CHECK_INT(k[0].desired, 3);
}

/* 0/100: old tasks stop first; 50/100: half at a time. */
TEST(plan_rolling_0_100_and_50_100)
{
    plan_result_t r;
    plan_params_t p = params(4, 0, 100);
    plan_deploy_t d[2] = {{0}, {.running = 4}};
    sched_plan(&p, d, 2, &r);
    CHECK_INT(d[1].stop_running, 4);
    CHECK_INT(r.start, 4);

    p = params(4, 50, 100);
    plan_deploy_t e[2] = {{0}, {.running = 4}};
    sched_plan(&p, e, 2, &r);
    CHECK_INT(e[1].stop_running, 2);
    CHECK_INT(r.start, 2);
    plan_deploy_t f[2] = {{.running = 2}, {.running = 2, .stopping = 2}};
    sched_plan(&p, f, 2, &r);
    CHECK_INT(f[1].stop_running, 2);
    CHECK_INT(r.start, 2);
}

/* 100/100 (and 75/125 for N = 3) let nothing move: said once as an event. */
TEST(plan_deadlock)
{
    plan_result_t r;
    plan_params_t p = params(3, 100, 100);
    plan_deploy_t d[2] = {{0}, {.running = 3}};
    sched_plan(&p, d, 2, &r);
    CHECK(r.deadlock);
    CHECK_INT(r.start, 0);
    CHECK_INT(d[1].stop_running, 0);
    p = params(3, 75, 125);
    CHECK_INT(plan_max_tasks(3, 125), 3);
    CHECK_INT(plan_min_healthy(3, 75), 3);
    plan_deploy_t e[2] = {{0}, {.running = 3}};
    sched_plan(&p, e, 2, &r);
    CHECK(r.deadlock);
    /* not a deadlock while the old ones are not all RUNNING yet */
    plan_deploy_t f[2] = {{0}, {.running = 2, .pending = 1}};
    sched_plan(&p, f, 2, &r);
    CHECK(!r.deadlock);
}

TEST(plan_scale_in_prefers_pending)
{
    plan_result_t r;
    plan_params_t p = params(1, 100, 200);
    plan_deploy_t d[1] = {{.running = 2, .pending = 1}};
    sched_plan(&p, d, 1, &r);
    CHECK_INT(d[0].stop_pending, 1);
    CHECK_INT(d[0].stop_running, 1);
    CHECK_INT(r.start, 0);
    p = params(0, 100, 200);
    plan_deploy_t e[1] = {{.running = 3}};
    sched_plan(&p, e, 1, &r);
    CHECK_INT(e[0].stop_running, 3);
    CHECK_INT(e[0].desired, 0);
}

TEST(plan_draining_stops_everything)
{
    plan_result_t r;
    plan_params_t p = params(0, 100, 200);
    p.draining = true;
    plan_deploy_t d[2] = {{.running = 2, .pending = 1}, {.running = 1, .stopping = 1}};
    sched_plan(&p, d, 2, &r);
    CHECK_INT(d[0].stop_running, 2);
    CHECK_INT(d[0].stop_pending, 1);
    CHECK_INT(d[1].stop_running, 1);
    CHECK(!r.inactive);
    CHECK_INT(r.start, 0);
    plan_deploy_t e[1] = {{0}};
    sched_plan(&p, e, 1, &r);
    CHECK(r.inactive);
}

TEST(plan_throttle_blocks_starts)
{
    plan_result_t r;
    plan_params_t p = params(2, 100, 200);
    p.can_start = false;
    plan_deploy_t d[1] = {{0}};
    sched_plan(&p, d, 1, &r);
    CHECK_INT(r.start, 0);
    CHECK_INT(r.want, 2);
    CHECK(!r.steady && !r.deadlock);
}

TEST(plan_launch_delay_grows_to_15_minutes)
{
    CHECK_INT(plan_launch_delay_ms(0), 0);
    CHECK_INT(plan_launch_delay_ms(PLAN_THROTTLE_AFTER - 1), 0);
    CHECK_INT(plan_launch_delay_ms(PLAN_THROTTLE_AFTER), 5000);
    CHECK_INT(plan_launch_delay_ms(PLAN_THROTTLE_AFTER + 1), 10000);
    int64_t prev = 0;
    for (int f = 0; f < 100; f++) {
        int64_t d = plan_launch_delay_ms(f);
        CHECK(d >= prev && d <= 15 * 60 * 1000);
        prev = d;
    }
    CHECK_INT(plan_launch_delay_ms(1000000), 15 * 60 * 1000);
}

/* Carries a plan out as the cluster would at once: stops turn tasks into
 * stopping ones, starts into pending ones of the PRIMARY. */
static void carry_out(plan_deploy_t *d, int n, const plan_result_t *r)
{
    for (int i = 0; i < n; i++) {
        d[i].running -= d[i].stop_running;
        d[i].pending -= d[i].stop_pending;
        d[i].stopping += d[i].stop_running + d[i].stop_pending;
    }
    d[0].pending += r->start;
}

/* The property "running it twice in a row changes nothing", and the
 * bounds, over many random states. */
TEST(plan_fixed_point_and_bounds)
{
    unsigned seed = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        int n = 1 + rand_r(&seed) % 4;
        plan_params_t p = params(rand_r(&seed) % 12, (rand_r(&seed) % 5) * 25, 100 + (rand_r(&seed) % 5) * 25);
        p.draining = rand_r(&seed) % 10 == 0;
        p.can_start = rand_r(&seed) % 5 != 0;
        plan_deploy_t d[4] = {{0}};
        for (int i = 0; i < n; i++)
            d[i] = (plan_deploy_t){.running = rand_r(&seed) % 6, .pending = rand_r(&seed) % 4,
                                   .stopping = rand_r(&seed) % 3};
        int healthy_before = 0, total_before = 0;
        for (int i = 0; i < n; i++)
            healthy_before += d[i].running, total_before += d[i].running + d[i].pending;
        plan_result_t r;
        sched_plan(&p, d, n, &r);
        int64_t min_h = plan_min_healthy(p.desired, p.min_pct), max_t = plan_max_tasks(p.desired, p.max_pct);
        int healthy_after = 0, total_after = r.start;
        for (int i = 0; i < n; i++) {
            REQUIRE(d[i].stop_running <= d[i].running && d[i].stop_pending <= d[i].pending);
            healthy_after += d[i].running - d[i].stop_running;
            total_after += d[i].running + d[i].pending - d[i].stop_running - d[i].stop_pending;
        }
        if (!p.draining) {
            /* never below the minimum by our own stops, never above the maximum by our own starts */
            CHECK(healthy_after >= min_h || healthy_after == healthy_before);
            CHECK(r.start == 0 || total_after <= max_t);
            CHECK(r.start <= r.want);
        }
        carry_out(d, n, &r);
        plan_result_t again;
        sched_plan(&p, d, n, &again);
        int acts = again.start;
        for (int i = 0; i < n; i++)
            acts += d[i].stop_running + d[i].stop_pending;
        if (acts != 0)
            fprintf(stderr, "  iteration %d: a second plan still acts (%d)\n", iter, acts);
        REQUIRE(acts == 0);
        (void)total_before;
    }
}

/* --- the string map --------------------------------------------------------- */

TEST(strmap_set_get_del_iterate)
{
    strmap_t m = {0};
    char k[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(k, sizeof k, "key-%d", i);
        REQUIRE(strmap_set(&m, k, i) == 0);
    }
    CHECK_INT(m.used, 1000);
    int64_t v = -1;
    CHECK(strmap_get(&m, "key-517", &v) && v == 517);
    CHECK(!strmap_get(&m, "nope", NULL));
    for (int i = 0; i < 1000; i += 2) {
        snprintf(k, sizeof k, "key-%d", i);
        strmap_del(&m, k);
    }
    CHECK_INT(m.used, 500);
    CHECK(!strmap_get(&m, "key-0", NULL));
    CHECK(strmap_get(&m, "key-1", NULL));
    strmap_set(&m, "key-1", 42);
    CHECK(strmap_get(&m, "key-1", &v) && v == 42);
    int seen = 0;
    const char *key;
    for (size_t pos = 0; strmap_next(&m, &pos, &key, &v);) {
        seen++;
        if (v % 3 == 0)
            strmap_del(&m, key); /* allowed while iterating */
    }
    CHECK_INT(seen, 500);
    for (int i = 0; i < 5000; i++) { /* churn reuses tombstones */
        snprintf(k, sizeof k, "churn-%d", i);
        strmap_set(&m, k, i);
        strmap_del(&m, k);
    }
    CHECK(m.cap <= 4096);
    strmap_free(&m);
}

/* --- whole ticks against a real store ----------------------------------------- */

#define ACCOUNT "000000000000"

typedef struct fixture {
    char dir[64];
    store_t *store;
    model_service_t svc;
    sched_t *sched;
} fixture_t;

static int fixture_open(fixture_t *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/ecsd-unit-sched.XXXXXX");
    ecs_error_t err;
    if (mkdtemp(f->dir) == NULL || store_open_sqlite(f->dir, &f->store, &err) < 0)
        return -1;
    f->svc = (model_service_t){.store = f->store, .region = "us-east-1", .account = ACCOUNT,
                             .advertise_url = "http://unit.test", .agent_timeout_s = 60};
    f->sched = sched_new(&f->svc, 1000);
    return f->sched ? 0 : -1;
}

static void fixture_close(fixture_t *f)
{
    sched_free(f->sched);
    store_close(f->store);
    DIR *d = opendir(f->dir);
    struct dirent *ent;
    while (d != NULL && (ent = readdir(d)) != NULL) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", f->dir, ent->d_name);
        if (ent->d_name[0] != '.')
            unlink(path);
    }
    if (d != NULL)
        closedir(d);
    rmdir(f->dir);
}

/* One API call; the parsed answer (the caller decrefs), NULL on an error
 * answer (its __type into type when given). */
static json_t *call(fixture_t *f, const char *op, const char *json, char *type, size_t type_len)
{
    char target[128];
    snprintf(target, sizeof target, "%s%s", API_TARGET_PREFIX, op);
    api_request_t req = {.target = target, .content_type = API_CONTENT_TYPE, .body = json, .body_len = strlen(json)};
    api_response_t resp = {0};
    api_dispatch(&f->svc, &req, &resp);
    json_t *body = json_loads(resp.body ? resp.body : "", 0, NULL);
    if (resp.status != 200) {
        if (type != NULL)
            snprintf(type, type_len, "%s", json_string_value(json_object_get(body, "__type")));
        else
            fprintf(stderr, "  %s: %s\n", op, resp.body ? resp.body : "");
        json_decref(body);
        body = NULL;
    }
    free(resp.body);
    return body;
}

static void call_ok(fixture_t *f, const char *op, const char *json, int *test_failed_)
{
    json_t *a = call(f, op, json, NULL, 0);
    CHECK(a != NULL);
    json_decref(a);
}

static json_t *describe(fixture_t *f)
{
    json_t *a = call(f, "DescribeServices", "{\"cluster\":\"c\",\"services\":[\"s\"]}", NULL, 0);
    json_t *svc = json_incref(json_array_get(json_object_get(a, "services"), 0));
    json_decref(a);
    return svc;
}

static size_t count_tasks(fixture_t *f, const char *desired)
{
    char body[128];
    snprintf(body, sizeof body, "{\"cluster\":\"c\",\"serviceName\":\"s\",\"desiredStatus\":\"%s\"}", desired);
    json_t *a = call(f, "ListTasks", body, NULL, 0);
    size_t n = json_array_size(json_object_get(a, "taskArns"));
    json_decref(a);
    return n;
}

static bool has_event(const json_t *svc, const char *needle)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(svc, "events"), i, e)
        if (strstr(json_string_value(json_object_get(e, "message")), needle) != NULL)
            return true;
    return false;
}

TEST(scheduler_ticks_against_store)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    sched_tick_stats_t st;
    call_ok(&f, "CreateCluster", "{\"clusterName\":\"c\"}", test_failed_);
    call_ok(&f, "RegisterTaskDefinition",
            "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"w\",\"image\":\"nginx\",\"memory\":100}]}",
            test_failed_);
    call_ok(&f, "RegisterContainerInstance",
            "{\"cluster\":\"c\",\"totalResources\":[{\"name\":\"CPU\",\"type\":\"INTEGER\",\"integerValue\":1024},"
            "{\"name\":\"MEMORY\",\"type\":\"INTEGER\",\"integerValue\":1000}]}", test_failed_);
    call_ok(&f, "CreateService", "{\"cluster\":\"c\",\"serviceName\":\"s\",\"taskDefinition\":\"web\",\"desiredCount\":3}",
            test_failed_);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK(st.leader && st.full_pass);
    CHECK_INT(st.started, 3);
    CHECK_INT(count_tasks(&f, "RUNNING"), 3);
    json_t *before = describe(&f);
    /* twice in a row: nothing more happens, nothing is written */
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK_INT(st.started + st.stopped, 0);
    json_t *after = describe(&f);
    CHECK(json_equal(json_object_get(before, "events"), json_object_get(after, "events")));
    CHECK(json_equal(json_object_get(before, "deployments"), json_object_get(after, "deployments")));
    CHECK_INT(json_integer_value(json_object_get(after, "pendingCount")), 3);
    json_decref(before);
    json_decref(after);

    /* 12 do not fit in 1000 MiB: 10 run, one event names the memory, once */
    call_ok(&f, "UpdateService", "{\"cluster\":\"c\",\"service\":\"s\",\"desiredCount\":12}", test_failed_);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK_INT(st.started, 7);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK_INT(st.started, 0);
    json_t *svc = describe(&f);
    CHECK(has_event(svc, "has insufficient memory available. For more information"));
    size_t n_events = json_array_size(json_object_get(svc, "events"));
    json_decref(svc);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    svc = describe(&f);
    CHECK_INT(json_array_size(json_object_get(svc, "events")), n_events);
    json_decref(svc);

    /* scale to 0, delete: DRAINING until the agent reports the tasks stopped */
    call_ok(&f, "UpdateService", "{\"cluster\":\"c\",\"service\":\"s\",\"desiredCount\":0}", test_failed_);
    call_ok(&f, "DeleteService", "{\"cluster\":\"c\",\"service\":\"s\"}", test_failed_);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK_INT(st.stopped, 10);
    CHECK_INT(count_tasks(&f, "STOPPED"), 10);
    svc = describe(&f);
    CHECK_STR(json_string_value(json_object_get(svc, "status")), "DRAINING");
    json_decref(svc);
    char type[64] = "";
    CHECK(call(&f, "CreateService", "{\"cluster\":\"c\",\"serviceName\":\"s\",\"taskDefinition\":\"web\",\"desiredCount\":1}",
               type, sizeof type) == NULL);
    CHECK_STR(type, "InvalidParameterException");
    json_t *list = call(&f, "ListTasks", "{\"cluster\":\"c\",\"serviceName\":\"s\",\"desiredStatus\":\"STOPPED\"}", NULL, 0);
    size_t i;
    json_t *arn;
    json_array_foreach(json_object_get(list, "taskArns"), i, arn) {
        char body[256];
        snprintf(body, sizeof body, "{\"cluster\":\"c\",\"task\":\"%s\",\"status\":\"STOPPED\"}", json_string_value(arn));
        call_ok(&f, "SubmitTaskStateChange", body, test_failed_);
    }
    json_decref(list);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    svc = describe(&f);
    CHECK_STR(json_string_value(json_object_get(svc, "status")), "INACTIVE");
    CHECK_INT(json_integer_value(json_object_get(svc, "runningCount")), 0);
    /* tasks stopped on request before they ran are not launch failures */
    CHECK(!has_event(svc, "is unable to consistently start tasks"));
    json_decref(svc);
    REQUIRE(sched_tick(f.sched, true, &st) == 0);
    CHECK_INT(st.hot, 0);
    fixture_close(&f);
}

/* Tasks that stop without ever RUNNING: replaced at once twice, then the
 * throttle: one event, and no start until the delay has passed. */
TEST(scheduler_launch_failures_throttle)
{
    fixture_t f;
    REQUIRE(fixture_open(&f) == 0);
    sched_tick_stats_t st;
    call_ok(&f, "CreateCluster", "{\"clusterName\":\"c\"}", test_failed_);
    call_ok(&f, "RegisterTaskDefinition",
            "{\"family\":\"web\",\"containerDefinitions\":[{\"name\":\"w\",\"image\":\"nginx\",\"memory\":100}]}",
            test_failed_);
    call_ok(&f, "RegisterContainerInstance",
            "{\"cluster\":\"c\",\"totalResources\":[{\"name\":\"MEMORY\",\"type\":\"INTEGER\",\"integerValue\":1000}]}",
            test_failed_);
    call_ok(&f, "CreateService", "{\"cluster\":\"c\",\"serviceName\":\"s\",\"taskDefinition\":\"web\",\"desiredCount\":1}",
            test_failed_);
    for (int round = 0; round < PLAN_THROTTLE_AFTER + 1; round++) {
        REQUIRE(sched_tick(f.sched, true, &st) == 0);
        CHECK_INT(st.started, round < PLAN_THROTTLE_AFTER ? 1 : 0);
        json_t *list = call(&f, "ListTasks", "{\"cluster\":\"c\",\"serviceName\":\"s\"}", NULL, 0);
        json_t *arn = json_array_get(json_object_get(list, "taskArns"), 0);
        if (arn != NULL) { /* the image cannot be pulled: STOPPED, never RUNNING */
            char body[256];
            snprintf(body, sizeof body, "{\"cluster\":\"c\",\"task\":\"%s\",\"status\":\"STOPPED\"}", json_string_value(arn));
            call_ok(&f, "SubmitTaskStateChange", body, test_failed_);
        }
        json_decref(list);
    }
    json_t *svc = describe(&f);
    CHECK(has_event(svc, "(service s) is unable to consistently start tasks successfully."));
    CHECK_INT(json_integer_value(json_object_get(svc, "runningCount")) + json_integer_value(json_object_get(svc, "pendingCount")), 0);
    json_decref(svc);
    fixture_close(&f);
}
