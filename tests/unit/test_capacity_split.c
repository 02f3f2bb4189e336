/* Tests for how a capacity provider strategy splits tasks
 * (model/capacity_provider.c cp_split, cp_plan): base first, then by
 * weight as ECS does, counting what a service already runs. */
#include <jansson.h>
#include <string.h>

#include "common/cleanup.h"
#include "model/capacity_provider.h"
#include "test.h"

static void split(const char *strategy, int64_t total, const int64_t *have, int64_t want, int64_t *out)
{
    cleanup_json json_t *s = json_loads(strategy, 0, NULL);
    if (have == NULL) {
        int64_t base[CP_STRATEGY_MAX], weight[CP_STRATEGY_MAX];
        for (size_t i = 0; i < json_array_size(s); i++) {
            base[i] = json_integer_value(json_object_get(json_array_get(s, i), "base"));
            weight[i] = json_integer_value(json_object_get(json_array_get(s, i), "weight"));
        }
        cp_split(base, weight, json_array_size(s), total, out);
    } else {
        cp_plan(s, have, want, out);
    }
}

TEST(cp_split_base_then_weight)
{
    int64_t out[4];
    /* ECS's example: base 1 on A (weight 1), B weight 4, 6 tasks: A 1 + 1, B 4 */
    split("[{\"base\":1,\"weight\":1},{\"weight\":4}]", 6, NULL, 0, out);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 4);
    /* fewer tasks than the base: all to it */
    split("[{\"weight\":1},{\"base\":5,\"weight\":1}]", 3, NULL, 0, out);
    CHECK_INT(out[0], 0);
    CHECK_INT(out[1], 3);
    /* equal weights, odd count: the first in order gets the extra one */
    split("[{\"weight\":1},{\"weight\":1}]", 3, NULL, 0, out);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 1);
    /* weight 0 gets nothing beyond its base */
    split("[{\"base\":2,\"weight\":0},{\"weight\":1},{\"weight\":2}]", 11, NULL, 0, out);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 3);
    CHECK_INT(out[2], 6);
    /* every weight 0: the rest as if equal */
    split("[{\"weight\":0},{\"weight\":0}]", 4, NULL, 0, out);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 2);
    split("[{\"weight\":1}]", 0, NULL, 0, out);
    CHECK_INT(out[0], 0);
}

TEST(cp_plan_counts_the_running)
{
    int64_t out[3];
    /* 4 running as 3 and 1 (base 2, 1:1), 4 more: the whole 8 is 5 and 3 */
    int64_t have[] = {3, 1};
    split("[{\"base\":2,\"weight\":1},{\"weight\":1}]", 0, have, 4, out);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[1], 2);
    /* more than its share already on one: the rest go to the others */
    int64_t lopsided[] = {6, 0, 0};
    split("[{\"weight\":1},{\"weight\":1},{\"weight\":1}]", 0, lopsided, 3, out);
    CHECK_INT(out[0], 0);
    CHECK_INT(out[1] + out[2], 3);
    CHECK(out[1] >= 1 && out[2] >= 1);
}
