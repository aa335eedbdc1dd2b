#!/usr/bin/env python3
"""abi/gen-modules.py — turn Node's doc/abi_version_registry.json into abi/modules_table.c, with the
releases that the node-abi package's abi_registry.json knows of.

Usage:
    python3 abi/gen-modules.py abi/abi_version_registry.json abi/modules_table.c \
        --released abi/node_abi_registry.json
    python3 abi/gen-modules.py REGISTRY.json -            # write to stdout
    python3 abi/gen-modules.py REGISTRY.json OUT.c --repo nodejs/node --commit SHA --date YYYY-MM-DD

Node's registry names every modules number, pre-releases included ("26.0.0-pre"), and is only
updated on Node's main branch; node-abi's (the npm package that prebuild tools use) is published
with every release and says which Node lines are out ("future": false). With --released, a Node
entry whose versions are "X.0.0-pre" becomes "X.0.0" when node-abi lists Node X.0.0 as released
with that modules number, and a released Node line missing from Node's registry is added.
Refresh: npm pack node-abi, copy its abi_registry.json to abi/node_abi_registry.json, and update
RELEASED_FROM below.

The output is a pure function of the JSON file and the provenance options: no
timestamps, no environment, entries in a fixed order. When you replace
abi/abi_version_registry.json with a newer copy, pass (or update the defaults
of) --repo/--commit/--date so the generated header says where it came from.

Stdlib only.
"""

import argparse
import json
import sys

from c_literal import c_string  # abi/c_literal.py, next to this script

SOURCE_PATH = "doc/abi_version_registry.json"

# Provenance of the copy saved as abi/abi_version_registry.json.
# The file is nodejs/node's registry; the newest copy reachable when this was
# written was the one carried by the fork joyeecheung/node at this commit (the
# newest stored nodejs/node copy, 01b68934e520db4133976faf45b893a49eaefdbc,
# stops at 146 and predates NMV 146 being reassigned to Electron 42).
DEFAULT_REPO = "nodejs/node (copy from fork joyeecheung/node)"
DEFAULT_COMMIT = "1cc185da98996b0ab0c36cf8dba63014b78898bf"
DEFAULT_DATE = "retrieved 2026-11-26"
RELEASED_FROM = "node-abi@4.40.0 abi_registry.json (published 2026-10-23)"


def apply_released(entries, path):
    """Mark the Node lines node-abi lists as released; add the ones Node's registry lacks."""
    with open(path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, list):
        raise ValueError("%s: not a JSON array" % path)
    released = {}
    for i, e in enumerate(doc):
        # node-abi's own file carries an entry with no runtime; only complete Node rows count.
        if not isinstance(e, dict) or e.get("runtime") != "node" or e.get("future") is not False:
            continue
        target, abi = e.get("target"), e.get("abi")
        if not isinstance(target, str) or not isinstance(abi, str) or not abi.isdigit():
            raise ValueError("%s: entry %d: bad target %r or abi %r" % (path, i, target, abi))
        released[int(abi)] = target
    out = []
    seen = set()
    for modules, runtime, variant, versions in entries:
        if runtime == "node" and modules in released and versions.endswith("-pre"):
            if versions.split(".")[0] == released[modules].split(".")[0]:
                versions = released[modules]
        if runtime == "node":
            seen.add(modules)
        out.append((modules, runtime, variant, versions))
    for modules, target in released.items():
        if modules not in seen:
            out.append((modules, "node", "", target))
    out.sort(key=lambda t: (t[0], t[1].encode("utf-8")))
    return out


