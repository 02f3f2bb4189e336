/* Tests for agent/agent_logs_parse.c and agent/agent_logs_map.c: Docker's
 * log framing and times, the awslogs option forms, the checks of a
 * logConfiguration and what the container is created with. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_logs.h"
#include "agent/agent_logs_parse.h"
#include "common/cleanup.h"
#include "test.h"

typedef struct got {
    char lines[8][64];
    int64_t ts[8];
    int stream[8];
    int n;
} got_t;

static void keep(void *arg, int64_t ts_ns, int stream, const char *text, size_t len)
{
    got_t *g = arg;
    if (g->n < 8) {
        snprintf(g->lines[g->n], sizeof g->lines[0], "%.*s", (int)len, text);
        g->ts[g->n] = ts_ns;
        g->stream[g->n++] = stream;
    }
}

static size_t frame(char *out, int stream, const char *payload)
{
    size_t n = strlen(payload);
    unsigned char h[8] = {(unsigned char)stream, 0, 0, 0, (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    memcpy(out, h, 8);
    memcpy(out + 8, payload, n);
    return 8 + n;
}

TEST(agent_logs_framing_multiplexed_split_anywhere)
{
    char buf[512];
    size_t n = frame(buf, 1, "2026-12-04T01:02:03.000000001Z out one\n");
    n += frame(buf + n, 2, "2026-12-04T01:02:03.5Z err two\n");
    /* a long line cut by json-file: two parts, one line, the first part's time */
    n += frame(buf + n, 1, "2026-12-04T01:02:04.000000000Z part-a ");
    n += frame(buf + n, 1, "2026-12-04T01:02:04.100000000Z part-b\n");
    /* fed a byte at a time: framing survives any split */
    for (int step = 1; step <= 7; step += 6) {
        got_t g = {0};
        agent_logs_framer_t f;
        agent_logs_framer_init(&f, false, keep, &g);
        for (size_t i = 0; i < n; i += (size_t)step)
            CHECK_INT(agent_logs_framer_feed(&f, buf + i, i + (size_t)step <= n ? (size_t)step : n - i), 0);
        agent_logs_framer_end(&f);
        REQUIRE(g.n == 3);
        CHECK_STR(g.lines[0], "out one");
        CHECK_STR(g.lines[1], "err two");
        CHECK_STR(g.lines[2], "part-a part-b");
        CHECK_INT(g.stream[0], 1);
        CHECK_INT(g.stream[1], 2);
        CHECK(g.ts[0] == 1796346123000000001LL);
        CHECK(g.ts[1] == 1796346123500000000LL);
        CHECK(g.ts[2] == 1796346124000000000LL);
    }
}

TEST(agent_logs_framing_tty_and_times)
{
    got_t g = {0};
    agent_logs_framer_t f;
    agent_logs_framer_init(&f, true, keep, &g);
    const char *raw = "2026-12-04T01:02:03.25+01:00 a\n2026-12-04T01:02:03Z b\nno time\n2026-12-04T01:02:05Z last";
    CHECK_INT(agent_logs_framer_feed(&f, raw, strlen(raw)), 0);
    agent_logs_framer_end(&f);
    REQUIRE(g.n == 4);
    CHECK_STR(g.lines[0], "a");
    CHECK(g.ts[0] == 1796346123250000000LL - 3600LL * 1000000000LL);
    CHECK_STR(g.lines[2], "no time");
    CHECK(g.ts[2] == 0);
    CHECK_STR(g.lines[3], "last");
    int64_t ns;
    size_t used;
    CHECK_INT(agent_logs_parse_time("2026-13-01T00:00:00Z", 20, &ns, &used), -1);
    CHECK_INT(agent_logs_parse_time("2026-12-01T00:00:00", 19, &ns, &used), -1);
    CHECK_INT(agent_logs_parse_time("1970-01-01T00:00:01.5Z x", 24, &ns, &used), 0);
    CHECK(ns == 1500000000LL);
    CHECK_INT((int)used, 22);
}

