"""Oral morphine equivalents (OME) per prescription and per letter, from the factors of opioids.csv.

* ``per mg`` rows: OME mg/day = maximum daily dose (mg) x factor (PRN maxima included; PRN without a frequency
  contributes 0).
* patches: OME mg/day = mcg/hour x factor; a '12 micrograms/hour' fentanyl patch counts as 12.5 (csv note).
* no factor (methadone, opioid-dependence buprenorphine) or unreliable factor (transmucosal fentanyl): not
  converted, flagged (``ome_flag``), never added to the total.
* Defaults follow the csv (oxycodone 1.5, tramadol 0.1 ...); where published factors differ
  (``data/ome_alternatives.csv``: sublingual buprenorphine 40-60, oxycodone 1.5-2 ...) the default there is used
  and the range is reported (``ome_range_mg_per_day``). Every factor carries its source (``ome_factor_source``).
* opioid substitution treatment (``purpose == "substitution"``) is never converted. Pass ``factors`` to override,
  e.g. ``{"oxycodone": 2.0}`` or ``{"buprenorphine:sublingual": 40}`` (also as
  ``build_pipeline(ome_factors=...)``).
"""
from __future__ import annotations

from functools import lru_cache

from nlp.lexicon import form_class_of, load_lexicon
from nlp.rules import csv_records

HIGH_DOSE_THRESHOLDS = (90.0, 120.0)
TRANSMUCOSAL = {"buccal", "nasal", "oromucosal"}
OST_BRANDS = {"Espranor", "Buvidal", "Subutex", "Suboxone"}


def form_class(formulation: str | None, route: str | None) -> str:
    route = route or ""
    if formulation == "patch":
        return "patch"
    if route in ("subcutaneous", "intravenous", "intramuscular"):
        return "injection"
    return form_class_of(formulation or "", route)


@lru_cache(maxsize=1)
def _alternatives() -> dict[tuple[str, str], dict]:
    return {(r["generic"], r["form_class"]): r for r in csv_records("ome_alternatives.csv")}


def factor_with_source(generic: str, formulation: str | None, route: str | None, brand: str | None = None,
                       factors: dict | None = None, purpose: str = "pain") -> tuple[float | None, str | None, str]:
    """(factor, flag, source). The flag says why no factor applies; the source says where the factor came
    from (an override, the alternatives table, a brand row or a generic row of opioids.csv)."""
    fc = form_class(formulation, route)
    if factors:
        for key in ((generic, fc), f"{generic}:{fc}", generic):
            if key in factors:
                return float(factors[key]), None, f"override {key!s}"
    if purpose == "substitution":
        return None, "opioid_substitution_not_converted", "no accepted ratio for opioid substitution treatment"
    if generic == "methadone":
        return None, "methadone_not_converted", "no accepted fixed ratio for methadone"
    if brand in OST_BRANDS:
        return None, "opioid_dependence_treatment_not_converted", f"{brand} is an opioid-dependence product"
    if generic == "fentanyl" and fc in TRANSMUCOSAL | {"sublingual"}:
        return None, "transmucosal_fentanyl_not_converted", "transmucosal fentanyl has no reliable ratio"
    alt = _alternatives().get((generic, fc))
    if alt is not None:
        return float(alt["default"]), None, f"ome_alternatives.csv {generic} {fc}: {alt['source']}"
    lex = load_lexicon()
    if brand:
        row = lex.brand_row(brand)
        if row is not None and form_class_of(row.formulation, row.route) == fc and row.ome_factor is not None:
            return row.ome_factor, None, f"opioids.csv {row.name} ({row.source})"
    f, row = lex.factor(generic, fc)
    if f is None and fc == "oromucosal":
        f, row = lex.factor(generic, "sublingual")
    if f is None:
        return None, "no_ome_factor", f"no factor for {generic} {fc} in opioids.csv"
    return f, None, f"opioids.csv {row.name} ({row.source})"


def factor_for(generic: str, formulation: str | None, route: str | None, brand: str | None = None,
               factors: dict | None = None, purpose: str = "pain") -> tuple[float | None, str | None]:
    """(factor, flag). Flag explains why no factor is applied."""
    f, flag, _source = factor_with_source(generic, formulation, route, brand, factors, purpose)
    return f, flag


def ome_range(rx, ome: float | None) -> tuple[float, float] | None:
    """(low, high) OME mg/day when published factors differ for this product, else None."""
    if ome is None:
        return None
    alt = _alternatives().get((rx.generic, form_class(rx.formulation, rx.route)))
    if alt is None or not float(alt["default"]):
        return None
    per = ome / float(alt["default"])
    return round(per * float(alt["low"]), 4), round(per * float(alt["high"]), 4)


def patch_strength_for_ome(generic: str, mcg_per_hour: float) -> float:
    if generic == "fentanyl" and abs(mcg_per_hour - 12.0) < 1e-9:
        return 12.5
    return mcg_per_hour


def prescription_ome(rx, factors: dict | None = None) -> tuple[float | None, float | None, str | None]:
    """(ome_mg_per_day, factor, flag) for one OpioidPrescription-like object."""
    f, flag, source = factor_with_source(rx.generic, rx.formulation, rx.route, rx.brand, factors,
                                         getattr(rx, "purpose", "pain") or "pain")
    if hasattr(rx, "ome_factor_source"):
        rx.ome_factor_source = source
    if f is None:
        return None, None, flag
    if rx.formulation == "patch":
        if rx.strength_mcg_per_hour is None:
            return None, f, "patch_strength_unknown"
        return _with_range(rx, round(patch_strength_for_ome(rx.generic, rx.strength_mcg_per_hour) * f, 4)), f, None
    if rx.max_daily_dose_mg is None:
        return 0.0, f, ("prn_without_frequency" if rx.prn else "daily_dose_unknown")
    return _with_range(rx, round(rx.max_daily_dose_mg * f, 4)), f, None


def _with_range(rx, ome: float) -> float:
    if hasattr(rx, "ome_range_mg_per_day"):
        rx.ome_range_mg_per_day = ome_range(rx, ome)
    return ome


def total_ome(prescriptions, regular_only: bool = False) -> float | None:
    if not prescriptions:
        return None
    total = 0.0
    for rx in prescriptions:
        if regular_only and rx.prn:
            continue
        if rx.ome_mg_per_day:
            total += rx.ome_mg_per_day
    return round(total, 4)
