/* probe/runtime.c — runtime facts. What the runtime says of itself (process.versions) is
 * the truth about what a loader will see; its ELF says what it really exports. Bun reports
 * a Node version and a modules ABI, but its engine is JavaScriptCore: both facts are kept. */
#define _GNU_SOURCE
#include "probe/runtime.h"
#include "probe/cache.h"
#include "abi/machine.h"

#include "abi/modules.h"
#include "probe/scope.h"
#include "probe/addon.h"
#include "probe/elf.h"
#include "probe/spawn.h"
#include "probe/symname.h"

#include <cjson/cJSON.h>
#include <elf.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The script each runtime runs. It reads no argument and splices no path: the handshake
 * path arrives in ABIPROBE_HANDSHAKE. Works under node/electron/bun (-e, CommonJS) and deno
 * (eval, where require does not exist). */
static const char facts_script[] =
    "const D=globalThis.Deno,P=globalThis.process;"
    "const o={versions:P?P.versions:{},arch:P?P.arch:null,platform:P?P.platform:null,"
    "execPath:P?P.execPath:(D?D.execPath():null),bun:typeof globalThis.Bun!=='undefined',deno:!!D};"
    "if(D&&D.version){o.versions=Object.assign({},o.versions,{deno:D.version.deno,v8:D.version.v8})}"
    "const s=JSON.stringify(o);"
    "const f=P&&P.env?P.env.ABIPROBE_HANDSHAKE:D.env.get('ABIPROBE_HANDSHAKE');"
    "if(D)D.writeTextFileSync(f,s);else require('fs').writeFileSync(f,s);";

enum { HANDSHAKE_MAX = 256 * 1024 };

static int host_machine(void)
{
    const abi_machine *m = abi_machine_host();
    return m ? m->em : -1;
}

int runtime_resolve(const char *rt, char *buf, size_t n, diag *d)
{
    if (!*rt)
        return diag_set(d, DIAG_USAGE, "runtime: empty name");
    if (strchr(rt, '/')) {
        if (access(rt, F_OK) != 0)
            return diag_errno(d, DIAG_IO, "runtime %s", rt);
        if ((size_t)snprintf(buf, n, "%s", rt) >= n)
            return diag_set(d, DIAG_IO, "runtime %s: path too long", rt);
        return 0;
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        struct stat st;
        int w = snprintf(buf, n, "%.*s/%s", (int)(len ? len : 1), len ? p : ".", rt);
        if (w > 0 && (size_t)w < n && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
            return 0;
        p = end ? end + 1 : p + len;
    }
    /* What was looked for and where: the directories, cut short when PATH is long. */
    size_t pl = strlen(path);
    return diag_set(d, DIAG_IO, "runtime %s: not found on PATH (%.*s%s); name its path, or a command on PATH", rt,
                    pl > 200 ? 200 : (int)pl, path, pl > 200 ? "…" : "");
}

static const char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static int json_int(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(v))
        return (int)v->valuedouble;
    if (cJSON_IsString(v)) {
        char *end;
        long n = strtol(v->valuestring, &end, 10);
        if (end != v->valuestring && *end == '\0' && n >= 0 && n < 1000000)
            return (int)n;
    }
    return -1;
}

/* The facts cache: what a runtime said of itself ("facts") and its exports counted by group
 * ("elf": a pass over every export, 38,000 in Node's binary), kept under
 * $XDG_CACHE_HOME/abiprobe (or ~/.cache/abiprobe) and keyed by the executable's identity
 * (path, device, inode, size, mtime and ctime), so a changed or replaced binary is asked and
 * read again. The key's "facts-3" changes whenever what is cached changes meaning (3: the
 * export counts come from the dynamic segment, ld.so's view).
 * ABIPROBE_NO_CACHE=1 turns it off. Only an answer that parsed is kept. */
static bool cache_key(const char *exe, char *key, size_t kn, char *path, size_t pn)
{
    return cache_locate(exe, "facts-3", "runtimes", ".json", key, kn, path, pn);
}

