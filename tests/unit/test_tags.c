/* Tests for model/tags.c: ECS's tag rules, merging, removing, the tags of
 * new tasks and how views show them. */
#include <jansson.h>
#include <string.h>

#include "model/tags.h"
#include "test.h"

static json_t *J(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &e);
    if (j == NULL)
        fprintf(stderr, "bad test JSON: %s: %s\n", text, e.text);
    return j;
}

/* tags_check on one tag {key, value}; the error type ("" when accepted). */
static const char *check_pair(const char *key, const char *value, ecs_error_t *err)
{
    /* _nocheck: bytes that are not UTF-8 reach the check as they are */
    json_t *list = json_pack("[{s:o, s:o}]", "key", json_stringn_nocheck(key, strlen(key)), "value",
                             json_stringn_nocheck(value, strlen(value)));
    *err = (ecs_error_t){0};
    int rc = tags_check(list, "tags", err);
    json_decref(list);
    return rc == 0 ? "" : err->type;
}

static char *repeat(char *buf, const char *unit, int n)
{
    size_t len = strlen(unit);
    for (int i = 0; i < n; i++)
        memcpy(buf + (size_t)i * len, unit, len);
    buf[(size_t)n * len] = '\0';
    return buf;
}

TEST(tags_check_accepts_ecs_characters)
{
    ecs_error_t err;
    CHECK_STR(check_pair("team", "web", &err), "");
    CHECK_STR(check_pair("a b_c.d:e/f=g+h-i@j", "", &err), ""); /* every allowed punctuation, empty value */
    CHECK_STR(check_pair("café", "naïve", &err), "");            /* letters beyond ASCII */
    CHECK_STR(check_pair("日本", "東京", &err), "");
    CHECK_STR(check_pair("x", "a\xc2\xa0" "b", &err), "");       /* no-break space: \p{Z} */
    CHECK_STR(check_pair("n", "\xd9\xa3", &err), "");             /* ARABIC-INDIC DIGIT THREE: \p{N} */
}

TEST(tags_check_refuses_other_characters)
{
    ecs_error_t err;
    const char *bad[] = {"a#b", "tab\there", "new\nline", "q\"uote", "semi;colon", "star*", "\xf0\x9f\x98\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        CHECK_STR(check_pair(bad[i], "v", &err), "InvalidParameterException");
        CHECK(strstr(err.message, "tags[0].key") != NULL);
        CHECK_STR(check_pair("k", bad[i], &err), "InvalidParameterException");
        CHECK(strstr(err.message, "tags[0].value") != NULL);
    }
    /* not UTF-8: a lone continuation byte, an overlong form, a surrogate */
    CHECK_STR(check_pair("a\x80", "v", &err), "InvalidParameterException");
    CHECK_STR(check_pair("\xc0\xaf", "v", &err), "InvalidParameterException");
    CHECK_STR(check_pair("\xed\xa0\x80", "v", &err), "InvalidParameterException");
}

TEST(tags_check_lengths_count_characters)
{
    ecs_error_t err;
    char buf[1200];
    CHECK_STR(check_pair(repeat(buf, "k", 128), "v", &err), "");
    CHECK_STR(check_pair(repeat(buf, "k", 129), "v", &err), "InvalidParameterException");
    CHECK(strstr(err.message, "128") != NULL && strstr(err.message, "129") != NULL);
    CHECK_STR(check_pair(repeat(buf, "é", 128), "v", &err), ""); /* 256 bytes, 128 characters */
    CHECK_STR(check_pair(repeat(buf, "é", 129), "v", &err), "InvalidParameterException");
    CHECK_STR(check_pair("k", repeat(buf, "v", 256), &err), "");
    CHECK_STR(check_pair("k", repeat(buf, "v", 257), &err), "InvalidParameterException");
    CHECK(strstr(err.message, "tags[0].value") != NULL);
    CHECK_STR(check_pair("k", repeat(buf, "日", 256), &err), "");
    CHECK_STR(check_pair("", "v", &err), "InvalidParameterException");
}

