/* agent_watch.c - the events thread (Docker's event stream: exits are
 * known at once) and the housekeeping thread (cleanup every second; a
 * sweep for missed exits every SWEEP_EVERY_S, and soon after the event
 * stream was interrupted). */
#include <stdio.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/agent_map.h"
#include "common/clock.h"
#include "common/log.h"

#define SWEEP_EVERY_S 15
#define BACKOFF_MAX_MS 5000

/* Exits and health go to the engine; a start also tells the log shipper
 * to look for a new container to follow now, not at its next round. */
static void on_event(void *arg, const json_t *event)
{
    agent_t *a = arg;
    agent_engine_on_event(a->engine, event);
    const char *action = json_string_value(json_object_get(event, "Action"));
    if (action != NULL && strcmp(action, "start") == 0)
        agent_logs_kick(a->logs);
}

void *agent_events_main(void *arg)
{
    agent_t *a = arg;
    char label[400];
    snprintf(label, sizeof label, "%s=%s", AGENT_LABEL_CLUSTER, a->opts.cluster);
    agent_backoff_t b;
    agent_backoff_init(&b, BACKOFF_MAX_MS);
    while (!agent_stopping(a)) {
        ecs_error_t err = {0};
        int64_t t0 = clock_now_ms();
        int rc = a->rt.events(a->rt.impl, label, &a->events_stop, on_event, a, &err);
        if (rc == 0 || agent_stopping(a))
            break;
        if (clock_now_ms() - t0 > 10000)
            agent_backoff_init(&b, BACKOFF_MAX_MS);
        log_warn("Docker event stream: %s (reconnecting)", err.message);
        pthread_mutex_lock(&a->lock);
        a->sweep_now = true;
        pthread_mutex_unlock(&a->lock);
        agent_sleep(a, agent_backoff_next(&b));
    }
    return NULL;
}

void *agent_house_main(void *arg)
{
    agent_t *a = arg;
    int64_t last_sweep = clock_now_ms();
    while (agent_sleep(a, 1000)) {
        int64_t now = clock_now_ms();
        agent_engine_cleanup(a->engine, now);
        agent_engine_tick(a->engine);
        pthread_mutex_lock(&a->lock);
        bool sweep = a->sweep_now || now - last_sweep >= SWEEP_EVERY_S * 1000;
        a->sweep_now = false;
        pthread_mutex_unlock(&a->lock);
        if (sweep) {
            agent_engine_sweep(a->engine);
            last_sweep = now;
        }
    }
    return NULL;
}
