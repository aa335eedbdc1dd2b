/* probe/paths.h — the one place where paths are translated between an image (--sysroot)
 * and this machine, and where whole files are read. scan, check, select, the load scope,
 * the real load and main all go through it; none joins a root and a path by hand. */
#ifndef ABIPROBE_PATHS_H
#define ABIPROBE_PATHS_H

#include <stddef.h>

/* Map a path inside the image to this machine's path of the file, resolving it the way
 * the kernel would inside a chroot (absolute links restart at the root, ".." stops there).
 * root is a directory's realpath ("" or NULL: no sysroot). */
int sysroot_map(const char *root, const char *image_path, char *host, size_t n);

/* An image path's file on this machine (sysroot_map), or, when it cannot be resolved (it
 * does not exist), the plain join ROOT + PATH, so that the message that follows names it.
 * Without a root, the path itself. */
void sysroot_host(const char *root, const char *image_path, char *host, size_t n);

/* The image's path of this machine's path host (a path under root: ROOT or ROOT/...), or NULL
 * when it does not lie under root. Without a root, host itself. */
const char *sysroot_image(const char *root, const char *host);

/* The one translation of this machine's paths inside an image: the real path of host_path
 * (a path under root) with its symlinks resolved as the image resolves them, so that an
 * absolute link leads into the image, never out of it. Without a root, realpath(3). Returns
 * -1 when host_path is not under root, a component does not exist, or the links loop. */
int sysroot_real(const char *root, const char *host_path, char *out, size_t n);

/* How a path is shown: inside an image, the image's path of host (sysroot_image); the
 * path itself when it lies outside the image or there is no root. */
const char *sysroot_shown(const char *root, const char *host);

/* The realpath of a --sysroot argument into root (n bytes), "" for "/" (the machine
 * itself). -1 when it is not a directory. */
int sysroot_resolve(const char *arg, char *root, size_t n);

/* Read a regular file of at most max bytes, NUL-terminated (malloc'd), its length in *len
 * (len may be NULL); NULL if it is missing, not regular (a FIFO never blocks), empty or
 * larger. */
char *path_read_file(const char *path, size_t max, size_t *len);

/* Make every directory above path's last component that is missing (mkdir -p of its parent),
 * each with mode. 0, or -1 with errno when one cannot be made. */
int path_mkdir_parents(const char *path, unsigned mode);

/* The same file mapped read-only instead of read: no copy, and only the pages touched are
 * brought in. Its bytes end at *len (no NUL is added); unmap it with path_unmap_file. */
const char *path_map_file(const char *path, size_t max, size_t *len);
void path_unmap_file(const char *p, size_t len);

#endif
