/* agent_int.h - the agent's shared state, for its thread modules
 * (agent.c, agent_poll.c, agent_sender.c, agent_watch.c,
 * agent_introspect.c). Not for other modules. */
#ifndef ECSD_AGENT_INT_H
#define ECSD_AGENT_INT_H

#include <pthread.h>
#include <stdbool.h>

#include "agent/agent.h"
#include "agent/agent_caps.h"
#include "agent/agent_client.h"
#include "agent/agent_engine.h"
#include "agent/agent_logs.h"
#include "agent/agent_queue.h"
#include "agent/agent_runtime.h"
#include "agent/docker.h"

#define AGENT_ARN_MAX 512

struct agent {
    agent_opts_t opts;           /* read-only after start */
    char data_dir[4096];         /* absolute */
    docker_t *docker;
    agent_runtime_t rt;
    agent_queue_t *queue;
    agent_engine_t *engine;
    agent_client_t *client;
    pthread_mutex_t lock;        /* guards stopping, instance_arn, sweep_now */
    pthread_cond_t cond;         /* wakes sleepers when stopping */
    bool stopping;
    bool sweep_now;              /* the event stream was down: look for missed exits */
    char instance_arn[AGENT_ARN_MAX];
    agent_caps_t caps;           /* the engine's, read by the poll thread before registering */
    volatile bool events_stop;   /* docker_events polls it */
    pthread_t poll_th, sender_th, events_th, house_th;
    bool poll_on, sender_on, events_on, house_on;
    struct introspect *introspect;
    struct task_endpoint *tmds;  /* the task metadata endpoint (agent_metadata.c), NULL when off */
    agent_logs_t *logs;          /* the awslogs shipper */
};

/* Sleeps ms unless the agent stops first; false when stopping. */
bool agent_sleep(agent_t *a, int ms);
bool agent_stopping(agent_t *a);

/* Retry delays: 250 ms growing x1.5 to max_ms, with 20 % jitter. */
typedef struct agent_backoff {
    int next_ms, max_ms;
} agent_backoff_t;
void agent_backoff_init(agent_backoff_t *b, int max_ms);
int agent_backoff_next(agent_backoff_t *b);

void *agent_poll_main(void *arg);
void *agent_sender_main(void *arg);
void *agent_events_main(void *arg);
void *agent_house_main(void *arg);

/* agent_register.c */
/* Reads what the engine can do (Docker's /version and /info) into a->caps
 * and hands it to the task engine. */
int agent_read_caps(agent_t *a, ecs_error_t *err);
int agent_register(agent_t *a, const char *docker_version, ecs_error_t *err);
int agent_discover(agent_t *a, char *url, size_t size, ecs_error_t *err);
/* Forgets the saved instance (it was deregistered). */
void agent_forget_instance(agent_t *a);

/* agent_introspect.c */
int agent_introspect_start(agent_t *a, const char *addr, ecs_error_t *err);
void agent_introspect_stop(agent_t *a);

/* agent_metadata.c: the task metadata and credentials endpoint on
 * --task-endpoint (none when empty); tells the engine where it is. -1
 * when it cannot serve (the agent runs on without it). */
int agent_tmds_start(agent_t *a, ecs_error_t *err);
void agent_tmds_stop(agent_t *a);

#endif
