/* probe/main.c — the command line: subcommands, the one option table that drives both
 * getopt_long and --help, report output (-o writes atomically), and exit codes. This is the
 * only file that writes to stderr or calls exit(). */
#define _GNU_SOURCE
#include "abi/machine.h"
#include "report/read.h"
#include "report/report.h"
#include "probe/addon.h"
#include "probe/check.h"
#include "probe/contain.h"
#include "probe/config.h"
#include "probe/dynamic.h"
#include "probe/diag.h"
#include "probe/elf.h"
#include "probe/fetch.h"
#include "probe/interrupt.h"
#include "probe/output.h"
#include "probe/runtime.h"
#include "probe/scan.h"
#include "probe/scope.h"
#include "probe/pkg/rules.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef ABIPROBE_VERSION
#define ABIPROBE_VERSION "0.0.0-dev"
#endif

/* Exit codes (the README's Exit status, and the man page's EXIT STATUS). */
enum {
    EXIT_PASS = 0,       /* every result passed, or facts were gathered */
    EXIT_FINDING = 1,    /* an incompatibility was found */
    EXIT_USAGE = 2,      /* usage error or unreadable input */
    EXIT_NOT_CHECKED = 3 /* a check could not be carried out */
};

/* Which subcommands an option applies to. */
enum {
    CMD_INSPECT = 1,
    CMD_RUNTIME = 2,
    CMD_CHECK = 4,
    CMD_SELECT = 8,
    CMD_SCAN = 16,
    CMD_MERGE = 32,
    CMD_ALL = CMD_INSPECT | CMD_RUNTIME | CMD_CHECK | CMD_SELECT | CMD_SCAN | CMD_MERGE
};

enum {
    OPT_FORMAT = 256,
    OPT_TIMEOUT,
    OPT_VERSION,
    OPT_RUNTIME,
    OPT_STATIC_ONLY,
    OPT_SMOKE,
    OPT_EXPECT,
    OPT_LIBC,
    OPT_ARCH,
    OPT_PLATFORM,
    OPT_CONFIG,
    OPT_SYSROOT,
    OPT_EMULATOR,
    OPT_SELECT,
    OPT_DEFAULT_RUNTIME,
    OPT_CONTAIN,
    OPT_PASS_ENV
};

/* The one option table: getopt_long's array and --help are both made from it. */
static const struct optdef {
    const char *name;
    int has_arg;
    int val;
    const char *argname;
    unsigned cmds;
    const char *help;
} optdefs[] = {
    {"format", required_argument, OPT_FORMAT, "FMT", CMD_ALL,
     "report format: text (default), json, junit, github or markdown"},
    {"sysroot", required_argument, OPT_SYSROOT, "DIR", CMD_CHECK | CMD_SCAN | CMD_SELECT | CMD_RUNTIME,
     "check an image tree: runtime, addon and library paths resolve inside DIR, never outside"},
    {"emulator", required_argument, OPT_EMULATOR, "CMD", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "run a runtime built for another machine under CMD (qemu-aarch64-static; with --sysroot, as CMD -L DIR)"},
    {"config", required_argument, OPT_CONFIG, "FILE", CMD_CHECK | CMD_SCAN,
     "JSON: runtimes, targets, smoke modules and declared expectations (see abiprobe(1))"},
    {"output", required_argument, 'o', "FILE", CMD_ALL,
     "write the report to FILE (atomically: temp file, then rename)"},
    {"verbose", no_argument, 'v', NULL, CMD_ALL,
     "list every symbol, not only the counts (inspect: and how each library is found)"},
    {"runtime", required_argument, OPT_RUNTIME, "RT", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "a runtime to check against (a path or a command on PATH); repeat for several"},
    {"default-runtime", required_argument, OPT_DEFAULT_RUNTIME, "RT", CMD_CHECK | CMD_SCAN | CMD_SELECT | CMD_RUNTIME,
     "the runtime to use when none is named (the npm launcher passes the one running it)"},
    {"select", required_argument, OPT_SELECT, "auto|rules", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "how a package's file is found: auto (default) require()s the package in each runtime that can run here, "
     "which runs the package's JavaScript; rules only emulates its loader, and runs none"},
    {"contain", required_argument, OPT_CONTAIN, "auto|require|off", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "package and addon code runs without network, home directory, credentials or writes outside a private "
     "directory: auto (default) where the system allows it, saying when not; require fails (exit 3) where not"},
    {"pass-env", required_argument, OPT_PASS_ENV, "NAME", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "pass variable NAME to package code although its name looks like a credential (repeat it)"},
    {"static-only", no_argument, OPT_STATIC_ONLY, NULL, CMD_CHECK | CMD_SCAN,
     "only the checks that read ELF; skip dlopen and execute, which run code"},
    {"smoke", required_argument, OPT_SMOKE, "FILE.mjs", CMD_CHECK | CMD_SCAN,
     "ES module whose default export (addon, ctx) => value runs inside the runtime"},
    {"expect", required_argument, OPT_EXPECT, "JSON", CMD_CHECK | CMD_SCAN,
     "the value the smoke module must return, as JSON"},
    {"jobs", required_argument, 'j', "N", CMD_CHECK | CMD_SCAN, "run up to N runtime processes at once (default 1)"},
    {"libc", required_argument, OPT_LIBC, "glibc|musl", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "for package targets: the C library the loader assumes (\"what would an Alpine image load?\")"},
    {"arch", required_argument, OPT_ARCH, "ARCH", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "for package targets: the architecture the loader assumes (x64, arm64, ia32, arm)"},
    {"platform", required_argument, OPT_PLATFORM, "OS", CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "for package targets: the platform the loader assumes (linux, darwin, win32)"},
    {"timeout", required_argument, OPT_TIMEOUT, "SECONDS", CMD_RUNTIME | CMD_CHECK | CMD_SCAN | CMD_SELECT,
     "bound on each runtime process (default 30)"},
    {"help", no_argument, 'h', NULL, CMD_ALL, "show this help and exit"},
    {"version", no_argument, OPT_VERSION, NULL, CMD_ALL, "show the version and exit"},
};
enum { NOPTS = sizeof optdefs / sizeof optdefs[0] };

typedef struct cli cli;

/* A command: its arguments (after the options), what it was asked; its exit status. */
typedef int (*cmd_fn)(int argc, char **argv, const cli *c);
static int cmd_inspect(int argc, char **argv, const cli *c);
static int cmd_runtime(int argc, char **argv, const cli *c);
static int cmd_check(int argc, char **argv, const cli *c);
static int cmd_scan(int argc, char **argv, const cli *c);
static int cmd_select(int argc, char **argv, const cli *c);
static int cmd_merge(int argc, char **argv, const cli *c);

/* One row per command: its name, its bit in optdefs[].cmds, --help's lines, what an argument
 * is (for "nothing to do"), and the function that runs it. */
static const struct cmddef {
    const char *name;
    unsigned bit;
    const char *synopsis;
    const char *help;
    const char *argument;
    cmd_fn run;
} cmddefs[] = {
    {"inspect", CMD_INSPECT, "inspect [options] ADDON...", "facts about addon files, no verdict", "addon file",
     cmd_inspect},
    {"runtime", CMD_RUNTIME, "runtime [options] RT...",
     "facts about runtimes (a path or a command on PATH), no verdict", "runtime", cmd_runtime},
    {"check", CMD_CHECK, "check [options] --runtime RT... TARGET...",
     "will each addon (a .node file or a package directory) load and work in each runtime?",
     "addon file or package directory", cmd_check},
    {"scan", CMD_SCAN, "scan [options] --runtime RT... DIR...",
     "check every package under DIR (node_modules trees) that would load native code", "directory to scan", cmd_scan},
    {"select", CMD_SELECT, "select [options] --runtime RT... PKGDIR...",
     "which file each runtime would load from a package, and why the others lost", "package directory", cmd_select},
    {"merge", CMD_MERGE, "merge [options] REPORT.json...",
     "one report, in any format, from the JSON reports of several runs (- reads stdin)", "JSON report (- for stdin)",
     cmd_merge},
};

struct cli {
    const char *format;
    const char *output; /* -o, or NULL for standard output ("-" too) */
    out_file *out;      /* -o, opened before any work */
    int verbose;
    unsigned timeout_s;
    bool static_only;
    const char **runtimes;
    size_t nruntimes;
    const char *smoke;
    const char *expect;
    unsigned jobs;
    const char *sysroot; /* --sysroot's realpath, or NULL */
    select_overrides overrides;
    const char *config;
    const char *emulator; /* resolved path, or NULL */
    select_mode select;
    const char *default_runtime; /* --default-runtime: used when no runtime is named */
    bool defaulted;              /* runtime/select: the default runtime is the one used */
    contain_mode contain;        /* --contain */
    const char **pass_env;       /* --pass-env NAMEs */
    size_t npass_env;
};

