/* probe/cache.c — where cache entries live and how they are written (probe/cache.h). */
#define _GNU_SOURCE
#include "probe/cache.h"

#include "probe/paths.h"

#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool cache_locate(const char *file, const char *kind, const char *dir, const char *ext, char *key, size_t kn,
                  char *path, size_t pn)
{
    const char *off = getenv("ABIPROBE_NO_CACHE");
    if (off && *off && strcmp(off, "0") != 0)
        return false;
    struct stat st;
    if (stat(file, &st) != 0)
        return false;
    int k = snprintf(key, kn, "%s|%s|%ju|%ju|%jd|%ld.%09ld|%ld.%09ld", kind, file, (uintmax_t)st.st_dev,
                     (uintmax_t)st.st_ino, (intmax_t)st.st_size, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
                     (long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    if (k < 0 || (size_t)k >= kn)
        return false;
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w = xdg && *xdg     ? snprintf(path, pn, "%s/abiprobe/%s/%016" PRIx64 "%s", xdg, dir, h, ext)
            : home && *home ? snprintf(path, pn, "%s/.cache/abiprobe/%s/%016" PRIx64 "%s", home, dir, h, ext)
                            : -1;
    return w > 0 && (size_t)w < pn;
}

bool cache_root(const char *dir, char *path, size_t pn)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int w = xdg && *xdg     ? snprintf(path, pn, "%s/abiprobe/%s", xdg, dir)
            : home && *home ? snprintf(path, pn, "%s/.cache/abiprobe/%s", home, dir)
                            : -1;
    return w > 0 && (size_t)w < pn;
}

void cache_store(const char *path, const void *data, size_t n)
{
    char tmp[PATH_MAX + 16];
    path_mkdir_parents(path, 0700); /* private; a failure shows as the fopen's */
    snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    bool ok = fwrite(data, 1, n, f) == n;
    if (fclose(f) == 0 && ok)
        rename(tmp, path);
    else
        unlink(tmp);
}
