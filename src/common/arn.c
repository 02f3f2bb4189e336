#include "common/arn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *arn_build(const char *region, const char *account, const char *type, const char *path)
{
    char *s = NULL;
    if (asprintf(&s, "arn:aws:ecs:%s:%s:%s/%s", region, account, type, path) < 0)
        abort(); /* out of memory: the process cannot go on */
    return s;
}

bool arn_is_arn(const char *s) { return strncmp(s, "arn:", 4) == 0; }

bool arn_part_eq(const char *part, size_t len, const char *s)
{
    return strlen(s) == len && memcmp(part, s, len) == 0;
}

int arn_parse(const char *s, arn_parts_t *out)
{
    static const char prefix[] = "arn:aws:ecs:";
    if (strncmp(s, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *p = s + sizeof prefix - 1;
    const char *colon = strchr(p, ':');
    if (colon == NULL || colon == p)
        return -1;
    out->region = p;
    out->region_len = (size_t)(colon - p);
    p = colon + 1;
    colon = strchr(p, ':');
    if (colon == NULL || colon == p)
        return -1;
    out->account = p;
    out->account_len = (size_t)(colon - p);
    p = colon + 1;
    const char *slash = strchr(p, '/');
    if (slash == NULL || slash == p || slash[1] == '\0')
        return -1;
    out->type = p;
    out->type_len = (size_t)(slash - p);
    out->path = slash + 1;
    out->path_len = strlen(slash + 1);
    return 0;
}
