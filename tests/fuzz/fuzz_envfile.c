/* fuzz_envfile.c - libFuzzer target: the environment file parser
 * (agent/agent_envfile.c), ECS's rules for environmentFiles.
 *
 * Input: the bytes of a file, parsed twice into one list (as two files of
 * a container). Invariants, beyond "no crash, no leak, no UB": every pair
 * is [name, value], both valid strings, the name non-empty, free of '=',
 * NUL and newlines, not starting with '#'; the value free of NUL and
 * newlines; no name twice; and the second pass adds nothing (the first
 * file wins) and skips as many lines as the first.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_envfile.h"

#define ABORT_IF(cond, ...)                                                                                            \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            fprintf(stderr, "fuzz_envfile: " __VA_ARGS__);                                                             \
            fputc('\n', stderr);                                                                                       \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *pairs = json_array();
    if (pairs == NULL)
        return 0;
    int skipped = agent_envfile_parse((const char *)data, size, pairs);
    ABORT_IF(skipped < 0, "skipped %d", skipped);
    size_t n = json_array_size(pairs);
    for (size_t i = 0; i < n; i++) {
        const json_t *p = json_array_get(pairs, i);
        ABORT_IF(!json_is_array(p) || json_array_size(p) != 2, "pair %zu is not [name, value]", i);
        const json_t *k = json_array_get(p, 0), *v = json_array_get(p, 1);
        ABORT_IF(!json_is_string(k) || !json_is_string(v), "pair %zu: not strings", i);
        const char *name = json_string_value(k);
        size_t klen = json_string_length(k), vlen = json_string_length(v);
        ABORT_IF(klen == 0 || name[0] == '#', "pair %zu: bad name", i);
        ABORT_IF(strlen(name) != klen || memchr(name, '=', klen) || memchr(name, '\n', klen),
                 "pair %zu: name holds NUL, '=' or a newline", i);
        ABORT_IF(strlen(json_string_value(v)) != vlen || memchr(json_string_value(v), '\n', vlen),
                 "pair %zu: value holds NUL or a newline", i);
        for (size_t j = 0; j < i; j++)
            ABORT_IF(strcmp(json_string_value(json_array_get(json_array_get(pairs, j), 0)), name) == 0, "name %s twice",
                     name);
    }
    int again = agent_envfile_parse((const char *)data, size, pairs);
    ABORT_IF(json_array_size(pairs) != n, "the second file added names the first had");
    ABORT_IF(again != skipped, "the second pass skipped %d lines, the first %d", again, skipped);
    json_decref(pairs);
    return 0;
}
