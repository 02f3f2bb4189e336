#include "api/paging.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/params.h"
#include "common/cleanup.h"

#define TOKEN_MAX 2048

int api_page_read(const json_t *in, int def_max, api_page_t *page, ecs_error_t *err)
{
    *page = (api_page_t){.max_results = def_max};
    long long max = param_int(in, "maxResults", def_max);
    if (max < 1 || max > 100)
        return ecs_invalid_param(err, "maxResults must be between 1 and 100.");
    page->max_results = (int)max;
    const char *token = param_str(in, "nextToken");
    if (token != NULL) {
        if (api_page_token_decode(token, &page->after) < 0)
            return ecs_invalid_param(err, "Invalid nextToken.");
        page->has_after = true;
    }
    return 0;
}

void api_page_clear(api_page_t *page) { store_cursor_clear(&page->after); }

/* Token = base64("ecsd1\n" num "\n" text): opaque to clients, versioned for us. */
char *api_page_token_encode(const store_cursor_t *c)
{
    cleanup_free char *raw = NULL;
    int n = asprintf(&raw, "ecsd1\n%lld\n%s", (long long)c->num, c->text ? c->text : "");
    if (n < 0)
        abort();
    char *out = malloc(4 * (((size_t)n + 2) / 3) + 1);
    if (out == NULL)
        abort();
    EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)raw, n);
    return out;
}

int api_page_token_decode(const char *token, store_cursor_t *c)
{
    size_t len = strlen(token);
    if (len == 0 || len > TOKEN_MAX || len % 4 != 0)
        return -1;
    unsigned char raw[TOKEN_MAX];
    int n = EVP_DecodeBlock(raw, (const unsigned char *)token, (int)len);
    if (n < 0)
        return -1;
    /* EVP_DecodeBlock counts padding as zero bytes: drop them (at most
     * two, as base64 has; more is not a token). */
    size_t pad = 0;
    while (pad < len && token[len - 1 - pad] == '=')
        pad++;
    if (pad > 2 || (size_t)n < pad)
        return -1;
    n -= (int)pad;
    raw[n] = '\0';
    if ((size_t)n != strlen((char *)raw) || strncmp((char *)raw, "ecsd1\n", 6) != 0)
        return -1;
    char *p = (char *)raw + 6, *end;
    long long num = strtoll(p, &end, 10);
    if (end == p || *end != '\n')
        return -1;
    c->num = num;
    c->text = strdup(end + 1);
    return c->text ? 0 : -1;
}

int api_page_list(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member, const char *arn_type,
                  json_t **out, ecs_error_t *err)
{
    api_page_t page;
    store_record_t *rows = NULL;
    size_t n = 0;
    cleanup_free char *next = NULL;
    q->without_doc = true;
    int rc = api_page_read(in, 100, &page, err);
    if (rc == 0)
        rc = api_page_query(ctx->txn, q, &page, &rows, &n, &next, err);
    api_page_clear(&page);
    if (rc < 0)
        return -1;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        const char *key = rows[i].key;
        /* rows of one cluster (tasks, container instances): their id tells their ARN format */
        json_array_append_new(items, arn_type == NULL ? json_string(key)
                                     : q->cluster != NULL ? api_id_arn_json(ctx, arn_type, q->cluster, key)
                                                          : api_arn_json(ctx, arn_type, key));
    }
    store_records_free(rows, n);
    *out = json_pack("{s:o}", member, items);
    if (next != NULL)
        json_object_set_new(*out, "nextToken", json_string(next));
    return 0;
}

