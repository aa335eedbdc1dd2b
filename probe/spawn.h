/* probe/spawn.h — child processes: posix_spawn with argv (no shell), a process group of
 * their own, RLIMIT_CPU, a timeout that kills the whole group, and stdout/stderr drained
 * concurrently into capped buffers. */
#ifndef ABIPROBE_SPAWN_H
#define ABIPROBE_SPAWN_H

#include "probe/diag.h"

#include <stdbool.h>
#include <stddef.h>

/* What to run and under which bounds. */
typedef struct spawn_req {
    const char *const *argv; /* argv[0] is the program's path; there is no PATH search */
    const char *const *env;  /* the whole environment, or NULL for this process's own */
    const char *cwd;         /* working directory, or NULL to inherit */
    unsigned timeout_ms;     /* wall-clock bound for the child; 0 means 30 s */
    unsigned cpu_seconds;    /* RLIMIT_CPU for the child; 0 for none */
    size_t out_cap;          /* bytes of stdout kept (the last ones); 0 means 64 KiB */
    size_t err_cap;          /* bytes of stderr kept (the last ones); 0 means 64 KiB */
} spawn_req;

/* How the child ended and what it printed. */
typedef struct spawn_res {
    bool exited; /* ended by exit(); exit_code is valid */
    int exit_code;
    int term_signal; /* the signal that ended it, or 0 */
    bool timed_out;  /* the group was killed at the deadline */
    char *out;       /* NUL-terminated tail of stdout (malloc'd) */
    size_t out_len;
    bool out_truncated; /* more was written than out_cap */
    char *err;          /* NUL-terminated tail of stderr (malloc'd) */
    size_t err_len;
    bool err_truncated;
    unsigned elapsed_ms;
} spawn_res;

/* Run q to completion (or to its deadline). Returns -1 only when the child could not be
 * started; how it ended is in *res either way. Free *res with spawn_res_free(). */
int spawn_run(const spawn_req *q, spawn_res *res, diag *d);

/* A child started and not yet waited for. */
typedef struct spawn_proc {
    int pid; /* its process (and group), or -1 */
    int out_fd, err_fd;
    long long start; /* when it started (ms, monotonic) */
} spawn_proc;

/* spawn_run in two halves, for a child that starts before its work is known (its stdin then
 * brings the work). spawn_start: the child of q with stdin_fd as its stdin (-1: an empty one);
 * the caller closes its own copy. spawn_wait: drain and reap it, the deadline counting from
 * this call. spawn_abandon: kill and reap one that will not be waited for. */
int spawn_start(const spawn_req *q, int stdin_fd, spawn_proc *p, diag *d);
int spawn_wait(const spawn_req *q, spawn_proc *p, spawn_res *res, diag *d);
void spawn_abandon(spawn_proc *p);

/* Write all of buf to fd (a child's stdin): false when the child is gone or it failed. A
 * closed pipe never raises SIGPIPE here. */
bool spawn_write_all(int fd, const void *buf, size_t n);

/* Release the buffers of res. NULL-safe. */
void spawn_res_free(spawn_res *res);

/* "exit 0", "killed by SIGSEGV", "timed out after 5.0 s" into buf; returns buf. */
const char *spawn_describe(const spawn_res *res, char *buf, size_t n);

/* The last non-empty line of s (a pointer into s, length in *len), or NULL. */
const char *spawn_last_line(const char *s, size_t n, size_t *len);

/* This process's environment with the given "NAME=value" entries set (replacing any
 * existing NAME). The array is malloc'd; its strings are borrowed. NULL when out of memory. */
char **spawn_env_with(const char *const *set);

/* Create a private (0700) directory "abiprobe-XXXXXX" under $TMPDIR or /tmp into buf.
 * Returns -1 with d set on failure. */
int spawn_tempdir(char *buf, size_t n, diag *d);

/* Remove dir and everything in it (what a child wrote there: a loader's copies, caches), never
 * following a symbolic link nor crossing into another file system. Best-effort. */
void spawn_rmtree(const char *dir);

#endif
