/* probe/addon.c — addon facts from the one ELF reader. Registration follows node's own
 * loader (src/node_binding.cc): a constructor that calls node_module_register or
 * napi_module_register, an exported node_register_module_v<N>, or an exported
 * napi_register_module_v1. */
#include "probe/addon.h"
#include "probe/scope.h"
#include "abi/machine.h"

#include "abi/modules.h"
#include "probe/symname.h"

#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* N of "node_register_module_v<N>", or -1. */
static int module_version_of(const char *name)
{
    static const char prefix[] = "node_register_module_v";
    if (strncmp(name, prefix, sizeof prefix - 1) != 0)
        return -1;
    const char *p = name + sizeof prefix - 1;
    long n = 0;
    if (!*p)
        return -1;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100000)
            return -1;
        n = n * 10 + (*p - '0');
    }
    return (int)n;
}

void addon_registration_of(const elf_obj *o, addon_registration *out)
{
    bool napi_export = false, napi_ctor = false, legacy_ctor = false;
    const char *v8_entry = NULL;
    int modules = -1;
    size_t n = elf_obj_nsyms(o);
    for (size_t i = 1; i < n; i++) {
        elf_sym s;
        /* Every name that matters here starts with "n". */
        if (elf_obj_sym_name(o, i)[0] != 'n' || elf_obj_sym(o, i, &s) != 0)
            continue;
        if (elf_sym_is_export(&s)) {
            int v = module_version_of(s.name);
            if (strcmp(s.name, "napi_register_module_v1") == 0)
                napi_export = true;
            else if (v >= 0 && v > modules) {
                modules = v;
                v8_entry = s.name;
            }
        } else if (s.shndx == SHN_UNDEF) {
            if (strcmp(s.name, "napi_module_register") == 0)
                napi_ctor = true;
            else if (strcmp(s.name, "node_module_register") == 0)
                legacy_ctor = true;
        }
    }
    *out = (addon_registration){"unknown", NULL, NULL, -1};
    if (napi_export)
        *out = (addon_registration){"napi", "export", "napi_register_module_v1", -1};
    else if (napi_ctor)
        *out = (addon_registration){"napi", "constructor", "napi_module_register", -1};
    else if (v8_entry)
        *out = (addon_registration){"v8", "export", v8_entry, modules};
    else if (legacy_ctor)
        *out = (addon_registration){"legacy", "constructor", "node_module_register", -1};
}

/* x86 and x86-64: optional endbr, optional frame setup, `mov $imm32,%eax`, optional
 * `pop %rbp`, `ret`. */
static int decode_x86(const unsigned char *b, size_t n)
{
    size_t i = 0;
    if (n >= 4 && b[0] == 0xf3 && b[1] == 0x0f && b[2] == 0x1e && (b[3] == 0xfa || b[3] == 0xfb))
        i = 4;
    if (i + 4 <= n && b[i] == 0x55 && b[i + 1] == 0x48 && b[i + 2] == 0x89 && b[i + 3] == 0xe5)
        i += 4;
    else if (i + 3 <= n && b[i] == 0x55 && b[i + 1] == 0x89 && b[i + 2] == 0xe5)
        i += 3;
    if (i + 6 > n || b[i] != 0xb8)
        return -2;
    uint32_t v = (uint32_t)b[i + 1] | (uint32_t)b[i + 2] << 8 | (uint32_t)b[i + 3] << 16 | (uint32_t)b[i + 4] << 24;
    i += 5;
    if (b[i] == 0x5d && i + 1 < n)
        i++;
    if (b[i] != 0xc3)
        return -2;
    return v > INT32_MAX ? -2 : (int)v;
}

