/* fuzz_tags.c - libFuzzer target: ECS's tag rules (model/tags.c).
 *
 * Input: a JSON text, read as a request: its "tags" go through tags_check
 * and, when accepted, are merged over themselves (tags_merge, which must
 * then succeed: a list that passed the check has at most 50 tags) and
 * removed again by their own keys (nothing may be left); its "tagKeys" go
 * through tags_check_keys; the whole request goes through tags_for_run
 * (propagateTags, enableECSManagedTags) with its "taskDefinition" member
 * as the task definition. Invariants, beyond "no crash, no leak, no UB":
 * answers are 0 or -1, errors are 400 InvalidParameterException (or
 * ClientException) with a non-empty valid UTF-8 message, and a list of
 * tags that was accepted keeps every key at most once.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/tags.h"

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_tags: " __VA_ARGS__);                                            \
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
    ABORT_IF(strcmp(err->type, "InvalidParameterException") != 0 && strcmp(err->type, "ClientException") != 0,
             "%s: type %s", what, err->type);
    ABORT_IF(err->message[0] == '\0', "%s: empty message", what);
    json_t *s = json_string(err->message);
    ABORT_IF(s == NULL, "%s: message is not valid UTF-8", what);
    json_decref(s);
}

static void keys_unique(const json_t *tags)
{
    size_t i, j;
    json_t *a, *b;
    json_array_foreach(tags, i, a) {
        json_array_foreach(tags, j, b) {
            if (j <= i)
                continue;
            ABORT_IF(json_equal(json_object_get(a, "key"), json_object_get(b, "key")), "a key twice");
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_DECODE_ANY, &jerr);
    if (in == NULL)
        return 0;
    ecs_error_t err = {0};
    const json_t *tags = json_object_get(in, "tags");
    int rc = tags_check(tags, "tags", &err);
    check_err(rc, &err, "tags_check");
    if (rc == 0 && json_is_array(tags)) {
        json_t *merged = NULL;
        ABORT_IF(tags_merge(NULL, tags, &merged, &err) != 0, "an accepted list did not merge: %s", err.message);
        json_t *twice = NULL;
        ABORT_IF(tags_merge(merged, tags, &twice, &err) != 0, "a list did not merge over itself");
        ABORT_IF(!json_equal(merged, twice), "merging a list over itself changed it");
        keys_unique(twice);
        json_t *keys = json_array();
        size_t i;
        json_t *t;
        json_array_foreach(tags, i, t)
            json_array_append(keys, json_object_get(t, "key"));
        json_t *left = tags_remove(merged, keys);
        ABORT_IF(json_array_size(left) != 0, "removing every key left tags");
        json_decref(left);
        json_decref(keys);
        json_decref(twice);
        json_decref(merged);
    }
    const json_t *keys = json_object_get(in, "tagKeys");
    if (keys != NULL)
        check_err(tags_check_keys(keys, "tagKeys", &err), &err, "tags_check_keys");
    json_t *run = NULL;
    rc = tags_for_run(in, true, json_object_get(in, "taskDefinition"), "cluster", &run, &err);
    check_err(rc, &err, "tags_for_run");
    ABORT_IF(rc == 0 && !json_is_array(run), "tags_for_run gave no list");
    if (rc == 0)
        keys_unique(run);
    json_decref(run);
    json_decref(in);
    return 0;
}
