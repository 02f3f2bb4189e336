/* agent_metadata.c - the task metadata and credentials endpoint's HTTP
 * server (agent_metadata.h) on --task-endpoint (169.254.170.2:80): its
 * address made local when it is not (--task-endpoint-setup auto) and
 * removed again at exit, the id key kept in DATA_DIR/agent-secret, the
 * paths of the ECS agent. libmicrohttpd with a small thread pool (a
 * stats answer waits about a second for Docker's sample). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "agent/agent_fs.h"
#include "agent/agent_int.h"
#include "agent/agent_metadata.h"
#include "common/cleanup.h"
#include "common/log.h"

#define POOL_THREADS 4

struct task_endpoint {
    struct MHD_Daemon *daemon;
    char ip[INET_ADDRSTRLEN];
    bool added;                /* this agent added ip to lo: removed at stop */
};

static enum MHD_Result answer(struct MHD_Connection *conn, unsigned status, json_t *doc)
{
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(doc);
    if (body == NULL)
        return MHD_NO;
    size_t len = strlen(body);
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_COPY);
    OPENSSL_cleanse(body, len); /* it may hold credentials */
    free(body);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result creds_error(struct MHD_Connection *conn, int version, const char *code, const char *what)
{
    char msg[200];
    snprintf(msg, sizeof msg, "CredentialsV%dRequest: %s", version, what);
    return answer(conn, MHD_HTTP_BAD_REQUEST, json_pack("{s:s, s:s}", "code", code, "message", msg));
}

/* The asker's IPv4 address into ip, or NULL. */
static const char *peer_of(struct MHD_Connection *conn, char ip[INET_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa == NULL || sa->sa_family != AF_INET)
        return NULL;
    return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, INET_ADDRSTRLEN);
}

static enum MHD_Result credentials(agent_t *a, struct MHD_Connection *conn, int version, const char *id)
{
    if (id == NULL || id[0] == '\0')
        return creds_error(conn, version, "NoIdInRequest", "No Credential ID in the request");
    json_t *c;
    char ip[INET_ADDRSTRLEN];
    if (agent_engine_credentials(a->engine, id, peer_of(conn, ip), &c) != 1)
        return creds_error(conn, version, "InvalidIdInRequest", "Credentials not found");
    return answer(conn, MHD_HTTP_OK, c);
}

/* Docker's stats of the containers (a string id, or an array of them):
 * one sample, or an object of them by id. */
static json_t *stats_of(agent_t *a, const json_t *ids)
{
    json_t *all = json_is_array(ids) ? json_object() : NULL;
    size_t i;
    json_t *id;
    json_t *one = NULL;
    json_array_foreach(json_is_array(ids) ? ids : NULL, i, id) {
        ecs_error_t err;
        json_t *s = NULL;
        docker_stats(a->docker, json_string_value(id), &s, &err);
        json_object_set_new(all, json_string_value(id), s ? s : json_null());
    }
    if (json_is_string(ids)) {
        ecs_error_t err;
        if (docker_stats(a->docker, json_string_value(ids), &one, &err) != 1)
            one = json_object();
        return one;
    }
    return all;
}

static enum MHD_Result metadata(agent_t *a, struct MHD_Connection *conn, int version, const char *rest)
{
    char id[64];
    size_t n = strcspn(rest, "/");
    const char *sub = rest + n;
    if (n == 0 || n >= sizeof id)
        return answer(conn, MHD_HTTP_NOT_FOUND, json_string("no such container metadata path"));
    memcpy(id, rest, n);
    id[n] = '\0';
    agent_meta_what_t what;
    if (sub[0] == '\0' || strcmp(sub, "/") == 0)
        what = AGENT_META_CONTAINER;
    else if (strcmp(sub, "/task") == 0)
        what = AGENT_META_TASK;
    else if (strcmp(sub, "/taskWithTags") == 0)
        what = AGENT_META_TASK_TAGS;
    else if (strcmp(sub, "/stats") == 0)
        what = AGENT_META_STATS;
    else if (strcmp(sub, "/task/stats") == 0)
        what = AGENT_META_TASK_STATS;
    else
        return answer(conn, MHD_HTTP_NOT_FOUND, json_string("no such container metadata path"));
    json_t *v;
    if (agent_engine_metadata(a->engine, id, version, what, &v) != 1) {
        char msg[200];
        snprintf(msg, sizeof msg, "V%d container metadata handler: unable to get task arn from request: no "
                                  "container with endpoint id '%s'", version, id);
        return answer(conn, MHD_HTTP_NOT_FOUND, json_string(msg));
    }
    if (what == AGENT_META_STATS || what == AGENT_META_TASK_STATS) {
        cleanup_json json_t *ids = v;
        v = stats_of(a, ids);
    }
    return answer(conn, MHD_HTTP_OK, v);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version, (void)upload, (void)con_cls;
    agent_t *a = cls;
    if (*upload_size != 0)
        *upload_size = 0;
    if (strcmp(method, "GET") != 0)
        return answer(conn, MHD_HTTP_METHOD_NOT_ALLOWED, json_string("GET only"));
    if (strncmp(url, "/v2/credentials", 15) == 0 && (url[15] == '\0' || url[15] == '/'))
        return credentials(a, conn, 2, url[15] == '/' ? url + 16 : "");
    if (strcmp(url, "/v1/credentials") == 0)
        return credentials(a, conn, 1, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "id"));
    if (strncmp(url, "/v4/", 4) == 0)
        return metadata(a, conn, 4, url + 4);
    if (strncmp(url, "/v3/", 4) == 0)
        return metadata(a, conn, 3, url + 4);
    return answer(conn, MHD_HTTP_NOT_FOUND, json_string("no such path"));
}

