/* probe/semver.c — npm's version ranges (see semver.h). A range is read into comparator sets,
 * one per || alternative, each comparator a primitive (=, <, <=, >, >=) on a whole version, the
 * way node-semver desugars X-ranges, ~, ^ and hyphens. */
#include "probe/semver.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

enum { MAX_SET = 32, MAX_PART = 1000000000 };

typedef enum cmp_op { OP_EQ, OP_LT, OP_LE, OP_GT, OP_GE } cmp_op;

typedef struct comp {
    cmp_op op;
    semver v;
} comp;

typedef struct comp_set {
    comp c[MAX_SET];
    size_t n;
} comp_set;

/* A version as a range writes it: up to three numbers, any of them x, X or * (a wildcard ends
 * it), and a prerelease only after all three. */
typedef struct partial {
    long v[3];
    int n; /* how many leading parts are numbers: 0 (wildcard) to 3 */
    char pre[64];
} partial;

static bool is_sp(char c) { return c == ' ' || c == '\t'; }

/* A number of at most nine digits ("01" is allowed, as node-semver's loose reading does). */
static bool read_num(const char **p, long *out)
{
    const char *s = *p;
    long v = 0;
    int d = 0;
    while (isdigit((unsigned char)*s)) {
        if (++d > 9)
            return false;
        v = v * 10 + (*s++ - '0');
    }
    if (!d)
        return false;
    *out = v;
    *p = s;
    return true;
}

/* Prerelease and build identifiers: [0-9A-Za-z-] separated by dots, none empty. */
static bool read_idents(const char **p, char *out, size_t n)
{
    const char *s = *p;
    size_t k = 0;
    bool empty = true;
    for (;; s++) {
        char c = *s;
        if (isalnum((unsigned char)c) || c == '-') {
            empty = false;
        } else if (c == '.' && !empty) {
            empty = true;
        } else {
            break;
        }
        if (out) {
            if (k + 1 >= n)
                return false;
            out[k++] = c;
        }
    }
    if (empty)
        return false;
    if (out)
        out[k] = '\0';
    *p = s;
    return true;
}

static bool read_partial(const char **p, partial *out)
{
    const char *s = *p;
    memset(out, 0, sizeof *out);
    if (*s == 'v' || *s == 'V' || *s == '=')
        s++;
    bool wild = false;
    for (int i = 0; i < 3; i++) {
        if (*s == 'x' || *s == 'X' || *s == '*') {
            wild = true;
            s++;
        } else if (!wild && read_num(&s, &out->v[i])) {
            out->n = i + 1;
        } else if (wild && isdigit((unsigned char)*s)) {
            return false; /* 1.x.3 */
        } else {
            if (i == 0)
                return false;
            break;
        }
        if (*s != '.' || i == 2)
            break;
        s++;
    }
    if (*s == '-') {
        if (out->n != 3)
            return false;
        s++;
        if (!read_idents(&s, out->pre, sizeof out->pre))
            return false;
    }
    if (*s == '+') {
        s++;
        if (!read_idents(&s, NULL, 0))
            return false;
    }
    *p = s;
    return true;
}

int semver_parse(const char *s, semver *out)
{
    partial pv;
    if (!s)
        return -1;
    while (is_sp(*s))
        s++;
    if (!read_partial(&s, &pv) || pv.n != 3)
        return -1;
    while (is_sp(*s))
        s++;
    if (*s)
        return -1;
    out->major = pv.v[0];
    out->minor = pv.v[1];
    out->patch = pv.v[2];
    snprintf(out->pre, sizeof out->pre, "%s", pv.pre);
    return 0;
}

/* Prerelease identifiers: numeric ones by value and before alphanumeric ones, the others by
 * bytes; a shorter list that is a prefix of a longer one comes first. "" (a release) is last. */
