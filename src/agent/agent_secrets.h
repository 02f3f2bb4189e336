/* agent_secrets.h - what a task's containers get at start besides their
 * definition: container `secrets` and logConfiguration `secretOptions`
 * resolved from the server's Parameter Store and Secrets Manager, and
 * `environmentFiles` read from the operator's folder (agent_envfile.h).
 *
 * ECS fetches secrets with the task's execution role; ecsd's agent calls
 * the same endpoint it polls (AmazonSSM.GetParameters WithDecryption,
 * secretsmanager.GetSecretValue), signed with its own keys for the
 * services "ssm" and "secretsmanager" in the region of the ARN (else its
 * own), so a task reads the secrets of the account the agent's keys
 * belong to (docs/agent.md). Values are kept in memory only, never
 * logged.
 */
#ifndef ECSD_AGENT_SECRETS_H
#define ECSD_AGENT_SECRETS_H

#include <jansson.h>

#include "agent/agent_client.h"
#include "common/error.h"

/* Everything the task's containers need, before the first is created:
 * 0 with *out = {container name: {"files": [[name, value], ...],
 * "secrets": {name: value}, "log": {option: value}}} (NULL when the task
 * has none of them), or -1 with err's message the reason after
 * "ResourceInitializationError: ", in ECS's words ("unable to pull secrets
 * or registry auth: ...", "failed to download env files: ..."). client may
 * be NULL (no server: a task with secrets fails). env_dir "" or NULL: no
 * environment files can be read. */
int agent_secrets_task(agent_client_t *client, const char *env_dir, const json_t *taskdef, json_t **out,
                       ecs_error_t *err);

#endif
