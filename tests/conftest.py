"""Fixtures shared by the whole suite.

- `data_dir` (alias `corpora_dir`): the project's own test data, tests/data (README.md there says where
  each file comes from); `rounds_dir`: its audit workbooks; `dev_letters`: the gold dev letters.
- `store_url` / `store`: a fresh store on SQLite, and on PostgreSQL when the server answers.

Under CI (CI=true) every skip is a failure: a run that passes there has run every test (data, PostgreSQL,
Chromium, optional packages all present).
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
_SUMMARY_LINES: list[str] = []


@pytest.fixture(scope="session")
def report_line():
    """Add a line to the figures printed at the end of the run (e.g. outcome counts)."""
    return _SUMMARY_LINES.append


def pytest_terminal_summary(terminalreporter):
    if _SUMMARY_LINES:
        terminalreporter.section("figures reported by tests")
        for line in _SUMMARY_LINES:
            terminalreporter.write_line(line)
PG_URL = os.environ.get("OPIOID_AUDIT_TEST_PG_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI a skipped test fails, naming why it would have skipped."""
    outcome = yield
    report = outcome.get_result()
    if in_ci() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true: a test may not skip ({reason})"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def corpora_dir(data_dir) -> Path:
    """The gold letter files and audit workbooks (the name tests used before the data moved into tests/data)."""
    return data_dir


@pytest.fixture(scope="session")
def rounds_dir(data_dir) -> Path:
    """The three fictional Trust A audit workbooks."""
    return data_dir / "audit_rounds"


@pytest.fixture(scope="session")
def dev_letters(data_dir) -> list[dict]:
    import json

    with open(data_dir / "discharge_letters_dev.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _postgres_available() -> str | None:
    """None when reachable, else the reason."""
    try:
        import sqlalchemy as sa

        eng = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at {PG_URL} not reachable: {type(exc).__name__}: {str(exc).splitlines()[0][:120]}"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    reason = _postgres_available()
    if reason:
        pytest.skip(reason)  # a failure under CI (pytest_runtest_makereport)
    return PG_URL


def _fresh_pg_schema_url(base_url: str) -> tuple[str, str]:
    """A URL whose connections use a new, empty schema (so tests never see each other's rows)."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = sa.create_engine(base_url)
    with eng.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    eng.dispose()
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options=-csearch_path%3D{schema}", schema


def _drop_pg_schema(base_url: str, schema: str) -> None:
    import sqlalchemy as sa

    eng = sa.create_engine(base_url)
    with eng.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A database URL for an empty store, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'audit.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    url, schema = _fresh_pg_schema_url(base)
    yield url
    _drop_pg_schema(base, schema)


@pytest.fixture
def store(store_url):
    from audit_app.store import Store

    s = Store(store_url)
    yield s
    s.close()


@pytest.fixture(autouse=True, scope="session")
def _installation_secret(tmp_path_factory):
    """Keyed hashes use a throwaway per-run secret, never the developer's own."""
    path = tmp_path_factory.mktemp("secret") / "secret.key"
    old = os.environ.get("OPIOID_AUDIT_SECRET_FILE")
    os.environ["OPIOID_AUDIT_SECRET_FILE"] = str(path)
    yield path
    if old is None:
        os.environ.pop("OPIOID_AUDIT_SECRET_FILE", None)
    else:
        os.environ["OPIOID_AUDIT_SECRET_FILE"] = old
