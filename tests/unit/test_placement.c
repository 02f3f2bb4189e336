/* Tests for task placement (sched/placement.c, ecs-behavior.md §6.3):
 * feasibility, random choice among feasible instances, the closest failing
 * instance, and reservations that never over-commit. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/placement.h"
#include "test.h"

static place_candidate_t cand(int64_t cpu, int64_t mem, bool connected)
{
    return (place_candidate_t){.cpu = cpu, .mem = mem, .connected = connected};
}

TEST(place_fit_checks_in_order)
{
    res_t need = {.cpu = 512, .mem = 256};
    place_candidate_t c = cand(512, 256, true);
    CHECK(place_fit(&c, &need, NULL) == NULL); /* exact fit */

    c = cand(0, 0, false); /* everything fails: AGENT comes first */
    CHECK_STR(place_fit(&c, &need, NULL), "AGENT");
    c = cand(511, 0, true);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:CPU");
    c = cand(512, 255, true);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:MEMORY");
    c = cand(512, 256, false);
    CHECK_STR(place_fit(&c, &need, NULL), "AGENT");
}

TEST(place_fit_ports_from_json_arrays)
{
    json_error_t e;
    json_t *tcp = json_loads("[22, 2376, 8080]", 0, &e);
    json_t *udp = json_loads("[53]", 0, &e);
    REQUIRE(tcp != NULL && udp != NULL);
    place_candidate_t c = cand(1024, 1024, true);
    c.tcp = tcp;
    c.udp = udp;

    res_t need = {.cpu = 10, .mem = 10};
    CHECK(place_fit(&c, &need, NULL) == NULL);
    res_ports_add(&need.tcp, 80);
    res_ports_add(&need.udp, 22); /* 22 is used for TCP only */
    CHECK(place_fit(&c, &need, NULL) == NULL);
    res_ports_add(&need.tcp, 8080);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:PORTS");
    res_ports_remove(&need.tcp, 8080);
    res_ports_add(&need.udp, 53);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:PORTS_UDP");
    need.mem = 2000; /* memory is checked before ports */
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:MEMORY");

    /* no arrays at all: nothing is used */
    place_candidate_t bare = cand(1024, 1024, true);
    need.mem = 10;
    CHECK(place_fit(&bare, &need, NULL) == NULL);
    json_decref(tcp);
    json_decref(udp);
}

TEST(place_fit_ports_from_res)
{
    json_error_t e;
    json_t *stale = json_loads("[9999]", 0, &e); /* ignored once res is set */
    res_t state = {.cpu = 1024, .mem = 1024};
    res_ports_add(&state.tcp, 80);
    res_ports_add(&state.udp, 161);
    place_candidate_t c = cand(1024, 1024, true);
    c.tcp = stale;
    c.res = &state;

    res_t need = {0};
    res_ports_add(&need.tcp, 9999);
    CHECK(place_fit(&c, &need, NULL) == NULL);
    res_ports_add(&need.tcp, 80);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:PORTS");
    res_ports_remove(&need.tcp, 80);
    res_ports_add(&need.udp, 161);
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:PORTS_UDP");
    json_decref(stale);
}

TEST(place_choose_only_feasible_and_uniform)
{
    place_candidate_t c[6] = {
        cand(2048, 2048, true), cand(100, 2048, true),  cand(2048, 2048, true),
        cand(2048, 2048, false), cand(2048, 100, true), cand(2048, 2048, true),
    };
    res_t need = {.cpu = 1024, .mem = 1024};
    int counts[6] = {0};
    unsigned rng = 12345;
    for (int i = 0; i < 3000; i++) {
        int closest = 99;
        const char *reason = "x";
        int k = place_choose(c, 6, &need, NULL, NULL, &rng, &closest, &reason);
        REQUIRE(k >= 0 && k < 6);
        counts[k]++;
    }
    CHECK_INT(counts[1] + counts[3] + counts[4], 0);
    static const int feasible[] = {0, 2, 5};
    for (int f = 0; f < 3; f++) {
        int k = feasible[f];
        if (counts[k] < 800 || counts[k] > 1200) {
            fprintf(stderr, "  instance %d chosen %d times of 3000\n", k, counts[k]);
            *test_failed_ = 1;
        }
    }
    CHECK_INT(counts[0] + counts[2] + counts[5], 3000);

    /* a single feasible instance is always the one */
    unsigned rng2 = 7;
    int closest;
    const char *reason;
    for (int i = 0; i < 50; i++)
        CHECK_INT(place_choose(c + 1, 2, &need, NULL, NULL, &rng2, &closest, &reason), 1);
}

