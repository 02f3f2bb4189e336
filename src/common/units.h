/* units.h - task-level cpu and memory as ECS writes them in a task
 * definition: cpu "256" (CPU units, 1024 per vCPU) or "1 vCPU" / "0.25 vcpu";
 * memory "512" (MiB) or "1GB" / "0.5 GB" (1 GB = 1024 MiB). Used by
 * placement (what a task reserves) and by the agent (the task's cgroup). */
#ifndef ECSD_COMMON_UNITS_H
#define ECSD_COMMON_UNITS_H

#include <stdint.h>

/* CPU units of a task-level cpu string. -1 when it is not one of the forms
 * above or is not positive. */
int units_task_cpu(const char *s, int64_t *units);
/* MiB of a task-level memory string. -1 likewise. */
int units_task_memory(const char *s, int64_t *mib);

#endif
