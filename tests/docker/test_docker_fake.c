/* Tests of the Docker client against a fake engine on a unix socket: the
 * exact requests sent, and the replies real engines rarely give on demand
 * (an error inside a 200 pull stream, a stream that ends, plain-text
 * errors). They need no dockerd. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "agent/docker.h"

typedef struct fake {
    char path[108];
    char host[120];
    int lfd;
    pthread_t thread;
    const char *reply; /* written once the request is read */
    int hold_ms;       /* then keep the connection open this long (or until the client leaves) */
    char request[8192];
} fake_t;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *fake_serve(void *arg)
{
    fake_t *f = arg;
    struct pollfd p = {f->lfd, POLLIN, 0};
    if (poll(&p, 1, 10000) != 1)
        return NULL;
    int c = accept(f->lfd, NULL, NULL);
    if (c < 0)
        return NULL;
    /* The head, then a body of Content-Length bytes; 5 s at most. */
    size_t len = 0, want = 0;
    double end = now_s() + 5;
    while (len < sizeof f->request - 1 && now_s() < end) {
        char *head_end = strstr(f->request, "\r\n\r\n");
        if (head_end != NULL) {
            const char *cl = strcasestr(f->request, "\r\nContent-Length:");
            want = (size_t)(head_end + 4 - f->request) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
            if (len >= want)
                break;
        }
        struct pollfd q = {c, POLLIN, 0};
        if (poll(&q, 1, 200) != 1)
            continue;
        ssize_t n = read(c, f->request + len, sizeof f->request - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        f->request[len] = '\0';
    }
    if (write(c, f->reply, strlen(f->reply)) < 0)
        perror("fake write");
    for (end = now_s() + f->hold_ms / 1000.0; now_s() < end;) {
        struct pollfd q = {c, POLLIN, 0};
        char tmp[256];
        if (poll(&q, 1, 100) == 1 && read(c, tmp, sizeof tmp) <= 0)
            break; /* the client hung up */
    }
    close(c);
    return NULL;
}

static const char *fake_start(fake_t *f, const char *reply, int hold_ms)
{
    static int seq;
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "/tmp/ecsd-fake-docker-%d-%d.sock", (int)getpid(), seq++);
    snprintf(f->host, sizeof f->host, "unix://%s", f->path);
    f->reply = reply;
    f->hold_ms = hold_ms;
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", f->path);
    unlink(f->path);
    f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (f->lfd < 0 || bind(f->lfd, (struct sockaddr *)&a, sizeof a) || listen(f->lfd, 4) ||
        pthread_create(&f->thread, NULL, fake_serve, f)) {
        perror("fake engine");
        exit(2);
    }
    return f->host;
}

static void fake_join(fake_t *f)
{
    pthread_join(f->thread, NULL);
    close(f->lfd);
    unlink(f->path);
}

static int starts(const char *s, const char *prefix) { return strncmp(s, prefix, strlen(prefix)) == 0; }

#define OK_STREAM "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"

TEST(fake_pull_sends_repo_and_tag_and_reads_the_stream)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, OK_STREAM "{\"status\":\"Pulling from team/app\"}\r\n"
                                                      "{\"status\":\"Download complete\"}", 0));
    ecs_error_t err = {0};
    int rc = docker_pull(d, "reg:5000/team/app:1.2", &err);
    fake_join(&f);
    CHECK_INT(rc, 0);
    CHECK(starts(f.request, "POST /v1.41/images/create?fromImage=reg%3A5000%2Fteam%2Fapp&tag=1.2 "));
    docker_free(d);
}