TEST(place_choose_closest_failure)
{
    res_t need = {.cpu = 1024, .mem = 1024};
    unsigned rng = 1;
    int closest = 99;
    const char *reason = "x";

    place_candidate_t a[2] = {cand(1023, 4096, true), cand(4096, 1023, true)};
    CHECK_INT(place_choose(a, 2, &need, NULL, NULL, &rng, &closest, &reason), -1);
    CHECK_INT(closest, 1);
    CHECK_STR(reason, "RESOURCE:MEMORY");
    place_candidate_t b[2] = {cand(4096, 1023, true), cand(1023, 4096, true)}; /* order does not matter */
    CHECK_INT(place_choose(b, 2, &need, NULL, NULL, &rng, &closest, &reason), -1);
    CHECK_INT(closest, 0);
    CHECK_STR(reason, "RESOURCE:MEMORY");

    json_error_t e;
    json_t *tcp = json_loads("[80]", 0, &e);
    res_ports_add(&need.tcp, 80);
    place_candidate_t p[3] = {cand(0, 0, false), cand(4096, 4096, true), cand(1, 4096, true)};
    p[1].tcp = tcp;
    CHECK_INT(place_choose(p, 3, &need, NULL, NULL, &rng, &closest, &reason), -1);
    CHECK_INT(closest, 1);
    CHECK_STR(reason, "RESOURCE:PORTS");

    place_candidate_t d[2] = {cand(9999, 9999, false), cand(9999, 9999, false)};
    CHECK_INT(place_choose(d, 2, &need, NULL, NULL, &rng, &closest, &reason), -1);
    CHECK_INT(closest, 0); /* ties: the first */
    CHECK_STR(reason, "AGENT");

    closest = 99;
    reason = "x";
    CHECK_INT(place_choose(NULL, 0, &need, NULL, NULL, &rng, &closest, &reason), -1);
    CHECK_INT(closest, -1);

    /* a feasible one exists: closest is not about it */
    place_candidate_t f[2] = {cand(1, 1, true), cand(4096, 4096, true)};
    CHECK_INT(place_choose(f, 2, &need, NULL, NULL, &rng, &closest, &reason), 1);
    json_decref(tcp);
}

TEST(place_reserve_updates_candidate)
{
    res_t state = {.cpu = 2048, .mem = 4096};
    place_candidate_t c = cand(2048, 4096, true);
    c.res = &state;
    res_t need = {.cpu = 512, .mem = 1000};
    res_ports_add(&need.tcp, 80);
    place_reserve(&c, &need);
    CHECK_INT(c.cpu, 1536);
    CHECK_INT(c.mem, 3096);
    CHECK_INT(state.cpu, 1536);
    CHECK_INT(state.mem, 3096);
    CHECK(res_ports_has(&state.tcp, 80));
    CHECK_STR(place_fit(&c, &need, NULL), "RESOURCE:PORTS");
}

TEST(place_loop_never_overcommits)
{
    enum { N = 5 };
    static const int64_t cap_cpu[N] = {4096, 1024, 2048, 512, 3000};
    static const int64_t cap_mem[N] = {8192, 4096, 1000, 2048, 3000};
    res_t state[N];
    place_candidate_t c[N];
    for (int i = 0; i < N; i++) {
        state[i] = (res_t){.cpu = cap_cpu[i], .mem = cap_mem[i]};
        res_ports_add(&state[i].tcp, 22);
        c[i] = cand(cap_cpu[i], cap_mem[i], i != 3);
        c[i].res = &state[i];
    }
    /* tasks of three shapes, one with a static port: each instance can run
     * at most one of that kind */
    res_t shapes[3] = {{.cpu = 300, .mem = 500}, {.cpu = 128, .mem = 700}, {.cpu = 256, .mem = 256}};
    res_ports_add(&shapes[2].tcp, 8080);
    res_ports_add(&shapes[2].udp, 8080);
    int64_t used_cpu[N] = {0}, used_mem[N] = {0};
    int port_users[N] = {0};
    unsigned rng = 42;
    int placed = 0, misses = 0;
    for (int t = 0; misses < 3 && t < 10000; t++) {
        const res_t *need = &shapes[t % 3];
        int closest;
        const char *reason;
        int k = place_choose(c, N, need, NULL, NULL, &rng, &closest, &reason);
        if (k < 0) {
            CHECK(closest >= 0 && reason != NULL);
            misses++;
            continue;
        }
        misses = 0;
        REQUIRE(k != 3); /* never the disconnected one */
        place_reserve(&c[k], need);
        used_cpu[k] += need->cpu;
        used_mem[k] += need->mem;
        port_users[k] += need->tcp.n;
        placed++;
    }
    CHECK(placed > 10);
    for (int i = 0; i < N; i++) {
        CHECK(used_cpu[i] <= cap_cpu[i]);
        CHECK(used_mem[i] <= cap_mem[i]);
        CHECK(port_users[i] <= 1);
        CHECK_INT(state[i].cpu, cap_cpu[i] - used_cpu[i]);
        CHECK_INT(state[i].mem, cap_mem[i] - used_mem[i]);
        CHECK_INT(state[i].tcp.n, 1 + port_users[i]);
        CHECK(state[i].cpu >= 0 && state[i].mem >= 0);
        /* nothing fits anywhere any more */
        for (int s = 0; s < 3; s++)
            CHECK(place_fit(&c[i], &shapes[s], NULL) != NULL);
    }
    CHECK_INT(used_cpu[3] + used_mem[3], 0);
}
