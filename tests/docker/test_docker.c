/* Tests of the Docker client against a real dockerd in a network namespace:
 * DOCKER_HOST=unix:///run/NAME.sock as printed by
 * `scripts/docker-netns.sh up NAME` (scripts/test.sh does it), with the
 * image busybox:latest and a registry on 127.0.0.1:5000 inside namespace
 * /run/netns/NAME (ECSD_NETNS overrides that path). Ports published by
 * containers are reached from a thread that enters the namespace. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../unit/test.h"
#include "agent/docker.h"

#define IMAGE "busybox:latest"
#define REGISTRY_IMAGE "127.0.0.1:5000/busybox:latest"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static docker_t *engine(void)
{
    const char *host = getenv("DOCKER_HOST");
    if (host == NULL || strncmp(host, "unix://", 7) != 0) {
        fprintf(stderr, "  DOCKER_HOST is not a unix:// socket: start an engine with "
                        "`export DOCKER_HOST=$(scripts/docker-netns.sh up NAME)`\n");
        return NULL;
    }
    return docker_new(host);
}

/* /run/netns/NAME from DOCKER_HOST=unix:///run/NAME.sock, or $ECSD_NETNS. */
static void netns_path(char *out, size_t size)
{
    const char *ns = getenv("ECSD_NETNS"), *host = getenv("DOCKER_HOST");
    if (ns != NULL) {
        snprintf(out, size, "%s", ns);
        return;
    }
    const char *base = strrchr(host, '/') + 1;
    const char *dot = strstr(base, ".sock");
    snprintf(out, size, "/run/netns/%.*s", dot ? (int)(dot - base) : (int)strlen(base), base);
}

typedef struct ns_get {
    const char *ns;
    int port;
    const char *path;
    char reply[1024];
} ns_get_t;

/* HTTP GET to 127.0.0.1:port inside the namespace, retried for 10 s. */
static void *ns_get_thread(void *arg)
{
    ns_get_t *g = arg;
    int nsfd = open(g->ns, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || setns(nsfd, CLONE_NEWNET) != 0) {
        perror("  setns");
        if (nsfd >= 0)
            close(nsfd);
        return NULL;
    }
    close(nsfd);
    for (double end = now_s() + 10; now_s() < end && g->reply[0] == '\0'; usleep(200000)) {
        int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g->port)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        struct timeval tv = {5, 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char req[256];
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\n\r\n", g->path);
        size_t len = 0;
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0 && write(s, req, (size_t)n) == n) {
            ssize_t r;
            while (len < sizeof g->reply - 1 && (r = read(s, g->reply + len, sizeof g->reply - 1 - len)) > 0)
                len += (size_t)r;
        }
        g->reply[len] = '\0';
        close(s);
    }
    return NULL;
}

static void ns_get(const char *ns, int port, const char *path, char *reply, size_t size)
{
    ns_get_t g = {.ns = ns, .port = port, .path = path};
    pthread_t t;
    pthread_create(&t, NULL, ns_get_thread, &g);
    pthread_join(t, NULL);
    snprintf(reply, size, "%s", g.reply);
}

static int read_file(const char *path, char *out, size_t size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(out, 1, size - 1, f);
    out[n] = '\0';
    fclose(f);
    return 0;
}

/* Creates and starts a busybox container running sh -c script. */
static int run_sh(docker_t *d, const char *name, const char *label, const char *script,
                  char id[DOCKER_ID_MAX + 1], ecs_error_t *err)
{
    json_t *body = json_pack("{s:s, s:[s,s,s], s:{s:s}}", "Image", IMAGE, "Cmd", "sh", "-c", script,
                             "Labels", "ecsd.test", label);
    int rc = docker_create(d, name, body, id, err);
    json_decref(body);
    return rc ? rc : docker_start(d, id, err);
}

