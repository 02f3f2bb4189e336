#include "common/error.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), or 0: the rules of RFC
 * 3629 (no overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (n == 0)
        return 0;
    unsigned char lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return n;
}

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
    /* Messages quote what clients sent (a target, a name cut short) and go
     * out as JSON strings, which must be valid UTF-8: a byte that is not
     * part of a valid sequence (or a sequence cut by the buffer) becomes '?'. */
    for (unsigned char *m = (unsigned char *)err->message; *m != '\0';) {
        size_t n = utf8_seq(m);
        if (n == 0)
            *m++ = '?';
        else
            m += n;
    }
    return -1;
}