/* The cached document for key, or NULL when there is none or it is for another key. */
static cJSON *cache_read(const char *key, const char *path)
{
    char *text = path_read_file(path, HANDSHAKE_MAX, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "key"));
    if (!k || strcmp(k, key) != 0) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* Export counts from the cache, if they are there and sane (the file is the user's own). */
static bool cache_exports(const cJSON *doc, size_t nsyms, runtime_facts *out)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "elf");
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(e, "exports");
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(e, "by_group");
    if (!cJSON_IsNumber(n) || n->valuedouble < 0 || n->valuedouble > (double)nsyms || !cJSON_IsArray(g) ||
        cJSON_GetArraySize(g) != SYMGROUP_COUNT)
        return false;
    unsigned by[SYMGROUP_COUNT];
    for (int i = 0; i < SYMGROUP_COUNT; i++) {
        const cJSON *v = cJSON_GetArrayItem(g, i);
        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > (double)nsyms)
            return false;
        by[i] = (unsigned)v->valuedouble;
    }
    out->nexports = (size_t)n->valuedouble;
    memcpy(out->exports_by_group, by, sizeof by);
    return true;
}

/* The runtime's abort-on-call stubs from the cache, handed to the load scope so that no
 * run after the first scans its machine code for them. False when the cache has none. They
 * are kept as one string of decimal indices: cJSON parses a number array ten times slower. */
static bool cache_stubs(const cJSON *doc, ldso *l, const elf_obj *o, size_t **syms, size_t *n)
{
    const char *t =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(doc, "elf"), "stubs"));
    size_t nsyms = elf_obj_nsyms(o), count = 0, cap = 0;
    if (!t)
        return false;
    *syms = NULL;
    while (*t) {
        char *end = (char *)t;
        errno = 0;
        /* Digits only: strtoull would also take leading blanks and a sign. */
        unsigned long long v = *t >= '0' && *t <= '9' ? strtoull(t, &end, 10) : 0;
        if (!v || errno || v >= nsyms || (*end && *end != ' ') || count == nsyms)
            goto bad;
        if (count == cap) {
            size_t *g = realloc(*syms, (cap = cap ? cap * 2 : 256) * sizeof *g);
            if (!g)
                goto bad;
            *syms = g;
        }
        (*syms)[count++] = (size_t)v;
        t = *end ? end + 1 : end;
    }
    if (!*syms && !(*syms = malloc(sizeof **syms)))
        return false;
    if (ldso_seed_stubs(l, o, *syms, count) != 0)
        goto bad;
    *n = count;
    return true;
bad:
    free(*syms);
    *syms = NULL;
    return false;
}

static cJSON *exports_json(const runtime_facts *f, const size_t *stubs, size_t nstubs, bool stubs_known)
{
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "exports", (double)f->nexports);
    cJSON *g = cJSON_AddArrayToObject(e, "by_group");
    for (int i = 0; i < SYMGROUP_COUNT; i++)
        cJSON_AddItemToArray(g, cJSON_CreateNumber(f->exports_by_group[i]));
    char *text = stubs_known ? malloc(nstubs * 21 + 1) : NULL;
    if (text) {
        size_t o = 0;
        for (size_t i = 0; i < nstubs; i++)
            o += (size_t)sprintf(text + o, i ? " %zu" : "%zu", stubs[i]);
        text[o] = '\0';
        cJSON_AddStringToObject(e, "stubs", text);
        free(text);
    }
    return e;
}

/* Write {key, facts?, elf?}; NULL parts are left out. */
static void cache_write(const char *key, const char *path, const cJSON *facts, const cJSON *elf)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "key", key);
    if (facts)
        cJSON_AddItemToObject(doc, "facts", cJSON_Duplicate(facts, true));
    if (elf)
        cJSON_AddItemToObject(doc, "elf", cJSON_Duplicate(elf, true));
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (text)
        cache_store(path, text, strlen(text));
    cJSON_free(text);
}