static void usage(FILE *f)
{
    fprintf(f, "usage: abiprobe COMMAND [options] ARGS...\n\ncommands:\n");
    for (size_t i = 0; i < sizeof cmddefs / sizeof cmddefs[0]; i++)
        fprintf(f, "  %-32s %s\n", cmddefs[i].synopsis, cmddefs[i].help);
    fprintf(f, "\noptions:\n");
    for (size_t i = 0; i < NOPTS; i++) {
        char lhs[64];
        const struct optdef *o = &optdefs[i];
        if (o->val < 256)
            snprintf(lhs, sizeof lhs, "-%c, --%s%s%s", o->val, o->name, o->argname ? " " : "",
                     o->argname ? o->argname : "");
        else
            snprintf(lhs, sizeof lhs, "    --%s%s%s", o->name, o->argname ? " " : "", o->argname ? o->argname : "");
        fprintf(f, "  %-24s %s", lhs, o->help);
        if (o->cmds != CMD_ALL) {
            fputs(" [", f);
            bool first = true;
            for (size_t k = 0; k < sizeof cmddefs / sizeof cmddefs[0]; k++)
                if (o->cmds & cmddefs[k].bit) {
                    fprintf(f, "%s%s", first ? "" : ", ", cmddefs[k].name);
                    first = false;
                }
            fputs("]", f);
        }
        fputc('\n', f);
    }
    fprintf(f, "\nexit status:\n"
               "  0  every result passed (inspect/runtime: every fact was gathered)\n"
               "  1  an incompatibility was found\n"
               "  2  usage error or unreadable input (not a file, not ELF, corrupt)\n"
               "  3  a check could not be carried out (a runtime did not start or did not report)\n"
               "\nNO_COLOR turns colour off; colour is used only on a terminal. See abiprobe(1).\n");
}

static int worst(int a, int b) { return a > b ? a : b; }

/* The values Node's os.arch() and os.platform() can take: what a package's loader compares. */
static const char *const node_platforms[] = {"aix",   "android", "darwin", "freebsd", "linux", "openbsd",
                                             "sunos", "win32",   "cygwin", "netbsd",  NULL};

