/* logs_streams.c - log streams: create, delete, describe. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/logs_api.h"
#include "common/cleanup.h"

int logs_op_create_log_stream(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *group = NULL, *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &group, err) < 0 ||
        logs_param_stream_name(in, "logStreamName", true, &name, err) < 0)
        return -1;
    int rc = logs_stream_create(ctx->store, ctx->scope, group, name, ctx->now_ms, err);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc == LOGS_EXISTS)
        return ecs_err(err, 400, "ResourceAlreadyExistsException", "The specified log stream already exists");
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int logs_op_delete_log_stream(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    const char *group = NULL, *name = NULL;
    if (logs_param_group_name(in, "logGroupName", true, &group, err) < 0 ||
        logs_param_stream_name(in, "logStreamName", true, &name, err) < 0)
        return -1;
    int rc = logs_stream_delete(ctx->store, ctx->scope, group, name, err);
    if (rc == LOGS_NO_GROUP)
        return logs_no_group(err);
    if (rc == LOGS_NO_STREAM)
        return logs_no_stream(err);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

static json_t *stream_json(const logs_ctx_t *ctx, const char *group, const logs_stream_t *x)
{
    char arn[1200], seq[32];
    snprintf(arn, sizeof arn, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", ctx->region, ctx->account, group,
             x->name);
    snprintf(seq, sizeof seq, "%" PRId64, x->seq + 1);
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:I}", "logStreamName", x->name, "creationTime",
                          (json_int_t)x->created_ms, "arn", arn, "uploadSequenceToken", seq, "storedBytes",
                          (json_int_t)x->stored_bytes);
    if (o != NULL && x->has_events) {
        json_object_set_new(o, "firstEventTimestamp", json_integer(x->first_ts));
        json_object_set_new(o, "lastEventTimestamp", json_integer(x->last_ts));
        json_object_set_new(o, "lastIngestionTime", json_integer(x->last_ingest));
    }
    return o;
}

#define STREAM_TOKEN "s1/"

int logs_op_describe_log_streams(logs_ctx_t *ctx, json_t *in, json_t **out, ecs_error_t *err)
{
    char group[LOGS_NAME_MAX + 1];
    const char *prefix = NULL, *order = json_string_value(json_object_get(in, "orderBy"));
    const char *token = json_string_value(json_object_get(in, "nextToken"));
    long limit = 50;
    if (logs_param_group_ref(ctx, in, group, err) < 0 ||
        logs_param_stream_name(in, "logStreamNamePrefix", false, &prefix, err) < 0 ||
        logs_param_int(in, "limit", 1, 50, 50, &limit, err) < 0)
        return -1;
    logs_stream_query_t q = {.prefix = prefix, .by_last_event = order && strcmp(order, "LastEventTime") == 0,
                             .descending = json_is_true(json_object_get(in, "descending")),
                             .limit = (size_t)limit + 1};
    if (q.by_last_event && prefix != NULL)
        return ecs_invalid_param(err, "Cannot order by LastEventTime with a logStreamNamePrefix.");
    char after[LOGS_NAME_MAX + 1];
    if (token != NULL) {
        int used = 0;
        long long ts = 0;
        if (sscanf(token, STREAM_TOKEN "%lld/%n", &ts, &used) != 1 || used == 0 ||
            strlen(token + used) > LOGS_NAME_MAX)
            return ecs_invalid_param(err, "The specified nextToken is invalid.");
        snprintf(after, sizeof after, "%s", token + used);
        q.has_after = true;
        q.after_ts = ts;
        q.after_name = after;
    }
    logs_group_t g;
    int found = logs_group_get(ctx->store, ctx->scope, group, &g, err);
    if (found < 0)
        return -1;
    if (found == 0)
        return logs_no_group(err);
    free(g.tags);
    logs_stream_t *rows = NULL;
    size_t n = 0;
    if (logs_stream_list(ctx->store, g.gid, &q, &rows, &n, err) < 0)
        return -1;
    size_t shown = n > (size_t)limit ? (size_t)limit : n;
    cleanup_json json_t *list = json_array();
    for (size_t i = 0; i < shown; i++)
        json_array_append_new(list, stream_json(ctx, group, &rows[i]));
    *out = json_pack("{s:O}", "logStreams", list);
    if (n > shown) {
        const logs_stream_t *last = &rows[shown - 1];
        char next[LOGS_NAME_MAX + 40];
        snprintf(next, sizeof next, STREAM_TOKEN "%" PRId64 "/%s", last->has_events ? last->last_ts : 0, last->name);
        json_object_set_new(*out, "nextToken", json_string(next));
    }
    free(rows);
    return 0;
}
