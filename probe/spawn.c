/* probe/spawn.c — running a child safely. The child gets an empty pipe for stdin, pipes for
 * stdout and stderr, default signal dispositions, an empty signal mask and its own process
 * group, so one kill(-pgid) reaches everything it started. */
#define _GNU_SOURCE
#include "probe/spawn.h"

#include "probe/interrupt.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

enum {
    DEFAULT_TIMEOUT_MS = 30000,
    DEFAULT_CAP = 64 * 1024,
    /* After the child exits, grandchildren may hold the pipes; wait this long, no more. */
    DRAIN_GRACE_MS = 200,
    POLL_SLICE_MS = 50,
};

/* A buffer that keeps the last `cap` bytes written to it. */
typedef struct tailbuf {
    char *buf;
    size_t len, cap;
    bool truncated;
} tailbuf;

static int tail_init(tailbuf *t, size_t cap)
{
    t->cap = cap;
    t->len = 0;
    t->truncated = false;
    t->buf = malloc(2 * cap + 1);
    return t->buf ? 0 : -1;
}

static void tail_add(tailbuf *t, const char *p, size_t n)
{
    if (n >= t->cap) {
        memcpy(t->buf, p + n - t->cap, t->cap);
        t->truncated = t->truncated || n > t->cap || t->len > 0;
        t->len = t->cap;
        return;
    }
    if (t->len + n > 2 * t->cap) {
        /* Keep only the last cap bytes before appending; the buffer holds at most 2*cap. */
        size_t keep = t->cap - n;
        memmove(t->buf, t->buf + t->len - keep, keep);
        t->len = keep;
        t->truncated = true;
    }
    memcpy(t->buf + t->len, p, n);
    t->len += n;
}

