/* op_attachments.c - SubmitAttachmentStateChanges: the agent's report of
 * an awsvpc task's network attachment (model/fargate.h; docs/agent-protocol.md
 * §4). As every report, idempotent: an unknown or late attachment is
 * acknowledged and changes nothing, since agents retry until acknowledged. */
#include <string.h>

#include "api/ops.h"
#include "model/fargate.h"
#include "model/params.h"
#include "model/task.h"

#define ATTACHMENTS_MAX 10 /* per report; the rest are ignored (the agent sends one per task) */

/* Applies one change to the task it names, in cluster. */
static int apply_one(model_ctx_t *ctx, const char *cluster, const json_t *change, ecs_error_t *err)
{
    const char *arn = json_string_value(json_object_get(change, "attachmentArn"));
    char dashed[40], plain[40];
    if (arn == NULL || fargate_attachment_task_ids(arn, dashed, plain) < 0)
        return 0;
    const char *keys[2] = {plain, dashed}; /* the long id format's task id, then the short one's */
    for (size_t k = 0; k < 2; k++) {
        store_record_t task = {0};
        int found = store_get(ctx->txn, STORE_TASK, ctx->scope, keys[k], &task, err);
        if (found < 0)
            return -1;
        int rc = 0;
        if (found == 1 && strcmp(task.cluster, cluster) == 0 && strcmp(task.status, "STOPPED") != 0 &&
            fargate_apply_attachment(task.doc, change)) {
            json_t *v = json_object_get(task.doc, "version");
            json_object_set_new(task.doc, "version", json_integer(json_integer_value(v) + 1));
            rc = task_put(ctx, &task, err);
        }
        store_record_clear(&task);
        if (found == 1 || rc < 0)
            return rc;
    }
    return 0;
}

int op_submit_attachment_state_changes(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    ecs_error_t ignored;
    char cluster[API_NAME_MAX + 1];
    const char *c = param_str(in, "cluster");
    if (api_resolve_name(ctx, "cluster", "cluster", c ? c : "default", cluster, NULL, &ignored) == 0) {
        size_t i;
        json_t *change;
        json_array_foreach(json_object_get(in, "attachments"), i, change)
        {
            if (i >= ATTACHMENTS_MAX)
                break;
            if (apply_one(ctx, cluster, change, err) < 0)
                return -1;
        }
    }
    *out = json_pack("{s:s}", "acknowledgment", "ACK");
    return 0;
}
