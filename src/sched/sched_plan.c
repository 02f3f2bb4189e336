/* sched_plan.c - see sched_plan.h. The rules are §7.2's loop, applied so
 * that one plan already reaches the fixed point: stops come first (they
 * free room under maximumPercent), starts are counted against what is left,
 * so planning again on the result asks for nothing more. */
#include "sched/sched_plan.h"

#include "model/service_deployment.h"

#define LAUNCH_DELAY_FIRST_MS 5000
#define LAUNCH_DELAY_MAX_MS (15 * 60 * 1000)

int64_t plan_max_tasks(int desired, int max_pct)
{
    return (int64_t)desired * max_pct / 100;
}

int64_t plan_min_healthy(int desired, int min_pct)
{
    return ((int64_t)desired * min_pct + 99) / 100;
}

int64_t plan_launch_delay_ms(int fails)
{
    if (fails < PLAN_THROTTLE_AFTER)
        return 0;
    int steps = fails - PLAN_THROTTLE_AFTER;
    if (steps >= 10) /* 5 s << 10 is far past the cap; also keeps the shift small */
        return LAUNCH_DELAY_MAX_MS;
    int64_t d = (int64_t)LAUNCH_DELAY_FIRST_MS << steps;
    return d < LAUNCH_DELAY_MAX_MS ? d : LAUNCH_DELAY_MAX_MS;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* DeleteService: every task goes; the service is done when none is left. */
static void plan_draining(plan_deploy_t *d, int n, plan_result_t *r)
{
    int left = 0;
    for (int i = 0; i < n; i++) {
        d[i].stop_pending = d[i].pending;
        d[i].stop_running = d[i].running;
        left += d[i].running + d[i].pending + d[i].stopping;
    }
    r->inactive = left == 0;
}

void sched_plan(const plan_params_t *p, plan_deploy_t *d, int n, plan_result_t *r)
{
    *r = (plan_result_t){0};
    for (int i = 0; i < n; i++) {
        d[i].stop_pending = d[i].stop_running = d[i].desired = 0;
        d[i].drop = false;
    }
    if (n <= 0)
        return;
    if (p->draining) {
        plan_draining(d, n, r);
        return;
    }
    const int N = p->desired > 0 ? p->desired : 0;
    const int64_t max_tasks = plan_max_tasks(N, p->max_pct), min_healthy = plan_min_healthy(N, p->min_pct);
    int64_t total = 0, healthy = 0, stops = 0;
    for (int i = 0; i < n; i++) {
        total += d[i].running + d[i].pending;
        healthy += d[i].running;
    }
    /* 1. Old PENDING tasks are not healthy and only take room: they go. */
    for (int i = n - 1; i >= 1; i--) {
        d[i].stop_pending = d[i].pending;
        total -= d[i].pending;
        stops += d[i].pending;
    }
    /* 2. Old RUNNING tasks, oldest deployment first, while enough stay healthy. */
    for (int i = n - 1; i >= 1; i--) {
        while (d[i].stop_running < d[i].running && healthy - 1 >= min_healthy) {
            d[i].stop_running++;
            healthy--, total--, stops++;
        }
    }
    /* 3. The PRIMARY above desiredCount (scale-in): PENDING ones first. */
    int64_t prim = d[0].running + d[0].pending;
    if (prim > N) {
        int64_t surplus = prim - N;
        d[0].stop_pending = (int)min64(surplus, d[0].pending);
        surplus -= d[0].stop_pending;
        while (surplus > 0 && d[0].stop_running < d[0].running && healthy - 1 >= min_healthy) {
            d[0].stop_running++;
            surplus--, healthy--;
        }
        int stopped = d[0].stop_pending + d[0].stop_running;
        total -= stopped;
        stops += stopped;
        prim -= stopped;
    }
    /* 4. Start what the PRIMARY lacks, within maximumPercent. */
    const int64_t want = N > prim ? N - prim : 0, room = max_tasks - total;
    r->want = (int)want;
    r->start = p->can_start && room > 0 ? (int)min64(want, room) : 0;
    /* 5. What each deployment shows, and which old ones are finished. */
    int left = 1;
    int64_t olds_running = 0;
    for (int i = 1; i < n; i++) {
        d[i].drop = d[i].running + d[i].pending + d[i].stopping == 0;
        left += !d[i].drop;
        d[i].desired = d[i].running + d[i].pending - d[i].stop_running - d[i].stop_pending;
        olds_running += d[i].running - d[i].stop_running;
    }
    d[0].desired = left == 1 ? N : (int)min64(N, prim + r->start);
    r->steady = left == 1 && d[0].running == N && d[0].pending == 0 && d[0].stopping == 0 && stops == 0 &&
                r->start == 0;
    /* Old tasks wait to be replaced, nothing is on its way, and the
     * percentages allow neither a start nor a stop (e.g. 100/100). */
    r->deadlock = olds_running > 0 && stops == 0 && r->start == 0 && p->can_start && d[0].pending == 0 &&
                  room <= 0 && healthy - 1 < min_healthy;
}

int plan_breaker_threshold(int desired)
{
    return service_breaker_threshold(desired); /* one rule, shown by DescribeServiceDeployments too */
}

plan_rollout_t plan_rollout(const plan_rollout_in_t *in)
{
    if (!in->in_progress)
        return ROLLOUT_STAY;
    if (in->breaker && in->failed >= plan_breaker_threshold(in->desired))
        return in->rollback && in->can_roll_back ? ROLLOUT_ROLLBACK : ROLLOUT_FAIL;
    return in->steady ? ROLLOUT_COMPLETE : ROLLOUT_STAY;
}
