"""What every page shares: the store (one per process), who is signed in, the current trust and
round, cached reads (the trust is in every cache key) and showing errors as messages.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from typing import Callable, Iterator

import streamlit as st

from audit_app import services
from audit_app.services import Access, ServiceError
from audit_app.store.database import DB_ENV, Store, StoreError, default_url

TRUST_KEY = "trust_id"
ROUND_KEY = "round_id"


# -- the store ----------------------------------------------------------------------------------
def db_url() -> str:
    return os.environ.get(DB_ENV) or default_url()


@st.cache_resource(show_spinner=False)
def _write_stamp() -> dict:
    """A process-wide counter bumped by every write (part of the key of cached letters)."""
    return {"n": 0}


@st.cache_resource(show_spinner=False, max_entries=32)
def _round_letters(url: str, round_id: int, stamp: int) -> list:
    """A round's letters, loaded once per write (shared read-only by every page and session)."""
    return _open_store(url).letters(round_id)


class CachedStore:
    """The store, with `letters(round_id)` served from a cache that every write clears.

    Loading a round's letters (with their extractions and results) is the slowest read; the
    Letters, Compliance, Charts and Report pages all need it. Access checks are unchanged: they
    run in `services` before any read, on ids, never on cached objects."""

    def __init__(self, store: Store):
        self._store = store

    def letters(self, round_id: int) -> list:
        return _round_letters(self._store.url, int(round_id), _write_stamp()["n"])

    def __getattr__(self, name: str):
        return getattr(self._store, name)


@st.cache_resource(show_spinner=False)
def _open_store(url: str) -> Store:
    return Store(url)


def get_store() -> Store:
    return CachedStore(_open_store(db_url()))  # type: ignore[return-value]


# -- sign-in ------------------------------------------------------------------------------------
def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (shared deployment with sign-in)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def current_access() -> Access | None:
    """The caller's Access; None (after drawing a sign-in prompt) when sign-in is needed first."""
    test_user = services.test_signed_in_user()
    if test_user is not None:
        return services.access_for_user(get_store(), test_user)
    if not auth_configured():
        return services.single_user()
    if not getattr(st.user, "is_logged_in", False):
        return None
    return services.access_for_user(get_store(), str(st.user.get("email") or ""))


def access() -> Access:
    return st.session_state["_access"]


# -- current trust and round --------------------------------------------------------------------
def select_trust(trust_id: int | None, round_id: int | None = None) -> None:
    """Ask the sidebar to switch trust (and round) on the next run."""
    st.session_state["_pending_trust"] = trust_id
    st.session_state["_pending_round"] = round_id


def select_round(round_id: int | None) -> None:
    st.session_state["_pending_trust"] = st.session_state.get(TRUST_KEY)
    st.session_state["_pending_round"] = round_id


def current_trust_id() -> int | None:
    return st.session_state.get(TRUST_KEY)


def current_round_id() -> int | None:
    return st.session_state.get(ROUND_KEY)


SCOPE_KEY = "_scope"


def set_scope(scope: services.TrustScope | None) -> None:
    """The app's sidebar builds the run's one checked scope (store, access, current trust) here."""
    st.session_state[SCOPE_KEY] = scope


def need_scope() -> services.TrustScope:
    """The page's checked scope, built once per run (``services.TrustScope.check``); every service
    call of the page takes it, so the trust is checked once."""
    scope = st.session_state.get(SCOPE_KEY)
    if scope is None or scope.trust_id != current_trust_id():
        st.info("Create or choose a trust first on the **Trusts and rounds** page.")
        st.stop()
    return scope


def need_round() -> tuple[services.TrustScope, int]:
    scope = need_scope()
    rid = current_round_id()
    if rid is None:
        st.info("This trust has no audit round yet: import one on the **Import** page.")
        st.stop()
    return scope, rid


# -- background warm-up and progress -----------------------------------------------------------
_warm_started = threading.Event()


def warm_up_in_background() -> None:
    """Once per process, after the first page is drawn: load the extractor and friends in a
    daemon thread (services.warm_up), so the first import does not wait for them."""
    if _warm_started.is_set():
        return
    _warm_started.set()

    def _run() -> None:
        try:
            services.warm_up()
        except Exception as exc:  # noqa: BLE001 - the import itself will report any real problem
            logging.getLogger(__name__).warning("warm-up failed: %s", type(exc).__name__)

    threading.Thread(target=_run, name="opioid-audit-warm-up", daemon=True).start()


