/* validate.h - the generic request-parameter check run before every
 * operation handler (see api/dispatch.c).
 *
 * It walks the request against the operation's input shape from botocore's
 * ECS model (api/shapes_gen.c) and checks, in order of precedence:
 *   1. JSON types, recursively            -> SerializationException
 *   2. required members present           -> InvalidParameterException
 *   3. enum values                        -> InvalidParameterException
 * Every message names the member's path, e.g. 'containerDefinitions[0].memory'.
 * Members unknown to the model are ignored, as AWS's front end does; JSON
 * null counts as absent. Ranges, patterns and cross-member rules are left
 * to the handlers.
 *
 * Thread-safe (reads constant tables only); allocates nothing.
 */
#ifndef ECSD_API_VALIDATE_H
#define ECSD_API_VALIDATE_H

#include <jansson.h>

#include "api/shapes.h"
#include "common/error.h"

/* Checks the request object `in` of operation `op` (e.g.
 * "RegisterTaskDefinition") against its input shape. An operation without
 * a shape (not in the model) has nothing to check: 0.
 * Returns 0, or -1 with err filled (HTTP 400). */
int api_validate_input(const char *op, const json_t *in, ecs_error_t *err);

/* Removes from a checked request every member the model does not know, at
 * every depth, so handlers that keep what the client sent (task
 * definitions) keep only members of the model. */
void api_strip_unknown(const char *op, json_t *in);

/* The same two against another service's model (api_logs_shapes). */
int api_validate_input_in(const api_shape_table_t *t, const char *op, const json_t *in, ecs_error_t *err);
void api_strip_unknown_in(const api_shape_table_t *t, const char *op, json_t *in);

#endif
