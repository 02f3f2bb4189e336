/* agent_fs.h - the agent's files: atomic replacement (temp file, fsync,
 * rename, fsync of the folder), whole-file reads, folder trees. */
#ifndef ECSD_AGENT_FS_H
#define ECSD_AGENT_FS_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/* Replaces path with data atomically: a crash leaves the old or the new
 * content, never a mix. */
int agent_fs_write_atomic(const char *path, const void *data, size_t len, ecs_error_t *err);
/* The whole file, NUL-terminated (len without the NUL). NULL with errno
 * set (ENOENT when there is no such file). */
char *agent_fs_read(const char *path, size_t *len);
/* mkdir -p. */
int agent_fs_mkdirs(const char *path, mode_t mode, ecs_error_t *err);
/* rm -rf; a missing path is not an error. Does not follow symlinks. */
int agent_fs_remove_tree(const char *path);
/* fsync of the folder that holds path (after a rename or a create). */
int agent_fs_sync_parent(const char *path);

#endif