def progress_bar(first_text: str, text: Callable[[int, int], str]) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """(update(done, total), clear()) for a progress bar redrawn at most 5 times a second: every
    redraw is a message to the browser, and a fast step (scoring 1,000 letters in 0.1 s) should
    not spend its time drawing."""
    bar = st.progress(0.0, text=first_text)
    last = [0.0]

    def update(done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - last[0] < 0.2:
            return
        last[0] = now
        bar.progress(done / max(total, 1), text=text(done, total))

    return update, bar.empty


def preload_chart_library() -> None:
    """Make the browser load plotly.js now, while the server works on something slow.

    Streamlit fetches and compiles its plotly bundle (several MB) the first time a page of the
    session shows a chart: about a second on a laptop. The Import page calls this when it opens,
    while the user is choosing a file, so the chart they open after saving the round draws at
    once. The chart is empty and hidden; it is sent once per session."""
    if st.session_state.get("_plotly_preloaded"):
        return
    st.session_state["_plotly_preloaded"] = True
    import plotly.graph_objects as go

    with st.container(key="plotly_preload"):
        st.html("<style>.st-key-plotly_preload {display: none}</style>")
        st.plotly_chart(go.Figure(), key="plotly_preload_chart", config={"staticPlot": True})


# -- errors as messages -------------------------------------------------------------------------
@contextlib.contextmanager
def messages(action: str = "") -> Iterator[None]:
    """Show a domain error as a message on the page (never a traceback)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the user
        st.error(message_for(action, exc))


def message_for(action: str, exc: Exception) -> str:
    """The sentence a page shows for a failed action (domain errors as they are, others named)."""
    from audit_app.ingest.report import IngestError

    if isinstance(exc, (ServiceError, StoreError, ValueError, KeyError, IngestError)):
        return f"{action}: {exc}" if action else str(exc)
    return (f"{action + ': ' if action else ''}unexpected problem ({type(exc).__name__}: {exc}). "
            "Nothing was saved.")


# -- cached reads (the trust and the caller's access are part of every key) ------------------------
# Each read runs once per key and is shared by every session: the page's scope is checked before the
# read (it is built only by checking) and passed as `_scope`, which Streamlit leaves out of the key.
def _key(scope: services.TrustScope) -> tuple:
    return (db_url(), scope.access.cache_key, scope.trust_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _letters_table(url: str, access_key: tuple, trust_id: int, round_id: int, _scope):
    return services.letters_table(_scope, round_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _compliance(url: str, access_key: tuple, trust_id: int, round_id: int, _scope):
    return services.compliance(_scope, round_id)


@st.cache_data(show_spinner=False, max_entries=64)
def _measures(url: str, access_key: tuple, trust_id: int, grain: str, _scope):
    return services.measures(_scope, grain)


@st.cache_data(show_spinner=False, max_entries=16)
def _round_report(url: str, access_key: tuple, trust_id: int, round_id: int, mask: bool, charts: bool, grain: str,
                  _scope) -> bytes:
    return services.round_report(_scope, round_id, mask=mask, charts=charts, grain=grain)


def letters_table(scope: services.TrustScope, round_id: int):
    return _letters_table(*_key(scope), int(round_id), scope)


def compliance(scope: services.TrustScope, round_id: int):
    return _compliance(*_key(scope), int(round_id), scope)


def measures(scope: services.TrustScope, grain: str):
    return _measures(*_key(scope), grain, scope)


def round_report(scope: services.TrustScope, round_id: int, mask: bool = True, charts: bool = True,
                 grain: str = "round") -> bytes:
    return _round_report(*_key(scope), int(round_id), mask, charts, grain, scope)


CACHED = (_letters_table, _compliance, _measures, _round_report)


def clear_caches() -> None:
    """Called after every write: cached reads must never show stale or other trusts' data."""
    _write_stamp()["n"] += 1
    _round_letters.clear()
    for fn in CACHED:
        fn.clear()
    network_data.clear()


# -- the network view (aggregated counts, cached per user, network, standard and write) ----------
@st.cache_data(show_spinner=False, max_entries=32)
def network_data(url: str, access_key: tuple, network_id: int, standard_id: str | None, stamp: int):
    acc = services.access_from_key(access_key)
    store = CachedStore(_open_store(url))
    scope = services.network.network_scope(store, acc, network_id)
    return services.network.network_data(store, scope, standard_id)


def network_args() -> tuple:
    return (db_url(), access().cache_key)


def write_stamp() -> int:
    """Bumped by every write: part of the key of cached network data and built reports."""
    return _write_stamp()["n"]
