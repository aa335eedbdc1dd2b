/* probe/interrupt.h — what an interrupted run must undo: the process groups of the children it
 * started, its private directories and an unfinished report file. probe/spawn.c registers each
 * child and directory as it makes them; on SIGINT, SIGTERM or SIGHUP, probe/main.c's watcher
 * calls interrupt_stop(), which ends them all and refuses every new one from then on. */
#ifndef ABIPROBE_INTERRUPT_H
#define ABIPROBE_INTERRUPT_H

#include <stdbool.h>
#include <stddef.h>

/* Around the start of a child: interrupt_spawn_begin() returns false when the run is stopping
 * (start nothing then); otherwise it holds the registry until interrupt_spawn_end(pgid) records
 * the new group (pgid <= 0: none was started). No group can start unseen by interrupt_stop(). */
bool interrupt_spawn_begin(void);
void interrupt_spawn_end(int pgid);

/* The group was reaped and killed: forget it. */
void interrupt_forget_group(int pgid);

/* A private directory (removed with everything in it) or a file (unlinked) to remove if the
 * run is interrupted: false when stopping (the caller removes it itself) or out of memory. */
bool interrupt_add_path(const char *path, bool dir);
void interrupt_forget_path(const char *path);

/* Remove dir and everything in it, never following a symbolic link nor crossing into another
 * file system; and forget it. Best-effort. */
void interrupt_remove_tree(const char *dir);

/* fn is called once, before the first child or path is recorded (under the registry's lock):
 * the watcher of the stop signals starts then, as a run without either has nothing to undo. */
void interrupt_on_first_use(void (*fn)(void));

/* True once interrupt_stop() has run. */
bool interrupt_stopping(void);

/* Stop: kill every registered group, remove every registered path, and refuse new ones.
 * *groups and *paths receive how many there were. Idempotent. */
void interrupt_stop(size_t *groups, size_t *paths);

#endif
