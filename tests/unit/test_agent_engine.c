/* Tests for agent/agent_engine.c, agent_worker.c and agent_adopt.c with a
 * fake container runtime (no Docker): starting in order, an essential exit,
 * adoption after a restart (nothing created twice), orphans, cleanup. The
 * reports are read back from the engine's on-disk queue. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent/agent_engine.h"
#include "agent/agent_fs.h"
#include "common/cleanup.h"
#include "test.h"

#define ARN_T "arn:aws:ecs:us-east-1:123456789012:task/11111111-0000-4000-8000-000000000001"
#define ARN_U "arn:aws:ecs:us-east-1:123456789012:task/22222222-0000-4000-8000-000000000002"

enum { CREATED, RUNNING, EXITED };

typedef struct fake_ctr {
    char id[DOCKER_ID_MAX + 1], name[256];
    json_t *labels;
    int state, exit_code;
    bool removed;
} fake_ctr_t;

typedef struct fake {
    pthread_mutex_t lock;
    fake_ctr_t c[16];
    int n, creates, starts, stops, removes;
} fake_t;

static fake_ctr_t *find(fake_t *f, const char *id_or_name)
{
    for (int i = 0; i < f->n; i++)
        if (!f->c[i].removed && (strcmp(f->c[i].id, id_or_name) == 0 || strcmp(f->c[i].name, id_or_name) == 0))
            return &f->c[i];
    return NULL;
}

static fake_ctr_t *add(fake_t *f, const char *name, json_t *labels, int state)
{
    fake_ctr_t *c = &f->c[f->n++];
    snprintf(c->id, sizeof c->id, "%064d", f->n);
    c->id[0] = 'c';
    snprintf(c->name, sizeof c->name, "%s", name);
    c->labels = labels;
    c->state = state;
    return c;
}

static int f_version(void *impl, char *v, size_t n, ecs_error_t *err)
{
    (void)impl, (void)err;
    snprintf(v, n, "fake");
    return 0;
}
static int f_present(void *impl, const char *image, ecs_error_t *err) { (void)impl, (void)image, (void)err; return 1; }
static int f_pull(void *impl, const char *image, ecs_error_t *err) { (void)impl, (void)image, (void)err; return 0; }

static int f_create(void *impl, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1], ecs_error_t *err)
{
    fake_t *f = impl;
    pthread_mutex_lock(&f->lock);
    int rc = 0;
    if (find(f, name) != NULL) {
        rc = ecs_err(err, 409, "CannotCreateContainerError", "Conflict. The container name is already in use");
    } else {
        fake_ctr_t *c = add(f, name, json_deep_copy(json_object_get(body, "Labels")), CREATED);
        memcpy(id, c->id, DOCKER_ID_MAX + 1);
        f->creates++;
    }
    pthread_mutex_unlock(&f->lock);
    return rc;
}

static int set_state(fake_t *f, const char *id, int state, int code, int *counter, ecs_error_t *err)
{
    pthread_mutex_lock(&f->lock);
    fake_ctr_t *c = find(f, id);
    if (c != NULL) {
        c->state = state;
        c->exit_code = code;
        (*counter)++;
    }
    pthread_mutex_unlock(&f->lock);
    return c ? 0 : ecs_err(err, 404, "CannotStartContainerError", "No such container: %s", id);
}

static int f_start(void *impl, const char *id, ecs_error_t *err)
{
    fake_t *f = impl;
    return set_state(f, id, RUNNING, 0, &f->starts, err);
}

static int f_stop(void *impl, const char *id, int t, ecs_error_t *err)
{
    (void)t;
    fake_t *f = impl;
    return set_state(f, id, EXITED, 137, &f->stops, err);
}

static int f_remove(void *impl, const char *id, ecs_error_t *err)
{
    (void)err;
    fake_t *f = impl;
    pthread_mutex_lock(&f->lock);
    fake_ctr_t *c = find(f, id);
    if (c != NULL) {
        c->removed = true;
        f->removes++;
    }
    pthread_mutex_unlock(&f->lock);
    return 0;
}

static const char *state_name(int s) { return s == RUNNING ? "running" : s == CREATED ? "created" : "exited"; }

static int f_inspect(void *impl, const char *id, json_t **out, ecs_error_t *err)
{
    (void)err;
    fake_t *f = impl;
    pthread_mutex_lock(&f->lock);
    fake_ctr_t *c = find(f, id);
    if (c != NULL) {
        char name[260];
        snprintf(name, sizeof name, "/%s", c->name);
        *out = json_pack("{s:s, s:s, s:{s:s, s:b, s:i, s:b}, s:{s:{s:[{s:s, s:s}]}}}", "Id", c->id, "Name", name,
                         "State", "Status", state_name(c->state), "Running", c->state == RUNNING, "ExitCode",
                         c->exit_code, "OOMKilled", 0, "NetworkSettings", "Ports", "80/tcp", "HostIp", "0.0.0.0",
                         "HostPort", "32768");
    }
    pthread_mutex_unlock(&f->lock);
    return c ? 1 : 0;
}

static int f_list(void *impl, const char *label, json_t **out, ecs_error_t *err)
{
    (void)err;
    fake_t *f = impl;
    const char *eq = strchr(label, '=');
    char key[128];
    snprintf(key, sizeof key, "%.*s", (int)(eq - label), label);
    *out = json_array();
    pthread_mutex_lock(&f->lock);
    for (int i = 0; i < f->n; i++) {
        const char *v = json_string_value(json_object_get(f->c[i].labels, key));
        if (!f->c[i].removed && v != NULL && strcmp(v, eq + 1) == 0)
            json_array_append_new(*out, json_pack("{s:s, s:O, s:s}", "Id", f->c[i].id, "Labels", f->c[i].labels,
                                                  "State", state_name(f->c[i].state)));
    }
    pthread_mutex_unlock(&f->lock);
    return 0;
}

static agent_runtime_t fake_runtime(fake_t *f)
{
    return (agent_runtime_t){.impl = f, .version = f_version, .image_present = f_present, .pull = f_pull,
                             .create = f_create, .start = f_start, .stop = f_stop, .remove = f_remove,
                             .inspect = f_inspect, .list = f_list};
}

static void fake_free(fake_t *f)
{
    for (int i = 0; i < f->n; i++)
        json_decref(f->c[i].labels);
    pthread_mutex_destroy(&f->lock);
}

typedef struct rig {
    char dir[64];
    agent_queue_t *q;
    agent_engine_t *e;
} rig_t;

static int rig_open(rig_t *r, fake_t *f, int64_t cleanup_ms)
{
    snprintf(r->dir, sizeof r->dir, "/tmp/ecsd-engine-XXXXXX");
    if (mkdtemp(r->dir) == NULL)
        return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/q.log", r->dir);
    ecs_error_t err;
    if (agent_queue_open(path, &r->q, &err) < 0)
        return -1;
    agent_engine_cfg_t cfg = {.cluster = "web", .data_dir = r->dir, .stop_timeout_s = 1,
                              .cleanup_delay_ms = cleanup_ms};
    r->e = agent_engine_new(fake_runtime(f), r->q, &cfg);
    return r->e ? 0 : -1;
}

static void rig_close(rig_t *r)
{
    agent_engine_close(r->e, 5000);
    agent_engine_free(r->e);
    agent_queue_close(r->q);
    agent_fs_remove_tree(r->dir);
}

static void report_line(const json_t *b, char line[128])
{
    const char *name = json_string_value(json_object_get(b, "containerName"));
    json_t *code = json_object_get(b, "exitCode");
    const char *health = json_string_value(json_object_get(b, "healthStatus"));
    const char *reason = json_string_value(json_object_get(b, "reason"));
    char ex[24] = "";
    if (code != NULL)
        snprintf(ex, sizeof ex, " exit=%lld", (long long)json_integer_value(code));
    snprintf(line, 128, "%s%s%s%s%s%s%s%.40s", json_string_value(json_object_get(b, "status")), name ? " " : "",
             name ? name : "", ex, health ? " health=" : "", health ? health : "", reason ? " reason=" : "",
             reason ? reason : "");
}

/* Waits (at most 5 s) for n reports and takes them out of the queue as
 * "status[ name][ exit=N]" lines, a task report's container changes
 * (its `containers`) first, each its own line. The number of lines, or -1
 * when not exactly n reports came. */
