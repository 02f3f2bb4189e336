/* agent_worker.c - the Docker steps of a task: a worker thread per task
 * with work (pull, create, start in order; abandon what never started)
 * and a short thread per docker stop, so a task's containers stop
 * together. A step releases the engine's mutex for its Docker calls and
 * takes it again to record the outcome. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_awsvpc.h"
#include "agent/agent_engine_int.h"
#include "agent/agent_fs.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"

#define THREAD_STACK (256 * 1024)

typedef struct job {
    agent_engine_t *e;
    agent_task_t *t;
    size_t i;
} job_t;

/* "<Error>: <Docker's words>", the error's own type unless it is generic. */
static void reason_of(const ecs_error_t *err, const char *step_error, char *out, size_t size)
{
    const char *type = err->type;
    if (type[0] == '\0' || strcmp(type, "ServerException") == 0 || strcmp(type, "ClientException") == 0 ||
        strcmp(type, "InvalidParameterException") == 0)
        type = step_error;
    snprintf(out, size, "%s: %s", type, err->message);
}

static void failed(agent_engine_t *e, agent_task_t *t, size_t i, const ecs_error_t *err, const char *step_error)
{
    char reason[ECS_ERROR_MESSAGE_MAX + ECS_ERROR_TYPE_MAX + 4];
    reason_of(err, step_error, reason, sizeof reason);
    log_warn("task %s: container %s: %s", t->arn, t->c[i].name, reason);
    agent_engine_stopped(e, t, i, NULL, reason, true);
}

static void step_pull(agent_engine_t *e, agent_task_t *t, size_t i)
{
    const char *img = json_string_value(json_object_get(t->c[i].def, "image"));
    cleanup_free char *image = strdup(img ? img : "");
    if (t->pull_started_ms == 0)
        t->pull_started_ms = clock_now_ms();
    pthread_mutex_unlock(&e->lock);
    ecs_error_t err = {0};
    int rc = image == NULL ? ecs_server_err(&err, "out of memory") : e->rt.image_present(e->rt.impl, image, &err);
    if (image != NULL && rc != 1) {
        log_info("pulling %s", image);
        rc = e->rt.pull(e->rt.impl, image, &err);
    }
    pthread_mutex_lock(&e->lock);
    t->pull_stopped_ms = clock_now_ms();
    if (t->c[i].known != AGENT_NONE)
        return;
    if (rc < 0)
        failed(e, t, i, &err, "CannotPullContainerError");
    else
        t->c[i].known = AGENT_PULLED;
}

/* Folders for the task's volumes that have no host.sourcePath (and are
 * not named Docker volumes). */
static int volume_folders(const char *root, const json_t *taskdef, ecs_error_t *err)
{
    size_t k;
    json_t *v;
    json_array_foreach(json_object_get(taskdef, "volumes"), k, v) {
        const char *src = json_string_value(json_object_get(json_object_get(v, "host"), "sourcePath"));
        const char *name = json_string_value(json_object_get(v, "name"));
        if ((src != NULL && src[0] != '\0') || name == NULL ||
            json_is_object(json_object_get(v, "dockerVolumeConfiguration")))
            continue;
        char path[4400];
        snprintf(path, sizeof path, "%s/%s", root, name);
        if (agent_fs_mkdirs(path, 0755, err) < 0)
            return -1;
    }
    return 0;
}

/* Lock released: the id of a container that already has this name. */
static int existing_id(agent_engine_t *e, const char *name, char id[DOCKER_ID_MAX + 1])
{
    cleanup_json json_t *info = NULL;
    ecs_error_t err;
    if (e->rt.inspect(e->rt.impl, name, &info, &err) != 1)
        return -1;
    const char *s = json_string_value(json_object_get(info, "Id"));
    if (s == NULL)
        return -1;
    snprintf(id, DOCKER_ID_MAX + 1, "%s", s);
    return 0;
}

