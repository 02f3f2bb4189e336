#include "common/clock.h"

#include <time.h>

int64_t clock_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

json_t *json_timestamp(int64_t epoch_ms)
{
    return json_real((double)epoch_ms / 1000.0);
}