static bool one_of(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* "a, b, c" (a static buffer: for one message). */
static const char *list_of(const char *const *list)
{
    static char buf[256];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; list[i] && k < sizeof buf; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%s", i ? ", " : "", list[i]);
    return buf;
}

/* With --format github inside GitHub Actions, the Markdown report is appended to the job's
 * step summary as well. */
static int step_summary(const report *r, const cli *c)
{
    const char *path = getenv("GITHUB_STEP_SUMMARY");
    if (strcmp(c->format, "github") != 0 || !path || !*path)
        return 0;
    FILE *f = fopen(path, "a");
    report_opts ro = {false, c->verbose, ABIPROBE_VERSION};
    if (!f || report_write_markdown(r, &ro, f) != 0) {
        fprintf(stderr, "abiprobe: GITHUB_STEP_SUMMARY %s: %s\n", path, strerror(errno));
        if (f)
            fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* Write the report to stdout, or atomically to path. */
static int emit(const report *r, const cli *c)
{
    report_writer w = report_writer_for(c->format);
    report_opts ro = {false, c->verbose, ABIPROBE_VERSION};
    while (interrupt_stopping()) /* no report of a stopped run: the watcher ends the process */
        pause();
    if (!c->output) {
        const char *nc = getenv("NO_COLOR");
        const char *term = getenv("TERM");
        ro.color = isatty(STDOUT_FILENO) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
        if (w(r, &ro, stdout) != 0 || fflush(stdout) != 0) {
            fprintf(stderr, "abiprobe: writing the report: %s\n", strerror(errno));
            return -1;
        }
        return step_summary(r, c);
    }
    /* -o was opened before any work (probe/output.c). */
    diag d;
    FILE *f = out_stream(c->out);
    if (!f) {
        fprintf(stderr, "abiprobe: -o %s: %s\n", c->output, strerror(errno));
        out_abort(c->out);
        return -1;
    }
    int rc = w(r, &ro, f);
    int werr = rc != 0 ? errno : 0;
    if (out_commit(c->out, f, &d) != 0) {
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        return -1;
    }
    if (rc != 0) {
        fprintf(stderr, "abiprobe: -o %s: %s\n", c->output, strerror(werr));
        return -1;
    }
    if (step_summary(r, c) != 0)
        return -1;
    /* The report went to a file: the terminal (or the CI log) still gets the one line. */
    report_totals t = report_count(r);
    if (t.total) {
        fprintf(stderr, "abiprobe: %zu passed, %zu failed", t.pass, t.fail);
        if (t.expected)
            fprintf(stderr, ", %zu failed as declared", t.expected);
        if (t.error)
            fprintf(stderr, ", %zu could not be checked", t.error);
        fprintf(stderr, "; report written to %s\n", c->output);
    } else {
        fprintf(stderr, "abiprobe: %zu result%s written to %s\n", r->nresults, r->nresults == 1 ? "" : "s", c->output);
    }
    return 0;
}

/* True when path names an existing file that is the same file as the report's -o target. */
static bool same_file(const char *path, const struct stat *out)
{
    struct stat st;
    return path && stat(path, &st) == 0 && st.st_dev == out->st_dev && st.st_ino == out->st_ino;
}

/* -o must never overwrite an input: the addons named, the config, a smoke module. Returns
 * the input it would overwrite, or NULL. */
static const char *output_clobbers(const cli *c, int argc, char **argv, const config *cfg)
{
    struct stat out;
    if (!c->output || stat(c->output, &out) != 0)
        return NULL;
    for (int i = 0; i < argc; i++)
        if (same_file(argv[i], &out))
            return argv[i];
    if (same_file(c->config, &out))
        return c->config;
    if (same_file(c->smoke, &out))
        return c->smoke;
    for (size_t i = 0; cfg && i < cfg->ntargets; i++)
        if (same_file(cfg->targets[i].path, &out))
            return cfg->targets[i].path;
    for (size_t i = 0; cfg && i < cfg->nsmoke; i++)
        if (same_file(cfg->smoke[i].module, &out))
            return cfg->smoke[i].module;
    return NULL;
}

/* The exit status a diag code stands for. */
/* True, with one line on stderr, when -o would overwrite one of the run's inputs. */
static bool refuse_clobber(const cli *c, int argc, char **argv, const config *cfg)
{
    const char *clobbered = output_clobbers(c, argc, argv, cfg);
    if (clobbered)
        fprintf(stderr, "abiprobe: -o %s: that is an input (%s); the report would overwrite it\n", c->output,
                clobbered);
    return clobbered != NULL;
}

/* What a command met, for exit_for(): a verdict over its results, a diag (what went wrong with
 * one input or child), or a mistake in what was asked. */
typedef enum met_kind { MET_VERDICT, MET_DIAG, MET_USAGE } met_kind;
typedef struct met {
    met_kind kind;
    status verdict; /* MET_VERDICT */
    diag_code diag; /* MET_DIAG */
} met;

/* The one mapping from outcomes to exit statuses (README, Exit status): what the input says about
 * compatibility is 1 (a fail verdict), what is wrong with what was asked is 2 (usage, unreadable or
 * malformed input), what abiprobe could not find out is 3 (an error verdict, a child that could not
 * be started or did not report, no memory). A command keeps the worst of what it met (worst()). */
static int exit_for(met m)
{
    switch (m.kind) {
    case MET_VERDICT:
        return m.verdict == STATUS_FAIL ? EXIT_FINDING : m.verdict == STATUS_ERROR ? EXIT_NOT_CHECKED : EXIT_PASS;
    case MET_DIAG: return m.diag == DIAG_SPAWN || m.diag == DIAG_NOMEM ? EXIT_NOT_CHECKED : EXIT_USAGE;
    case MET_USAGE: return EXIT_USAGE;
    }
    return EXIT_NOT_CHECKED;
}

static int exit_for_diag(diag_code d) { return exit_for((met){MET_DIAG, STATUS_PASS, d}); }
static int exit_for_verdict(status v) { return exit_for((met){MET_VERDICT, v, DIAG_OK}); }

/* Gather facts for one argument into res; 0, or -1 with d filled. */
typedef int (*fact_fn)(report *r, result *res, const char *arg, const cli *c, ldso **l, diag *d);

static int inspect_one(report *r, result *res, const char *arg, const cli *c, ldso **l, diag *d)
{
    res->kind = RESULT_ADDON;
    if (!(res->addon = report_alloc(r, sizeof *res->addon)))
        return diag_set(d, DIAG_NOMEM, "out of memory");
    if (addon_facts_read(r, arg, true, res->addon, d) != 0)
        return -1;
    if (!c->verbose)
        return 0;
    /* -v: how each library is found, through one ldso for the run (ld.so.cache parsed once). */
    if (!*l && ldso_create(l, d) != 0)
        return -1;
    return addon_libraries(r, *l, arg, res->addon, d);
}

/* ---------- runtimes by version (probe/fetch.h) ---------- */

static void progress_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress_clear(void);

static void progress_say_line(const char *line) { progress_say("%s", line); }

/* Which package a NAME@VERSION runtime is fetched as: for --arch and --libc's machine, else
 * this one's (musl when its loader is ld-musl). */
static fetch_opts fetch_opts_for(const cli *c)
{
    static struct utsname u;
    const abi_machine *m = c->overrides.arch ? abi_machine_of_node_arch(c->overrides.arch) : NULL;
    const char *machine = m ? m->name : uname(&u) == 0 ? u.machine : "x86_64";
    const char *libc = c->overrides.libc;
    if (!libc) {
        /* The system's C library is the one its shell is linked against (a glibc machine may
         * have musl's loader installed too, for musl-gcc). */
        char interp[PATH_MAX];
        libc = elf_file_interp("/bin/sh", interp, sizeof interp) == 0 && strstr(interp, "ld-musl") ? "musl" : "glibc";
    }
    return (fetch_opts){machine, libc, !c->overrides.arch && !c->overrides.libc, c->timeout_s * 1000u,
                        progress_say_line};
}

/* rt as a runtime to run: NAME@VERSION from the cache (fetched first when needed) into exe, with
 * note saying why the cache stood in for the registry; anything else is itself. -1 with d. */
static int runtime_exe(const cli *c, const char *rt, char *exe, size_t n, char *note, size_t nn, diag *d)
{
    note[0] = '\0';
    if (!fetch_is_spec(rt)) {
        snprintf(exe, n, "%s", rt);
        return 0;
    }
    if (c->sysroot)
        return diag_set(d, DIAG_USAGE,
                        "%s: a runtime fetched by version is not inside the --sysroot image; name the image's own "
                        "runtime, or check without --sysroot (--arch and --libc pick another machine's package)",
                        rt);
    fetched *f = malloc(sizeof *f);
    if (!f)
        return diag_set(d, DIAG_NOMEM, "out of memory");
    fetch_opts fo = fetch_opts_for(c);
    int rc = fetch_runtime(rt, &fo, f, d);
    progress_clear();
    if (rc == 0) {
        snprintf(exe, n, "%s", f->exe);
        snprintf(note, nn, "%s", f->note);
        if (f->note[0])
            fprintf(stderr, "abiprobe: %s: %s\n", rt, f->note);
    }
    free(f);
    return rc;
}

/* ---------- containment (probe/contain.h) ---------- */

/* p's real path, and for a path inside a node_modules tree the project above it (its package.json,
 * deno.json and lockfile), into r's arena. */
static size_t add_read(report *r, const char *p, const char **out, size_t n, size_t max)
{
    char real[PATH_MAX];
    if (!p || n + 2 > max || !realpath(p, real))
        return n;
    out[n++] = report_strdup(r, real);
    char *nm = strstr(real, "/node_modules");
    if (nm && nm > real) {
        *nm = '\0';
        out[n++] = report_strdup(r, real);
    }
    return n;
}

/* The packages a node_modules directory (dir) links to elsewhere (npm link, file: and workspace
 * dependencies, a tree assembled from links): their real directories, which the box keeps
 * visible too, or require() would not find them contained where it does uncontained. Its top
 * level and, with scopes, its @scope directories. */
static size_t add_links_in(report *r, const char *dir, bool scopes, const char **out, size_t n, size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && n + 2 < max) {
        char p[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p ||
            lstat(p, &st) != 0)
            continue;
        if (scopes && e->d_name[0] == '@' && S_ISDIR(st.st_mode))
            n = add_links_in(r, p, false, out, n, max);
        else if (S_ISLNK(st.st_mode))
            n = add_read(r, p, out, n, max);
    }
    if (d)
        closedir(d);
    return n;
}

/* What contained children may read, and whether they can be contained at all: -1 (said, exit 3)
 * when --contain=require and the system does not allow it. */
static int setup_containment(const cli *c, report *r, checker *ck, int argc, char **argv, const config *cfg,
                             const char *self)
{
    /* .node files alone, statically: no code from the tree runs, and there is nothing to box. */
    bool runs = !c->static_only || c->smoke || (cfg && (cfg->nsmoke || cfg->ntargets));
    for (int i = 0; i < argc && !runs; i++) {
        struct stat st;
        runs = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (!runs)
        return 0;
    enum { MAX_READ = 96 };
    const char **read = report_alloc(r, MAX_READ * sizeof *read);
    size_t n = 0;
    if (!read)
        return 0;
    for (int i = 0; i < argc; i++)
        n = add_read(r, argv[i], read, n, MAX_READ);
    for (size_t i = 0; cfg && i < cfg->ntargets; i++)
        n = add_read(r, cfg->targets[i].path, read, n, MAX_READ);
    for (size_t i = 0; cfg && i < cfg->nsmoke; i++)
        n = add_read(r, cfg->smoke[i].module, read, n, MAX_READ);
    n = add_read(r, c->smoke, read, n, MAX_READ);
    /* What the projects' node_modules link to, wherever it is. */
    for (size_t i = 0, first = n; i < first; i++) {
        char nm[PATH_MAX];
        size_t len = strlen(read[i]);
        bool is_nm = len >= 13 && strcmp(read[i] + len - 13, "/node_modules") == 0;
        if (snprintf(nm, sizeof nm, is_nm ? "%s" : "%s/node_modules", read[i]) < (int)sizeof nm)
            n = add_links_in(r, nm, true, read, n, MAX_READ);
    }
    char me[PATH_MAX];
    if (self && *self && realpath(self, me) && n < MAX_READ) /* it loads a library runtime's addons itself */
        read[n++] = report_strdup(r, dirname(me));
    const char *exes[8];
    size_t ne = checker_runtime_exes(ck, exes, 8);
    for (size_t i = 0; i < ne && n < MAX_READ; i++) {
        char real[PATH_MAX];
        if (realpath(exes[i], real)) /* the runtime's directory: what it may read beside itself */
            read[n++] = report_strdup(r, dirname(real));
    }
    contain_policy p = {c->contain, self, read, n, c->pass_env, c->npass_env};
    contain_configure(&p);
    /* --contain=require is checked before anything runs; otherwise the first child that needs
     * the box tries it (a check of .node files alone starts none), and the end of the run says
     * how it went (contain_said). */
    const char *why = NULL;
    if (c->contain == CONTAIN_REQUIRE && contain_available(&why) != 1) {
        fprintf(stderr, "abiprobe: --contain=require: %s\n", why);
        return -1;
    }
    return 0;
}

/* After the run: when package code ran uncontained, say so once, on stderr and in the report. */
static void contain_said(report *r)
{
    const char *why = NULL;
    if (contain_outcome(&why) != 0)
        return;
    if (strcmp(why, "--contain=off") != 0) {
        progress_clear();
        fprintf(stderr, "abiprobe: package code ran uncontained: %s\n", why);
    }
    r->uncontained = why;
}

/* Add runtime rt (a path, a command on PATH, or NAME@VERSION) under name (NULL: rt). One that
 * cannot be had is said on stderr and added as unusable (its results say why; exit 3), except a
 * version that does not exist: the user's mistake, -1 and *code 2, and the run stops. */
static int add_runtime_arg(checker *ck, const cli *c, const char *rt, const char *name, int *code)
{
    char exe[PATH_MAX], note[1024];
    diag d;
    diag_clear(&d);
    if (runtime_exe(c, rt, exe, sizeof exe, note, sizeof note, &d) != 0) {
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        *code = worst(*code, exit_for_diag(d.code));
        if (d.code == DIAG_USAGE)
            return -1;
        diag ud;
        checker_add_unusable_runtime(ck, name ? name : rt, d.msg, &ud);
        return 0;
    }
    if (checker_add_named_runtime(ck, exe, name ? name : rt, &d) != 0) {
        progress_clear();
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        *code = worst(*code, exit_for_diag(d.code));
    }
    checker_note_runtime(ck, note);
    return 0;
}

static int runtime_one(report *r, result *res, const char *arg, const cli *c, ldso **l, diag *d)
{
    (void)l;
    runtime_opts ro = {c->timeout_s * 1000u, c->sysroot, NULL};
    res->kind = RESULT_RUNTIME;
    if (!(res->runtime = report_alloc(r, sizeof *res->runtime)))
        return diag_set(d, DIAG_NOMEM, "out of memory");
    char exe[PATH_MAX], note[1024];
    if (runtime_exe(c, arg, exe, sizeof exe, note, sizeof note, d) != 0) {
        runtime_facts_unknown(r, arg, d->msg, res->runtime);
        return -1;
    }
    int rc = runtime_facts_read(r, exe, &ro, res->runtime, d);
    if (note[0])
        res->runtime->note =
            res->runtime->note ? report_printf(r, "%s; %s", note, res->runtime->note) : report_strdup(r, note);
    return rc;
}

/* The facts commands: one result per argument, every argument processed, the worst status kept. */
static int run_facts(const char *command, fact_fn one, int argc, char **argv, const cli *c)
{
    if (refuse_clobber(c, argc, argv, NULL))
        return EXIT_USAGE;
    report r;
    report_init(&r, command);
    if (c->defaulted)
        r.default_runtime = c->default_runtime;
    int code = EXIT_PASS;
    ldso *l = NULL; /* made by the first argument that needs one */
    for (int i = 0; i < argc; i++) {
        diag d;
        diag_clear(&d);
        result *res = report_add(&r);
        if (!res) {
            fprintf(stderr, "abiprobe: out of memory\n");
            ldso_destroy(l);
            report_free(&r);
            return EXIT_NOT_CHECKED;
        }
        res->target = argv[i];
        if (one(&r, res, argv[i], c, &l, &d) != 0) {
            fprintf(stderr, "abiprobe: %s\n", d.msg);
            code = worst(code, exit_for_diag(d.code));
        }
    }
    ldso_destroy(l);
    r.exit_status = code;
    if (emit(&r, c) != 0)
        code = worst(code, EXIT_USAGE);
    report_free(&r);
    return code;
}

/* argv[0] as main() got it: where abiprobe is when /proc is not mounted (a minimal image). */
static const char *argv0;

/* This executable's path (for `abiprobe __dlopen`): /proc/self/exe, else argv[0] as a path or
 * searched on PATH; "" when none can be told. */
static void self_exe(char *buf, size_t n)
{
    ssize_t sl = readlink("/proc/self/exe", buf, n - 1);
    if (sl > 0) {
        buf[sl] = '\0';
        return;
    }
    buf[0] = '\0';
    if (!argv0)
        return;
    if (strchr(argv0, '/')) {
        if (!realpath(argv0, buf))
            buf[0] = '\0';
        return;
    }
    const char *path = getenv("PATH");
    for (const char *p = path; p && *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        char cand[PATH_MAX];
        if (snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, argv0) < (int)sizeof cand && access(cand, X_OK) == 0 &&
            realpath(cand, buf))
            return;
        p = colon ? colon + 1 : NULL;
    }
    buf[0] = '\0';
}

/* Read all of a stream (stdin for merge), up to max bytes; NULL with errno set on failure. */
static char *read_stream(FILE *f, size_t max, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                return NULL;
            }
            *len = n;
            return buf;
        }
        if (cap >= max) {
            free(buf);
            errno = EFBIG;
            return NULL;
        }
        char *more = realloc(buf, cap * 2);
        if (!more)
            free(buf);
        buf = more;
        cap *= 2;
    }
    return NULL;
}