TEST(docker_version_of_the_engine)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    char v[64] = "";
    ecs_error_t err = {0};
    CHECK_INT(docker_version(d, v, sizeof v, &err), 0);
    printf("  engine version %s\n", v);
    CHECK(v[0] >= '1' && v[0] <= '9' && strchr(v, '.') != NULL);
    docker_free(d);
}

TEST(docker_pull_by_name_from_the_local_registry)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    ecs_error_t err = {0};
    CHECK_INT(docker_image_remove(d, REGISTRY_IMAGE, &err), 0);
    CHECK_INT(docker_image_present(d, REGISTRY_IMAGE, &err), 0);
    CHECK_INT(docker_image_remove(d, REGISTRY_IMAGE, &err), 0); /* not there: fine */
    int rc = docker_pull(d, "127.0.0.1:5000/busybox", &err); /* no tag: latest */
    if (rc)
        fprintf(stderr, "  pull: %s: %s\n", err.type, err.message);
    CHECK_INT(rc, 0);
    CHECK_INT(docker_image_present(d, REGISTRY_IMAGE, &err), 1);
    CHECK_INT(docker_image_present(d, "127.0.0.1:5000/busybox", &err), 1);
    CHECK_INT(docker_image_present(d, IMAGE, &err), 1);
    CHECK_INT(docker_image_present(d, "ecsd-no-such-image:1", &err), 0);
    docker_free(d);
}

TEST(docker_pull_failures_are_CannotPullContainerError)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    const char *images[] = {
        "127.0.0.1:5000/ecsd-no-such-image:1", /* not in the registry */
        "127.0.0.1:5000/busybox:no-such-tag",
        "127.0.0.1:5999/busybox", /* nothing listens there */
        "Not_A_Valid_Reference!",
    };
    for (size_t i = 0; i < sizeof images / sizeof images[0]; i++) {
        ecs_error_t err = {0};
        CHECK_INT(docker_pull(d, images[i], &err), -1);
        CHECK_STR(err.type, "CannotPullContainerError");
        CHECK(err.message[0] != '\0');
        printf("  %s -> %s: %s\n", images[i], err.type, err.message);
    }
    docker_free(d);
}

