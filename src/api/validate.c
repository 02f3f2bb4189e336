/* validate.c - check a request against its operation's input shape.
 *
 * One walk over the request, driven by the shape tables of api/shapes_gen.c
 * (so recursion is bounded by the model's depth, and by WALK_DEPTH_MAX).
 * A type error ends the walk at once: it is SerializationException, which
 * wins over everything else. The other faults (required, enum) are ranked; the walk goes on looking for type errors and keeps the first
 * fault of the highest rank in err. Nothing is allocated: the path of the
 * current member is kept in a fixed buffer on the stack.
 */
#include "api/validate.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/shapes.h"

#define WALK_DEPTH_MAX 32 /* the ECS model is 10 deep; this only bounds recursion */
#define WALK_PATH_MAX 256 /* longer paths are cut, ending in "..." */
#define ENUM_VALUE_SHOWN 64 /* characters of a bad enum value echoed back */

/* Rank of a semantic fault; a higher rank replaces a lower one in err. */
enum fault_rank {
    FAULT_NONE,
    FAULT_ENUM,
    FAULT_REQUIRED,
};

typedef struct walk {
    const api_shape_table_t *t; /* the model walked: ECS's or another service's */
    ecs_error_t *err;
    int rank;                 /* fault_rank of what err holds */
    size_t len;               /* strlen(path) */
    char path[WALK_PATH_MAX]; /* e.g. "containerDefinitions[0].memory" */
} walk_t;

/* ---- the path of the current member ---- */

static void path_append(walk_t *w, const char *s, size_t n)
{
    size_t room = sizeof w->path - 1 - w->len;
    bool cut = n > room;
    if (cut)
        n = room;
    memcpy(w->path + w->len, s, n);
    w->len += n;
    w->path[w->len] = '\0';
    if (cut) /* mark the cut; w->len is now sizeof w->path - 1 */
        memcpy(w->path + sizeof w->path - 4, "...", 3);
}

/* Enter member `name` (n bytes); returns the length to restore on leaving. */
static size_t path_push_name(walk_t *w, const char *name, size_t n)
{
    size_t saved = w->len;
    if (w->len > 0)
        path_append(w, ".", 1);
    path_append(w, name, n);
    return saved;
}

static size_t path_push_index(walk_t *w, size_t i)
{
    size_t saved = w->len;
    char buf[24];
    int n = snprintf(buf, sizeof buf, "[%zu]", i);
    path_append(w, buf, (size_t)n);
    return saved;
}

static void path_pop(walk_t *w, size_t saved)
{
    w->len = saved;
    w->path[saved] = '\0';
}

/* ---- faults ---- */