/* merge: the JSON reports of several runs (one per job of a CI matrix) as one report in any
 * format, with one exit status: the worst of the merged verdict and of each run's own status. */
static int cmd_merge(int argc, char **argv, const cli *c)
{
    if (refuse_clobber(c, argc, argv, NULL))
        return EXIT_USAGE;
    report r;
    report_init(&r, "merge");
    report_interns seen = {0};
    int code = EXIT_PASS;
    const char *command = NULL, *note = NULL, *deflt = NULL;
    bool mixed = false, many_notes = false, many_defaults = false;
    size_t *first_of = report_alloc(&r, (size_t)argc * sizeof *first_of); /* each input's first result */
    if (!(r.inputs = report_alloc(&r, (size_t)argc * sizeof *r.inputs)) || !first_of) {
        fprintf(stderr, "abiprobe: out of memory\n");
        report_free(&r);
        return EXIT_NOT_CHECKED;
    }
    for (int i = 0; i < argc; i++) {
        bool in_stdin = strcmp(argv[i], "-") == 0;
        size_t len = 0;
        errno = 0;
        char *text =
            in_stdin ? read_stream(stdin, (size_t)1 << 30, &len) : path_read_file(argv[i], (size_t)1 << 30, &len);
        if (!text) {
            fprintf(stderr, "abiprobe merge: %s: %s\n", in_stdin ? "stdin" : argv[i],
                    errno ? strerror(errno) : "cannot be read");
            code = worst(code, EXIT_USAGE);
            continue;
        }
        report_input in;
        char err[512];
        size_t before = r.nresults;
        int rc = report_read_json(&r, &seen, text, len, &in, err, sizeof err);
        free(text);
        if (rc != 0) {
            fprintf(stderr, "abiprobe merge: %s: %s\n", in_stdin ? "stdin" : argv[i], err);
            code = worst(code, EXIT_USAGE);
            continue;
        }
        first_of[r.ninputs] = before;
        r.inputs[r.ninputs++] = in_stdin ? "-" : argv[i];
        mixed = mixed || (command && in.command && strcmp(command, in.command) != 0);
        command = command ? command : in.command;
        if (in.note) {
            many_notes = many_notes || (note && strcmp(note, in.note) != 0);
            note = note ? note : in.note;
        }
        if (in.uncontained && !r.uncontained)
            r.uncontained = in.uncontained;
        if (in.default_runtime) {
            many_defaults = many_defaults || (deflt && strcmp(deflt, in.default_runtime) != 0);
            deflt = deflt ? deflt : in.default_runtime;
        }
        /* A run that could not check everything (an unreadable target has no result at all)
         * keeps its status: the merged gate never passes what one job did not. */
        if (in.exit_status > EXIT_FINDING)
            fprintf(stderr, "abiprobe merge: %s: its run exited %d\n", r.inputs[r.ninputs - 1], in.exit_status);
        if (in.exit_status > 0)
            code = worst(code, in.exit_status);
    }
    report_interns_free(&seen);
    /* As one run over every input would list them: each target's results together. A pair that
     * two inputs both have would count twice: the same report given twice, most likely. */
    size_t da = 0, db = 0;
    int g = report_group_by_target(&r, &da, &db);
    if (g != 0) {
        if (g < 0) {
            fprintf(stderr, "abiprobe: out of memory\n");
            code = EXIT_NOT_CHECKED;
        } else {
            size_t ia = 0, ib = 0;
            for (size_t k = 0; k < r.ninputs; k++) {
                ia = first_of[k] <= da ? k : ia;
                ib = first_of[k] <= db ? k : ib;
            }
            char t[256], rl[256];
            fprintf(stderr,
                    "abiprobe merge: %s: its result for %s on %s is already in %s%s; each pair may come from one "
                    "report only\n",
                    r.inputs[ib], result_title(&r.results[db], t, sizeof t),
                    result_runtime_label(&r.results[db], rl, sizeof rl), r.inputs[ia],
                    ia == ib                                              ? " (twice in one report)"
                    : ia != ib && strcmp(r.inputs[ia], r.inputs[ib]) == 0 ? " (the same file, named twice)"
                                                                          : "");
            code = EXIT_USAGE;
        }
        report_free(&r);
        return code;
    }
    if (command && !mixed)
        r.command = command;
    r.note = many_notes ? "the merged reports carry different notes; each input has its own" : note;
    r.default_runtime = many_defaults ? NULL : deflt;
    if (r.ninputs) {
        status v = report_verdict(&r);
        code = worst(code, exit_for_verdict(v));
        r.exit_status = code;
        if (emit(&r, c) != 0)
            code = worst(code, EXIT_USAGE);
    }
    report_free(&r);
    return code;
}