def load_entries(path):
    """Read and validate the registry; return a list of (modules, runtime, variant, versions)."""
    with open(path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    if not isinstance(doc, dict) or not isinstance(doc.get("NODE_MODULE_VERSION"), list):
        raise ValueError("%s: no NODE_MODULE_VERSION array" % path)
    entries = []
    for i, e in enumerate(doc["NODE_MODULE_VERSION"]):
        if not isinstance(e, dict):
            raise ValueError("%s: entry %d is not an object" % (path, i))
        modules = e.get("modules")
        if isinstance(modules, bool) or not isinstance(modules, int) or not 0 < modules < 1 << 31:
            raise ValueError("%s: entry %d: bad \"modules\" %r" % (path, i, modules))
        fields = []
        for key, required in (("runtime", True), ("variant", False), ("versions", True)):
            v = e.get(key, None if required else "")
            if not isinstance(v, str) or (required and not v):
                raise ValueError("%s: entry %d: bad %r %r" % (path, i, key, v))
            fields.append(v)
        entries.append((modules, fields[0], fields[1], fields[2], i))
    # Sorted by modules, then runtime (byte order, as strcmp sees it); entries
    # that tie on both keep the registry's order, so abi_modules_find() returns
    # the one the registry lists first.
    entries.sort(key=lambda t: (t[0], t[1].encode("utf-8"), t[4]))
    return [t[:4] for t in entries]


def source_date(date, released):
    """The newest date the sources name: node-abi's publication, else the registry copy's."""
    import re
    dates = re.findall(r"\d{4}-\d{2}-\d{2}", date + (" " + RELEASED_FROM if released else ""))
    return max(dates) if dates else date


def render(entries, repo, commit, date, released):
    """Return the text of modules_table.c."""
    source = "repository %s, path %s, commit %s (%s)" % (repo, SOURCE_PATH, commit, date)
    if released:
        source += "; releases from " + RELEASED_FROM
    lines = [
        "/* abi/modules_table.c — GENERATED by abi/gen-modules.py from %s; do not edit. */" % SOURCE_PATH,
        "/*",
        " * Source: repository %s" % repo,
        " *         path %s" % SOURCE_PATH,
        " *         commit %s (%s)" % (commit, date),
    ]
    if released:
        lines.append(" * Releases: %s" % RELEASED_FROM)
    lines += [
        " * Regenerate: python3 abi/gen-modules.py abi/abi_version_registry.json abi/modules_table.c"
        + (" --released abi/node_abi_registry.json" if released else ""),
        " * %d entries, sorted by modules, then runtime, then registry order." % len(entries),
        " */",
        '#include "abi/modules.h"',
        "",
        "static const abi_modules_entry entries[] = {",
    ]
    for modules, runtime, variant, versions in entries:
        lines.append("    { %d, %s, %s, %s }," % (modules, c_string(runtime), c_string(variant), c_string(versions)))
    lines += [
        "};",
        "",
        "const abi_modules_entry *abi_modules_table(size_t *n)",
        "{",
        "    if (n)",
        "        *n = sizeof entries / sizeof entries[0];",
        "    return entries;",
        "}",
        "",
        "const char *abi_modules_source(void)",
        "{",
        "    return %s;" % c_string(source),
        "}",
        "",
        "const char *abi_modules_source_date(void)",
        "{",
        "    return %s;" % c_string(source_date(date, released)),
        "}",
        "",
    ]
    return "\n".join(lines)


def main(argv):
    p = argparse.ArgumentParser(description="Generate abi/modules_table.c from Node's ABI version registry.")
    p.add_argument("registry", help="path to abi_version_registry.json")
    p.add_argument("output", nargs="?", default="-", help="output .c file, or - for stdout (default)")
    p.add_argument("--repo", default=DEFAULT_REPO, help="repository the JSON came from")
    p.add_argument("--commit", default=DEFAULT_COMMIT, help="commit the JSON came from")
    p.add_argument("--date", default=DEFAULT_DATE, help="date note for the copy")
    p.add_argument("--released", help="node-abi's abi_registry.json: which Node lines are released")
    args = p.parse_args(argv)
    try:
        entries = load_entries(args.registry)
        if args.released:
            entries = apply_released(entries, args.released)
    except (OSError, ValueError) as e:
        print("gen-modules.py: %s" % e, file=sys.stderr)
        return 1
    text = render(entries, args.repo, args.commit, args.date, args.released)
    data = text.encode("utf-8")
    if args.output == "-":
        sys.stdout.buffer.write(data)
    else:
        with open(args.output, "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
