/* abi/prebuild.c — loader rules, transcribed from the loaders' own sources:
 * node-gyp-build 4.8.4 (node-gyp-build.js: parseTags, matchTags, runtimeAgnostic,
 * compareTags, parseTuple, matchTuple, compareTuples), bindings 1.5.0 (the `try` list),
 * @mapbox/node-pre-gyp (lib/util/versioning.js template keys) and napi-rs (the triples its
 * generated index.js loads). */
#include "abi/prebuild.h"

#include <stdio.h>
#include <string.h>

static bool starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

void ngb_parse_tags(const char *file, ngb_tags *out)
{
    memset(out, 0, sizeof *out);
    /* file.split('.'), the last piece is the extension. */
    const char *ext = strrchr(file, '.');
    if (!ext || strcmp(ext, ".node") != 0)
        return;
    out->valid = true;
    size_t stop = (size_t)(ext - file);
    for (size_t i = 0; i <= stop;) {
        size_t j = i;
        while (j < stop && file[j] != '.')
            j++;
        char tag[64];
        size_t tl = j - i < sizeof tag - 1 ? j - i : sizeof tag - 1;
        memcpy(tag, file + i, tl);
        tag[tl] = '\0';
        bool known = true;
        if (strcmp(tag, "node") == 0)
            out->runtime = "node";
        else if (strcmp(tag, "electron") == 0)
            out->runtime = "electron";
        else if (strcmp(tag, "node-webkit") == 0)
            out->runtime = "node-webkit";
        else if (strcmp(tag, "napi") == 0)
            out->napi = true;
        else if (starts(tag, "abi"))
            snprintf(out->abi, sizeof out->abi, "%.15s", tag + 3);
        else if (starts(tag, "uv"))
            snprintf(out->uv, sizeof out->uv, "%.15s", tag + 2);
        else if (starts(tag, "armv"))
            snprintf(out->armv, sizeof out->armv, "%.15s", tag + 4);
        else if (strcmp(tag, "glibc") == 0 || strcmp(tag, "musl") == 0)
            out->libc = tag[0] == 'g' ? "glibc" : "musl";
        else
            known = false;
        if (known)
            out->specificity++;
        if (j >= stop)
            break;
        i = j + 1;
    }
}

/* A tag present in the name, even an empty one ("abi" alone sets abi to ""): node-gyp-build
 * tests truthiness, so an empty value counts as absent, as here. */
const char *ngb_reject(const ngb_tags *t, const loader_view *v, char *buf, size_t n)
{
    if (!t->valid) {
        snprintf(buf, n, "not a .node file");
        return buf;
    }
    bool agnostic = t->runtime && strcmp(t->runtime, "node") == 0 && t->napi;
    if (t->runtime && strcmp(t->runtime, v->runtime) != 0 && !agnostic) {
        snprintf(buf, n, "built for %s, the loader sees %s", t->runtime, v->runtime);
        return buf;
    }
    if (t->abi[0] && strcmp(t->abi, v->abi) != 0 && !t->napi) {
        snprintf(buf, n, "abi%s, the runtime has modules %s", t->abi, v->abi);
        return buf;
    }
    if (t->uv[0] && strcmp(t->uv, v->uv) != 0) {
        snprintf(buf, n, "uv%s, the runtime has libuv %s", t->uv, v->uv[0] ? v->uv : "(none)");
        return buf;
    }
    if (t->armv[0] && strcmp(t->armv, v->armv) != 0) {
        snprintf(buf, n, "armv%s, the runtime has armv%s", t->armv, v->armv[0] ? v->armv : "(none)");
        return buf;
    }
    if (t->libc && strcmp(t->libc, v->libc) != 0) {
        snprintf(buf, n, "%s, the runtime has %s", t->libc, v->libc);
        return buf;
    }
    return NULL;
}

int ngb_compare(const ngb_tags *a, const ngb_tags *b, const char *runtime)
{
    const char *ra = a->runtime ? a->runtime : "", *rb = b->runtime ? b->runtime : "";
    if (strcmp(ra, rb) != 0)
        return strcmp(ra, runtime) == 0 ? -1 : 1;
    if (strcmp(a->abi, b->abi) != 0)
        return a->abi[0] ? -1 : 1;
    if (a->specificity != b->specificity)
        return a->specificity > b->specificity ? -1 : 1;
    return 0;
}

