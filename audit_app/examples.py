"""The example trust: three messy audit rounds and a few PDSA cycles, loaded into an empty store
so the app has something to show on first run (`opioid-audit app`).

    load_example_audits_if_empty(store) -> number of rounds loaded (0 when the store has trusts)
    example_letters() -> [(name, text), ...]   the fictional letters in example_audits/letters/
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

EXAMPLE_TRUST = "Trust A (example)"
EXAMPLE_TRUST_CODE = "EXAMPLE-A"
ROUNDS = (("Round 1", "trust_a_round1.xlsx"), ("Round 2", "trust_a_round2.xlsx"),
          ("Round 3", "trust_a_round3.xlsx"))

# Model for Improvement PDSA log (shared/domain/qi_method.md section 2). Dates fall inside every
# example round's period (discharges from Jan 2024 to Oct 2025) so they annotate the charts.
PDSA_CYCLES = (
    {"project_id": "OPIOID-TTO", "aim_id": "AIM-1", "change_idea_id": "CI-1", "cycle_no": 1,
     "change_idea": "Weaning and GP-action text template in the discharge letter",
     "date_start": "2024-06-03", "date_end": "2024-06-14", "owner": "Ward pharmacist, Ward 4B",
     "objective": "Will junior doctors use a ready-made weaning/GP-action paragraph on surgical TTOs?",
     "prediction": "At least 6 of 10 opioid TTOs on Ward 4B will include the paragraph.",
     "plan": "Ward 4B, 2 weeks, first 10 opioid TTOs; template added to the TTO proforma; pharmacist checks each letter.",
     "do_observations": "Template used on 7 of 10 letters; two FY1s could not find it in the e-discharge system.",
     "study": "70% against a predicted 60%; missing letters were all written out of hours.",
     "act": "adapt", "next_steps": "Add the template as an e-discharge quick-text and repeat on two wards.",
     "measures_linked": ["OD-04", "OD-08"]},
    {"project_id": "OPIOID-TTO", "aim_id": "AIM-1", "change_idea_id": "CI-1", "cycle_no": 2,
     "change_idea": "Weaning/GP-action quick-text in e-discharge (Wards 4B and 7)",
     "date_start": "2024-09-02", "date_end": "2024-09-27", "owner": "Lead pharmacist, surgery",
     "objective": "Does the quick-text raise weaning-plan documentation on two wards?",
     "prediction": "Weaning plan documented on 80% of new-opioid letters.",
     "plan": "Wards 4B and 7, 4 weeks, all new-opioid TTOs; weekly audit of 10 letters.",
     "do_observations": "Quick-text used on most letters; locums unaware in week 1.",
     "study": "78% documented (prediction 80%); GP action rose less (55%).",
     "act": "adopt", "next_steps": "Spread to all surgical wards; add GP-action prompt (cycle 3).",
     "measures_linked": ["OD-04", "OD-08"]},
    {"project_id": "OPIOID-TTO", "aim_id": "AIM-2", "change_idea_id": "CI-2", "cycle_no": 1,
     "change_idea": "Smaller default post-op opioid pack (5 days) on the TTO order set",
     "date_start": "2025-01-13", "date_end": "2025-02-07", "owner": "Pain team pharmacist",
     "objective": "Can the default TTO supply for new post-operative opioids be cut to 5 days without extra GP contacts?",
     "prediction": "90% of new post-op opioid supplies 7 days or less; no rise in GP analgesia requests.",
     "plan": "Orthopaedic wards, 4 weeks; order-set default changed; balancing measure: GP calls about analgesia.",
     "do_observations": "Order set changed on day 3 of the cycle; two patients asked for more analgesia.",
     "study": "86% of supplies 7 days or less (prediction 90%); GP calls unchanged.",
     "act": "adopt", "next_steps": "Make the 5-day default permanent; check MR prescribing next.",
     "measures_linked": ["OD-05"]},
    {"project_id": "OPIOID-TTO", "aim_id": "AIM-2", "change_idea_id": "CI-3", "cycle_no": 1,
     "change_idea": "Pharmacist TTO screen for MR opioids in acute pain",
     "date_start": "2025-05-06", "date_end": None, "owner": "Ward pharmacists, surgery",
     "objective": "Will a pharmacist prompt stop new MR opioids for acute post-operative pain?",
     "prediction": "New MR opioid for acute pain on fewer than 5% of new-opioid TTOs.",
     "plan": "All surgical wards, 6 weeks; pharmacist contacts prescriber for every new MR opioid on a TTO.",
     "do_observations": None, "study": None, "act": None, "next_steps": None,
     "measures_linked": ["OD-06"]},
)


def example_dir() -> Path | None:
    """The example_audits folder ($OPIOID_AUDIT_EXAMPLES, else beside the package), or None."""
    env = os.environ.get("OPIOID_AUDIT_EXAMPLES")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1] / "example_audits")
    for c in candidates:
        if c.is_dir() and all((c / f).is_file() for _label, f in ROUNDS):
            return c
    return None


def example_letters() -> list[tuple[str, str]]:
    """(file name, text) of the fictional example letters, sorted by name."""
    d = example_dir()
    if d is None or not (d / "letters").is_dir():
        return []
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted((d / "letters").glob("*.txt"))]


def _cycle_dict(cycle: dict) -> dict:
    from qi.pdsa import PdsaCycle

    return PdsaCycle.from_dict(dict(cycle)).to_dict()


def load_example_audits_if_empty(store, *, extract: bool = True, progress=None) -> int:
    """If the store has no trusts: create 'Trust A (example)', import its three rounds with the
    suggested mapping, and add example PDSA cycles. Returns the number of rounds loaded."""
    from audit_app import importing
    from audit_app.ingest import IngestError

    if store.list_trusts():
        return 0
    folder = example_dir()
    if folder is None:
        log.warning("example_audits folder not found; no example trust loaded")
        return 0
    try:
        trust = store.create_trust(EXAMPLE_TRUST, EXAMPLE_TRUST_CODE)
    except Exception:  # noqa: BLE001 - another process loaded the examples first
        if store.find_trust(EXAMPLE_TRUST) is not None:
            return 0
        raise
    loaded = 0
    for label, fname in ROUNDS:
        try:
            prepared = importing.prepare_import(folder / fname, fname, trust_id=trust.id, store=store,
                                             extract=extract, progress=progress)
            importing.accept_import(store, prepared, trust_id=trust.id, label=label, progress=progress)
            loaded += 1
        except (IngestError, ValueError) as exc:
            log.warning("example round %s not loaded: %s", label, exc)
    for cycle in PDSA_CYCLES:
        store.save_pdsa_cycle(trust.id, _cycle_dict(cycle))
    return loaded
