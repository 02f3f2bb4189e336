/* Tests for the hub of waiting agent polls (api/poll_hub.c): wake by
 * account and instance, the deadline timer, arm/remove/shutdown, and many
 * threads adding and waking at once. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/poll.h"
#include "common/clock.h"
#include "test.h"

#define ACCT_A "000000000000"
#define ACCT_B "111111111111"

typedef struct counter {
    atomic_int fired;
    atomic_int suspended;
} counter_t;

static void on_fire(void *arg)
{
    atomic_fetch_add(&((counter_t *)arg)->fired, 1);
}

static void on_suspend(void *arg)
{
    atomic_fetch_add(&((counter_t *)arg)->suspended, 1);
}

/* A waiter for account/instance that fires on_fire(c); deadline in_ms from now. */
static void waiter_init(poll_waiter_t *w, const char *account, const char *instance, int64_t in_ms, counter_t *c)
{
    memset(w, 0, sizeof *w);
    snprintf(w->account, sizeof w->account, "%s", account);
    snprintf(w->instance, sizeof w->instance, "%s", instance);
    w->deadline_ms = clock_now_ms() + in_ms;
    w->fire = on_fire;
    w->arg = c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

TEST(poll_hub_wake_fires_once)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    counter_t c = {0};
    poll_waiter_t w;
    waiter_init(&w, ACCT_A, "inst-1", 60000, &c);
    poll_hub_add(hub, &w);
    CHECK(poll_hub_arm(hub, &w, on_suspend, &c));
    CHECK_INT(atomic_load(&c.suspended), 1);
    CHECK_INT(atomic_load(&c.fired), 0);

    poll_hub_wake(hub, ACCT_A, "inst-2"); /* another instance */
    poll_hub_wake(hub, ACCT_B, "inst-1"); /* another account */
    CHECK_INT(atomic_load(&c.fired), 0);
    poll_hub_wake(hub, ACCT_A, "inst-1");
    CHECK_INT(atomic_load(&c.fired), 1);
    poll_hub_wake(hub, ACCT_A, "inst-1");
    poll_hub_wake(hub, ACCT_A, NULL);
    CHECK_INT(atomic_load(&c.fired), 1);
    poll_hub_remove(hub, &w); /* after firing: harmless */
    poll_hub_free(hub);
    CHECK_INT(atomic_load(&c.fired), 1);
    CHECK_INT(atomic_load(&c.suspended), 1);
}

TEST(poll_hub_deadline_fires_by_timer)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    counter_t past = {0}, future = {0};
    poll_waiter_t w, later;
    waiter_init(&w, ACCT_A, "inst-1", -5, &past);
    waiter_init(&later, ACCT_A, "inst-2", 60000, &future);
    poll_hub_add(hub, &w);
    poll_hub_add(hub, &later);
    CHECK(poll_hub_arm(hub, &w, on_suspend, &past));
    CHECK(poll_hub_arm(hub, &later, on_suspend, &future));
    int64_t start = clock_now_ms();
    while (atomic_load(&past.fired) == 0 && clock_now_ms() - start < 1000)
        sleep_ms(5);
    int64_t took = clock_now_ms() - start;
    CHECK_INT(atomic_load(&past.fired), 1);
    if (took > 300) {
        fprintf(stderr, "  the timer took %lld ms\n", (long long)took);
        *test_failed_ = 1;
    }
    sleep_ms(250); /* a few more ticks: no second fire, the other one waits on */
    CHECK_INT(atomic_load(&past.fired), 1);
    CHECK_INT(atomic_load(&future.fired), 0);
    poll_hub_free(hub); /* fires what is left */
    CHECK_INT(atomic_load(&future.fired), 1);
    CHECK_INT(atomic_load(&past.fired), 1);
}

TEST(poll_hub_arm_after_fire_and_remove)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    counter_t c = {0};
    poll_waiter_t w;
    waiter_init(&w, ACCT_A, "inst-1", 60000, &c);
    poll_hub_add(hub, &w);
    poll_hub_wake(hub, ACCT_A, "inst-1"); /* changed before the caller suspended */
    CHECK(!poll_hub_arm(hub, &w, on_suspend, &c));
    CHECK_INT(atomic_load(&c.suspended), 0);
    CHECK_INT(atomic_load(&c.fired), 0); /* the caller answers itself */

    counter_t r = {0};
    poll_waiter_t gone;
    waiter_init(&gone, ACCT_A, "inst-1", 60000, &r);
    poll_hub_add(hub, &gone);
    CHECK(poll_hub_arm(hub, &gone, on_suspend, &r));
    poll_hub_remove(hub, &gone);
    poll_hub_wake(hub, ACCT_A, "inst-1");
    poll_hub_wake(hub, ACCT_A, NULL);

    counter_t q = {0};
    poll_waiter_t quick; /* removed before its deadline passed: the timer leaves it */
    waiter_init(&quick, ACCT_A, "inst-3", 100, &q);
    poll_hub_add(hub, &quick);
    CHECK(poll_hub_arm(hub, &quick, on_suspend, &q));
    poll_hub_remove(hub, &quick);
    sleep_ms(300);
    poll_hub_free(hub);
    CHECK_INT(atomic_load(&r.fired), 0);
    CHECK_INT(atomic_load(&q.fired), 0);
    CHECK_INT(atomic_load(&c.fired), 0);
}

