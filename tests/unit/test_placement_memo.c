/* Tests for model/placement_memo.c: memberOf verdicts and spread values
 * kept between placement calls are reused while a candidate's serial is
 * the same, and worked out again when it changes or the rules differ. */
#include <string.h>

#include "common/cleanup.h"
#include "model/placement.h"
#include "test.h"

static int parse(const char *constraints, const char *strategies, place_rules_t *r)
{
    cleanup_json json_t *c = constraints ? json_loads(constraints, 0, NULL) : NULL;
    cleanup_json json_t *s = strategies ? json_loads(strategies, 0, NULL) : NULL;
    ecs_error_t err = {0};
    return place_rules_parse(NULL, c, s, r, &err);
}

TEST(placement_memo_follows_serials)
{
    cleanup_json json_t *za = json_pack("[{s:s, s:s}]", "name", "zone", "value", "a");
    cleanup_json json_t *zb = json_pack("[{s:s, s:s}]", "name", "zone", "value", "b");
    place_candidate_t c[3] = {
        {.cpu = 100, .mem = 100, .attrs = za, .connected = true, .id = "0", .serial = 1},
        {.cpu = 100, .mem = 100, .attrs = zb, .connected = true, .id = "1", .serial = 2},
        {.cpu = 100, .mem = 100, .attrs = zb, .connected = true, .id = "2", .serial = 3},
    };
    place_memo_t *m = place_memo_new();
    place_rules_t r;
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"attribute:zone == b\"}]",
                  "[{\"type\":\"spread\",\"field\":\"attribute:zone\"}]", &r) == 0);
    CHECK(r.memo_ok);
    REQUIRE(place_memo_begin(m, &r, 3));
    int vals[PLACE_STRATEGIES_MAX] = {0};
    CHECK(!place_memo_entry(m, &r, &c[0], 0, vals));
    int va = vals[0];
    CHECK(place_memo_entry(m, &r, &c[1], 1, vals));
    CHECK(vals[0] != va);
    CHECK_INT((int)place_memo_values(m), 2);
    /* same serial: the kept verdict, even though the attributes changed
     * behind the memo's back (the index gives a new serial whenever an
     * entry changes) */
    c[0].attrs = zb;
    CHECK(!place_memo_entry(m, &r, &c[0], 0, vals));
    /* a new serial: worked out again */
    c[0].serial = 4;
    CHECK(place_memo_entry(m, &r, &c[0], 0, vals));
    /* another candidate moved to index 0 (its own serial): its verdict */
    c[0] = (place_candidate_t){.cpu = 1, .mem = 1, .attrs = za, .connected = true, .id = "9", .serial = 5};
    CHECK(!place_memo_entry(m, &r, &c[0], 0, vals));
    CHECK_INT(vals[0], va);
    place_rules_clear(&r);
    /* other rules: forgotten */
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"attribute:zone == a\"}]", NULL, &r) == 0);
    REQUIRE(place_memo_begin(m, &r, 3));
    CHECK(place_memo_entry(m, &r, &c[0], 0, vals));
    CHECK(!place_memo_entry(m, &r, &c[1], 1, vals));
    place_rules_clear(&r);
    /* rules reading what changes without the record: not kept */
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"agentConnected == true\"}]", NULL, &r) == 0);
    CHECK(!r.memo_ok);
    CHECK(!place_memo_begin(m, &r, 3));
    place_rules_clear(&r);
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"runningTasksCount == 0\"}]", NULL, &r) == 0);
    CHECK(!place_memo_begin(m, &r, 3));
    place_rules_clear(&r);
    place_memo_free(m);
}

TEST(placement_memo_choice_matches_without_memo)
{
    /* the same choices with and without a memo over calls */
    json_t *z[3] = {json_pack("[{s:s, s:s}]", "name", "zone", "value", "a"),
                    json_pack("[{s:s, s:s}]", "name", "zone", "value", "b"),
                    json_pack("[{s:s, s:s}]", "name", "zone", "value", "c")};
    place_candidate_t c[9];
    for (int i = 0; i < 9; i++)
        c[i] = (place_candidate_t){.cpu = 1000, .mem = 1000 - 50 * i, .attrs = z[i % 3], .connected = true,
                                   .id = "x", .serial = (uint64_t)(10 + i)};
    place_memo_t *m = place_memo_new();
    res_t need = {.cpu = 10, .mem = 10};
    for (int call = 0; call < 3; call++) {
        int got[2];
        for (int with = 0; with < 2; with++) {
            place_rules_t r;
            REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"attribute:zone != c\"}]",
                          "[{\"type\":\"binpack\",\"field\":\"memory\"}]", &r) == 0);
            r.memo = with ? m : NULL;
            unsigned rng = 3;
            int closest;
            const char *reason;
            got[with] = place_choose(c, 9, &need, NULL, &r, &rng, &closest, &reason);
            place_rules_clear(&r);
        }
        CHECK_INT(got[1], got[0]);
        CHECK(got[0] >= 0 && got[0] % 3 != 2);
        /* the chosen one changes (less memory, a new serial) */
        c[got[0]].mem -= 400;
        c[got[0]].serial += 100;
    }
    place_memo_free(m);
    for (int i = 0; i < 3; i++)
        json_decref(z[i]);
}
