/* bench/floor.c — the yardstick under the yardstick: the least an ELF-reading tool can do to
 * answer "which of the addon's undefined symbols does the runtime not define?". It opens the
 * runtime, its NEEDED libraries (from /lib/x86_64-linux-gnu only, no ld.so.cache, no RPATH),
 * the addon and its NEEDED libraries with libelf, looks every undefined symbol of the addon
 * up through .gnu.hash, and prints the names it cannot find. No versions, no relocation
 * types, no stubs, no report. bench/run.py compiles it at run time to show how much of a
 * ratio to ld.so is process start-up alone. Not part of abiprobe.
 *   cc -O2 bench/floor.c -lelf -o floor && ./floor RUNTIME ADDON */
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct obj {
    Elf *e;
    Elf_Data *syms, *hash;
    size_t strndx;
} obj;

static obj objs[64];
static char paths[64][512];
static int nobj;

static void add(const char *path)
{
    int fd = open(path, O_RDONLY);
    Elf *e = fd < 0 ? NULL : elf_begin(fd, ELF_C_READ_MMAP, NULL);
    Elf_Scn *s = NULL;
    if (!e || nobj == 64)
        return;
    snprintf(paths[nobj], sizeof paths[nobj], "%s", path);
    obj *o = &objs[nobj++];
    o->e = e;
    while ((s = elf_nextscn(e, s))) {
        GElf_Shdr sh;
        gelf_getshdr(s, &sh);
        if (sh.sh_type == SHT_DYNSYM) {
            o->syms = elf_getdata(s, NULL);
            o->strndx = sh.sh_link;
        } else if (sh.sh_type == SHT_GNU_HASH) {
            o->hash = elf_getdata(s, NULL);
        } else if (sh.sh_type == SHT_DYNAMIC) {
            Elf_Data *d = elf_getdata(s, NULL);
            GElf_Dyn dyn;
            for (int i = 0; gelf_getdyn(d, i, &dyn) && dyn.d_tag != DT_NULL; i++) {
                char lib[512];
                if (dyn.d_tag != DT_NEEDED)
                    continue;
                snprintf(lib, sizeof lib, "/lib/x86_64-linux-gnu/%s", elf_strptr(e, sh.sh_link, dyn.d_un.d_val));
                int seen = 0;
                for (int k = 0; k < nobj; k++)
                    seen |= strcmp(lib, paths[k]) == 0;
                if (!seen && nobj < 64)
                    add(lib);
            }
        }
    }
}

static int defined(const obj *o, const char *name)
{
    if (!o->hash || !o->syms)
        return 0;
    const uint32_t *h = o->hash->d_buf;
    uint32_t nb = h[0], off = h[1], bloom = h[2], hv = 5381;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        hv = hv * 33 + *p;
    const uint32_t *buckets = (const uint32_t *)((const uint64_t *)(h + 4) + bloom);
    const uint32_t *chain = buckets + nb;
    for (uint32_t i = buckets[hv % nb]; i >= off && i; i++) {
        GElf_Sym s;
        if ((chain[i - off] | 1) == (hv | 1) && gelf_getsym(o->syms, (int)i, &s) && s.st_shndx != SHN_UNDEF &&
            strcmp(elf_strptr(o->e, o->strndx, s.st_name), name) == 0)
            return 1;
        if (chain[i - off] & 1)
            break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3 || elf_version(EV_CURRENT) == EV_NONE)
        return 2;
    add(argv[1]);
    int addon = nobj, missing = 0;
    add(argv[2]);
    GElf_Sym s;
    for (int i = 1; objs[addon].syms && gelf_getsym(objs[addon].syms, i, &s); i++) {
        const char *name = elf_strptr(objs[addon].e, objs[addon].strndx, s.st_name);
        int found = s.st_shndx != SHN_UNDEF || GELF_ST_BIND(s.st_info) == STB_WEAK;
        for (int k = 0; k < nobj && !found; k++)
            found = defined(&objs[k], name);
        if (!found && ++missing)
            printf("undefined symbol: %s\n", name);
    }
    return missing ? 1 : 0;
}
