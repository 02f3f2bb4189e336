#include "agent/agent_engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent_awsvpc.h"
#include "agent/agent_cgroup.h"
#include "agent/agent_engine_int.h"
#include "agent/agent_fs.h"
#include "common/cleanup.h"
#include "common/clock.h"
#include "common/log.h"

#define VANISHED "ContainerVanishedError: No container matching saved ID found"
#define OOM "OutOfMemoryError: Container killed due to memory usage"

/* The sink: a report goes into the on-disk queue (called with the lock held,
 * so the reports of a task are queued in order). */
static void push_report(void *arg, const char *op, json_t *body)
{
    agent_engine_t *e = arg;
    cleanup_json json_t *b = body;
    cleanup_free char *text = json_dumps(b, JSON_COMPACT);
    const char *name = json_string_value(json_object_get(b, "containerName"));
    log_info("report: task %s%s%s %s", json_string_value(json_object_get(b, "task")), name ? " container " : "",
             name ? name : "", json_string_value(json_object_get(b, "status")));
    ecs_error_t err;
    if (text == NULL || agent_queue_push(e->queue, op, text, &err) < 0)
        log_error("%s", text ? err.message : "out of memory: a state change is lost");
}

agent_engine_t *agent_engine_new(agent_runtime_t rt, agent_queue_t *queue, const agent_engine_cfg_t *cfg)
{
    agent_engine_t *e = calloc(1, sizeof *e);
    if (e == NULL)
        return NULL;
    e->rt = rt;
    e->queue = queue;
    e->cluster = strdup(cfg->cluster);
    e->data_dir = strdup(cfg->data_dir);
    e->cgroup_root = strdup(cfg->cgroup_root ? cfg->cgroup_root : "/sys/fs/cgroup");
    e->env_files_dir = strdup(cfg->env_files_dir ? cfg->env_files_dir : "");
    e->client = cfg->client;
    e->stop_timeout_s = cfg->stop_timeout_s;
    e->cleanup_delay_ms = cfg->cleanup_delay_ms;
    snprintf(e->region, sizeof e->region, "%s", cfg->region ? cfg->region : "us-east-1");
    snprintf(e->awsvpc_subnet, sizeof e->awsvpc_subnet, "%s",
             cfg->awsvpc_subnet && cfg->awsvpc_subnet[0] ? cfg->awsvpc_subnet : AGENT_AWSVPC_DEFAULT_SUBNET);
    e->keep = cfg->keep;
    e->keep_arg = cfg->keep_arg;
    agent_caps_from_docker(NULL, NULL, &e->caps);
    if (e->cluster == NULL || e->data_dir == NULL || e->cgroup_root == NULL || e->env_files_dir == NULL) {
        free(e->env_files_dir);
        free(e->cluster);
        free(e->data_dir);
        free(e->cgroup_root);
        free(e);
        return NULL;
    }
    e->sink = (agent_sink_t){.fn = push_report, .arg = e, .cluster = e->cluster};
    pthread_mutex_init(&e->lock, NULL);
    pthread_cond_init(&e->idle, NULL);
    return e;
}

void agent_engine_free(agent_engine_t *e)
{
    if (e == NULL)
        return;
    while (e->tasks != NULL) {
        agent_task_t *t = e->tasks;
        e->tasks = t->next;
        agent_task_free(t);
    }
    json_decref(e->found);
    pthread_cond_destroy(&e->idle);
    pthread_mutex_destroy(&e->lock);
    free(e->cluster);
    free(e->data_dir);
    free(e->cgroup_root);
    free(e->tmds_url);
    free(e->tmds_region);
    free(e->tmds_az);
    free(e->env_files_dir);
    free(e);
}

void agent_engine_set_caps(agent_engine_t *e, const agent_caps_t *caps)
{
    pthread_mutex_lock(&e->lock);
    e->caps = *caps;
    pthread_mutex_unlock(&e->lock);
}