/* Ask the runtime about itself. On success *json owns the parsed handshake. */
static int ask_runtime(report *r, const char *exe, const runtime_opts *opt, cJSON **json, runtime_facts *out, diag *d)
{
    char dirbuf[PATH_MAX];
    char hs[PATH_MAX + 32], var[PATH_MAX + 64];
    char **env = NULL;
    char *text = NULL;
    int rc = -1;
    spawn_res res = {0};
    if (spawn_tempdir(dirbuf, sizeof dirbuf, d) != 0)
        return -1;
    snprintf(hs, sizeof hs, "%s/facts.json", dirbuf);
    snprintf(var, sizeof var, "ABIPROBE_HANDSHAKE=%s", hs);
    const char *set[] = {var, "ELECTRON_RUN_AS_NODE=1", NULL};
    if (!(env = spawn_env_with(set))) {
        diag_set(d, DIAG_NOMEM, "out of memory");
        goto done;
    }
    char *base = strrchr(exe, '/');
    base = base ? base + 1 : (char *)exe;
    bool deno = strstr(base, "deno") != NULL;
    const char *argv[] = {exe, deno ? "eval" : "-e", facts_script, NULL};
    spawn_req q = {argv, (const char *const *)env, NULL, opt->timeout_ms, 0, 16384, 16384};
    if (spawn_run(&q, &res, d) != 0) {
        out->error = report_strdup(r, d->msg);
        goto done;
    }
    text = path_read_file(hs, HANDSHAKE_MAX, NULL);
    if (!text || !(*json = cJSON_Parse(text))) {
        char how[64];
        size_t ll = 0;
        const char *line = spawn_last_line(res.err, res.err_len, &ll);
        if (!line)
            line = spawn_last_line(res.out, res.out_len, &ll);
        out->error =
            report_printf(r, "%s did not report its facts (%s)%s%.*s", exe, spawn_describe(&res, how, sizeof how),
                          line ? ": " : "", (int)(line ? ll : 0), line ? line : "");
        diag_set(d, DIAG_SPAWN, "%s", out->error);
        goto done;
    }
    rc = 0;
done:
    free(text);
    spawn_res_free(&res);
    free(env);
    spawn_rmtree(dirbuf);
    return rc;
}

/* Kind and engine from the ELF alone: Bun defines BUN_* symbol versions; node exports
 * node::Start; others are told by their file name. */
static void kind_from_elf(const elf_obj *o, const char *path, runtime_facts *out)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    bool bun = false;
    for (size_t i = 0; i < elf_obj_nversions(o) && !bun; i++) {
        elf_verinfo v;
        if (elf_obj_version(o, i, &v) == 0 && v.defined && strncmp(v.name, "BUN_", 4) == 0)
            bun = true;
    }
    if (bun || strstr(base, "bun"))
        out->kind = "bun";
    else if (strstr(base, "deno"))
        out->kind = "deno";
    else if (strstr(base, "electron"))
        out->kind = "electron";
    else if (elf_obj_lookup(o, "_ZN4node5StartEiPPc", NULL) || elf_obj_lookup(o, "node_module_register", NULL))
        out->kind = "node";
    else
        out->kind = "unknown";
    out->engine = strcmp(out->kind, "bun") == 0 ? "jsc" : strcmp(out->kind, "unknown") == 0 ? "unknown" : "v8";
}

/* "24.21.0" right after prefix somewhere in the object's read-only data, into buf; false if
 * no occurrence of prefix is followed by a version. */
static bool version_after(const elf_obj *o, const char *prefix, char *buf, size_t n)
{
    size_t avail = 0, pl = strlen(prefix);
    const char *p = NULL;
    for (int tries = 0; tries < 64 && (p = elf_obj_find_data(o, prefix, p, &avail)); tries++) {
        size_t k = 0;
        for (const char *q = p + pl; k + 1 < n && (size_t)(q - p) < avail && ((*q >= '0' && *q <= '9') || *q == '.');
             q++)
            buf[k++] = *q;
        while (k > 0 && buf[k - 1] == '.')
            k--;
        buf[k] = '\0';
        int a, b, c;
        if (sscanf(buf, "%d.%d.%d", &a, &b, &c) == 3)
            return true;
    }
    return false;
}

