"""Network page: several trusts' audits side by side (audit_app.network over aggregated counts).

Every function takes a checked :class:`audit_app.access.NetworkScope` (built once per page call by
:func:`network_scope`): which trusts, under which names (anonymised for a member trust's user
unless the network names its trusts). Nothing here loads a letter text: the store counts results
per trust, round, standard and outcome in the database, and the programme measures' per-letter
facts (``letter_measure``, computed once per letter version by :func:`refresh_letter_measures`)
per trust and round.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from audit_app import network as nw
from audit_app.access import DEFAULT_NETWORK_ID, AccessDenied, NetworkScope
from audit_app.services.scope import Access, ServiceError
from audit_app.store.database import Store, StoreError

OVERDISPERSION = {"none": "none (exact binomial limits)", "additive": "additive (random effects, tau²)",
                  "multiplicative": "multiplicative (phi)"}
LEAGUE_SORTS = {"position": "funnel position, then lower end of the 95% CI",
                "name": "trust name", "denominator": "eligible letters (N)"}
LEAGUE_SHOWN = ["trust", "round", "n/N", "%", "95% CI", "change (points)", "95% CI of change", "change",
                "funnel position", "variation", "assurance"]
VALUE_LEAGUE_SHOWN = ["trust", "round", "value", "n", "change", "variation", "assurance"]
#: letters whose facts are computed and written per transaction
_FACTS_BATCH = 1000


def visible_networks(store: Store, access: Access) -> dict[int, str]:
    """Network id -> name: the networks this user may open."""
    return dict(access.visible_networks(store))


def network_scope(store: Store, access: Access, network_id: int | None) -> NetworkScope:
    if network_id is None:
        raise ServiceError("choose a network first")
    try:
        return access.network_scope(store, network_id)
    except AccessDenied:
        raise
    except StoreError as exc:
        raise ServiceError(str(exc)) from None


def network_by_name(store: Store, access: Access, name: str) -> NetworkScope:
    """The network called ``name`` (the default network of a single user is 'All trusts')."""
    for nid, nname in access.visible_networks(store):
        if nname.strip().lower() == (name or "").strip().lower():
            return network_scope(store, access, nid)
    known = ", ".join(n for _, n in access.visible_networks(store)) or "none"
    raise ServiceError(f"no network named {name!r} that you can see (networks: {known})")


def refresh_letter_measures(store: Store, trust_ids, config=None) -> int:
    """Compute the programme facts of the trusts' letters that have none, or whose letter was
    corrected since (``letter_measure``), from each letter's record and extraction (never its
    text), under the network's configuration. Returns how many letters were (re)computed."""
    from audit_app.standards import default_config
    from audit_app.standards.measures import programme_facts

    cfg = config or default_config()
    basis = nw.facts_basis(cfg)
    stale = store.stale_letter_measures(trust_ids, basis)
    for start in range(0, len(stale), _FACTS_BATCH):
        rows = []
        for lid, rid, version, record, extraction in store.letter_measure_inputs(stale[start:start + _FACTS_BATCH]):
            try:
                facts = programme_facts(record, extraction if isinstance(extraction, dict) else None, cfg)
            except (TypeError, ValueError, KeyError, AttributeError):
                facts = {"has_opioid": None}   # unreadable: out of the measures' scope, like an unknown opioid
            rows.append(nw.letter_measure_row(lid, rid, version, basis, facts))
        store.save_letter_measures(rows)
    return len(stale)


def network_data(store: Store, scope: NetworkScope, standard_id: str | None = None) -> nw.NetworkData:
    """The network's counts (one standard's or measure's, or every one's), rounds and PDSA cycles.
    The programme measures are loaded for every one, or when ``standard_id`` is one of them."""
    from audit_app.standards import default_config

    trusts = [nw.TrustEntry(t, scope.name_of(t), scope.is_named(t)) for t in scope.trust_ids]
    counts = store.result_counts(scope.trust_ids, standard_id=standard_id)
    rounds = store.rounds_of_trusts(scope.trust_ids)
    pdsa = {t: store.list_pdsa_cycles(t) for t in scope.trust_ids}
    measure_rows = ome = None
    if standard_id is None or standard_id in measure_ids():
        cfg = default_config()
        refresh_letter_measures(store, scope.trust_ids, cfg)
        basis = nw.facts_basis(cfg)
        measure_rows = store.measure_counts(scope.trust_ids, basis, **nw.measure_query_args(cfg))
        if standard_id in (None, "median_ome"):
            ome = store.opioid_ome_values(scope.trust_ids, basis)
    return nw.build(scope.network_id, scope.name, trusts, rounds, counts, pdsa,
                    measure_rows=measure_rows, ome_values=ome)


def measure_ids() -> list[str]:
    return [m.id for m in nw.network_measures()]


def standard_options() -> dict[str, str]:
    """Standards, then the programme's measures (the kind said for those without a funnel)."""
    out = {s.id: f"{s.id} {s.title}" for s in nw.network_standards()}
    kinds = {nw.RATE: " (rate: no funnel)", nw.MEDIAN: " (median: no funnel)"}
    out.update({m.id: m.title + kinds.get(m.kind, "") for m in nw.network_measures()})
    return out


