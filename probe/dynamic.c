/* probe/dynamic.c — one real load in a child process. The child gets a private temporary
 * directory holding the driver, a stage file and the handshake path; all of it is removed
 * afterwards. The child runs in its own process group, under RLIMIT_CPU and a wall-clock
 * timeout that kills the group (probe/spawn.c). */
#define _GNU_SOURCE
#include "probe/dynamic.h"

#include "probe/contain.h"
#include "probe/interrupt.h"

#include "probe/driver.h"
#include "probe/scope.h"

#include <cjson/cJSON.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum { HANDSHAKE_MAX = 1 << 20, OBSERVE_MAX = 64 << 20, OUTPUT_CAP = 64 * 1024 };

static int write_file(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            close(fd);
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return close(fd);
}

/* The stage file's first line ("loading", "loaded", ...). */
dyn_stage dyn_stage_of(const char *text)
{
    static const struct {
        const char *name;
        dyn_stage stage;
    } stages[] = {{"loading", DYN_LOADING}, {"loaded", DYN_LOADED}, {"execute", DYN_EXECUTE}, {"done", DYN_DONE}};
    size_t n = text ? strcspn(text, "\n") : 0;
    for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++)
        if (n == strlen(stages[i].name) && strncmp(text, stages[i].name, n) == 0)
            return stages[i].stage;
    return DYN_START;
}

