"""abi/c_literal.py — the C string literal writer shared by abi/gen-modules.py and abi/gen-napi.py.

Stdlib only.
"""


def c_string(s):
    """Return s as a C string literal (ASCII only, octal escapes for the rest)."""
    out = ['"']
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c == '"' or c == "\\":
            out.append("\\" + c)
        elif c == "?":
            out.append("\\?")  # no trigraphs, ever
        elif 0x20 <= ch < 0x7F:
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    out.append('"')
    return "".join(out)
