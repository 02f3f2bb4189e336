/* scheduler.h - the service scheduler: a thread that keeps every ACTIVE
 * service at its desiredCount, rolls deployments, and drains DRAINING
 * services (ecs-behavior.md §7).
 *
 * Each tick it finds the services that may need something and reconciles
 * each in transactions of its own (sched/svc_reconcile.h). A service needs
 * a look when
 *   - its record changed (an operation, or another process): found by the
 *     record's num (last change, ms) through an index, not by reading all;
 *   - one of its tasks stopped: found the same way (a stopped task's num is
 *     its stoppedAt);
 *   - its last reconciliation left work in flight (tasks PENDING, a rollout,
 *     tasks not placed, a launch throttle): it is "hot" until steady;
 *   - a full pass is due (every SCHED_FULL_PASS_MS, and when this process
 *     takes the lead): every service, as a safety net (for a commit that
 *     landed later than the scans look back, and to repeat a steady
 *     service's "steady state" event every 6 hours as ECS does).
 * So a tick over services that are all steady reads almost nothing.
 *
 * sched_ring() is the doorbell (model_service_t.on_change): a commit that
 * stopped a task, registered an instance or changed a service rings it and
 * the thread ticks at once instead of at the next period.
 *
 * Only the process holding the store's scheduler lease acts
 * (sched/sched_lease.h). */
#ifndef ECSD_SCHED_SCHEDULER_H
#define ECSD_SCHED_SCHEDULER_H

#include <stdint.h>

#include "model/context.h"

#define SCHED_FULL_PASS_MS 300000

typedef struct sched sched_t;

typedef struct sched_tick_stats {
    double ms, cpu_ms;  /* how long the tick took: wall clock, and this thread's CPU time */
    int looked_at;      /* services reconciled */
    int started, stopped;
    int hot;            /* services still in flight afterwards */
    bool full_pass;
    bool leader;
} sched_tick_stats_t;

/* A scheduler for svc (tick_ms: the period), not running yet: set
 * svc->on_change = sched_ring, on_change_arg = it, then sched_start. */
sched_t *sched_new(const model_service_t *svc, int tick_ms);
/* Starts its thread. -1 on failure. */
int sched_start(sched_t *s);
/* The doorbell; safe from any thread, also after sched_stop. */
void sched_ring(void *arg);
/* Stops the thread (and gives up the lease); the object stays valid for
 * late rings until sched_free. */
void sched_stop(sched_t *s);
void sched_free(sched_t *s);

/* One tick now, in the caller's thread (tests; never while the thread runs). */
int sched_tick(sched_t *s, bool rung, sched_tick_stats_t *st);

#endif
