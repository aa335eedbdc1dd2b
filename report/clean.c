/* report/clean.c — the sanitizer behind every writer but JSON (cJSON escapes controls itself,
 * and the JSON writer refuses invalid UTF-8 the same way, through clean_utf8_len). */
#include "report/clean.h"

#include <stdlib.h>
#include <string.h>

size_t clean_utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t len = (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3 : (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
    if (!len || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* Overlong three- and four-byte forms, surrogates (U+D800–U+DFFF), and past U+10FFFF. */
    if (c == 0xe0 && s[1] < 0xa0)
        return 0;
    if (c == 0xed && s[1] >= 0xa0)
        return 0;
    if (c == 0xf0 && s[1] < 0x90)
        return 0;
    if (c == 0xf4 && s[1] >= 0x90)
        return 0;
    return len;
}

/* The colour sequences text.c writes: ESC [ then one or two digits, then m. */
static size_t sgr_len(const unsigned char *s, size_t n)
{
    if (n < 4 || s[0] != 0x1b || s[1] != '[')
        return 0;
    size_t i = 2;
    while (i < n && i < 4 && s[i] >= '0' && s[i] <= '9')
        i++;
    return i > 2 && i < n && s[i] == 'm' ? i + 1 : 0;
}

void clean_write(const char *s, size_t n, unsigned flags, void (*put)(void *arg, const char *run, size_t len),
                 void *arg)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k = clean_utf8_len(p + i, n - i);
        bool ok = k > 0 && (c >= 0x20 || c == '\t' || (c == '\n' && (flags & CLEAN_NEWLINES))) && c != 0x7f &&
                  !(k == 2 && c == 0xc2 && p[i + 1] < 0xa0); /* C1 controls */
        size_t sgr = (flags & CLEAN_SGR) ? sgr_len(p + i, n - i) : 0;
        if (sgr) {
            i += sgr;
            continue;
        }
        if (ok) {
            i += k;
            continue;
        }
        if (i > start)
            put(arg, s + start, i - start);
        /* A C1 control is two bytes; show both. */
        size_t bad = (k == 2) ? 2 : 1;
        for (size_t b = 0; b < bad; b++) {
            char e[4] = {'\\', 'x', hex[p[i + b] >> 4], hex[p[i + b] & 15]};
            put(arg, e, 4);
        }
        i += bad;
        start = i;
    }
    if (i > start)
        put(arg, s + start, i - start);
}

typedef struct buf {
    char *p;
    size_t n, cap;
    bool failed;
} buf;

static void to_buf(void *arg, const char *run, size_t len)
{
    buf *b = arg;
    if (b->failed)
        return;
    if (b->n + len + 1 > b->cap) {
        size_t cap = (b->cap ? b->cap : 64);
        while (cap < b->n + len + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->n, run, len);
    b->n += len;
    b->p[b->n] = '\0';
}

char *clean_dup(const char *s, unsigned flags)
{
    buf b = {NULL, 0, 0, false};
    s = s ? s : "";
    clean_write(s, strlen(s), flags, to_buf, &b);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : calloc(1, 1);
}

static void count(void *arg, const char *run, size_t len)
{
    (void)run;
    *(size_t *)arg += len;
}

bool clean_is_clean(const char *s, unsigned flags)
{
    size_t n = s ? strlen(s) : 0, out = 0;
    if (!n)
        return true;
    /* Clean text comes out byte for byte: the same length means nothing was escaped (an escape
     * turns one byte into four, so it always grows). */
    clean_write(s, n, flags, count, &out);
    return out == n;
}