static int cmp_pre(const char *a, const char *b)
{
    if (!*a || !*b)
        return !*a - !*b;
    for (;;) {
        size_t la = strcspn(a, "."), lb = strcspn(b, ".");
        bool na = la && strspn(a, "0123456789") >= la, nb = lb && strspn(b, "0123456789") >= lb;
        int c;
        if (na && nb) {
            /* without leading zeros the longer number is the larger */
            while (la > 1 && *a == '0')
                a++, la--;
            while (lb > 1 && *b == '0')
                b++, lb--;
            c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
        } else if (na != nb) {
            c = na ? -1 : 1;
        } else {
            c = strncmp(a, b, la < lb ? la : lb);
            if (!c && la != lb)
                c = la < lb ? -1 : 1;
        }
        if (c)
            return c;
        a += la;
        b += lb;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        a++;
        b++;
    }
}

int semver_cmp(const semver *a, const semver *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return cmp_pre(a->pre, b->pre);
}

static bool add(comp_set *s, cmp_op op, long x, long y, long z, const char *pre)
{
    if (s->n == MAX_SET || x > MAX_PART || y > MAX_PART || z > MAX_PART)
        return false;
    comp *c = &s->c[s->n++];
    c->op = op;
    c->v = (semver){x, y, z, ""};
    snprintf(c->v.pre, sizeof c->v.pre, "%s", pre ? pre : "");
    return true;
}

/* What nothing satisfies (">*", "<0"): a comparator below every version. */
static bool add_none(comp_set *s) { return add(s, OP_LT, 0, 0, 0, "0"); }

/* One operator and a partial version, desugared into primitive comparators. op is one of
 * "", "=", "<", "<=", ">", ">=", "~", "^". */
static bool desugar(comp_set *s, const char *op, const partial *p)
{
    long x = p->v[0], y = p->v[1], z = p->v[2];
    int n = p->n;
    if (!strcmp(op, "") || !strcmp(op, "=")) {
        if (n == 0)
            return true;
        if (n == 3)
            return add(s, OP_EQ, x, y, z, p->pre);
        return add(s, OP_GE, x, n > 1 ? y : 0, 0, NULL) &&
               (n == 2 ? add(s, OP_LT, x, y + 1, 0, "0") : add(s, OP_LT, x + 1, 0, 0, "0"));
    }
    if (!strcmp(op, "~")) {
        if (n == 0)
            return true;
        if (n == 1)
            return add(s, OP_GE, x, 0, 0, NULL) && add(s, OP_LT, x + 1, 0, 0, "0");
        return add(s, OP_GE, x, y, n == 3 ? z : 0, p->pre) && add(s, OP_LT, x, y + 1, 0, "0");
    }
    if (!strcmp(op, "^")) {
        if (n == 0)
            return true;
        if (!add(s, OP_GE, x, n > 1 ? y : 0, n > 2 ? z : 0, p->pre))
            return false;
        if (x > 0 || n == 1)
            return add(s, OP_LT, x + 1, 0, 0, "0");
        if (y > 0 || n == 2)
            return add(s, OP_LT, 0, y + 1, 0, "0");
        return add(s, OP_LT, 0, 0, z + 1, "0");
    }
    if (!strcmp(op, ">")) {
        if (n == 0)
            return add_none(s);
        if (n == 3)
            return add(s, OP_GT, x, y, z, p->pre);
        return n == 2 ? add(s, OP_GE, x, y + 1, 0, NULL) : add(s, OP_GE, x + 1, 0, 0, NULL);
    }
    if (!strcmp(op, ">=")) {
        if (n == 0)
            return true;
        return add(s, OP_GE, x, n > 1 ? y : 0, n > 2 ? z : 0, p->pre);
    }
    if (!strcmp(op, "<")) {
        if (n == 0)
            return add_none(s);
        if (n == 3)
            return add(s, OP_LT, x, y, z, p->pre);
        return add(s, OP_LT, x, n > 1 ? y : 0, 0, "0");
    }
    if (!strcmp(op, "<=")) {
        if (n == 0)
            return true;
        if (n == 3)
            return add(s, OP_LE, x, y, z, p->pre);
        return n == 2 ? add(s, OP_LT, x, y + 1, 0, "0") : add(s, OP_LT, x + 1, 0, 0, "0");
    }
    return false;
}