def period_options(data: nw.NetworkData) -> dict[str, str]:
    """'latest' or a month ('2024-03') in which some trust's round starts."""
    months = sorted({r.period_start.strftime("%Y-%m") for rs in data.rounds.values() for r in rs if r.period_start})
    out = {nw.LATEST: "each trust's latest round"}
    for m in reversed(months):
        out[m] = f"rounds starting in {dt.date.fromisoformat(m + '-01'):%B %Y}"
    return out


def period_value(key: str | None) -> Any:
    """A period_options key as audit_app.network takes it."""
    if key in (None, nw.LATEST):
        return nw.LATEST
    if not re.fullmatch(r"\d{4}-\d{2}", str(key)):
        raise ServiceError(f"a period is 'latest' or a month written YYYY-MM, not {key!r}")
    start = dt.date.fromisoformat(f"{key}-01")
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return (start, end)


def _standard(data: nw.NetworkData, standard_id: str) -> nw.StandardInfo:
    try:
        return data.standard(standard_id)
    except ValueError as exc:
        raise ServiceError(str(exc)) from None


@dataclass
class FunnelPageView:
    figure: Any                  # None for a rate or a median (a funnel plot is for proportions)
    sentences: list[str]
    overdispersion: str
    notes: list[str]
    n_trusts: int


def _overdispersion(key: str | None) -> str | None:
    """An OVERDISPERSION key as qi.funnel takes it (None: not adjusted)."""
    if key is None:
        return None
    if key not in OVERDISPERSION:
        raise ServiceError(f"overdispersion is one of: {', '.join(OVERDISPERSION)}")
    return None if key == "none" else key


def funnel_view(data: nw.NetworkData, standard_id: str, *, period: str | None = nw.LATEST,
                overdispersion: str | None = None, highlight: str | None = None) -> FunnelPageView:
    std = _standard(data, standard_id)
    if not std.funnel:
        v, k, n = nw.network_value(data, std, period_value(period))
        what = ("a rate per 100 discharges" if std.kind == nw.RATE else "a median")
        notes = [f"{std.name} is {what}, not a proportion: a funnel plot is for proportions. The league table "
                 f"below gives each trust's value; network: {nw.value_text(std, v, k, n)}."]
        n_trusts = sum(1 for t in data.trusts if nw.period_rounds(data, t.id, period_value(period)))
        return FunnelPageView(None, [], "", notes, n_trusts)
    fv = nw.funnel_for(data, standard_id, period_value(period), _overdispersion(overdispersion))
    notes = list(fv.result.notes)
    if fv.result.units_used == 0:
        notes.append("No trust has eligible letters for this standard in this period.")
    return FunnelPageView(nw.funnel_figure(fv, highlight=highlight), fv.sentences, fv.result.overdispersion_text(),
                          notes, int(len(fv.result.points)))


@dataclass
class TrendsPageView:
    figure: Any
    signals: list[str]
    chart: str
    n_trusts: int


def trends_view(data: nw.NetworkData, standard_id: str, *, rules: str = "mdc") -> TrendsPageView:
    from qi.spc import RULE_SETS

    if rules not in RULE_SETS:
        raise ServiceError(f"rules are one of: {', '.join(RULE_SETS)}")
    std = _standard(data, standard_id)
    panels = nw.trend_panels(data, standard_id, rules=rules)
    chart = panels[0].result.chart if panels else "run"
    return TrendsPageView(nw.trends_figure(panels, std), nw.trend_signals(panels, std), chart, len(panels))


def league_view(data: nw.NetworkData, standard_id: str, *, period: str | None = nw.LATEST, rules: str = "mdc",
                sort: str = "position") -> pd.DataFrame:
    """The league table as the page shows it (no rank column: the order is the funnel position)."""
    if sort not in LEAGUE_SORTS:
        raise ServiceError(f"sort by one of: {', '.join(LEAGUE_SORTS)}")
    std = _standard(data, standard_id)
    table = nw.league_table(data, standard_id, period=period_value(period), rules=rules)
    if not std.funnel:   # a rate or median: in trust-name order (no funnel position to order by)
        if sort == "denominator" and not table.empty:
            table = table.sort_values("denominator", ascending=False, kind="stable")
        return table.reindex(columns=VALUE_LEAGUE_SHOWN).reset_index(drop=True)
    if table.empty:
        return table.reindex(columns=LEAGUE_SHOWN)
    if sort == "name":
        table = table.sort_values("trust", kind="stable")
    elif sort == "denominator":
        table = table.sort_values("denominator", ascending=False, kind="stable")
    return table[LEAGUE_SHOWN].reset_index(drop=True)


def feedback_trusts(scope: NetworkScope) -> list[int]:
    """Whose feedback page this user may download: every trust for a lead or single user, their
    own trusts for a member trust's user."""
    return list(scope.trust_ids) if scope.role in ("lead", "single_user") else [t for t in scope.trust_ids
                                                                                 if t in scope.own_trust_ids]


