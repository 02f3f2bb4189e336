/* Tests for a deployment's rollout (sched/sched_plan.c: plan_rollout,
 * plan_breaker_threshold): the circuit breaker's threshold as ECS gives it
 * (0.5 x desired, 3..200), FAILED with and without rollback, COMPLETED
 * only when steady and still IN_PROGRESS. */
#include "sched/sched_plan.h"
#include "test.h"

TEST(rollout_breaker_threshold_is_half_desired_within_3_and_200)
{
    CHECK_INT(plan_breaker_threshold(0), 3);
    CHECK_INT(plan_breaker_threshold(1), 3);
    CHECK_INT(plan_breaker_threshold(6), 3);
    CHECK_INT(plan_breaker_threshold(7), 4); /* 3.5 rounded up */
    CHECK_INT(plan_breaker_threshold(10), 5);
    CHECK_INT(plan_breaker_threshold(400), 200);
    CHECK_INT(plan_breaker_threshold(100000), 200);
    CHECK_INT(plan_breaker_threshold(-5), 3);
}

TEST(rollout_breaker_trips_at_threshold)
{
    plan_rollout_in_t in = {.in_progress = true, .failed = 2, .desired = 2, .breaker = true};
    CHECK(plan_rollout(&in) == ROLLOUT_STAY);
    in.failed = 3;
    CHECK(plan_rollout(&in) == ROLLOUT_FAIL);
    in.rollback = true;
    CHECK(plan_rollout(&in) == ROLLOUT_FAIL); /* nothing COMPLETED before: nothing to go back to */
    in.can_roll_back = true;
    CHECK(plan_rollout(&in) == ROLLOUT_ROLLBACK);
    in.steady = true; /* failures count first, as on ECS */
    CHECK(plan_rollout(&in) == ROLLOUT_ROLLBACK);
    in.breaker = false; /* without the breaker, failures never fail a deployment */
    CHECK(plan_rollout(&in) == ROLLOUT_COMPLETE);
    in.desired = 20, in.breaker = true, in.failed = 9;
    CHECK(plan_rollout(&in) == ROLLOUT_COMPLETE);
}

TEST(rollout_completes_only_in_progress_and_steady)
{
    plan_rollout_in_t in = {.in_progress = true};
    CHECK(plan_rollout(&in) == ROLLOUT_STAY);
    in.steady = true;
    CHECK(plan_rollout(&in) == ROLLOUT_COMPLETE);
    in.in_progress = false; /* COMPLETED or FAILED already: nothing moves */
    CHECK(plan_rollout(&in) == ROLLOUT_STAY);
    in.failed = 100, in.breaker = true;
    CHECK(plan_rollout(&in) == ROLLOUT_STAY);
}
