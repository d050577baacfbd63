"""The API reference site (mkdocs.yml, docs/) covers the public API, and its code runs.

`make docs` builds the site with warnings as errors (in CI); these tests need no build:

* every name in the `__all__` of every public module (`keras_noise.__all__`) has a
  ``::: keras_noise.<module>.<name>`` entry on an API page, so a new public layer or function
  cannot be left out of the reference, and no entry names something that is not public;
* every page in the nav exists, and every page of docs/ is in the nav;
* the Python blocks of each page run, in order, as a reader would run them.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PACKAGE = ROOT / "keras_noise"
ENTRY = re.compile(r"^::: (keras_noise(?:\.\w+)+)\s*$", re.MULTILINE)
NAV_PAGE = re.compile(r"^\s*-\s+(?:[^\n]*?:\s+)?([\w./-]+\.md)\s*$", re.MULTILINE)


def _dunder_all(path: Path) -> list[str]:
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{path} has no __all__")


def _module_file(module: str) -> Path:
    package = PACKAGE / module / "__init__.py"
    return package if package.exists() else PACKAGE / f"{module}.py"


PUBLIC_MODULES = [name for name in _dunder_all(PACKAGE / "__init__.py") if not name.startswith("_")]
PUBLIC_NAMES = {
    f"keras_noise.{module}.{name}"
    for module in PUBLIC_MODULES
    for name in _dunder_all(_module_file(module))
}
NAV = NAV_PAGE.findall((ROOT / "mkdocs.yml").read_text().split("\nnav:", 1)[1])
API_PAGES = sorted(DOCS.glob("api/*.md"))
ENTRIES = {entry for page in API_PAGES for entry in ENTRY.findall(page.read_text())}


def test_no_name_has_two_api_entries():
    entries = [entry for page in API_PAGES for entry in ENTRY.findall(page.read_text())]
    twice = sorted({entry for entry in entries if entries.count(entry) > 1})
    assert not twice, f"names with more than one `::: name` entry in docs/api/*.md: {twice}"


def test_nav_and_entries_are_read():
    assert "index.md" in NAV and "getting-started.md" in NAV
    assert len(PUBLIC_MODULES) >= 10 and len(PUBLIC_NAMES) > 50
    assert "keras_noise.layers.Jitter" in ENTRIES


@pytest.mark.parametrize("module", PUBLIC_MODULES)
def test_every_public_module_has_an_api_page_in_the_nav(module):
    page = f"api/{module}.md"
    assert page in NAV, f"mkdocs.yml's nav has no {page}"
    assert f"::: keras_noise.{module}\n" in (DOCS / page).read_text()


def test_every_public_name_has_an_api_entry():
    missing = sorted(PUBLIC_NAMES - ENTRIES)
    assert not missing, f"public names without a `::: name` entry in docs/api/*.md: {missing}"


def test_every_api_entry_is_a_public_name_or_module():
    modules = {f"keras_noise.{module}" for module in PUBLIC_MODULES}
    stray = sorted(ENTRIES - PUBLIC_NAMES - modules)
    assert not stray, f"entries in docs/api/*.md that are not in a public __all__: {stray}"


def test_every_nav_page_exists_and_every_page_is_in_the_nav():
    missing = [page for page in NAV if not (DOCS / page).is_file()]
    assert not missing, f"pages in mkdocs.yml's nav that do not exist: {missing}"
    pages = {str(page.relative_to(DOCS)) for page in DOCS.rglob("*.md")}
    assert not pages - set(NAV), f"pages of docs/ missing from the nav: {pages - set(NAV)}"


PAGES_WITH_CODE = [
    page
    for page in NAV
    if not page.startswith("api/")
    and (DOCS / page).is_file()  # a missing page fails the nav test, not the collection
    and "```python" in (DOCS / page).read_text()
]


@pytest.mark.parametrize("page", PAGES_WITH_CODE)
def test_page_python_blocks_run_in_order(page):
    blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.DOTALL)
    namespace: dict = {}
    for index, block in enumerate(blocks):
        exec(compile(block, f"docs/{page} block {index}", "exec"), namespace)


def _docstrings():
    import ast

    for path in sorted((ROOT / "keras_noise").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                docstring = ast.get_docstring(node, clean=True)
                if docstring:
                    yield f"{path.relative_to(ROOT)}:{getattr(node, 'name', '<module>')}", docstring


def test_example_sections_are_titled_examples_and_indented_under_the_title():
    """Google style, as the site's parser reads it: griffe renders an `Examples:` section's
    doctests as code, but an `Example:` section as a Markdown admonition (where `[0.1, 0.2]` in
    an output is a broken cross-reference), and flush doctests as quotes."""
    docstrings = list(_docstrings())
    singular = [where for where, text in docstrings if re.search(r"^Example:", text, re.M)]
    flush = [where for where, text in docstrings if re.search(r"^Examples:\n(?=\S)", text, re.M)]
    assert len(docstrings) > 200
    assert not singular, f"`Example:` sections (write `Examples:`): {singular}"
    assert not flush, f"Examples sections whose body is not indented under the title: {flush}"
