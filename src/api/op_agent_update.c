/* op_agent_update.c - UpdateContainerAgent. ECS updates the agent of an
 * ECS-optimized AMI through ecs-init; ecsd's agent is the ecsd binary the
 * host runs, updated with it, so there is never an update ECS could apply:
 * the instance is checked as ECS checks it and the answer is ECS's when no
 * update applies (NoUpdateAvailableException), or MissingVersionException
 * when the agent never said its version. */
#include <string.h>

#include "api/ops.h"
#include "model/instance.h"
#include "model/params.h"

int op_update_container_agent(model_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    (void)out;
    store_record_t cluster = {0}, rec = {0};
    int rc = -1;
    char id[INSTANCE_ID_MAX + 1];
    const char *given = param_str(in, "containerInstance");
    if (given == NULL) {
        ecs_invalid_param(err, "containerInstance: the id or ARN of a container instance is required.");
        goto done;
    }
    if (api_load_active_cluster(ctx, in, &cluster, err) < 0 ||
        instance_id_from_param(ctx, "containerInstance", given, cluster.key, id, err) < 0)
        goto done;
    int found = store_get(ctx->txn, STORE_INSTANCE, ctx->scope, id, &rec, err);
    if (found < 0)
        goto done;
    if (found == 0 || strcmp(rec.cluster, cluster.key) != 0) {
        ecs_client_err(err, "Container instance not found.");
        goto done;
    }
    const char *version = json_string_value(json_object_get(json_object_get(rec.doc, "versionInfo"), "agentVersion"));
    if (version == NULL || version[0] == '\0')
        ecs_err(err, 400, "MissingVersionException",
                "Amazon ECS is unable to determine the current version of the Amazon ECS container agent on the "
                "container instance and does not have enough information to proceed with an update.");
    else
        ecs_err(err, 400, "NoUpdateAvailableException", "There is no update available for your container agent.");
done:
    store_record_clear(&cluster);
    store_record_clear(&rec);
    return rc;
}
