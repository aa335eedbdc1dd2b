/* report/result.h — the plain-data result model. Probes fill it; every report format reads
 * it; nothing here prints or looks at files. All strings and arrays hanging off a report are
 * allocated from the report's own arena and freed with it by report_free(). */
#ifndef ABIPROBE_RESULT_H
#define ABIPROBE_RESULT_H

#include <stdbool.h>
#include <stddef.h>

/* Status of a check or a whole result (pass, fail, error, skip, warn). */
typedef enum status { STATUS_PASS, STATUS_FAIL, STATUS_ERROR, STATUS_SKIP, STATUS_WARN } status;

/* The stable lower-case name of a status. */
const char *status_name(status s);

/* The same names, indexed by status and NULL-terminated (what the reader matches against). */
extern const char *const status_names[];

/* The groups of the `symbols` check, in report order; the count arrays below are indexed by
 * them (probe/symname.c decides which group a name is in). */
typedef enum sym_group {
    SYMGROUP_V8,    /* v8::, v8_inspector::, cppgc:: */
    SYMGROUP_NODE,  /* node:: and node's C entry points */
    SYMGROUP_NAPI,  /* napi_*, node_api_* */
    SYMGROUP_UV,    /* uv_* */
    SYMGROUP_LIBC,  /* versioned from libc, libm, libpthread, libdl, librt, the loader */
    SYMGROUP_CXX,   /* std::, __cxa_*, operator new/delete, the C++ runtime */
    SYMGROUP_OTHER, /* anything else */
    SYMGROUP_COUNT
} sym_group;

/* The groups' stable names ("v8", "node", "napi", "uv", "libc", "c++", "other"), indexed by
 * sym_group and NULL-terminated. */
extern const char *const result_group_names[SYMGROUP_COUNT + 1];

/* When a missing symbol breaks the addon: the load fails, or the first call dies. */
typedef enum sym_when { WHEN_LOAD, WHEN_CALL } sym_when;

/* "load", "call"; indexed by sym_when, NULL-terminated. */
extern const char *const sym_when_names[];

/* One symbol as a report shows it. */
typedef struct sym_entry {
    const char *name;      /* mangled */
    const char *demangled; /* NULL when not a C++ name */
    sym_group group;
    const char *version;  /* required version, or NULL */
    const char *ver_file; /* library the version is required from, or NULL */
    bool weak;
} sym_entry;

/* One library of an addon's NEEDED closure, as this machine's loader finds it (inspect -v). */
typedef struct lib_found {
    const char *name;      /* the DT_NEEDED entry */
    const char *path;      /* the file it resolves to, or NULL when none is found */
    const char *via;       /* how: "RUNPATH", "RPATH", "LD_LIBRARY_PATH", "ld.so.cache", "system directory",
                            * "already loaded", "path" (a NEEDED with a slash); NULL when not found */
    const char *needed_by; /* the object whose DT_NEEDED names it */
    const char *searched;  /* when not found: what was tried, in order */
} lib_found;

/* Facts about one addon file (inspect; the "addon" object of a check result). */
typedef struct addon_facts {
    const char *path;
    const char *format;            /* "elf", "mach-o", "pe", "unknown" */
    const char *format_desc;       /* e.g. "ELF 64-bit LSB shared object" */
    const char *machine;           /* "x86_64", "aarch64", ... */
    int elf_class;                 /* 32 or 64; 0 when not ELF */
    const char *byte_order;        /* "little", "big" */
    const char *elf_type;          /* "shared object", "executable", ... */
    const char *osabi;             /* "SYSV", "GNU/Linux", ... */
    const char *kind;              /* "napi", "v8", "legacy", "unknown" */
    const char *registration;      /* "export", "constructor", NULL */
    const char *entry;             /* the registration symbol, e.g. "node_register_module_v147" */
    int modules;                   /* NODE_MODULE_VERSION from node_register_module_vN, -1 if none */
    const char *modules_registry;  /* what the ABI registry says of it, e.g. "node 26.0.0-pre" */
    int napi_version;              /* declared by node_api_module_get_api_version_v1, -1 if none */
    const char *napi_version_note; /* why a declared version could not be decoded */
    const char *libc;              /* "glibc", "musl", "none" */
    const char *interp;
    const char *soname;
    const char **needed;
    size_t nneeded;
    const char *rpath;
    const char *runpath;
    bool bind_now;
    const char *max_glibc; /* highest GLIBC_ version required, or NULL */
    const char *max_glibcxx;
    const char *max_cxxabi;
    size_t nexports; /* defined global dynamic symbols */
    size_t nimports; /* undefined dynamic symbols */
    unsigned imports_by_group[SYMGROUP_COUNT];
    sym_entry *imports;      /* sorted by group, then name */
    const char *selected_by; /* which loader rule chose the file, or NULL */
    const char *elf_note;    /* how the section headers disagree with the dynamic segment, or NULL */
    lib_found *libs;         /* inspect -v: the NEEDED closure and how each was found, or NULL */
    size_t nlibs;
    const char *error; /* set when the file could not be read as an addon */
} addon_facts;