static void step_create(agent_engine_t *e, agent_task_t *t, size_t i)
{
    char folder[4200], name[AGENT_DOCKER_NAME_MAX], id[DOCKER_ID_MAX + 1] = "";
    snprintf(folder, sizeof folder, "%s/volumes/%s", e->data_dir, t->id);
    snprintf(name, sizeof name, "%s", t->c[i].docker_name);
    cleanup_free const char **names = calloc(t->n, sizeof *names);
    for (size_t k = 0; names != NULL && k < t->n; k++)
        names[k] = t->c[k].docker_name;
    cleanup_json json_t *agent_env = agent_meta_env(e, t, i);
    agent_map_task_t mt = {.task_arn = t->arn, .cluster = e->cluster, .taskdef = t->taskdef,
                           .overrides = t->overrides, .docker_names = names, .volumes_dir = folder,
                           .cgroup_parent = t->cgroup_parent, .agent_env = agent_env,
                           .injected = t->injected};
    ecs_error_t err = {0};
    cleanup_json json_t *body = names ? agent_map_create_body(&mt, i, &err) : NULL;
    cleanup_json json_t *taskdef = json_incref(t->taskdef);
    if (body != NULL && t->awsvpc) { /* into the task's network namespace */
        char pause[AGENT_AWSVPC_NAME_MAX];
        agent_awsvpc_pause_name(t->id, pause);
        agent_awsvpc_join(body, pause);
    }
    if (body == NULL) {
        if (names == NULL)
            ecs_server_err(&err, "out of memory");
        failed(e, t, i, &err, "CannotCreateContainerError");
        return;
    }
    pthread_mutex_unlock(&e->lock);
    int rc = volume_folders(folder, taskdef, &err);
    if (rc == 0)
        rc = e->rt.create(e->rt.impl, name, body, id, &err);
    if (rc < 0 && strstr(err.message, "already in use") != NULL && existing_id(e, name, id) == 0) {
        log_info("container %s already exists (%.12s): taking it", name, id);
        rc = 0;
    }
    pthread_mutex_lock(&e->lock);
    if (t->c[i].known != AGENT_PULLED)
        return;
    if (rc < 0) {
        failed(e, t, i, &err, "CannotCreateContainerError");
        return;
    }
    snprintf(t->c[i].docker_id, sizeof t->c[i].docker_id, "%s", id);
    t->c[i].known = AGENT_CREATED;
}

/* Lock held: the container is running (just started or started again). */
static void now_running(agent_engine_t *e, agent_task_t *t, size_t i, const json_t *info)
{
    agent_container_t *c = &t->c[i];
    const char *health = json_string_value(
        json_object_get(json_object_get(json_object_get(info, "State"), "Health"), "Status"));
    if (c->known >= AGENT_RUNNING) { /* started again by its restart policy */
        c->restart_due = false;
        c->restarts++;
        c->restarted_ms = clock_now_ms();
        log_info("task %s: container %s running again (restart %d)", t->arn, c->name, c->restarts);
        agent_task_container_health(t, i, health ? agent_health_from_docker(health) : AGENT_HEALTH_UNKNOWN,
                                    &e->sink);
        return;
    }
    c->started_ms = clock_now_ms();
    if (info != NULL) { /* what the metadata endpoint shows of it */
        json_decref(c->inspect);
        c->inspect = json_incref((json_t *)info);
    }
    if (health != NULL && c->health != AGENT_HEALTH_NONE)
        c->health = agent_health_from_docker(health);
    log_info("task %s: container %s running (%.12s)", t->arn, c->name, c->docker_id);
    json_t *bindings = t->awsvpc ? agent_awsvpc_bindings(c->def, t->ip)
                       : info ? agent_map_container_bindings(t->taskdef, c->def, info)
                              : NULL;
    agent_task_container_running(t, i, bindings, &e->sink);
}

/* docker start (a created container, or an exited one again), then what
 * Docker says of it. */