static int take_reports(rig_t *r, size_t n, char lines[][128])
{
    for (int i = 0; i < 500 && agent_queue_pending(r->q) < n; i++)
        usleep(10000);
    usleep(50000); /* and no more than n */
    if (agent_queue_pending(r->q) != n)
        return -1;
    int out = 0;
    for (size_t k = 0; k < n; k++) {
        agent_queue_item_t it;
        ecs_error_t err;
        if (agent_queue_peek(r->q, &it) != 1)
            return -1;
        cleanup_json json_t *b = json_loads(it.body, 0, NULL);
        json_t *list = json_object_get(b, "containers");
        for (size_t i = 0; i < json_array_size(list) && out < 7; i++)
            report_line(json_array_get(list, i), lines[out++]);
        if (out < 8)
            report_line(b, lines[out++]);
        agent_queue_ack(r->q, it.seq, &err);
        agent_queue_item_clear(&it);
    }
    return out;
}

static json_t *poll_answer(const char *task_status, const char *app_status, const char *db_status)
{
    char text[2048];
    snprintf(text, sizeof text,
             "[{\"taskArn\":\"%s\",\"desiredStatus\":\"RUNNING\",\"lastStatus\":\"%s\","
             "\"containers\":[{\"name\":\"app\",\"lastStatus\":\"%s\"},{\"name\":\"db\",\"lastStatus\":\"%s\"}],"
             "\"taskDefinition\":{\"family\":\"web\",\"revision\":1,\"containerDefinitions\":["
             "{\"name\":\"app\",\"image\":\"i\",\"memory\":8,\"essential\":false,\"links\":[\"db\"]},"
             "{\"name\":\"db\",\"image\":\"i\",\"memory\":8}]}}]",
             ARN_T, task_status, app_status, db_status);
    return json_loads(text, 0, NULL);
}

