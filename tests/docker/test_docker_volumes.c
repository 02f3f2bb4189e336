/* Tests of the Docker client's system and volume calls against the real
 * dockerd of scripts/docker-netns.sh (DOCKER_HOST): /version and /info as
 * the agent reads its capabilities from them, named volumes created twice
 * (idempotent), inspected, removed, and the errors of each. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../unit/test.h"
#include "agent/agent_caps.h"
#include "agent/docker.h"
#include "common/cleanup.h"

static docker_t *engine(void)
{
    const char *host = getenv("DOCKER_HOST");
    return host != NULL && strncmp(host, "unix://", 7) == 0 ? docker_new(host) : NULL;
}

TEST(docker_system_version_and_info_give_the_capabilities)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    ecs_error_t err;
    cleanup_json json_t *version = NULL, *info = NULL;
    REQUIRE(docker_system(d, "version", &version, &err) == 0);
    REQUIRE(docker_system(d, "info", &info, &err) == 0);
    CHECK(json_string_value(json_object_get(version, "ApiVersion")) != NULL);
    agent_caps_t c;
    agent_caps_from_docker(version, info, &c);
    CHECK(c.api_minor >= 24);
    CHECK(c.cgroup_version == 1 || c.cgroup_version == 2);
    CHECK(agent_caps_log_driver(&c, "json-file") && agent_caps_log_driver(&c, "none"));
    CHECK(c.arch[0] != '\0');
    cleanup_json json_t *nothing = NULL;
    CHECK(docker_system(d, "no-such-endpoint", &nothing, &err) < 0);
    CHECK(nothing == NULL && err.status == 404);
    docker_free(d);
}

TEST(docker_volume_create_inspect_remove)
{
    docker_t *d = engine();
    REQUIRE(d != NULL);
    char name[64];
    snprintf(name, sizeof name, "ecsd-test-vol-%d", (int)getpid());
    cleanup_json json_t *body =
        json_pack("{s:s, s:s, s:{s:s}, s:{s:s, s:s}}", "Name", name, "Driver", "local", "Labels", "purpose", "test",
                  "DriverOpts", "type", "tmpfs", "device", "tmpfs");
    ecs_error_t err;
    REQUIRE(docker_volume_create(d, body, &err) == 0);
    CHECK_INT(docker_volume_create(d, body, &err), 0); /* again: the same volume */
    json_t *info = NULL;
    REQUIRE(docker_volume_inspect(d, name, &info, &err) == 1);
    CHECK_STR(json_string_value(json_object_get(info, "Driver")), "local");
    CHECK_STR(json_string_value(json_object_get(json_object_get(info, "Labels"), "purpose")), "test");
    json_decref(info);
    CHECK_INT(docker_volume_remove(d, name, &err), 0);
    CHECK_INT(docker_volume_inspect(d, name, &info, &err), 0);
    CHECK(info == NULL);
    CHECK_INT(docker_volume_remove(d, name, &err), 0); /* not there: fine */
    /* a driver the engine does not have */
    cleanup_json json_t *bad = json_pack("{s:s, s:s}", "Name", name, "Driver", "ecsd-no-such-driver");
    CHECK_INT(docker_volume_create(d, bad, &err), -1);
    CHECK_STR(err.type, "CannotCreateVolumeError");
    CHECK(err.message[0] != '\0');
    docker_free(d);
}
