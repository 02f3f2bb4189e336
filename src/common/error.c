#include "common/error.h"

#include <stdio.h>
#include <string.h>

int ecs_err(ecs_error_t *err, int status, const char *type, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    err->status = status;
    snprintf(err->type, sizeof err->type, "%s", type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}