static const char *id_of(fake_t *f, const char *container)
{
    for (int i = 0; i < f->n; i++)
        if (!f->c[i].removed &&
            strcmp(json_string_value(json_object_get(f->c[i].labels, "com.amazonaws.ecs.container-name")), container) == 0)
            return f->c[i].id;
    return "";
}

TEST(agent_engine_start_exit_cleanup)
{
    fake_t f = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rig_t r;
    REQUIRE(rig_open(&r, &f, 0) == 0);
    ecs_error_t err;
    REQUIRE(agent_engine_scan(r.e, &err) == 0);
    cleanup_json json_t *tasks = poll_answer("PENDING", "PENDING", "PENDING");
    agent_engine_apply(r.e, tasks);
    char l[8][128];
    REQUIRE(take_reports(&r, 1, l) == 3); /* one report: the task's, with its containers */
    CHECK_STR(l[0], "RUNNING app");
    CHECK_STR(l[1], "RUNNING db");
    CHECK_STR(l[2], "RUNNING");
    CHECK_INT(f.creates, 2);
    CHECK_INT(f.starts, 2);
    CHECK(strncmp(f.c[0].name, "ecs-web-1-db-11111111", 21) == 0);
    cleanup_json json_t *view = agent_engine_tasks_json(r.e);
    CHECK_STR(json_string_value(json_object_get(json_array_get(json_object_get(view, "Tasks"), 0), "KnownStatus")),
              "RUNNING");
    agent_engine_apply(r.e, tasks); /* the same answer again: nothing new */
    usleep(50000);
    CHECK_INT(f.creates, 2);
    CHECK_INT(agent_queue_pending(r.q), 0);
    /* the essential db exits 3: the app is stopped, the task reported STOPPED */
    pthread_mutex_lock(&f.lock);
    find(&f, id_of(&f, "db"))->state = EXITED;
    find(&f, id_of(&f, "db"))->exit_code = 3;
    pthread_mutex_unlock(&f.lock);
    cleanup_json json_t *die = json_pack("{s:s, s:{s:s}}", "Action", "die", "Actor", "ID", id_of(&f, "db"));
    agent_engine_on_event(r.e, die);
    REQUIRE(take_reports(&r, 2, l) == 3);
    CHECK_STR(l[0], "STOPPED db exit=3"); /* app still ran: on its own */
    CHECK_STR(l[1], "STOPPED app exit=137");
    CHECK_STR(l[2], "STOPPED");
    CHECK_INT(f.stops, 1);
    /* cleanup delay 0: removed now; forgotten once the server stops listing it */
    agent_engine_cleanup(r.e, INT64_MAX / 2);
    CHECK_INT(f.removes, 2);
    CHECK_INT(agent_engine_count(r.e), 1);
    cleanup_json json_t *none = json_array();
    agent_engine_apply(r.e, none);
    agent_engine_cleanup(r.e, INT64_MAX / 2);
    CHECK_INT(agent_engine_count(r.e), 0);
    rig_close(&r);
    fake_free(&f);
}

