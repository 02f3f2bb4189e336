/* agent_envfile.h - a container's environmentFiles: where an operator's
 * folder (--env-files-dir) holds the file an S3 ARN names, and ECS's
 * rules for reading one. Pure, no I/O but agent_envfile_path's realpath.
 *
 * ecsd has no S3: the value arn:aws:s3:::BUCKET/KEY names the file
 * DIR/BUCKET/KEY, which must lie inside DIR after symbolic links are
 * followed (docs/agent.md).
 */
#ifndef ECSD_AGENT_ENVFILE_H
#define ECSD_AGENT_ENVFILE_H

#include <jansson.h>
#include <stddef.h>

/* A file's size limit: larger ones fail the task. */
#define AGENT_ENVFILE_MAX (1 << 20)

/* Appends the VARIABLE=VALUE lines of text (n bytes) to pairs, an array
 * of [name, value], as ECS reads an environment file: blank lines and
 * lines starting with '#' are ignored, a line is split at its first '='
 * (spaces and quotes are part of the value), a trailing CR goes; a name
 * already in pairs keeps its first value (the first file and line win).
 * A line without '=', with an empty name or with a NUL byte is skipped.
 * Returns the number of lines skipped. */
int agent_envfile_parse(const char *text, size_t n, json_t *pairs);

/* The file of value under dir: 0 with its path in out, or -1 with why. */
int agent_envfile_path(const char *dir, const char *value, char *out, size_t cap, char *why, size_t why_cap);

#endif
