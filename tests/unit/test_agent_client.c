/* Tests for agent/agent_client.c with several endpoints (issue 16 point 4):
 * a call goes to the endpoint that answered last, and on to the next of the
 * list when that one gives no answer or a 503; any other answer is the
 * server's. Two tiny HTTP servers (libmicrohttpd, as the server uses) play
 * the ecsd servers. */
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_client.h"
#include "common/cleanup.h"
#include "test.h"

typedef struct fake_server {
    struct MHD_Daemon *d;
    unsigned port;
    atomic_int calls;
    atomic_int status; /* what it answers */
} fake_server_t;

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **state)
{
    (void)url, (void)method, (void)version, (void)data;
    fake_server_t *f = cls;
    if (*state == NULL) { /* the headers: the body follows */
        *state = f;
        return MHD_YES;
    }
    if (*size > 0) {
        *size = 0;
        return MHD_YES;
    }
    atomic_fetch_add(&f->calls, 1);
    int status = atomic_load(&f->status);
    const char *body = status == 200 ? "{\"ok\":true}" : "{\"__type\":\"ServerException\",\"message\":\"busy\"}";
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, r);
    MHD_destroy_response(r);
    return rc;
}

static int fake_start(fake_server_t *f, unsigned port)
{
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, answer, f,
                            MHD_OPTION_END);
    if (f->d == NULL)
        return -1;
    f->port = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return 0;
}

static void fake_stop(fake_server_t *f)
{
    if (f->d != NULL)
        MHD_stop_daemon(f->d);
    f->d = NULL;
}

static int call(agent_client_t *c)
{
    json_t *out = NULL;
    ecs_error_t err = {0};
    int rc = agent_client_call(c, "ListClusters", "{}", &out, &err);
    json_decref(out);
    return rc == 0 ? 200 : err.status;
}

TEST(agent_client_moves_to_the_next_endpoint)
{
    fake_server_t a = {0}, b = {0};
    atomic_init(&a.status, 200);
    atomic_init(&b.status, 200);
    REQUIRE(fake_start(&a, 0) == 0);
    REQUIRE(fake_start(&b, 0) == 0);
    char list[128];
    snprintf(list, sizeof list, "http://127.0.0.1:%u,http://127.0.0.1:%u/", a.port, b.port);
    agent_client_t *c = agent_client_new(list, "us-east-1", "AKID", "secret");
    REQUIRE(c != NULL);
    CHECK_INT(agent_client_endpoints(c), 2);
    CHECK_INT(call(c), 200);
    CHECK_INT(atomic_load(&a.calls), 1); /* the first of the list */
    CHECK_INT(atomic_load(&b.calls), 0);
    /* a stops answering: the call goes on to b, and the next ones start there */
    unsigned a_port = a.port;
    fake_stop(&a);
    CHECK_INT(call(c), 200);
    CHECK_INT(atomic_load(&b.calls), 1);
    REQUIRE(fake_start(&a, a_port) == 0);
    CHECK_INT(call(c), 200);
    CHECK_INT(atomic_load(&a.calls), 1); /* a is back but b answered last */
    CHECK_INT(atomic_load(&b.calls), 2);
    /* b says 503 (its database is away): on to a */
    atomic_store(&b.status, 503);
    CHECK_INT(call(c), 200);
    CHECK_INT(atomic_load(&a.calls), 2);
    CHECK_INT(atomic_load(&b.calls), 3);
    /* a 500 is the server's answer, not a reason to ask another */
    atomic_store(&a.status, 500);
    CHECK_INT(call(c), 500);
    CHECK_INT(atomic_load(&a.calls), 3);
    CHECK_INT(atomic_load(&b.calls), 3);
    /* none answers: the error of the last */
    fake_stop(&a);
    fake_stop(&b);
    CHECK_INT(call(c), AGENT_CLIENT_UNREACHABLE);
    agent_client_free(c);
}

TEST(agent_client_refuses_malformed_lists)
{
    const char *bad[] = {"", "http://a,", ",http://a", "http://", "a,b", "http://a,,http://b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        agent_client_t *c = agent_client_new(bad[i], "us-east-1", "k", "s");
        CHECK(c == NULL);
        agent_client_free(c);
    }
}
