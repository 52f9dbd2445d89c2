"""The import layers the README states: nlp and qi stand alone, services return data (no Streamlit,
no audit_app.ui), pages reach the domain only through services."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def files(folder: str) -> list[Path]:
    found = sorted((ROOT / folder).rglob("*.py"))
    assert found, folder
    return found


def offending(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    bad = {}
    for p in paths:
        hits = sorted(m for m in imported_modules(p) if m.split(".")[0] in forbidden or m.startswith(forbidden))
        if hits:
            bad[str(p.relative_to(ROOT))] = hits
    return bad


@pytest.mark.parametrize("package", ["nlp", "qi"])
def test_nlp_and_qi_import_neither_streamlit_nor_the_app(package):
    assert offending(files(package), ("streamlit", "audit_app")) == {}


def test_services_return_data_not_pages_or_html():
    assert offending(files("audit_app/services"), ("streamlit", "audit_app.ui")) == {}


def test_pages_reach_the_domain_only_through_services():
    bad = {}
    for p in files("audit_app/ui/views"):
        own = {m for m in imported_modules(p) if m.startswith("audit_app")}  # 'from audit_app import x' names x too
        wrong = sorted(m for m in own if m != "audit_app" and not m.startswith(("audit_app.services", "audit_app.ui")))
        if wrong:
            bad[p.name] = wrong
    assert bad == {}


def test_the_checker_sees_imports_inside_functions(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("def f():\n    from audit_app import store\n    import streamlit as st\n", encoding="utf-8")
    assert imported_modules(page) >= {"audit_app.store", "streamlit"}