/* Where a runtime's facts come from: its ELF alone, or the runtime itself (asked in a child)
 * and its ELF. */
typedef enum facts_source { FACTS_ELF, FACTS_RUNTIME } facts_source;

/* "elf", "runtime+elf"; indexed by facts_source, NULL-terminated. */
extern const char *const facts_source_names[];

/* Facts about one runtime. */
typedef struct runtime_facts {
    const char *path;            /* as the user named it */
    const char *exe;             /* the ELF that was read (execPath when the runtime ran) */
    const char *kind;            /* "node", "bun", "deno", "electron", "unknown" */
    const char *engine;          /* "v8", "jsc", "unknown" */
    const char *engine_version;  /* V8 version, or WebKit revision for JavaScriptCore */
    const char *version;         /* the Node version it reports (process.versions.node) */
    const char *product_version; /* bun/deno/electron's own version, or NULL */
    int modules;                 /* process.versions.modules, -1 if unknown */
    int napi;                    /* process.versions.napi, -1 if unknown */
    const char *v8;              /* process.versions.v8 as reported, or NULL */
    const char *uv;              /* process.versions.uv, or NULL */
    const char *registry;        /* what the ABI registry says of `modules`, e.g. "node 26.0.0" */
    const char *machine;
    const char *libc; /* "glibc", "musl", "none" */
    const char *interp;
    bool library; /* a shared library runtime such as libnode.so */
    bool foreign; /* built for another machine than this one */
    size_t nexports;
    unsigned exports_by_group[SYMGROUP_COUNT];
    facts_source facts_from;
    const char *note;  /* why only the ELF was used, or other caveats */
    const char *error; /* set when facts could not be gathered */
} runtime_facts;

/* A symbol that the load scope does not provide (or provides only as a stub). */
typedef struct missing_sym {
    const char *name;      /* mangled */
    const char *demangled; /* NULL when not a C++ name */
    sym_group group;
    sym_when when;
    const char *resolved_to; /* NULL, or "stub" when only an abort-on-call stub defines it */
    const char *version;     /* the version required, or NULL */
    const char *required_by; /* path of the object whose relocation needs it */
} missing_sym;

/* versions: a symbol version that an object requires and the library that must define it
 * does not (or a library with no version information at all, which ld.so only warns of). */
typedef struct version_gap {
    const char *library;     /* the VERNEED file name, e.g. "libstdc++.so.6" */
    const char *path;        /* the file found for it */
    const char *version;     /* the version required, e.g. "GLIBCXX_3.4.32" */
    const char *newest;      /* the newest version of the same kind the library defines, or NULL */
    const char *required_by; /* the requiring object's file name */
    bool weak;               /* a weak requirement: ld.so only warns */
    bool no_info;            /* the library defines no versions at all: ld.so only warns */
} version_gap;

/* dlopen, execute: how a real load's process ended when it did not report. */
typedef struct proc_end {
    const char *process;     /* "exit 0", "killed by SIGSEGV", "timed out after 5.0 s" */
    const char *stderr_line; /* its last line on stderr (at most 400 bytes), or NULL */
} proc_end;

/* A list of strings that grows by doubling, in a report's arena (report_strs_push). */
typedef struct str_vec {
    const char **v;
    size_t n, cap;
} str_vec;

/* The check ids, in the order a result carries them. Their names are stable (the JSON "id"). */
typedef enum check_id {
    CHECK_SELECT,   /* package targets: which file the runtime loads, and whether the loader refuses */
    CHECK_FORMAT,   /* ELF class, machine, type, OS ABI */
    CHECK_LIBC,     /* glibc addon on musl, or the reverse */
    CHECK_NEEDED,   /* every DT_NEEDED found as ld.so finds it */
    CHECK_VERSIONS, /* every required symbol version defined */
    CHECK_SYMBOLS,  /* every undefined symbol resolvable in the load scope */
    CHECK_MODULES,  /* registration kind and modules ABI */
    CHECK_NAPI,     /* N-API functions and the declared version */
    CHECK_DLOPEN,   /* the real runtime loads it */
    CHECK_EXECUTE,  /* a call round-trip works */
    CHECK_COUNT
} check_id;