static void step_start(agent_engine_t *e, agent_task_t *t, size_t i)
{
    char id[DOCKER_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", t->c[i].docker_id);
    bool again = t->c[i].restart_due;
    agent_cstatus_t was = t->c[i].known;
    pthread_mutex_unlock(&e->lock);
    ecs_error_t err = {0}, ierr;
    int rc = e->rt.start(e->rt.impl, id, &err);
    json_t *info = NULL;
    int found = rc == 0 ? e->rt.inspect(e->rt.impl, id, &info, &ierr) : -1;
    pthread_mutex_lock(&e->lock);
    cleanup_json json_t *owned = info;
    if (t->c[i].known != was || t->c[i].restart_due != again)
        return;
    if (rc < 0) {
        failed(e, t, i, &err, "CannotStartContainerError");
    } else if (found == 1 && !json_is_true(json_object_get(json_object_get(info, "State"), "Running"))) {
        int code;
        bool has_exit;
        const char *reason;
        agent_engine_exit_of(info, &code, &has_exit, &reason);
        t->c[i].restart_due = false; /* it did not stay up: no second try now */
        if (again)
            t->c[i].restarted_ms = clock_now_ms();
        agent_engine_stopped(e, t, i, has_exit ? &code : NULL, reason, false);
    } else {
        now_running(e, t, i, found == 1 ? info : NULL);
    }
}

/* awsvpc: every container stopped, the pause container goes (and the
 * task's address with it). */
static void step_release(agent_engine_t *e, agent_task_t *t)
{
    char id[sizeof t->id];
    snprintf(id, sizeof id, "%s", t->id);
    pthread_mutex_unlock(&e->lock);
    ecs_error_t err = {0};
    int rc = agent_awsvpc_release(&e->rt, id, &err);
    pthread_mutex_lock(&e->lock);
    if (rc < 0)
        log_warn("task %s: cannot remove its pause container: %s", t->arn, err.message);
    else
        log_info("task %s: its network namespace is released", t->arn);
    t->net_released = true; /* not tried again; after a restart it is an orphan, stopped and removed */
}

static void step_depfail(agent_engine_t *e, agent_task_t *t, size_t i)
{
    char reason[1024];
    agent_order_ready(t, i, clock_now_ms(), reason, sizeof reason);
    log_warn("task %s: %s", t->arn, reason);
    agent_engine_stopped(e, t, i, NULL, reason, true);
}

/* The stop grace of a container: its stopTimeout, else the agent's. */
static int stop_timeout_of(const agent_engine_t *e, const agent_container_t *c)
{
    json_int_t s = json_integer_value(json_object_get(c->def, "stopTimeout"));
    return s > 0 ? (int)s : e->stop_timeout_s;
}

static void thread_done(agent_engine_t *e)
{
    e->threads--;
    pthread_cond_broadcast(&e->idle);
}

static void *stopper_main(void *arg)
{
    job_t *j = arg;
    agent_engine_t *e = j->e;
    agent_task_t *t = j->t;
    size_t i = j->i;
    free(j);
    pthread_mutex_lock(&e->lock);
    char id[DOCKER_ID_MAX + 1];
    snprintf(id, sizeof id, "%s", t->c[i].docker_id);
    int timeout_s = stop_timeout_of(e, &t->c[i]);
    log_info("task %s: stopping container %s (%.12s), SIGKILL after %d s", t->arn, t->c[i].name, id, timeout_s);
    pthread_mutex_unlock(&e->lock);
    ecs_error_t err = {0}, ierr;
    int rc = e->rt.stop(e->rt.impl, id, timeout_s, &err);
    cleanup_json json_t *info = NULL;
    int found = e->rt.inspect(e->rt.impl, id, &info, &ierr);
    int code = 0;
    bool has_exit = false;
    const char *reason = NULL;
    char stop_reason[ECS_ERROR_MESSAGE_MAX + ECS_ERROR_TYPE_MAX + 4];
    if (found == 1)
        agent_engine_exit_of(info, &code, &has_exit, &reason);
    if (rc < 0) { /* ECS counts a failed stop as stopped */
        reason_of(&err, "CannotStopContainerError", stop_reason, sizeof stop_reason);
        reason = stop_reason;
        log_warn("task %s: %s", t->arn, stop_reason);
    }
    pthread_mutex_lock(&e->lock);
    t->c[i].busy = false;
    agent_engine_stopped(e, t, i, has_exit ? &code : NULL, reason, false);
    thread_done(e);
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

/* Lock held: a detached thread running fn(job), counted in e->threads. */
static int spawn(agent_engine_t *e, agent_task_t *t, size_t i, void *(*fn)(void *))
{
    job_t *j = malloc(sizeof *j);
    if (j == NULL)
        return -1;
    *j = (job_t){.e = e, .t = t, .i = i};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, THREAD_STACK);
    pthread_t th;
    int rc = pthread_create(&th, &attr, fn, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(j);
        log_error("cannot start a thread: %s", strerror(rc));
        return -1;
    }
    e->threads++;
    return 0;
}

static void *worker_main(void *arg)
{
    job_t *j = arg;
    agent_engine_t *e = j->e;
    agent_task_t *t = j->t;
    free(j);
    pthread_mutex_lock(&e->lock);
    while (!e->closing) {
        size_t i = 0;
        agent_action_t act = agent_task_next(t, clock_now_ms(), &i);
        if (act == AGENT_ACT_NONE)
            break;
        switch (act) {
        case AGENT_ACT_PREPARE:
            agent_prepare_task(e, t);
            break;
        case AGENT_ACT_DEPFAIL:
            step_depfail(e, t, i);
            break;
        case AGENT_ACT_PULL:
            step_pull(e, t, i);
            break;
        case AGENT_ACT_CREATE:
            step_create(e, t, i);
            break;
        case AGENT_ACT_START:
        case AGENT_ACT_RESTART:
            step_start(e, t, i);
            break;
        case AGENT_ACT_STOP:
            t->c[i].busy = true;
            if (spawn(e, t, i, stopper_main) < 0)
                t->c[i].busy = false; /* tried again at the next poll answer */
            break;
        case AGENT_ACT_ABANDON:
            agent_engine_stopped(e, t, i, NULL, NULL, false);
            break;
        case AGENT_ACT_RELEASE:
            step_release(e, t);
            break;
        default:
            break;
        }
        if (act == AGENT_ACT_STOP && !t->c[i].busy)
            break;
    }
    t->worker = false;
    thread_done(e);
    pthread_mutex_unlock(&e->lock);
    return NULL;
}

void agent_engine_kick(agent_engine_t *e, agent_task_t *t)
{
    size_t i;
    if (e->closing || t->worker || agent_task_next(t, clock_now_ms(), &i) == AGENT_ACT_NONE)
        return;
    t->worker = true;
    if (spawn(e, t, 0, worker_main) < 0)
        t->worker = false; /* tried again at the next poll answer */
}
