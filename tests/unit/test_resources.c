/* Tests for the resource arithmetic of container instances
 * (sched/resources.c, ecs-behavior.md §6.1-6.2). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/resources.h"
#include "test.h"

/* Equal as sets: slots past n are not part of the value. */
static int ports_eq(const res_ports_t *a, const res_ports_t *b)
{
    return a->n == b->n && memcmp(a->v, b->v, (size_t)a->n * sizeof a->v[0]) == 0;
}

static int res_eq(const res_t *a, const res_t *b)
{
    return a->cpu == b->cpu && a->mem == b->mem && ports_eq(&a->tcp, &b->tcp) && ports_eq(&a->udp, &b->udp);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    return json_loads(text, 0, &e);
}

TEST(res_from_resources_reads_the_four_kinds)
{
    json_t *list = parse("[{\"name\":\"CPU\",\"type\":\"INTEGER\",\"integerValue\":2048},"
                         "{\"name\":\"MEMORY\",\"type\":\"INTEGER\",\"integerValue\":3768},"
                         "{\"name\":\"PORTS\",\"type\":\"STRINGSET\",\"stringSetValue\":[\"51678\",\"22\",\"2376\",\"22\"]},"
                         "{\"name\":\"PORTS_UDP\",\"type\":\"STRINGSET\",\"stringSetValue\":[\"53\"]},"
                         "{\"name\":\"GPU\",\"type\":\"INTEGER\",\"integerValue\":4}]");
    REQUIRE(list != NULL);
    res_t r;
    ecs_error_t err;
    REQUIRE(res_from_resources(list, "totalResources", &r, &err) == 0);
    CHECK_INT(r.cpu, 2048);
    CHECK_INT(r.mem, 3768);
    REQUIRE(r.tcp.n == 3); /* sorted, duplicate dropped */
    CHECK_INT(r.tcp.v[0], 22);
    CHECK_INT(r.tcp.v[1], 2376);
    CHECK_INT(r.tcp.v[2], 51678);
    REQUIRE(r.udp.n == 1);
    CHECK_INT(r.udp.v[0], 53);
    json_decref(list);

    json_t *empty = json_array();
    memset(&r, 0x5a, sizeof r);
    CHECK(res_from_resources(empty, "totalResources", &r, &err) == 0);
    CHECK_INT(r.cpu, 0);
    CHECK_INT(r.mem, 0);
    CHECK_INT(r.tcp.n, 0);
    CHECK_INT(r.udp.n, 0);
    json_decref(empty);
}

TEST(res_from_resources_rejects_bad_entries)
{
    static const char *const bad[] = {
        "[{\"name\":\"PORTS\",\"stringSetValue\":[\"x\"]}]",
        "[{\"name\":\"PORTS\",\"stringSetValue\":[\"70000\"]}]",
        "[{\"name\":\"PORTS\",\"stringSetValue\":[\"\"]}]",
        "[{\"name\":\"PORTS_UDP\",\"stringSetValue\":[\"80\",\"8o\"]}]",
        "[{\"name\":\"PORTS\",\"stringSetValue\":[\"-1\"]}]",
        "[{\"name\":\"PORTS\",\"stringSetValue\":[80]}]",
        "[{\"name\":\"CPU\",\"integerValue\":-1}]",
        "[{\"name\":\"MEMORY\",\"integerValue\":\"512\"}]",
        "[{\"name\":\"MEMORY\"}]",
        "[{\"type\":\"INTEGER\",\"integerValue\":1}]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *list = parse(bad[i]);
        REQUIRE(list != NULL);
        res_t r;
        ecs_error_t err = {0};
        CHECK_INT(res_from_resources(list, "totalResources", &r, &err), -1);
        CHECK_STR(err.type, "InvalidParameterException");
        CHECK_INT(err.status, 400);
        if (strstr(err.message, "totalResources") == NULL) {
            fprintf(stderr, "  case %zu: message does not name the field: %s\n", i, err.message);
            *test_failed_ = 1;
        }
        json_decref(list);
    }
}

