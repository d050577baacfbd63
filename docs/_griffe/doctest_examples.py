"""Griffe extension: read the package's ``Example:`` sections as Google-style examples.

The package's docstrings write the doctests of an ``Example:`` section flush with the section
title (the ``>>>`` lines start in the title's column). Google style, and griffe's parser, want a
section's body indented under its title; unindented, the doctests would render as Markdown block
quotes. This extension indents the body of every
``Example:``/``Examples:`` section, up to the next section title or the end of the docstring, before
griffe parses the docstring. It changes what the site renders, never the source (pytest runs the
doctests either way).
"""

from __future__ import annotations

import re

import griffe

_EXAMPLE_TITLE = re.compile(r"^Examples?:\s*$")
_SECTION_TITLE = re.compile(r"^[A-Z][A-Za-z ]*:\s*$")


def indent_examples(text: str) -> str:
    """Indent the body of each ``Example:`` section of a dedented docstring written flush.

    A section whose first line is already indented (standard Google style) is left as it is.
    """
    out: list[str] = []
    mode = None  # outside an example section; else "undecided", "indent" or "keep"
    for line in text.split("\n"):
        if _EXAMPLE_TITLE.match(line):
            mode = "undecided"
            out.append("Examples:")
            continue
        if mode is not None and _SECTION_TITLE.match(line):
            mode = None
        if mode == "undecided" and line.strip():
            mode = "keep" if line.startswith(" ") else "indent"
        out.append("    " + line if mode == "indent" and line else line)
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    """Indents the ``Example:`` sections of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)