TEST(tags_check_reserved_prefix_any_case)
{
    ecs_error_t err;
    const char *reserved[] = {"aws:x", "AWS:x", "Aws:", "aWs:ecs:clusterName"};
    for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++) {
        CHECK(tags_reserved(reserved[i]));
        CHECK_STR(check_pair(reserved[i], "v", &err), "InvalidParameterException");
        CHECK(strstr(err.message, "reserved") != NULL);
        CHECK_STR(check_pair("k", reserved[i], &err), "InvalidParameterException");
    }
    CHECK(!tags_reserved("aws") && !tags_reserved("awsx:") && !tags_reserved("my-aws:x"));
    CHECK_STR(check_pair("awsome", "aws", &err), "");
}

TEST(tags_check_list_rules)
{
    ecs_error_t err = {0};
    json_t *dup = J("[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"value\":\"2\"},{\"key\":\"a\",\"value\":\"3\"}]");
    CHECK(tags_check(dup, "tags", &err) < 0);
    CHECK(strstr(err.message, "tags[2].key") != NULL && strstr(err.message, "tags[0]") != NULL);
    json_decref(dup);
    json_t *many = json_array();
    for (int i = 0; i < TAGS_MAX; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_array_append_new(many, json_pack("{s:s, s:s}", "key", k, "value", "v"));
    }
    CHECK(tags_check(many, "tags", &err) == 0);
    json_array_append_new(many, json_pack("{s:s, s:s}", "key", "one-more", "value", "v"));
    CHECK(tags_check(many, "tags", &err) < 0);
    CHECK_STR(err.type, "InvalidParameterException");
    CHECK(strstr(err.message, "50") != NULL);
    json_decref(many);
    /* the value may be absent (it is kept as ""); the key may not */
    json_t *nokey = J("[{\"value\":\"1\"}]"), *novalue = J("[{\"key\":\"a\"}]");
    CHECK(tags_check(nokey, "tags", &err) < 0 && strstr(err.message, "tags[0].key") != NULL);
    CHECK(tags_check(novalue, "tags", &err) == 0);
    json_decref(nokey);
    json_decref(novalue);
    CHECK(tags_check(NULL, "tags", &err) == 0);
}

TEST(tags_merge_overwrites_in_place_and_appends)
{
    ecs_error_t err = {0};
    json_t *have = J("[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"aws:ecs:clusterName\",\"value\":\"c\"},"
                     "{\"key\":\"b\",\"value\":\"2\"}]");
    json_t *add = J("[{\"key\":\"b\",\"value\":\"two\"},{\"key\":\"c\"}]");
    json_t *out = NULL;
    REQUIRE(tags_merge(have, add, &out, &err) == 0);
    json_t *want = J("[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"aws:ecs:clusterName\",\"value\":\"c\"},"
                     "{\"key\":\"b\",\"value\":\"two\"},{\"key\":\"c\",\"value\":\"\"}]");
    CHECK(json_equal(out, want));
    CHECK(json_array_size(have) == 3); /* the inputs are not changed */
    json_decref(out);
    json_decref(want);
    json_decref(add);
    json_decref(have);
}

TEST(tags_merge_limit_counts_unreserved_tags_only)
{
    ecs_error_t err = {0};
    json_t *have = json_array(), *add = json_array(), *out = NULL;
    for (int i = 0; i < 49; i++) {
        char k[16];
        snprintf(k, sizeof k, "k%d", i);
        json_array_append_new(have, json_pack("{s:s, s:s}", "key", k, "value", "v"));
    }
    json_array_append_new(have, json_pack("{s:s, s:s}", "key", TAG_MANAGED_CLUSTER, "value", "c"));
    json_array_append_new(add, json_pack("{s:s, s:s}", "key", "k0", "value", "new")); /* overwrite: still 49 */
    json_array_append_new(add, json_pack("{s:s, s:s}", "key", "k49", "value", "v"));  /* the 50th */
    REQUIRE(tags_merge(have, add, &out, &err) == 0);
    CHECK_INT(json_array_size(out), 51);
    json_t *more = json_pack("[{s:s, s:s}]", "key", "k50", "value", "v"), *out2 = NULL;
    CHECK(tags_merge(out, more, &out2, &err) < 0);
    CHECK_STR(err.type, "InvalidParameterException");
    CHECK(out2 == NULL);
    json_decref(more);
    json_decref(out);
    json_decref(add);
    json_decref(have);
}