/* select: for every package and runtime, the file the package loads: observed with stand-ins
 * (no native code runs) where the runtime can be asked, else by the rules. Exit 0 when every
 * pair has one, 1 when some runtime gets none, 2 for an unreadable package, 3 when which file
 * loads cannot be told. */
static int cmd_select(int argc, char **argv, const cli *c)
{
    report r;
    report_init(&r, "select");
    if (c->defaulted)
        r.default_runtime = c->default_runtime;
    int code = EXIT_PASS;
    char self[PATH_MAX];
    self_exe(self, sizeof self);
    check_opts co = {.static_only = true,
                     .timeout_ms = c->timeout_s * 1000u,
                     .self_exe = self,
                     .emulator = c->emulator,
                     .sysroot = c->sysroot,
                     .overrides = c->overrides,
                     .select = c->select};
    checker *ck = NULL;
    diag d;
    diag_clear(&d);
    if (checker_create(&ck, &r, &co, &d) != 0) {
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        report_free(&r);
        return EXIT_NOT_CHECKED;
    }
    for (size_t i = 0; i < c->nruntimes; i++)
        if (add_runtime_arg(ck, c, c->runtimes[i], NULL, &code) != 0) {
            checker_destroy(ck);
            report_free(&r);
            return code;
        }
    if (c->select != SELECT_RULES && setup_containment(c, &r, ck, argc, argv, NULL, self) != 0) {
        checker_destroy(ck);
        report_free(&r);
        return EXIT_NOT_CHECKED;
    }
    for (int a = 0; a < argc; a++) {
        char pkg[PATH_MAX];
        sysroot_host(c->sysroot, argv[a], pkg, sizeof pkg);
        diag_clear(&d);
        if (checker_select(ck, pkg, &d) != 0) {
            fprintf(stderr, "abiprobe: %s\n", d.msg);
            code = worst(code, exit_for_diag(d.code));
        }
    }
    for (size_t i = 0; i < r.nresults; i++) {
        const selection *s = r.results[i].sel;
        const sel_answer *a = s ? selection_answer(s) : NULL;
        if (a && a->outcome == SEL_UNKNOWN)
            code = worst(code, exit_for_verdict(STATUS_ERROR));
        else if (a && a->rule && !a->chosen)
            code = worst(code, exit_for_verdict(STATUS_FAIL));
    }
    contain_said(&r);
    r.exit_status = code;
    if (emit(&r, c) != 0)
        code = worst(code, EXIT_USAGE);
    checker_destroy(ck);
    report_free(&r);
    return code;
}

/* The progress line: one updating line on stderr while runtimes are asked and checks run, on a
 * terminal only (progress.on), from any thread. Each update clears the line and writes what is
 * being done, cut to the terminal's width; progress_clear() leaves an empty line behind. */
static struct {
    bool on, shown;
    pthread_mutex_t mu;
} progress = {false, false, PTHREAD_MUTEX_INITIALIZER};

static void progress_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress_say(const char *fmt, ...)
{
    if (!progress.on)
        return;
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 10 ? ws.ws_col - 1 : 79;
    /* Cut at width columns (a column per UTF-8 code point), never inside one. */
    size_t cols = 0, i = 0;
    for (; line[i]; i++) {
        if (((unsigned char)line[i] & 0xc0) != 0x80 && ++cols > width)
            break;
    }
    line[i] = '\0';
    pthread_mutex_lock(&progress.mu);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress.shown = true;
    pthread_mutex_unlock(&progress.mu);
}

static void progress_clear(void)
{
    pthread_mutex_lock(&progress.mu);
    if (progress.shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress.shown = false;
    }
    pthread_mutex_unlock(&progress.mu);
}

/* What the interrupt's watcher calls first with the stderr it kept: clears the progress line. */
static void (*interrupt_hook)(int fd);

/* Clear the line on fd (write only: the watcher may interrupt any state). */
static void progress_clear_fd(int fd)
{
    if (progress.on && write(fd, "\r\033[K", 4) < 0)
        return;
}

static void scan_progress_line(size_t files, size_t packages, void *arg)
{
    (void)arg;
    progress_say("scanning: %zu files, %zu packages with native code", files, packages);
}

static void checker_progress(void *arg, const char *what, size_t done, size_t total)
{
    (void)arg;
    progress_say("%zu/%zu %s", done, total, what);
}

/* One target of a run: the path the checker is given (inside --sysroot, the image's), this
 * machine's path, the target as the config wrote it (or NULL), its package name when it is a
 * package directory, and the config's smoke module for it. */
typedef struct plan_item {
    const char *path;
    const char *host;
    const char *raw;
    char *pkgname;
    const config_smoke *sm;
} plan_item;

static bool item_matches(const char *name, const plan_item *it)
{
    return config_matches(name, it->raw, it->host, it->pkgname) ||
           (it->path != it->host && config_matches(name, NULL, it->path, NULL));
}

/* Every smoke key and every expectation must name a target of this run: a key that matches
 * nothing is a mistake in the config (exit 2), never a check quietly left out. Assigns each
 * target its smoke module. Returns 0, or -1 after printing what does not match. */
static int match_config(const config *cfg, plan_item *items, size_t n)
{
    int rc = 0;
    for (size_t k = 0; k < cfg->nsmoke; k++) {
        bool used = false;
        for (size_t i = 0; i < n; i++)
            if (!items[i].sm && item_matches(cfg->smoke[k].match, &items[i])) {
                items[i].sm = &cfg->smoke[k];
                used = true;
            }
        if (!used) {
            fprintf(stderr,
                    "abiprobe: config: smoke.%s: matches no target of this run (by package name, path or last path "
                    "component)\n",
                    cfg->smoke[k].match);
            rc = -1;
        }
    }
    for (size_t e = 0; e < cfg->nexpect; e++) {
        bool hit = false;
        for (size_t i = 0; i < n && !hit; i++)
            hit = item_matches(cfg->expect[e].target, &items[i]);
        if (!hit) {
            fprintf(stderr, "abiprobe: config: expect[%zu].target: \"%s\" matches no target of this run\n", e,
                    cfg->expect[e].target);
            rc = -1;
        }
    }
    return rc;
}

/* check and scan: every target against every runtime. Unreadable input gives 2, a failure
 * 1, a check that could not be carried out 3. For scan, the targets are the native packages
 * found under the DIRs (and the config's targets, walked as DIRs too), then the .node files
 * that no loader reaches (no verdict). */
