/* loadgen.c - a load generator for ecsd (and any AWS JSON 1.1 endpoint):
 * N connections, each a thread with one keep-alive HTTP/1.1 connection,
 * sending one operation signed with SigV4 as botocore signs it, for a fixed
 * number of requests or a fixed time; reports throughput and latency
 * percentiles.
 *
 *   loadgen -p PORT -t TARGET -b BODY [-c CONNS] [-n REQUESTS | -d SECONDS]
 *           [-k KEY -s SECRET] [-r REGION] [--path /] [--unsigned] [--csv]
 *
 * BODY may contain "{i}", replaced by a number unique to each request
 * (e.g. to register distinct resources). Traffic goes to 127.0.0.1 only.
 *
 * Threads: each worker owns its socket and its latency array; the main
 * thread reads them after joining.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "api/sigv4.h"

#define MAX_CONNS 256
#define BODY_MAX 65536
#define RESP_MAX (1 << 20)

typedef struct options {
    int port, conns;
    long requests;   /* total, 0: use duration */
    double duration; /* seconds */
    const char *target, *body, *path, *key, *secret, *region;
    bool unsigned_requests, csv;
} options_t;

typedef struct worker {
    const options_t *o;
    pthread_t thread;
    double *lat; /* seconds per request */
    long n, cap, errors, non200;
} worker_t;

static atomic_long issued;   /* requests handed out (for -n) and the {i} counter */
static atomic_bool stopping; /* set when the duration has passed */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int connect_local(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval limit = {.tv_sec = 60}; /* a stuck server ends the run, not hangs it */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The body with {i} replaced by i. */
static size_t render_body(const char *tpl, long i, char *out, size_t cap)
{
    size_t len = 0;
    for (const char *p = tpl; *p && len + 32 < cap;) {
        if (strncmp(p, "{i}", 3) == 0) {
            len += (size_t)snprintf(out + len, cap - len, "%ld", i);
            p += 3;
        } else {
            out[len++] = *p++;
        }
    }
    out[len] = '\0';
    return len;
}

/* Reads one HTTP response; returns its status, or -1 when the connection
 * failed. *close_after: the server said "Connection: close" (moto_server
 * does, on every answer), so the next request needs a new connection. */
static int read_response(int fd, char *buf, size_t cap, bool *close_after)
{
    size_t have = 0;
    char *head_end = NULL;
    while (head_end == NULL) {
        ssize_t r = read(fd, buf + have, cap - have - 1);
        if (r <= 0)
            return -1;
        have += (size_t)r;
        buf[have] = '\0';
        head_end = strstr(buf, "\r\n\r\n");
        if (head_end == NULL && have >= cap - 1)
            return -1;
    }
    int status = atoi(buf + 9);
    long length = 0;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < head_end; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            length = atol(line + 17);
        else if (strncasecmp(line + 2, "Connection:", 11) == 0 && strncasecmp(line + 13 + strspn(line + 13, " "), "close", 5) == 0)
            *close_after = true;
    }
    size_t body_have = have - (size_t)(head_end + 4 - buf);
    while ((long)body_have < length) {
        char sink[65536];
        size_t want = (size_t)length - body_have < sizeof sink ? (size_t)length - body_have : sizeof sink;
        ssize_t r = read(fd, sink, want);
        if (r <= 0)
            return -1;
        body_have += (size_t)r;
    }
    return status;
}

static bool next_request(const options_t *o, long *i)
{
    if (atomic_load(&stopping))
        return false;
    *i = atomic_fetch_add(&issued, 1);
    return o->requests == 0 || *i < o->requests;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    const options_t *o = w->o;
    char *body = malloc(BODY_MAX), *req = malloc(BODY_MAX + 4096), *resp = malloc(RESP_MAX);
    char host[32], target[256];
    snprintf(host, sizeof host, "127.0.0.1:%d", o->port);
    snprintf(target, sizeof target, "AmazonEC2ContainerServiceV20141113.%s", o->target);
    sigv4_signer_t signer = {.access_key = o->key, .secret = o->secret, .region = o->region};
    int fd = connect_local(o->port);
    long i;
    while (fd >= 0 && body && req && resp && next_request(o, &i)) {
        size_t blen = render_body(o->body, i, body, BODY_MAX);
        char date[17] = "", auth[SIGV4_AUTHORIZATION_MAX] = "";
        double t0 = now_s();
        if (!o->unsigned_requests &&
            sigv4_sign(&signer, "POST", host, o->path, "application/x-amz-json-1.1", target, body, blen,
                       (int64_t)time(NULL), date, auth) < 0) {
            w->errors++;
            break;
        }
        int hlen = snprintf(req, 4096,
                            "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-amz-json-1.1\r\n"
                            "X-Amz-Target: %s\r\n%s%s%s%s%s%sContent-Length: %zu\r\n\r\n",
                            o->path, host, target, date[0] ? "X-Amz-Date: " : "", date, date[0] ? "\r\n" : "",
                            auth[0] ? "Authorization: " : "", auth, auth[0] ? "\r\n" : "", blen);
        memcpy(req + hlen, body, blen);
        size_t total = (size_t)hlen + blen, sent = 0;
        while (sent < total) {
            ssize_t r = write(fd, req + sent, total - sent);
            if (r <= 0)
                break;
            sent += (size_t)r;
        }
        bool close_after = false;
        int status = sent == total ? read_response(fd, resp, RESP_MAX, &close_after) : -1;
        double dt = now_s() - t0;
        if (status >= 0 && close_after) { /* the server closes: connect again for the next one */
            close(fd);
            fd = connect_local(o->port);
        }
        if (status < 0) { /* reconnect and go on */
            w->errors++;
            close(fd);
            fd = connect_local(o->port);
            continue;
        }
        if (status != 200)
            w->non200++;
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 4096;
            double *grown = realloc(w->lat, (size_t)w->cap * sizeof *grown);
            if (grown == NULL)
                break;
            w->lat = grown;
        }
        w->lat[w->n++] = dt;
    }
    if (fd >= 0)
        close(fd);
    free(body);
    free(req);
    free(resp);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double p)
{
    if (n == 0)
        return 0;
    long i = (long)(p * (double)(n - 1) + 0.5);
    return v[i];
}

