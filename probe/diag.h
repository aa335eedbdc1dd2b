/* probe/diag.h — errors travel in a caller-owned struct: a code, errno, and a one-line message. */
#ifndef ABIPROBE_DIAG_H
#define ABIPROBE_DIAG_H

/* What went wrong, coarse enough to pick an exit status from. */
typedef enum diag_code {
    DIAG_OK = 0,
    DIAG_USAGE,   /* the command line or a config is wrong */
    DIAG_IO,      /* a file could not be opened or read */
    DIAG_FORMAT,  /* the file is malformed (corrupt or truncated ELF) */
    DIAG_FOREIGN, /* the file is well-formed but not ELF (Mach-O, PE, ...) */
    DIAG_NOMEM,   /* out of memory */
    DIAG_SPAWN,   /* a child process could not be started or did not report */
} diag_code;

/* One error: code, saved errno (0 if none) and a message naming the file. */
typedef struct diag {
    diag_code code;
    int sys_errno;
    char msg[512];
} diag;

/* Record an error in d (NULL-safe) and return -1, so callers can `return diag_set(...)`. */
int diag_set(diag *d, diag_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Like diag_set, with errno saved and strerror(errno) appended after ": ". */
int diag_errno(diag *d, diag_code code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Reset d to "no error". */
void diag_clear(diag *d);

#endif
