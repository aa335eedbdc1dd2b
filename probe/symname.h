/* probe/symname.h — symbol names: demangling (__cxa_demangle) and the groups of the symbols check. */
#ifndef ABIPROBE_SYMNAME_H
#define ABIPROBE_SYMNAME_H

#include <stddef.h>

/* The groups (sym_group) are the report's: report/result.h. */
#include "report/result.h"

/* The group's stable name: "v8", "node", "napi", "uv", "libc", "c++", "other". */
const char *sym_group_name(sym_group g);

/* Classify a (possibly mangled) symbol name. ver_file is the library that a versioned
 * import is required from (VERNEED), or NULL. Works on the mangled form, without demangling. */
sym_group sym_group_of(const char *name, const char *ver_file);

/* The demangled form of an Itanium C++ name as a malloc'd string, or NULL when the name is
 * not mangled, too long, or does not demangle. The caller frees it. */
char *sym_demangle(const char *name);

/* Demangled names remembered for a run: a scan meets the same missing symbols in every copy
 * of an addon, and demangling is a third of a failing check's cost. */
typedef struct sym_memo sym_memo;

/* An empty memo, or NULL when out of memory (sym_memo_demangle then demangles every time). */
sym_memo *sym_memo_new(void);

/* sym_demangle(name), remembered: the result belongs to the memo (do not free it) and lives
 * until sym_memo_free(). NULL when name does not demangle. m may be NULL. */
const char *sym_memo_demangle(sym_memo *m, const char *name, char **owned);

/* Release the memo and every string in it. NULL-safe. */
void sym_memo_free(sym_memo *m);

/* The memo across runs (probe/cache.h): the names demangled for one addon are kept in an
 * entry of the user's cache, as NUL-terminated pairs (mangled, demangled or "" when it does
 * not demangle) after a header that holds the entry's key. The next check of the same file
 * then demangles nothing it demangled before. */

/* Add the pairs of the entry at path, written for key, to m. Returns the pairs' bytes (for
 * sym_memo_save; they belong to m), or NULL when there is no such entry or it is damaged in
 * any way. */
const char *sym_memo_load(sym_memo *m, const char *path, const char *key, size_t *len);

/* Write the entry at path for key when any of names[0..n) was demangled afresh in this run:
 * old's pairs (from sym_memo_load or the last save; may be NULL) and the fresh ones, which
 * are then no longer fresh. Returns the entry's new pairs (the caller frees them and passes
 * them as old next time), or NULL when nothing was written. */
char *sym_memo_save(sym_memo *m, const char *path, const char *key, const char *old, size_t oldlen,
                    const char *const *names, size_t n, size_t *len);

/* Compare the dotted numeric tails of two version names ("2.34" > "2.4"); non-numeric
 * parts compare as bytes. For "GLIBCXX_3.4.30", pass the part after the prefix. */
int symver_cmp(const char *a, const char *b);

/* Length of a version name's prefix before its first digit ("GLIBCXX_" in "GLIBCXX_3.4"). */
size_t symver_prefix(const char *v);

#endif