int agent_engine_scan(agent_engine_t *e, ecs_error_t *err)
{
    json_t *found = agent_adopt_scan(&e->rt, e->cluster, err);
    if (found == NULL)
        return -1;
    pthread_mutex_lock(&e->lock);
    json_decref(e->found);
    e->found = found;
    pthread_mutex_unlock(&e->lock);
    return 0;
}

static agent_task_t *find_task(agent_engine_t *e, const char *arn)
{
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        if (strcmp(t->arn, arn) == 0)
            return t;
    return NULL;
}

void agent_engine_stopped(agent_engine_t *e, agent_task_t *t, size_t i, const int *exit_code, const char *reason,
                          bool failed)
{
    agent_container_t *c = &t->c[i];
    if (!failed && c->known == AGENT_RUNNING && agent_order_should_restart(t, i, exit_code, clock_now_ms())) {
        log_info("task %s: container %s exited with %d: its restart policy starts it again", t->arn, c->name,
                 *exit_code);
        c->restart_due = true;
        agent_engine_kick(e, t);
        return;
    }
    if (agent_task_container_stopped(t, i, exit_code, reason, failed, &e->sink))
        log_info("task %s: essential container %s stopped, stopping the task", t->arn, t->c[i].name);
    agent_engine_kick(e, t);
}

void agent_engine_exit_of(const json_t *inspect, int *exit_code, bool *has_exit, const char **reason)
{
    json_t *state = json_object_get(inspect, "State");
    json_t *code = json_object_get(state, "ExitCode");
    *has_exit = json_is_integer(code);
    *exit_code = (int)json_integer_value(code);
    *reason = json_is_true(json_object_get(state, "OOMKilled")) ? OOM : NULL;
}

void agent_engine_apply(agent_engine_t *e, const json_t *tasks)
{
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        t->in_poll = false;
    size_t k;
    json_t *entry;
    json_array_foreach(tasks, k, entry) {
        const char *arn = json_string_value(json_object_get(entry, "taskArn"));
        if (arn == NULL)
            continue;
        agent_task_t *t = find_task(e, arn);
        if (t != NULL) {
            t->in_poll = true;
            const char *desired = json_string_value(json_object_get(entry, "desiredStatus"));
            if (desired != NULL && strcmp(desired, "STOPPED") == 0 && !t->desired_stopped) {
                log_info("task %s: the server wants it stopped", arn);
                agent_task_desire_stop(t);
            }
            agent_meta_take(e, t, entry, false); /* renewed credentials */
            continue;
        }
        t = agent_task_from_poll(entry);
        if (t == NULL) {
            log_error("task %s: out of memory", arn);
            continue;
        }
        t->next = e->tasks;
        e->tasks = t;
        bool found = !e->applied && json_object_get(e->found, arn) != NULL;
        char why[1024];
        if (t->n > 0 && !t->desired_stopped && !t->running_sent && !found &&
            agent_map_task_check(t->taskdef, &e->caps, why, sizeof why) < 0) {
            log_warn("task %s: %s", arn, why);
            agent_task_fail(t, why);
        }
        agent_meta_take(e, t, entry, true);
        if (!e->applied)
            agent_adopt_task(e, t, json_object_get(e->found, arn));
        log_info("task %s (%s:%lld): %s", arn, t->family, t->revision,
                 t->desired_stopped ? "to be stopped" : "to be run");
        agent_task_check(t, &e->sink); /* a task that cannot run is reported at once */
    }
    if (!e->applied) {
        agent_adopt_orphans(e, tasks);
        json_decref(e->found);
        e->found = NULL;
        e->applied = true;
    }
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next) {
        if (!t->in_poll && !t->desired_stopped && !t->silent) {
            log_info("task %s: no longer listed by the server, stopping it", t->arn);
            agent_task_desire_stop(t);
        }
        agent_engine_kick(e, t);
    }
    pthread_mutex_unlock(&e->lock);
}