/* aarch64: `movz w0,#lo` [`movk w0,#hi,lsl #16`] or `orr w0,wzr,#0x7fffffff`, then `ret`. */
static int decode_aarch64(const unsigned char *b, size_t n)
{
    uint32_t w[3];
    size_t nw = n / 4 < 3 ? n / 4 : 3;
    for (size_t i = 0; i < nw; i++)
        w[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 | (uint32_t)b[4 * i + 2] << 16 |
               (uint32_t)b[4 * i + 3] << 24;
    const uint32_t ret = 0xd65f03c0;
    if (nw >= 2 && w[0] == 0x32007be0 && w[1] == ret)
        return INT32_MAX; /* NAPI_VERSION_EXPERIMENTAL */
    if (nw < 2 || (w[0] & 0xffe0001f) != 0x52800000)
        return -2;
    uint32_t v = (w[0] >> 5) & 0xffff;
    if (w[1] == ret)
        return (int)v;
    if (nw >= 3 && (w[1] & 0xffe0001f) == 0x72a00000 && w[2] == ret) {
        v |= ((w[1] >> 5) & 0xffff) << 16;
        return v > INT32_MAX ? -2 : (int)v;
    }
    return -2;
}

int addon_declared_napi_version(const elf_obj *o)
{
    size_t i = elf_obj_lookup(o, "node_api_module_get_api_version_v1", NULL);
    elf_sym s;
    if (i == 0 || elf_obj_sym(o, i, &s) != 0 || s.type != STT_FUNC)
        return -1;
    unsigned char code[16];
    size_t n = sizeof code;
    if (s.size && s.size < n)
        n = (size_t)s.size;
    if (elf_obj_read_vaddr(o, s.value, code, n) != 0)
        return -2;
    const abi_machine *m = abi_machine_of(elf_obj_header(o)->machine);
    switch (m ? m->code : ABI_CODE_NONE) {
    case ABI_CODE_X86_64:
    case ABI_CODE_X86: return decode_x86(code, n);
    case ABI_CODE_AARCH64: return decode_aarch64(code, n);
    default: return -2;
    }
}

static void keep_max(const char **slot, const char *name, const char *prefix)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || !name[n] || name[n] < '0' || name[n] > '9')
        return;
    if (!*slot || symver_cmp(name + n, *slot + n) > 0)
        *slot = name;
}

static const char *osabi_name(int osabi)
{
    switch (osabi) {
    case ELFOSABI_NONE: return "SYSV";
    case ELFOSABI_GNU: return "GNU/Linux";
    case ELFOSABI_FREEBSD: return "FreeBSD";
    case ELFOSABI_NETBSD: return "NetBSD";
    case ELFOSABI_OPENBSD: return "OpenBSD";
    case ELFOSABI_SOLARIS: return "Solaris";
    default: return "other";
    }
}

static const char *type_name(int type)
{
    switch (type) {
    case ET_DYN: return "shared object";
    case ET_EXEC: return "executable";
    case ET_REL: return "relocatable object";
    case ET_CORE: return "core file";
    default: return "unknown type";
    }
}

/* musl: NEEDED libc.musl-<arch>.so.1 (Alpine) or bare "libc.so" (musl-gcc), or an ld-musl
 * interpreter. glibc: NEEDED libc.so.6, a GLIBC_ version, or an ld-linux interpreter. */

static int cmp_sym_entry(const void *pa, const void *pb)
{
    const sym_entry *a = pa, *b = pb;
    int ga = (int)a->group, gb = (int)b->group;
    if (ga != gb)
        return ga - gb;
    return strcmp(a->name, b->name);
}

