/* probe/diag.c — filling the caller's error record. */
#include "probe/diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int diag_set(diag *d, diag_code code, const char *fmt, ...)
{
    if (!d)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    d->code = code;
    d->sys_errno = 0;
    vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int diag_errno(diag *d, diag_code code, const char *fmt, ...)
{
    int saved = errno;
    if (!d)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    d->code = code;
    d->sys_errno = saved;
    int n = vsnprintf(d->msg, sizeof d->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof d->msg)
        snprintf(d->msg + n, sizeof d->msg - (size_t)n, ": %s", strerror(saved));
    errno = saved;
    return -1;
}

void diag_clear(diag *d)
{
    if (!d)
        return;
    d->code = DIAG_OK;
    d->sys_errno = 0;
    d->msg[0] = '\0';
}