static const char *json_type_desc(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a floating-point number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

static const char *shape_desc(const api_shape_t *s)
{
    switch ((api_shape_kind_t)s->kind) {
    case API_SHAPE_STRUCTURE: return "an object";
    case API_SHAPE_LIST: return "an array";
    case API_SHAPE_MAP: return "an object of strings";
    case API_SHAPE_STRING:
    case API_SHAPE_ENUM: return "a string";
    case API_SHAPE_INTEGER: return "an integer";
    case API_SHAPE_LONG: return "an integer";
    case API_SHAPE_BOOLEAN: return "a boolean";
    case API_SHAPE_DOUBLE: return "a number";
    case API_SHAPE_TIMESTAMP: return "a timestamp (epoch seconds)";
    case API_SHAPE_DOCUMENT: return "a JSON value";
    }
    return "a value";
}

static int type_fault(walk_t *w, const api_shape_t *s, const json_t *v)
{
    const char *got = json_type_desc(v);
    if (s->kind == API_SHAPE_INTEGER && json_is_integer(v))
        got = "an integer outside the 32-bit range";
    if (w->len == 0)
        return ecs_err(w->err, 400, "SerializationException",
                       "Expected %s for the request body, got %s.", shape_desc(s), got);
    return ecs_err(w->err, 400, "SerializationException", "Expected %s for '%s', got %s.",
                   shape_desc(s), w->path, got);
}

/* Keep this fault in err unless one of the same or a higher rank is there. */
static void note_fault(walk_t *w, int rank, const char *message)
{
    if (rank <= w->rank)
        return;
    w->rank = rank;
    ecs_invalid_param(w->err, "%s", message);
}

static void fault_required(walk_t *w, const api_member_t *m)
{
    if (FAULT_REQUIRED <= w->rank)
        return;
    char msg[ECS_ERROR_MESSAGE_MAX];
    snprintf(msg, sizeof msg, "Missing required parameter '%s%s%s'.", w->path,
             w->len > 0 ? "." : "", m->name);
    note_fault(w, FAULT_REQUIRED, msg);
}

static void fault_enum(walk_t *w, const api_shape_t *s, const json_t *v)
{
    if (FAULT_ENUM <= w->rank)
        return;
    char msg[ECS_ERROR_MESSAGE_MAX];
    size_t vlen = json_string_length(v);
    int n = snprintf(msg, sizeof msg, "Invalid value '%.*s%s' for '%s'; allowed values: ",
                     (int)(vlen > ENUM_VALUE_SHOWN ? ENUM_VALUE_SHOWN : vlen),
                     json_string_value(v), vlen > ENUM_VALUE_SHOWN ? "..." : "", w->path);
    size_t at = n > 0 && (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1;
    for (unsigned i = 0; i < s->count && at < sizeof msg - 1; i++) {
        n = snprintf(msg + at, sizeof msg - at, "%s%s", i > 0 ? ", " : "",
                     w->t->enums[s->first + i]);
        at += n > 0 ? (size_t)n : 0;
    }
    if (at < sizeof msg - 1)
        snprintf(msg + at, sizeof msg - at, ".");
    note_fault(w, FAULT_ENUM, msg);
}

/* ---- lookups ---- */

/* The member of structure `s` named key (klen bytes), or NULL. */
static const api_member_t *find_member(const api_shape_table_t *t, const api_shape_t *s, const char *key,
                                       size_t klen)
{
    if (memchr(key, '\0', klen) != NULL) /* no member name holds a NUL */
        return NULL;
    size_t lo = s->first, hi = (size_t)s->first + s->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *name = t->members[mid].name;
        int c = strncmp(name, key, klen);
        if (c == 0 && name[klen] != '\0')
            c = 1; /* name is longer than key */
        if (c == 0)
            return &t->members[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Values ECS serves that the model's enum does not list (yet). */
static const struct {
    const char *shape, *value;
} enum_extra[] = {
    {"SettingName", "dualStackIPv6"}, /* a documented account setting, missing from SettingName */
};

static bool enum_has(const api_shape_table_t *t, const api_shape_t *s, const json_t *v)
{
    const char *str = json_string_value(v);
    size_t len = json_string_length(v);
    for (size_t i = 0; i < sizeof enum_extra / sizeof enum_extra[0]; i++)
        if (strcmp(s->name, enum_extra[i].shape) == 0 && strlen(enum_extra[i].value) == len &&
            memcmp(enum_extra[i].value, str, len) == 0)
            return true;
    for (unsigned i = 0; i < s->count; i++) {
        const char *e = t->enums[s->first + i];
        if (strlen(e) == len && memcmp(e, str, len) == 0)
            return true;
    }
    return false;
}

/* Iterating an object does not change it; jansson's iterator API just is
 * not const-qualified. */
#define OBJECT_FOREACH(obj, it) \
    for (void *it = json_object_iter((json_t *)(obj)); it != NULL; \
         it = json_object_iter_next((json_t *)(obj), it))

/* ---- the walk ---- */

static int walk_value(walk_t *w, const api_shape_t *s, const json_t *v, int depth);

static int walk_struct(walk_t *w, const api_shape_t *s, const json_t *obj, int depth)
{
    unsigned required_seen = 0;
    OBJECT_FOREACH(obj, it) {
        const char *key = json_object_iter_key(it);
        size_t klen = json_object_iter_key_len(it);
        const json_t *v = json_object_iter_value(it);
        const api_member_t *m = find_member(w->t, s, key, klen);
        if (m == NULL || json_is_null(v))
            continue; /* unknown to the model: ignored; null: absent */
        if (m->flags & API_MEMBER_REQUIRED)
            required_seen++;
        size_t saved = path_push_name(w, key, klen);
        if (walk_value(w, &w->t->shapes[m->shape], v, depth + 1) < 0)
            return -1;
        path_pop(w, saved);
    }
    if (required_seen < s->nrequired) {
        for (unsigned i = 0; i < s->count; i++) {
            const api_member_t *m = &w->t->members[s->first + i];
            const json_t *v = json_object_get(obj, m->name);
            if ((m->flags & API_MEMBER_REQUIRED) && (v == NULL || json_is_null(v))) {
                fault_required(w, m);
                break;
            }
        }
    }
    return 0;
}

static int walk_value(walk_t *w, const api_shape_t *s, const json_t *v, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return ecs_err(w->err, 400, "SerializationException",
                       "The request is nested too deeply at '%s'.", w->path);
    switch ((api_shape_kind_t)s->kind) {
    case API_SHAPE_STRUCTURE:
        if (!json_is_object(v))
            return type_fault(w, s, v);
        return walk_struct(w, s, v, depth);
    case API_SHAPE_LIST: {
        if (!json_is_array(v))
            return type_fault(w, s, v);
        const api_shape_t *item = &w->t->shapes[s->item];
        for (size_t i = 0; i < json_array_size(v); i++) {
            size_t saved = path_push_index(w, i);
            if (walk_value(w, item, json_array_get(v, i), depth + 1) < 0)
                return -1;
            path_pop(w, saved);
        }
        return 0;
    }
    case API_SHAPE_MAP: {
        if (!json_is_object(v))
            return type_fault(w, s, v);
        const api_shape_t *item = &w->t->shapes[s->item];
        OBJECT_FOREACH(v, it) {
            size_t saved = path_push_name(w, json_object_iter_key(it),
                                          json_object_iter_key_len(it));
            if (walk_value(w, item, json_object_iter_value(it), depth + 1) < 0)
                return -1;
            path_pop(w, saved);
        }
        return 0;
    }
    case API_SHAPE_STRING:
        return json_is_string(v) ? 0 : type_fault(w, s, v);
    case API_SHAPE_ENUM:
        if (!json_is_string(v))
            return type_fault(w, s, v);
        if (!enum_has(w->t, s, v))
            fault_enum(w, s, v);
        return 0;
    case API_SHAPE_INTEGER:
        if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
            json_integer_value(v) > INT32_MAX)
            return type_fault(w, s, v);
        return 0;
    case API_SHAPE_LONG:
        return json_is_integer(v) ? 0 : type_fault(w, s, v);
    case API_SHAPE_BOOLEAN:
        return json_is_boolean(v) ? 0 : type_fault(w, s, v);
    case API_SHAPE_DOUBLE:
        return json_is_number(v) ? 0 : type_fault(w, s, v);
    case API_SHAPE_TIMESTAMP:
        return json_is_number(v) || json_is_string(v) ? 0 : type_fault(w, s, v);
    case API_SHAPE_DOCUMENT:
        return 0;
    }
    return 0;
}

static int op_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const api_op_input_t *)elem)->op);
}