/* When the runtime cannot be asked: the Node version its ELF carries (Node's release URL,
 * Bun's user agent), and the modules ABI the registry gives that Node major. */
static void version_from_elf(report *r, const elf_obj *o, runtime_facts *out)
{
    char v[32], b[32];
    if (strcmp(out->kind, "bun") == 0 && version_after(o, "bun/", b, sizeof b) &&
        version_after(o, " node/v", v, sizeof v)) {
        out->product_version = report_strdup(r, b);
        out->version = report_strdup(r, v);
    } else if (version_after(o, "/node-v", v, sizeof v)) {
        out->version = report_strdup(r, v);
    } else {
        return;
    }
    int major = atoi(out->version);
    int m = abi_modules_for_node_major(major);
    if (m > 0 && out->modules < 0) {
        out->modules = m;
        out->note = report_printf(r, "%s%snode %s read from its ELF, modules %d from the ABI registry",
                                  out->note ? out->note : "", out->note ? "; " : "", out->version, m);
    }
}

static void facts_from_json(report *r, const cJSON *j, runtime_facts *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "versions");
    out->version = report_strdup(r, json_str(v, "node"));
    out->modules = json_int(v, "modules");
    out->napi = json_int(v, "napi");
    out->v8 = report_strdup(r, json_str(v, "v8"));
    out->uv = report_strdup(r, json_str(v, "uv"));
    if (json_str(v, "bun") || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "bun"))) {
        out->kind = "bun";
        out->engine = "jsc";
        out->product_version = report_strdup(r, json_str(v, "bun"));
        out->engine_version = report_strdup(r, json_str(v, "webkit"));
    } else if (json_str(v, "deno") || cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "deno"))) {
        out->kind = "deno";
        out->engine = "v8";
        out->product_version = report_strdup(r, json_str(v, "deno"));
        out->engine_version = out->v8;
    } else if (json_str(v, "electron")) {
        out->kind = "electron";
        out->engine = "v8";
        out->product_version = report_strdup(r, json_str(v, "electron"));
        out->engine_version = out->v8;
    } else if (out->version) {
        out->kind = "node";
        out->engine = "v8";
        out->engine_version = out->v8;
    }
}

static void facts_from_elf(report *r, const elf_obj *o, runtime_facts *out)
{
    char mbuf[16];
    const elf_header *h = elf_obj_header(o);
    out->machine = report_strdup(r, elf_machine_name(h->machine, mbuf, sizeof mbuf));
    out->libc = elf_obj_libc(o);
    out->interp = report_strdup(r, h->interp);
}

/* Count the exports by group: the one pass over every export of the runtime. */
static void exports_from_elf(const elf_obj *o, runtime_facts *out)
{
    size_t n = elf_obj_nsyms(o);
    for (size_t i = 1; i < n; i++) {
        elf_sym s;
        if (elf_obj_sym(o, i, &s) != 0 || !elf_sym_is_export(&s) || !s.name[0])
            continue;
        out->nexports++;
        out->exports_by_group[sym_group_of(s.name, NULL)]++;
    }
}

/* image: the path the ldso knows the file by (inside --sysroot); host: this machine's. */
static const elf_obj *open_elf(const runtime_opts *opt, const char *image, const char *host, elf_obj **own, diag *d)
{
    if (opt->l)
        return ldso_open(opt->l, image, d);
    return elf_obj_open(own, host, d) == 0 ? *own : NULL;
}

