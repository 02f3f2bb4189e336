/* logs_events.c - PutLogEvents, GetLogEvents, FilterLogEvents.
 *
 * Tokens name a position between events, (timestamp, eventId):
 * "f/TS/ID" reads forward after it, "b/TS/ID" backward before it (the
 * GetLogEvents tokens), "e1/TS/ID" continues a FilterLogEvents scan. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs_api.h"
#include "common/cleanup.h"
#include "model/logs_batch.h"
#include "model/logs_filter.h"

#define READ_MAX_BYTES (1024 * 1024) /* an answer's messages, as CloudWatch's 1 MB */
#define FILTER_SCAN_ROWS 20000       /* rows one FilterLogEvents call looks at before it pages */

int logs_op_put_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *group = NULL, *stream = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &group, err) < 0 ||
        logs_param_stream_name(in, "logStreamName", true, &stream, err) < 0)
        return -1;
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, group, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    free(g.tags);
    logs_batch_t b;
    if (logs_batch_check(json_object_get(in, "logEvents"), ctx->now_ms, g.retention_days, &b, err) < 0)
        return -1;
    int64_t seq = 0;
    int rc = logs_events_put(ctx->store, ctx->scope, group, stream, b.events + b.first, b.count, ctx->now_ms, &seq,
                             err);
    free(b.events);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc == LOGS_NO_STREAM)
        return logs_no_stream(err);
    if (rc < 0)
        return -1;
    char token[32];
    snprintf(token, sizeof token, "%" PRId64, seq + 1);
    *out = json_pack("{s:s}", "nextSequenceToken", token);
    if (b.too_new_start >= 0 || b.too_old_end >= 0 || b.expired_end >= 0) {
        json_t *rej = json_object();
        if (b.too_new_start >= 0)
            json_object_set_new(rej, "tooNewLogEventStartIndex", json_integer(b.too_new_start));
        if (b.too_old_end >= 0)
            json_object_set_new(rej, "tooOldLogEventEndIndex", json_integer(b.too_old_end));
        if (b.expired_end >= 0)
            json_object_set_new(rej, "expiredLogEventEndIndex", json_integer(b.expired_end));
        json_object_set_new(*out, "rejectedLogEventsInfo", rej);
    }
    return 0;
}

/* "P/TS/ID" with P the given prefix; false when it is not exactly that. */
static bool parse_pos(const char *token, const char *prefix, logs_pos_t *pos)
{
    size_t pl = strlen(prefix);
    if (strncmp(token, prefix, pl) != 0)
        return false;
    long long ts = 0, id = 0;
    int used = 0;
    if (sscanf(token + pl, "%lld/%lld%n", &ts, &id, &used) != 2 || token[pl + (size_t)used] != '\0')
        return false;
    *pos = (logs_pos_t){ts, id};
    return true;
}

static json_t *pos_token(const char *prefix, logs_pos_t p)
{
    char t[80];
    snprintf(t, sizeof t, "%s%" PRId64 "/%" PRId64, prefix, p.ts, p.eid);
    return json_string(t);
}

/* The group named by the request and its id. */
static int resolve_group(logs_ctx_t *ctx, const json_t *in, char group[LOGS_NAME_MAX + 1], int64_t *gid,
                         ecs_error_t *err)
{
    if (logs_param_group_ref(ctx, in, group, err) < 0)
        return -1;
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, group, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    free(g.tags);
    *gid = g.gid;
    return 0;
}

static int time_range(const json_t *in, int64_t *start, int64_t *end, bool end_inclusive, ecs_error_t *err)
{
    if (logs_param_long(in, "startTime", 0, start, err) < 0 || logs_param_long(in, "endTime", INT64_MAX, end, err) < 0)
        return -1;
    if (end_inclusive && *end < INT64_MAX)
        (*end)++;
    if (*end < *start)
        return ecs_invalid_param(err, "endTime (%" PRId64 ") must not be before startTime (%" PRId64 ").", *end,
                                 *start);
    return 0;
}

