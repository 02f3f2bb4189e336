/* fuzz_cql.c - libFuzzer target: the cluster query language (model/cql.c).
 *
 * Input: the text of an expression (up to the first NUL). It is parsed;
 * an accepted expression is evaluated against a few instances (with and
 * without attributes, tasks and a known agent) and parsed again to the
 * same answers; a refused one must be a 400 InvalidParameterException
 * whose message names a position and is valid UTF-8. Beyond that: no
 * crash, no leak, no undefined behaviour.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/cql.h"

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_cql: " __VA_ARGS__);                                             \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > CQL_MAX_LEN + 100)
        return 0;
    char *expr = malloc(size + 1);
    if (expr == NULL)
        return 0;
    memcpy(expr, data, size);
    expr[size] = '\0';
    static json_t *attrs;
    if (attrs == NULL)
        attrs = json_pack("[{s:s, s:s}, {s:s}, {s:s, s:s}]", "name", "ecs.availability-zone", "value", "us-east-1a",
                          "name", "flag", "name", "n", "value", "10");
    static const char *const groups[] = {"service:web", "family:x"};
    const cql_instance_t insts[] = {
        {0},
        {.attrs = attrs, .agent_connected = true, .agent_version = "1.10.0", .ec2_instance_id = "i-1",
         .registered_at_ms = 1529360908000LL, .running_tasks = 3, .groups = groups, .n_groups = 2},
    };
    cql_t *q = NULL, *again = NULL;
    ecs_error_t err = {0};
    int rc = cql_parse(expr, "filter", &q, &err);
    ABORT_IF(rc != 0 && rc != -1, "returned %d", rc);
    if (rc == 0) {
        ABORT_IF(q == NULL, "accepted without a query");
        ABORT_IF(cql_parse(expr, "filter", &again, &err) != 0, "accepted once, refused then");
        for (size_t i = 0; i < sizeof insts / sizeof insts[0]; i++)
            ABORT_IF(cql_eval(q, &insts[i]) != cql_eval(again, &insts[i]), "two answers for one expression");
        cql_free(again);
        cql_free(q);
    } else {
        ABORT_IF(q != NULL, "refused with a query");
        ABORT_IF(err.status != 400 || strcmp(err.type, "InvalidParameterException") != 0, "error %d %s", err.status,
                 err.type);
        ABORT_IF(strstr(err.message, "position") == NULL && strstr(err.message, "at most") == NULL &&
                     strstr(err.message, "out of memory") == NULL,
                 "message names no position: %s", err.message);
        json_t *s = json_string(err.message);
        ABORT_IF(s == NULL, "message is not valid UTF-8: %s", err.message);
        json_decref(s);
    }
    free(expr);
    return 0;
}
