/* api.h - what an operation handler sees: a request context in, a JSON
 * document out. Handlers know nothing of HTTP; the protocol layer
 * (api/http.c, api/dispatch.c) knows nothing of clusters. The context
 * (model_ctx_t) is the domain's: model/context.h.
 */
#ifndef ECSD_API_API_H
#define ECSD_API_API_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "model/context.h"

/* An operation: input object in, output object out (*out owned by caller).
 * Returns 0, or -1 with err filled. On -1 the transaction is rolled back. */
typedef int (*api_handler_fn)(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err);

enum api_op_flags {
    API_OP_WRITE = 1u << 0, /* needs a write transaction */
    API_OP_AGENT = 1u << 1, /* called by agents, not users */
};

typedef struct api_op {
    const char *name;       /* e.g. "CreateCluster" */
    api_handler_fn handler;
    unsigned flags;
} api_op_t;

/* The operation table (api/ops_table.c). */
const api_op_t *api_op_find(const char *name, size_t len);
const api_op_t *api_ops(size_t *n);

#endif
