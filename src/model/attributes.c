#include "model/attributes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr("-_/\\.", c) != NULL;
}

static bool value_char(char c)
{
    return c != '\0' && (name_char(c) || strchr("@: ", c) != NULL);
}

int attr_check_list(const json_t *list, const char *field, ecs_error_t *err)
{
    if (json_array_size(list) > ATTR_MAX)
        return ecs_invalid_param(err, "%s: at most %d attributes are allowed.", field, ATTR_MAX);
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        const char *value = json_string_value(json_object_get(a, "value"));
        const char *target = json_string_value(json_object_get(a, "targetType"));
        size_t len = name ? strlen(name) : 0;
        bool ok = len > 0 && len <= ATTR_NAME_MAX;
        for (size_t k = 0; ok && k < len; k++)
            ok = name_char(name[k]);
        if (!ok)
            return ecs_invalid_param(err,
                                     "%s[%zu].name: '%.140s' is not an attribute name (up to 128 letters, "
                                     "numbers, hyphens, underscores, slashes, back slashes or periods).",
                                     field, i, name ? name : "");
        len = value ? strlen(value) : 0;
        ok = len <= ATTR_VALUE_MAX && (len == 0 || (value[0] != ' ' && value[len - 1] != ' '));
        for (size_t k = 0; ok && k < len; k++)
            ok = value_char(value[k]);
        if (!ok)
            return ecs_invalid_param(err,
                                     "%s[%zu].value: '%.140s' is not an attribute value (up to 128 letters, "
                                     "numbers, hyphens, underscores, periods, at signs, slashes, back slashes, "
                                     "colons or spaces, no space at either end).",
                                     field, i, value);
        if (target != NULL && strcmp(target, "container-instance") != 0)
            return ecs_invalid_param(err, "%s[%zu].targetType: '%.40s' is not container-instance.", field, i, target);
    }
    return 0;
}

static const json_t *by_name(const json_t *list, const char *name)
{
    size_t i;
    json_t *a;
    json_array_foreach(list, i, a)
    {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return a;
    }
    return NULL;
}

bool attr_agent_owned(const char *name)
{
    return strncmp(name, "ecs.", 4) == 0 || strncmp(name, "com.amazonaws.ecs.", 18) == 0;
}

static void add_plain(json_t *out, const json_t *a)
{
    json_t *copy = json_pack("{s:O}", "name", json_object_get(a, "name"));
    json_t *v = json_object_get(a, "value");
    if (copy != NULL && json_is_string(v))
        json_object_set(copy, "value", v);
    json_array_append_new(out, copy);
}

json_t *attr_after_register(const json_t *old, const json_t *registered)
{
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(registered, i, a) if (by_name(out, json_string_value(json_object_get(a, "name"))) == NULL)
        add_plain(out, a);
    json_array_foreach(old, i, a)
    {
        const char *n = json_string_value(json_object_get(a, "name"));
        if (n != NULL && !attr_agent_owned(n) && by_name(out, n) == NULL && json_array_size(out) < ATTR_MAX)
            add_plain(out, a);
    }
    return out;
}

json_t *attr_task_requires(const json_t *taskdef)
{
    json_t *out = json_array();
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(taskdef, "requiresAttributes"), i,
                       a) if (json_is_string(json_object_get(a, "name"))) json_array_append(out, a);
    const char *mode = json_string_value(json_object_get(taskdef, "networkMode"));
    if (mode != NULL && strcmp(mode, "awsvpc") == 0 && by_name(out, ATTR_TASK_ENI) == NULL)
        json_array_append_new(out, json_pack("{s:s}", "name", ATTR_TASK_ENI));
    return out;
}

const json_t *attr_first_missing(const json_t *have, const json_t *required)
{
    size_t i;
    json_t *r;
    json_array_foreach(required, i, r)
    {
        const char *name = json_string_value(json_object_get(r, "name"));
        const char *want = json_string_value(json_object_get(r, "value"));
        const json_t *a = name ? by_name(have, name) : NULL;
        const char *got = json_string_value(json_object_get(a, "value"));
        if (json_is_true(json_object_get(r, "absent"))) { /* model/fargate.h: must not have it */
            if (a != NULL)
                return r;
            continue;
        }
        if (a == NULL || (want != NULL && (got == NULL || strcmp(got, want) != 0)))
            return r;
    }
    return NULL;
}

char *attr_missing_detail(const json_t *missing)
{
    const char *name = json_string_value(json_object_get(missing, "name"));
    const char *value = json_string_value(json_object_get(missing, "value"));
    char buf[512];
    if (name != NULL && strcmp(name, ATTR_TASK_ENI) == 0)
        snprintf(buf, sizeof buf,
                 "networkMode awsvpc needs the attribute " ATTR_TASK_ENI ", which the container instance's "
                 "agent does not register.");
    else if (name != NULL && json_is_true(json_object_get(missing, "absent")))
        snprintf(buf, sizeof buf,
                 "The container instance takes only Fargate tasks (its agent runs with --fargate=only: attribute "
                 "%s).", name);
    else if (name != NULL && strcmp(name, "ecs.capability.fargate") == 0)
        snprintf(buf, sizeof buf,
                 "launchType FARGATE needs a container instance that offers Fargate capacity (attribute %s; "
                 "its agent runs with --fargate=no).", name);
    else
        snprintf(buf, sizeof buf,
                 "The container instance is missing the attribute %s%s%s that the task definition "
                 "requires.",
                 name ? name : "?", value ? "=" : "", value ? value : "");
    return strdup(buf);
}

int attr_put_custom(json_t *list, const json_t *a, ecs_error_t *err)
{
    const char *name = json_string_value(json_object_get(a, "name"));
    size_t i, custom = 0;
    json_t *have;
    json_array_foreach(list, i, have)
    {
        const char *n = json_string_value(json_object_get(have, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            json_t *copy = json_pack("{s:s}", "name", name);
            json_t *v = json_object_get(a, "value");
            if (copy != NULL && json_is_string(v))
                json_object_set(copy, "value", v);
            return json_array_set_new(list, i, copy) == 0 ? 0 : ecs_server_err(err, "out of memory");
        }
        if (n != NULL && !attr_agent_owned(n))
            custom++;
    }
    if (custom >= ATTR_CUSTOM_MAX || json_array_size(list) >= ATTR_MAX)
        return ecs_err(err, 400, "AttributeLimitExceededException",
                       "You can apply up to %d custom attributes for each resource.", ATTR_CUSTOM_MAX);
    add_plain(list, a);
    return 0;
}

bool attr_delete(json_t *list, const char *name)
{
    size_t i;
    json_t *have;
    json_array_foreach(list, i, have)
    {
        const char *n = json_string_value(json_object_get(have, "name"));
        if (n != NULL && strcmp(n, name) == 0) {
            json_array_remove(list, i);
            return true;
        }
    }
    return false;
}