static void usage(void)
{
    fprintf(stderr, "usage: loadgen -p PORT -t TARGET -b BODY [-c CONNS] [-n REQUESTS | -d SECONDS]\n"
                    "               [-k KEY -s SECRET] [-r REGION] [--path /] [--unsigned] [--csv]\n");
}

static int parse(int argc, char **argv, options_t *o)
{
    *o = (options_t){.conns = 1, .duration = 5, .path = "/", .key = "AKIDBENCH", .secret = "bench-secret",
                     .region = "us-east-1", .body = "{}"};
    for (int a = 1; a < argc; a++) {
        const char *f = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(f, "--unsigned") == 0) {
            o->unsigned_requests = true;
            continue;
        }
        if (strcmp(f, "--csv") == 0) {
            o->csv = true;
            continue;
        }
        if (v == NULL)
            return -1;
        a++;
        if (strcmp(f, "-p") == 0)
            o->port = atoi(v);
        else if (strcmp(f, "-c") == 0)
            o->conns = atoi(v);
        else if (strcmp(f, "-n") == 0)
            o->requests = atol(v);
        else if (strcmp(f, "-d") == 0)
            o->duration = atof(v);
        else if (strcmp(f, "-t") == 0)
            o->target = v;
        else if (strcmp(f, "-b") == 0)
            o->body = v;
        else if (strcmp(f, "-k") == 0)
            o->key = v;
        else if (strcmp(f, "-s") == 0)
            o->secret = v;
        else if (strcmp(f, "-r") == 0)
            o->region = v;
        else if (strcmp(f, "--path") == 0)
            o->path = v;
        else
            return -1;
    }
    if (o->port <= 0 || o->target == NULL || o->conns < 1 || o->conns > MAX_CONNS || o->duration <= 0 ||
        o->duration > 600)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    options_t o;
    if (parse(argc, argv, &o) < 0) {
        usage();
        return 2;
    }
    worker_t *w = calloc((size_t)o.conns, sizeof *w);
    double t0 = now_s();
    for (int i = 0; i < o.conns; i++) {
        w[i].o = &o;
        pthread_create(&w[i].thread, NULL, worker_main, &w[i]);
    }
    if (o.requests == 0) { /* a fixed time: bounded by -d (at most 600 s) */
        struct timespec ts = {.tv_sec = (time_t)o.duration,
                              .tv_nsec = (long)((o.duration - (double)(time_t)o.duration) * 1e9)};
        nanosleep(&ts, NULL);
        atomic_store(&stopping, true);
    }
    long total = 0, errors = 0, non200 = 0;
    for (int i = 0; i < o.conns; i++) {
        pthread_join(w[i].thread, NULL);
        total += w[i].n;
        errors += w[i].errors;
        non200 += w[i].non200;
    }
    double elapsed = now_s() - t0;
    double *all = malloc((size_t)(total ? total : 1) * sizeof *all);
    long k = 0;
    for (int i = 0; i < o.conns; i++) {
        memcpy(all + k, w[i].lat, (size_t)w[i].n * sizeof *all);
        k += w[i].n;
        free(w[i].lat);
    }
    qsort(all, (size_t)total, sizeof *all, cmp_double);
    double rps = (double)total / elapsed;
    if (o.csv)
        printf("%s,%d,%ld,%.0f,%.3f,%.3f,%.3f,%.3f,%ld,%ld\n", o.target, o.conns, total, rps,
               pct(all, total, 0.5) * 1e3, pct(all, total, 0.9) * 1e3, pct(all, total, 0.99) * 1e3,
               total ? all[total - 1] * 1e3 : 0.0, non200, errors);
    else
        printf("%s c=%d: %ld requests in %.2fs = %.0f req/s; latency ms p50 %.3f p90 %.3f p99 %.3f max %.3f; "
               "non-200 %ld, errors %ld\n",
               o.target, o.conns, total, elapsed, rps, pct(all, total, 0.5) * 1e3, pct(all, total, 0.9) * 1e3,
               pct(all, total, 0.99) * 1e3, total ? all[total - 1] * 1e3 : 0.0, non200, errors);
    free(all);
    free(w);
    return errors > 0 ? 1 : 0;
}