bool ngb_tuple_matches(const char *name, const char *platform, const char *arch, size_t *narches)
{
    /* name.split('-') must give exactly two non-empty parts; the second is '+'-joined arches. */
    const char *dash = strchr(name, '-');
    if (!dash || dash == name || strchr(dash + 1, '-'))
        return false;
    size_t pl = (size_t)(dash - name);
    if (strlen(platform) != pl || strncmp(name, platform, pl) != 0)
        return false;
    bool found = false;
    size_t count = 0;
    for (const char *p = dash + 1;;) {
        const char *plus = strchr(p, '+');
        size_t len = plus ? (size_t)(plus - p) : strlen(p);
        if (len == 0)
            return false; /* every architecture must be non-empty */
        count++;
        if (strlen(arch) == len && strncmp(p, arch, len) == 0)
            found = true;
        if (!plus)
            break;
        p = plus + 1;
    }
    *narches = count;
    return found;
}

const char *const bindings_paths[] = {
    "build/{module_name}",
    "build/Debug/{module_name}",
    "build/Release/{module_name}",
    "out/Debug/{module_name}",
    "Debug/{module_name}",
    "out/Release/{module_name}",
    "Release/{module_name}",
    "build/default/{module_name}",
    "compiled/{node_version}/{platform}/{arch}/{module_name}",
    "addon-build/release/install-root/{module_name}",
    "addon-build/debug/install-root/{module_name}",
    "addon-build/default/install-root/{module_name}",
    "lib/binding/node-v{abi}-{platform}-{arch}/{module_name}",
    NULL,
};

char *prebuild_expand(const char *tmpl, const loader_view *v, const char *module_name, const char *pkg_version,
                      const char *pkg_name, int napi_build, char *buf, size_t n)
{
    char node_abi[64], napi_label[64], napi_ver[16];
    if (v->electron) {
        /* node-pre-gyp: electron-v<major>.<minor> */
        int maj = 0, min = 0;
        sscanf(v->electron, "%d.%d", &maj, &min);
        snprintf(node_abi, sizeof node_abi, "electron-v%d.%d", maj, min);
    } else {
        snprintf(node_abi, sizeof node_abi, "node-v%s", v->abi);
    }
    snprintf(napi_ver, sizeof napi_ver, "%d", napi_build);
    if (napi_build > 0)
        snprintf(napi_label, sizeof napi_label, "napi-v%d", napi_build);
    else
        snprintf(napi_label, sizeof napi_label, "%s", node_abi);
    const struct {
        const char *key, *val;
    } keys[] = {
        {"node_abi", node_abi},
        {"platform", v->platform},
        {"arch", v->arch},
        {"libc", v->libc},
        {"configuration", "Release"},
        {"module_name", module_name ? module_name : ""},
        {"version", pkg_version ? pkg_version : ""},
        {"name", pkg_name ? pkg_name : ""},
        {"napi_build_version", napi_build > 0 ? napi_ver : ""},
        {"node_napi_label", napi_label},
        {"node_version", v->node_version ? v->node_version : ""},
        {"abi", v->abi},
    };
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < n;) {
        const char *val = NULL;
        size_t skip = 0;
        if (*p == '{') {
            const char *close = strchr(p, '}');
            for (size_t k = 0; close && k < sizeof keys / sizeof keys[0] && !val; k++) {
                size_t kl = strlen(keys[k].key);
                if ((size_t)(close - p - 1) == kl && strncmp(p + 1, keys[k].key, kl) == 0) {
                    val = keys[k].val;
                    skip = kl + 2;
                }
            }
        }
        if (val) {
            int w = snprintf(buf + o, n - o, "%s", val);
            o = w > 0 && (size_t)w < n - o ? o + (size_t)w : n - 1;
            p += skip;
        } else {
            buf[o++] = *p++;
        }
    }
    buf[o] = '\0';
    return buf;
}