TEST(tags_remove_and_check_keys)
{
    ecs_error_t err = {0};
    json_t *have = J("[{\"key\":\"a\",\"value\":\"1\"},{\"key\":\"b\",\"value\":\"2\"},{\"key\":\"c\",\"value\":\"3\"}]");
    json_t *keys = J("[\"c\",\"zz\",\"a\"]");
    CHECK(tags_check_keys(keys, "tagKeys", &err) == 0);
    json_t *left = tags_remove(have, keys);
    json_t *want = J("[{\"key\":\"b\",\"value\":\"2\"}]");
    CHECK(json_equal(left, want));
    json_t *reserved = J("[\"b\",\"AWS:ecs:serviceName\"]");
    CHECK(tags_check_keys(reserved, "tagKeys", &err) < 0);
    CHECK(strstr(err.message, "tagKeys[1]") != NULL);
    json_t *empty_key = J("[\"\"]");
    CHECK(tags_check_keys(empty_key, "tagKeys", &err) < 0);
    json_decref(empty_key);
    json_decref(reserved);
    json_decref(want);
    json_decref(left);
    json_decref(keys);
    json_decref(have);
}

TEST(tags_take_and_views)
{
    ecs_error_t err = {0};
    json_t *doc = json_object();
    json_t *in = J("{\"tags\":[{\"key\":\"a\",\"value\":\"1\"}]}");
    REQUIRE(tags_take(in, doc, true, &err) == 0);
    CHECK(tags_get(doc) != NULL && json_array_size(tags_get(doc)) == 1);
    json_t *empty = J("{\"tags\":[]}");
    CHECK(tags_take(empty, doc, false, &err) < 0);
    CHECK_STR(err.type, "ClientException");
    CHECK_STR(err.message, "Tags can not be empty.");
    CHECK(tags_take(empty, doc, true, &err) == 0); /* elsewhere an empty list is no tags */
    CHECK(tags_get(doc) == NULL && json_object_get(doc, "tags") == NULL);
    REQUIRE(tags_take(in, doc, true, &err) == 0);

    json_t *view = json_pack("{s:s}", "x", "y");
    tags_view(view, doc, false, TAGS_HIDDEN_EMPTY);
    CHECK(json_is_array(json_object_get(view, "tags")) && json_array_size(json_object_get(view, "tags")) == 0);
    tags_view(view, doc, false, TAGS_HIDDEN_ABSENT);
    CHECK(json_object_get(view, "tags") == NULL);
    tags_view(view, doc, true, TAGS_HIDDEN_ABSENT);
    CHECK(json_equal(json_object_get(view, "tags"), tags_get(doc)));
    json_t *bare = json_object();
    tags_show(view, bare, TAGS_HIDDEN_ABSENT); /* nothing to show */
    CHECK(json_object_get(view, "tags") == NULL);

    /* task definitions: tags beside, never inside */
    json_object_set_new(doc, "family", json_string("f"));
    json_t *ans = tags_taskdef_answer(doc, true);
    CHECK(json_object_get(json_object_get(ans, "taskDefinition"), "tags") == NULL);
    CHECK(json_equal(json_object_get(ans, "tags"), tags_get(doc)));
    json_t *ans2 = tags_taskdef_answer(doc, false);
    CHECK(json_array_size(json_object_get(ans2, "tags")) == 0 && json_is_array(json_object_get(ans2, "tags")));
    CHECK(json_object_get(doc, "tags") != NULL); /* the stored document keeps them */

    tags_put(doc, json_array()); /* empty: the member goes */
    CHECK(json_object_get(doc, "tags") == NULL && tags_get(doc) == NULL);
    json_t *inc = J("{\"include\":[\"CONTAINER_INSTANCE_HEALTH\",\"TAGS\"]}"), *noinc = J("{\"include\":[]}");
    CHECK(tags_included(inc) && !tags_included(noinc) && !tags_included(bare));
    json_decref(inc);
    json_decref(noinc);
    json_decref(ans2);
    json_decref(ans);
    json_decref(bare);
    json_decref(view);
    json_decref(empty);
    json_decref(in);
    json_decref(doc);
}