static int run_checks(int argc, char **argv, const cli *c, bool scan)
{
    report r;
    report_init(&r, scan ? "scan" : "check");
    checker *ck = NULL;
    scan_found found = {0};
    config cfg = {0};
    plan_item *items = NULL;
    size_t nitems = 0;
    int code = EXIT_USAGE;
    char self[PATH_MAX];
    /* The real loads (`__dlopen`), runs inside --sysroot (`__chroot`) and contained children
     * (`__contain`) start a copy of this executable. */
    self_exe(self, sizeof self);
    char smoke[PATH_MAX];
    const char *root = c->sysroot;
    diag d;
    diag_clear(&d);
    int input_code = EXIT_PASS; /* what the targets' own problems give (exit_for) */
    if (c->smoke && !realpath(c->smoke, smoke)) {
        fprintf(stderr, "abiprobe: --smoke %s: %s\n", c->smoke, strerror(errno));
        goto out;
    }
    progress.on = isatty(STDERR_FILENO);
    interrupt_hook = progress_clear_fd;
    check_opts co = {.progress = checker_progress,
                     .static_only = c->static_only,
                     .list_imports = c->verbose > 0,
                     .timeout_ms = c->timeout_s * 1000u,
                     .smoke = c->smoke ? smoke : NULL,
                     .expect_json = c->expect,
                     .jobs = c->jobs,
                     .self_exe = self,
                     .emulator = c->emulator,
                     .sysroot = c->sysroot,
                     .overrides = c->overrides,
                     .select = c->select};
    if (checker_create(&ck, &r, &co, &d) != 0) {
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        code = EXIT_NOT_CHECKED;
        goto out;
    }
    if (c->config && config_load(&cfg, c->config, &d) != 0) {
        fprintf(stderr, "abiprobe: %s\n", d.msg);
        code = exit_for_diag(d.code);
        goto out;
    }
    if (!scan && argc == 0 && cfg.ntargets == 0) {
        fprintf(stderr, "abiprobe check: nothing to do: name a target, or list targets in the config\n");
        goto out;
    }
    /* No runtime named anywhere: the default one (the runtime that ran the npm launcher). */
    const char *fallback = NULL;
    if (!c->nruntimes && !cfg.nruntimes) {
        if (!c->default_runtime) {
            fprintf(stderr, "abiprobe %s: name at least one runtime with --runtime RT (or in the config)\n",
                    scan ? "scan" : "check");
            goto out;
        }
        fallback = r.default_runtime = c->default_runtime;
    }
    if (refuse_clobber(c, argc, argv, &cfg))
        goto out;
    for (size_t i = 0; i < cfg.nruntimes; i++) {
        progress_say("%zu/%zu asking %s for its facts", i + 1, cfg.nruntimes + c->nruntimes, cfg.runtimes[i].path);
        if (add_runtime_arg(ck, c, cfg.runtimes[i].path, cfg.runtimes[i].name, &input_code) != 0) {
            code = input_code;
            goto out;
        }
    }
    for (size_t i = 0; i < c->nruntimes; i++) {
        progress_say("%zu/%zu asking %s for its facts", cfg.nruntimes + i + 1, cfg.nruntimes + c->nruntimes,
                     c->runtimes[i]);
        if (add_runtime_arg(ck, c, c->runtimes[i], NULL, &input_code) != 0) {
            code = input_code;
            goto out;
        }
    }
    diag_clear(&d);
    if (fallback && checker_add_runtime(ck, fallback, &d) != 0)
        fprintf(stderr, "abiprobe: %s\n", d.msg);
    /* Package code is contained from here on: the first child that runs it is the observer. */
    if ((c->select != SELECT_RULES || !c->static_only) && setup_containment(c, &r, ck, argc, argv, &cfg, self) != 0) {
        code = EXIT_NOT_CHECKED;
        goto out;
    }
    /* The targets: for check the config's, then the command line's; for scan what the walk of
     * the DIRs (and of the config's targets) finds. */
    size_t ncand = scan ? 0 : cfg.ntargets + (size_t)argc;
    const char **targets = NULL; /* scan: the packages that get a result (checker_scan_targets) */
    if (scan) {
        bool tty = progress.on;
        size_t nroots = (size_t)argc + cfg.ntargets;
        const char **roots = calloc(nroots ? nroots : 1, sizeof *roots);
        char(*mapped)[PATH_MAX] = calloc(nroots ? nroots : 1, PATH_MAX);
        if (!roots || !mapped) {
            free(roots);
            free(mapped);
            fprintf(stderr, "abiprobe: out of memory\n");
            code = EXIT_NOT_CHECKED;
            goto out;
        }
        /* Inside --sysroot the DIRs are paths in the image. */
        for (size_t i = 0; i < nroots; i++) {
            const char *dir = i < (size_t)argc ? argv[i] : cfg.targets[i - (size_t)argc].path;
            sysroot_host(root, dir, mapped[i], PATH_MAX);
            roots[i] = mapped[i];
        }
        if (nroots)
            checker_prestart(ck, roots[0]); /* the runtimes start while the tree is walked */
        int wrc = scan_walk(roots, nroots, root, &found, tty ? scan_progress_line : NULL, NULL, &d);
        free(roots);
        free(mapped);
        progress_clear();
        if (wrc != 0) {
            fprintf(stderr, "abiprobe: %s\n", d.msg);
            goto out;
        }
        if (found.nerrors)
            fprintf(stderr, "abiprobe: scan: %zu directories could not be read and were walked around\n",
                    found.nerrors);
        /* No package at all is no passing scan: the tree is not installed yet (before npm ci). */
        if (!found.nseen && !found.nnodes) {
            fprintf(stderr, "abiprobe: scan: no package under %s (no package.json): install the tree first (npm ci)\n",
                    argc ? argv[0] : cfg.targets[0].raw);
            goto out;
        }
        diag_clear(&d);
        if (checker_scan_targets(ck, (const char *const *)found.packages, found.npackages,
                                 (const char *const *)found.nodes, found.nnodes, &targets, &ncand, &d) != 0) {
            fprintf(stderr, "abiprobe: %s\n", d.msg);
            code = EXIT_NOT_CHECKED;
            goto out;
        }
        if (!ncand && !found.nnodes)
            r.note =
                report_printf(&r, "no native packages among %zu package%s", found.nseen, found.nseen == 1 ? "" : "s");
    }
    if (!(items = calloc(ncand ? ncand : 1, sizeof *items))) {
        fprintf(stderr, "abiprobe: out of memory\n");
        code = EXIT_NOT_CHECKED;
        goto out;
    }
    for (size_t i = 0; i < ncand; i++) {
        plan_item *it = &items[nitems++];
        if (scan) {
            /* What the walk found are this machine's paths; inside --sysroot the checker wants the image's. */
            it->host = targets[i];
            it->path = report_strdup(&r, sysroot_shown(root, it->host));
        } else {
            bool fromcfg = i < cfg.ntargets;
            it->path = fromcfg ? cfg.targets[i].path : argv[i - cfg.ntargets];
            it->raw = fromcfg ? cfg.targets[i].raw : argv[i - cfg.ntargets];
            char host[PATH_MAX];
            it->host = sysroot_map(root, it->path, host, sizeof host) == 0 ? report_strdup(&r, host) : it->path;
        }
        it->pkgname = select_package_name(it->host);
    }
    if (match_config(&cfg, items, nitems) != 0)
        goto out;
    /* The package directories are observed together, one runtime process per runtime and project. */
    bool observing = false;
    {
        const char **dirs = calloc(nitems ? nitems : 1, sizeof *dirs);
        size_t nd = 0;
        for (size_t i = 0; dirs && i < nitems; i++) {
            struct stat st;
            if (stat(items[i].host, &st) == 0 && S_ISDIR(st.st_mode))
                dirs[nd++] = items[i].host;
        }
        diag_clear(&d);
        observing = nd && c->select == SELECT_AUTO;
        if (nd && checker_observe(ck, dirs, nd, &d) != 0) {
            progress_clear();
            fprintf(stderr, "abiprobe: %s\n", d.msg);
        }
        free(dirs);
    }
    for (size_t i = 0; i < nitems; i++) {
        const config_smoke *sm = items[i].sm;
        diag_clear(&d);
        check_target t = {items[i].path, sm ? sm->module : NULL, sm ? sm->expect_json : NULL};
        /* The first package waits for the runtimes' answers about every package. */
        progress_say("%zu/%zu checking %s%s", i + 1, nitems, items[i].pkgname ? items[i].pkgname : items[i].path,
                     i == 0 && observing ? " (the runtimes are asked which file each package loads)" : "");
        if (checker_run_target(ck, &t, &d) != 0) {
            progress_clear();
            fprintf(stderr, "abiprobe: %s\n", d.msg);
            input_code = worst(input_code, exit_for_diag(d.code));
        }
    }
    /* .node files that no rule of any package reached, for any runtime. */
    diag_clear(&d);
    if (checker_add_unreferenced(ck, (const char *const *)found.nodes, found.nnodes, &d) != 0)
        fprintf(stderr, "abiprobe: %s\n", d.msg);
    checker_finish(ck);
    progress_clear();
    contain_said(&r);
    /* Declared outcomes: a declared failure that fails is expected; one that passes is stale. */
    bool *missed = calloc(cfg.nexpect ? cfg.nexpect : 1, sizeof *missed);
    if (!missed) {
        fprintf(stderr, "abiprobe: out of memory\n");
        code = EXIT_NOT_CHECKED;
        goto out;
    }
    bool unmatched = checker_expect(ck, cfg.expect, cfg.nexpect, missed) > 0;
    for (size_t e = 0; e < cfg.nexpect; e++)
        if (missed[e])
            fprintf(stderr,
                    "abiprobe: config: expect[%zu] (target %s, runtime %s) matches no result: remove or fix it\n", e,
                    cfg.expect[e].target, cfg.expect[e].runtime);
    free(missed);
    /* A mistake in the user's own input (a smoke module that does not parse) is said once. */
    const char *said = NULL;
    for (size_t i = 0; i < r.nresults; i++) {
        const char *e = r.results[i].input_error;
        if (e && (!said || strcmp(said, e) != 0))
            fprintf(stderr, "abiprobe: %s\n", said = e);
    }
    if (said || unmatched)
        input_code = worst(input_code, exit_for((met){MET_USAGE, STATUS_PASS, DIAG_OK}));
    /* check and scan rank as their verdicts do: a mistake in what was asked (2) outranks a finding
     * (1), which outranks what could not be found out (3: an error result, or a target whose child
     * could not be started). */
    status v = report_verdict(&r);
    if (input_code == EXIT_NOT_CHECKED && v != STATUS_FAIL)
        v = STATUS_ERROR;
    code = input_code == EXIT_USAGE ? EXIT_USAGE : exit_for_verdict(v);
    r.exit_status = code;
    if (emit(&r, c) != 0)
        code = worst(code, EXIT_USAGE);
    /* The report is out and checker_finish joined every worker, so no child is left to wait
     * for: what remains is freeing memory and unmapping files, which the exit releases at
     * once. By hand it was a tenth of a static check (each file's mapping torn down on its
     * own). Everything still lives, so a leak checker at exit reports only real leaks; the
     * error paths below and the library's callers (the unit tests) free as before. */
    exit(code);
out:
    for (size_t i = 0; i < nitems; i++)
        free(items[i].pkgname);
    free(items);
    checker_destroy(ck);
    scan_found_free(&found);
    config_free(&cfg);
    report_free(&r);
    return code;
}

