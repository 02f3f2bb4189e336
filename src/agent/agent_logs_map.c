/* agent_logs_map.c - an awslogs logConfiguration checked and turned into
 * what the container is created with (see agent_logs.h). */
#include "agent/agent_logs.h"

#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_logs_parse.h"

#define DEFAULT_NONBLOCKING_BUFFER (1 << 20) /* Docker's max-buffer-size default */
#define MAX_BUFFER_LIMIT ((int64_t)256 << 20)

/* The options Docker's awslogs driver takes, plus ECS's stream prefix. */
static const char *const known[] = {
    "awslogs-region", "awslogs-endpoint", "awslogs-group", "awslogs-stream", "awslogs-stream-prefix",
    "awslogs-create-group", "awslogs-datetime-format", "awslogs-multiline-pattern",
    "awslogs-credentials-endpoint", "awslogs-force-flush-interval-seconds", "awslogs-max-buffered-events",
    "awslogs-format", "tag", "mode", "max-buffer-size", NULL};

static const char *opt(const json_t *options, const char *key)
{
    return json_string_value(json_object_get(options, key));
}

/* Go's strconv.ParseBool: 1 true, 0 false, -1 neither. */
static int parse_bool(const char *s)
{
    static const char *const t[] = {"1", "t", "T", "true", "TRUE", "True"}, *const f[] = {"0", "f", "F", "false",
                                                                                             "FALSE", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0)
            return 1;
        if (strcmp(s, f[i]) == 0)
            return 0;
    }
    return -1;
}

/* The start-of-event pattern as an ERE, "" for none; -1 when bad. */
static int multiline(const json_t *options, char *out, size_t size, char *reason, size_t rsize)
{
    const char *dt = opt(options, "awslogs-datetime-format"), *pat = opt(options, "awslogs-multiline-pattern");
    out[0] = '\0';
    if (dt != NULL && pat != NULL) {
        snprintf(reason, rsize, "you cannot configure log opt 'awslogs-datetime-format' and "
                                "'awslogs-multiline-pattern' at the same time");
        return -1;
    }
    if (dt != NULL && agent_logs_datetime_regex(dt, out, size) < 0) {
        snprintf(reason, rsize, "awslogs-datetime-format '%.80s': an unknown %% directive", dt);
        return -1;
    }
    if (pat != NULL && agent_logs_pattern_regex(pat, out, size) < 0) {
        snprintf(reason, rsize, "awslogs-multiline-pattern is too long");
        return -1;
    }
    if (out[0] != '\0') {
        regex_t re;
        int rc = regcomp(&re, out, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            snprintf(reason, rsize, "%s '%.80s' is not a valid regular expression",
                     dt ? "awslogs-datetime-format" : "awslogs-multiline-pattern", dt ? dt : pat);
            return -1;
        }
        regfree(&re);
    }
    return 0;
}

int agent_logs_check(const json_t *options, char *reason, size_t size)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)options, key, v)
    {
        size_t i = 0;
        while (known[i] != NULL && strcmp(known[i], key) != 0)
            i++;
        if (known[i] == NULL) {
            snprintf(reason, size, "unknown log opt '%.60s' for awslogs log driver", key);
            return -1;
        }
        if (!json_is_string(v)) {
            snprintf(reason, size, "log opt '%.60s' must be a string", key);
            return -1;
        }
    }
    const char *group = opt(options, "awslogs-group"), *mode = opt(options, "mode");
    const char *create = opt(options, "awslogs-create-group"), *size_s = opt(options, "max-buffer-size");
    if (group == NULL || group[0] == '\0') {
        snprintf(reason, size, "must specify a value for log opt 'awslogs-group'");
        return -1;
    }
    if (create != NULL && parse_bool(create) < 0) {
        snprintf(reason, size, "log opt 'awslogs-create-group' must be true or false, not '%.40s'", create);
        return -1;
    }
    if (mode != NULL && strcmp(mode, "blocking") != 0 && strcmp(mode, "non-blocking") != 0) {
        snprintf(reason, size, "log opt 'mode' must be blocking or non-blocking, not '%.40s'", mode);
        return -1;
    }
    int64_t bytes;
    if (size_s != NULL && (agent_logs_parse_size(size_s, &bytes) < 0 || bytes < 1 || bytes > MAX_BUFFER_LIMIT)) {
        snprintf(reason, size, "log opt 'max-buffer-size' must be a size such as 4m (at most 256m), not '%.40s'",
                 size_s);
        return -1;
    }
    const char *ep = opt(options, "awslogs-endpoint");
    if (ep != NULL && strncmp(ep, "http://", 7) != 0 && strncmp(ep, "https://", 8) != 0) {
        snprintf(reason, size, "log opt 'awslogs-endpoint' must be an http:// or https:// URL, not '%.80s'", ep);
        return -1;
    }
    char re[1024];
    return multiline(options, re, sizeof re, reason, size);
}

void agent_logs_map(const char *task_arn, const char *name, const json_t *options, json_t *labels, json_t *host)
{
    const char *prefix = opt(options, "awslogs-stream-prefix"), *stream = opt(options, "awslogs-stream");
    const char *mode = opt(options, "mode"), *size_s = opt(options, "max-buffer-size");
    const char *create = opt(options, "awslogs-create-group");
    const char *task_id = strrchr(task_arn, '/') ? strrchr(task_arn, '/') + 1 : task_arn;
    char name_buf[1024] = "", re[1024], reason[256];
    if (stream != NULL)
        snprintf(name_buf, sizeof name_buf, "%s", stream);
    else if (prefix != NULL && prefix[0] != '\0')
        snprintf(name_buf, sizeof name_buf, "%s/%s/%s", prefix, name, task_id);
    bool blocking = mode == NULL || strcmp(mode, "non-blocking") != 0;
    int64_t buffer = 0;
    if (!blocking && (size_s == NULL || agent_logs_parse_size(size_s, &buffer) < 0))
        buffer = DEFAULT_NONBLOCKING_BUFFER;
    if (multiline(options, re, sizeof re, reason, sizeof reason) < 0)
        re[0] = '\0';
    const char *region = opt(options, "awslogs-region"), *ep = opt(options, "awslogs-endpoint");
    json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:I, s:s}", "group", opt(options, "awslogs-group"),
                          "stream", name_buf, "region", region ? region : "", "endpoint", ep ? ep : "",
                          "create", create != NULL && parse_bool(create) == 1, "blocking", blocking, "buffer",
                          (json_int_t)buffer, "multiline", re);
    char *text = s ? json_dumps(s, JSON_COMPACT) : NULL;
    json_decref(s);
    if (text != NULL)
        json_object_set_new(labels, AGENT_LOGS_LABEL, json_string(text));
    free(text);
    /* json-file as Docker's `local` driver bounds itself: 5 files of 20 MiB. */
    json_object_set_new(host, "LogConfig",
                        json_pack("{s:s, s:{s:s, s:s}}", "Type", "json-file", "Config", "max-size", "20m",
                                  "max-file", "5"));
}
