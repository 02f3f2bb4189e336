/* context.c - an operation's effects, asked for during its transaction
 * and carried out after it (model/context.h). */
#include "model/context.h"

#include <stdio.h>
#include <string.h>

#include "model/capacity.h"

void model_scope_make(char out[MODEL_SCOPE_MAX], const char *account, const char *region)
{
    snprintf(out, MODEL_SCOPE_MAX, "%s:%s", account, region);
}

bool model_scope_split(const char *scope, char account[13], char region[MODEL_REGION_MAX])
{
    account[0] = region[0] = '\0';
    const char *colon = strchr(scope, ':');
    size_t alen = colon ? (size_t)(colon - scope) : 0, rlen = colon ? strlen(colon + 1) : 0;
    if (colon == NULL || alen == 0 || alen > 12 || rlen == 0 || rlen >= MODEL_REGION_MAX)
        return false;
    memcpy(account, scope, alen);
    account[alen] = '\0';
    memcpy(region, colon + 1, rlen + 1);
    return true;
}

void model_wake_instance(model_ctx_t *ctx, const char *instance_id)
{
    model_effects_t *fx = &ctx->fx;
    for (int i = 0; i < fx->n_wake; i++)
        if (strcmp(fx->wake[i], instance_id) == 0)
            return;
    if (fx->n_wake == MODEL_WAKE_MAX) {
        fx->wake_all = true;
        return;
    }
    snprintf(fx->wake[fx->n_wake++], sizeof fx->wake[0], "%s", instance_id);
}

/* After a rolled-back transaction: the capacity index re-reads the
 * instances the operation changed in it (committed changes were applied to
 * the index as they were made: instance_put, placement). */
static void reset_capacity(const model_service_t *svc, const char *scope, const model_effects_t *fx)
{
    if (svc->cap == NULL || (fx->n_wake == 0 && !fx->wake_all))
        return;
    if (fx->wake_all) {
        cap_forget(svc->cap, scope);
        return;
    }
    ecs_error_t err;
    store_txn_t *txn = NULL;
    if (store_begin(svc->store, STORE_READ, &txn, &err) < 0) {
        cap_forget(svc->cap, scope);
        return;
    }
    for (int i = 0; i < fx->n_wake; i++) {
        store_record_t rec = {0};
        if (store_get(txn, STORE_INSTANCE, scope, fx->wake[i], &rec, &err) == 1)
            cap_reset(svc->cap, scope, &rec);
        store_record_clear(&rec);
    }
    store_rollback(txn);
}

void model_effects_abandon(const model_service_t *svc, const char *scope, const model_effects_t *fx)
{
    reset_capacity(svc, scope, fx);
}

/* After a commit: the index follows, the scheduler is told, and the
 * blocking polls whose instance changed are answered. */
void model_effects_apply(const model_service_t *svc, const char *scope, const model_effects_t *fx)
{
    if (fx->sched_wake && svc->on_change != NULL)
        svc->on_change(svc->on_change_arg);
    if (svc->wake_polls == NULL)
        return;
    if (fx->wake_all) {
        svc->wake_polls(svc->hub, scope, NULL);
        return;
    }
    for (int i = 0; i < fx->n_wake; i++)
        svc->wake_polls(svc->hub, scope, fx->wake[i]);
}

int model_effects_notify(const model_service_t *svc, store_txn_t *txn, const char *scope, const model_effects_t *fx,
                         ecs_error_t *err)
{
    if (!store_shared(svc->store))
        return 0;
    if (fx->wake_all)
        return store_notify(txn, scope, NULL, true, err);
    for (int i = 0; i < fx->n_wake; i++)
        if (store_notify(txn, scope, fx->wake[i], true, err) < 0)
            return -1;
    return 0;
}

void model_remote_change(void *arg, const char *scope, const char *instance, bool polls)
{
    const model_service_t *svc = arg;
    if (scope == NULL || instance == NULL) {
        if (svc->cap != NULL)
            cap_forget(svc->cap, scope);
        if (svc->wake_polls != NULL)
            svc->wake_polls(svc->hub, scope, NULL);
        return;
    }
    if (svc->cap != NULL) { /* the entry only moves forward in version (capacity.h) */
        ecs_error_t err;
        store_txn_t *txn = NULL;
        if (store_begin(svc->store, STORE_READ, &txn, &err) < 0) {
            cap_forget(svc->cap, scope);
        } else {
            store_record_t rec = {0};
            if (store_get(txn, STORE_INSTANCE, scope, instance, &rec, &err) == 1)
                cap_update(svc->cap, scope, &rec);
            store_record_clear(&rec);
            store_rollback(txn);
        }
    }
    if (polls && svc->wake_polls != NULL)
        svc->wake_polls(svc->hub, scope, instance);
}