TEST(fake_pull_without_tag_means_latest_even_with_a_registry_port)
{
    const char *cases[][2] = {
        {"reg:5000/app", "fromImage=reg%3A5000%2Fapp&tag=latest "},
        {"busybox", "fromImage=busybox&tag=latest "},
        {"busybox:1.36", "fromImage=busybox&tag=1.36 "},
        {"reg:5000/app@sha256:abc", "fromImage=reg%3A5000%2Fapp%40sha256%3Aabc "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_t f;
        docker_t *d = docker_new(fake_start(&f, OK_STREAM "{\"status\":\"ok\"}\n", 0));
        ecs_error_t err = {0};
        CHECK_INT(docker_pull(d, cases[i][0], &err), 0);
        fake_join(&f);
        if (strstr(f.request, cases[i][1]) == NULL) {
            fprintf(stderr, "  %s: request %.100s\n", cases[i][0], f.request);
            CHECK(0);
        }
        docker_free(d);
    }
}

TEST(fake_pull_error_in_the_stream_is_an_error)
{
    /* Once in the middle, once as the last line with no newline. */
    const char *replies[] = {
        OK_STREAM "{\"status\":\"Pulling\"}\r\n{\"errorDetail\":{\"message\":\"manifest unknown: "
                  "boom\"},\"error\":\"manifest unknown: boom\"}\r\n{\"status\":\"later\"}\r\n",
        OK_STREAM "{\"status\":\"Pulling\"}\r\n{\"error\":\"manifest unknown: boom\"}",
    };
    for (size_t i = 0; i < 2; i++) {
        fake_t f;
        docker_t *d = docker_new(fake_start(&f, replies[i], 0));
        ecs_error_t err = {0};
        CHECK_INT(docker_pull(d, "app", &err), -1);
        fake_join(&f);
        CHECK_STR(err.type, "CannotPullContainerError");
        CHECK_STR(err.message, "manifest unknown: boom");
        docker_free(d);
    }
}

TEST(fake_pull_http_error_gives_dockers_message_and_status)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n"
                                            "Connection: close\r\n\r\n{\"message\":\"pull access denied\"}\n",
                                        0));
    ecs_error_t err = {0};
    CHECK_INT(docker_pull(d, "nope", &err), -1);
    fake_join(&f);
    CHECK_STR(err.type, "CannotPullContainerError");
    CHECK_STR(err.message, "pull access denied");
    CHECK_INT(err.status, 404);
    docker_free(d);
}

TEST(fake_create_sends_json_and_reports_a_plain_text_error)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 19\r\n"
                                            "\r\nplain text failure\n",
                                        0));
    json_t *body = json_pack("{s:s}", "Image", "x");
    char id[DOCKER_ID_MAX + 1];
    ecs_error_t err = {0};
    CHECK_INT(docker_create(d, "my name", body, id, &err), -1);
    fake_join(&f);
    CHECK(starts(f.request, "POST /v1.41/containers/create?name=my%20name "));
    CHECK(strcasestr(f.request, "Content-Type: application/json") != NULL);
    CHECK(strstr(f.request, "\r\n\r\n{\"Image\":\"x\"}") != NULL);
    CHECK_STR(err.type, "CannotCreateContainerError");
    CHECK_STR(err.message, "plain text failure");
    CHECK_INT(err.status, 500);
    json_decref(body);
    docker_free(d);
}

TEST(fake_inspect_404_is_0_and_image_paths_keep_the_reference)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}", 0));
    json_t *out = (json_t *)1;
    ecs_error_t err = {0};
    CHECK_INT(docker_inspect(d, "abc", &out, &err), 0);
    CHECK(out == NULL);
    fake_join(&f);
    CHECK(starts(f.request, "GET /v1.41/containers/abc/json "));
    docker_free(d);

    d = docker_new(fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 0));
    CHECK_INT(docker_image_present(d, "127.0.0.1:5000/busybox:latest", &err), 1);
    fake_join(&f);
    CHECK(starts(f.request, "GET /v1.41/images/127.0.0.1:5000/busybox:latest/json "));
    docker_free(d);
}

