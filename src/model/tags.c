/* tags.c - ECS's tag rules, merging, propagation and views (model/tags.h).
 *
 * The messages of the checks are kept together here: ECS's exact texts for
 * these faults were not found in its documentation, so they are ours,
 * each naming the member at fault, and can be corrected in one place. */
#include "model/tags.h"

#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "common/cleanup.h"

#define TAG_CHARS "letters, numbers, spaces and _ . : / = + - @"

bool tags_reserved(const char *s) { return s != NULL && strncasecmp(s, "aws:", 4) == 0; }

/* ---- characters: ECS's pattern [\p{L}\p{Z}\p{N}_.:/=+\-@]* ---------- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    /* Unicode classes of non-ASCII characters come from the C library's
     * C.UTF-8 tables; without them every non-control character passes. */
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* \p{Z}: the space separators (U+0020 is handled with ASCII). */
static bool is_unicode_space(uint32_t c)
{
    return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 ||
           c == 0x202F || c == 0x205F || c == 0x3000;
}

static bool char_allowed(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c != 0 && strchr(" _.:/=+-@", (int)c) != NULL);
    if (c < 0xA0) /* C1 controls */
        return false;
    if (is_unicode_space(c))
        return true;
    pthread_once(&utf8_once, utf8_locale_init);
    if (utf8_locale == (locale_t)0)
        return true;
    return iswalnum_l((wint_t)c, utf8_locale) != 0;
}

/* Decodes one UTF-8 character at s (n bytes left); its length, or 0 when
 * the bytes are not UTF-8. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *c)
{
    if (s[0] < 0x80) {
        *c = s[0];
        return 1;
    }
    size_t len = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (len == 0 || len > n)
        return 0;
    uint32_t v = s[0] & (0x7F >> len);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
    if (v < min[len] || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *c = v;
    return len;
}

/* Counts the characters of a JSON string; -1 when one is not allowed
 * (or the text is not UTF-8, or has a NUL). */
static long count_chars(const json_t *s)
{
    const unsigned char *p = (const unsigned char *)json_string_value(s);
    size_t n = json_string_length(s);
    long count = 0;
    while (n > 0) {
        uint32_t c;
        size_t len = utf8_next(p, n, &c);
        if (len == 0 || !char_allowed(c))
            return -1;
        p += len;
        n -= len;
        count++;
    }
    return count;
}

/* ---- checks ------------------------------------------------------------ */

static int check_one(const json_t *tag, const char *field, size_t i, ecs_error_t *err)
{
    if (!json_is_object(tag))
        return ecs_invalid_param(err, "%s[%zu]: a tag is an object with a key and a value.", field, i);
    const json_t *key = json_object_get(tag, "key"), *value = json_object_get(tag, "value");
    if (!json_is_string(key) || json_string_length(key) == 0)
        return ecs_invalid_param(err, "%s[%zu].key: a tag must have a key of 1 to %d characters.", field, i,
                                 TAG_KEY_MAX);
    if (value != NULL && !json_is_null(value) && !json_is_string(value))
        return ecs_invalid_param(err, "%s[%zu].value: a tag value is a string.", field, i);
    long klen = count_chars(key);
    if (klen < 0)
        return ecs_invalid_param(err, "%s[%zu].key: '%.128s' has a character a tag key cannot have (" TAG_CHARS
                                      " are allowed).", field, i, json_string_value(key));
    if (klen > TAG_KEY_MAX)
        return ecs_invalid_param(err, "%s[%zu].key: a tag key can have at most %d characters (this one has %ld).",
                                 field, i, TAG_KEY_MAX, klen);
    if (tags_reserved(json_string_value(key)))
        return ecs_invalid_param(err, "%s[%zu].key: '%.128s': tag keys beginning with 'aws:' are reserved for AWS "
                                      "use.", field, i, json_string_value(key));
    if (json_is_string(value)) {
        long vlen = count_chars(value);
        if (vlen < 0)
            return ecs_invalid_param(err, "%s[%zu].value: the value of tag '%.128s' has a character a tag value "
                                          "cannot have (" TAG_CHARS " are allowed).", field, i,
                                     json_string_value(key));
        if (vlen > TAG_VALUE_MAX)
            return ecs_invalid_param(err, "%s[%zu].value: a tag value can have at most %d characters (the value "
                                          "of '%.128s' has %ld).", field, i, TAG_VALUE_MAX,
                                     json_string_value(key), vlen);
        if (tags_reserved(json_string_value(value)))
            return ecs_invalid_param(err, "%s[%zu].value: the value of tag '%.128s': tag values beginning with "
                                          "'aws:' are reserved for AWS use.", field, i, json_string_value(key));
    }
    return 0;
}

