/* agent_poll.c - the poll thread: waits for Docker, adopts what an earlier
 * run left (agent_engine_scan), registers, then long-polls the desired
 * state (docs/agent-protocol.md §3) and hands every answer to the engine.
 * When the server is away it retries with backoff; when it no longer knows
 * the instance it registers anew. */
#include <stdio.h>
#include <string.h>

#include "agent/agent_int.h"
#include "common/cleanup.h"
#include "common/log.h"

#define POLL_WAIT_S 20
#define POLL_TIMEOUT_S (POLL_WAIT_S + 15)
#define BACKOFF_MAX_MS 5000

/* Repeats fn until it succeeds or the agent stops; logs the first failure
 * of a run of them and the recovery. */
typedef int (*step_fn)(agent_t *a, void *arg, ecs_error_t *err);

static bool retry(agent_t *a, const char *what, step_fn fn, void *arg)
{
    agent_backoff_t b;
    agent_backoff_init(&b, BACKOFF_MAX_MS);
    int failures = 0;
    while (!agent_stopping(a)) {
        ecs_error_t err = {0};
        if (fn(a, arg, &err) == 0) {
            if (failures > 0)
                log_info("%s: done after %d retries", what, failures);
            return true;
        }
        if (failures++ == 0 || failures % 20 == 0)
            log_warn("%s: %s: %s (retrying)", what, err.type, err.message);
        if (!agent_sleep(a, agent_backoff_next(&b)))
            break;
    }
    return false;
}

static int docker_up(agent_t *a, void *arg, ecs_error_t *err)
{
    return a->rt.version(a->rt.impl, arg, 64, err);
}

static int caps(agent_t *a, void *arg, ecs_error_t *err)
{
    (void)arg;
    return agent_read_caps(a, err);
}

static int scan(agent_t *a, void *arg, ecs_error_t *err)
{
    (void)arg;
    return agent_engine_scan(a->engine, err);
}

static int reg(agent_t *a, void *arg, ecs_error_t *err) { return agent_register(a, arg, err); }

static int discover(agent_t *a, void *arg, ecs_error_t *err) { return agent_discover(a, arg, 1024, err); }

/* One poll; 0 with the answer applied, -1 with err. */
static int poll_once(agent_t *a, const char *url, long long *index, bool *first, ecs_error_t *err)
{
    char arn[AGENT_ARN_MAX];
    pthread_mutex_lock(&a->lock);
    snprintf(arn, sizeof arn, "%s", a->instance_arn);
    pthread_mutex_unlock(&a->lock);
    cleanup_json json_t *in = json_pack("{s:s, s:s, s:I, s:i}", "cluster", a->opts.cluster, "containerInstance", arn,
                                        "index", (json_int_t)*index, "waitSeconds", POLL_WAIT_S);
    cleanup_free char *body = in ? json_dumps(in, JSON_COMPACT) : NULL;
    cleanup_json json_t *out = NULL;
    if (body == NULL)
        return ecs_server_err(err, "out of memory");
    if (agent_client_post(a->client, url, body, POLL_TIMEOUT_S, &out, err) < 0)
        return -1;
    json_t *tasks = json_object_get(out, "tasks");
    if (!json_is_array(tasks))
        return ecs_server_err(err, "the poll answer has no tasks");
    agent_engine_apply(a->engine, tasks);
    if (*first) { /* exits between the scan and this first answer had no owner yet */
        *first = false;
        agent_engine_sweep(a->engine);
    }
    *index = json_integer_value(json_object_get(out, "index"));
    return 0;
}

void *agent_poll_main(void *arg)
{
    agent_t *a = arg;
    char docker_version[64] = "", url[1024] = "";
    if (!retry(a, "Docker", docker_up, docker_version) || !retry(a, "asking Docker what it can do", caps, NULL) ||
        !retry(a, "listing the containers", scan, NULL))
        return NULL;
    log_info("Docker %s answers", docker_version);
    bool first = true;
    while (!agent_stopping(a)) {
        if (!retry(a, "registering", reg, docker_version) || !retry(a, "discovering", discover, url))
            break;
        log_info("polling %s", url);
        long long index = 0;
        agent_backoff_t b;
        agent_backoff_init(&b, BACKOFF_MAX_MS);
        int failures = 0;
        while (!agent_stopping(a)) {
            ecs_error_t err = {0};
            if (poll_once(a, url, &index, &first, &err) == 0) {
                if (failures > 0)
                    log_info("polling again after %d failures", failures);
                failures = 0;
                agent_backoff_init(&b, BACKOFF_MAX_MS);
                continue;
            }
            if (agent_stopping(a))
                break;
            if (strcmp(err.type, "InactiveInstanceException") == 0 ||
                (err.status == 400 && strcmp(err.type, "InvalidParameterException") == 0)) {
                log_warn("the server no longer knows this instance (%s): registering anew", err.message);
                agent_forget_instance(a);
                break;
            }
            if (failures++ == 0)
                log_warn("poll: %s: %s (retrying)", err.type, err.message);
            if (!agent_sleep(a, agent_backoff_next(&b)))
                break;
            /* the server may be back at another address; with several
             * servers, ask another where to poll at once */
            if (failures % 5 == 0 ||
                (err.status == AGENT_CLIENT_UNREACHABLE && agent_client_endpoints(a->client) > 1))
                break;
        }
    }
    return NULL;
}