TEST(docker_container_lifecycle)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    char ns[256], label[64], peer_name[64], main_name[64], dir[] = "/tmp/ecsd-docker-test-XXXXXX";
    netns_path(ns, sizeof ns);
    snprintf(label, sizeof label, "lifecycle-%d", (int)getpid());
    snprintf(peer_name, sizeof peer_name, "ecsd-test-peer-%d", (int)getpid());
    snprintf(main_name, sizeof main_name, "ecsd-test-main-%d", (int)getpid());
    REQUIRE(mkdtemp(dir) != NULL);
    char bind[128], link[128], path[192], text[1024];
    snprintf(bind, sizeof bind, "%s:/data", dir);
    snprintf(link, sizeof link, "%s:peer", peer_name);

    char peer[DOCKER_ID_MAX + 1], id[DOCKER_ID_MAX + 1];
    ecs_error_t err = {0};
    REQUIRE(run_sh(d, peer_name, label, "sleep 1000", peer, &err) == 0);

    /* Ignores SIGTERM, so only the SIGKILL after the stop timeout ends it. */
    const char *script = "trap '' TERM; echo \"$GREETING\" > /data/env; cat /etc/hosts > /data/hosts; "
                         "httpd -p 80 -h /data; httpd -p 8080 -h /data; sleep 1000";
    json_t *body = json_pack("{s:s, s:[s,s,s], s:[s], s:{s:s}, s:{s:{}, s:{}},"
                             " s:{s:I, s:i, s:{s:[{s:s}], s:[{s:s}]}, s:[s], s:[s]}}",
                             "Image", IMAGE, "Cmd", "sh", "-c", script, "Env", "GREETING=hello from ecsd",
                             "Labels", "ecsd.test", label, "ExposedPorts", "80/tcp", "8080/tcp",
                             "HostConfig", "Memory", (json_int_t)64 << 20, "CpuShares", 256,
                             "PortBindings", "80/tcp", "HostPort", "18080", "8080/tcp", "HostPort", "",
                             "Binds", bind, "Links", link);
    REQUIRE(body != NULL);
    int rc = docker_create(d, main_name, body, id, &err);
    json_decref(body);
    if (rc)
        fprintf(stderr, "  create: %s: %s\n", err.type, err.message);
    REQUIRE(rc == 0);
    CHECK_INT(strlen(id), 64);
    rc = docker_start(d, id, &err);
    if (rc)
        fprintf(stderr, "  start: %s: %s\n", err.type, err.message);
    REQUIRE(rc == 0);
    CHECK_INT(docker_start(d, id, &err), 0); /* already running: fine */

    json_t *info = NULL;
    CHECK_INT(docker_inspect(d, main_name, &info, &err), 1);
    REQUIRE(info != NULL);
    int running = 0, shares = 0;
    json_int_t memory = 0;
    const char *bound = "", *hport = "", *dyn_port = "", *bind0 = "", *link0 = "", *lab = "";
    CHECK_INT(json_unpack(info, "{s:{s:b}, s:{s:I, s:i, s:{s:[{s:s}]}, s:[s!], s:[s!]}, s:{s:{s:s}}}",
                          "State", "Running", &running, "HostConfig", "Memory", &memory, "CpuShares",
                          &shares, "PortBindings", "80/tcp", "HostPort", &bound, "Binds", &bind0,
                          "Links", &link0, "Config", "Labels", "ecsd.test", &lab),
              0);
    CHECK(running);
    CHECK_INT(memory, 64 << 20);
    CHECK_INT(shares, 256);
    CHECK_STR(bound, "18080");
    CHECK_STR(bind0, bind);
    snprintf(text, sizeof text, "/%s:/%s/peer", peer_name, main_name);
    CHECK_STR(link0, text);
    CHECK_STR(lab, label);
    CHECK_INT(json_unpack(info, "{s:{s:{s:[{s:s}], s:[{s:s}]}}}", "NetworkSettings", "Ports", "80/tcp",
                          "HostPort", &hport, "8080/tcp", "HostPort", &dyn_port),
              0);
    CHECK_STR(hport, "18080");
    int dyn = atoi(dyn_port);
    CHECK(dyn > 0 && dyn != 18080);
    json_t *env = json_object_get(json_object_get(info, "Config"), "Env");
    int env_found = 0;
    for (size_t i = 0; i < json_array_size(env); i++)
        env_found |= strcmp(json_string_value(json_array_get(env, i)) ?: "", "GREETING=hello from ecsd") == 0;
    CHECK(env_found);

    /* The published ports answer inside the namespace; env, bind and link worked. */
    ns_get(ns, 18080, "/env", text, sizeof text);
    CHECK(strstr(text, "200 OK") != NULL && strstr(text, "hello from ecsd") != NULL);
    ns_get(ns, dyn, "/env", text, sizeof text);
    CHECK(strstr(text, "hello from ecsd") != NULL);
    snprintf(path, sizeof path, "%s/hosts", dir);
    CHECK(read_file(path, text, sizeof text) == 0 && strstr(text, "\tpeer ") != NULL);

    json_t *list = NULL;
    snprintf(text, sizeof text, "ecsd.test=%s", label);
    CHECK_INT(docker_list(d, text, &list, &err), 0);
    CHECK_INT(json_array_size(list), 2);
    int listed = 0;
    for (size_t i = 0; i < json_array_size(list); i++)
        listed |= strcmp(json_string_value(json_object_get(json_array_get(list, i), "Id")) ?: "", id) == 0;
    CHECK(listed);
    json_decref(list);
    CHECK_INT(docker_list(d, "ecsd.test=no-such-value", &list, &err), 0);
    CHECK_INT(json_array_size(list), 0);
    json_decref(list);

    double t0 = now_s();
    CHECK_INT(docker_stop(d, id, 2, &err), 0);
    double took = now_s() - t0;
    printf("  stop with timeout 2 s of a process ignoring SIGTERM took %.2f s\n", took);
    CHECK(took > 1.8 && took < 15);
    json_decref(info);
    CHECK_INT(docker_inspect(d, id, &info, &err), 1);
    int exit_code = -1;
    CHECK_INT(json_unpack(info, "{s:{s:b, s:i}}", "State", "Running", &running, "ExitCode", &exit_code), 0);
    CHECK(!running);
    CHECK_INT(exit_code, 137);
    json_decref(info);
    CHECK_INT(docker_stop(d, id, 2, &err), 0); /* already stopped: fine */

    CHECK_INT(docker_remove(d, id, &err), 0);
    CHECK_INT(docker_remove(d, peer, &err), 0); /* running: removed by force */
    info = (json_t *)1;
    CHECK_INT(docker_inspect(d, id, &info, &err), 0);
    CHECK(info == NULL);
    CHECK_INT(docker_inspect(d, peer, &info, &err), 0);
    for (const char *f = "env\0hosts\0"; *f; f += strlen(f) + 1) {
        snprintf(path, sizeof path, "%s/%s", dir, f);
        unlink(path);
    }
    CHECK_INT(rmdir(dir), 0);
    docker_free(d);
}