/* Lock held: the task and container with this Docker id. */
static agent_task_t *by_docker_id(agent_engine_t *e, const char *id, size_t *i)
{
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next) {
        agent_container_t *c = agent_task_by_docker_id(t, id);
        if (c != NULL) {
            *i = (size_t)(c - t->c);
            return t;
        }
    }
    return NULL;
}

/* The container with this id exited: inspects it (lock released) and reports. */
static void exited(agent_engine_t *e, const char *id, const json_t *event)
{
    cleanup_json json_t *info = NULL;
    ecs_error_t err;
    int found = e->rt.inspect(e->rt.impl, id, &info, &err);
    int code = 0;
    bool has_exit = false;
    const char *reason = NULL;
    if (found == 1) {
        if (json_is_true(json_object_get(json_object_get(info, "State"), "Running")))
            return; /* restarted meanwhile (not by us): nothing to report */
        agent_engine_exit_of(info, &code, &has_exit, &reason);
    } else if (found == 0) {
        reason = VANISHED;
    } else {
        const char *attr = json_string_value(
            json_object_get(json_object_get(json_object_get(event, "Actor"), "Attributes"), "exitCode"));
        has_exit = attr != NULL;
        code = attr ? atoi(attr) : 0;
    }
    pthread_mutex_lock(&e->lock);
    size_t i;
    agent_task_t *t = by_docker_id(e, id, &i);
    if (t != NULL && t->c[i].known != AGENT_STOPPED) {
        log_info("task %s: container %s exited%s%d", t->arn, t->c[i].name, has_exit ? " with " : "",
                 has_exit ? code : 0);
        if (found == 1) { /* its FinishedAt, for the metadata endpoint */
            json_decref(t->c[i].inspect);
            t->c[i].inspect = json_incref(info);
        }
        agent_engine_stopped(e, t, i, has_exit ? &code : NULL, reason, false);
    }
    pthread_mutex_unlock(&e->lock);
}

void agent_engine_on_event(void *engine, const json_t *event)
{
    agent_engine_t *e = engine;
    const char *action = json_string_value(json_object_get(event, "Action"));
    if (action == NULL)
        action = json_string_value(json_object_get(event, "status"));
    const char *id = json_string_value(json_object_get(json_object_get(event, "Actor"), "ID"));
    if (id == NULL)
        id = json_string_value(json_object_get(event, "id"));
    if (action == NULL || id == NULL)
        return;
    if (strncmp(action, "health_status:", 14) == 0) {
        const char *verdict = action + 14;
        while (*verdict == ' ')
            verdict++;
        pthread_mutex_lock(&e->lock);
        size_t i;
        agent_task_t *t = by_docker_id(e, id, &i);
        if (t != NULL && t->c[i].known == AGENT_RUNNING) {
            agent_task_container_health(t, i, agent_health_from_docker(verdict), &e->sink);
            agent_engine_kick(e, t); /* a container may wait for it to be HEALTHY */
        }
        pthread_mutex_unlock(&e->lock);
        return;
    }
    if (strcmp(action, "die") != 0)
        return;
    pthread_mutex_lock(&e->lock);
    size_t i;
    agent_task_t *t = by_docker_id(e, id, &i);
    bool known = t != NULL && t->c[i].known != AGENT_STOPPED && !t->c[i].restart_due;
    pthread_mutex_unlock(&e->lock);
    if (known)
        exited(e, id, event);
}

/* A running container's health as Docker's inspect says it. */
static void health_seen(agent_engine_t *e, const char *id, const json_t *info)
{
    const char *status = json_string_value(json_object_get(json_object_get(json_object_get(info, "State"), "Health"),
                                                           "Status"));
    if (status == NULL)
        return;
    pthread_mutex_lock(&e->lock);
    size_t i;
    agent_task_t *t = by_docker_id(e, id, &i);
    if (t != NULL && t->c[i].known == AGENT_RUNNING && !t->c[i].restart_due) {
        agent_task_container_health(t, i, agent_health_from_docker(status), &e->sink);
        agent_engine_kick(e, t);
    }
    pthread_mutex_unlock(&e->lock);
}

