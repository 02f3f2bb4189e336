/* task_protection.h - task scale-in protection (UpdateTaskProtection):
 * a service's task protected until a time is not chosen by the service
 * scheduler when it stops tasks (scale-in, deployments, draining
 * replacement: sched/svc_reconcile.c); StopTask and the task's own end
 * are unaffected. Kept in the task document as "_ecsd": {"protectedUntil":
 * epoch ms}, absent when unprotected. */
#ifndef ECSD_MODEL_TASK_PROTECTION_H
#define ECSD_MODEL_TASK_PROTECTION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#define TASK_PROTECT_DEFAULT_MIN 120
#define TASK_PROTECT_MAX_MIN 2880

/* When the task document's protection ends (epoch ms), 0 when it has none. */
int64_t task_protected_until(const json_t *doc);
/* True while protected at now_ms. */
bool task_protected(const json_t *doc, int64_t now_ms);
/* Sets (until_ms > 0) or clears (0) the document's protection. */
void task_protect(json_t *doc, int64_t until_ms);
/* The ProtectedTask shape of a task at now_ms. */
json_t *task_protection_view(const json_t *doc, int64_t now_ms);

#endif
