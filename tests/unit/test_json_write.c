/* json_write must write exactly what json_dumps(JSON_COMPACT |
 * JSON_REAL_PRECISION(13)) writes: it replaces it on the hot paths. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/json_write.h"
#include "test.h"

static int same_as_jansson(json_t *j)
{
    char *a = json_dumps(j, ECSD_JSON_DUMP_FLAGS | JSON_ENCODE_ANY);
    size_t len = 0;
    char *b = json_write(j, &len);
    int same = a != NULL && b != NULL && strcmp(a, b) == 0 && len == strlen(a);
    if (!same)
        fprintf(stderr, "  jansson: %s\n  ours:    %s\n", a ? a : "(null)", b ? b : "(null)");
    free(a);
    free(b);
    return same;
}

TEST(json_write_equals_jansson_on_ecs_documents)
{
    const char *docs[] = {
        "{}", "[]", "\"\"", "0", "-7", "true", "false", "null",
        "{\"cluster\":{\"clusterArn\":\"arn:aws:ecs:us-east-1:123456789012:cluster/web\",\"status\":\"ACTIVE\","
        "\"registeredContainerInstancesCount\":0,\"runningTasksCount\":3}}",
        "{\"a\":[1,2,{\"b\":[[],{}]}],\"c\":\"x\\\"y\\\\z\\n\\t\\r\\b\\f\\u0001\\u001f/\",\"d\":\"\\u00e9\\u4e2d\"}",
        "{\"createdAt\":1449511658.683,\"z\":0.0,\"n\":-0.5,\"big\":1e300,\"small\":1.5e-7,\"i\":9223372036854775807}",
        "[1449511658.0, 1795974462.123, 12345678901234.5, 0.1, 100.0, -2.5e-300]",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        json_error_t e;
        json_t *j = json_loads(docs[i], JSON_DECODE_ANY, &e);
        REQUIRE(j != NULL);
        CHECK(same_as_jansson(j));
        json_decref(j);
    }
}

TEST(json_write_equals_jansson_on_random_strings_and_reals)
{
    unsigned seed = 42;
    for (int round = 0; round < 2000; round++) {
        char s[64];
        int n = rand_r(&seed) % 63;
        for (int i = 0; i < n; i++)
            s[i] = (char)(1 + rand_r(&seed) % 127); /* every ASCII character but NUL */
        s[n] = '\0';
        double r = (double)rand_r(&seed) / (double)(rand_r(&seed) + 1) * (rand_r(&seed) % 2 ? 1e12 : 1e-3);
        json_t *j = json_pack("{s:s, s:f, s:[s, i]}", s, s, "r", r, "l", s, rand_r(&seed));
        REQUIRE(j != NULL);
        CHECK(same_as_jansson(j));
        json_decref(j);
    }
}
