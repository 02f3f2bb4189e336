/* docker.h - a Docker Engine API client over the engine's unix socket
 * (libcurl for HTTP, jansson for JSON).
 *
 * Errors come back in an ecs_error_t whose type is the ECS container
 * reason name for the step that failed (CannotPullContainerError,
 * CannotCreateContainerError, CannotStartContainerError,
 * CannotStopContainerError, CannotInspectContainerError, ...) and whose
 * message is Docker's own text, so the agent can report
 * "<type>: <message>" as ECS does. err->status is Docker's HTTP status
 * (404 no such container or image, 409 conflict, ...), or 500 when Docker
 * could not be reached. Types by call: version CannotGetDockerClientVersionError;
 * pull and image_present CannotPullContainerError; create, start, stop,
 * inspect CannotCreate/Start/Stop/InspectContainerError; remove
 * CannotRemoveContainerError; list CannotListContainersError; events
 * DockerEventStreamError. A create, start, stop or remove that outlives
 * its bound (4 min, 3 min, timeout_s + 2 min, 5 min) fails with
 * DockerTimeoutError: "Could not transition to <state>; timed out after
 * waiting <duration>"; inspect, version and list give up after 30-60 s
 * with their own type; a pull fails after 5 min without progress or 2 h
 * in all.
 *
 * Threads: a docker_t may be shared by threads; each call uses its own
 * connection (curl easy handle), so a long pull does not block others.
 */
#ifndef ECSD_AGENT_DOCKER_H
#define ECSD_AGENT_DOCKER_H

#include <jansson.h>
#include <stdbool.h>

#include "common/error.h"

#define DOCKER_ID_MAX 64

typedef struct docker docker_t;

/* host: "unix:///var/run/docker.sock" (the only form needed). */
docker_t *docker_new(const char *host);
void docker_free(docker_t *d);

/* GET /version: fills version (e.g. "28.2.2"). */
int docker_version(docker_t *d, char *version, size_t size, ecs_error_t *err);
/* GET /version or GET /info (what: "version" or "info"): Docker's whole
 * answer in *out (caller frees). Type CannotGetDockerClientVersionError. */
int docker_system(docker_t *d, const char *what, json_t **out, ecs_error_t *err);

/* POST /images/create?fromImage=..&tag=..: blocks until the pull ends;
 * the progress stream is read to its end and an error in it is an error. */
int docker_pull(docker_t *d, const char *image, ecs_error_t *err);
/* 1 when the image is present locally, 0 when not, -1 on error. */
int docker_image_present(docker_t *d, const char *image, ecs_error_t *err);
/* DELETE /images/{image}?force=1: 0 when removed or not there, -1 on error
 * (CannotRemoveImageError). */
int docker_image_remove(docker_t *d, const char *image, ecs_error_t *err);

/* POST /containers/create?name=..: body is Docker's ContainerCreate JSON;
 * name NULL lets Docker choose. Start of a running container and stop of a
 * stopped one succeed (Docker's 304). */
int docker_create(docker_t *d, const char *name, const json_t *body, char id[DOCKER_ID_MAX + 1],
                  ecs_error_t *err);
int docker_start(docker_t *d, const char *id, ecs_error_t *err);
/* POST /containers/{id}/stop?t=timeout_s: SIGTERM, then SIGKILL after timeout_s. */
int docker_stop(docker_t *d, const char *id, int timeout_s, ecs_error_t *err);
/* DELETE /containers/{id}?v=1&force=1 */
int docker_remove(docker_t *d, const char *id, ecs_error_t *err);
/* GET /containers/{id}/json: 1 with *out (caller frees), 0 when no such
 * container, -1 on error. */
int docker_inspect(docker_t *d, const char *id, json_t **out, ecs_error_t *err);
/* GET /containers/json?all=1&filters={"label":[label]}: *out is Docker's
 * array of container summaries. label is "key" or "key=value". */
int docker_list(docker_t *d, const char *label, json_t **out, ecs_error_t *err);
/* GET /containers/{id}/stats?stream=false: one sample of Docker's stats
 * (1, *out), 0 when there is no such container. */
int docker_stats(docker_t *d, const char *id, json_t **out, ecs_error_t *err);

/* POST /volumes/create: body is Docker's VolumeCreate JSON (Name, Driver,
 * DriverOpts, Labels); creating one that exists with the same driver
 * succeeds. Type CannotCreateVolumeError. */
int docker_volume_create(docker_t *d, const json_t *body, ecs_error_t *err);
/* GET /volumes/{name}: 1 with *out (caller frees), 0 when there is none,
 * -1 on error (CannotInspectVolumeError). */
int docker_volume_inspect(docker_t *d, const char *name, json_t **out, ecs_error_t *err);
/* DELETE /volumes/{name}: 0 when removed or not there, -1 on error (in use:
 * status 409; CannotRemoveVolumeError). */
int docker_volume_remove(docker_t *d, const char *name, ecs_error_t *err);

/* POST /images/create?fromSrc=-&repo=..&tag=..&changes=..: an image of
 * the rootfs tar (len bytes), with Dockerfile changes such as
 * 'CMD ["/pause"]'. Type CannotPullContainerError. */
int docker_image_import(docker_t *d, const char *repo, const char *tag, const char *changes, const void *tar,
                        size_t len, ecs_error_t *err);
/* GET /networks/{name}: 1 with *out (caller frees), 0 when there is none,
 * -1 on error (CannotInspectNetworkError). */
int docker_network_inspect(docker_t *d, const char *name, json_t **out, ecs_error_t *err);
/* POST /networks/create: body is Docker's NetworkCreate JSON. Type
 * CannotCreateNetworkError (409 when it exists). */
int docker_network_create(docker_t *d, const json_t *body, ecs_error_t *err);

/* GET /events?filters={"type":["container"],"label":[label]}: streams
 * until *stop becomes true (checked at least every second) or the
 * connection ends; calls fn for each event (Docker's JSON event object:
 * "Action" such as "die", "start", "oom"; "Actor": {"ID", "Attributes"}).
 * Returns 0 when stopped, -1 when the stream failed (caller reconnects). */
typedef void (*docker_event_fn)(void *arg, const json_t *event);
int docker_events(docker_t *d, const char *label, volatile bool *stop, docker_event_fn fn, void *arg,
                  ecs_error_t *err);

/* GET /containers/{id}/logs?follow=1&stdout=1&stderr=1&timestamps=1[&since=S]
 * (S: "SECONDS.NANOSECONDS", lines at or after it): fn gets the answer's
 * bytes as they come (Docker's multiplexed framing unless the container
 * has a TTY; agent_logs_parse.h reads it); fn returning -1 ends the
 * stream. Returns 0 when Docker ended it (the container stopped), 1 when
 * *stop became true, -1 on an error (404: no such container; type
 * DockerLogStreamError). */
typedef int (*docker_bytes_fn)(void *arg, const char *p, size_t n);
int docker_logs(docker_t *d, const char *id, const char *since, volatile bool *stop, docker_bytes_fn fn, void *arg,
                ecs_error_t *err);

#endif