static const char *member_str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static bool member_true(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void load_of(const cJSON *l, dyn_load *out)
{
    if (!cJSON_IsObject(l))
        return;
    *out = (dyn_load){true, member_true(l, "ok"), member_true(l, "unsupported"), member_str(l, "message")};
}

/* The handshake, parsed once: the checks read the typed outcome, never the text. Text that
 * does not parse counts as no handshake at all. */
void dyn_read_handshake(dyn_outcome *out, const char *text)
{
    cJSON *hs = text ? cJSON_Parse(text) : NULL;
    if (!cJSON_IsObject(hs)) {
        cJSON_Delete(hs);
        return;
    }
    out->doc = hs;
    out->reported = true;
    load_of(cJSON_GetObjectItemCaseSensitive(hs, "load"), &out->load);
    load_of(cJSON_GetObjectItemCaseSensitive(hs, "now"), &out->now);
    const char *via = member_str(hs, "via");
    out->traced = via && strcmp(via, "ld.so trace") == 0;
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(hs, "execute");
    if (!cJSON_IsObject(ex))
        return;
    dyn_exec *e = &out->exec;
    e->present = true;
    e->ok = member_true(ex, "ok");
    e->smoke = member_true(ex, "smoke");
    e->syntax = member_true(ex, "syntax");
    e->message = member_str(ex, "message");
    e->where = member_str(ex, "where");
    e->type = member_str(ex, "type");
    e->json = member_str(ex, "json");
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(ex, "keys");
    int nk = cJSON_IsArray(keys) ? cJSON_GetArraySize(keys) : 0;
    if (nk > 0 && (e->keys = malloc((size_t)nk * sizeof *e->keys))) {
        const cJSON *k;
        cJSON_ArrayForEach(k, keys)
        {
            if (cJSON_IsString(k))
                e->keys[e->nkeys++] = k->valuestring;
        }
    }
}

/* A job's child, started and not yet waited for, with everything it needs to be finished. */
struct dyn_proc {
    char dir[PATH_MAX]; /* the private directory */
    char driver[PATH_MAX + 16], stage[PATH_MAX + 16], hs[PATH_MAX + 16], smoke_copy[PATH_MAX + 16];
    char rt_host[PATH_MAX];
    const char *argv[16 + CONTAIN_ARGV_MAX];
    char **env;
    spawn_req q;
    spawn_proc sp;
    int req_fd; /* an observation's stdin, until its request is sent; else -1 */
    bool observe;
};

int dyn_start(const dyn_job *j, dyn_proc **started, dyn_outcome *out)
{
    memset(out, 0, sizeof *out);
    *started = NULL;
    dyn_proc *P = calloc(1, sizeof *P);
    if (!P) {
        snprintf(out->error, sizeof out->error, "out of memory");
        return -1;
    }
    P->req_fd = -1;
    P->sp = (spawn_proc){-1, -1, -1, 0};
    P->observe = j->observe != NULL;
    char *dir = P->dir, *driver = P->driver, *stage = P->stage, *hs = P->hs;
    char v_addon[PATH_MAX + 64], v_stage[PATH_MAX + 64], v_hs[PATH_MAX + 64], v_smoke[PATH_MAX + 64],
        v_pkg[PATH_MAX + 64], v_tmp[PATH_MAX + 64];
    int rc = -1, inp[2] = {-1, -1};
    diag d;
    if (j->sysroot) {
        /* The files the runtime reads must be inside the image it is chrooted into. */
        char tmp[PATH_MAX];
        sysroot_host(j->sysroot, "/tmp", tmp, sizeof tmp);
        mkdir(tmp, 01777);
        if (snprintf(dir, sizeof P->dir, "%s/abiprobe-XXXXXX", tmp) >= (int)sizeof P->dir || !mkdtemp(dir)) {
            snprintf(out->error, sizeof out->error, "cannot create a directory in %.300s: %s", tmp, strerror(errno));
            free(P);
            return -1;
        }
        if (!interrupt_add_path(dir, true)) {
            rmdir(dir);
            snprintf(out->error, sizeof out->error, "abiprobe is being interrupted");
            free(P);
            return -1;
        }
    } else if (spawn_tempdir(dir, sizeof P->dir, &d) != 0) {
        snprintf(out->error, sizeof out->error, "%s", d.msg);
        free(P);
        return -1;
    }
    snprintf(driver, sizeof P->driver, "%s/%s", dir, j->observe ? "observe.cjs" : "driver.cjs");
    snprintf(stage, sizeof P->stage, "%s/stage", dir);
    snprintf(hs, sizeof P->hs, "%s/handshake.json", dir);
    if (!j->library && (j->observe ? write_file(driver, abiprobe_observe_cjs, abiprobe_observe_cjs_len)
                                   : write_file(driver, abiprobe_driver_cjs, abiprobe_driver_cjs_len)) != 0) {
        snprintf(out->error, sizeof out->error, "cannot write the driver to %.300s: %s", dir, strerror(errno));
        goto done;
    }
    snprintf(v_addon, sizeof v_addon, "ABIPROBE_ADDON=%s", j->addon ? j->addon : "");
    /* What the runtime sees: inside a chroot the same files have the image's paths. Under an
     * emulator's -L it sees this machine's paths, with the image's first where a file exists
     * there (so the addon's image path resolves inside the image, and these new files here). */
    const char *vroot = j->emulator ? NULL : j->sysroot;
    snprintf(v_stage, sizeof v_stage, "ABIPROBE_STAGE=%s", sysroot_shown(vroot, stage));
    snprintf(v_hs, sizeof v_hs, "ABIPROBE_HANDSHAKE=%s", sysroot_shown(vroot, hs));
    char *smoke_copy = P->smoke_copy;
    const char *smoke = j->smoke;
    if (j->sysroot && smoke) {
        /* The chrooted runtime sees only the image: the smoke module goes in with the driver. */
        size_t sn = 0;
        char *text = path_read_file(smoke, 16 << 20, &sn);
        snprintf(smoke_copy, sizeof P->smoke_copy, "%s/smoke.mjs", dir);
        if (!text || write_file(smoke_copy, text, sn) != 0) {
            free(text);
            snprintf(out->error, sizeof out->error, "cannot copy the smoke module into the image");
            goto done;
        }
        free(text);
        smoke = sysroot_shown(vroot, smoke_copy);
    }
    snprintf(v_smoke, sizeof v_smoke, "ABIPROBE_SMOKE=%s", smoke ? smoke : "");
    snprintf(v_pkg, sizeof v_pkg, "ABIPROBE_PKG=%s", j->pkg ? j->pkg : "");
    /* A package's JavaScript may write temporary files: they go into the private directory. */
    snprintf(v_tmp, sizeof v_tmp, "TMPDIR=%s", sysroot_shown(vroot, dir));
    const char *set[] = {v_addon, v_stage, v_hs, v_smoke, v_pkg, v_tmp,
                         j->both  ? "ABIPROBE_FLAGS=both"
                         : j->now ? "ABIPROBE_FLAGS=now"
                                  : "ABIPROBE_FLAGS=default",
                         j->execute ? "ABIPROBE_EXECUTE=1" : "ABIPROBE_EXECUTE=0",
                         /* Only Electron gets it: node-gyp-build inside a smoke module treats any
                          * runtime with ELECTRON_RUN_AS_NODE set as Electron. */
                         strcmp(j->kind, "electron") == 0 ? "ELECTRON_RUN_AS_NODE=1" : NULL, NULL};
    if (!(P->env = spawn_env_with(set))) {
        snprintf(out->error, sizeof out->error, "out of memory");
        goto done;
    }
    /* How the runtime starts: directly; inside the image through `abiprobe __chroot`; or under
     * the emulator, whose -L makes the image the root for the loader and for every absolute
     * path the runtime opens that exists there, so no chroot is needed. Deno takes its own
     * arguments in each case. A library runtime is loaded by a copy of abiprobe instead. */
    const char **argv = P->argv;
    char *rt_host = P->rt_host;
    /* Package and addon code runs contained (probe/contain.h), its private directory the one
     * place it writes to that outlives it; a library runtime's addon too, in the copy of abiprobe
     * that loads it. Inside an image it already runs chrooted. */
    size_t k = j->sysroot ? 0 : contain_argv(dir, argv);
    if (k == CONTAIN_REFUSED) {
        const char *why = NULL;
        contain_available(&why);
        snprintf(out->error, sizeof out->error, "--contain=require: %.400s; package and addon code did not run", why);
        goto done;
    }
    if (j->library) {
        const char *a[] = {j->self_exe, "__dlopen", j->runtime, j->addon, j->now ? "now" : "lazy", hs, NULL};
        memcpy(argv + k, a, sizeof a);
    } else {
        const char *runtime = j->runtime;
        /* An observation runs in the private directory: a relative runtime path must not change
         * its meaning there. */
        if (j->observe && !j->sysroot && runtime[0] != '/' && realpath(runtime, rt_host))
            runtime = rt_host;
        /* Contained, the runtime is started by its real path: what the box keeps visible (a
         * link to it may sit where the box hides, in /tmp or the home directory). */
        if (k && !j->emulator && runtime != rt_host && realpath(runtime, rt_host))
            runtime = rt_host;
        if (j->emulator) {
            if (j->sysroot) {
                if (sysroot_map(j->sysroot, j->runtime, rt_host, sizeof P->rt_host) != 0) {
                    snprintf(out->error, sizeof out->error, "%.300s: not found in the image", j->runtime);
                    goto done;
                }
                runtime = rt_host;
            }
            argv[k++] = j->emulator;
            if (j->sysroot) {
                argv[k++] = "-L";
                argv[k++] = j->sysroot;
            }
        } else if (j->sysroot) {
            argv[k++] = j->self_exe;
            argv[k++] = "__chroot";
            argv[k++] = j->sysroot;
        }
        argv[k++] = runtime;
        if (strcmp(j->kind, "deno") == 0) {
            /* -A: process.dlopen needs --allow-ffi and the driver reads the environment. Deno
             * finds its configuration from the main module's directory, which is the private
             * one: an observation names the project's own (its import map, its nodeModulesDir),
             * or, without one, resolves from node_modules as Deno does beside a package.json. */
            argv[k++] = "run";
            argv[k++] = "-A";
            if (j->observe && j->deno_config) {
                argv[k++] = "--config";
                argv[k++] = j->deno_config;
            } else {
                argv[k++] = "--no-config";
                if (j->observe)
                    argv[k++] = "--node-modules-dir=manual";
            }
            argv[k++] = "--quiet";
            if (j->observe)
                argv[k++] = "--cached-only"; /* a package's imports are never fetched from the network */
        } else if (strcmp(j->kind, "bun") == 0) {
            argv[k++] = "--no-install"; /* nor installed from the registry (Bun's auto-install) */
        }
        argv[k++] = sysroot_shown(vroot, driver);
        argv[k] = NULL;
    }
    unsigned timeout = j->timeout_ms ? j->timeout_ms : 30000;
    /* The runtime starts in the private directory, so nothing a package writes to its working
     * directory lands in the tree being checked (inside an image, the path is the image's). */
    P->q = (spawn_req){argv,      (const char *const *)P->env, j->observe && !j->sysroot ? dir : NULL,
                       timeout,   timeout / 1000 + 1,          OUTPUT_CAP,
                       OUTPUT_CAP};
    /* An observation reads its request from stdin, which dyn_send writes: the process may start
     * before its packages are known. */
    if (j->observe && pipe2(inp, O_CLOEXEC) != 0) {
        snprintf(out->error, sizeof out->error, "pipe: %s", strerror(errno));
        goto done;
    }
    if (spawn_start(&P->q, inp[0], &P->sp, &d) != 0) {
        snprintf(out->error, sizeof out->error, "%s", d.msg);
        goto done;
    }
    P->req_fd = inp[1];
    inp[1] = -1;
    rc = 0;
done:
    if (inp[0] >= 0)
        close(inp[0]);
    if (inp[1] >= 0)
        close(inp[1]);
    if (rc != 0) {
        dyn_abandon(P);
        return -1;
    }
    *started = P;
    return 0;
}

int dyn_send(dyn_proc *p, const char *request)
{
    bool ok = p->req_fd >= 0 && spawn_write_all(p->req_fd, request, strlen(request));
    if (p->req_fd >= 0)
        close(p->req_fd);
    p->req_fd = -1;
    return ok ? 0 : -1;
}

int dyn_finish(dyn_proc *p, dyn_outcome *out)
{
    diag d;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (p->req_fd >= 0) { /* an observation whose request was never sent: end of input */
        close(p->req_fd);
        p->req_fd = -1;
    }
    if (spawn_wait(&p->q, &p->sp, &out->proc, &d) != 0) {
        snprintf(out->error, sizeof out->error, "%s", d.msg);
        goto done;
    }
    out->started = true;
    char *st = path_read_file(p->stage, 64, NULL);
    out->stage = dyn_stage_of(st);
    free(st);
    char *text = path_read_file(p->hs, p->observe ? OBSERVE_MAX : HANDSHAKE_MAX, NULL);
    if (p->observe) {
        out->events = text;
        out->reported = text != NULL;
    } else {
        dyn_read_handshake(out, text);
        free(text);
    }
    rc = 0;
done:
    dyn_abandon(p);
    return rc;
}

void dyn_abandon(dyn_proc *p)
{
    if (!p)
        return;
    if (p->req_fd >= 0)
        close(p->req_fd);
    spawn_abandon(&p->sp);
    free(p->env);
    /* The private directory goes with everything in it: the driver's files, and what the
     * package's JavaScript wrote there as its TMPDIR (a loader's copy of its addon, say). */
    spawn_rmtree(p->dir);
    free(p);
}

int dyn_run(const dyn_job *j, dyn_outcome *out)
{
    dyn_proc *p;
    if (dyn_start(j, &p, out) != 0)
        return -1;
    if (j->observe)
        dyn_send(p, j->observe); /* a child that is gone already says so when it is waited for */
    return dyn_finish(p, out);
}

void dyn_outcome_free(dyn_outcome *o)
{
    if (!o)
        return;
    spawn_res_free(&o->proc);
    free(o->events);
    o->events = NULL;
    free(o->exec.keys);
    o->exec.keys = NULL;
    cJSON_Delete(o->doc);
    o->doc = NULL;
}

/* Write text to a /proc/self file; 0 or errno. */
static int write_proc(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t n = write(fd, text, strlen(text));
    int e = n == (ssize_t)strlen(text) ? 0 : n < 0 ? errno : EIO;
    close(fd);
    return e;
}

int dyn_enter_root(const char *root)
{
    if (chroot(root) == 0)
        return chdir("/") == 0 ? 0 : errno;
    if (errno != EPERM)
        return errno;
    /* Not root: become root of a new user namespace (this user mapped to 0) with a mount
     * namespace of its own, where chroot is allowed. Kernels or sandboxes may refuse
     * unprivileged user namespaces (user.max_user_namespaces = 0, an LSM, seccomp). */
    uid_t uid = getuid();
    gid_t gid = getgid();
    char map[64];
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0)
        return errno;
    int e = write_proc("/proc/self/setgroups", "deny");
    if (e && e != ENOENT)
        return e;
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
    if ((e = write_proc("/proc/self/uid_map", map)) != 0)
        return e;
    snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid);
    if ((e = write_proc("/proc/self/gid_map", map)) != 0)
        return e;
    if (chroot(root) != 0 || chdir("/") != 0)
        return errno;
    return 0;
}

