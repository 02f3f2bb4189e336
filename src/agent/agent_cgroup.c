#include "agent/agent_cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/agent_fs.h"
#include "common/log.h"

#define MIB (1024LL * 1024)
#define MIN_QUOTA_US 1000 /* the kernel's smallest */

/* Writes value into <dir>/<file> (a cgroup control file: one write). */
static int put(const char *dir, const char *file, const char *value, ecs_error_t *err)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t len = strlen(value);
    ssize_t n = fd >= 0 ? write(fd, value, len) : -1;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (n != (ssize_t)len)
        return ecs_err(err, 500, "CgroupError", "cannot write '%s' to %.600s: %s", value, path, strerror(e));
    return 0;
}

static int put_int(const char *dir, const char *file, long long v, ecs_error_t *err)
{
    char s[32];
    snprintf(s, sizeof s, "%lld", v);
    return put(dir, file, s, err);
}

static int mkdirs(const char *path, ecs_error_t *err)
{
    if (agent_fs_mkdirs(path, 0755, err) < 0)
        return ecs_err(err, 500, "CgroupError", "%s", err->message);
    return 0;
}

static long long quota_of(int64_t cpu_units)
{
    long long q = (long long)cpu_units * AGENT_CGROUP_PERIOD_US / 1024;
    return q < MIN_QUOTA_US ? MIN_QUOTA_US : q;
}

static int create_v1(const char *root, const char *task_id, int64_t cpu_units, int64_t shares, int64_t mem_mib,
                     ecs_error_t *err)
{
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/cpu" AGENT_CGROUP_PREFIX "/%s", root, task_id);
    if (mkdirs(dir, err) < 0)
        return -1;
    if (cpu_units > 0) {
        if (put_int(dir, "cpu.cfs_period_us", AGENT_CGROUP_PERIOD_US, err) < 0 ||
            put_int(dir, "cpu.cfs_quota_us", quota_of(cpu_units), err) < 0)
            return -1;
    } else if (put_int(dir, "cpu.shares", shares < 2 ? 2 : shares, err) < 0) {
        return -1;
    }
    snprintf(dir, sizeof dir, "%s/memory" AGENT_CGROUP_PREFIX "/%s", root, task_id);
    if (mkdirs(dir, err) < 0)
        return -1;
    return mem_mib > 0 ? put_int(dir, "memory.limit_in_bytes", mem_mib * MIB, err) : 0;
}

/* v2: controllers are enabled level by level from the root down. */
static int create_v2(const char *root, const char *task_id, int64_t cpu_units, int64_t shares, int64_t mem_mib,
                     ecs_error_t *err)
{
    char top[1024], dir[1100];
    snprintf(top, sizeof top, "%s" AGENT_CGROUP_PREFIX, root);
    snprintf(dir, sizeof dir, "%s/%s", top, task_id);
    if (mkdirs(dir, err) < 0 || put(root, "cgroup.subtree_control", "+cpu +memory", err) < 0 ||
        put(top, "cgroup.subtree_control", "+cpu +memory", err) < 0 ||
        put(dir, "cgroup.subtree_control", "+cpu +memory", err) < 0)
        return -1;
    if (cpu_units > 0) {
        char max[64];
        snprintf(max, sizeof max, "%lld %d", quota_of(cpu_units), AGENT_CGROUP_PERIOD_US);
        if (put(dir, "cpu.max", max, err) < 0)
            return -1;
    } else if (put_int(dir, "cpu.weight", 1 + ((shares < 2 ? 2 : shares) - 2) * 9999 / 262142, err) < 0) {
        return -1; /* shares 2..262144 onto weight 1..10000, as runc converts them */
    }
    return mem_mib > 0 ? put_int(dir, "memory.max", mem_mib * MIB, err) : 0;
}

int agent_cgroup_create(const char *root, int version, const char *task_id, int64_t cpu_units, int64_t shares,
                        int64_t mem_mib, char parent[AGENT_CGROUP_PARENT_MAX], ecs_error_t *err)
{
    if (task_id[0] == '\0' || strchr(task_id, '/') != NULL || strcmp(task_id, "..") == 0)
        return ecs_err(err, 500, "CgroupError", "bad task id '%.80s'", task_id);
    int rc = version == 2   ? create_v2(root, task_id, cpu_units, shares, mem_mib, err)
             : version == 1 ? create_v1(root, task_id, cpu_units, shares, mem_mib, err)
                            : ecs_err(err, 500, "CgroupError", "unknown cgroup version %d", version);
    if (rc == 0)
        snprintf(parent, AGENT_CGROUP_PARENT_MAX, AGENT_CGROUP_PREFIX "/%s", task_id);
    return rc;
}

static int remove_dir(const char *path)
{
    if (rmdir(path) == 0 || errno == ENOENT)
        return 0;
    log_warn("cannot remove cgroup %s: %s", path, strerror(errno));
    return -1;
}

int agent_cgroup_remove(const char *root, int version, const char *task_id)
{
    char path[1200];
    if (version == 2) {
        snprintf(path, sizeof path, "%s" AGENT_CGROUP_PREFIX "/%s", root, task_id);
        return remove_dir(path);
    }
    /* v1: runc made the folder in every hierarchy, not only cpu and memory */
    DIR *d = opendir(root);
    if (d == NULL)
        return errno == ENOENT ? 0 : -1;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s" AGENT_CGROUP_PREFIX "/%s", root, e->d_name, task_id);
        if (remove_dir(path) < 0)
            rc = -1;
    }
    closedir(d);
    return rc;
}