/* "select", "format", ...; indexed by check_id, NULL-terminated. */
extern const char *const check_id_names[CHECK_COUNT + 1];

/* One check of a result. */
typedef struct check {
    check_id id;
    status status;
    const char *message; /* one line */
    const char *hint;    /* what to do next, for a failure or warning; NULL otherwise */
    str_vec details;     /* further lines (libraries, versions, functions), rendered from the
                          * data below where there is such data */
    lib_found *libs;     /* needed: the libraries not found, with where they were looked for */
    size_t nlibs;
    version_gap *gaps; /* versions: every requirement that is not met */
    size_t ngaps;
    proc_end *ended;            /* dlopen, execute: the process ended before it reported, or NULL */
    const char *loader_message; /* dlopen: the loader's whole message when the load failed, or NULL */
    missing_sym *missing;       /* symbols and napi: every missing symbol */
    size_t nmissing;
    unsigned missing_by_group[SYMGROUP_COUNT]; /* counts of the non-stub ones */
    unsigned nload, ncall, nstub;
    const char *first;      /* the symbol ld.so stops at, or NULL */
    const char *value_json; /* execute: the smoke value as JSON text, or NULL */
} check;

/* Checks one result can hold (one of each id, and room to spare). */
enum { RESULT_MAX_CHECKS = 12 };

/* What became of a file a package's loader considered: the rules' verdicts, then what an
 * observed run makes of the files it asked for. */
typedef enum cand_status {
    CAND_CHOSEN,      /* the file that loads */
    CAND_REJECTED,    /* the loader looked at it and refused it (another runtime, libc, arch) */
    CAND_OUTRANKED,   /* it would do, but another one comes first */
    CAND_NOT_REACHED, /* the loader stops before it */
    CAND_ABSENT,      /* where the loader looks, but nothing is there */
    CAND_ALSO_LOADED, /* observed: asked for and loaded after the chosen one */
    CAND_REFUSED,     /* observed: asked for, and it did not load */
    CAND_CANDIDATE,   /* no rule decides: a file of the package that could load on the target */
    CAND_OTHERS,      /* observed: asked for, but another package's file (judged in its own result) */
    CAND_STATUS_COUNT
} cand_status;

/* The status's name in reports ("chosen", "not reached", ...), NULL-terminated by index. */
extern const char *const cand_status_names[CAND_STATUS_COUNT + 1];

/* One file a package's loader considered, and what became of it. */
typedef struct candidate {
    const char *path; /* relative to the package directory */
    cand_status status;
    const char *reason;
} candidate;

/* How a selection ended: a file, a loader that finds none or refuses (fail), a native part
 * that was never built or put in place (fail), or no way to tell (error: never a guess). */
typedef enum sel_outcome { SEL_CHOSEN, SEL_NONE, SEL_UNBUILT, SEL_UNKNOWN } sel_outcome;

/* "chosen", "none", "unbuilt", "unknown"; indexed by sel_outcome, NULL-terminated. */
extern const char *const sel_outcome_names[];

/* Which step of selection decided, in the order they are tried. */
typedef enum sel_step {
    STEP_REQUIRE,   /* the runtime's require() (or import()) of the package asked for the file, or refused */
    STEP_BINDING,   /* require() asked for none of its files; a binding module of the package did */
    STEP_RULES,     /* the emulated loader rules */
    STEP_AGREEMENT, /* no rule decides: every file that could load on the target gets the same verdict */
    STEP_COUNT
} sel_step;

/* "require", "binding module", "rules", "agreement"; indexed by sel_step, NULL-terminated. */
extern const char *const sel_step_names[STEP_COUNT + 1];

/* One .node file a package's JavaScript asked for, as the runtime reported it. */
typedef struct sel_ask {
    const char *file;    /* as the loader named it (this machine's path) */
    const char *from;    /* the loader's file:line, or NULL */
    const char *via;     /* "require" or "process.dlopen" */
    bool ok;             /* it loaded (a stand-in was handed out, under --static-only) */
    const char *message; /* the runtime's error when it did not load, else NULL */
    bool predicted;      /* refused as the static checks predict (--static-only), not by the runtime */
    bool own;            /* one of the package's own files (its directory, its platform packages), or a copy */
    const char *copy_of; /* outside the package: the package's own file it is a byte-identical copy of */
    const char *binding; /* asked for while a binding module of the package was required, or NULL */
} sel_ask;