int logs_op_get_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char group[LOGS_NAME_MAX + 1];
    const char *stream = NULL, *token = json_string_value(json_object_get(in, "nextToken"));
    int64_t gid = 0;
    long limit = 10000;
    logs_read_t r = {.max_bytes = READ_MAX_BYTES};
    if (logs_param_stream_name(in, "logStreamName", true, &stream, err) < 0 ||
        logs_param_int(in, "limit", 1, 10000, 10000, &limit, err) < 0 ||
        time_range(in, &r.start_ts, &r.end_ts, false, err) < 0)
        return -1;
    r.limit = (size_t)limit;
    if (token != NULL) {
        if (parse_pos(token, "f/", &r.pos))
            r.backward = false;
        else if (parse_pos(token, "b/", &r.pos))
            r.backward = true;
        else
            return ecs_invalid_param(err, "The specified nextToken is invalid.");
    } else if (json_is_true(json_object_get(in, "startFromHead"))) {
        r.pos = (logs_pos_t){INT64_MIN, 0};
    } else { /* the latest events */
        r.backward = true;
        r.pos = (logs_pos_t){INT64_MAX, INT64_MAX};
    }
    if (resolve_group(ctx, in, group, &gid, err) < 0)
        return -1;
    logs_stream_t st;
    int found = logs_stream_get(ctx->store, gid, stream, &st, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_stream(err);
    logs_event_t *ev = NULL;
    size_t n = 0;
    if (logs_events_read(ctx->store, st.sid, &r, &ev, &n, err) < 0)
        return -1;
    cleanup_json json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_pack("{s:I, s:s%, s:I}", "timestamp", (json_int_t)ev[i].ts, "message",
                                              ev[i].msg, ev[i].msg_len, "ingestionTime", (json_int_t)ev[i].ingest));
    logs_pos_t fwd, back;
    if (n > 0) {
        fwd = (logs_pos_t){ev[n - 1].ts, ev[n - 1].eid};
        back = (logs_pos_t){ev[0].ts, ev[0].eid};
    } else if (!r.backward) { /* nothing after: the same token again */
        fwd = back = r.pos;
    } else { /* nothing before pos: reading forward from the start is reading from pos */
        fwd = (logs_pos_t){INT64_MIN, 0};
        back = r.pos;
    }
    logs_events_free(ev, n);
    *out = json_pack("{s:O, s:o, s:o}", "events", list, "nextForwardToken", pos_token("f/", fwd),
                     "nextBackwardToken", pos_token("b/", back));
    return 0;
}

/* FilterLogEvents' choice of streams and pattern, and the names of the
 * streams met (sid -> name, a few at a time). */
typedef struct filter_scan {
    logs_ctx_t *ctx;
    const json_t *names; /* logStreamNames, or NULL */
    const char *prefix;  /* logStreamNamePrefix, or NULL */
    logs_filter_t *pattern;
    struct {
        int64_t sid;
        char *name;
    } *seen;
    size_t n_seen, cap_seen;
    bool failed;
    ecs_error_t *err;
} filter_scan_t;

static const char *stream_name(filter_scan_t *fs, int64_t sid)
{
    for (size_t i = 0; i < fs->n_seen; i++)
        if (fs->seen[i].sid == sid)
            return fs->seen[i].name;
    logs_stream_t st;
    if (logs_stream_by_sid(fs->ctx->store, sid, &st, fs->err) != 1) {
        fs->failed = true;
        return NULL;
    }
    if (fs->n_seen == fs->cap_seen) {
        size_t nc = fs->cap_seen ? fs->cap_seen * 2 : 16;
        void *g = realloc(fs->seen, nc * sizeof fs->seen[0]);
        if (g == NULL) {
            fs->failed = true;
            return NULL;
        }
        fs->seen = g;
        fs->cap_seen = nc;
    }
    fs->seen[fs->n_seen].sid = sid;
    fs->seen[fs->n_seen].name = strdup(st.name);
    return fs->seen[fs->n_seen++].name;
}

