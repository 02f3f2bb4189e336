/* clock.h - wall-clock time as ECS shows it. */
#ifndef ECSD_COMMON_CLOCK_H
#define ECSD_COMMON_CLOCK_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

int64_t clock_now_ms(void);
/* The CLOCK_REALTIME time ms milliseconds from now, for pthread_cond_timedwait. */
void clock_deadline(struct timespec *ts, int64_t ms);
/* ECS timestamps: epoch seconds as a JSON number with a millisecond fraction. */
json_t *json_timestamp(int64_t epoch_ms);

/* Flags for json_dumps of every answer: compact, and enough significant
 * digits for epoch seconds with milliseconds (10 + 3). */
#define ECSD_JSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(13))

#endif
