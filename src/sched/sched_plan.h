/* sched_plan.h - what the service scheduler does to one service, decided
 * from counts alone (ecs-behavior.md §7.2-7.5). Pure: no store, no clock,
 * no I/O, so every rule is a unit test (tests/unit/test_scheduler.c); the
 * reconciler (sched/svc_reconcile.c) loads the counts and carries out the
 * plan in one transaction.
 *
 * Counts are of the service's tasks that have not STOPPED yet:
 *   running  - desiredStatus RUNNING, lastStatus RUNNING  (healthy)
 *   pending  - desiredStatus RUNNING, lastStatus PENDING
 *   stopping - desiredStatus STOPPED, not STOPPED yet     (on their way out)
 */
#ifndef ECSD_SCHED_SCHED_PLAN_H
#define ECSD_SCHED_SCHED_PLAN_H

#include <stdbool.h>
#include <stdint.h>

/* One deployment: counts in, decisions out. */
typedef struct plan_deploy {
    int running, pending, stopping; /* in */
    int stop_pending, stop_running; /* out: how many of each to stop now */
    int desired;                    /* out: the desiredCount it shows */
    bool drop;                      /* out: not PRIMARY and nothing left: INACTIVE, leaves the list */
} plan_deploy_t;

typedef struct plan_params {
    int desired;       /* service desiredCount */
    int min_pct;       /* minimumHealthyPercent, 0..100 */
    int max_pct;       /* maximumPercent, >= 100 */
    bool draining;     /* DeleteService: stop everything */
    bool can_start;    /* the launch throttle allows starting tasks now */
} plan_params_t;

typedef struct plan_result {
    int start;      /* new tasks for the PRIMARY deployment */
    int want;       /* tasks the PRIMARY still lacks (start may be less) */
    bool steady;    /* one deployment, desiredCount RUNNING, nothing pending or stopping, nothing to do */
    bool deadlock;  /* the deployment configuration lets nothing move (e.g. 100/100) */
    bool inactive;  /* draining and no task left: the service turns INACTIVE */
} plan_result_t;

/* d[0] is the PRIMARY deployment, d[1..n-1] the older ACTIVE ones, newest
 * first (the order ECS lists them); old tasks are stopped oldest first.
 * Fills the out members of d and *r. */
void sched_plan(const plan_params_t *p, plan_deploy_t *d, int n, plan_result_t *r);

/* floor(desired * max_pct / 100) and ceil(desired * min_pct / 100). */
int64_t plan_max_tasks(int desired, int max_pct);
int64_t plan_min_healthy(int desired, int min_pct);

/* Launch failures (tasks that stopped without ever RUNNING) in a row
 * before the scheduler slows down and says so. */
#define PLAN_THROTTLE_AFTER 3
/* How long to wait before the next launch after `fails` launch failures in
 * a row: nothing for the first few, then doubling from 5 s up to 15 min. */
int64_t plan_launch_delay_ms(int fails);

/* The deployment circuit breaker (ecs-behavior.md §7.8): the number of
 * failed tasks at which a deployment FAILS, 0.5 x desiredCount, at least 3
 * and at most 200 (ECS's ServiceDeploymentCircuitBreaker.threshold). */
int plan_breaker_threshold(int desired);

/* What the PRIMARY deployment's rollout does now. */
typedef enum plan_rollout {
    ROLLOUT_STAY = 0,   /* IN_PROGRESS still, or already finished */
    ROLLOUT_COMPLETE,   /* steady: COMPLETED */
    ROLLOUT_FAIL,       /* the circuit breaker tripped: FAILED, no new tasks */
    ROLLOUT_ROLLBACK,   /* FAILED, and a new deployment of the last COMPLETED one */
} plan_rollout_t;

typedef struct plan_rollout_in {
    bool in_progress;   /* the PRIMARY's rolloutState is IN_PROGRESS */
    bool steady;        /* plan_result_t.steady */
    int failed;         /* the PRIMARY's failedTasks */
    int desired;        /* the service's desiredCount */
    bool breaker;       /* deploymentCircuitBreaker.enable */
    bool rollback;      /* deploymentCircuitBreaker.rollback */
    bool can_roll_back; /* a deployment of the service COMPLETED before */
} plan_rollout_in_t;

plan_rollout_t plan_rollout(const plan_rollout_in_t *in);

#endif