static bool keep_event(void *arg, const logs_event_t *e)
{
    filter_scan_t *fs = arg;
    if (fs->names != NULL || fs->prefix != NULL) {
        const char *name = stream_name(fs, e->sid);
        if (name == NULL)
            return false;
        if (fs->prefix != NULL && strncmp(name, fs->prefix, strlen(fs->prefix)) != 0)
            return false;
        if (fs->names != NULL) {
            bool listed = false;
            size_t i;
            const json_t *v;
            json_array_foreach(fs->names, i, v) listed = listed || strcmp(json_string_value(v), name) == 0;
            if (!listed)
                return false;
        }
    }
    return fs->pattern == NULL || logs_filter_match(fs->pattern, e->msg, e->msg_len);
}

int logs_op_filter_log_events(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char group[LOGS_NAME_MAX + 1];
    const json_t *names = json_object_get(in, "logStreamNames"), *pat = json_object_get(in, "filterPattern");
    const char *prefix = NULL, *token = json_string_value(json_object_get(in, "nextToken"));
    int64_t gid = 0;
    long limit = 10000;
    logs_read_t r = {.max_bytes = READ_MAX_BYTES, .pos = {INT64_MIN, 0}};
    if (logs_param_stream_name(in, "logStreamNamePrefix", false, &prefix, err) < 0 ||
        logs_param_int(in, "limit", 1, 10000, 10000, &limit, err) < 0 ||
        time_range(in, &r.start_ts, &r.end_ts, true, err) < 0)
        return -1;
    r.limit = (size_t)limit;
    if (json_is_null(names))
        names = NULL;
    if (names != NULL && prefix != NULL)
        return ecs_invalid_param(err, "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.");
    if (names != NULL && (json_array_size(names) < 1 || json_array_size(names) > 100))
        return ecs_invalid_param(err, "1 validation error detected: Value at 'logStreamNames' failed to satisfy "
                                      "constraint: Member must have length less than or equal to 100 and greater "
                                      "than or equal to 1");
    if (token != NULL && !parse_pos(token, "e1/", &r.pos))
        return ecs_invalid_param(err, "The specified nextToken is invalid.");
    filter_scan_t fs = {.ctx = ctx, .names = names, .prefix = prefix, .err = err};
    if (pat != NULL && !json_is_null(pat) &&
        logs_filter_parse(json_string_value(pat), json_string_length(pat), &fs.pattern, err) < 0)
        return -1;
    int rc = resolve_group(ctx, in, group, &gid, err);
    logs_event_t *ev = NULL;
    size_t n = 0;
    logs_pos_t last;
    bool more = false;
    if (rc == 0)
        rc = logs_events_scan(ctx->store, gid, &r, FILTER_SCAN_ROWS, keep_event, &fs, &ev, &n, &last, &more, err);
    cleanup_json json_t *list = json_array();
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *sname = stream_name(&fs, ev[i].sid);
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, ev[i].eid);
        json_array_append_new(list, json_pack("{s:s, s:I, s:s%, s:I, s:s}", "logStreamName", sname ? sname : "",
                                              "timestamp", (json_int_t)ev[i].ts, "message", ev[i].msg,
                                              ev[i].msg_len, "ingestionTime", (json_int_t)ev[i].ingest, "eventId",
                                              id));
    }
    if (rc == 0 && fs.failed)
        rc = -1;
    if (rc == -1 && err->type[0] == '\0')
        ecs_err(err, 500, "ServiceUnavailableException", "Cannot read the log stream names.");
    logs_events_free(ev, n);
    for (size_t i = 0; i < fs.n_seen; i++)
        free(fs.seen[i].name);
    free(fs.seen);
    logs_filter_free(fs.pattern);
    if (rc < 0)
        return -1;
    *out = json_pack("{s:O}", "events", list);
    if (more)
        json_object_set_new(*out, "nextToken", pos_token("e1/", last));
    return 0;
}