int api_page_query(store_txn_t *txn, store_query_t *q, const api_page_t *page, store_record_t **rows,
                   size_t *n, char **next_token, ecs_error_t *err)
{
    *next_token = NULL;
    q->after = page->has_after ? &page->after : NULL;
    q->limit = page->max_results + 1; /* one more tells whether a next page exists */
    if (store_query(txn, q, rows, n, err) < 0)
        return -1;
    if (*n > (size_t)page->max_results) {
        const store_record_t *last = &(*rows)[page->max_results - 1];
        store_cursor_t c = {.num = last->num};
        c.text = q->order == STORE_ORDER_FAMILY_NUM ? last->family : last->key;
        *next_token = api_page_token_encode(&c);
        store_record_clear(&(*rows)[page->max_results]);
        *n = (size_t)page->max_results;
    }
    return 0;
}

#define WHERE_BATCH 200 /* rows read per query while looking for a page of matches */

/* The cursor after row r in q's order (strings copied). */
static void cursor_after(const store_query_t *q, const store_record_t *r, store_cursor_t *c)
{
    store_cursor_clear(c);
    const char *text = q->order == STORE_ORDER_FAMILY_NUM ? r->family : r->key;
    c->text = strdup(text ? text : "");
    if (c->text == NULL)
        abort();
    c->num = r->num;
}

static int list_where(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member, const char *arn_type,
                      const char *doc_member, bool (*keep)(const store_record_t *row, const void *arg),
                      const void *arg, json_t **out, ecs_error_t *err)
{
    api_page_t page;
    if (api_page_read(in, 100, &page, err) < 0)
        return -1;
    store_cursor_t scan = {0}, next = {0};
    if (page.has_after)
        scan = (store_cursor_t){.text = strdup(page.after.text ? page.after.text : ""), .num = page.after.num};
    bool started = page.has_after, more = false;
    api_page_clear(&page);
    json_t *items = json_array();
    q->without_doc = false;
    q->limit = WHERE_BATCH;
    for (;;) {
        q->after = started ? &scan : NULL;
        store_record_t *rows = NULL;
        size_t n = 0;
        if (store_query(ctx->txn, q, &rows, &n, err) < 0) {
            json_decref(items);
            store_cursor_clear(&scan);
            store_cursor_clear(&next);
            return -1;
        }
        for (size_t i = 0; i < n && !more; i++) {
            if (!keep(&rows[i], arg))
                continue;
            if ((int)json_array_size(items) == page.max_results) {
                more = true; /* a match beyond the page: the next one starts after the last given */
                break;
            }
            const char *key = rows[i].key;
            json_t *of_doc = doc_member ? json_object_get(rows[i].doc, doc_member) : NULL;
            json_array_append_new(items, of_doc != NULL   ? json_incref(of_doc)
                                         : arn_type == NULL ? json_string(key)
                                         : q->cluster != NULL ? api_id_arn_json(ctx, arn_type, q->cluster, key)
                                                              : api_arn_json(ctx, arn_type, key));
            cursor_after(q, &rows[i], &next);
        }
        bool done = more || n < WHERE_BATCH;
        if (!done) {
            cursor_after(q, &rows[n - 1], &scan);
            started = true;
        }
        store_records_free(rows, n);
        if (done)
            break;
    }
    store_cursor_clear(&scan);
    *out = json_pack("{s:o}", member, items);
    if (more) {
        cleanup_free char *token = api_page_token_encode(&next);
        json_object_set_new(*out, "nextToken", json_string(token));
    }
    store_cursor_clear(&next);
    return 0;
}

int api_page_list_where(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member,
                        const char *arn_type, bool (*keep)(const store_record_t *row, const void *arg),
                        const void *arg, json_t **out, ecs_error_t *err)
{
    return list_where(ctx, in, q, member, arn_type, NULL, keep, arg, out, err);
}

int api_page_list_where_doc(model_ctx_t *ctx, const json_t *in, store_query_t *q, const char *member,
                            const char *doc_member, bool (*keep)(const store_record_t *row, const void *arg),
                            const void *arg, json_t **out, ecs_error_t *err)
{
    return list_where(ctx, in, q, member, NULL, doc_member, keep, arg, out, err);
}