TEST(docker_errors_carry_the_step_and_dockers_text)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    char id[DOCKER_ID_MAX + 1], name[64], label[64];
    snprintf(name, sizeof name, "ecsd-test-errors-%d", (int)getpid());
    snprintf(label, sizeof label, "errors-%d", (int)getpid());
    ecs_error_t err = {0};

    json_t *body = json_pack("{s:s}", "Image", "ecsd-no-such-image:1");
    CHECK_INT(docker_create(d, name, body, id, &err), -1);
    json_decref(body);
    CHECK_STR(err.type, "CannotCreateContainerError");
    CHECK_INT(err.status, 404);
    CHECK(strstr(err.message, "No such image") != NULL);
    printf("  create: %s: %s\n", err.type, err.message);

    /* A command that does not exist fails at start. */
    body = json_pack("{s:s, s:[s], s:{s:s}}", "Image", IMAGE, "Cmd", "/no/such/program", "Labels",
                     "ecsd.test", label);
    REQUIRE(docker_create(d, name, body, id, &err) == 0);
    char id2[DOCKER_ID_MAX + 1];
    CHECK_INT(docker_create(d, name, body, id2, &err), -1); /* the name is taken */
    json_decref(body);
    CHECK_STR(err.type, "CannotCreateContainerError");
    CHECK_INT(err.status, 409);
    printf("  create again: %s: %s\n", err.type, err.message);
    CHECK_INT(docker_start(d, id, &err), -1);
    CHECK_STR(err.type, "CannotStartContainerError");
    CHECK(strstr(err.message, "no such file") != NULL);
    printf("  start: %s: %s\n", err.type, err.message);
    CHECK_INT(docker_remove(d, id, &err), 0);

    CHECK_INT(docker_start(d, "ecsd-no-such-container", &err), -1);
    CHECK_STR(err.type, "CannotStartContainerError");
    CHECK_INT(err.status, 404);
    CHECK_INT(docker_stop(d, "ecsd-no-such-container", 1, &err), -1);
    CHECK_STR(err.type, "CannotStopContainerError");
    CHECK_INT(err.status, 404);
    CHECK(strstr(err.message, "No such container") != NULL);
    CHECK_INT(docker_remove(d, "ecsd-no-such-container", &err), -1);
    CHECK_STR(err.type, "CannotRemoveContainerError");
    CHECK_INT(err.status, 404);
    json_t *info = NULL;
    CHECK_INT(docker_inspect(d, "ecsd-no-such-container", &info, &err), 0);
    docker_free(d);
}