int addon_facts_from_elf(report *r, const elf_obj *o, bool list_imports, addon_facts *out, diag *d)
{
    const elf_header *h = elf_obj_header(o);
    memset(out, 0, sizeof *out);
    out->modules = -1;
    out->napi_version = -1;
    char mbuf[16];
    out->path = report_strdup(r, elf_obj_path(o));
    out->format = "elf";
    out->elf_class = h->elfclass == ELFCLASS64 ? 64 : 32;
    out->byte_order = h->data == ELFDATA2MSB ? "big" : "little";
    out->machine = report_strdup(r, elf_machine_name(h->machine, mbuf, sizeof mbuf));
    out->elf_type = type_name(h->type);
    out->osabi = osabi_name(h->osabi);
    out->format_desc =
        report_printf(r, "ELF %d-bit %s %s", out->elf_class, h->data == ELFDATA2MSB ? "MSB" : "LSB", out->elf_type);
    out->interp = report_strdup(r, h->interp);
    out->soname = report_strdup(r, elf_obj_soname(o));
    out->rpath = report_strdup(r, elf_obj_rpath(o));
    out->runpath = report_strdup(r, elf_obj_runpath(o));
    out->bind_now = elf_obj_bind_now(o);
    out->elf_note = report_strdup(r, elf_obj_view_note(o));

    addon_registration reg;
    addon_registration_of(o, &reg);
    out->kind = reg.kind;
    out->registration = reg.registration;
    out->entry = report_strdup(r, reg.entry);
    out->modules = reg.modules;
    if (reg.modules > 0) {
        const abi_modules_entry *e = abi_modules_find(reg.modules, "node");
        if (!e)
            e = abi_modules_find(reg.modules, "electron");
        if (e)
            out->modules_registry = report_printf(r, "%s %s", e->runtime, e->versions);
    }
    int nv = addon_declared_napi_version(o);
    out->napi_version = nv >= 0 ? nv : -1;
    if (nv == -2)
        out->napi_version_note =
            "node_api_module_get_api_version_v1 is exported but its code is not a constant we decode";

    out->nneeded = elf_obj_nneeded(o);
    if (out->nneeded) {
        out->needed = report_alloc(r, out->nneeded * sizeof *out->needed);
        if (!out->needed)
            return diag_set(d, DIAG_NOMEM, "%s: out of memory", elf_obj_path(o));
        for (size_t i = 0; i < out->nneeded; i++)
            out->needed[i] = report_strdup(r, elf_obj_needed(o, i));
    }

    const char *mg = NULL, *mx = NULL, *mc = NULL;
    for (size_t i = 0; i < elf_obj_nversions(o); i++) {
        elf_verinfo v;
        if (elf_obj_version(o, i, &v) != 0 || v.defined)
            continue;
        keep_max(&mg, v.name, "GLIBC_");
        keep_max(&mx, v.name, "GLIBCXX_");
        keep_max(&mc, v.name, "CXXABI_");
    }
    out->max_glibc = report_strdup(r, mg);
    out->max_glibcxx = report_strdup(r, mx);
    out->max_cxxabi = report_strdup(r, mc);
    out->libc = elf_obj_libc(o);

    size_t n = elf_obj_nsyms(o), nimp = 0;
    for (size_t i = 1; i < n; i++) {
        elf_sym s;
        if (elf_obj_sym(o, i, &s) != 0 || !s.name[0])
            continue;
        if (s.shndx == SHN_UNDEF) {
            nimp++;
            out->imports_by_group[sym_group_of(s.name, s.ver_file)]++;
        } else if (elf_sym_is_export(&s)) {
            out->nexports++;
        }
    }
    if (!list_imports) {
        out->nimports = nimp;
        return 0;
    }
    if (nimp) {
        out->imports = report_alloc(r, nimp * sizeof *out->imports);
        if (!out->imports)
            return diag_set(d, DIAG_NOMEM, "%s: out of memory", elf_obj_path(o));
    }
    for (size_t i = 1; i < n && out->nimports < nimp; i++) {
        elf_sym s;
        if (elf_obj_sym(o, i, &s) != 0 || !s.name[0] || s.shndx != SHN_UNDEF)
            continue;
        sym_group g = sym_group_of(s.name, s.ver_file);
        char *dm = sym_demangle(s.name);
        out->imports[out->nimports++] = (sym_entry){
            report_strdup(r, s.name),    report_strdup(r, dm),         g,
            report_strdup(r, s.version), report_strdup(r, s.ver_file), s.bind == STB_WEAK,
        };
        free(dm);
    }
    if (out->nimports > 1)
        qsort(out->imports, out->nimports, sizeof *out->imports, cmp_sym_entry);
    return 0;
}

int addon_facts_read(report *r, const char *path, bool list_imports, addon_facts *out, diag *d)
{
    memset(out, 0, sizeof *out);
    out->path = report_strdup(r, path);
    out->modules = -1;
    out->napi_version = -1;
    out->kind = "unknown";
    elf_obj *o = NULL;
    if (elf_obj_open(&o, path, d) != 0) {
        out->error = report_strdup(r, d->msg);
        out->format = "unknown";
        out->machine = "unknown";
        if (d->code == DIAG_FOREIGN) {
            /* Name what it is: the reader refused it, so sniff it again for the report. */
            file_sniff sn;
            file_sniff_path(path, &sn);
            out->format = sn.format == FILE_FORMAT_PE ? "pe" : "mach-o";
            out->machine = sn.machine;
            out->format_desc = report_strdup(r, sn.desc);
        }
        return -1;
    }
    int rc = addon_facts_from_elf(r, o, list_imports, out, d);
    if (rc != 0)
        out->error = report_strdup(r, d->msg);
    elf_obj_close(o);
    return rc;
}

int addon_libraries(report *r, ldso *l, const char *path, addon_facts *out, diag *d)
{
    scope s = {0};
    int rc = -1;
    if (scope_add_local(l, &s, path, d) != 0)
        goto done;
    size_t n = (s.n - 1) + s.nmissing;
    if (!(out->libs = report_alloc(r, (n ? n : 1) * sizeof *out->libs))) {
        diag_set(d, DIAG_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 1; i < s.n; i++) {
        const scope_entry *e = &s.e[i];
        out->libs[out->nlibs++] =
            (lib_found){report_strdup(r, e->as), report_strdup(r, scope_path(l, &s, i)), ld_via_name(e->via),
                        report_strdup(r, scope_path(l, &s, e->parent)), NULL};
    }
    for (size_t m = 0; m < s.nmissing; m++)
        out->libs[out->nlibs++] = (lib_found){
            report_strdup(r, s.missing[m].name), NULL, NULL,
            report_strdup(r, scope_path(l, &s, s.missing[m].needed_by)),
            report_strdup(r, s.missing[m].searched && *s.missing[m].searched ? s.missing[m].searched : "nowhere")};
    rc = 0;
done:
    scope_free(&s);
    return rc;
}