static int facts_read(report *r, const char *rt, const runtime_opts *opt, runtime_facts *out, diag *d)
{
    char path[PATH_MAX];
    /* The runtime's ELF: opened through the run's ldso when there is one, so the load scope
     * reuses it instead of parsing the executable a second time. */
    elf_obj *own = NULL;
    const elf_obj *o = NULL;
    cJSON *json = NULL;
    size_t *stubs = NULL, nstubs = 0;
    bool stubs_known = false;
    int rc = -1;
    runtime_facts_unknown(r, rt, NULL, out);
    if (opt->sysroot) {
        /* Inside an image: a command name is looked up on the image's PATH. */
        char image[PATH_MAX];
        static const char *const dirs[] = {"/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
                                           "/usr/bin",        "/sbin",          "/bin"};
        bool found = false;
        for (size_t i = 0; i < (strchr(rt, '/') ? 1 : sizeof dirs / sizeof dirs[0]) && !found; i++) {
            if (strchr(rt, '/'))
                snprintf(image, sizeof image, "%s", rt);
            else
                snprintf(image, sizeof image, "%s/%s", dirs[i], rt);
            struct stat st;
            found =
                sysroot_map(opt->sysroot, image, path, sizeof path) == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode);
        }
        if (!found) {
            diag_set(d, DIAG_IO, "runtime %s: not found in --sysroot %s", rt, opt->sysroot);
            out->error = report_strdup(r, d->msg);
            return -1;
        }
        out->exe = report_strdup(r, image);
    } else {
        if (runtime_resolve(rt, path, sizeof path, d) != 0) {
            out->error = report_strdup(r, d->msg);
            return -1;
        }
        out->exe = report_strdup(r, path);
    }

    file_sniff sn;
    file_sniff_path(path, &sn);
    /* A launcher script (#!) is run as it is; its execPath then names the ELF. */
    bool script = sn.format == FILE_FORMAT_SCRIPT;
    if (sn.format == FILE_FORMAT_UNKNOWN) {
        diag_set(d, DIAG_FORMAT, "runtime %s: %s: neither an ELF executable nor a #! script", rt, path);
        out->error = report_strdup(r, d->msg);
        return -1;
    } else if (sn.format != FILE_FORMAT_ELF && !script) {
        diag_set(d, DIAG_FOREIGN, "runtime %s: %s, not an ELF executable for Linux", rt, sn.desc);
        out->error = report_strdup(r, d->msg);
        return -1;
    }

    bool can_run = script;
    if (!script) {
        if (!(o = open_elf(opt, out->exe, path, &own, d))) {
            out->error = report_strdup(r, d->msg);
            return -1;
        }
        const elf_header *h = elf_obj_header(o);
        out->library = h->type == ET_DYN && !h->interp && elf_obj_soname(o);
        if (out->library)
            out->note = "a shared-library runtime (an embedder's libnode): it has no entry point to run, so "
                        "the facts come from its ELF alone";
        out->foreign = h->machine != host_machine();
        if (out->library) {
            /* noted above */
        } else if (opt->sysroot) {
            out->note = report_printf(r, "inside --sysroot %s: the facts come from its ELF alone", opt->sysroot);
        } else if (out->foreign) {
            char mb[16];
            out->note = report_printf(r, "built for %s, not for this machine: the facts come from its ELF alone",
                                      elf_machine_name(h->machine, mb, sizeof mb));
        } else if (access(path, X_OK) != 0) {
            out->note = "not executable: the facts come from its ELF alone";
        } else if (h->interp && access(h->interp, X_OK) != 0 && !opt->sysroot) {
            /* A musl binary on a glibc machine, say: exec would fail with ENOENT. */
            out->note = report_printf(r, "its interpreter %s is not on this machine: the facts come from its ELF alone",
                                      h->interp);
        } else {
            can_run = true;
        }
    }

    char key[PATH_MAX + 160], cpath[PATH_MAX];
    bool cacheable = cache_key(path, key, sizeof key, cpath, sizeof cpath), dirty = false;
    cJSON *doc = cacheable ? cache_read(key, cpath) : NULL;
    if (can_run) {
        json = cJSON_DetachItemFromObjectCaseSensitive(doc, "facts");
        if (!cJSON_IsObject(json)) {
            cJSON_Delete(json);
            json = NULL;
            if (ask_runtime(r, path, opt, &json, out, d) != 0) {
                /* Say why it could not be asked (an unusable TMPDIR, say), never nothing. */
                if (!out->note)
                    out->note = report_printf(r, "it could not be asked: %s", d->msg[0] ? d->msg : "no reason given");
                goto elf_only;
            }
            dirty = true;
        }
        facts_from_json(r, json, out);
        out->facts_from = FACTS_RUNTIME;
        const char *exec_path = json_str(json, "execPath");
        if (script && exec_path) {
            /* The ELF to read is what the launcher really ran. */
            out->exe = report_strdup(r, exec_path);
            if (!(o = open_elf(opt, exec_path, exec_path, &own, d))) {
                out->error = report_strdup(r, d->msg);
                goto done;
            }
        }
    }
