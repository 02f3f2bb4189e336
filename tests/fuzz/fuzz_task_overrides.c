/* fuzz_task_overrides.c - libFuzzer target: a RunTask's overrides and
 * launch members (model/task_overrides.c, model/task_launch.c).
 *
 * Input: a JSON text, read as a RunTask request whose "taskDefinition" is
 * the task definition document itself and whose "clusterDoc" is the
 * cluster's. "overrides" goes through task_overrides_check; the request
 * through task_launch_read, as RunTask and as StartTask. Invariants, beyond
 * "no crash, no leak, no UB": answers are 0 or -1; errors are 400
 * InvalidParameterException with a non-empty valid UTF-8 message; accepted
 * overrides give a view with one containerOverrides entry per container
 * definition and inferenceAcceleratorOverrides, and the view applies to the
 * definition exactly as the request's overrides do (the poll rebuilds the
 * effective definition from the stored view); an accepted launch has one of
 * the three launch types, and a failure reason comes with a detail that is
 * valid UTF-8.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/task_launch.h"
#include "model/task_overrides.h"

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_task_overrides: " __VA_ARGS__);                                  \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_err(int rc, const ecs_error_t *err, const char *what)
{
    ABORT_IF(rc != 0 && rc != -1, "%s: returned %d", what, rc);
    if (rc == 0)
        return;
    ABORT_IF(err->status != 400, "%s: status %d", what, err->status);
    ABORT_IF(strcmp(err->type, "InvalidParameterException") != 0, "%s: type %s", what, err->type);
    ABORT_IF(err->message[0] == '\0', "%s: empty message", what);
    json_t *s = json_string(err->message);
    ABORT_IF(s == NULL, "%s: message is not valid UTF-8", what);
    json_decref(s);
}

static void overrides(const json_t *in, const json_t *td)
{
    const json_t *ov = json_object_get(in, "overrides");
    ecs_error_t err = {0};
    int rc = task_overrides_check(ov, td, &err);
    check_err(rc, &err, "task_overrides_check");
    if (rc != 0)
        return;
    json_t *view = task_overrides_view(ov, td);
    ABORT_IF(view == NULL, "no view");
    ABORT_IF(json_array_size(json_object_get(view, "containerOverrides")) !=
                 json_array_size(json_object_get(td, "containerDefinitions")),
             "not one containerOverrides entry per container");
    ABORT_IF(!json_is_array(json_object_get(view, "inferenceAcceleratorOverrides")),
             "no inferenceAcceleratorOverrides");
    json_t *a = task_overrides_apply(td, ov), *b = task_overrides_apply(td, view);
    ABORT_IF((a == NULL) != (b == NULL) || (a != NULL && !json_equal(a, b)),
             "the view applies otherwise than the request");
    ABORT_IF(json_is_object(td) && !json_is_object(a), "no effective definition of a definition");
    json_decref(a);
    json_decref(b);
    json_decref(view);
}

static void launch(const json_t *in, const json_t *td, bool run_task)
{
    task_launch_t l;
    ecs_error_t err = {0};
    int rc = task_launch_read(in, run_task, json_object_get(in, "clusterDoc"), td, &l, &err);
    check_err(rc, &err, "task_launch_read");
    if (rc == 0) {
        ABORT_IF(strcmp(l.launch_type, "EC2") != 0 && strcmp(l.launch_type, "EXTERNAL") != 0 &&
                     strcmp(l.launch_type, "FARGATE") != 0,
                 "launch type %s", l.launch_type);
        ABORT_IF(!run_task && strcmp(l.launch_type, "EC2") != 0, "a StartTask not on EC2");
        if (l.fail_reason != NULL) {
            ABORT_IF(l.fail_detail[0] == '\0', "a failure without detail");
            json_t *s = json_string(l.fail_detail);
            ABORT_IF(s == NULL, "the failure detail is not valid UTF-8");
            json_decref(s);
        }
    }
    task_launch_clear(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (in == NULL)
        return 0;
    const json_t *td = json_object_get(in, "taskDefinition");
    overrides(in, td);
    launch(in, td, true);
    launch(in, td, false);
    json_decref(in);
    return 0;
}
