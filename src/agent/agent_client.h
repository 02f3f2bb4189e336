/* agent_client.h - the agent's HTTP client for the ecsd server (libcurl):
 * every request signed with SigV4 (api/sigv4.h), JSON in and out, errors
 * as the server's {"__type", "message"}.
 *
 * Threads: one client is shared by the agent's threads; each call uses its
 * own curl handle. agent_client_cancel makes calls in flight end within
 * about a second and later ones fail at once (shutdown).
 */
#ifndef ECSD_AGENT_CLIENT_H
#define ECSD_AGENT_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

/* err->status of a call that got no HTTP answer (server away, cancelled). */
#define AGENT_CLIENT_UNREACHABLE 0

typedef struct agent_client agent_client_t;

#define AGENT_CLIENT_ENDPOINTS_MAX 16

/* endpoint: "http://HOST:PORT" (a trailing path or slash is ignored for
 * ECS operations), or several separated by commas: a call goes to the one
 * that answered last, and to the next of the list when that one gives no
 * answer (or 502/503/504). NULL for a malformed list. Credentials may be
 * empty (requests are still signed). */
agent_client_t *agent_client_new(const char *endpoint, const char *region, const char *access_key,
                                 const char *secret_key);
void agent_client_free(agent_client_t *c);
void agent_client_cancel(agent_client_t *c);

/* An ECS operation: POST / with X-Amz-Target: ...V20141113.<op>. 0 with
 * *out (caller decrefs), -1 with err: the server's error (status >= 400),
 * or status AGENT_CLIENT_UNREACHABLE and type "ConnectionError". */
int agent_client_call(agent_client_t *c, const char *op, const char *body, json_t **out, ecs_error_t *err);
/* A CloudWatch Logs operation (X-Amz-Target Logs_20140328.<op>, signed for
 * the service "logs") to endpoint (NULL: the client's) for region (NULL
 * or "": the client's). Answers and errors as agent_client_call. */
int agent_client_logs(agent_client_t *c, const char *endpoint, const char *region, const char *op, const char *body,
                      json_t **out, ecs_error_t *err);
/* POST of JSON to a full URL (the poll endpoint), waiting up to timeout_s. */
int agent_client_post(agent_client_t *c, const char *url, const char *body, long timeout_s, json_t **out,
                      ecs_error_t *err);

/* How many endpoints the client was given. */
int agent_client_endpoints(const agent_client_t *c);
/* An operation of another service on the same endpoint (Parameter Store,
 * Secrets Manager: agent/agent_secrets.c): X-Amz-Target target, signed
 * for service in region (NULL: the client's). */
int agent_client_call_service(agent_client_t *c, const char *service, const char *region, const char *target,
                              const char *body, json_t **out, ecs_error_t *err);

/* True for errors a later retry may cure: no answer, 5xx, throttling,
 * authentication (keys may be added to the server). */
bool agent_client_retryable(const ecs_error_t *err);

#endif