const char *napirs_triple(const loader_view *v)
{
    static const struct {
        const char *platform, *arch, *libc, *triple;
    } triples[] = {
        {"linux", "x64", "glibc", "linux-x64-gnu"},       {"linux", "x64", "musl", "linux-x64-musl"},
        {"linux", "arm64", "glibc", "linux-arm64-gnu"},   {"linux", "arm64", "musl", "linux-arm64-musl"},
        {"linux", "arm", "glibc", "linux-arm-gnueabihf"}, {"linux", "arm", "musl", "linux-arm-musleabihf"},
        {"linux", "ia32", "glibc", "linux-ia32-gnu"},     {"linux", "riscv64", "glibc", "linux-riscv64-gnu"},
        {"linux", "s390x", "glibc", "linux-s390x-gnu"},   {"darwin", "x64", NULL, "darwin-x64"},
        {"darwin", "arm64", NULL, "darwin-arm64"},        {"win32", "x64", NULL, "win32-x64-msvc"},
        {"win32", "arm64", NULL, "win32-arm64-msvc"},     {"win32", "ia32", NULL, "win32-ia32-msvc"},
        {"freebsd", "x64", NULL, "freebsd-x64"},
    };
    const char *libc = v->rt_libc ? v->rt_libc : v->libc;
    for (size_t i = 0; i < sizeof triples / sizeof triples[0]; i++)
        if (strcmp(triples[i].platform, v->platform) == 0 && strcmp(triples[i].arch, v->arch) == 0 &&
            (!triples[i].libc || strcmp(triples[i].libc, libc) == 0))
            return triples[i].triple;
    return NULL;
}

/* ---------- platform package names ---------- */

/* The words of a package name (after its scope), split at '-', '.' and '_'. */
static size_t name_words(const char *name, char words[][24], size_t max)
{
    const char *slash = strchr(name, '/');
    const char *p = slash ? slash + 1 : name;
    size_t n = 0;
    while (*p && n < max) {
        size_t l = strcspn(p, "-._@");
        if (l && l < 24) {
            memcpy(words[n], p, l);
            words[n++][l] = '\0';
        }
        p += l;
        if (*p)
            p++;
    }
    return n;
}

/* Node's name for an architecture word of a package name, or NULL. */
static const char *arch_word(const char *w)
{
    static const char *const map[][2] = {
        {"x64", "x64"},       {"x86_64", "x64"},    {"amd64", "x64"},   {"arm64", "arm64"},
        {"aarch64", "arm64"}, {"ia32", "ia32"},     {"x86", "ia32"},    {"i686", "ia32"},
        {"arm", "arm"},       {"armv7", "arm"},     {"armv6", "arm"},   {"riscv64", "riscv64"},
        {"ppc64", "ppc64"},   {"ppc64le", "ppc64"}, {"s390x", "s390x"}, {"loong64", "loong64"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(w, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* Node's platform for a word, or NULL. */
static const char *platform_word(const char *w)
{
    static const char *const map[][2] = {{"linux", "linux"},     {"darwin", "darwin"}, {"macos", "darwin"},
                                         {"win32", "win32"},     {"windows", "win32"}, {"freebsd", "freebsd"},
                                         {"openbsd", "openbsd"}, {"netbsd", "netbsd"}, {"android", "android"},
                                         {"sunos", "sunos"},     {"aix", "aix"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(w, map[i][0]) == 0)
            return map[i][1];
    return NULL;
}

/* The C library a word names ("gnu", "gnueabihf", "glibc", "musl", "musleabihf", "msvc"), or NULL. */
static const char *libc_word(const char *w)
{
    if (strncmp(w, "musl", 4) == 0)
        return "musl";
    if (strncmp(w, "gnu", 3) == 0 || strcmp(w, "glibc") == 0)
        return "glibc";
    if (strcmp(w, "msvc") == 0)
        return "msvc";
    return NULL;
}

bool prebuild_platform_name(const char *name, prebuild_target *out)
{
    char words[16][24];
    size_t nw = name_words(name, words, 16);
    *out = (prebuild_target){NULL, NULL, NULL};
    for (size_t k = 0; k < nw; k++) {
        out->platform = out->platform ? out->platform : platform_word(words[k]);
        out->arch = out->arch ? out->arch : arch_word(words[k]);
        out->libc = out->libc ? out->libc : libc_word(words[k]);
        if (strcmp(words[k], "linuxmusl") == 0) { /* sharp's name for Linux with musl */
            out->platform = "linux";
            out->libc = "musl";
        }
    }
    return out->platform && out->arch;
}