/* DATA_DIR/agent-secret: 32 random bytes made once (mode 0600), so the
 * ids stay the same across restarts. */
static int id_key(agent_t *a, unsigned char key[AGENT_ID_KEY_SIZE], ecs_error_t *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/agent-secret", a->data_dir);
    size_t len = 0;
    cleanup_free char *old = agent_fs_read(path, &len);
    if (old != NULL && len == AGENT_ID_KEY_SIZE) {
        memcpy(key, old, AGENT_ID_KEY_SIZE);
        OPENSSL_cleanse(old, len);
        return 0;
    }
    if (getrandom(key, AGENT_ID_KEY_SIZE, 0) != AGENT_ID_KEY_SIZE)
        return ecs_server_err(err, "cannot draw random bytes: %s", strerror(errno));
    return agent_fs_write_atomic(path, key, AGENT_ID_KEY_SIZE, err);
}

static int parse_endpoint(const char *s, struct sockaddr_in *sa, char ip[INET_ADDRSTRLEN], ecs_error_t *err)
{
    const char *colon = strrchr(s, ':');
    char *end;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    if (colon == NULL || (size_t)(colon - s) >= INET_ADDRSTRLEN || *end != '\0' || port < 1 || port > 65535)
        return ecs_invalid_param(err, "--task-endpoint '%.200s' is not IPV4ADDRESS:PORT", s);
    memcpy(ip, s, (size_t)(colon - s));
    ip[colon - s] = '\0';
    *sa = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ip, &sa->sin_addr) != 1)
        return ecs_invalid_param(err, "--task-endpoint '%.200s': not an IPv4 address", s);
    return 0;
}

/* Whether the address can be bound here (it is local). */
static bool bindable(const struct sockaddr_in *sa)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return true; /* let the real bind say */
    struct sockaddr_in probe = *sa;
    probe.sin_port = 0;
    bool ok = bind(fd, (struct sockaddr *)&probe, sizeof probe) == 0 || errno != EADDRNOTAVAIL;
    close(fd);
    return ok;
}

int agent_tmds_start(agent_t *a, ecs_error_t *err)
{
    agent_tmds_cfg_t cfg = {.url = "", .region = a->opts.region, .az = a->opts.availability_zone};
    if (id_key(a, cfg.key, err) < 0)
        return -1;
    const char *ep = a->opts.task_endpoint;
    int rc = 0;
    char url[64] = "";
    if (ep != NULL && ep[0] != '\0') {
        struct sockaddr_in sa;
        a->tmds = calloc(1, sizeof *a->tmds);
        if (a->tmds == NULL)
            rc = ecs_server_err(err, "out of memory");
        else if (parse_endpoint(ep, &sa, a->tmds->ip, err) < 0)
            rc = -1;
        else if (!bindable(&sa) && a->opts.task_endpoint_setup &&
                 agent_net_add_local(a->tmds->ip, &a->tmds->added, err) < 0)
            rc = -1;
        if (rc == 0) {
            a->tmds->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                                               on_request, a, MHD_OPTION_SOCK_ADDR, &sa,
                                               MHD_OPTION_THREAD_POOL_SIZE, (unsigned)POOL_THREADS,
                                               MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
            if (a->tmds->daemon == NULL)
                rc = ecs_server_err(err, "task metadata endpoint: cannot listen on %.200s (address in use?)", ep);
        }
        if (rc == 0) {
            uint16_t port = ntohs(sa.sin_port);
            if (port == 80)
                snprintf(url, sizeof url, "http://%s", a->tmds->ip);
            else
                snprintf(url, sizeof url, "http://%s:%u", a->tmds->ip, port);
            log_info("task metadata endpoint on %s", url);
        } else {
            agent_tmds_stop(a);
        }
    }
    cfg.url = url;
    agent_engine_set_tmds(a->engine, &cfg);
    OPENSSL_cleanse(cfg.key, sizeof cfg.key);
    return rc;
}

void agent_tmds_stop(agent_t *a)
{
    if (a->tmds == NULL)
        return;
    if (a->tmds->daemon != NULL)
        MHD_stop_daemon(a->tmds->daemon);
    if (a->tmds->added)
        agent_net_del_local(a->tmds->ip);
    free(a->tmds);
    a->tmds = NULL;
}