static const json_t *find_key(const json_t *tags, const char *key, size_t *at)
{
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        const char *k = json_string_value(json_object_get(t, "key"));
        if (k != NULL && key != NULL && strcmp(k, key) == 0) {
            if (at != NULL)
                *at = i;
            return t;
        }
    }
    return NULL;
}

int tags_check(const json_t *tags, const char *field, ecs_error_t *err)
{
    if (tags == NULL || json_is_null(tags))
        return 0;
    if (!json_is_array(tags))
        return ecs_invalid_param(err, "%s: a list of tags is expected.", field);
    if (json_array_size(tags) > TAGS_MAX)
        return ecs_invalid_param(err, "%s: a resource can have at most %d tags (%zu were given).", field, TAGS_MAX,
                                 json_array_size(tags));
    size_t i;
    json_t *t;
    json_array_foreach(tags, i, t) {
        if (check_one(t, field, i, err) < 0)
            return -1;
        size_t first;
        const char *key = json_string_value(json_object_get(t, "key"));
        if (find_key(tags, key, &first) != NULL && first < i)
            return ecs_invalid_param(err, "%s[%zu].key: the tag key '%.128s' is given twice (also at %s[%zu]).",
                                     field, i, key, field, first);
    }
    return 0;
}

int tags_check_keys(const json_t *keys, const char *field, ecs_error_t *err)
{
    if (!json_is_array(keys))
        return ecs_invalid_param(err, "%s: a list of tag keys is expected.", field);
    size_t i;
    json_t *k;
    json_array_foreach(keys, i, k) {
        if (!json_is_string(k) || json_string_length(k) == 0)
            return ecs_invalid_param(err, "%s[%zu]: a tag key of 1 to %d characters is expected.", field, i,
                                     TAG_KEY_MAX);
        if (tags_reserved(json_string_value(k)))
            return ecs_invalid_param(err, "%s[%zu]: '%.128s': tags beginning with 'aws:' are reserved for AWS use "
                                          "and cannot be removed.", field, i, json_string_value(k));
    }
    return 0;
}

/* ---- merging and removing ---------------------------------------------- */

/* A stored tag: key and value (value "" when the client gave none). */
static json_t *tag_new(const json_t *tag)
{
    const char *value = json_string_value(json_object_get(tag, "value"));
    return json_pack("{s:O, s:s}", "key", json_object_get(tag, "key"), "value", value ? value : "");
}

static size_t count_unreserved(const json_t *tags)
{
    size_t n = 0, i;
    json_t *t;
    json_array_foreach(tags, i, t)
        n += !tags_reserved(json_string_value(json_object_get(t, "key")));
    return n;
}

int tags_merge(const json_t *existing, const json_t *add, json_t **out, ecs_error_t *err)
{
    /* existing is merged element by element too, so a list that holds a key
     * twice (not one ecsd stored: a caller's) still yields each key once */
    json_t *merged = json_array();
    const json_t *lists[2] = {json_is_array(existing) ? existing : NULL, add};
    for (int l = 0; l < 2; l++) {
        size_t i;
        json_t *t;
        json_array_foreach(lists[l], i, t) {
            size_t at;
            if (!json_is_string(json_object_get(t, "key")))
                continue; /* not a tag (only an unchecked list can hold one) */
            if (find_key(merged, json_string_value(json_object_get(t, "key")), &at) != NULL)
                json_array_set_new(merged, at, tag_new(t));
            else
                json_array_append_new(merged, tag_new(t));
        }
    }
    size_t n = count_unreserved(merged);
    if (n > TAGS_MAX) {
        json_decref(merged);
        return ecs_invalid_param(err, "tags: a resource can have at most %d tags; with these it would have %zu.",
                                 TAGS_MAX, n);
    }
    *out = merged;
    return 0;
}

json_t *tags_remove(const json_t *existing, const json_t *keys)
{
    json_t *kept = json_array();
    size_t i, j;
    json_t *t, *k;
    json_array_foreach(existing, i, t) {
        const char *key = json_string_value(json_object_get(t, "key"));
        bool drop = false;
        json_array_foreach(keys, j, k)
            drop = drop || (key != NULL && json_is_string(k) && strcmp(json_string_value(k), key) == 0);
        if (!drop)
            json_array_append(kept, t);
    }
    return kept;
}

/* ---- the convention: doc["tags"] ---------------------------------------- */

const json_t *tags_get(const json_t *doc)
{
    const json_t *t = json_object_get(doc, "tags");
    return json_array_size(t) > 0 ? t : NULL;
}

void tags_put(json_t *doc, json_t *tags)
{
    if (json_array_size(tags) == 0) {
        json_object_del(doc, "tags");
        json_decref(tags);
        return;
    }
    json_object_set_new(doc, "tags", tags);
}