TEST(agent_engine_restart_adopts_and_stops_orphans)
{
    fake_t f = {.lock = PTHREAD_MUTEX_INITIALIZER};
    /* what an earlier run left: db running, app exited 5, and a task U the server forgot */
    add(&f, "ecs-web-1-db-1111111100004000800",
        json_pack("{s:s, s:s, s:s}", "com.amazonaws.ecs.task-arn", ARN_T, "com.amazonaws.ecs.container-name", "db",
                  "com.amazonaws.ecs.cluster", "web"),
        RUNNING);
    fake_ctr_t *app = add(&f, "ecs-web-1-app-1111111100004000800",
                          json_pack("{s:s, s:s, s:s}", "com.amazonaws.ecs.task-arn", ARN_T,
                                    "com.amazonaws.ecs.container-name", "app", "com.amazonaws.ecs.cluster", "web"),
                          EXITED);
    app->exit_code = 5;
    add(&f, "ecs-old-1-x-2222222200004000800",
        json_pack("{s:s, s:s, s:s}", "com.amazonaws.ecs.task-arn", ARN_U, "com.amazonaws.ecs.container-name", "x",
                  "com.amazonaws.ecs.cluster", "web"),
        RUNNING);
    add(&f, "other-cluster", json_pack("{s:s, s:s, s:s}", "com.amazonaws.ecs.task-arn", ARN_U,
                                       "com.amazonaws.ecs.container-name", "y", "com.amazonaws.ecs.cluster", "other"),
        RUNNING);
    rig_t r;
    REQUIRE(rig_open(&r, &f, 3600 * 1000) == 0);
    ecs_error_t err;
    REQUIRE(agent_engine_scan(r.e, &err) == 0);
    /* the server saw both containers and the task RUNNING */
    cleanup_json json_t *tasks = poll_answer("RUNNING", "RUNNING", "RUNNING");
    agent_engine_apply(r.e, tasks);
    char l[8][128];
    REQUIRE(take_reports(&r, 1, l) == 1);
    CHECK_STR(l[0], "STOPPED app exit=5"); /* the exit that happened meanwhile; nothing else */
    for (int i = 0; i < 100 && f.stops < 1; i++)
        usleep(10000);
    CHECK_INT(f.creates, 0); /* nothing made twice */
    CHECK_INT(f.starts, 0);
    CHECK_INT(f.stops, 1); /* the orphan of task U */
    CHECK_INT(f.c[2].state, EXITED);
    CHECK_INT(f.c[3].state, RUNNING); /* another cluster's: untouched */
    CHECK_INT(f.c[0].state, RUNNING);
    cleanup_json json_t *view = agent_engine_tasks_json(r.e);
    json_t *list = json_object_get(view, "Tasks");
    CHECK_INT(json_array_size(list), 1); /* the orphan is not shown */
    json_t *c0 = json_array_get(json_object_get(json_array_get(list, 0), "Containers"), 0);
    CHECK_STR(json_string_value(json_object_get(c0, "Name")), "app");
    CHECK_STR(json_string_value(json_object_get(c0, "DockerId")), f.c[1].id);
    rig_close(&r);
    fake_free(&f);
}

TEST(agent_engine_restart_starts_a_created_container)
{
    fake_t f = {.lock = PTHREAD_MUTEX_INITIALIZER};
    /* the agent died between create and start of db */
    add(&f, "ecs-web-1-db-1111111100004000800",
        json_pack("{s:s, s:s, s:s}", "com.amazonaws.ecs.task-arn", ARN_T, "com.amazonaws.ecs.container-name", "db",
                  "com.amazonaws.ecs.cluster", "web"),
        CREATED);
    rig_t r;
    REQUIRE(rig_open(&r, &f, 3600 * 1000) == 0);
    ecs_error_t err;
    REQUIRE(agent_engine_scan(r.e, &err) == 0);
    cleanup_json json_t *tasks = poll_answer("PENDING", "PENDING", "PENDING");
    agent_engine_apply(r.e, tasks);
    char l[8][128];
    REQUIRE(take_reports(&r, 1, l) == 3); /* the task's report, with both */
    CHECK_STR(l[0], "RUNNING app");
    CHECK_STR(l[1], "RUNNING db");
    CHECK_STR(l[2], "RUNNING");
    CHECK_INT(f.creates, 1); /* only app */
    CHECK_INT(f.starts, 2);
    rig_close(&r);
    fake_free(&f);
}