TEST(poll_hub_wake_whole_account)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    counter_t c[3] = {{0}};
    poll_waiter_t w[3];
    waiter_init(&w[0], ACCT_A, "inst-1", 60000, &c[0]);
    waiter_init(&w[1], ACCT_A, "inst-2", 60000, &c[1]);
    waiter_init(&w[2], ACCT_B, "inst-1", 60000, &c[2]);
    for (int i = 0; i < 3; i++) {
        poll_hub_add(hub, &w[i]);
        CHECK(poll_hub_arm(hub, &w[i], on_suspend, &c[i]));
    }
    poll_hub_wake(hub, ACCT_A, NULL);
    CHECK_INT(atomic_load(&c[0].fired), 1);
    CHECK_INT(atomic_load(&c[1].fired), 1);
    CHECK_INT(atomic_load(&c[2].fired), 0);
    poll_hub_remove(hub, &w[2]);
    poll_hub_free(hub);
    CHECK_INT(atomic_load(&c[2].fired), 0);
}

TEST(poll_hub_shutdown_fires_all)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    counter_t c[2] = {{0}};
    poll_waiter_t w[2];
    waiter_init(&w[0], ACCT_A, "inst-1", 60000, &c[0]);
    waiter_init(&w[1], ACCT_B, "inst-9", 60000, &c[1]);
    for (int i = 0; i < 2; i++) {
        poll_hub_add(hub, &w[i]);
        CHECK(poll_hub_arm(hub, &w[i], on_suspend, &c[i]));
    }
    poll_hub_shutdown(hub);
    CHECK_INT(atomic_load(&c[0].fired), 1);
    CHECK_INT(atomic_load(&c[1].fired), 1);

    counter_t late = {0};
    poll_waiter_t lw;
    waiter_init(&lw, ACCT_A, "inst-1", 60000, &late);
    poll_hub_add(hub, &lw);
    CHECK(lw.fired);
    CHECK(!poll_hub_arm(hub, &lw, on_suspend, &late)); /* the caller answers at once */
    CHECK_INT(atomic_load(&late.suspended), 0);
    poll_hub_free(hub);
    CHECK_INT(atomic_load(&c[0].fired), 1);
    CHECK_INT(atomic_load(&c[1].fired), 1);
}

enum { THREADS = 4, PER_THREAD = 1000, WINDOW = 5 };

typedef struct worker {
    poll_hub_t *hub;
    int id;
    poll_waiter_t *w;
    counter_t *c;
    bool *woken; /* resolved by a wake of its own instance (else removed) */
} worker_t;

static void *worker_main(void *arg)
{
    worker_t *k = arg;
    const char *acct = k->id % 2 ? ACCT_B : ACCT_A;
    const char *other = k->id % 2 ? ACCT_A : ACCT_B;
    for (int j = 0; j < PER_THREAD + WINDOW; j++) {
        if (j < PER_THREAD) {
            char inst[65];
            snprintf(inst, sizeof inst, "inst-%d-%d", k->id, j);
            waiter_init(&k->w[j], acct, inst, 60000, &k->c[j]);
            poll_hub_add(k->hub, &k->w[j]);
            poll_hub_arm(k->hub, &k->w[j], on_suspend, &k->c[j]);
        }
        int old = j - WINDOW;
        if (old >= 0) {
            k->woken[old] = old % 3 != 0;
            if (k->woken[old])
                poll_hub_wake(k->hub, acct, k->w[old].instance);
            else
                poll_hub_remove(k->hub, &k->w[old]);
        }
        if (j % 97 == 0)
            poll_hub_wake(k->hub, other, NULL); /* the other threads' account */
    }
    return NULL;
}

TEST(poll_hub_concurrent_add_wake)
{
    poll_hub_t *hub = poll_hub_new();
    REQUIRE(hub != NULL);
    worker_t k[THREADS];
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++) {
        k[i] = (worker_t){.hub = hub, .id = i, .w = calloc(PER_THREAD, sizeof(poll_waiter_t)),
                          .c = calloc(PER_THREAD, sizeof(counter_t)), .woken = calloc(PER_THREAD, sizeof(bool))};
        REQUIRE(k[i].w && k[i].c && k[i].woken);
    }
    for (int i = 0; i < THREADS; i++)
        REQUIRE(pthread_create(&t[i], NULL, worker_main, &k[i]) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);

    int listed = 0, twice = 0, lost = 0, unarmed = 0, total = 0, woken_armed = 0;
    for (int i = 0; i < THREADS; i++) {
        for (int j = 0; j < PER_THREAD; j++) {
            int f = atomic_load(&k[i].c[j].fired), s = atomic_load(&k[i].c[j].suspended);
            listed += k[i].w[j].listed;
            twice += f > 1;
            lost += k[i].woken[j] && f != 1 && s == 1; /* armed, then woken: must have fired */
            unarmed += s == 1 ? 0 : (f != 0);          /* never armed: never fired */
            total += f;
            woken_armed += k[i].woken[j] && s == 1;
        }
    }
    CHECK_INT(listed, 0);
    CHECK_INT(twice, 0);
    CHECK_INT(lost, 0);
    CHECK_INT(unarmed, 0);
    CHECK(woken_armed > THREADS * PER_THREAD / 2); /* most were armed before any wake */
    CHECK(total >= woken_armed);
    poll_hub_free(hub);
    int after = 0;
    for (int i = 0; i < THREADS; i++)
        for (int j = 0; j < PER_THREAD; j++)
            after += atomic_load(&k[i].c[j].fired);
    CHECK_INT(after, total); /* nothing was left for free() to fire */
    for (int i = 0; i < THREADS; i++) {
        free(k[i].w);
        free(k[i].c);
        free(k[i].woken);
    }
}
