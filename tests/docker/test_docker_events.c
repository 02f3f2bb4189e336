/* The events stream and concurrent calls against a real dockerd (see
 * test_docker.c for the set-up). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "agent/docker.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static docker_t *engine(void)
{
    const char *host = getenv("DOCKER_HOST");
    if (host == NULL)
        fprintf(stderr, "  DOCKER_HOST is not set: start an engine with "
                        "`export DOCKER_HOST=$(scripts/docker-netns.sh up NAME)`\n");
    return host ? docker_new(host) : NULL;
}

static int run_sh(docker_t *d, const char *label, const char *script, char id[DOCKER_ID_MAX + 1])
{
    ecs_error_t err = {0};
    json_t *body = json_pack("{s:s, s:[s,s,s], s:{s:s}}", "Image", "busybox:latest", "Cmd", "sh", "-c",
                             script, "Labels", "ecsd.test", label);
    int rc = docker_create(d, NULL, body, id, &err);
    json_decref(body);
    if (rc == 0)
        rc = docker_start(d, id, &err);
    if (rc)
        fprintf(stderr, "  run %s: %s: %s\n", script, err.type, err.message);
    return rc;
}

typedef struct watch {
    docker_t *d;
    char filter[96]; /* "ecsd.test=<label>" */
    const char *label;
    volatile bool stop;
    pthread_mutex_t mu;
    char die_id[DOCKER_ID_MAX + 1]; /* the container whose death we wait for */
    char exit_code[16];
    int events, foreign; /* foreign: events of containers without our label */
    int rc;
    bool done;
    ecs_error_t err;
} watch_t;

static void on_event(void *arg, const json_t *ev)
{
    watch_t *w = arg;
    const char *action = "", *id = "", *label = "", *code = "";
    json_unpack((json_t *)ev, "{s?s, s?{s?s, s?{s?s, s?s}}}", "Action", &action, "Actor", "ID", &id,
                "Attributes", "ecsd.test", &label, "exitCode", &code);
    pthread_mutex_lock(&w->mu);
    w->events++;
    if (strcmp(label, w->label) != 0)
        w->foreign++;
    if (strcmp(action, "die") == 0 && strcmp(id, w->die_id) == 0)
        snprintf(w->exit_code, sizeof w->exit_code, "%s", code);
    pthread_mutex_unlock(&w->mu);
}

static void *watch_thread(void *arg)
{
    watch_t *w = arg;
    w->rc = docker_events(w->d, w->filter, &w->stop, on_event, w, &w->err);
    pthread_mutex_lock(&w->mu);
    w->done = true;
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

TEST(docker_events_die_with_exit_code_and_prompt_stop)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    char label[64], other[64];
    snprintf(label, sizeof label, "events-%d", (int)getpid());
    snprintf(other, sizeof other, "other-%d", (int)getpid());
    watch_t w = {.d = d, .label = label, .mu = PTHREAD_MUTEX_INITIALIZER};
    snprintf(w.filter, sizeof w.filter, "ecsd.test=%s", label);
    pthread_t t;
    REQUIRE(pthread_create(&t, NULL, watch_thread, &w) == 0);
    usleep(300000);

    char id[DOCKER_ID_MAX + 1], other_id[DOCKER_ID_MAX + 1];
    CHECK_INT(run_sh(d, other, "exit 5", other_id), 0);
    pthread_mutex_lock(&w.mu);
    CHECK_INT(run_sh(d, label, "sleep 1; exit 3", id), 0);
    snprintf(w.die_id, sizeof w.die_id, "%s", id); /* before the die event can arrive */
    pthread_mutex_unlock(&w.mu);

    bool died = false;
    for (double end = now_s() + 20; !died && now_s() < end; usleep(50000)) {
        pthread_mutex_lock(&w.mu);
        died = w.exit_code[0] != '\0' || w.done;
        pthread_mutex_unlock(&w.mu);
    }
    CHECK_STR(w.exit_code, "3");
    /* An idle stream stays open (no low-speed limit)... */
    sleep(2);
    pthread_mutex_lock(&w.mu);
    CHECK(!w.done);
    pthread_mutex_unlock(&w.mu);
    /* ...and ends within about a second of *stop. */
    double t0 = now_s();
    w.stop = true;
    pthread_join(t, NULL);
    double took = now_s() - t0;
    printf("  %d events, stop took %.2f s\n", w.events, took);
    CHECK(took < 1.6);
    CHECK_INT(w.rc, 0);
    CHECK_INT(w.foreign, 0);
    CHECK(w.events >= 3); /* create, start, die at least */

    ecs_error_t err = {0};
    CHECK_INT(docker_remove(d, id, &err), 0);
    CHECK_INT(docker_remove(d, other_id, &err), 0);
    docker_free(d);
}

typedef struct hammer {
    docker_t *d;
    int failures;
} hammer_t;

static void *hammer_thread(void *arg)
{
    hammer_t *h = arg;
    for (int i = 0; i < 20; i++) {
        char v[64];
        json_t *out = NULL;
        ecs_error_t err = {0};
        if (docker_version(h->d, v, sizeof v, &err) != 0)
            h->failures++;
        if (docker_inspect(h->d, "ecsd-no-such-container", &out, &err) != 0)
            h->failures++;
        if (docker_list(h->d, "ecsd.test", &out, &err) != 0)
            h->failures++;
        json_decref(out);
    }
    return NULL;
}

TEST(docker_calls_from_many_threads_while_a_pull_and_events_run)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    watch_t w = {.d = d, .label = "none", .mu = PTHREAD_MUTEX_INITIALIZER};
    snprintf(w.filter, sizeof w.filter, "ecsd.test=none");
    pthread_t ev, t[8];
    hammer_t h[8];
    REQUIRE(pthread_create(&ev, NULL, watch_thread, &w) == 0);
    ecs_error_t err = {0};
    CHECK_INT(docker_image_remove(d, "127.0.0.1:5000/busybox:latest", &err), 0);
    double t0 = now_s();
    for (int i = 0; i < 8; i++) {
        h[i] = (hammer_t){d, 0};
        pthread_create(&t[i], NULL, hammer_thread, &h[i]);
    }
    CHECK_INT(docker_pull(d, "127.0.0.1:5000/busybox:latest", &err), 0);
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(h[i].failures, 0);
    }
    printf("  480 calls from 8 threads beside a pull and an event stream: %.2f s\n", now_s() - t0);
    w.stop = true;
    pthread_join(ev, NULL);
    CHECK_INT(w.rc, 0);
    docker_free(d);
}