int dyn_chroot_exec(const char *root, char *const argv[])
{
    int e = dyn_enter_root(root);
    if (e)
        return e;
    execv(argv[0], argv);
    return errno;
}

int dyn_root_possible(const char *root, char *why, size_t n)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, n, "fork: %s", strerror(errno));
        return errno;
    }
    if (pid == 0)
        _exit(dyn_enter_root(root) & 0xff);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    int e = WIFEXITED(st) ? WEXITSTATUS(st) : EIO;
    if (e)
        snprintf(why, n,
                 "inside --sysroot the runtime runs with the image as its root: that needs root (chroot), or an "
                 "unprivileged user namespace, which this system refuses (%s)",
                 strerror(e));
    return e;
}

#ifdef ABIPROBE_STATIC
/* This machine's glibc dynamic loader: the one a shared-library runtime of this machine is
 * loaded by. */
#if defined(__x86_64__)
#define GLIBC_LDSO "/lib64/ld-linux-x86-64.so.2"
#elif defined(__aarch64__)
#define GLIBC_LDSO "/lib/ld-linux-aarch64.so.1"
#else
#define GLIBC_LDSO NULL
#endif

/* A static abiprobe has no dynamic loader of its own, so it cannot dlopen a shared-library
 * runtime. The image's ld.so does the load instead, in the trace mode that `ldd -r` uses: the
 * runtime preloaded, the addon as the object loaded, and every relocation bound (now) or only
 * those a lazy dlopen binds (lazy); each symbol it cannot bind is reported. Constructors do not
 * run in this mode. Returns NULL when everything bound, else dlopen's words for the first
 * failure (in why), with *what naming the runtime when the runtime itself does not load. */