/* One answer to "which file does this package load": what the runtime did, or what the
 * emulated rules find. A selection holds both. */
typedef struct sel_answer {
    sel_outcome outcome;
    const char *rule;     /* "observed", "candidates" (no rule decides), or the emulated rule:
                           * "node-gyp-build", "node-gyp-build-optional-packages", "bindings",
                           * "node-pre-gyp", "napi-rs", "optionalDependencies", "build/Release" */
    const char *rule_why; /* how the rule was recognised, or what the runtime asked for */
    const char *chosen;   /* absolute path of the chosen file, or NULL */
    const char *none_why; /* when nothing is chosen: the loader's own words */
    candidate *cands;     /* every file considered, and what became of it */
    size_t ncands;
} sel_answer;

/* Which file a runtime would load from a package, and why. */
typedef struct selection {
    const char *pkgdir;
    const char *name; /* package.json name and version */
    const char *version;
    const char *seen_as;   /* the loader's view: "runtime=node abi=147 uv=1 libc=glibc ..." */
    const char *seen_note; /* when the loader's view differs from the real engine (Bun seen as node) */
    sel_step step;         /* which step decided: selection_answer() is its answer */
    sel_answer observed;   /* what the runtime did on require() (when asked) */
    sel_answer rules;      /* what the emulated rules find */
    bool asked;            /* the runtime was asked (JSON "observed"); else the rules alone decided */
    bool stand_in;         /* native loading answered with a stand-in (--static-only): no dlopen */
    bool stand_in_threw;   /* the package's own code threw after a stand-in was handed out: it did
                            * not run to the end, and the stand-in, not its loader, may be why */
    sel_ask *asks;         /* every .node file asked for, in order */
    size_t nasks;
    const char **mapped; /* real load: the files /proc/self/maps showed mapped */
    size_t nmapped;
    bool mapped_known;             /* /proc/self/maps could be read (mapped means something) */
    const char *load_error;        /* the runtime's error loading the chosen file, or NULL */
    const char *note;              /* how the file was found when not by observation (lazy loading, a
                                    * runtime that cannot run here), or NULL */
    const char *differs;           /* a sentence when the rules and the runtime disagree, else NULL */
    const char **missing_platform; /* platform packages for the target among its optionalDependencies
                                    * that are not installed ("name@range") */
    size_t nmissing_platform;
    const char **reached; /* package directories whose .node files count as reached (the
                           * package's platform packages, the chosen file's package) */
    size_t nreached;
} selection;

/* The answer that decided: the observed one for STEP_REQUIRE and STEP_BINDING, else the rules'. */
const sel_answer *selection_answer(const selection *s);

/* Where path's last "/node_modules/" component begins (the slash), or NULL: what follows is
 * the installed package's name and the file inside it. */
const char *path_node_modules(const char *path);

/* The chosen file as a person reads it: relative to the package, else from the nearest
 * node_modules (a platform package), else absolute. NULL when none was chosen. */
const char *selection_shown(const selection *s);

/* What a result is, and so which of its parts are set and how a report shows it. */
typedef enum result_kind {
    RESULT_ADDON,        /* inspect: an addon's facts (addon), no verdict */
    RESULT_RUNTIME,      /* runtime: a runtime's facts (runtime), no verdict */
    RESULT_SELECTION,    /* select: which file a package loads for a runtime (sel, runtime), no verdict */
    RESULT_PAIR,         /* check, scan: a target against a runtime, its checks and a verdict */
    RESULT_UNREFERENCED, /* scan: a .node file that cannot load on the target, in a package without a
                          * verdict (addon), no verdict */
} result_kind;

/* One addon, one runtime, or one pair with its checks. */
typedef struct result {
    addon_facts *addon;
    runtime_facts *runtime;
    selection *sel;      /* set for package targets (select, check, scan) */
    const char *target;  /* the argument this result came from (groups the text report) */
    const char *rt_name; /* the runtime's name (as given, or its key in --config) */
    bool expect_set;     /* a --config expectation covers this result */
    bool expected_fail;  /* it declares "fail" (else "pass") */
    const char *expect_reason;
    const char *input_error;      /* what is wrong with the user's own input (a smoke module that
                                   * does not parse), one line; the run then exits 2 */
    const char *unreferenced_why; /* RESULT_UNREFERENCED: why the file gets no verdict (it cannot load
                                   * on the target, and its package has none), or NULL */
    result_kind kind;
    status verdict; /* RESULT_PAIR only */
    check *checks;
    size_t nchecks;
} result;

