/* agent_logs_parse.h - the pure pieces of awslogs shipping (no I/O, unit
 * tested): Docker's log stream framing, its timestamps, the awslogs
 * options' value forms (max-buffer-size, awslogs-datetime-format,
 * awslogs-multiline-pattern) and text that must become valid UTF-8 for a
 * JSON string.
 *
 * Docker's GET /containers/{id}/logs answer (timestamps=1): without a TTY
 * it is multiplexed, each message a frame [stream 1|2, 0, 0, 0, size as 4
 * bytes big-endian] + payload; with a TTY it is the raw text. Each message
 * starts with its time, RFC 3339 with nanoseconds, and a space. A message
 * that does not end with '\n' is a part of a longer line (json-file cuts
 * lines at 16 KiB): the parts are joined into one line.
 */
#ifndef ECSD_AGENT_LOGS_PARSE_H
#define ECSD_AGENT_LOGS_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line longer than this is cut (the rest of it is dropped). */
#define AGENT_LOGS_LINE_MAX ((size_t)1 << 20)

/* A complete line: its time (ns since the epoch, of its first part), the
 * stream (1 stdout, 2 stderr, 0 with a TTY), text without the '\n'. */
typedef void (*agent_logs_line_fn)(void *arg, int64_t ts_ns, int stream, const char *text, size_t len);

typedef struct agent_logs_framer {
    bool tty;          /* raw stream, no frame headers */
    unsigned char hdr[8];
    size_t hdr_len;    /* bytes of the current header read */
    size_t left;       /* payload bytes of the current frame still to come */
    int stream;        /* of the current frame */
    char *msg;         /* the message being received (timestamp included) */
    size_t msg_len, msg_cap;
    char *line;        /* parts of a long line joined so far (no timestamps) */
    size_t line_len, line_cap;
    int64_t line_ts;   /* time of its first part */
    bool line_open;
    agent_logs_line_fn fn;
    void *arg;
} agent_logs_framer_t;

void agent_logs_framer_init(agent_logs_framer_t *f, bool tty, agent_logs_line_fn fn, void *arg);
/* Feeds bytes as they arrive; calls fn for each line completed. -1 when
 * out of memory. */
int agent_logs_framer_feed(agent_logs_framer_t *f, const char *p, size_t n);
/* The stream ended: a line still open is delivered. Frees the buffers. */
void agent_logs_framer_end(agent_logs_framer_t *f);

/* "2026-12-04T00:52:20.123456789Z" (or a +hh:mm offset, any number of
 * fraction digits): ns since the epoch and how many bytes it took. -1
 * when malformed. */
int agent_logs_parse_time(const char *s, size_t n, int64_t *ns, size_t *used);

/* Docker's size form (units.RAMInBytes): "1048576", "512k", "4m", "1g",
 * "25MB", "2mib" (binary multiples, case ignored). -1 when malformed. */
int agent_logs_parse_size(const char *s, int64_t *bytes);

/* awslogs-datetime-format (strftime: %Y %m %d %H %M %S %b ...) as a POSIX
 * extended regular expression anchored at the line's start, as Docker's
 * awslogs driver turns it into one. -1 on an unknown directive. */
int agent_logs_datetime_regex(const char *fmt, char *out, size_t size);
/* awslogs-multiline-pattern (Go RE2 syntax) as a POSIX extended regular
 * expression: \d \D \s \S \w \W outside and inside brackets and (?: groups
 * are translated. -1 when too long. */
int agent_logs_pattern_regex(const char *pattern, char *out, size_t size);

/* Copies n bytes of text to out (room for 3*n bytes), each invalid UTF-8
 * byte and each NUL replaced by U+FFFD: the length written. */
size_t agent_logs_utf8_clean(const char *text, size_t n, char *out);

#endif
