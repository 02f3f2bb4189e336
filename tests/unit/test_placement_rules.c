/* Tests for model/placement_rules.c and the strategies of
 * model/placement.c: each strategy's choice, ties going on to the next,
 * memberOf and distinctInstance as failure reasons, and the checks. */
#include <string.h>

#include "common/cleanup.h"
#include "model/placement.h"
#include "test.h"

/* Candidate i's tasks: groups[i] of group "g" (and one of "other"). */
typedef struct fake_tasks {
    place_tasks_t t[4];
    const char *g[4][4];
} fake_tasks_t;

static const place_tasks_t *fake_tasks_of(void *arg, const char *id)
{
    fake_tasks_t *f = arg;
    int i = id[0] - '0';
    return i >= 0 && i < 4 ? &f->t[i] : NULL;
}

static void set_tasks(fake_tasks_t *f, const int *n_g)
{
    memset(f, 0, sizeof *f);
    for (int i = 0; i < 4; i++) {
        for (int k = 0; k < n_g[i]; k++)
            f->g[i][k] = "g";
        f->g[i][n_g[i]] = "other";
        f->t[i] = (place_tasks_t){.running = n_g[i], .groups = f->g[i], .n_groups = (size_t)n_g[i] + 1};
    }
}

static int parse(const char *constraints, const char *strategies, place_rules_t *r, ecs_error_t *err)
{
    cleanup_json json_t *c = constraints ? json_loads(constraints, 0, NULL) : NULL;
    cleanup_json json_t *s = strategies ? json_loads(strategies, 0, NULL) : NULL;
    return place_rules_parse(NULL, c, s, r, err);
}

TEST(placement_strategies_choose_in_order)
{
    cleanup_json json_t *za = json_pack("[{s:s, s:s}]", "name", "zone", "value", "a");
    cleanup_json json_t *zb = json_pack("[{s:s, s:s}]", "name", "zone", "value", "b");
    /* 0: zone a, 3 of g; 1: zone a, 0 of g; 2: zone b, 1 of g; 3: zone b, 1 of g */
    place_candidate_t c[4] = {
        {.cpu = 1000, .mem = 500, .attrs = za, .connected = true, .id = "0"},
        {.cpu = 1000, .mem = 900, .attrs = za, .connected = true, .id = "1"},
        {.cpu = 1000, .mem = 700, .attrs = zb, .connected = true, .id = "2"},
        {.cpu = 1000, .mem = 300, .attrs = zb, .connected = true, .id = "3"},
    };
    fake_tasks_t f;
    set_tasks(&f, (const int[]){3, 0, 1, 1});
    res_t need = {.cpu = 10, .mem = 100};
    unsigned rng = 7;
    int closest;
    const char *reason;
    place_rules_t r;
    ecs_error_t err = {0};
    /* binpack memory: the least memory left that still fits */
    REQUIRE(parse(NULL, "[{\"type\":\"binpack\",\"field\":\"memory\"}]", &r, &err) == 0);
    r.group = "g";
    CHECK_INT(place_choose(c, 4, &need, NULL, &r, &rng, &closest, &reason), 3);
    need.mem = 400; /* 3 no longer fits */
    CHECK_INT(place_choose(c, 4, &need, NULL, &r, &rng, &closest, &reason), 0);
    need.mem = 100;
    place_rules_clear(&r);
    /* spread by zone: a holds 3 of g, b 2: b; then binpack memory inside b: 3 */
    REQUIRE(parse(NULL, "[{\"type\":\"spread\",\"field\":\"attribute:zone\"},{\"type\":\"binpack\",\"field\":\"memory\"}]",
                  &r, &err) == 0);
    r.group = "g", r.tasks_of = fake_tasks_of, r.tasks_arg = &f;
    CHECK(place_rules_need_tasks(&r) && place_rules_order(&r));
    for (int k = 0; k < 20; k++)
        CHECK_INT(place_choose(c, 4, &need, NULL, &r, &rng, &closest, &reason), 3);
    place_rules_clear(&r);
    /* spread by instance: the one with none of g */
    REQUIRE(parse(NULL, "[{\"type\":\"spread\",\"field\":\"instanceId\"}]", &r, &err) == 0);
    r.group = "g", r.tasks_of = fake_tasks_of, r.tasks_arg = &f;
    CHECK_INT(place_choose(c, 4, &need, NULL, &r, &rng, &closest, &reason), 1);
    place_rules_clear(&r);
    /* random first ends the ordering: every candidate is chosen some time */
    REQUIRE(parse(NULL, "[{\"type\":\"random\"},{\"type\":\"binpack\",\"field\":\"cpu\"}]", &r, &err) == 0);
    int seen[4] = {0};
    for (int k = 0; k < 200; k++)
        seen[place_choose(c, 4, &need, NULL, &r, &rng, &closest, &reason)]++;
    CHECK(seen[0] > 0 && seen[1] > 0 && seen[2] > 0 && seen[3] > 0);
    place_rules_clear(&r);
}