def _report(store: Store, scope: NetworkScope, *, period: str | None, overdispersion: str | None, rules: str,
            trusts: list[int]) -> nw.NetworkReport:
    data = network_data(store, scope)
    return nw.collate(data, period=period_value(period), overdispersion=overdispersion, rules=rules,
                      feedback_trusts=trusts)


@dataclass
class CollatedReport:
    workbook: bytes
    slides: bytes | None
    notes: list[str]


def collated_report(store: Store, scope: NetworkScope, *, slides: bool = True, charts: bool = True,
                    period: str | None = nw.LATEST, overdispersion: str | None = None, rules: str = "mdc",
                    trend_standards: list[str] | None = None) -> CollatedReport:
    """The collated network report: workbook (and slides), feedback for every trust this user may
    send it to. Aggregates only."""
    from audit_app import network_report as nr

    with (nr.chart_session() if charts else contextlib.nullcontext()):
        report = _report(store, scope, period=period, overdispersion=_overdispersion(overdispersion), rules=rules,
                         trusts=feedback_trusts(scope))
        pngs, notes = nr.render_charts(report, trend_standards=trend_standards) if charts else ({}, [])
    workbook = nr.build_workbook(report, pngs, notes=notes)
    deck = nr.build_deck(report, pngs) if slides else None
    return CollatedReport(workbook, deck, notes)


def trust_feedback(store: Store, scope: NetworkScope, trust_id: int, *, period: str | None = nw.LATEST,
                   rules: str = "mdc") -> bytes:
    """One trust's feedback page (PowerPoint, one slide) for the lead to send to that trust."""
    from audit_app import network_report as nr

    if trust_id not in feedback_trusts(scope):
        raise AccessDenied("access denied: you may download the feedback of your own trust only")
    report = _report(store, scope, period=period, overdispersion=None, rules=rules, trusts=[trust_id])
    return nr.build_feedback_deck(report, trust_id)


def feedback_filename(scope: NetworkScope, trust_id: int) -> str:
    return f"{_safe(scope.name)}_feedback_{_safe(scope.name_of(trust_id))}.pptx"


def report_filename(scope: NetworkScope, extension: str = "xlsx") -> str:
    return f"{_safe(scope.name)}_network_report.{extension}"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_") or "network"


# -- managing networks (single-user installations, and the CLI) ------------------------------------
def create_network(store: Store, access: Access, name: str, trust_ids: list[int], *, name_trusts: bool = False) -> int:
    """A new network of trusts; with sign-in only trusts the user can see, and the user leads it."""
    for t in trust_ids:
        access.check_trust(t)
    try:
        net = store.create_network(name, trust_ids, name_trusts=name_trusts)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    if access.user_email:
        store.grant_network(access.user_email, net.id)
    return net.id


def default_network_id() -> int:
    return DEFAULT_NETWORK_ID


# -- membership: a network lead (or the single user) adds or removes trusts ------------------------
def _manageable(store: Store, access: Access, network_id: int) -> NetworkScope:
    """The network, if this user may change its trusts: its lead, or the single user; never the
    default network of every trust (it is not stored)."""
    if int(network_id) == DEFAULT_NETWORK_ID:
        raise ServiceError("the network of every trust cannot be changed: create a network first")
    scope = network_scope(store, access, network_id)
    if scope.role not in ("lead", "single_user"):
        raise AccessDenied(f"access denied: only a lead of {scope.name!r} may change its trusts")
    return scope


def addable_trusts(store: Store, access: Access, network_id: int) -> dict[int, str]:
    """Trust id -> name: trusts this user may see that are not in the network yet (a lead adds
    only trusts they have access to, as when creating a network)."""
    try:
        scope = _manageable(store, access, network_id)
    except (ServiceError, AccessDenied):
        return {}
    return {t.id: t.name for t in access.visible_trusts(store) if t.id not in scope.trust_ids}


def add_network_trust(store: Store, access: Access, network_id: int, trust_id: int) -> str:
    """Add a trust to the network; returns a sentence saying so."""
    scope = _manageable(store, access, network_id)
    access.check_trust(trust_id)
    if trust_id in scope.trust_ids:
        raise ServiceError(f"{store.get_trust(trust_id).name!r} is already in {scope.name!r}")
    try:
        store.add_network_trust(scope.network_id, trust_id)
    except StoreError as exc:
        raise ServiceError(str(exc)) from None
    return f"{store.get_trust(trust_id).name} added to {scope.name}."


def remove_network_trust(store: Store, access: Access, network_id: int, trust_id: int) -> str:
    """Take a trust out of the network (its rounds stay in the store); returns a sentence."""
    scope = _manageable(store, access, network_id)
    if trust_id not in scope.trust_ids:
        raise ServiceError(f"trust {trust_id} is not in {scope.name!r}")
    name = scope.name_of(trust_id)
    store.remove_network_trust(scope.network_id, trust_id)
    return f"{name} removed from {scope.name} (its audit rounds are kept)."


def may_manage(scope: NetworkScope) -> bool:
    """Whether the page offers to add or remove trusts (a lead or the single user, a stored network)."""
    return scope.role in ("lead", "single_user") and scope.network_id != DEFAULT_NETWORK_ID
