/* report/clean.h — the one sanitizer for every string a report prints that may come from a
 * file: names, paths, symbols, messages. Valid UTF-8 stays as it is. Each control character
 * (C0 except tab and newline, DEL, and the C1 range U+0080–U+009F) and each byte of invalid
 * UTF-8 (stray or missing continuation bytes, overlong forms, UTF-16 surrogates, code points
 * past U+10FFFF) becomes the four visible characters \xHH. Every writer cleans first and then
 * applies its own syntax (XML entities, workflow-command escapes, Markdown). */
#ifndef ABIPROBE_CLEAN_H
#define ABIPROBE_CLEAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What else may pass. */
enum {
    CLEAN_NEWLINES = 1, /* keep \n (else it becomes \x0a) */
    CLEAN_SGR = 2,      /* keep the exact colour sequences report/text.c writes (ESC [ N m) */
};

/* Length of the valid UTF-8 sequence at s (at most n bytes, n > 0), or 0 when it is not one. */
size_t clean_utf8_len(const unsigned char *s, size_t n);

/* Write the first n bytes of s, cleaned, with put (called with runs of clean bytes). */
void clean_write(const char *s, size_t n, unsigned flags, void (*put)(void *arg, const char *run, size_t len),
                 void *arg);

/* s cleaned into a new string (malloc'd; NULL when out of memory). NULL reads as "". */
char *clean_dup(const char *s, unsigned flags);

/* True when s needs no cleaning under flags. */
bool clean_is_clean(const char *s, unsigned flags);

#endif