/* The option combinations a command refuses, each with one line: never half obeyed. */
static int check_asked(const struct cmddef *cd, const cli *c)
{
    const char *cmd = cd->name;
    if (cd->bit == CMD_SELECT && !c->nruntimes) {
        fprintf(stderr, "abiprobe select: name at least one runtime with --runtime RT\n");
        return -1;
    }
    if (cd->bit != CMD_CHECK && cd->bit != CMD_SCAN)
        return 0;
    if (!c->nruntimes && !c->config && !c->default_runtime) {
        fprintf(stderr, "abiprobe %s: name at least one runtime with --runtime RT\n", cmd);
        return -1;
    }
    if (c->static_only && (c->smoke || c->expect)) {
        fprintf(stderr, "abiprobe %s: --static-only runs no code, so --%s cannot run: drop one of them\n", cmd,
                c->smoke ? "smoke" : "expect");
        return -1;
    }
    if (c->expect && !c->smoke) {
        fprintf(stderr, "abiprobe %s: --expect needs --smoke (the module whose value it checks)\n", cmd);
        return -1;
    }
    return 0;
}

static int cmd_inspect(int argc, char **argv, const cli *c) { return run_facts("inspect", inspect_one, argc, argv, c); }
static int cmd_runtime(int argc, char **argv, const cli *c) { return run_facts("runtime", runtime_one, argc, argv, c); }
static int cmd_check(int argc, char **argv, const cli *c) { return run_checks(argc, argv, c, false); }
static int cmd_scan(int argc, char **argv, const cli *c) { return run_checks(argc, argv, c, true); }

/* ELF files are mmapped (probe/elf.c); if one is truncated underneath, the next access raises
 * SIGBUS. Name the file in one line and exit 2 rather than die by the signal. Only
 * async-signal-safe calls here. */
static void say(const char *s)
{
    ssize_t w = write(STDERR_FILENO, s, strlen(s));
    (void)w;
}

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
    (void)sig;
    (void)uctx;
    const char *path = elf_mapped_path_at(si->si_addr);
    say("abiprobe: ");
    if (path) {
        say(path);
        say(": ");
    }
    say("the file changed size while being read (SIGBUS); no report was written\n");
    _exit(EXIT_USAGE);
}

/* SIGINT, SIGTERM and SIGHUP: once a child or a private path exists (probe/interrupt.c), a
 * watcher thread takes them, where they can be handled in full: every child group ends, the
 * private directories and an unfinished report file go, one line is said, and the exit status
 * is 128 + the signal. Before that there is nothing to undo, and no thread is spent on it. */
static sigset_t stop_signals;
static pthread_t watcher;
static atomic_bool watcher_up;

static const char *stop_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP"; }

static void *watch_signals(void *arg)
{
    (void)arg;
    int sig = 0;
    while (sigwait(&stop_signals, &sig) != 0)
        ;
    /* From here on only this line is said: the other threads' messages about the children
     * being killed below go nowhere (a pipe nobody reads, where /dev/null is missing). */
    int err = dup(STDERR_FILENO), sink = open("/dev/null", O_WRONLY | O_CLOEXEC), p[2];
    if (sink < 0 && pipe2(p, O_CLOEXEC) == 0)
        sink = p[1];
    if (err >= 0 && sink >= 0)
        dup2(sink, STDERR_FILENO);
    size_t groups = 0, paths = 0;
    interrupt_stop(&groups, &paths);
    if (interrupt_hook)
        interrupt_hook(err);
    char line[200];
    int n = snprintf(line, sizeof line,
                     "abiprobe: interrupted by %s: ended %zu runtime process group%s, removed %zu temporary path%s; "
                     "no report\n",
                     stop_name(sig), groups, groups == 1 ? "" : "s", paths, paths == 1 ? "" : "s");
    if (n > 0 && write(err >= 0 ? err : STDERR_FILENO, line, (size_t)n) < 0)
        n = 0;
    _exit(128 + sig);
}

/* A stop signal in any thread but the watcher: handed to it, or, before it runs, the end at
 * once. Async-signal-safe. */
static void on_stop(int sig)
{
    if (atomic_load(&watcher_up)) {
        pthread_kill(watcher, sig);
        return;
    }
    if (interrupt_hook)
        interrupt_hook(STDERR_FILENO);
    say("abiprobe: interrupted by ");
    say(stop_name(sig));
    say(": nothing was running; no report\n");
    _exit(128 + sig);
}

/* The first child or private path: the watcher starts, with the stop signals blocked in it
 * alone (sigwait takes them there; the other threads' handler hands them over). */
static void start_watcher(void)
{
    sigset_t old;
    pthread_attr_t a;
    if (pthread_sigmask(SIG_BLOCK, &stop_signals, &old) != 0 || pthread_attr_init(&a) != 0)
        return;
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 64 * 1024);
    if (pthread_create(&watcher, &a, watch_signals, NULL) == 0)
        atomic_store(&watcher_up, true);
    pthread_attr_destroy(&a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static int watch_stop_signals(void)
{
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGHUP);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (int s = 0; s < 3; s++)
        if (sigaction(s == 0 ? SIGINT : s == 1 ? SIGTERM : SIGHUP, &sa, NULL) != 0)
            return -1;
    interrupt_on_first_use(start_watcher);
    return 0;
}