TEST(placement_constraints_reasons)
{
    cleanup_json json_t *za = json_pack("[{s:s, s:s}]", "name", "zone", "value", "a");
    cleanup_json json_t *zb = json_pack("[{s:s, s:s}]", "name", "zone", "value", "b");
    place_candidate_t c[2] = {
        {.cpu = 1000, .mem = 500, .attrs = za, .connected = true, .id = "0"},
        {.cpu = 10, .mem = 500, .attrs = zb, .connected = true, .id = "1"},
    };
    fake_tasks_t f;
    set_tasks(&f, (const int[]){1, 0, 0, 0});
    res_t need = {.cpu = 100, .mem = 100};
    unsigned rng = 3;
    int closest;
    const char *reason;
    place_rules_t r;
    ecs_error_t err = {0};
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"attribute:zone == b\"}]", NULL, &r, &err) == 0);
    /* 0 misses the constraint, 1 the CPU: 1 is the closer */
    CHECK_INT(place_choose(c, 2, &need, NULL, &r, &rng, &closest, &reason), -1);
    CHECK_INT(closest, 1);
    CHECK_STR(reason, "RESOURCE:CPU");
    CHECK_STR(place_fit_rules(&c[0], &need, NULL, &r), PLACE_MEMBER_OF);
    place_rules_clear(&r);
    REQUIRE(parse("[{\"type\":\"distinctInstance\"}]", NULL, &r, &err) == 0);
    r.group = "g", r.tasks_of = fake_tasks_of, r.tasks_arg = &f;
    CHECK_STR(place_fit_rules(&c[0], &need, NULL, &r), PLACE_DISTINCT);
    r.group = "new";
    CHECK(place_fit_rules(&c[0], &need, NULL, &r) == NULL);
    place_rules_clear(&r);
    /* the record's facts through the candidate's document */
    cleanup_json json_t *doc = json_pack("{s:{s:s}, s:s, s:f}", "versionInfo", "agentVersion", "1.10.0",
                                         "ec2InstanceId", "i-7", "registeredAt", 1529360908.0);
    c[0].doc = doc;
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"agentVersion > 1.9 and ec2InstanceId == i-7 and "
                  "registeredAt < 2018-06-19\"}]", NULL, &r, &err) == 0);
    CHECK(place_fit_rules(&c[0], &need, NULL, &r) == NULL);
    c[0].doc = NULL;
    CHECK_STR(place_fit_rules(&c[0], &need, NULL, &r), PLACE_MEMBER_OF);
    place_rules_clear(&r);
    /* runningTasksCount through tasks_of */
    REQUIRE(parse("[{\"type\":\"memberOf\",\"expression\":\"runningTasksCount == 0\"}]", NULL, &r, &err) == 0);
    r.tasks_of = fake_tasks_of, r.tasks_arg = &f;
    CHECK_STR(place_fit_rules(&c[0], &need, NULL, &r), PLACE_MEMBER_OF);
    place_rules_clear(&r);
}

TEST(placement_rules_checked)
{
    place_rules_t r;
    static const struct {
        const char *c, *s, *msg;
    } bad[] = {
        {"[{\"type\":\"distinctInstance\",\"expression\":\"x\"}]", NULL, "placementConstraints[0].expression"},
        {"[{\"type\":\"memberOf\"}]", NULL, "placementConstraints[0].expression"},
        {"[{}]", NULL, "placementConstraints[0].type"},
        {"[{\"type\":\"memberOf\",\"expression\":\"attribute:x\"}]", NULL, "position 12"},
        {NULL, "[{\"type\":\"binpack\"}]", "placementStrategy[0].field"},
        {NULL, "[{\"type\":\"spread\",\"field\":\"zone\"}]", "placementStrategy[0].field"},
        {NULL, "[{\"type\":\"random\"},{}]", "placementStrategy[1].type"},
        {NULL, "[{\"type\":\"random\"},{\"type\":\"random\"},{\"type\":\"random\"},{\"type\":\"random\"},"
               "{\"type\":\"random\"},{\"type\":\"random\"}]", "at most 5"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ecs_error_t err = {0};
        CHECK(parse(bad[i].c, bad[i].s, &r, &err) < 0);
        CHECK_STR(err.type, "InvalidParameterException");
        if (strstr(err.message, bad[i].msg) == NULL) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", i, err.message, bad[i].msg);
            *test_failed_ = 1;
        }
    }
    /* the task definition's count with the call's */
    cleanup_json json_t *td = json_pack("{s:[{s:s, s:s}, {s:s, s:s}]}", "placementConstraints", "type", "memberOf",
                                        "expression", "attribute:a exists", "type", "memberOf", "expression",
                                        "attribute:b exists");
    cleanup_json json_t *nine = json_array();
    for (int i = 0; i < 9; i++)
        json_array_append_new(nine, json_pack("{s:s}", "type", "distinctInstance"));
    ecs_error_t err = {0};
    CHECK(place_rules_parse(td, nine, NULL, &r, &err) < 0 && strstr(err.message, "at most 10") != NULL);
    json_array_remove(nine, 0);
    REQUIRE(place_rules_parse(td, nine, NULL, &r, &err) == 0);
    CHECK_INT(r.n_member_of, 2);
    CHECK(r.distinct);
    place_rules_clear(&r);
}
