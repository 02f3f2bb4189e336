#include "common/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const names[] = {"debug", "info", "warn", "error"};

/* Written once before threads start, read-only afterwards. */
static log_level_t min_level = LOG_INFO;
static log_format_t format = LOG_FORMAT_TEXT;

void log_set_level(log_level_t level) { min_level = level; }
void log_set_format(log_format_t f) { format = f; }

static void stamp(char out[40])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

/* One JSON object a line; fields is taken over. */
static void emit_json(log_level_t level, const char *msg, json_t *fields)
{
    char at[40];
    stamp(at);
    json_t *o = json_pack("{s:s, s:s, s:s}", "time", at, "level", names[level], "msg", msg);
    if (o != NULL && fields != NULL)
        json_object_update(o, fields);
    json_decref(fields);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    json_decref(o);
    if (text != NULL)
        fprintf(stderr, "%s\n", text); /* one call: lines from threads do not interleave */
    free(text);
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (format == LOG_FORMAT_JSON) {
        emit_json(level, msg, NULL);
        return;
    }
    char at[40];
    stamp(at);
    fprintf(stderr, "%s %s %s\n", at, names[level], msg); /* one call: lines do not interleave */
}

void log_request(const char *request_id, const char *operation, const char *account, int status, double ms)
{
    if (LOG_INFO < min_level)
        return;
    if (format == LOG_FORMAT_JSON) {
        emit_json(LOG_INFO, "request",
                  json_pack("{s:s, s:s?, s:s, s:i, s:f}", "requestId", request_id ? request_id : "", "operation",
                            operation, "account", account ? account : "", "status", status, "durationMs",
                            (double)(long long)(ms * 1000) / 1000));
        return;
    }
    log_msg(LOG_INFO, "request %s: %s account %s: %d in %.3f ms", request_id ? request_id : "-",
            operation ? operation : "-", account && account[0] ? account : "-", status, ms);
}