void agent_engine_tick(agent_engine_t *e)
{
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        if (!t->desired_stopped && !t->stopped_sent)
            agent_engine_kick(e, t);
    pthread_mutex_unlock(&e->lock);
}

void agent_engine_sweep(agent_engine_t *e)
{
    /* the ids of containers believed running, copied out of the lock */
    size_t n = 0, cap = 0;
    char (*ids)[DOCKER_ID_MAX + 1] = NULL;
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next) {
        for (size_t i = 0; i < t->n; i++) {
            if (t->c[i].known != AGENT_RUNNING || t->c[i].busy || t->c[i].restart_due ||
                t->c[i].docker_id[0] == '\0')
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                void *bigger = realloc(ids, cap * sizeof *ids);
                if (bigger == NULL)
                    break;
                ids = bigger;
            }
            memcpy(ids[n++], t->c[i].docker_id, DOCKER_ID_MAX + 1);
        }
    }
    pthread_mutex_unlock(&e->lock);
    for (size_t k = 0; k < n; k++) {
        cleanup_json json_t *info = NULL;
        ecs_error_t err;
        int found = e->rt.inspect(e->rt.impl, ids[k], &info, &err);
        if (found < 0)
            break; /* Docker away: try at the next sweep */
        if (found == 0 || !json_is_true(json_object_get(json_object_get(info, "State"), "Running")))
            exited(e, ids[k], NULL);
        else
            health_seen(e, ids[k], info);
    }
    free(ids);
}

/* A task whose containers can go: stopped long enough, no Docker work left. */
static bool cleanup_due(const agent_engine_t *e, const agent_task_t *t, int64_t now_ms)
{
    if (t->cleaned || t->worker || t->stopped_ms == 0 || now_ms < t->stopped_ms + e->cleanup_delay_ms)
        return false;
    for (size_t i = 0; i < t->n; i++)
        if (t->c[i].known != AGENT_STOPPED || t->c[i].busy)
            return false;
    bool late = now_ms >= t->stopped_ms + e->cleanup_delay_ms + AGENT_KEEP_MAX_MS;
    for (size_t i = 0; e->keep != NULL && !late && i < t->n; i++)
        if (t->c[i].docker_id[0] != '\0' && e->keep(e->keep_arg, t->c[i].docker_id))
            return false; /* its output is still being shipped */
    return true;
}

/* What a task's cleanup removes besides its containers: the Docker
 * volumes of scope task and its cgroup (known from its definition; an
 * orphan without one may have a cgroup too). Lock held. */
typedef struct leftovers {
    char (*volumes)[AGENT_DOCKER_NAME_MAX];
    size_t n_volumes;
    bool cgroup;
    int cgroup_version;
    char task_id[64];
} leftovers_t;

static void leftovers_of(const agent_engine_t *e, const agent_task_t *t, leftovers_t *l)
{
    *l = (leftovers_t){.cgroup_version = e->caps.cgroup_version};
    snprintf(l->task_id, sizeof l->task_id, "%s", t->id);
    int64_t cpu = 0, mem = 0;
    char why[256];
    l->cgroup = t->taskdef == NULL || t->cgroup_parent[0] != '\0' ||
                (agent_map_task_limits(t->taskdef, &cpu, &mem, why, sizeof why) == 0 && (cpu > 0 || mem > 0));
    json_t *vols = json_object_get(t->taskdef, "volumes");
    l->volumes = calloc(json_array_size(vols) + 1, sizeof *l->volumes);
    size_t k;
    json_t *v;
    json_array_foreach(vols, k, v)
        if (l->volumes != NULL && json_is_object(json_object_get(v, "dockerVolumeConfiguration")) &&
            agent_map_volume_task_scoped(v))
            agent_map_volume_name(t->taskdef, v, t->arn, l->volumes[l->n_volumes++]);
}