TEST(tags_for_run_propagates_and_manages)
{
    ecs_error_t err = {0};
    json_t *td = J("{\"family\":\"f\",\"tags\":[{\"key\":\"team\",\"value\":\"td\"},{\"key\":\"cost\",\"value\":\"1\"}]}");
    json_t *in = J("{\"tags\":[{\"key\":\"team\",\"value\":\"run\"},{\"key\":\"job\",\"value\":\"j\"}],"
                   "\"propagateTags\":\"TASK_DEFINITION\",\"enableECSManagedTags\":true}");
    json_t *out = NULL;
    REQUIRE(tags_for_run(in, true, td, "prod", &out, &err) == 0);
    json_t *want = J("[{\"key\":\"team\",\"value\":\"run\"},{\"key\":\"cost\",\"value\":\"1\"},"
                     "{\"key\":\"job\",\"value\":\"j\"},{\"key\":\"aws:ecs:clusterName\",\"value\":\"prod\"}]");
    CHECK(json_equal(out, want));
    json_decref(out);
    /* no propagation, no managed tags: the request's own only */
    json_t *plain = J("{\"tags\":[{\"key\":\"a\",\"value\":\"b\"}],\"propagateTags\":\"NONE\"}");
    REQUIRE(tags_for_run(plain, true, td, "prod", &out, &err) == 0);
    CHECK_INT(json_array_size(out), 1);
    json_decref(out);
    /* SERVICE: refused by RunTask; StartTask has nothing to copy */
    json_t *svc = J("{\"propagateTags\":\"SERVICE\"}");
    out = NULL;
    CHECK(tags_for_run(svc, true, td, "prod", &out, &err) < 0);
    CHECK_STR(err.type, "InvalidParameterException");
    CHECK(strstr(err.message, "propagateTags") != NULL && out == NULL);
    REQUIRE(tags_for_run(svc, false, td, "prod", &out, &err) == 0);
    CHECK_INT(json_array_size(out), 0);
    json_decref(out);
    /* a client may not send the managed tags itself */
    json_t *sneaky = J("{\"tags\":[{\"key\":\"aws:ecs:clusterName\",\"value\":\"x\"}]}");
    out = NULL;
    CHECK(tags_for_run(sneaky, true, td, "prod", &out, &err) < 0 && out == NULL);
    json_decref(sneaky);
    json_decref(svc);
    json_decref(plain);
    json_decref(want);
    json_decref(in);
    json_decref(td);
}

TEST(tags_for_service_tasks)
{
    ecs_error_t err = {0};
    json_t *td = J("{\"tags\":[{\"key\":\"from\",\"value\":\"td\"}]}");
    json_t *doc = json_object();
    json_t *in = J("{\"tags\":[{\"key\":\"from\",\"value\":\"svc\"}],\"propagateTags\":\"SERVICE\","
                   "\"enableECSManagedTags\":true}");
    REQUIRE(tags_service_take(in, doc, true, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(doc, "propagateTags")), "SERVICE");
    CHECK(json_is_true(json_object_get(doc, "enableECSManagedTags")));
    json_t *t = tags_for_service_task(doc, td, "c1", "web");
    json_t *want = J("[{\"key\":\"from\",\"value\":\"svc\"},{\"key\":\"aws:ecs:clusterName\",\"value\":\"c1\"},"
                     "{\"key\":\"aws:ecs:serviceName\",\"value\":\"web\"}]");
    CHECK(json_equal(t, want));
    json_decref(t);
    /* UpdateService changes the flags only; tasks started next follow */
    json_t *upd = J("{\"propagateTags\":\"TASK_DEFINITION\",\"enableECSManagedTags\":false}");
    REQUIRE(tags_service_take(upd, doc, false, &err) == 0);
    t = tags_for_service_task(doc, td, "c1", "web");
    json_t *want2 = J("[{\"key\":\"from\",\"value\":\"td\"}]");
    CHECK(json_equal(t, want2));
    CHECK(tags_get(doc) != NULL); /* the service keeps its own tags */
    json_decref(t);
    /* defaults of a new service */
    json_t *bare = json_object(), *none = json_object();
    REQUIRE(tags_service_take(none, bare, true, &err) == 0);
    CHECK_STR(json_string_value(json_object_get(bare, "propagateTags")), "NONE");
    CHECK(json_is_false(json_object_get(bare, "enableECSManagedTags")));
    t = tags_for_service_task(bare, td, "c1", "web");
    CHECK_INT(json_array_size(t), 0);
    json_decref(t);
    json_decref(none);
    json_decref(bare);
    json_decref(want2);
    json_decref(upd);
    json_decref(want);
    json_decref(in);
    json_decref(doc);
    json_decref(td);
}
