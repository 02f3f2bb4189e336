/* agent_order.c - when a container may start and when it may stop
 * (links, volumesFrom, dependsOn with startTimeout, as the ECS agent's
 * dependency graph decides), and whether an exited one is started again
 * (restartPolicy, as the ECS agent's restart tracker decides). Pure. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_task.h"

#define DEFAULT_RESTART_PERIOD_S 300

__attribute__((format(printf, 3, 4))) static agent_dep_t failed(char *reason, size_t size, const char *fmt, ...)
{
    if (reason != NULL && size > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(reason, size, fmt, ap);
        va_end(ap);
    }
    return AGENT_DEP_FAILED;
}

/* The container a links / volumesFrom / dependsOn entry names, or -1. */
static int target_of(const agent_task_t *t, const json_t *dep)
{
    const char *s = json_string_value(dep);
    size_t len = 0;
    if (s != NULL) { /* a link "name[:alias]" */
        const char *colon = strchr(s, ':');
        len = colon ? (size_t)(colon - s) : strlen(s);
    } else {
        s = json_string_value(json_object_get(dep, "sourceContainer"));
        if (s == NULL)
            s = json_string_value(json_object_get(dep, "containerName"));
        len = s ? strlen(s) : 0;
    }
    for (size_t k = 0; s != NULL && k < t->n; k++)
        if (strlen(t->c[k].name) == len && memcmp(t->c[k].name, s, len) == 0)
            return (int)k;
    return -1;
}

static long long start_timeout_s(const agent_container_t *c)
{
    return (long long)json_integer_value(json_object_get(c->def, "startTimeout"));
}

/* One dependsOn condition of container `who` on container d. */
static agent_dep_t condition(const agent_container_t *who, const agent_container_t *d, const char *cond, int64_t now_ms,
                             char *reason, size_t size)
{
#define DEP_FAILED(...) failed(reason, size, "CannotStartContainerError: container %s: dependency on " __VA_ARGS__)
    bool stopped = d->known == AGENT_STOPPED, started = d->started_ms > 0;
    if (strcmp(cond, "START") == 0) {
        if (started || d->known == AGENT_RUNNING)
            return AGENT_DEP_MET;
        return stopped ? DEP_FAILED("%s (START): it stopped without starting", who->name, d->name) : AGENT_DEP_WAIT;
    }
    if (strcmp(cond, "COMPLETE") == 0 || strcmp(cond, "SUCCESS") == 0) {
        bool success = cond[0] == 'S';
        if (stopped && !d->has_exit_code)
            return DEP_FAILED("%s (%s): it stopped without an exit code", who->name, d->name, cond);
        if (stopped && success && d->exit_code != 0)
            return DEP_FAILED("%s (SUCCESS): it exited with code %d", who->name, d->name, d->exit_code);
        if (stopped)
            return AGENT_DEP_MET;
    } else if (strcmp(cond, "HEALTHY") == 0) {
        if (d->health == AGENT_HEALTH_NONE)
            return DEP_FAILED("%s (HEALTHY): it has no healthCheck", who->name, d->name);
        if (stopped)
            return DEP_FAILED("%s (HEALTHY): it stopped", who->name, d->name);
        if (d->health == AGENT_HEALTH_HEALTHY && d->known == AGENT_RUNNING)
            return AGENT_DEP_MET;
    } else {
        return DEP_FAILED("%s: unknown condition '%.20s'", who->name, d->name, cond);
    }
    /* COMPLETE, SUCCESS or HEALTHY not met yet: the dependency's own startTimeout */
    long long timeout = start_timeout_s(d);
    if (started && timeout > 0 && now_ms > d->started_ms + timeout * 1000)
        return DEP_FAILED("%s (%s): not met within its startTimeout of %llds", who->name, d->name, cond, timeout);
    return AGENT_DEP_WAIT;
#undef DEP_FAILED
}

agent_dep_t agent_order_ready(const agent_task_t *t, size_t i, int64_t now_ms, char *reason, size_t size)
{
    const agent_container_t *c = &t->c[i];
    static const char *const steady[] = {"links", "volumesFrom"};
    for (size_t m = 0; m < 2; m++) {
        size_t k;
        json_t *dep;
        json_array_foreach(json_object_get(c->def, steady[m]), k, dep)
        {
            int d = target_of(t, dep);
            if (d >= 0 && t->c[d].known < AGENT_RUNNING)
                return AGENT_DEP_WAIT;
        }
    }
    size_t k;
    json_t *dep;
    json_array_foreach(json_object_get(c->def, "dependsOn"), k, dep)
    {
        int d = target_of(t, dep);
        const char *cond = json_string_value(json_object_get(dep, "condition"));
        if (d < 0 || (size_t)d == i)
            return failed(reason, size,
                          "CannotStartContainerError: container %s: dependsOn names no other "
                          "container of the task",
                          c->name);
        agent_dep_t r = condition(c, &t->c[d], cond ? cond : "START", now_ms, reason, size);
        if (r != AGENT_DEP_MET)
            return r;
    }
    return AGENT_DEP_MET;
}

bool agent_order_may_stop(const agent_task_t *t, size_t i)
{
    for (size_t j = 0; j < t->n; j++) {
        if (j == i || t->c[j].known == AGENT_STOPPED)
            continue;
        size_t k;
        json_t *dep;
        json_array_foreach(json_object_get(t->c[j].def, "dependsOn"), k,
                           dep) if (target_of(t, dep) == (int)i) return false;
    }
    return true;
}

bool agent_order_should_restart(const agent_task_t *t, size_t i, const int *exit_code, int64_t now_ms)
{
    const agent_container_t *c = &t->c[i];
    const json_t *policy = json_object_get(c->def, "restartPolicy");
    if (!json_is_true(json_object_get(policy, "enabled")) || t->desired_stopped || exit_code == NULL)
        return false;
    size_t k;
    json_t *code;
    json_array_foreach(json_object_get(policy, "ignoredExitCodes"), k,
                       code) if (json_integer_value(code) == *exit_code) return false;
    json_t *p = json_object_get(policy, "restartAttemptPeriod");
    long long period = json_is_integer(p) ? json_integer_value(p) : DEFAULT_RESTART_PERIOD_S;
    int64_t since = c->restarted_ms > 0 ? c->restarted_ms : c->started_ms;
    return since > 0 && now_ms - since >= period * 1000;
}