static void remove_leftovers(agent_engine_t *e, leftovers_t *l)
{
    for (size_t k = 0; k < l->n_volumes; k++) {
        ecs_error_t err;
        if (e->rt.volume_remove != NULL && e->rt.volume_remove(e->rt.impl, l->volumes[k], &err) < 0)
            log_warn("cannot remove volume %s: %s", l->volumes[k], err.message);
    }
    free(l->volumes);
    if (l->cgroup && l->cgroup_version > 0)
        agent_cgroup_remove(e->cgroup_root, l->cgroup_version, l->task_id);
}

void agent_engine_cleanup(agent_engine_t *e, int64_t now_ms)
{
    for (;;) {
        char (*ids)[DOCKER_ID_MAX + 1] = NULL;
        size_t n = 0;
        char folder[4200] = "";
        leftovers_t left;
        pthread_mutex_lock(&e->lock);
        agent_task_t *t = e->tasks;
        while (t != NULL && !cleanup_due(e, t, now_ms))
            t = t->next;
        if (t != NULL) {
            t->cleaned = true;
            ids = calloc(t->n ? t->n : 1, sizeof *ids);
            for (size_t i = 0; ids != NULL && i < t->n; i++)
                if (t->c[i].docker_id[0] != '\0')
                    memcpy(ids[n++], t->c[i].docker_id, DOCKER_ID_MAX + 1);
            snprintf(folder, sizeof folder, "%s/volumes/%s", e->data_dir, t->id);
            leftovers_of(e, t, &left);
            log_info("task %s: removing its %zu stopped containers", t->arn, n);
        }
        pthread_mutex_unlock(&e->lock);
        if (t == NULL)
            break;
        for (size_t i = 0; i < n; i++) {
            ecs_error_t err;
            if (e->rt.remove(e->rt.impl, ids[i], &err) < 0)
                log_warn("cannot remove container %.12s: %s", ids[i], err.message);
        }
        free(ids);
        remove_leftovers(e, &left);
        if (agent_fs_remove_tree(folder) < 0)
            log_warn("cannot remove %s", folder);
    }
    /* forget what is cleaned and no longer listed by the server */
    pthread_mutex_lock(&e->lock);
    for (agent_task_t **pp = &e->tasks; *pp != NULL;) {
        agent_task_t *t = *pp;
        if (t->cleaned && !t->in_poll && !t->worker) {
            *pp = t->next;
            log_info("task %s: forgotten", t->arn);
            agent_task_free(t);
        } else {
            pp = &t->next;
        }
    }
    pthread_mutex_unlock(&e->lock);
}

json_t *agent_engine_tasks_json(agent_engine_t *e)
{
    json_t *list = json_array();
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        if (!t->silent)
            json_array_append_new(list, agent_task_view(t));
    pthread_mutex_unlock(&e->lock);
    return json_pack("{s:o}", "Tasks", list);
}

size_t agent_engine_count(agent_engine_t *e)
{
    size_t n = 0;
    pthread_mutex_lock(&e->lock);
    for (agent_task_t *t = e->tasks; t != NULL; t = t->next)
        n++;
    pthread_mutex_unlock(&e->lock);
    return n;
}

int agent_engine_close(agent_engine_t *e, int timeout_ms)
{
    struct timespec ts;
    clock_deadline(&ts, timeout_ms);
    pthread_mutex_lock(&e->lock);
    e->closing = true;
    while (e->threads > 0 && pthread_cond_timedwait(&e->idle, &e->lock, &ts) == 0)
        ;
    int left = e->threads;
    pthread_mutex_unlock(&e->lock);
    if (left > 0)
        log_warn("agent: %d Docker calls still in flight at shutdown", left);
    return left > 0 ? -1 : 0;
}
