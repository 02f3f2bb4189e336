/* task_protection.c - see task_protection.h. */
#include "model/task_protection.h"

#include "common/clock.h"

int64_t task_protected_until(const json_t *doc)
{
    return (int64_t)json_integer_value(json_object_get(json_object_get(doc, "_ecsd"), "protectedUntil"));
}

bool task_protected(const json_t *doc, int64_t now_ms)
{
    return task_protected_until(doc) > now_ms;
}

void task_protect(json_t *doc, int64_t until_ms)
{
    json_t *h = json_object_get(doc, "_ecsd");
    if (!json_is_object(h)) {
        h = json_object();
        json_object_set_new(doc, "_ecsd", h);
    }
    if (until_ms > 0)
        json_object_set_new(h, "protectedUntil", json_integer(until_ms));
    else
        json_object_del(h, "protectedUntil");
}

json_t *task_protection_view(const json_t *doc, int64_t now_ms)
{
    bool on = task_protected(doc, now_ms); /* expired: cleared, as ECS clears it */
    json_t *v = json_pack("{s:O, s:b}", "taskArn", json_object_get(doc, "taskArn"), "protectionEnabled", on);
    if (v != NULL && on)
        json_object_set_new(v, "expirationDate", json_timestamp(task_protected_until(doc)));
    return v;
}
