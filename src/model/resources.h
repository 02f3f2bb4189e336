/* resources.h - the arithmetic of container-instance resources
 * (ecs-behavior.md §6.1-6.2): CPU units, MiB of memory, and the sets of
 * TCP and UDP host ports that are *used* (PORTS lists unavailable ports). */
#ifndef ECSD_MODEL_RESOURCES_H
#define ECSD_MODEL_RESOURCES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

#define RES_MAX_PORTS 1024 /* per set; ECS allows 100 reserved ports per instance */

typedef struct res_ports {
    uint16_t v[RES_MAX_PORTS]; /* sorted, unique */
    int n;
} res_ports_t;

/* What an instance has left, or what a task needs. */
typedef struct res {
    int64_t cpu;
    int64_t mem;
    res_ports_t tcp;
    res_ports_t udp;
} res_t;

/* Reads an ECS Resource list (CPU, MEMORY INTEGER; PORTS, PORTS_UDP
 * STRINGSET). Unknown resource names are ignored. -1 on a bad entry
 * (InvalidParameterException naming field). */
int res_from_resources(const json_t *list, const char *field, res_t *out, ecs_error_t *err);
/* The Resource list ECS shows for r. */
json_t *res_to_resources(const res_t *r);

/* What a task of this definition needs: the task-level cpu and memory when
 * set ("1 vCPU", "512", ...), else Σ container cpu and Σ container memory
 * (memoryReservation where given, else memory); static host ports (in
 * networkMode host a mapping's containerPort is its host port). */
void res_task_need(const json_t *taskdef, res_t *need);

/* NULL when need fits in avail, else the ECS failure reason of the first
 * unmet requirement: "RESOURCE:CPU", "RESOURCE:MEMORY", "RESOURCE:PORTS",
 * "RESOURCE:PORTS_UDP". The order is also how "close" a failure is. */
const char *res_fit(const res_t *avail, const res_t *need);
/* Rank of a reason for choosing the closest failing instance (higher is closer). */
int res_reason_rank(const char *reason);

void res_reserve(res_t *avail, const res_t *need); /* avail -= need; ports added to used */
void res_release(res_t *avail, const res_t *need); /* avail += need; ports removed */

bool res_ports_has(const res_ports_t *s, uint16_t port);
int res_ports_add(res_ports_t *s, uint16_t port); /* -1 when full */
void res_ports_remove(res_ports_t *s, uint16_t port);

/* Compact JSON for storing a reservation: {"cpu","mem","tcp":[..],"udp":[..]}. */
json_t *res_to_json(const res_t *r);
int res_from_json(const json_t *j, res_t *out);

#endif
