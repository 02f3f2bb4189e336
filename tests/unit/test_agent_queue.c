/* Tests for agent/agent_queue.c: the on-disk outbox. Push, reopen, replay,
 * ack, a torn last line, rewriting. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "agent/agent_queue.h"
#include "test.h"

typedef struct qdir {
    char dir[64], path[128];
} qdir_t;

static int qdir_make(qdir_t *d)
{
    snprintf(d->dir, sizeof d->dir, "/tmp/ecsd-queue-XXXXXX");
    if (mkdtemp(d->dir) == NULL)
        return -1;
    snprintf(d->path, sizeof d->path, "%s/queue.log", d->dir);
    return 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

TEST(agent_queue_push_reopen_ack)
{
    qdir_t d;
    REQUIRE(qdir_make(&d) == 0);
    ecs_error_t err;
    agent_queue_t *q = NULL;
    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 0);
    CHECK(!agent_queue_wait(q, 10));
    CHECK(agent_queue_push(q, "SubmitContainerStateChange", "{\"n\":1}", &err) == 0);
    CHECK(agent_queue_push(q, "SubmitTaskStateChange", "{\"n\":2,\"s\":\"a \\\"quoted\\\"\\nline\"}", &err) == 0);
    CHECK(agent_queue_push(q, "SubmitTaskStateChange", "{\"n\":3}", &err) == 0);
    CHECK(agent_queue_wait(q, 10));
    agent_queue_item_t it;
    REQUIRE(agent_queue_peek(q, &it) == 1);
    CHECK_STR(it.op, "SubmitContainerStateChange");
    CHECK_STR(it.body, "{\"n\":1}");
    CHECK(agent_queue_ack(q, it.seq + 1, &err) < 0); /* only the head */
    CHECK(agent_queue_ack(q, it.seq, &err) == 0);
    agent_queue_item_clear(&it);
    agent_queue_close(q); /* like a crash after the first ack */

    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 2);
    REQUIRE(agent_queue_peek(q, &it) == 1);
    CHECK_STR(it.op, "SubmitTaskStateChange");
    CHECK_STR(it.body, "{\"n\":2,\"s\":\"a \\\"quoted\\\"\\nline\"}");
    uint64_t seq2 = it.seq;
    CHECK(agent_queue_ack(q, it.seq, &err) == 0);
    agent_queue_item_clear(&it);
    CHECK(agent_queue_push(q, "SubmitTaskStateChange", "{\"n\":4}", &err) == 0);
    REQUIRE(agent_queue_peek(q, &it) == 1);
    CHECK_STR(it.body, "{\"n\":3}");
    CHECK(it.seq > seq2);
    CHECK(agent_queue_ack(q, it.seq, &err) == 0);
    agent_queue_item_clear(&it);
    REQUIRE(agent_queue_peek(q, &it) == 1);
    CHECK_STR(it.body, "{\"n\":4}");
    CHECK(agent_queue_ack(q, it.seq, &err) == 0);
    agent_queue_item_clear(&it);
    CHECK_INT(agent_queue_pending(q), 0);
    CHECK_INT(file_size(d.path), 0); /* nothing pending: the file is emptied */
    CHECK(agent_queue_peek(q, &it) == 0);
    agent_queue_close(q);

    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 0);
    agent_queue_close(q);
    agent_fs_remove_tree(d.dir);
}

TEST(agent_queue_torn_line_and_garbage)
{
    qdir_t d;
    REQUIRE(qdir_make(&d) == 0);
    FILE *f = fopen(d.path, "w");
    REQUIRE(f != NULL);
    fputs("{\"seq\":5,\"op\":\"A\",\"body\":\"{}\"}\n"
          "not json at all\n"
          "{\"seq\":6,\"op\":\"B\",\"body\":\"{\\\"x\\\":1}\"}\n"
          "{\"ack\":5}\n"
          "{\"seq\":7,\"op\":\"C\",\"body\":\"{}\"}\n"
          "{\"seq\":8,\"op\":\"D\",\"bo",
          f);
    fclose(f);
    ecs_error_t err;
    agent_queue_t *q = NULL;
    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 2); /* 6 and 7; 5 acked, 8 torn */
    agent_queue_item_t it;
    REQUIRE(agent_queue_peek(q, &it) == 1);
    CHECK_INT(it.seq, 6);
    CHECK_STR(it.op, "B");
    CHECK_STR(it.body, "{\"x\":1}");
    agent_queue_item_clear(&it);
    CHECK(agent_queue_push(q, "E", "{}", &err) == 0);
    agent_queue_close(q);
    /* the file was rewritten on open: the new entry follows complete lines */
    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 3);
    for (int want = 6; want <= 8; want++) {
        REQUIRE(agent_queue_peek(q, &it) == 1);
        CHECK_INT(it.seq, want);
        CHECK(agent_queue_ack(q, it.seq, &err) == 0);
        agent_queue_item_clear(&it);
    }
    agent_queue_close(q);
    agent_fs_remove_tree(d.dir);
}

TEST(agent_queue_rewrites_when_large)
{
    qdir_t d;
    REQUIRE(qdir_make(&d) == 0);
    ecs_error_t err;
    agent_queue_t *q = NULL;
    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    char body[2048];
    memset(body, 'x', sizeof body - 1);
    body[0] = '"';
    body[sizeof body - 2] = '"';
    body[sizeof body - 1] = '\0';
    /* a backlog of 700 entries (1.4 MB), acknowledged down to 10 */
    for (int i = 0; i < 700; i++)
        CHECK(agent_queue_push(q, "X", body, &err) == 0);
    CHECK(file_size(d.path) > (1L << 20));
    for (int i = 0; i < 690; i++) {
        agent_queue_item_t it;
        REQUIRE(agent_queue_peek(q, &it) == 1);
        CHECK(agent_queue_ack(q, it.seq, &err) == 0);
        agent_queue_item_clear(&it);
    }
    CHECK_INT(agent_queue_pending(q), 10);
    CHECK(file_size(d.path) < (1L << 20)); /* rewritten once mostly acknowledged */
    agent_queue_close(q);
    REQUIRE(agent_queue_open(d.path, &q, &err) == 0);
    CHECK_INT(agent_queue_pending(q), 10);
    agent_queue_close(q);
    agent_fs_remove_tree(d.dir);
}
