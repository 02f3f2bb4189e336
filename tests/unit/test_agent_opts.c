/* Tests for agent/agent_opts.c and agent/agent_host.c: durations, port
 * lists, meminfo, totalResources. */
#include <string.h>

#include "agent/agent_host.h"
#include "agent/agent_opts.h"
#include "common/cleanup.h"
#include "test.h"

TEST(agent_parse_duration)
{
    int64_t ms = -1;
    CHECK(agent_parse_duration("3h", &ms) == 0 && ms == 3LL * 3600 * 1000);
    CHECK(agent_parse_duration("10m", &ms) == 0 && ms == 600000);
    CHECK(agent_parse_duration("30s", &ms) == 0 && ms == 30000);
    CHECK(agent_parse_duration("45", &ms) == 0 && ms == 45000);
    CHECK(agent_parse_duration("500ms", &ms) == 0 && ms == 500);
    CHECK(agent_parse_duration("0", &ms) == 0 && ms == 0);
    CHECK(agent_parse_duration("", &ms) < 0);
    CHECK(agent_parse_duration("-1s", &ms) < 0);
    CHECK(agent_parse_duration("3d", &ms) < 0);
    CHECK(agent_parse_duration("h", &ms) < 0);
    CHECK(agent_parse_duration("99999999999999999999h", &ms) < 0);
}

TEST(agent_parse_ports)
{
    uint16_t p[4];
    size_t n = 9;
    CHECK(agent_parse_ports("", p, 4, &n) == 0 && n == 0);
    CHECK(agent_parse_ports("8080,9000 9001", p, 4, &n) == 0 && n == 3 && p[0] == 8080 && p[2] == 9001);
    CHECK(agent_parse_ports("1,2,3,4,5", p, 4, &n) < 0);
    CHECK(agent_parse_ports("0", p, 4, &n) < 0);
    CHECK(agent_parse_ports("65536", p, 4, &n) < 0);
    CHECK(agent_parse_ports("80x", p, 4, &n) < 0);
}

TEST(agent_host_meminfo_and_resources)
{
    int64_t mib = 0;
    CHECK(agent_host_parse_meminfo("MemTotal:       24684104 kB\nMemFree:  1 kB\n", &mib) == 0);
    CHECK_INT(mib, 24105);
    CHECK(agent_host_parse_meminfo("Other: 1 kB\nMemTotal: 2048 kB\n", &mib) == 0 && mib == 2);
    CHECK(agent_host_parse_meminfo("MemFree: 1 kB\n", &mib) < 0);
    uint16_t extra[] = {8080, 22};
    cleanup_json json_t *r = agent_host_total_resources(2, 3000, extra, 2);
    REQUIRE(json_array_size(r) == 4);
    CHECK_STR(json_string_value(json_object_get(json_array_get(r, 0), "name")), "CPU");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(r, 0), "integerValue")), 2048);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(r, 1), "integerValue")), 3000);
    json_t *ports = json_object_get(json_array_get(r, 2), "stringSetValue");
    CHECK_INT(json_array_size(ports), 6); /* 22 2375 2376 51678 51679 8080: 22 once */
    CHECK_STR(json_string_value(json_array_get(ports, 4)), "51679");
    CHECK_STR(json_string_value(json_array_get(ports, 5)), "8080");
    CHECK_STR(json_string_value(json_object_get(json_array_get(r, 3), "name")), "PORTS_UDP");
    CHECK_INT(json_array_size(json_object_get(json_array_get(r, 3), "stringSetValue")), 0);
    json_t *host = NULL;
    ecs_error_t err;
    CHECK(agent_host_resources(1LL << 40, NULL, 0, &host, &err) < 0); /* reserve above the host's memory */
    REQUIRE(agent_host_resources(0, NULL, 0, &host, &err) == 0);
    CHECK(json_integer_value(json_object_get(json_array_get(host, 0), "integerValue")) >= 1024);
    json_decref(host);
}
