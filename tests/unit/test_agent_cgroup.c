/* Tests for agent/agent_cgroup.c in a folder standing in for /sys/fs/cgroup:
 * the files and values each cgroup version gets, the parent, removal. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/agent_cgroup.h"
#include "agent/agent_fs.h"
#include "common/cleanup.h"
#include "test.h"

static char *read_at(const char *root, const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    return agent_fs_read(path, NULL);
}

static bool is_dir(const char *root, const char *rel)
{
    char path[1024];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", root, rel);
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(agent_cgroup_v1_limits_and_removal)
{
    char root[] = "/tmp/ecsd-cg-XXXXXX";
    REQUIRE(mkdtemp(root) != NULL);
    char parent[AGENT_CGROUP_PARENT_MAX];
    ecs_error_t err;
    REQUIRE(agent_cgroup_create(root, 1, "abc123", 512, 0, 256, parent, &err) == 0);
    CHECK_STR(parent, "/ecs/abc123");
    cleanup_free char *period = read_at(root, "cpu/ecs/abc123/cpu.cfs_period_us");
    cleanup_free char *quota = read_at(root, "cpu/ecs/abc123/cpu.cfs_quota_us");
    cleanup_free char *mem = read_at(root, "memory/ecs/abc123/memory.limit_in_bytes");
    CHECK_STR(period, "100000");
    CHECK_STR(quota, "50000"); /* half a vCPU */
    CHECK_STR(mem, "268435456");
    /* memory only: cpu shares from the containers, at least 2 */
    REQUIRE(agent_cgroup_create(root, 1, "def456", 0, 0, 64, parent, &err) == 0);
    cleanup_free char *shares = read_at(root, "cpu/ecs/def456/cpu.shares");
    CHECK_STR(shares, "2");
    CHECK(agent_cgroup_create(root, 1, "../x", 1, 0, 1, parent, &err) < 0);
    /* removal: the task folders in every hierarchy (empty once Docker is done) */
    char path[1024];
    static const char *const files[] = {"cpu/ecs/abc123/cpu.cfs_period_us", "cpu/ecs/abc123/cpu.cfs_quota_us",
                                        "memory/ecs/abc123/memory.limit_in_bytes"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/pids/ecs/abc123", root);
    REQUIRE(agent_fs_mkdirs(path, 0755, &err) == 0);
    CHECK_INT(agent_cgroup_remove(root, 1, "abc123"), 0);
    CHECK(!is_dir(root, "cpu/ecs/abc123") && !is_dir(root, "memory/ecs/abc123") && !is_dir(root, "pids/ecs/abc123"));
    CHECK(is_dir(root, "cpu/ecs/def456"));
    agent_fs_remove_tree(root);
}

TEST(agent_cgroup_v2_limits)
{
    char root[] = "/tmp/ecsd-cg-XXXXXX";
    REQUIRE(mkdtemp(root) != NULL);
    char parent[AGENT_CGROUP_PARENT_MAX];
    ecs_error_t err;
    REQUIRE(agent_cgroup_create(root, 2, "t1", 2048, 0, 1024, parent, &err) == 0);
    CHECK_STR(parent, "/ecs/t1");
    cleanup_free char *max = read_at(root, "ecs/t1/cpu.max");
    cleanup_free char *mem = read_at(root, "ecs/t1/memory.max");
    cleanup_free char *sub = read_at(root, "ecs/cgroup.subtree_control");
    CHECK_STR(max, "200000 100000");
    CHECK_STR(mem, "1073741824");
    CHECK_STR(sub, "+cpu +memory");
    CHECK(agent_cgroup_create(root, 0, "t2", 1, 0, 1, parent, &err) < 0);
    CHECK_STR(err.type, "CgroupError");
    agent_fs_remove_tree(root);
}
