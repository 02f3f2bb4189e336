/* service_health.c - see service_health.h. */
#include "model/service_health.h"

#include <string.h>

#include "model/service.h"

static bool str_is(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

int service_note_health(model_ctx_t *ctx, const store_record_t *task, ecs_error_t *err)
{
    if (task->service == NULL || task->cluster == NULL || task->desired == NULL ||
        strcmp(task->desired, "RUNNING") != 0 || !str_is(json_object_get(task->doc, "healthStatus"), "UNHEALTHY"))
        return 0;
    char key[SERVICE_KEY_MAX + 1];
    service_key(key, task->cluster, task->service);
    store_record_t svc = {0};
    int found = store_get(ctx->txn, STORE_SERVICE, ctx->scope, key, &svc, err);
    int rc = found < 0 ? -1 : 0;
    if (found > 0 && svc.status != NULL && strcmp(svc.status, "ACTIVE") == 0) {
        json_t *priv = service_private(svc.doc), *sick = json_object_get(priv, "sick");
        if (!json_is_array(sick)) {
            sick = json_array();
            json_object_set_new(priv, "sick", sick);
        }
        size_t i;
        json_t *id;
        bool known = false;
        json_array_foreach(sick, i, id)
            known = known || str_is(id, task->key);
        if (!known) {
            json_array_append_new(sick, json_string(task->key));
            rc = service_put(ctx, &svc, err);
            ctx->fx.sched_wake = true;
        }
    }
    store_record_clear(&svc);
    return rc;
}