/* One || alternative, from s to end: comparators separated by spaces, or "A - B". */
static bool parse_set(const char *s, const char *end, comp_set *out)
{
    out->n = 0;
    bool any = false;
    while (s < end) {
        while (s < end && is_sp(*s))
            s++;
        if (s == end)
            break;
        char op[3] = "";
        if (*s == '<' || *s == '>') {
            op[0] = *s++;
            if (s < end && *s == '=')
                op[1] = *s++;
        } else if (*s == '~') {
            op[0] = *s++;
            if (s < end && *s == '>')
                s++; /* "~>" is "~" */
        } else if (*s == '^') {
            op[0] = *s++;
        } else if (*s == '=' && s + 1 < end && !isdigit((unsigned char)s[1]) && s[1] != 'v') {
            op[0] = *s++;
        }
        while (op[0] && s < end && is_sp(*s))
            s++;
        partial a;
        const char *p = s;
        if (!read_partial(&p, &a) || p > end)
            return false;
        s = p;
        /* A hyphen range: "A - B", the hyphen with spaces around it. */
        const char *q = s;
        while (q < end && is_sp(*q))
            q++;
        if (!op[0] && q > s && q + 1 < end && *q == '-' && is_sp(q[1])) {
            q += 2;
            while (q < end && is_sp(*q))
                q++;
            partial b;
            const char *r = q;
            if (!read_partial(&r, &b) || r > end)
                return false;
            s = r;
            if (a.n && !add(out, OP_GE, a.v[0], a.n > 1 ? a.v[1] : 0, a.n > 2 ? a.v[2] : 0, a.pre))
                return false;
            if (b.n == 3 && !add(out, OP_LE, b.v[0], b.v[1], b.v[2], b.pre))
                return false;
            if (b.n == 2 && !add(out, OP_LT, b.v[0], b.v[1] + 1, 0, "0"))
                return false;
            if (b.n == 1 && !add(out, OP_LT, b.v[0] + 1, 0, 0, "0"))
                return false;
        } else if (!desugar(out, op, &a)) {
            return false;
        }
        if (s < end && !is_sp(*s))
            return false; /* "1.2.3abc" */
        any = true;
    }
    return any || true; /* an empty alternative is "*" */
}

static bool test_set(const comp_set *s, const semver *v)
{
    for (size_t i = 0; i < s->n; i++) {
        int c = semver_cmp(v, &s->c[i].v);
        bool ok = s->c[i].op == OP_EQ   ? c == 0
                  : s->c[i].op == OP_LT ? c < 0
                  : s->c[i].op == OP_LE ? c <= 0
                  : s->c[i].op == OP_GT ? c > 0
                                        : c >= 0;
        if (!ok)
            return false;
    }
    if (!v->pre[0])
        return true;
    /* A prerelease only where the range names one of the same release. */
    for (size_t i = 0; i < s->n; i++) {
        const semver *a = &s->c[i].v;
        if (a->pre[0] && a->major == v->major && a->minor == v->minor && a->patch == v->patch)
            return true;
    }
    return false;
}

/* Every alternative of range parses; with v, whether one of them holds. */
static int eval(const char *range, const semver *v)
{
    if (!range)
        return -1;
    size_t len = strlen(range);
    if (len > 1024)
        return -1;
    bool hit = false;
    for (const char *s = range;;) {
        const char *bar = strstr(s, "||");
        const char *end = bar ? bar : range + len;
        comp_set set;
        if (!parse_set(s, end, &set))
            return -1;
        if (v && test_set(&set, v))
            hit = true;
        if (!bar)
            break;
        s = bar + 2;
    }
    return hit;
}

bool semver_is_range(const char *s) { return eval(s, NULL) >= 0; }

int semver_satisfies(const char *version, const char *range)
{
    semver v;
    if (semver_parse(version, &v) != 0)
        return -1;
    return eval(range, &v);
}

long semver_max_satisfying(const char *const *versions, size_t n, const char *range)
{
    if (!semver_is_range(range))
        return -1;
    long best = -1;
    semver bv = {0, 0, 0, ""};
    for (size_t i = 0; i < n; i++) {
        semver v;
        if (semver_parse(versions[i], &v) != 0 || eval(range, &v) != 1)
            continue;
        if (best < 0 || semver_cmp(&v, &bv) > 0) {
            best = (long)i;
            bv = v;
        }
    }
    return best;
}