TEST(agent_engine_health_restart_policy_and_refusal)
{
    fake_t f = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rig_t r;
    REQUIRE(rig_open(&r, &f, 3600 * 1000) == 0);
    cleanup_json json_t *info = json_loads("{\"CgroupDriver\":\"cgroupfs\",\"CgroupVersion\":\"1\",\"Plugins\":"
                                           "{\"Log\":[\"json-file\"]}}",
                                           0, NULL);
    agent_caps_t caps;
    agent_caps_from_docker(NULL, info, &caps);
    agent_engine_set_caps(r.e, &caps);
    ecs_error_t err;
    REQUIRE(agent_engine_scan(r.e, &err) == 0);
    /* restartAttemptPeriod 0 (below ECS's minimum, to need no clock): any exit but 0 restarts */
    char text[2048];
    snprintf(text, sizeof text,
             "[{\"taskArn\":\"%s\",\"desiredStatus\":\"RUNNING\",\"lastStatus\":\"PENDING\","
             "\"taskDefinition\":{\"family\":\"web\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"web\","
             "\"image\":\"i\",\"memory\":8,\"healthCheck\":{\"command\":[\"CMD\",\"true\"]},"
             "\"restartPolicy\":{\"enabled\":true,\"restartAttemptPeriod\":0,\"ignoredExitCodes\":[0]}}]}},"
             " {\"taskArn\":\"%s\",\"desiredStatus\":\"RUNNING\",\"lastStatus\":\"PENDING\","
             "\"taskDefinition\":{\"family\":\"logs\",\"revision\":1,\"containerDefinitions\":[{\"name\":\"l\","
             "\"image\":\"i\",\"memory\":8,\"logConfiguration\":{\"logDriver\":\"awslogs\"}}]}}]",
             ARN_T, ARN_U);
    cleanup_json json_t *tasks = json_loads(text, 0, NULL);
    REQUIRE(tasks != NULL);
    agent_engine_apply(r.e, tasks);
    char l[8][128];
    /* the awslogs task fails at once, without Docker; the other starts, health UNKNOWN: two task reports,
     * the second with its container */
    REQUIRE(take_reports(&r, 2, l) == 3);
    int seen = 0;
    for (int k = 0; k < 3; k++) {
        seen |= strstr(l[k], "STOPPED reason=ResourceInitializationError: container l") == l[k] ? 1 : 0;
        seen |= strcmp(l[k], "RUNNING web health=UNKNOWN") == 0 ? 2 : 0;
        seen |= strcmp(l[k], "RUNNING") == 0 ? 4 : 0;
    }
    CHECK_INT(seen, 7);
    CHECK_INT(f.creates, 1);
    const char *id = id_of(&f, "web");
    /* Docker's verdict comes as an event: reported with the container */
    cleanup_json json_t *healthy = json_pack("{s:s, s:{s:s}}", "Action", "health_status: healthy", "Actor", "ID", id);
    agent_engine_on_event(r.e, healthy);
    REQUIRE(take_reports(&r, 1, l) == 1);
    CHECK_STR(l[0], "RUNNING web health=HEALTHY");
    /* an exit with 1: started again, nothing reported, health back to UNKNOWN */
    pthread_mutex_lock(&f.lock);
    find(&f, id)->state = EXITED;
    find(&f, id)->exit_code = 1;
    pthread_mutex_unlock(&f.lock);
    cleanup_json json_t *die = json_pack("{s:s, s:{s:s}}", "Action", "die", "Actor", "ID", id);
    agent_engine_on_event(r.e, die);
    for (int i = 0; i < 200 && f.starts < 2; i++)
        usleep(10000);
    CHECK_INT(f.starts, 2);
    CHECK_INT(f.creates, 1); /* the same container */
    REQUIRE(take_reports(&r, 1, l) == 1);
    CHECK_STR(l[0], "RUNNING web health=UNKNOWN");
    cleanup_json json_t *view = agent_engine_tasks_json(r.e);
    cleanup_free char *vt = json_dumps(view, JSON_COMPACT);
    CHECK(vt != NULL && strstr(vt, "\"RestartCount\":1") != NULL);
    /* an exit with 0 (ignored): final, the essential container stops the task */
    pthread_mutex_lock(&f.lock);
    find(&f, id)->state = EXITED;
    find(&f, id)->exit_code = 0;
    pthread_mutex_unlock(&f.lock);
    agent_engine_on_event(r.e, die);
    REQUIRE(take_reports(&r, 1, l) == 2); /* the last container in the task's report */
    CHECK_STR(l[0], "STOPPED web exit=0");
    CHECK_STR(l[1], "STOPPED");
    CHECK_INT(f.starts, 2);
    rig_close(&r);
    fake_free(&f);
}
