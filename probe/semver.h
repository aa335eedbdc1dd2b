/* probe/semver.h — npm's version ranges, read as node-semver reads them, for choosing which
 * version of a runtime to fetch (`--runtime node@26`, `bun@^1.4`, `deno@2.9.6`): exact versions,
 * X-ranges (26, 26.x, 1.4.*, *), tilde and caret ranges, comparators (>=, <, =, ...), hyphen
 * ranges (1.2 - 2) and || alternatives. A prerelease version (1.4.5-canary.1) satisfies a range
 * only when one of its comparators names a prerelease of the same major.minor.patch, as
 * node-semver does by default. Build metadata (+...) is ignored. No allocation. */
#ifndef ABIPROBE_SEMVER_H
#define ABIPROBE_SEMVER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct semver {
    long major, minor, patch;
    char pre[64]; /* the prerelease, without its '-', or "" */
} semver;

/* A whole version "1.2.3", "v1.2.3-rc.1+build": 0, or -1 when s is not one. */
int semver_parse(const char *s, semver *out);

/* <0, 0 or >0 as a sorts before, with or after b (prereleases before their release). */
int semver_cmp(const semver *a, const semver *b);

/* 1 when version satisfies range, 0 when not, -1 when range is not a range (a dist-tag such as
 * "latest", or nonsense) or version is not a version. */
int semver_satisfies(const char *version, const char *range);

/* True when s reads as a range (so not a dist-tag). */
bool semver_is_range(const char *s);

/* The index of the highest of versions[0..n) that satisfies range, or -1 when none does (and
 * when range is not a range). Versions that do not parse are passed over. */
long semver_max_satisfying(const char *const *versions, size_t n, const char *range);

#endif
