/* store.c - forwards the store interface to the backend's table. */
#include "store/store.h"

#include "common/clock.h"

#include <stdlib.h>
#include <string.h>

int store_begin(store_t *s, store_mode_t mode, store_txn_t **out, ecs_error_t *err)
{
    return s->backend->begin(s, mode, out, err);
}

int store_commit(store_txn_t *t, ecs_error_t *err) { return t->store->backend->commit(t, err); }

void store_rollback(store_txn_t *t)
{
    if (t != NULL)
        t->store->backend->rollback(t);
}

int store_get(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
              store_record_t *out, ecs_error_t *err)
{
    return t->store->backend->get(t, kind, account, key, out, err);
}

int store_put(store_txn_t *t, store_kind_t kind, const char *account, const store_record_t *rec,
              ecs_error_t *err)
{
    return t->store->backend->put(t, kind, account, rec, err);
}

int store_delete(store_txn_t *t, store_kind_t kind, const char *account, const char *key,
                 ecs_error_t *err)
{
    return t->store->backend->del(t, kind, account, key, err);
}

int store_query(store_txn_t *t, const store_query_t *q, store_record_t **out, size_t *n,
                ecs_error_t *err)
{
    return t->store->backend->query(t, q, out, n, err);
}

int store_count(store_txn_t *t, const store_query_t *q, int64_t *count, ecs_error_t *err)
{
    return t->store->backend->count(t, q, count, err);
}

bool store_conflicted(store_t *s) { return s->backend->conflicted != NULL && s->backend->conflicted(s); }

int store_now_ms(store_txn_t *t, int64_t *now_ms, ecs_error_t *err)
{
    if (t->store->backend->now_ms != NULL)
        return t->store->backend->now_ms(t, now_ms, err);
    *now_ms = clock_now_ms();
    return 0;
}

bool store_shared(const store_t *s) { return s->backend->shared; }

int store_notify(store_txn_t *t, const char *account, const char *instance, bool polls, ecs_error_t *err)
{
    return t->store->backend->notify ? t->store->backend->notify(t, account, instance, polls, err) : 0;
}

int store_listen(store_t *s, store_change_fn fn, void *arg, ecs_error_t *err)
{
    return s->backend->listen ? s->backend->listen(s, fn, arg, err) : 0;
}

bool store_is_pg_url(const char *url)
{
    return url != NULL && (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0);
}

void store_close(store_t *s)
{
    if (s != NULL)
        s->backend->close(s);
}

void store_record_clear(store_record_t *r)
{
    free(r->account);
    free(r->key);
    free(r->cluster);
    free(r->status);
    free(r->desired);
    free(r->family);
    free(r->started_by);
    free(r->service);
    free(r->instance);
    json_decref(r->doc);
    *r = (store_record_t){0};
}

void store_records_free(store_record_t *rs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        store_record_clear(&rs[i]);
    free(rs);
}

void store_cursor_clear(store_cursor_t *c)
{
    free(c->text);
    c->text = NULL;
    c->num = 0;
}
