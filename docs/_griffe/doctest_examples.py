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
    """Indent the unindented body of each ``Example:`` section of a dedented docstring."""
    lines = text.split("\n")
    out: list[str] = []
    in_example = False
    for line in lines:
        if _EXAMPLE_TITLE.match(line):
            in_example = True
            out.append("Examples:")
            continue
        if in_example and _SECTION_TITLE.match(line):
            in_example = False
        if in_example and line and not line.startswith(" "):
            line = "    " + line
        out.append(line)
    return "\n".join(out)


class DoctestExamples(griffe.Extension):
    """Indents the ``Example:`` sections of every docstring griffe loads."""

    def on_instance(self, *, obj: griffe.Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = indent_examples(obj.docstring.value)