static void tail_finish(tailbuf *t, char **out, size_t *len, bool *trunc)
{
    if (t->len > t->cap) {
        memmove(t->buf, t->buf + t->len - t->cap, t->cap);
        t->len = t->cap;
        t->truncated = true;
    }
    t->buf[t->len] = '\0';
    *out = t->buf;
    *len = t->len;
    *trunc = t->truncated;
    t->buf = NULL;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what is available; returns false at EOF or on a hard error. */
static bool drain(int fd, tailbuf *t)
{
    char chunk[16384];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n > 0) {
            tail_add(t, chunk, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

static void record_status(spawn_res *res, int st)
{
    if (WIFEXITED(st)) {
        res->exited = true;
        res->exit_code = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        res->term_signal = WTERMSIG(st);
    }
}

int spawn_start(const spawn_req *q, int stdin_fd, spawn_proc *p, diag *d)
{
    *p = (spawn_proc){-1, -1, -1, 0};
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, inp[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    bool fa_init = false, attr_init = false;
    int rc = -1;
    /* stdin is the caller's pipe, or an empty pipe closed at once: end of file, as /dev/null
     * gives, in an image that has no /dev at all. */
    if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 || (stdin_fd < 0 && pipe2(inp, O_CLOEXEC) != 0)) {
        diag_errno(d, DIAG_SPAWN, "%s: pipe", q->argv[0]);
        goto done;
    }
    posix_spawn_file_actions_init(&fa);
    fa_init = true;
    posix_spawn_file_actions_adddup2(&fa, stdin_fd >= 0 ? stdin_fd : inp[0], 0);
    posix_spawn_file_actions_adddup2(&fa, outp[1], 1);
    posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    if (q->cwd)
        posix_spawn_file_actions_addchdir_np(&fa, q->cwd);
    posix_spawnattr_init(&attr);
    attr_init = true;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    p->start = now_ms();
    pid_t pid = -1;
    /* An interrupted run starts nothing more; a started group is recorded before anyone can
     * interrupt the run without seeing it. */
    if (!interrupt_spawn_begin()) {
        diag_set(d, DIAG_SPAWN, "%s: not started: abiprobe is being interrupted", q->argv[0]);
        goto done;
    }
    int err =
        posix_spawn(&pid, q->argv[0], &fa, &attr, (char *const *)q->argv, q->env ? (char *const *)q->env : environ);
    interrupt_spawn_end(err == 0 ? pid : -1);
    if (err != 0) {
        errno = err;
        diag_errno(d, DIAG_SPAWN, "%s: cannot start", q->argv[0]);
        goto done;
    }
    if (q->cpu_seconds) {
        /* Applied right after the start: a runaway loop is what this bounds, not the first
         * microseconds. */
        struct rlimit rl = {q->cpu_seconds, q->cpu_seconds + 1};
        prlimit(pid, RLIMIT_CPU, &rl, NULL);
    }
    fcntl(outp[0], F_SETFL, O_NONBLOCK);
    fcntl(errp[0], F_SETFL, O_NONBLOCK);
    p->pid = pid;
    p->out_fd = outp[0];
    p->err_fd = errp[0];
    outp[0] = errp[0] = -1;
    rc = 0;
done:
    for (int i = 0; i < 2; i++) {
        if (outp[i] >= 0)
            close(outp[i]);
        if (errp[i] >= 0)
            close(errp[i]);
        if (inp[i] >= 0)
            close(inp[i]);
    }
    if (fa_init)
        posix_spawn_file_actions_destroy(&fa);
    if (attr_init)
        posix_spawnattr_destroy(&attr);
    return rc;
}

int spawn_wait(const spawn_req *q, spawn_proc *p, spawn_res *res, diag *d)
{
    memset(res, 0, sizeof *res);
    tailbuf tout = {0}, terr = {0};
    int rc = -1;
    pid_t pid = p->pid;
    int outfd = p->out_fd, errfd = p->err_fd;
    *p = (spawn_proc){-1, -1, -1, p->start};
    unsigned timeout = q->timeout_ms ? q->timeout_ms : DEFAULT_TIMEOUT_MS;
    if (tail_init(&tout, q->out_cap ? q->out_cap : DEFAULT_CAP) != 0 ||
        tail_init(&terr, q->err_cap ? q->err_cap : DEFAULT_CAP) != 0) {
        diag_set(d, DIAG_NOMEM, "%s: out of memory", q->argv[0]);
        kill(-pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        interrupt_forget_group(pid);
        goto done;
    }
    /* The deadline counts from here: a child started early waits for its work without using
     * its time. */
    long long deadline = now_ms() + timeout, grace_end = 0;
    bool reaped = false;
    while (outfd >= 0 || errfd >= 0 || !reaped) {
        long long now = now_ms();
        if (!reaped) {
            int st = 0;
            pid_t w = waitpid(pid, &st, WNOHANG);
            if (w == pid) {
                record_status(res, st);
                reaped = true;
                grace_end = now + DRAIN_GRACE_MS;
            } else if (now >= deadline) {
                kill(-pid, SIGKILL);
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                    ;
                res->timed_out = true;
                record_status(res, st);
                reaped = true;
                grace_end = now; /* the group is dead: take what is buffered, then stop */
            }
        }
        if (reaped && now >= grace_end && grace_end != 0) {
            /* One last non-blocking read, then stop even if a grandchild holds the pipes. */
            if (outfd >= 0)
                drain(outfd, &tout);
            if (errfd >= 0)
                drain(errfd, &terr);
            break;
        }
        struct pollfd pf[2];
        nfds_t np = 0;
        if (outfd >= 0)
            pf[np++] = (struct pollfd){outfd, POLLIN, 0};
        if (errfd >= 0)
            pf[np++] = (struct pollfd){errfd, POLLIN, 0};
        long long limit = reaped ? grace_end : deadline;
        int wait = (int)(limit - now);
        if (wait > POLL_SLICE_MS || wait < 0)
            wait = POLL_SLICE_MS; /* wake up to reap the child */
        if (np == 0) {
            if (!reaped)
                poll(NULL, 0, wait);
            continue;
        }
        if (poll(pf, np, wait) < 0 && errno != EINTR)
            break;
        for (nfds_t i = 0; i < np; i++) {
            if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            bool is_out = pf[i].fd == outfd;
            if (!drain(pf[i].fd, is_out ? &tout : &terr)) {
                close(pf[i].fd);
                if (is_out)
                    outfd = -1;
                else
                    errfd = -1;
            }
        }
    }
    /* Whatever the child left behind in its group (a forked daemon) goes too. */
    kill(-pid, SIGKILL);
    interrupt_forget_group(pid);
    res->elapsed_ms = (unsigned)(now_ms() - p->start);
    rc = 0;
done:
    if (tout.buf)
        tail_finish(&tout, &res->out, &res->out_len, &res->out_truncated);
    if (terr.buf)
        tail_finish(&terr, &res->err, &res->err_len, &res->err_truncated);
    if (outfd >= 0)
        close(outfd);
    if (errfd >= 0)
        close(errfd);
    return rc;
}

void spawn_abandon(spawn_proc *p)
{
    if (p->pid > 0) {
        kill(-p->pid, SIGKILL);
        while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        interrupt_forget_group(p->pid);
    }
    if (p->out_fd >= 0)
        close(p->out_fd);
    if (p->err_fd >= 0)
        close(p->err_fd);
    *p = (spawn_proc){-1, -1, -1, 0};
}

int spawn_run(const spawn_req *q, spawn_res *res, diag *d)
{
    spawn_proc p;
    if (spawn_start(q, -1, &p, d) != 0) {
        memset(res, 0, sizeof *res);
        return -1;
    }
    return spawn_wait(q, &p, res, d);
}

bool spawn_write_all(int fd, const void *buf, size_t n)
{
    /* A child that died before reading would raise SIGPIPE: held back on this thread, and taken
     * off again, so the write only fails. */
    sigset_t pipe_set, old;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    const char *p = buf;
    bool ok = true;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            ok = false;
            break;
        }
        p += k;
        n -= (size_t)k;
    }
    if (!ok) {
        struct timespec zero = {0, 0};
        sigtimedwait(&pipe_set, NULL, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok;
}

void spawn_res_free(spawn_res *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
}

const char *spawn_describe(const spawn_res *res, char *buf, size_t n)
{
    if (res->timed_out)
        snprintf(buf, n, "timed out after %.1f s", res->elapsed_ms / 1000.0);
    else if (res->term_signal)
        snprintf(buf, n, "killed by SIG%s", sigabbrev_np(res->term_signal) ? sigabbrev_np(res->term_signal) : "?");
    else
        snprintf(buf, n, "exit %d", res->exit_code);
    return buf;
}

const char *spawn_last_line(const char *s, size_t n, size_t *len)
{
    if (!s)
        return NULL;
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n == 0)
        return NULL;
    size_t start = n;
    while (start > 0 && s[start - 1] != '\n')
        start--;
    *len = n - start;
    return s + start;
}

char **spawn_env_with(const char *const *set)
{
    size_t n = 0, k = 0, nset = 0;
    while (environ[n])
        n++;
    while (set[nset])
        nset++;
    char **env = calloc(n + nset + 1, sizeof *env);
    if (!env)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        bool replaced = false;
        for (size_t j = 0; j < nset && !replaced; j++) {
            size_t len = strcspn(set[j], "=") + 1;
            replaced = strncmp(environ[i], set[j], len) == 0;
        }
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < nset; j++)
        env[k++] = (char *)set[j];
    env[k] = NULL;
    return env;
}

int spawn_tempdir(char *buf, size_t n, diag *d)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > PATH_MAX - 32)
        tmp = "/tmp";
    if ((size_t)snprintf(buf, n, "%s/abiprobe-XXXXXX", tmp) >= n)
        return diag_set(d, DIAG_SPAWN, "temporary directory path too long");
    if (!mkdtemp(buf))
        return diag_errno(d, DIAG_SPAWN, "cannot create a temporary directory in %s", tmp);
    /* Recorded for an interrupt to remove; when the run is already stopping, it is gone again. */
    if (!interrupt_add_path(buf, true)) {
        rmdir(buf);
        return diag_set(d, DIAG_SPAWN, "%s", interrupt_stopping() ? "abiprobe is being interrupted" : "out of memory");
    }
    return 0;
}

void spawn_rmtree(const char *dir) { interrupt_remove_tree(dir); }
