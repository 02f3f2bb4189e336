#include "common/ids.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static const char hex[] = "0123456789abcdef";

static void random_bytes(uint8_t *b, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r < 0 && errno == EINTR)
            continue;
        else
            abort(); /* no entropy source: nothing sane to hand out */
    }
}

void ids_uuid4(char out[IDS_UUID_LEN + 1])
{
    uint8_t b[16];
    random_bytes(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[b[i] >> 4];
        *p++ = hex[b[i] & 0x0f];
    }
    *p = '\0';
}

void ids_hex32(char out[IDS_HEX32_LEN + 1])
{
    uint8_t b[16];
    random_bytes(b, sizeof b);
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 0x0f];
    }
    out[IDS_HEX32_LEN] = '\0';
}

bool ids_is_hex32(const char *s, size_t n)
{
    if (n != IDS_HEX32_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789abcdefABCDEF", s[i]) == NULL || s[i] == '\0')
            return false;
    return true;
}
