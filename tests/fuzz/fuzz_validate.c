/* fuzz_validate.c - libFuzzer target: the JSON -> request check of every
 * operation (api_validate_input, api/validate.c over api/shapes_gen.c).
 *
 * Input: a JSON text, parsed as api/dispatch.c parses a request body (any
 * top-level value is kept, so the root type check is reached too). Every
 * operation of the model checks it in turn. Invariants, beyond "no crash,
 * no leak, no UB": the answer is 0 or -1, an error is a 400
 * SerializationException or InvalidParameterException whose message is
 * non-empty valid UTF-8 (it goes to the client as a JSON string), and the
 * check is a pure function (the same answer twice).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/shapes.h"
#include "api/validate.h"

#define ABORT_IF(cond, ...)                                                                        \
    do {                                                                                           \
        if (cond) {                                                                                \
            fprintf(stderr, "fuzz_validate: " __VA_ARGS__);                                        \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static void check_one(const char *op, const json_t *in)
{
    ecs_error_t err, again;
    memset(&err, 0, sizeof err);
    memset(&again, 0, sizeof again);
    int rc = api_validate_input(op, in, &err);
    ABORT_IF(rc != 0 && rc != -1, "%s: returned %d", op, rc);
    int rc2 = api_validate_input(op, in, &again);
    ABORT_IF(rc2 != rc, "%s: %d then %d for the same input", op, rc, rc2);
    if (rc == 0)
        return;
    ABORT_IF(err.status != 400, "%s: status %d", op, err.status);
    ABORT_IF(strcmp(err.type, "SerializationException") != 0 &&
                 strcmp(err.type, "InvalidParameterException") != 0,
             "%s: type %s", op, err.type);
    ABORT_IF(err.message[0] == '\0', "%s: empty message", op);
    ABORT_IF(strcmp(err.message, again.message) != 0, "%s: two messages for one input", op);
    json_t *s = json_string(err.message); /* NULL: not valid UTF-8 */
    ABORT_IF(s == NULL, "%s: message is not valid UTF-8: %s", op, err.message);
    json_decref(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t jerr;
    json_t *in = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (in == NULL)
        return 0;
    for (size_t i = 0; i < api_op_inputs_count; i++)
        check_one(api_op_inputs[i].op, in);
    check_one("NoSuchOperation", in); /* no shape: nothing to check */
    json_decref(in);
    return 0;
}
