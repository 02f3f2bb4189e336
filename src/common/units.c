#include "common/units.h"

#include <ctype.h>
#include <stddef.h>
#include <strings.h>

/* A decimal number with at most 6 fraction digits, in millionths; *end is
 * what follows it (spaces skipped). -1 when there is no number. */
static int decimal_micro(const char *s, int64_t *micro, const char **end)
{
    int64_t whole = 0, frac = 0, scale = 1000000;
    const char *p = s;
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p) && *p != '.')
        return -1;
    int digits = 0;
    for (; isdigit((unsigned char)*p); p++, digits++) {
        if (whole > 1000000000LL)
            return -1; /* far beyond any host */
        whole = whole * 10 + (*p - '0');
    }
    if (*p == '.') {
        p++;
        for (; isdigit((unsigned char)*p); p++, digits++) {
            if (scale == 1)
                return -1;
            scale /= 10;
            frac += (*p - '0') * scale;
        }
    }
    if (digits == 0)
        return -1;
    while (*p == ' ')
        p++;
    *micro = whole * 1000000 + frac;
    *end = p;
    return 0;
}

/* value = number x per_unit when suffix follows, the plain integer when
 * nothing does. */
static int parse(const char *s, const char *suffix, int64_t per_unit, int64_t *out)
{
    int64_t micro;
    const char *rest;
    if (s == NULL || decimal_micro(s, &micro, &rest) < 0)
        return -1;
    int64_t v;
    if (*rest == '\0') {
        if (micro % 1000000 != 0)
            return -1; /* plain units are whole */
        v = micro / 1000000;
    } else if (strcasecmp(rest, suffix) == 0) {
        v = micro * per_unit / 1000000;
    } else {
        return -1;
    }
    if (v <= 0)
        return -1;
    *out = v;
    return 0;
}

int units_task_cpu(const char *s, int64_t *units)
{
    return parse(s, "vcpu", 1024, units);
}

int units_task_memory(const char *s, int64_t *mib)
{
    return parse(s, "gb", 1024, mib);
}
