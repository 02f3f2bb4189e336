/* clock.h - wall-clock time as ECS shows it. */
#ifndef ECSD_COMMON_CLOCK_H
#define ECSD_COMMON_CLOCK_H

#include <jansson.h>
#include <stdint.h>

int64_t clock_now_ms(void);
/* ECS timestamps: epoch seconds as a JSON number with a millisecond fraction. */
json_t *json_timestamp(int64_t epoch_ms);

/* Flags for json_dumps of every answer: compact, and enough significant
 * digits for epoch seconds with milliseconds (10 + 3). */
#define ECSD_JSON_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(13))

#endif
