/* tests/unit/test_select.c — probe/pkg/ without a runtime, on package trees built at test time:
 * the loader rules (node-gyp-build name sets and ranking, multi-arch tuples, build/Release
 * first, napi-rs platform packages, node-pre-gyp templates and bindings, a package never put in
 * place), what a package owns (its platform packages, its .node files, from a walk's list as from a
 * walk of its own, the platform packages npm did not install), and what a
 * platform package's name says. Runtime facts are set by hand. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "abi/prebuild.h"
#include "probe/pkg/own.h"
#include "probe/pkg/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];
static char alpine_root[300]; /* an image tree with /etc/alpine-release */

/* Create path (relative to root) with its parent directories and some content. */
static void put(const char *rel, const char *content)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static runtime_facts facts(const char *kind, int modules, const char *libc)
{
    runtime_facts rt;
    memset(&rt, 0, sizeof rt);
    rt.kind = kind;
    rt.engine = strcmp(kind, "bun") == 0 ? "jsc" : "v8";
    rt.version = "24.21.0";
    rt.product_version = strcmp(kind, "electron") == 0 ? "37.1.0" : NULL;
    rt.modules = modules;
    rt.napi = 9;
    rt.uv = "1.52.1";
    rt.machine = "x86_64";
    rt.libc = libc;
    return rt;
}

static const char *chosen_rel(const selection *s)
{
    return s->rules.chosen ? s->rules.chosen + strlen(s->pkgdir) + 1 : "(none)";
}

static const candidate *cand(const selection *s, const char *path)
{
    for (size_t i = 0; i < s->rules.ncands; i++)
        if (strcmp(s->rules.cands[i].path, path) == 0)
            return &s->rules.cands[i];
    return NULL;
}

/* pick inside an image tree (--sysroot image) */
static void pick_in(const char *image, const char *pkg, runtime_facts rt, const select_overrides *o, const char *want)
{
    report r;
    report_init(&r, "select");
    selection s;
    diag d;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", root, pkg);
    if (rules_select(&r, dir, &rt, image, o, &s, &d) != 0)
        fail_msg("%s: %s", pkg, d.msg);
    if (strcmp(chosen_rel(&s), want) != 0) {
        for (size_t i = 0; i < s.rules.ncands; i++)
            print_message("  %s %s %s\n", s.rules.cands[i].path, cand_status_names[s.rules.cands[i].status],
                          s.rules.cands[i].reason);
        fail_msg("%s for %s/%d/%s: chose %s, want %s (%s)", pkg, rt.kind, rt.modules, rt.libc, chosen_rel(&s), want,
                 s.rules.none_why ? s.rules.none_why : "");
    }
    report_free(&r);
}