int tags_take(const json_t *in, json_t *doc, bool empty_ok, ecs_error_t *err)
{
    const json_t *tags = json_object_get(in, "tags");
    if (tags == NULL || json_is_null(tags))
        return 0;
    if (!empty_ok && json_is_array(tags) && json_array_size(tags) == 0)
        return ecs_client_err(err, "Tags can not be empty.");
    json_t *merged = NULL;
    if (tags_check(tags, "tags", err) < 0 || tags_merge(NULL, tags, &merged, err) < 0)
        return -1;
    tags_put(doc, merged);
    return 0;
}

bool tags_included(const json_t *in)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(in, "include"), i, v)
        if (json_is_string(v) && strcmp(json_string_value(v), "TAGS") == 0)
            return true;
    return false;
}

void tags_hide(json_t *view, tags_hidden_t how)
{
    if (how == TAGS_HIDDEN_EMPTY)
        json_object_set_new(view, "tags", json_array());
    else
        json_object_del(view, "tags");
}

void tags_show(json_t *view, const json_t *doc, tags_hidden_t how)
{
    const json_t *tags = tags_get(doc);
    if (tags == NULL)
        tags_hide(view, how);
    else
        json_object_set_new(view, "tags", json_deep_copy(tags));
}

void tags_view(json_t *view, const json_t *doc, bool show, tags_hidden_t how)
{
    if (show)
        tags_show(view, doc, how);
    else
        tags_hide(view, how);
}

json_t *tags_taskdef_view(const json_t *doc)
{
    json_t *v = json_copy((json_t *)doc); /* shallow: members are shared, not changed */
    json_object_del(v, "tags");
    return v;
}

json_t *tags_taskdef_answer(const json_t *doc, bool with_tags)
{
    const json_t *tags = with_tags ? tags_get(doc) : NULL;
    return json_pack("{s:o, s:o}", "taskDefinition", tags_taskdef_view(doc), "tags",
                     tags ? json_deep_copy(tags) : json_array());
}

/* ---- tags of new tasks --------------------------------------------------- */

/* Appends (or sets) one managed tag: ECS adds these itself, past the
 * client's rules. */
static void set_managed(json_t *tags, const char *key, const char *value)
{
    size_t at;
    json_t *t = json_pack("{s:s, s:s}", "key", key, "value", value);
    if (find_key(tags, key, &at) != NULL)
        json_array_set_new(tags, at, t);
    else
        json_array_append_new(tags, t);
}

int tags_for_run(const json_t *in, bool run_task, const json_t *taskdef, const char *cluster, json_t **out,
                 ecs_error_t *err)
{
    const json_t *own = json_object_get(in, "tags");
    const char *propagate = json_string_value(json_object_get(in, "propagateTags"));
    if (tags_check(own, "tags", err) < 0)
        return -1;
    if (run_task && propagate != NULL && strcmp(propagate, "SERVICE") == 0)
        return ecs_invalid_param(err, "propagateTags: SERVICE can only be used by the tasks of a service; RunTask "
                                      "takes TASK_DEFINITION or NONE.");
    const json_t *from = propagate != NULL && strcmp(propagate, "TASK_DEFINITION") == 0 ? tags_get(taskdef) : NULL;
    json_t *tags = NULL;
    if (tags_merge(from, json_is_array(own) ? own : NULL, &tags, err) < 0)
        return -1;
    if (json_is_true(json_object_get(in, "enableECSManagedTags")))
        set_managed(tags, TAG_MANAGED_CLUSTER, cluster);
    *out = tags;
    return 0;
}

json_t *tags_for_service_task(const json_t *service, const json_t *taskdef, const char *cluster,
                              const char *service_name)
{
    const char *propagate = json_string_value(json_object_get(service, "propagateTags"));
    const json_t *from = NULL;
    if (propagate != NULL && strcmp(propagate, "SERVICE") == 0)
        from = tags_get(service);
    else if (propagate != NULL && strcmp(propagate, "TASK_DEFINITION") == 0)
        from = tags_get(taskdef);
    json_t *tags = from ? json_deep_copy(from) : json_array();
    if (json_is_true(json_object_get(service, "enableECSManagedTags"))) {
        set_managed(tags, TAG_MANAGED_CLUSTER, cluster);
        set_managed(tags, TAG_MANAGED_SERVICE, service_name);
    }
    return tags;
}

int tags_service_take(const json_t *in, json_t *doc, bool create, ecs_error_t *err)
{
    const json_t *propagate = json_object_get(in, "propagateTags");
    const json_t *managed = json_object_get(in, "enableECSManagedTags");
    if (create && tags_take(in, doc, true, err) < 0)
        return -1;
    if (json_is_string(propagate))
        json_object_set(doc, "propagateTags", (json_t *)propagate);
    else if (create)
        json_object_set_new(doc, "propagateTags", json_string("NONE"));
    if (json_is_boolean(managed))
        json_object_set(doc, "enableECSManagedTags", (json_t *)managed);
    else if (create)
        json_object_set_new(doc, "enableECSManagedTags", json_false());
    return 0;
}