static const char *trace_load(const char *runtime, const char *addon, bool now, char *why, size_t n, char *what,
                              size_t wn)
{
    if (!GLIBC_LDSO || access(GLIBC_LDSO, X_OK) != 0) {
        snprintf(why, n,
                 "this static abiprobe loads a shared-library runtime through glibc's ld.so, and there is none at %s",
                 GLIBC_LDSO ? GLIBC_LDSO : "a known path on this machine");
        return why;
    }
    if (strpbrk(runtime, " :\t")) {
        snprintf(why, n, "%s: a path with a space or colon cannot be preloaded by ld.so", runtime);
        return why;
    }
    char preload[PATH_MAX + 16];
    snprintf(preload, sizeof preload, "LD_PRELOAD=%s", runtime);
    const char *envp[] = {"LD_TRACE_LOADED_OBJECTS=1", "LD_WARN=yes", preload, now ? "LD_BIND_NOW=1" : NULL, NULL};
    const char *argv[] = {GLIBC_LDSO, addon, NULL};
    /* Bounded like every child: the parent's deadline covers this process, and this one ld.so. */
    spawn_req q = {argv, envp, NULL, 0, 0, 1 << 20, 1 << 20};
    spawn_res res;
    diag sd;
    if (spawn_run(&q, &res, &sd) != 0) {
        snprintf(why, n, "%s", sd.msg);
        return why;
    }
    /* The trace on stdout ("=> not found" lines) first, then ld.so's warnings on stderr. */
    size_t len = res.out_len + res.err_len + 2;
    char *text = malloc(len);
    if (text)
        snprintf(text, len, "%s\n%s", res.out ? res.out : "", res.err ? res.err : "");
    bool finished = res.exited && res.exit_code == 0;
    char how[64];
    spawn_describe(&res, how, sizeof how);
    spawn_res_free(&res);
    const char *err = NULL;
    /* The first line that a dlopen would have stopped at, in dlopen's words. */
    for (char *line = text ? strtok(text, "\n") : NULL; line && !err; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        while (*line == '\t' || *line == ' ')
            line++;
        if (strncmp(line, "undefined symbol: ", 18) == 0) {
            if (tab)
                *tab = '\0';
            snprintf(why, n, "%s: %s", addon, line);
            err = why;
        } else if (strstr(line, " => not found")) {
            *strstr(line, " => not found") = '\0';
            snprintf(why, n, "%s: cannot open shared object file: No such file or directory", line);
            err = why;
        } else if (strstr(line, "version `") && strstr(line, "not found")) {
            snprintf(why, n, "%s", line);
            err = why;
        } else if (strstr(line, "cannot open shared object file") || strstr(line, "error while loading")) {
            snprintf(why, n, "%s", line);
            err = why;
            if (strstr(line, runtime))
                snprintf(what, wn, "runtime");
        }
    }
    if (!err && (!text || !finished)) {
        snprintf(why, n, "%s's trace of the load did not finish (%s)", GLIBC_LDSO, !text ? "out of memory" : how);
        err = why;
    }
    free(text);
    return err;
}
#endif