static void pick(const char *pkg, runtime_facts rt, const select_overrides *o, const char *want)
{
    pick_in(NULL, pkg, rt, o, want);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/abiprobe-select-XXXXXX");
    assert_non_null(mkdtemp(root));
    put("alpine/etc/alpine-release", "3.20.0\n");
    snprintf(alpine_root, sizeof alpine_root, "%s/alpine", root);
    const char *ngb = "{\"name\":\"tagged\",\"version\":\"1.0.0\",\"dependencies\":{\"node-gyp-build\":\"^4.8.0\"}}";
    put("tagged/package.json", ngb);
    const char *files[] = {"tagged.abi137.node",     "tagged.napi.node",       "node.napi.glibc.node",
                           "node.napi.musl.node",    "electron.abi136.node",   "tagged.abi137.musl.node",
                           "tagged.uv1.abi137.node", "tagged.uv2.abi147.node", "README.md"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tagged/prebuilds/linux-x64/%s", files[i]);
        put(rel, "x");
    }
    put("tagged/prebuilds/darwin-x64+arm64/tagged.napi.node", "x");
    /* Among equals, more tags win; a tie keeps directory (name) order, as the stable sort does. */
    put("spec/package.json", ngb);
    put("spec/prebuilds/linux-x64/spec.abi137.node", "x");
    put("spec/prebuilds/linux-x64/spec.uv1.abi137.glibc.node", "x");
    put("spec/prebuilds/linux-x64/spec.abi137.glibc.node", "x");
    put("tie/package.json", ngb);
    put("tie/prebuilds/linux-x64/tie.uv1.abi137.node", "x");
    put("tie/prebuilds/linux-x64/tie.abi137.glibc.node", "x");
    /* Multi-arch tuples rank after single-arch ones. */
    put("tuples/package.json", ngb);
    put("tuples/prebuilds/linux-arm64+x64/tuples.napi.node", "x");
    put("tuples/prebuilds/linux-x64/tuples.napi.node", "x");
    put("tuples/prebuilds/linux-x64-extra/tuples.napi.node", "x"); /* three dash parts: ignored */
    /* A local build wins over prebuilds. */
    put("local/package.json", ngb);
    put("local/build/Release/b.node", "x");
    put("local/build/Release/a.node", "x");
    put("local/prebuilds/linux-x64/local.napi.node", "x");
    /* napi-rs with platform packages. */
    put("napirs/package.json",
        "{\"name\":\"@acme/thing\",\"version\":\"2.0.0\",\"napi\":{\"binaryName\":\"thing\"},"
        "\"optionalDependencies\":{\"@acme/thing-linux-x64-gnu\":\"2.0.0\",\"@acme/thing-linux-x64-musl\":\"2.0.0\","
        "\"@acme/thing-darwin-arm64\":\"2.0.0\"}}");
    put("napirs/node_modules/@acme/thing-linux-x64-gnu/package.json",
        "{\"name\":\"@acme/thing-linux-x64-gnu\",\"main\":\"thing.linux-x64-gnu.node\"}");
    put("napirs/node_modules/@acme/thing-linux-x64-gnu/thing.linux-x64-gnu.node", "x");
    /* node-pre-gyp's module_path template. */
    put("pregyp/package.json",
        "{\"name\":\"pregyp\",\"version\":\"3.1.0\",\"dependencies\":{\"@mapbox/node-pre-gyp\":\"^1.0.0\"},"
        "\"binary\":{\"module_name\":\"pg_addon\","
        "\"module_path\":\"./lib/binding/{configuration}/{node_abi}-{platform}-{arch}\"}}");
    put("pregyp/lib/binding/Release/node-v137-linux-x64/pg_addon.node", "x");
    /* bindings('thing') from the main file. */
    put("bind/package.json", "{\"name\":\"bind\",\"main\":\"lib/index.js\",\"dependencies\":{\"bindings\":\"1.5.0\"}}");
    put("bind/lib/index.js", "module.exports = require('bindings')('thing');\n");
    put("bind/build/Release/thing.node", "x");
    put("bind/compiled/24.21.0/linux/x64/thing.node", "x");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_ngb_tags(void **state)
{
    (void)state;
    ngb_tags t;
    ngb_parse_tags("isolated-vm.abi147.glibc.node", &t);
    assert_true(t.valid);
    assert_string_equal(t.abi, "147");
    assert_string_equal(t.libc, "glibc");
    assert_null(t.runtime);
    assert_int_equal(t.specificity, 2);
    ngb_parse_tags("node.napi.armv7.uv1.node", &t);
    assert_string_equal(t.runtime, "node");
    assert_true(t.napi);
    assert_string_equal(t.armv, "7");
    assert_string_equal(t.uv, "1");
    assert_int_equal(t.specificity, 4);
    ngb_parse_tags("thing.so", &t);
    assert_false(t.valid);
    size_t n;
    assert_true(ngb_tuple_matches("darwin-x64+arm64", "darwin", "arm64", &n));
    assert_int_equal(n, 2);
    assert_false(ngb_tuple_matches("linux-x64-extra", "linux", "x64", &n));
    assert_false(ngb_tuple_matches("linux-x64+", "linux", "x64", &n));
}

static void test_node_gyp_build(void **state)
{
    (void)state;
    /* An exact runtime tag ranks first, then abi over napi, then more tags. */
    pick("tagged", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/node.napi.glibc.node");
    /* node-gyp-build's libc comes from /etc/alpine-release (of the image, with --sysroot). */
    select_overrides musl = {.libc = "musl"};
    pick("tagged", facts("node", 137, "glibc"), &musl, "prebuilds/linux-x64/node.napi.musl.node");
    pick("tagged", facts("node", 137, "musl"), NULL, "prebuilds/linux-x64/node.napi.glibc.node");
    pick_in(alpine_root, "tagged", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/node.napi.musl.node");
    /* Bun is seen as node: the node+napi file is runtime-agnostic and exact for node. */
    pick("tagged", facts("bun", 147, "glibc"), NULL, "prebuilds/linux-x64/node.napi.glibc.node");
    pick("tagged", facts("electron", 136, "glibc"), NULL, "prebuilds/linux-x64/electron.abi136.node");
    select_overrides mac = {.arch = "arm64", .platform = "darwin"};
    pick("tagged", facts("node", 137, "glibc"), &mac, "prebuilds/darwin-x64+arm64/tagged.napi.node");
    select_overrides arm = {.arch = "arm64"};
    pick("tagged", facts("node", 137, "glibc"), &arm, "(none)");
    pick("tuples", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/tuples.napi.node");
    pick("spec", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/spec.uv1.abi137.glibc.node");
    pick("tie", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/tie.abi137.glibc.node");
    pick("local", facts("node", 115, "glibc"), NULL, "build/Release/a.node");

    /* The reasons: every loser is named. */
    report r;
    report_init(&r, "select");
    selection s;
    diag d;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/tagged", root);
    runtime_facts rt = facts("node", 137, "glibc");
    assert_int_equal(rules_select(&r, dir, &rt, NULL, NULL, &s, &d), 0);
    assert_string_equal(s.rules.rule, "node-gyp-build");
    const candidate *k = cand(&s, "prebuilds/linux-x64/node.napi.musl.node");
    assert_non_null(k);
    assert_int_equal(k->status, CAND_REJECTED);
    assert_non_null(strstr(k->reason, "musl"));
    k = cand(&s, "prebuilds/linux-x64/tagged.uv2.abi147.node");
    assert_int_equal(k->status, CAND_REJECTED);
    k = cand(&s, "prebuilds/linux-x64/tagged.uv1.abi137.node");
    assert_int_equal(k->status, CAND_OUTRANKED);
    k = cand(&s, "prebuilds/darwin-x64+arm64/");
    assert_int_equal(k->status, CAND_REJECTED);
    assert_null(cand(&s, "prebuilds/linux-x64/README.md"));
    report_free(&r);

    setenv("PREBUILDS_ONLY", "1", 1);
    pick("local", facts("node", 137, "glibc"), NULL, "prebuilds/linux-x64/local.napi.node");
    unsetenv("PREBUILDS_ONLY");
}

static void test_napi_rs(void **state)
{
    (void)state;
    report r;
    report_init(&r, "select");
    selection s;
    diag d;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/napirs", root);
    runtime_facts rt = facts("node", 137, "glibc");
    assert_int_equal(rules_select(&r, dir, &rt, NULL, NULL, &s, &d), 0);
    assert_string_equal(s.rules.rule, "napi-rs");
    assert_non_null(s.rules.chosen);
    assert_non_null(strstr(s.rules.chosen, "thing-linux-x64-gnu/thing.linux-x64-gnu.node"));
    report_free(&r);
    report_init(&r, "select");
    rt = facts("node", 137, "musl");
    assert_int_equal(rules_select(&r, dir, &rt, NULL, NULL, &s, &d), 0);
    assert_null(s.rules.chosen); /* the musl package is not installed */
    assert_non_null(strstr(s.rules.none_why, "linux-x64-musl"));
    report_free(&r);
}

static void test_node_pre_gyp_and_bindings(void **state)
{
    (void)state;
    pick("pregyp", facts("node", 137, "glibc"), NULL, "lib/binding/Release/node-v137-linux-x64/pg_addon.node");
    pick("pregyp", facts("node", 115, "glibc"), NULL, "(none)");
    pick("bind", facts("node", 137, "glibc"), NULL, "build/Release/thing.node");
    char buf[256];
    loader_view v = {"node", "137", "1", "", "glibc", "linux", "x64", "24.21.0", NULL, 9, NULL};
    assert_string_equal(prebuild_expand("{module_name}-v{version}-{node_napi_label}-{platform}-{libc}-{arch}", &v, "m",
                                        "1.2.3", "p", 0, buf, sizeof buf),
                        "m-v1.2.3-node-v137-linux-glibc-x64");
    assert_string_equal(prebuild_expand("{node_napi_label}/{unknown}", &v, "m", NULL, NULL, 6, buf, sizeof buf),
                        "napi-v6/{unknown}");
}

static void test_not_a_package(void **state)
{
    (void)state;
    report r;
    report_init(&r, "select");
    selection s;
    diag d;
    runtime_facts rt = facts("node", 137, "glibc");
    assert_int_equal(rules_select(&r, "/nonexistent/pkg", &rt, NULL, NULL, &s, &d), -1);
    assert_int_equal(d.code, DIAG_IO);
    assert_int_equal(rules_select(&r, "/tmp", &rt, NULL, NULL, &s, &d), -1);
    assert_non_null(strstr(d.msg, "package.json"));
    report_free(&r);
}

static void test_platform_names(void **state)
{
    (void)state;
    static const struct {
        const char *name, *platform, *arch, *libc;
    } cases[] = {
        {"@cbor-extract/cbor-extract-linux-x64", "linux", "x64", NULL},
        {"@rollup/rollup-linux-x64-musl", "linux", "x64", "musl"},
        {"@napi-rs/keyring-linux-x64-gnu", "linux", "x64", "glibc"},
        {"@img/sharp-linuxmusl-x64", "linux", "x64", "musl"}, /* sharp's word for Linux with musl */
        {"@swc/core-linux-arm-gnueabihf", "linux", "arm", "glibc"},
        {"@parcel/watcher-darwin-arm64", "darwin", "arm64", NULL},
        {"fsevents", NULL, NULL, NULL},
        {"@esbuild/win32-ia32", "win32", "ia32", NULL},
        {"thing.linux-aarch64-musl", "linux", "arm64", "musl"},
        {"lodash-x64", NULL, NULL, NULL}, /* an architecture alone is no platform package */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        prebuild_target t;
        bool yes = prebuild_platform_name(cases[i].name, &t);
        if (!cases[i].platform) {
            assert_false(yes);
            continue;
        }
        assert_true(yes);
        assert_string_equal(t.platform, cases[i].platform);
        assert_string_equal(t.arch, cases[i].arch);
        if (cases[i].libc)
            assert_string_equal(t.libc, cases[i].libc);
        else
            assert_null(t.libc);
    }
}

static void test_own(void **state)
{
    (void)state;
    report r;
    report_init(&r, "scan");
    diag d;
    pkg_own o;
    char dir[512], f[600];
    /* A package, its installed platform package, two that npm did not install. */
    put("own/node_modules/lazy/package.json",
        "{\"name\":\"lazy\",\"version\":\"1.0.0\",\"scripts\":{\"postinstall\":\"node tools/fetch.js\"},"
        "\"bin\":{\"lazy\":\"cli.js\"},\"optionalDependencies\":{\"@lazy/lazy-linux-x64\":\"1.0.0\","
        "\"@lazy/lazy-linux-arm64-musl\":\"1.0.0\",\"@lazy/lazy-darwin-x64\":\"1.0.0\",\"helper\":\"2\"}}");
    put("own/node_modules/@lazy/lazy-linux-x64/package.json", "{\"name\":\"@lazy/lazy-linux-x64\",\"os\":[\"linux\"]}");
    put("own/node_modules/@lazy/lazy-linux-x64/lazy.node", "x");
    put("own/node_modules/lazy/native/linux-x64.node", "x");
    put("own/node_modules/lazy/node_modules/dep/dep.node", "x"); /* a dependency's, not its own */
    snprintf(dir, sizeof dir, "%s/own/node_modules/lazy", root);
    assert_int_equal(own_read(&r, dir, NULL, NULL, &o, &d), 0);
    assert_string_equal(o.name, "lazy");
    assert_int_equal(o.ndirs, 2);
    assert_non_null(strstr(o.dirs[1], "/@lazy/lazy-linux-x64"));
    assert_int_equal(o.nnodes, 2);
    snprintf(f, sizeof f, "%s/own/node_modules/@lazy/lazy-linux-x64/lazy.node", root);
    assert_true(own_holds(&o, f));
    snprintf(f, sizeof f, "%s/own/node_modules/lazy/node_modules/dep/dep.node", root);
    for (size_t i = 0; i < o.nnodes; i++)
        assert_string_not_equal(o.nodes[i], f);
    assert_string_equal(o.install, "node tools/fetch.js");
    assert_null(o.builds);
    assert_int_equal(o.nabsent, 3);
    /* The platform packages for this target that were not installed: by their names. */
    const char **miss = NULL;
    assert_int_equal(own_missing_platform(&r, &o, "linux", "arm64", "musl", &miss), 1);
    assert_string_equal(miss[0], "@lazy/lazy-linux-arm64-musl@1.0.0");
    assert_int_equal(own_missing_platform(&r, &o, "linux", "arm64", "glibc", &miss), 0);
    assert_int_equal(own_missing_platform(&r, &o, "linux", "x64", "glibc", &miss), 0); /* installed */
    assert_int_equal(own_missing_platform(&r, &o, "darwin", "x64", NULL, &miss), 1);
    /* A walk's list of .node files stands for walking the package again: the same files. */
    char n1[600], n2[600], n3[600], n4[600];
    snprintf(n1, sizeof n1, "%s/own/node_modules/@lazy/lazy-linux-x64/lazy.node", root);
    snprintf(n2, sizeof n2, "%s/own/node_modules/lazy-other/x.node", root); /* a neighbour with the prefix */
    snprintf(n3, sizeof n3, "%s/own/node_modules/lazy/native/linux-x64.node", root);
    snprintf(n4, sizeof n4, "%s/own/node_modules/lazy/node_modules/dep/dep.node", root);
    const char *const list[] = {n1, n2, n3, n4};
    own_known k = {list, 4};
    pkg_own o2;
    assert_int_equal(own_read(&r, dir, NULL, &k, &o2, &d), 0);
    assert_int_equal(o2.nnodes, 2);
    assert_string_equal(o2.nodes[0], n3);
    assert_string_equal(o2.nodes[1], n1);
    assert_int_equal(own_read(&r, "/nonexistent/pkg", NULL, NULL, &o, &d), -1);
    report_free(&r);
}

static void test_never_put_in_place(void **state)
{
    (void)state;
    report r;
    report_init(&r, "select");
    selection s;
    diag d;
    runtime_facts rt = facts("node", 137, "glibc");
    char dir[512];
    /* Its install script copies the prebuilt file into place; installed without it, even the
     * entry file is missing. */
    put("inplace/package.json",
        "{\"name\":\"inplace\",\"version\":\"1.0.0\",\"main\":\"index.js\",\"scripts\":{\"install\":\"node "
        "install.js\"}}");
    put("inplace/prebuilt/inplace-linux-x64.node", "x");
    snprintf(dir, sizeof dir, "%s/inplace", root);
    assert_int_equal(rules_select(&r, dir, &rt, NULL, NULL, &s, &d), 0);
    assert_int_equal(s.rules.outcome, SEL_UNBUILT);
    assert_non_null(strstr(s.rules.none_why, "npm rebuild inplace"));
    /* With the entry file there, no rule decides: the agreement step weighs its files. */
    put("inplace/index.js", "module.exports = 1;");
    assert_int_equal(rules_select(&r, dir, &rt, NULL, NULL, &s, &d), 0);
    assert_int_equal(s.rules.outcome, SEL_UNKNOWN);
    report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ngb_tags),      cmocka_unit_test(test_node_gyp_build),
        cmocka_unit_test(test_napi_rs),       cmocka_unit_test(test_node_pre_gyp_and_bindings),
        cmocka_unit_test(test_not_a_package), cmocka_unit_test(test_platform_names),
        cmocka_unit_test(test_own),           cmocka_unit_test(test_never_put_in_place),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
