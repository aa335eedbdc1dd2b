/* probe/paths.c — image and host paths, and reading whole files (see probe/paths.h). */
#define _GNU_SOURCE
#include "probe/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

void sysroot_host(const char *root, const char *image_path, char *host, size_t n)
{
    if (sysroot_map(root, image_path, host, n) != 0)
        snprintf(host, n, "%s%s", root ? root : "", image_path);
}

const char *sysroot_image(const char *root, const char *host)
{
    if (!root || !*root)
        return host;
    size_t rl = strlen(root);
    if (strncmp(host, root, rl) != 0)
        return NULL;
    return host[rl] == '/' ? host + rl : host[rl] == '\0' ? "/" : NULL;
}

int sysroot_real(const char *root, const char *host_path, char *out, size_t n)
{
    if (!root || !*root) {
        char real[PATH_MAX];
        if (!realpath(host_path, real) || (size_t)snprintf(out, n, "%s", real) >= n)
            return -1;
        return 0;
    }
    size_t rl = strlen(root);
    if (strncmp(host_path, root, rl) != 0 || (host_path[rl] != '/' && host_path[rl] != '\0'))
        return -1;
    return sysroot_map(root, host_path[rl] ? host_path + rl : "/", out, n);
}

/* The walk inside a root: its buffers (32 KiB) stay off the stack of the common case, a path
 * of this machine, which the many lookups of a load scope make. */
__attribute__((noinline)) static int map_in_root(const char *root, const char *image_path, char *host, size_t n)
{
    char todo[PATH_MAX * 2], done[PATH_MAX] = "";
    if ((size_t)snprintf(todo, sizeof todo, "%s", image_path) >= sizeof todo)
        return -1;
    int links = 0;
    char *rest = todo;
    while (*rest) {
        while (*rest == '/')
            rest++;
        if (!*rest)
            break;
        char *slash = strchr(rest, '/');
        size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
        char comp[NAME_MAX + 1];
        if (len > NAME_MAX)
            return -1;
        memcpy(comp, rest, len);
        comp[len] = '\0';
        rest += len;
        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            char *up = strrchr(done, '/');
            if (up)
                *up = '\0'; /* never above the root */
            continue;
        }
        char cand[PATH_MAX * 2];
        snprintf(cand, sizeof cand, "%s%s/%s", root, done, comp);
        struct stat st;
        if (lstat(cand, &st) != 0)
            return -1;
        if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t tl = readlink(cand, target, sizeof target - 1);
            if (tl < 0 || ++links > 40)
                return -1;
            target[tl] = '\0';
            char next[PATH_MAX * 2];
            if ((size_t)snprintf(next, sizeof next, "%s%s%s", target, *rest ? "/" : "", rest) >= sizeof next)
                return -1;
            if (target[0] == '/')
                done[0] = '\0';
            snprintf(todo, sizeof todo, "%s", next);
            rest = todo;
            continue;
        }
        size_t dl = strlen(done);
        if (dl + 1 + len >= sizeof done)
            return -1;
        snprintf(done + dl, sizeof done - dl, "/%s", comp);
    }
    if ((size_t)snprintf(host, n, "%s%s", root, done[0] ? done : "/") >= n)
        return -1;
    return 0;
}

int sysroot_map(const char *root, const char *image_path, char *host, size_t n)
{
    if (root)
        return map_in_root(root, image_path, host, n);
    return (size_t)snprintf(host, n, "%s", image_path) < n ? 0 : -1;
}

const char *sysroot_shown(const char *root, const char *host)
{
    const char *img = sysroot_image(root, host);
    return img ? img : host;
}

int sysroot_resolve(const char *arg, char *root, size_t n)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(arg, real) || stat(real, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    return (size_t)snprintf(root, n, "%s", strcmp(real, "/") == 0 ? "" : real) < n ? 0 : -1;
}

/* The file at path opened for reading when it is a regular file of 1 to max bytes (its size
 * in *size), else -1. A FIFO never blocks the open; a symlink at the end is refused. */
static int open_regular(const char *path, size_t max, size_t *size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 || (size_t)st.st_size > max)) {
        close(fd);
        fd = -1;
    }
    if (fd >= 0)
        *size = (size_t)st.st_size;
    return fd;
}

const char *path_map_file(const char *path, size_t max, size_t *len)
{
    size_t size;
    int fd = open_regular(path, max, &size);
    if (fd < 0)
        return NULL;
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (p == MAP_FAILED)
        return NULL;
    *len = size;
    return p;
}

void path_unmap_file(const char *p, size_t len)
{
    if (p)
        munmap((void *)p, len);
}

int path_mkdir_parents(const char *path, unsigned mode)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST)
                return -1;
            *s = '/';
        }
    return 0;
}

char *path_read_file(const char *path, size_t max, size_t *len)
{
    size_t size;
    int fd = open_regular(path, max, &size);
    if (fd < 0)
        return NULL;
    char *buf = malloc(size + 1);
    if (!buf)
        goto done;
    size_t got = 0;
    while (got < size) {
        ssize_t k = read(fd, buf + got, size - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    if (got != size) {
        free(buf);
        buf = NULL;
        goto done;
    }
    buf[got] = '\0';
    if (len)
        *len = got;
done:
    close(fd);
    return buf;
}