typedef struct arena_chunk arena_chunk;

/* A whole run: which command, its results in order, and the arena that owns them. */
typedef struct report {
    const char *command;         /* "inspect", "runtime", "check", ... */
    const char *note;            /* a line about the run as a whole ("no native packages among 12"), or NULL */
    const char *default_runtime; /* the runtime used because none was named (--default-runtime), or NULL */
    const char *uncontained;     /* why package code ran without containment (probe/contain.h), or NULL */
    const char **inputs;         /* merge: the report files merged, in order */
    size_t ninputs;
    int exit_status; /* the exit status the run gives, recorded for merge; -1 when not known */
    result *results;
    size_t nresults;
    size_t cap;
    arena_chunk *arena;
} report;

/* Start an empty report for command (a static string). */
void report_init(report *r, const char *command);
/* Free everything the report owns. NULL-safe. */
void report_free(report *r);
/* Zeroed memory owned by the report, or NULL when out of memory. */
void *report_alloc(report *r, size_t size);
/* A copy of s owned by the report (NULL for NULL, or when out of memory). */
const char *report_strdup(report *r, const char *s);
/* A printf-formatted string owned by the report. */
const char *report_printf(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append a zeroed result and return it, or NULL when out of memory. */
result *report_add(report *r);
/* Append a check to res with a formatted message; returns it (stable: it does not move when
 * more checks are added), or NULL when out of memory or past RESULT_MAX_CHECKS. */
check *report_add_check(report *r, result *res, check_id id, status st, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The one sentence for a library not found, and for a version gap: what the checks' details
 * and messages say, so that every format says it the same way. NULL when out of memory. */
const char *report_lib_missing_line(report *r, const lib_found *l);
const char *report_gap_line(report *r, const version_gap *g);

/* Record on k how a real load's process ended (copied into r), with its detail lines:
 * "process: ..." when say_process, and "stderr: ..." when there is such a line. */
void report_check_ended(report *r, check *k, const char *process, const char *stderr_line, size_t stderr_len,
                        bool say_process);

/* Room for one more element in an array of n elements of size elem that lives in r: *v as
 * it is while n < *cap, else a copy twice the size (at least first), so that a list costs
 * linear time and memory however long a hostile file makes it. -1, and *v untouched, when
 * out of memory. */
int report_grow(report *r, void *v, size_t n, size_t *cap, size_t elem, size_t first);

/* Append str (kept as it is: it must live in r) to s; -1 when out of memory. */
int report_strs_push(report *r, str_vec *s, const char *str);

/* Append a detail line to a check. Returns 0, or -1 when out of memory. */
int report_check_detail(report *r, check *c, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Set res->verdict from its checks: fail beats error beats pass. */
void result_settle(result *res);

/* The one-line reason of a result: its first failing (else erroring, else warning) check as
 * "id: message", or NULL when everything passed. */
const char *result_reason(const result *res, const check **which);

/* "isolated-vm 7.0.1" for a package target, else the addon's file name (into buf). */
const char *result_title(const result *res, char *buf, size_t n);

/* "bun 1.4.4" for the runtime (into buf). */
const char *result_runtime_label(const result *res, char *buf, size_t n);

/* The order of two runtimes as one runtime: by path, kind, then version (bun/deno/electron's own,
 * else node's). 0 when they are the same runtime (one column of a matrix, one side of a pair).
 * NULL sorts first. */
int runtime_cmp(const runtime_facts *a, const runtime_facts *b);

/* Reorder r's results as one run over all of them lists them: each target's results together,
 * at the place of its first, in the order they came (for merge: the runtimes of one input, then
 * the next). Returns 0; 1 when two pair results have the same target and runtime (same path and
 * version): their indexes before the reordering go to *a < *b and nothing moves; -1 when out of
 * memory. O(n log n). */
int report_group_by_target(report *r, size_t *a, size_t *b);

/* True when a declared failure failed: it does not fail the run. */
bool result_expected_failure(const result *res);
/* True when a declared failure passed: a stale expectation, which fails the run. */
bool result_stale(const result *res);

/* Totals over the results that carry a verdict, after expectations: a declared failure
 * that fails counts in `expected`, one that passes (stale) counts in `fail` and `stale`. */
typedef struct report_totals {
    size_t total, pass, fail, error, expected, stale;
} report_totals;
report_totals report_count(const report *r);

/* The overall verdict: fail beats error beats pass; no verdicts at all is pass. */
status report_verdict(const report *r);

#endif