TEST(fake_list_and_stop_requests)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", 0));
    json_t *out = NULL;
    ecs_error_t err = {0};
    CHECK_INT(docker_list(d, "a=b", &out, &err), 0);
    CHECK(json_is_array(out));
    json_decref(out);
    fake_join(&f);
    CHECK(starts(f.request, "GET /v1.41/containers/json?all=1&filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%7D "));
    docker_free(d);

    d = docker_new(fake_start(&f, "HTTP/1.1 304 Not Modified\r\n\r\n", 0));
    CHECK_INT(docker_stop(d, "abc", 7, &err), 0);
    fake_join(&f);
    CHECK(starts(f.request, "POST /v1.41/containers/abc/stop?t=7 "));
    docker_free(d);
}

typedef struct events_seen {
    int count;
    char last_action[32];
} events_seen_t;

static void on_event(void *arg, const json_t *ev)
{
    events_seen_t *s = arg;
    const char *action = "";
    json_unpack((json_t *)ev, "{s?s}", "Action", &action);
    s->count++;
    snprintf(s->last_action, sizeof s->last_action, "%s", action);
}

typedef struct stopper {
    volatile bool *stop;
    int after_ms;
    double at;
} stopper_t;

static void *stop_later(void *arg)
{
    stopper_t *s = arg;
    usleep((useconds_t)s->after_ms * 1000);
    s->at = now_s();
    *s->stop = true;
    return NULL;
}

TEST(fake_events_idle_stream_stops_promptly)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                            "Transfer-Encoding: chunked\r\n\r\n",
                                        15000));
    volatile bool stop = false;
    stopper_t st = {&stop, 2500, 0};
    pthread_t t;
    pthread_create(&t, NULL, stop_later, &st);
    events_seen_t seen = {0};
    ecs_error_t err = {0};
    int rc = docker_events(d, "ecsd.task", &stop, on_event, &seen, &err);
    double returned = now_s();
    pthread_join(t, NULL);
    fake_join(&f);
    CHECK_INT(rc, 0);
    CHECK_INT(seen.count, 0);
    CHECK(returned - st.at < 1.5); /* checked at least once a second */
    CHECK(strstr(f.request, "GET /v1.41/events?filters=") == f.request);
    docker_free(d);
}

TEST(fake_events_calls_back_per_line_and_fails_when_the_stream_ends)
{
    fake_t f;
    docker_t *d = docker_new(fake_start(&f, OK_STREAM "{\"Action\":\"start\"}\n{\"Action\":\"die\",\"Actor\":"
                                                      "{\"ID\":\"x\",\"Attributes\":{\"exitCode\":\"7\"}}}\n",
                                        0));
    volatile bool stop = false;
    events_seen_t seen = {0};
    ecs_error_t err = {0};
    CHECK_INT(docker_events(d, NULL, &stop, on_event, &seen, &err), -1);
    fake_join(&f);
    CHECK_INT(seen.count, 2);
    CHECK_STR(seen.last_action, "die");
    CHECK_STR(err.type, "DockerEventStreamError");
    CHECK(strstr(f.request, "label") == NULL);
    docker_free(d);
}

TEST(fake_no_engine_and_bad_hosts)
{
    CHECK(docker_new(NULL) == NULL);
    CHECK(docker_new("tcp://127.0.0.1:2375") == NULL);
    docker_t *d = docker_new("unix:///tmp/ecsd-no-such-docker.sock");
    REQUIRE(d != NULL);
    char v[32];
    ecs_error_t err = {0};
    CHECK_INT(docker_version(d, v, sizeof v, &err), -1);
    CHECK_STR(err.type, "CannotGetDockerClientVersionError");
    CHECK(strstr(err.message, "Cannot connect to the Docker daemon at unix:///tmp/ecsd-no-such") != NULL);
    volatile bool stop = false;
    CHECK_INT(docker_events(d, NULL, &stop, on_event, NULL, &err), -1);
    stop = true;
    CHECK_INT(docker_events(d, NULL, &stop, on_event, NULL, &err), 0);
    docker_free(d);
}