TEST(agent_logs_sizes_patterns_utf8)
{
    int64_t b;
    CHECK(agent_logs_parse_size("4m", &b) == 0 && b == 4 << 20);
    CHECK(agent_logs_parse_size("25MB", &b) == 0 && b == 25 << 20);
    CHECK(agent_logs_parse_size("512k", &b) == 0 && b == 512 << 10);
    CHECK(agent_logs_parse_size("1048576", &b) == 0 && b == 1048576);
    CHECK(agent_logs_parse_size("2mib", &b) == 0 && b == 2 << 20);
    CHECK_INT(agent_logs_parse_size("lots", &b), -1);
    CHECK_INT(agent_logs_parse_size("4x", &b), -1);
    char re[512];
    CHECK_INT(agent_logs_datetime_regex("[%Y-%m-%d %H:%M:%S]", re, sizeof re), 0);
    regex_t r;
    REQUIRE(regcomp(&r, re, REG_EXTENDED | REG_NOSUB) == 0);
    CHECK_INT(regexec(&r, "[2026-12-04 01:02:03] start", 0, NULL, 0), 0);
    CHECK(regexec(&r, "  at frame 3", 0, NULL, 0) != 0);
    CHECK(regexec(&r, "x [2026-12-04 01:02:03]", 0, NULL, 0) != 0); /* anchored */
    regfree(&r);
    CHECK_INT(agent_logs_datetime_regex("%Q", re, sizeof re), -1);
    CHECK_INT(agent_logs_pattern_regex("^(?:INFO|ERROR) \\d+[\\s:]", re, sizeof re), 0);
    REQUIRE(regcomp(&r, re, REG_EXTENDED | REG_NOSUB) == 0);
    CHECK_INT(regexec(&r, "ERROR 42: boom", 0, NULL, 0), 0);
    CHECK(regexec(&r, "  at x", 0, NULL, 0) != 0);
    regfree(&r);
    char out[64];
    size_t n = agent_logs_utf8_clean("a\xff" "b\xc3\xa9" "\0c", 7, out);
    CHECK_INT((int)n, 11);
    CHECK(memcmp(out, "a\xEF\xBF\xBD" "b\xc3\xa9" "\xEF\xBF\xBD" "c", 11) == 0);
}

TEST(agent_logs_check_and_map)
{
    static const struct {
        const char *options, *words;
    } bad[] = {
        {"{}", "awslogs-group"},
        {"{\"awslogs-group\":\"g\",\"mode\":\"fast\"}", "'mode' must be blocking or non-blocking"},
        {"{\"awslogs-group\":\"g\",\"max-buffer-size\":\"lots\"}", "max-buffer-size"},
        {"{\"awslogs-group\":\"g\",\"awslogs-create-group\":\"yes\"}", "awslogs-create-group"},
        {"{\"awslogs-group\":\"g\",\"awslogs-datetime-format\":\"%Y\",\"awslogs-multiline-pattern\":\"x\"}",
         "at the same time"},
        {"{\"awslogs-group\":\"g\",\"awslogs-multiline-pattern\":\"(\"}", "not a valid regular expression"},
        {"{\"awslogs-group\":\"g\",\"awslogs-endpoint\":\"ftp://x\"}", "awslogs-endpoint"},
        {"{\"awslogs-group\":\"g\",\"colour\":\"x\"}", "unknown log opt 'colour'"},
    };
    char why[300];
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        cleanup_json json_t *o = json_loads(bad[k].options, 0, NULL);
        why[0] = '\0';
        CHECK_INT(agent_logs_check(o, why, sizeof why), -1);
        if (strstr(why, bad[k].words) == NULL) {
            fprintf(stderr, "  case %zu: '%s' lacks '%s'\n", k, why, bad[k].words);
            CHECK(0);
        }
    }
    cleanup_json json_t *o = json_loads("{\"awslogs-group\":\"/ecs/web\",\"awslogs-region\":\"eu-west-1\","
                                        "\"awslogs-stream-prefix\":\"ecs\",\"awslogs-create-group\":\"true\","
                                        "\"mode\":\"non-blocking\",\"max-buffer-size\":\"2m\","
                                        "\"awslogs-datetime-format\":\"%Y-%m-%d\"}",
                                        0, NULL);
    CHECK_INT(agent_logs_check(o, why, sizeof why), 0);
    cleanup_json json_t *labels = json_object(), *host = json_object();
    agent_logs_map("arn:aws:ecs:eu-west-1:1:task/c/0123abcd", "web", o, labels, host);
    CHECK_STR(json_string_value(json_object_get(json_object_get(host, "LogConfig"), "Type")), "json-file");
    cleanup_json json_t *s = json_loads(json_string_value(json_object_get(labels, AGENT_LOGS_LABEL)), 0, NULL);
    REQUIRE(s != NULL);
    CHECK_STR(json_string_value(json_object_get(s, "stream")), "ecs/web/0123abcd");
    CHECK_STR(json_string_value(json_object_get(s, "group")), "/ecs/web");
    CHECK_STR(json_string_value(json_object_get(s, "region")), "eu-west-1");
    CHECK(json_is_true(json_object_get(s, "create")));
    CHECK(json_is_false(json_object_get(s, "blocking")));
    CHECK(json_integer_value(json_object_get(s, "buffer")) == 2 << 20);
    CHECK(strncmp(json_string_value(json_object_get(s, "multiline")), "^[0-9]{4}-", 10) == 0);
}