/* ECS's tables (api/shapes_gen.c). */
static api_shape_table_t ecs_tables(void)
{
    return (api_shape_table_t){api_shapes, api_members, api_enum_values, api_op_inputs, api_op_inputs_count};
}

static const api_op_input_t *find_op(const api_shape_table_t *t, const char *op)
{
    return bsearch(op, t->ops, t->n_ops, sizeof t->ops[0], op_cmp);
}

int api_validate_input_in(const api_shape_table_t *t, const char *op, const json_t *in, ecs_error_t *err)
{
    const api_op_input_t *oi = find_op(t, op);
    if (oi == NULL)
        return 0;
    const api_shape_t *s = &t->shapes[oi->shape];
    walk_t w = {.t = t, .err = err, .rank = FAULT_NONE, .len = 0};
    w.path[0] = '\0';
    if (in == NULL || !json_is_object(in))
        return in == NULL ? ecs_err(err, 400, "SerializationException",
                                    "Expected an object for the request body.")
                          : type_fault(&w, s, in);
    if (walk_struct(&w, s, in, 0) < 0)
        return -1;
    return w.rank == FAULT_NONE ? 0 : -1;
}

int api_validate_input(const char *op, const json_t *in, ecs_error_t *err)
{
    api_shape_table_t t = ecs_tables();
    return api_validate_input_in(&t, op, in, err);
}

/* ---- members unknown to the model ---- */

static void strip_value(const api_shape_table_t *t, const api_shape_t *s, json_t *v, int depth);

static void strip_struct(const api_shape_table_t *t, const api_shape_t *s, json_t *obj, int depth)
{
    void *it = json_object_iter(obj);
    while (it != NULL) {
        const char *key = json_object_iter_key(it);
        const api_member_t *m = find_member(t, s, key, json_object_iter_key_len(it));
        json_t *v = json_object_iter_value(it);
        it = json_object_iter_next(obj, it);
        if (m == NULL)
            json_object_del(obj, key); /* the iterator is already past it */
        else
            strip_value(t, &t->shapes[m->shape], v, depth + 1);
    }
}

static void strip_value(const api_shape_table_t *t, const api_shape_t *s, json_t *v, int depth)
{
    if (depth > WALK_DEPTH_MAX)
        return;
    if (s->kind == API_SHAPE_STRUCTURE && json_is_object(v)) {
        strip_struct(t, s, v, depth);
    } else if (s->kind == API_SHAPE_LIST && json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            strip_value(t, &t->shapes[s->item], json_array_get(v, i), depth + 1);
    } else if (s->kind == API_SHAPE_MAP && json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
            strip_value(t, &t->shapes[s->item], x, depth + 1);
    }
}

void api_strip_unknown_in(const api_shape_table_t *t, const char *op, json_t *in)
{
    const api_op_input_t *oi = find_op(t, op);
    if (oi != NULL && json_is_object(in))
        strip_struct(t, &t->shapes[oi->shape], in, 0);
}

void api_strip_unknown(const char *op, json_t *in)
{
    api_shape_table_t t = ecs_tables();
    api_strip_unknown_in(&t, op, in);
}
