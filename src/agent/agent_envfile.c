/* agent_envfile.c - environment files (agent/agent_envfile.h). */
#include "agent/agent_envfile.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_PREFIX "arn:aws:s3:::"

static bool known(const json_t *pairs, const char *name, size_t len)
{
    size_t i;
    const json_t *p;
    json_array_foreach(pairs, i, p)
    {
        const char *k = json_string_value(json_array_get(p, 0));
        if (k != NULL && strlen(k) == len && memcmp(k, name, len) == 0)
            return true;
    }
    return false;
}

int agent_envfile_parse(const char *text, size_t n, json_t *pairs)
{
    int skipped = 0;
    size_t at = 0;
    while (at < n) {
        const char *line = text + at;
        const char *nl = memchr(line, '\n', n - at);
        size_t len = nl ? (size_t)(nl - line) : n - at;
        at += len + (nl ? 1 : 0);
        if (len > 0 && line[len - 1] == '\r')
            len--;
        if (len == 0 || line[0] == '#')
            continue;
        const char *eq = memchr(line, '=', len);
        if (eq == NULL || eq == line || memchr(line, '\0', len) != NULL) {
            skipped++;
            continue;
        }
        size_t klen = (size_t)(eq - line);
        json_t *k = json_stringn(line, klen), *v = json_stringn(eq + 1, len - klen - 1);
        if (k == NULL || v == NULL) { /* not UTF-8: Docker would refuse it too */
            json_decref(k);
            json_decref(v);
            skipped++;
            continue;
        }
        if (known(pairs, line, klen)) {
            json_decref(k);
            json_decref(v);
            continue;
        }
        json_array_append_new(pairs, json_pack("[o, o]", k, v));
    }
    return skipped;
}

int agent_envfile_path(const char *dir, const char *value, char *out, size_t cap, char *why, size_t why_cap)
{
    if (strncmp(value, S3_PREFIX, strlen(S3_PREFIX)) != 0) {
        snprintf(why, why_cap, "%.300s is not an S3 object ARN (arn:aws:s3:::BUCKET/KEY)", value);
        return -1;
    }
    const char *rest = value + strlen(S3_PREFIX);
    const char *slash = strchr(rest, '/');
    if (slash == NULL || slash == rest || slash[1] == '\0') {
        snprintf(why, why_cap, "%.300s names no bucket and key", value);
        return -1;
    }
    /* No empty, "." or ".." component: the key stays under its bucket. */
    for (const char *p = rest; *p != '\0';) {
        size_t len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.')) {
            snprintf(why, why_cap, "%.300s: the key has an empty, '.' or '..' part", value);
            return -1;
        }
        p += len + (p[len] == '/' ? 1 : 0);
    }
    char root[PATH_MAX], joined[PATH_MAX + 8], real[PATH_MAX];
    if (realpath(dir, root) == NULL) {
        snprintf(why, why_cap, "the env files folder %.300s does not exist", dir);
        return -1;
    }
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", root, rest) >= sizeof joined) {
        snprintf(why, why_cap, "%.300s: the path is too long", value);
        return -1;
    }
    if (realpath(joined, real) == NULL) {
        snprintf(why, why_cap, "%.300s: no file %.300s", value, joined);
        return -1;
    }
    size_t rl = strlen(root);
    if (strncmp(real, root, rl) != 0 || real[rl] != '/') {
        snprintf(why, why_cap, "%.300s: the file lies outside the env files folder", value);
        return -1;
    }
    if (strlen(real) >= cap) {
        snprintf(why, why_cap, "%.300s: the path is too long", value);
        return -1;
    }
    snprintf(out, cap, "%s", real);
    return 0;
}
