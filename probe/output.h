/* probe/output.h — where `-o FILE` writes, decided and opened before any work, so that a report
 * that cannot be written is refused at once instead of lost at the end. A regular file (or a new
 * one) is replaced atomically: a temporary file next to it, renamed over it at the end. Anything
 * else (a character device such as /dev/full, a FIFO, a socket, /dev/stdout and the /proc/self/fd
 * links behind it) is written through and never replaced. A symbolic link is followed to what it
 * names, never replaced itself. ("-", standard output, is the caller's.) */
#ifndef ABIPROBE_OUTPUT_H
#define ABIPROBE_OUTPUT_H

#include "probe/diag.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

typedef struct out_file {
    const char *named;    /* as the user wrote it */
    char final[PATH_MAX]; /* replaced: the file the rename lands on (links followed) */
    char tmp[PATH_MAX];   /* replaced: the temporary file next to it */
    int fd;               /* open from out_open to out_commit/out_abort; -1 when closed */
    bool through;         /* written in place, not replaced */
} out_file;

/* Decide and open; -1 with d set (DIAG_USAGE: it cannot be written) on failure. The temporary
 * file is registered with probe/interrupt.h, so an interrupt removes it. */
int out_open(out_file *o, const char *path, diag *d);

/* A stream over the open file (once); NULL when out of memory. */
FILE *out_stream(out_file *o);

/* Finish: flush and close f (from out_stream), and for a replaced file sync it, give it the
 * umask's mode and rename it over the final path. -1 with d set; the temporary file is gone
 * either way. */
int out_commit(out_file *o, FILE *f, diag *d);

/* Give up: close, and remove the temporary file. Safe to call after out_commit. */
void out_abort(out_file *o);

#endif
