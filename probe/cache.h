/* probe/cache.h — the user's cache of facts that do not change between runs while the file
 * they are about stays the same: a runtime's answers and export counts (probe/runtime.c),
 * an addon's demangled names (probe/check.c). Entries live under $XDG_CACHE_HOME/abiprobe
 * (or ~/.cache/abiprobe), each carrying the key it was written for: the file's path and
 * identity (device, inode, size, mtime and ctime), so a changed or replaced file is read
 * afresh. ABIPROBE_NO_CACHE=1 turns the cache off. Every use is best-effort: an entry that
 * cannot be read or written costs only time, never a result. */
#ifndef ABIPROBE_CACHE_H
#define ABIPROBE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

/* The key of kind's entry for file (kind names what is cached and its format version, e.g.
 * "facts-3") and the entry's path, <cache>/abiprobe/<dir>/<hash of the key><ext>. false
 * when caching is off, file cannot be stat'ed, or a buffer is too small. */
bool cache_locate(const char *file, const char *kind, const char *dir, const char *ext, char *key, size_t kn,
                  char *path, size_t pn);

/* <cache>/abiprobe/<dir> into path ($XDG_CACHE_HOME, else ~/.cache), whether the cache is on
 * or not (runtimes fetched by version live there: they are downloads, not remembered facts).
 * false when neither variable is set or path is too small. */
bool cache_root(const char *dir, char *path, size_t pn);

/* Write n bytes to path through a temporary file and a rename, so a reader sees the old
 * entry or the new one, never half of one; its directories are made private (0700). */
void cache_store(const char *path, const void *data, size_t n);

#endif