int dyn_library_child(const char *runtime, const char *addon, const char *mode, const char *handshake)
{
    char stage[PATH_MAX + 16];
    const char *slash = strrchr(handshake, '/');
    snprintf(stage, sizeof stage, "%.*s/stage", slash ? (int)(slash - handshake) : 1, slash ? handshake : ".");
    FILE *sf = fopen(stage, "w");
    if (sf) {
        fputs("loading", sf);
        fclose(sf);
    }
    const char *err = NULL;
    char what[64] = "addon";
#ifdef ABIPROBE_STATIC
    char why[1024];
    err = trace_load(runtime, addon, strcmp(mode, "now") == 0, why, sizeof why, what, sizeof what);
#else
    void *rt = dlopen(runtime, RTLD_NOW | RTLD_GLOBAL);
    if (!rt) {
        err = dlerror();
        snprintf(what, sizeof what, "runtime");
    } else if (!dlopen(addon, strcmp(mode, "now") == 0 ? RTLD_NOW : RTLD_LAZY)) {
        err = dlerror();
    }
#endif
    /* The same handshake the driver writes, built with cJSON: {"stage","load":{ok,message},"via"?,"execute":null}. */
    cJSON *hs = cJSON_CreateObject(), *load = cJSON_AddObjectToObject(hs, "load");
    cJSON_AddStringToObject(hs, "stage", "done");
    cJSON_AddBoolToObject(load, "ok", err == NULL);
    if (err) {
        char msg[4096];
        snprintf(msg, sizeof msg, "%s%s",
                 strcmp(what, "runtime") == 0 ? "the runtime library itself does not load: " : "", err);
        cJSON_AddStringToObject(load, "message", msg);
    }
#ifdef ABIPROBE_STATIC
    cJSON_AddStringToObject(hs, "via", "ld.so trace");
#endif
    cJSON_AddNullToObject(hs, "execute");
    char *text = cJSON_PrintUnformatted(hs);
    cJSON_Delete(hs);
    char tmp[PATH_MAX + 16];
    snprintf(tmp, sizeof tmp, "%s.tmp", handshake);
    FILE *f = text ? fopen(tmp, "w") : NULL;
    bool wrote = f && fputs(text, f) >= 0;
    free(text);
    if (!f)
        return 2;
    if (!wrote) {
        fclose(f);
        return 2;
    }
    if (fclose(f) != 0 || rename(tmp, handshake) != 0)
        return 2;
    return 0;
}
