/* log.h - one line per event on stderr: time, level, message; with
 * --log-format json, one JSON object a line ({"time", "level", "msg"}, and
 * for requests "requestId", "operation", "account", "status",
 * "durationMs"), so that log shippers read it without a parser. */
#ifndef ECSD_COMMON_LOG_H
#define ECSD_COMMON_LOG_H

typedef enum log_level { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3 } log_level_t;
typedef enum log_format { LOG_FORMAT_TEXT = 0, LOG_FORMAT_JSON = 1 } log_format_t;

/* Set once at start-up, before threads start. */
void log_set_level(log_level_t level);
void log_set_format(log_format_t format);
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One answered request, at level info: its x-amzn-RequestId, operation
 * (NULL: unknown), account ("" before authentication), HTTP status and
 * time from its last byte read to its answer. */
void log_request(const char *request_id, const char *operation, const char *account, int status, double ms);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
