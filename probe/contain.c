/* probe/contain.c — the box that package and addon code runs in (see contain.h). The namespaces
 * and mounts are the kernel's (unshare, open_tree, mount_setattr, move_mount); what is kept
 * visible is cloned before the rest turns read-only. */
#define _GNU_SOURCE
#include "probe/contain.h"

#include "probe/paths.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static contain_policy policy = {CONTAIN_AUTO, NULL, NULL, 0, NULL, 0};

void contain_configure(const contain_policy *p) { policy = *p; }

/* ---------- credentials in the environment ---------- */

static bool has_word(const char *name, size_t len, const char *word)
{
    size_t wl = strlen(word);
    for (size_t i = 0; i + wl <= len; i++)
        if (strncasecmp(name + i, word, wl) == 0)
            return true;
    return false;
}

bool contain_withheld(const char *name)
{
    size_t len = strcspn(name, "=");
    static const char *const words[] = {"TOKEN", "SECRET", "PASSWORD", "PASSWD", "CREDENTIAL", "AUTH", "PRIVATE", NULL};
    static const char *const prefixes[] = {"AWS_", "AZURE_", "GCP_", "GOOGLE_APPLICATION_", NULL};
    for (size_t i = 0; words[i]; i++)
        if (has_word(name, len, words[i]))
            return true;
    for (size_t i = 0; prefixes[i]; i++)
        if (len >= strlen(prefixes[i]) && strncasecmp(name, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return (len >= 4 && strncasecmp(name + len - 4, "_KEY", 4) == 0) ||
           (len >= 7 && strncasecmp(name + len - 7, "_KEY_ID", 7) == 0);
}

/* ---------- the argv prefix ---------- */

static int available = -1; /* -1: not tried yet */
static char unavailable_why[256];

size_t contain_argv(const char *dir, const char **out)
{
    const char *why;
    /* Not configured (a library caller, such as the tests of the engine): children run as they are. */
    if (!policy.self_exe || !policy.self_exe[0] || policy.mode == CONTAIN_OFF)
        return 0;
    if (contain_available(&why) != 1)
        return policy.mode == CONTAIN_REQUIRE ? CONTAIN_REFUSED : 0;
    size_t k = 0;
    out[k++] = policy.self_exe;
    out[k++] = "__contain";
    for (size_t i = 0; i < policy.nread && k + 6 < CONTAIN_ARGV_MAX; i++) {
        out[k++] = "-r";
        out[k++] = policy.read[i];
    }
    for (size_t i = 0; i < policy.npass && k + 6 < CONTAIN_ARGV_MAX; i++) {
        out[k++] = "-e";
        out[k++] = policy.pass_env[i];
    }
    if (dir) {
        out[k++] = "-w";
        out[k++] = dir;
    }
    out[k++] = "--";
    return k;
}

/* ---------- entering ---------- */

static int write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = write(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* mkdir -p path's directories; a last component that is a file (is_file) gets an empty file,
 * a mount point for a file. */
static int make_point(const char *path, bool is_file)
{
    const char *p = path;
    if (path_mkdir_parents(p, 0755) != 0)
        return -1;
    struct stat st;
    if (lstat(p, &st) == 0)
        return 0; /* already there (inside a kept parent, for one) */
    if (is_file) {
        int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            return -1;
        if (fd >= 0)
            close(fd);
        return 0;
    }
    return mkdir(p, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

typedef struct kept {
    const char *path;
    int fd; /* a detached clone of what is mounted there, taken before the rest turned read-only */
    bool write;
    bool is_file;
    bool mounted; /* back in place */
} kept;

static int by_length(const void *a, const void *b)
{
    size_t la = strlen(((const kept *)a)->path), lb = strlen(((const kept *)b)->path);
    return (la > lb) - (la < lb);
}

/* Under dir (a hidden place: HOME or /tmp)? */
static bool under(const char *path, const char *dir)
{
    size_t n = dir ? strlen(dir) : 0;
    return n > 1 && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

#define FAIL(...)                                                                                                      \
    do {                                                                                                               \
        snprintf(why, n, __VA_ARGS__);                                                                                 \
        goto fail;                                                                                                     \
    } while (0)

/* The namespaces and the mounts for this process (children inherit them). */
static int enter(kept *k, size_t nk, const char *home, char *why, size_t n)
{
    uid_t uid = getuid();
    gid_t gid = getgid();
    bool root = geteuid() == 0;
    /* Root keeps its own user namespace: a new one would lose root's reach over files of users
     * it does not map. Anyone else gets one, mapped to itself, for the rights to mount. */
    if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID | (root ? 0 : CLONE_NEWUSER)) != 0)
        FAIL("unshare: %s", strerror(errno));
    if (!root) {
        char map[64];
        if (write_file("/proc/self/setgroups", "deny") != 0 && errno != ENOENT)
            FAIL("setgroups: %s", strerror(errno));
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
        if (write_file("/proc/self/uid_map", map) != 0)
            FAIL("uid_map: %s", strerror(errno));
        snprintf(map, sizeof map, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
        if (write_file("/proc/self/gid_map", map) != 0)
            FAIL("gid_map: %s", strerror(errno));
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
        FAIL("making / private: %s", strerror(errno));
    for (size_t i = 0; i < nk; i++) {
        struct stat st;
        k[i].fd = -1;
        if (stat(k[i].path, &st) != 0)
            continue; /* nothing to keep */
        k[i].is_file = !S_ISDIR(st.st_mode);
        k[i].fd = open_tree(AT_FDCWD, k[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
        if (k[i].fd < 0)
            FAIL("open_tree %s: %s", k[i].path, strerror(errno));
    }
    /* Everything read-only; then private, writable HOME and /tmp over it. */
    struct mount_attr ro = {.attr_set = MOUNT_ATTR_RDONLY};
    if (mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &ro, sizeof ro) != 0)
        FAIL("read-only /: %s", strerror(errno));
    struct stat hs;
    bool hide_home = home && home[0] == '/' && strcmp(home, "/") != 0 && stat(home, &hs) == 0 && S_ISDIR(hs.st_mode);
    if (hide_home && mount("tmpfs", home, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") != 0)
        FAIL("tmpfs on %s: %s", home, strerror(errno));
    if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0)
        FAIL("tmpfs on /tmp: %s", strerror(errno));
    /* The kept paths, parents first: read-only ones where HOME or /tmp hid them, writable ones
     * wherever they are. */
    qsort(k, nk, sizeof *k, by_length);
    for (size_t i = 0; i < nk; i++) {
        if (k[i].fd < 0)
            continue;
        bool hidden = (hide_home && under(k[i].path, home)) || under(k[i].path, "/tmp");
        /* A read-only path inside one already back in place is seen through it. */
        bool covered = false;
        for (size_t j = 0; j < i && !covered; j++)
            covered = k[j].mounted && !k[j].write && under(k[i].path, k[j].path);
        if (!k[i].write && (!hidden || covered))
            continue;
        if (!k[i].write && mount_setattr(k[i].fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof ro) != 0)
            FAIL("read-only %s: %s", k[i].path, strerror(errno));
        if (make_point(k[i].path, k[i].is_file) != 0 && hidden)
            FAIL("mount point %s: %s", k[i].path, strerror(errno));
        if (move_mount(k[i].fd, "", AT_FDCWD, k[i].path, MOVE_MOUNT_F_EMPTY_PATH) != 0)
            FAIL("mounting %s: %s", k[i].path, strerror(errno));
        k[i].mounted = true;
    }
    /* A project's own registry credentials (.npmrc, .yarnrc.yml beside its package.json) read
     * as empty: an empty file of the private /tmp is mounted over each. */
    static const char *const secrets[] = {".npmrc", ".yarnrc.yml", NULL};
    const char empty[] = "/tmp/.abiprobe-empty";
    for (size_t i = 0; i < nk; i++) {
        for (size_t s = 0; !k[i].is_file && secrets[s]; s++) {
            char f[PATH_MAX];
            struct stat fst;
            if (snprintf(f, sizeof f, "%s/%s", k[i].path, secrets[s]) >= (int)sizeof f || lstat(f, &fst) != 0 ||
                !S_ISREG(fst.st_mode))
                continue;
            int efd = open(empty, O_WRONLY | O_CREAT | O_CLOEXEC, 0444);
            if (efd >= 0)
                close(efd);
            int mfd = open_tree(AT_FDCWD, empty, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
            if (mfd < 0 || move_mount(mfd, "", AT_FDCWD, f, MOVE_MOUNT_F_EMPTY_PATH) != 0) {
                if (mfd >= 0)
                    close(mfd);
                FAIL("hiding %s: %s", f, strerror(errno));
            }
            close(mfd);
        }
    }
    /* The loopback of its own, up (a new network namespace has it down). */
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        struct ifreq ifr;
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
        if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
            ifr.ifr_flags |= IFF_UP;
            ioctl(s, SIOCSIFFLAGS, &ifr);
        }
        close(s);
    }
    for (size_t i = 0; i < nk; i++)
        if (k[i].fd >= 0)
            close(k[i].fd);
    return 0;
fail:
    for (size_t i = 0; i < nk; i++)
        if (k[i].fd >= 0)
            close(k[i].fd);
    return -1;
}

/* The environment without its credentials (those named in pass, kept). */
static char **clean_env(char **pass, size_t npass)
{
    size_t n = 0;
    while (environ[n])
        n++;
    char **env = calloc(n + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        bool keep = !contain_withheld(environ[i]);
        size_t len = strcspn(environ[i], "=");
        for (size_t j = 0; j < npass && !keep; j++)
            keep = strlen(pass[j]) == len && strncmp(pass[j], environ[i], len) == 0;
        if (keep)
            env[k++] = environ[i];
    }
    return env;
}

int contain_exec(int argc, char **argv, char *why, size_t n)
{
    kept k[CONTAIN_ARGV_MAX];
    char *pass[CONTAIN_ARGV_MAX];
    size_t nk = 0, np = 0;
    int i = 0;
    while (i < argc && strcmp(argv[i], "--") != 0) {
        if (i + 1 >= argc || nk >= CONTAIN_ARGV_MAX || np >= CONTAIN_ARGV_MAX) {
            snprintf(why, n, "usage: __contain [-r PATH]... [-w PATH]... [-e NAME]... -- PROG ARGS...");
            return 2;
        }
        if (strcmp(argv[i], "-r") == 0 || strcmp(argv[i], "-w") == 0)
            k[nk++] = (kept){argv[i + 1], -1, argv[i][1] == 'w', false, false};
        else if (strcmp(argv[i], "-e") == 0)
            pass[np++] = argv[i + 1];
        i += 2;
    }
    if (i + 1 >= argc) {
        snprintf(why, n, "usage: __contain [-r PATH]... [-w PATH]... [-e NAME]... -- PROG ARGS...");
        return 2;
    }
    char **prog = argv + i + 1;
    char **env = clean_env(pass, np);
    if (!env) {
        snprintf(why, n, "out of memory");
        return 125;
    }
    if (enter(k, nk, getenv("HOME"), why, n) != 0) {
        free(env);
        return 125;
    }
    /* The new PID namespace's first process is a reaper of this file, not the runtime: a
     * namespace's init gets no signal it has no handler for, not even its own raise(SIGSEGV),
     * and a runtime must end as it would anywhere. When the reaper ends, so does everything
     * started in the namespace. It tells the runtime's wait status through a pipe. */
    int sp[2];
    if (pipe2(sp, O_CLOEXEC) != 0) {
        snprintf(why, n, "pipe: %s", strerror(errno));
        free(env);
        return 125;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "fork: %s", strerror(errno));
        free(env);
        return 125;
    }
    if (pid == 0) {
        close(sp[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* abiprobe's timeout kills this one's parent */
        int st = 127 << 8;
        pid_t rt = fork();
        if (rt == 0) {
            close(sp[1]);
            execve(prog[0], prog, env);
            _exit(127); /* the spawner reports "exit 127": the runtime could not be started */
        }
        for (int w; rt > 0;) {
            pid_t got = waitpid(-1, &w, 0); /* orphans of the namespace come here too */
            if (got == rt) {
                st = w;
                break;
            }
            if (got < 0 && errno != EINTR)
                break;
        }
        ssize_t wr = write(sp[1], &st, sizeof st);
        _exit(wr == (ssize_t)sizeof st ? 0 : 125);
    }
    close(sp[1]);
    free(env);
    int st = 0, pst = 0;
    ssize_t got;
    while ((got = read(sp[0], &st, sizeof st)) < 0 && errno == EINTR)
        ;
    close(sp[0]);
    while (waitpid(pid, &pst, 0) < 0 && errno == EINTR)
        ;
    if (got != (ssize_t)sizeof st)
        st = pst; /* the reaper itself was killed (the timeout): that is the end */
    if (WIFSIGNALED(st)) {
        /* The same end for whoever waits for this process: the runtime's signal. */
        signal(WTERMSIG(st), SIG_DFL);
        raise(WTERMSIG(st));
        return 128 + WTERMSIG(st);
    }
    why[0] = '\0';
    return WIFEXITED(st) ? WEXITSTATUS(st) : 125;
}

static pthread_once_t tried = PTHREAD_ONCE_INIT;
static void try_once(void);

int contain_available(const char **why)
{
    if (policy.mode == CONTAIN_OFF) {
        *why = "--contain=off";
        return 0;
    }
    pthread_once(&tried, try_once);
    *why = available ? NULL : unavailable_why;
    return available;
}

int contain_outcome(const char **why)
{
    if (policy.mode == CONTAIN_OFF) {
        *why = "--contain=off";
        return policy.self_exe ? 0 : -1;
    }
    if (available < 0)
        return -1;
    *why = available ? NULL : unavailable_why;
    return available;
}

/* Whether the namespaces can be made, tried in a child as the runtimes will be; it says what the
 * kernel refused. Only system calls and snprintf in the child: the run may have threads. */
static void try_once(void)
{
    {
        int p[2] = {-1, -1};
        char w[160] = "";
        if (pipe2(p, O_CLOEXEC) != 0)
            p[0] = p[1] = -1;
        pid_t pid = fork();
        if (pid == 0) {
            kept none[1];
            int ok = enter(none, 0, NULL, w, sizeof w) == 0;
            if (!ok && p[1] >= 0 && write(p[1], w, strlen(w)) < 0)
                ok = 0;
            _exit(ok ? 0 : 1);
        }
        if (p[1] >= 0)
            close(p[1]);
        ssize_t got = p[0] >= 0 && pid > 0 ? read(p[0], w, sizeof w - 1) : -1;
        w[got > 0 ? got : 0] = '\0';
        if (p[0] >= 0)
            close(p[0]);
        int st = 0;
        while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        available = pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
        if (!available)
            snprintf(unavailable_why, sizeof unavailable_why,
                     "this system does not let abiprobe make the namespaces it contains package code in (%s: the "
                     "kernel, or a policy such as AppArmor's, forbids them)",
                     w[0] ? w : "fork failed");
    }
}