elf_only:
    if (o) {
        facts_from_elf(r, o, out);
        /* A launcher's ELF is another file than the one the key names: count it afresh. */
        if (script || !cache_exports(doc, elf_obj_nsyms(o), out)) {
            exports_from_elf(o, out);
            dirty = dirty || !script;
        }
        /* Its stubs are kept with the export counts: scanned once, on the run that writes
         * the cache, and handed to the load scope by every run after it. */
        if (opt->l && !own && !script && cacheable && !cache_stubs(doc, opt->l, o, &stubs, &nstubs)) {
            stubs_known = ldso_stubs(opt->l, o, &stubs, &nstubs) == 0;
            dirty = dirty || stubs_known;
        } else if (stubs) {
            stubs_known = true;
        }
        if (!json) {
            kind_from_elf(o, path, out);
            version_from_elf(r, o, out);
        }
        /* Node's shared library is named after its ABI: libnode.so.<NODE_MODULE_VERSION>. */
        const char *so = elf_obj_soname(o);
        char *end;
        long n = so && strncmp(so, "libnode.so.", 11) == 0 ? strtol(so + 11, &end, 10) : -1;
        if (out->library && n > 0 && n < 100000 && *end == '\0' && out->modules < 0) {
            out->modules = (int)n;
            out->kind = "node";
            out->engine = "v8";
            out->note = report_printf(r, "%s; modules %ld from its SONAME %s", out->note, n, so);
        }
    }
    if (out->modules > 0) {
        const abi_modules_entry *e =
            abi_modules_find(out->modules, strcmp(out->kind, "electron") == 0 ? "electron" : "node");
        if (e)
            out->registry = report_printf(r, "%s %s", e->runtime, e->versions);
    }
    rc = out->error ? -1 : 0;
done:
    if (cacheable && dirty) {
        cJSON *elf = o && !script ? exports_json(out, stubs, nstubs, stubs_known) : NULL;
        cache_write(key, cpath, json ? json : cJSON_GetObjectItemCaseSensitive(doc, "facts"), elf);
        cJSON_Delete(elf);
    }
    cJSON_Delete(doc);
    cJSON_Delete(json);
    elf_obj_close(own);
    free(stubs);
    return rc;
}

void runtime_facts_unknown(report *r, const char *rt, const char *why, runtime_facts *out)
{
    memset(out, 0, sizeof *out);
    out->path = report_strdup(r, rt);
    out->kind = "unknown";
    out->engine = "unknown";
    out->modules = out->napi = -1;
    out->facts_from = FACTS_ELF;
    out->error = why ? report_strdup(r, why) : NULL;
}

int runtime_facts_read(report *r, const char *rt, const runtime_opts *opt, runtime_facts *out, diag *d)
{
    int rc = facts_read(r, rt, opt, out, d);
    /* A runtime whose facts cannot be had (missing, not a runtime, silent, answering garbage)
     * means that no check against it can be carried out: exit 3 for every command and target
     * kind, never "unreadable input". */
    if (rc != 0 && d && d->code != DIAG_NOMEM && d->code != DIAG_USAGE)
        d->code = DIAG_SPAWN;
    return rc;
}
