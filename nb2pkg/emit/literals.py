"""User text (file names, titles, markdown, ids) → safe literals and comments of generated files.

Every string that comes from the user reaches generated code through one of these functions:
as a string literal whose value is exactly the text, or as a comment that cannot end its line.
"""

from __future__ import annotations

_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped_char(char: str) -> str:
    """A Python escape sequence for a character that must not appear as itself."""
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _visible(char: str) -> bool:
    """Printable characters (not line breaks, controls, format characters or surrogates)."""
    return char.isprintable()


def python_string(text: str) -> str:
    """A double-quoted Python string literal whose value is ``text``."""
    body = "".join(
        char
        if _visible(char) and char not in '\\"'
        else ('\\"' if char == '"' else _escaped_char(char))
        for char in text
    )
    return f'"{body}"'


def docstring(text: str, indent: str = "") -> str:
    """A triple-quoted literal for ``text``: one line, or the first line then indented lines.

    Backslashes, quotes that could close the literal and invisible characters are escaped, so
    the literal's value (after the usual docstring indentation is removed) is ``text``.
    """
    text = text.replace("\r\n", "\n")
    raw = _raw_docstring_safe(text)
    lines = [line if raw else _docstring_line(line) for line in text.split("\n")]
    prefix = "r" if raw else ""
    if len(lines) == 1:
        return f'{prefix}"""{lines[0]}"""'
    rest = "\n".join((indent + line) if line.strip() else "" for line in lines[1:])
    return f'{prefix}"""{lines[0]}\n{rest}\n{indent}"""'


def _raw_docstring_safe(text: str) -> bool:
    """Text with backslashes (LaTeX: ``$\\alpha$``) that a raw docstring shows as written.

    Only when nothing else needs an escape: no quote (a raw literal cannot escape one), no
    invisible character, and no backslash at the end of a line.
    """
    return (
        "\\" in text
        and '"' not in text
        and all(_visible(char) or char in "\t\n" for char in text)
        and not any(line.endswith("\\") for line in text.split("\n"))
    )


def _docstring_line(line: str) -> str:
    if line.isprintable() and '"' not in line and "\\" not in line:
        return line  # nothing to escape (most lines): no walk character by character
    out: list[str] = []
    for index, char in enumerate(line):
        if char == '"':
            # A quote followed by a quote, or ending the line, is escaped: no run of three
            # quotes can form, and none can join the closing quotes.
            following = line[index + 1 : index + 2]
            out.append('\\"' if following in ('"', "") else char)
        elif char == "\t" or (_visible(char) and char != "\\"):
            out.append(char)
        else:
            out.append(_escaped_char(char))
    return "".join(out)


def comment(text: str) -> str:
    """A ``# ...`` comment that shows ``text`` on one line (invisible characters escaped)."""
    body = "".join(char if _visible(char) else _escaped_char(char) for char in text)
    return f"# {body}"


def toml_string(text: str) -> str:
    """A TOML basic string whose value is ``text`` (lone surrogates become U+FFFD)."""
    out: list[str] = []
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            out.append("\ufffd")
        elif char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'