TEST(res_to_resources_shape)
{
    res_t r = {.cpu = 1024, .mem = 2000};
    res_ports_add(&r.tcp, 2376);
    res_ports_add(&r.tcp, 22);
    json_t *list = res_to_resources(&r);
    REQUIRE(json_is_array(list));
    REQUIRE(json_array_size(list) == 4);
    static const char *const names[] = {"CPU", "MEMORY", "PORTS", "PORTS_UDP"};
    static const char *const types[] = {"INTEGER", "INTEGER", "STRINGSET", "STRINGSET"};
    for (size_t i = 0; i < 4; i++) {
        json_t *e = json_array_get(list, i);
        CHECK_STR(json_string_value(json_object_get(e, "name")), names[i]);
        CHECK_STR(json_string_value(json_object_get(e, "type")), types[i]);
        json_t *d = json_object_get(e, "doubleValue");
        CHECK(json_is_real(d) && json_real_value(d) == 0.0);
        json_t *l = json_object_get(e, "longValue");
        CHECK(json_is_integer(l) && json_integer_value(l) == 0);
        CHECK(json_is_integer(json_object_get(e, "integerValue")));
        CHECK(json_is_array(json_object_get(e, "stringSetValue")) == (i >= 2));
    }
    CHECK_INT(json_integer_value(json_object_get(json_array_get(list, 0), "integerValue")), 1024);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(list, 1), "integerValue")), 2000);
    char *ports = json_dumps(json_object_get(json_array_get(list, 2), "stringSetValue"), JSON_COMPACT);
    CHECK_STR(ports, "[\"22\",\"2376\"]");
    free(ports);
    CHECK_INT(json_array_size(json_object_get(json_array_get(list, 3), "stringSetValue")), 0);

    /* and back */
    res_t back;
    ecs_error_t err;
    REQUIRE(res_from_resources(list, "x", &back, &err) == 0);
    CHECK(res_eq(&back, &r));
    json_decref(list);
}

TEST(res_task_need_sums_containers)
{
    json_t *td = parse("{\"containerDefinitions\":["
                       "{\"name\":\"a\",\"cpu\":256,\"memory\":300,\"portMappings\":["
                       "  {\"containerPort\":80,\"hostPort\":8080},"
                       "  {\"containerPort\":53,\"hostPort\":5353,\"protocol\":\"udp\"},"
                       "  {\"containerPort\":81,\"hostPort\":0},"
                       "  {\"containerPort\":82}]},"
                       "{\"name\":\"b\",\"memory\":200,\"portMappings\":["
                       "  {\"containerPort\":443,\"hostPort\":443,\"protocol\":\"tcp\"}]},"
                       "{\"name\":\"c\",\"cpu\":10,\"memory\":1}]}");
    REQUIRE(td != NULL);
    res_t need;
    memset(&need, 0x5a, sizeof need);
    res_task_need(td, &need);
    CHECK_INT(need.cpu, 266);
    CHECK_INT(need.mem, 501);
    REQUIRE(need.tcp.n == 2);
    CHECK_INT(need.tcp.v[0], 443);
    CHECK_INT(need.tcp.v[1], 8080);
    REQUIRE(need.udp.n == 1);
    CHECK_INT(need.udp.v[0], 5353);
    json_decref(td);

    json_t *none = parse("{\"containerDefinitions\":[]}");
    res_task_need(none, &need);
    CHECK_INT(need.cpu, 0);
    CHECK_INT(need.mem, 0);
    CHECK_INT(need.tcp.n + need.udp.n, 0);
    json_decref(none);
}

TEST(res_fit_order_and_boundaries)
{
    res_t avail = {.cpu = 1024, .mem = 512};
    res_ports_add(&avail.tcp, 22);
    res_ports_add(&avail.udp, 53);

    res_t need = {.cpu = 1024, .mem = 512}; /* exactly what is left */
    CHECK(res_fit(&avail, &need) == NULL);
    res_ports_add(&need.tcp, 80);
    res_ports_add(&need.udp, 54);
    CHECK(res_fit(&avail, &need) == NULL);

    /* every check fails: CPU is reported first, then each one in turn */
    res_t all = {.cpu = 1025, .mem = 513};
    res_ports_add(&all.tcp, 22);
    res_ports_add(&all.udp, 53);
    CHECK_STR(res_fit(&avail, &all), "RESOURCE:CPU");
    all.cpu = 1024;
    CHECK_STR(res_fit(&avail, &all), "RESOURCE:MEMORY");
    all.mem = 512;
    CHECK_STR(res_fit(&avail, &all), "RESOURCE:PORTS");
    res_ports_remove(&all.tcp, 22);
    CHECK_STR(res_fit(&avail, &all), "RESOURCE:PORTS_UDP");
    res_ports_remove(&all.udp, 53);
    CHECK(res_fit(&avail, &all) == NULL);

    /* a TCP port does not clash with the same UDP port */
    res_t cross = {0};
    res_ports_add(&cross.udp, 22);
    res_ports_add(&cross.tcp, 53);
    CHECK(res_fit(&avail, &cross) == NULL);
}

