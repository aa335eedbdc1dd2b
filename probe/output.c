/* probe/output.c — `-o FILE`: decided and opened before any work (see output.h). */
#define _GNU_SOURCE
#include "probe/output.h"

#include "probe/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Links followed before giving up, as the kernel's own limit for a path (ELOOP). */
enum { MAX_LINKS = 40 };

/* /dev and /proc hold devices and the kernel's links (/dev/stdout -> /proc/self/fd/1 -> a pipe):
 * never a place for a new or a replaced file, even for root. */
static bool kernel_path(const char *p) { return strncmp(p, "/dev/", 5) == 0 || strncmp(p, "/proc/", 6) == 0; }

/* The directory part of p into buf ("." when it has none). */
static void dir_of(const char *p, char *buf, size_t n)
{
    const char *slash = strrchr(p, '/');
    if (!slash)
        snprintf(buf, n, ".");
    else if (slash == p)
        snprintf(buf, n, "/");
    else
        snprintf(buf, n, "%.*s", (int)(slash - p), p);
}

/* Follow p's links, one at a time, to what the report replaces or writes through. */
static int resolve(out_file *o, diag *d)
{
    char cur[PATH_MAX];
    if (snprintf(cur, sizeof cur, "%s", o->named) >= (int)sizeof cur)
        return diag_set(d, DIAG_USAGE, "-o %s: path too long", o->named);
    for (int hop = 0; hop <= MAX_LINKS; hop++) {
        struct stat st;
        if (kernel_path(cur)) {
            o->through = true;
            return 0;
        }
        if (lstat(cur, &st) != 0) {
            if (errno != ENOENT)
                return diag_errno(d, DIAG_USAGE, "-o %s", o->named);
            snprintf(o->final, sizeof o->final, "%s", cur); /* a new file */
            return 0;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX], dir[PATH_MAX];
            ssize_t n = readlink(cur, target, sizeof target - 1);
            if (n < 0)
                return diag_errno(d, DIAG_USAGE, "-o %s", o->named);
            target[n] = '\0';
            if (target[0] != '/') {
                dir_of(cur, dir, sizeof dir);
                if (snprintf(cur, sizeof cur, "%s/%s", dir, target) >= (int)sizeof cur)
                    return diag_set(d, DIAG_USAGE, "-o %s: path too long", o->named);
            } else {
                snprintf(cur, sizeof cur, "%s", target);
            }
            continue;
        }
        if (S_ISDIR(st.st_mode))
            return diag_set(d, DIAG_USAGE, "-o %s: is a directory", o->named);
        if (S_ISREG(st.st_mode))
            snprintf(o->final, sizeof o->final, "%s", cur);
        else
            o->through = true; /* a device, a FIFO, a socket */
        return 0;
    }
    return diag_set(d, DIAG_USAGE, "-o %s: too many levels of symbolic links", o->named);
}

int out_open(out_file *o, const char *path, diag *d)
{
    memset(o, 0, sizeof *o);
    o->named = path;
    o->fd = -1;
    if (resolve(o, d) != 0)
        return -1;
    if (o->through) {
        /* As a shell's `>` would open it, without truncating what /proc/self/fd may name (a log
         * opened for appending). A FIFO waits for its reader here, as a shell does. */
        o->fd = open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC);
        if (o->fd < 0)
            return diag_errno(d, DIAG_USAGE, "-o %s", path);
        return 0;
    }
    if (snprintf(o->tmp, sizeof o->tmp, "%s.tmpXXXXXX", o->final) >= (int)sizeof o->tmp)
        return diag_set(d, DIAG_USAGE, "-o %s: path too long", path);
    o->fd = mkostemp(o->tmp, O_CLOEXEC);
    if (o->fd < 0) {
        o->tmp[0] = '\0';
        return diag_errno(d, DIAG_USAGE, "-o %s", path);
    }
    if (!interrupt_add_path(o->tmp, false)) {
        out_abort(o);
        return diag_set(d, DIAG_USAGE, "-o %s: abiprobe is being interrupted", path);
    }
    return 0;
}

FILE *out_stream(out_file *o)
{
    FILE *f = fdopen(o->fd, "w");
    if (f)
        o->fd = -1; /* the stream owns it now */
    return f;
}

int out_commit(out_file *o, FILE *f, diag *d)
{
    int rc = 0, e = 0;
    if (fflush(f) != 0 && !e)
        e = errno;
    if (!o->through) {
        /* mkstemp makes the file 0600; a report is an ordinary file, made under the user's umask. */
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fileno(f), 0666 & ~mask) != 0 && !e)
            e = errno;
        if (fsync(fileno(f)) != 0 && !e)
            e = errno;
    }
    if (fclose(f) != 0 && !e)
        e = errno;
    if (!e && !o->through && rename(o->tmp, o->final) != 0)
        e = errno;
    if (e) {
        errno = e;
        rc = diag_errno(d, DIAG_USAGE, "-o %s", o->named);
    }
    if (!o->through && !e) {
        interrupt_forget_path(o->tmp);
        o->tmp[0] = '\0';
    }
    out_abort(o);
    return rc;
}

void out_abort(out_file *o)
{
    if (o->fd >= 0)
        close(o->fd);
    o->fd = -1;
    if (o->tmp[0]) {
        unlink(o->tmp);
        interrupt_forget_path(o->tmp);
        o->tmp[0] = '\0';
    }
}