int main(int argc, char **argv)
{
    argv0 = argv[0];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage(stdout);
        return EXIT_PASS;
    }
    if (strcmp(cmd, "--version") == 0) {
        printf("abiprobe %s\n", ABIPROBE_VERSION);
        return EXIT_PASS;
    }
    /* Internal: run a runtime contained (probe/contain.c). */
    if (strcmp(cmd, "__contain") == 0) {
        char why[512] = "";
        int rc = contain_exec(argc - 2, argv + 2, why, sizeof why);
        if (why[0])
            fprintf(stderr, "abiprobe __contain: %s\n", why);
        return rc;
    }
    /* Internal: run a runtime inside an image tree (probe/dynamic.c). */
    if (strcmp(cmd, "__chroot") == 0) {
        if (argc < 4) {
            fprintf(stderr, "abiprobe __chroot: internal command, needs ROOT PROG [ARGS...]\n");
            return EXIT_USAGE;
        }
        int e = dyn_chroot_exec(argv[2], argv + 3);
        fprintf(stderr, "abiprobe: cannot run %s inside %s: %s\n", argv[3], argv[2], strerror(e));
        return 127;
    }
    /* Internal: the child side of `dlopen` for a shared-library runtime (probe/dynamic.c). */
    if (strcmp(cmd, "__dlopen") == 0) {
        if (argc != 6) {
            fprintf(stderr, "abiprobe __dlopen: internal command, needs RUNTIME ADDON lazy|now HANDSHAKE\n");
            return EXIT_USAGE;
        }
        return dyn_library_child(argv[2], argv[3], argv[4], argv[5]);
    }
    const struct cmddef *cd = NULL;
    for (size_t i = 0; i < sizeof cmddefs / sizeof cmddefs[0]; i++)
        if (strcmp(cmddefs[i].name, cmd) == 0)
            cd = &cmddefs[i];
    if (!cd) {
        fprintf(stderr, "abiprobe: unknown command '%s' (try abiprobe --help)\n", cmd);
        return EXIT_USAGE;
    }
    if (watch_stop_signals() != 0) {
        fprintf(stderr,
                "abiprobe: cannot watch for SIGINT/SIGTERM/SIGHUP (%s): an interrupt could leave processes "
                "behind, so nothing runs\n",
                strerror(errno));
        return EXIT_NOT_CHECKED;
    }

    struct option longopts[NOPTS + 1];
    char shortopts[2 * NOPTS + 2];
    size_t ns = 0;
    shortopts[ns++] = ':';
    for (size_t i = 0; i < NOPTS; i++) {
        longopts[i] = (struct option){optdefs[i].name, optdefs[i].has_arg, NULL, optdefs[i].val};
        if (optdefs[i].val < 256) {
            shortopts[ns++] = (char)optdefs[i].val;
            if (optdefs[i].has_arg == required_argument)
                shortopts[ns++] = ':';
        }
    }
    shortopts[ns] = '\0';
    longopts[NOPTS] = (struct option){NULL, 0, NULL, 0};
    cli c = {.format = "text", .timeout_s = 30, .jobs = 1};
    static char sysroot[PATH_MAX];
    static char emulator[PATH_MAX];
    int code = EXIT_PASS;
    /* --runtime values point into argv; at most one per argument. */
    if (!(c.runtimes = calloc((size_t)argc, sizeof *c.runtimes)) ||
        !(c.pass_env = calloc((size_t)argc, sizeof *c.pass_env))) {
        fprintf(stderr, "abiprobe: out of memory\n");
        code = EXIT_NOT_CHECKED;
        goto out;
    }
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    opterr = 0;
    int ch, idx;
    while ((ch = getopt_long(sub_argc, sub_argv, shortopts, longopts, &idx)) != -1) {
        const struct optdef *od = NULL;
        for (size_t i = 0; i < NOPTS; i++)
            if (optdefs[i].val == ch)
                od = &optdefs[i];
        if (od && !(od->cmds & cd->bit)) {
            fprintf(stderr, "abiprobe %s: option --%s does not apply to this command\n", cmd, od->name);
            code = EXIT_USAGE;
            goto out;
        }
        switch (ch) {
        case OPT_FORMAT:
            if (!report_writer_for(optarg)) {
                fprintf(stderr, "abiprobe %s: --format %s: unknown format (one of: %s)\n", cmd, optarg,
                        report_format_names());
                code = EXIT_USAGE;
                goto out;
            }
            c.format = optarg;
            break;
        case 'o': c.output = optarg; break;
        case OPT_RUNTIME: c.runtimes[c.nruntimes++] = optarg; break;
        case OPT_STATIC_ONLY: c.static_only = true; break;
        case OPT_SMOKE: c.smoke = optarg; break;
        case OPT_LIBC:
            if (strcmp(optarg, "glibc") != 0 && strcmp(optarg, "musl") != 0) {
                fprintf(stderr, "abiprobe %s: --libc %s: want glibc or musl\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.overrides.libc = optarg;
            break;
        case OPT_ARCH:
            if (!one_of(optarg, abi_node_arches)) {
                fprintf(stderr, "abiprobe %s: --arch %s: no loader knows it (Node's os.arch(): %s)\n", cmd, optarg,
                        list_of(abi_node_arches));
                code = EXIT_USAGE;
                goto out;
            }
            c.overrides.arch = optarg;
            break;
        case OPT_CONFIG: c.config = optarg; break;
        case OPT_SYSROOT:
            if (sysroot_resolve(optarg, sysroot, sizeof sysroot) != 0) {
                fprintf(stderr, "abiprobe %s: --sysroot %s: not a directory\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.sysroot = sysroot[0] ? sysroot : NULL;
            break;
        case OPT_EMULATOR: {
            diag ed;
            if (runtime_resolve(optarg, emulator, sizeof emulator, &ed) != 0 || access(emulator, X_OK) != 0) {
                fprintf(stderr,
                        "abiprobe %s: --emulator %s: not found or not executable (Debian: apt-get install "
                        "qemu-user-static)\n",
                        cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.emulator = emulator;
            break;
        }
        case OPT_PLATFORM:
            if (!one_of(optarg, node_platforms)) {
                fprintf(stderr, "abiprobe %s: --platform %s: no loader knows it (Node's os.platform(): %s)\n", cmd,
                        optarg, list_of(node_platforms));
                code = EXIT_USAGE;
                goto out;
            }
            c.overrides.platform = optarg;
            break;
        case OPT_DEFAULT_RUNTIME: c.default_runtime = optarg; break;
        case OPT_CONTAIN:
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "require") != 0 && strcmp(optarg, "off") != 0) {
                fprintf(stderr, "abiprobe %s: --contain %s: want auto, require or off\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.contain = optarg[0] == 'a' ? CONTAIN_AUTO : optarg[0] == 'r' ? CONTAIN_REQUIRE : CONTAIN_OFF;
            break;
        case OPT_PASS_ENV: c.pass_env[c.npass_env++] = optarg; break;
        case OPT_SELECT:
            if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "rules") != 0) {
                fprintf(stderr, "abiprobe %s: --select %s: want auto or rules\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.select = strcmp(optarg, "rules") == 0 ? SELECT_RULES : SELECT_AUTO;
            break;
        case OPT_EXPECT: {
            cJSON *j = cJSON_Parse(optarg);
            cJSON_Delete(j);
            if (!j) {
                fprintf(stderr, "abiprobe %s: --expect %s: not valid JSON (a string needs quotes: '\"text\"')\n", cmd,
                        optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.expect = optarg;
            break;
        }
        case 'j': {
            char *end;
            unsigned long n = strtoul(optarg, &end, 10);
            if (end == optarg || *end || n == 0 || n > 64) {
                fprintf(stderr, "abiprobe %s: -j %s: want a number from 1 to 64\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.jobs = (unsigned)n;
            break;
        }
        case 'v': c.verbose++; break;
        case OPT_TIMEOUT: {
            char *end;
            errno = 0;
            unsigned long t = strtoul(optarg, &end, 10);
            if (errno || end == optarg || *end || t == 0 || t > 3600) {
                fprintf(stderr, "abiprobe %s: --timeout %s: want whole seconds from 1 to 3600\n", cmd, optarg);
                code = EXIT_USAGE;
                goto out;
            }
            c.timeout_s = (unsigned)t;
            break;
        }
        case 'h': usage(stdout); goto out;
        case OPT_VERSION: printf("abiprobe %s\n", ABIPROBE_VERSION); goto out;
        case ':':
            fprintf(stderr, "abiprobe %s: option %s needs an argument\n", cmd, sub_argv[optind - 1]);
            code = EXIT_USAGE;
            goto out;
        default:
            fprintf(stderr, "abiprobe %s: unknown option %s (try abiprobe --help)\n", cmd, sub_argv[optind - 1]);
            code = EXIT_USAGE;
            goto out;
        }
    }
    int nargs = sub_argc - optind;
    char **args = sub_argv + optind;
    /* `runtime` and `select` with no runtime named use the default one, and say so. */
    static char *default_arg[2];
    if (cd->bit == CMD_RUNTIME && nargs < 1 && c.default_runtime) {
        default_arg[0] = (char *)c.default_runtime;
        args = default_arg;
        nargs = 1;
        c.defaulted = true;
    }
    if (cd->bit == CMD_SELECT && !c.nruntimes && c.default_runtime) {
        c.runtimes[c.nruntimes++] = c.default_runtime;
        c.defaulted = true;
    }
    if (nargs < 1 && !((cd->bit == CMD_CHECK || cd->bit == CMD_SCAN) && c.config)) {
        fprintf(stderr, "abiprobe %s: nothing to do: name at least one %s\n", cmd, cd->argument);
        code = EXIT_USAGE;
        goto out;
    }
    /* What is asked is checked before anything runs, -o included: a report that cannot be
     * written is refused before any work. */
    if (check_asked(cd, &c) != 0) {
        code = EXIT_USAGE;
        goto out;
    }
    static out_file outf = {.fd = -1};
    if (c.output && strcmp(c.output, "-") == 0)
        c.output = NULL;
    if (c.output) {
        diag od;
        if (out_open(&outf, c.output, &od) != 0) {
            fprintf(stderr, "abiprobe %s: %s\n", cmd, od.msg);
            code = exit_for_diag(od.code);
            goto out;
        }
        c.out = &outf;
    }
    code = cd->run(nargs, args, &c);
out:
    free(c.pass_env);
    /* An interrupt's watcher ends the process: a run it stopped must not end first, with a
     * status and a report made of the children it killed. */
    while (interrupt_stopping())
        pause();
    if (c.out)
        out_abort(c.out); /* nothing left when the report was written; else the temporary file goes */
    free(c.runtimes);
    return code;
}