TEST(res_reserve_release_round_trip)
{
    res_t avail = {.cpu = 2048, .mem = 4096};
    res_ports_add(&avail.tcp, 22);
    res_ports_add(&avail.tcp, 51678);
    res_ports_add(&avail.udp, 53);
    res_t orig = avail;

    res_t need = {.cpu = 512, .mem = 1000};
    res_ports_add(&need.tcp, 80);
    res_ports_add(&need.tcp, 60000);
    res_ports_add(&need.udp, 5353);
    REQUIRE(res_fit(&avail, &need) == NULL);
    res_reserve(&avail, &need);
    CHECK_INT(avail.cpu, 1536);
    CHECK_INT(avail.mem, 3096);
    REQUIRE(avail.tcp.n == 4);
    CHECK_INT(avail.tcp.v[0], 22);
    CHECK_INT(avail.tcp.v[1], 80);
    CHECK_INT(avail.tcp.v[2], 51678);
    CHECK_INT(avail.tcp.v[3], 60000);
    CHECK(res_ports_has(&avail.udp, 5353) && res_ports_has(&avail.udp, 53));
    CHECK_STR(res_fit(&avail, &need), "RESOURCE:PORTS"); /* the same task again */

    res_release(&avail, &need);
    CHECK(res_eq(&avail, &orig));
}

TEST(res_ports_set_behaviour)
{
    res_ports_t s = {.n = 0};
    static const uint16_t in[] = {500, 3, 65535, 0, 500, 42, 3};
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
        CHECK_INT(res_ports_add(&s, in[i]), 0);
    REQUIRE(s.n == 5);
    static const uint16_t want[] = {0, 3, 42, 500, 65535};
    for (int i = 0; i < 5; i++)
        CHECK_INT(s.v[i], want[i]);
    for (int i = 0; i < 5; i++)
        CHECK(res_ports_has(&s, want[i]));
    CHECK(!res_ports_has(&s, 1));
    CHECK(!res_ports_has(&s, 65534));
    res_ports_remove(&s, 42);
    res_ports_remove(&s, 41); /* absent: no change */
    CHECK_INT(s.n, 4);
    CHECK(!res_ports_has(&s, 42));
    CHECK(res_ports_has(&s, 500));
    res_ports_t empty = {.n = 0};
    CHECK(!res_ports_has(&empty, 0));
    res_ports_remove(&empty, 0);
    CHECK_INT(empty.n, 0);

    /* the bound: added in descending order to exercise the insert path */
    res_ports_t full = {.n = 0};
    for (int p = RES_MAX_PORTS; p >= 1; p--)
        CHECK_INT(res_ports_add(&full, (uint16_t)(p * 10)), 0);
    CHECK_INT(full.n, RES_MAX_PORTS);
    CHECK_INT(res_ports_add(&full, 5), -1);
    CHECK_INT(res_ports_add(&full, 10), 0); /* already there: not an error */
    CHECK_INT(full.n, RES_MAX_PORTS);
    int sorted = 1;
    for (int i = 1; i < full.n; i++)
        sorted &= full.v[i - 1] < full.v[i];
    CHECK(sorted);
    CHECK(res_ports_has(&full, 10) && res_ports_has(&full, RES_MAX_PORTS * 10) && !res_ports_has(&full, 5));
}

TEST(res_json_round_trip)
{
    res_t r = {.cpu = 3072, .mem = 7000};
    res_ports_add(&r.tcp, 22);
    res_ports_add(&r.tcp, 8080);
    res_ports_add(&r.udp, 161);
    json_t *j = res_to_json(&r);
    REQUIRE(j != NULL);
    char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(text, "{\"cpu\":3072,\"mem\":7000,\"tcp\":[22,8080],\"udp\":[161]}");
    free(text);
    res_t back;
    CHECK_INT(res_from_json(j, &back), 0);
    CHECK(res_eq(&back, &r));
    json_decref(j);

    res_t zero = {0};
    j = res_to_json(&zero);
    CHECK_INT(res_from_json(j, &back), 0);
    CHECK(res_eq(&back, &zero));
    json_decref(j);

    json_t *arr = json_array();
    CHECK_INT(res_from_json(arr, &back), -1);
    CHECK_INT(res_from_json(NULL, &back), -1);
    json_decref(arr);
}

TEST(res_reason_rank_order)
{
    CHECK(res_reason_rank("AGENT") < res_reason_rank("RESOURCE:CPU"));
    CHECK(res_reason_rank("RESOURCE:CPU") < res_reason_rank("RESOURCE:MEMORY"));
    CHECK(res_reason_rank("RESOURCE:MEMORY") < res_reason_rank("RESOURCE:PORTS"));
    CHECK(res_reason_rank("RESOURCE:PORTS") < res_reason_rank("RESOURCE:PORTS_UDP"));
    CHECK(res_reason_rank("AGENT") >= 0);
    CHECK(res_reason_rank("BOGUS") < res_reason_rank("AGENT"));
}
