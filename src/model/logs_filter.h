/* logs_filter.h - CloudWatch Logs filter patterns (FilterLogEvents'
 * filterPattern): parsed once, then matched against each event's message.
 *
 * Served forms (CloudWatch's "Filter pattern syntax"):
 *   - ""                      every event
 *   - ERROR "bad thing"       every term present (case-sensitive; a quoted
 *                             phrase is one term, spaces and all)
 *   - ERROR -DEBUG            a term after '-' must be absent
 *   - ?ERROR ?WARN            at least one of the '?' terms present
 *   - { $.level = "error" }   JSON messages: selectors $.a.b, $.a[0];
 *                             = and != (strings, '*' a wildcard; numbers),
 *                             < <= > >= (numbers), IS TRUE / IS FALSE /
 *                             IS NULL, EXISTS / NOT EXISTS, && || ( )
 * Space-delimited patterns ("[ip, user, ...]") and regular expressions
 * ("%...%") are refused with a message saying so, never matched wrongly.
 *
 * A parsed filter is read-only: one may be matched from several threads.
 */
#ifndef ECSD_MODEL_LOGS_FILTER_H
#define ECSD_MODEL_LOGS_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

#define LOGS_FILTER_MAX 1024 /* the model's bound on filterPattern */

typedef struct logs_filter logs_filter_t;

/* Parses text (len bytes, not NUL-terminated). 0 with *out set (free with
 * logs_filter_free), or -1 with InvalidParameterException naming the fault. */
int logs_filter_parse(const char *text, size_t len, logs_filter_t **out, ecs_error_t *err);
/* Whether a message (len bytes) matches. */
bool logs_filter_match(const logs_filter_t *f, const char *msg, size_t len);
void logs_filter_free(logs_filter_t *f);

#endif
