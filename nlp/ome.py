"""Oral morphine equivalents (OME) per prescription and per letter, from the factors of opioids.csv.

* ``per mg`` rows: OME mg/day = maximum daily dose (mg) x factor (PRN maxima included; PRN without a frequency
  contributes 0).
* patches: OME mg/day = mcg/hour x factor; a '12 micrograms/hour' fentanyl patch counts as 12.5 (csv note).
* no factor (methadone, opioid-dependence buprenorphine) or unreliable factor (transmucosal fentanyl): not
  converted, flagged (``ome_flag``), never added to the total.
* Defaults follow the csv (oxycodone 1.5, tramadol 0.1, buprenorphine SL 60 ...); pass ``factors`` to override,
  e.g. ``{"oxycodone": 2.0}`` or ``{"buprenorphine:sublingual": 40}`` (also as
  ``build_pipeline(ome_factors=...)``).
"""
from __future__ import annotations

from nlp.lexicon import form_class_of, load_lexicon

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


def factor_for(generic: str, formulation: str | None, route: str | None, brand: str | None = None,
               factors: dict | None = None) -> tuple[float | None, str | None]:
    """(factor, flag). Flag explains why no factor is applied."""
    fc = form_class(formulation, route)
    if factors:
        for key in ((generic, fc), f"{generic}:{fc}", generic):
            if key in factors:
                return float(factors[key]), None
    if generic == "methadone":
        return None, "methadone_not_converted"
    if brand in OST_BRANDS:
        return None, "opioid_dependence_treatment_not_converted"
    if generic == "fentanyl" and fc in TRANSMUCOSAL | {"sublingual"}:
        return None, "transmucosal_fentanyl_not_converted"
    lex = load_lexicon()
    if brand:
        row = lex.brand_row(brand)
        if row is not None and form_class_of(row.formulation, row.route) == fc and row.ome_factor is not None:
            return row.ome_factor, None
    f, _row = lex.factor(generic, fc)
    if f is None and fc == "oromucosal":
        f, _row = lex.factor(generic, "sublingual")
    if f is None:
        return None, "no_ome_factor"
    return f, None


def patch_strength_for_ome(generic: str, mcg_per_hour: float) -> float:
    if generic == "fentanyl" and abs(mcg_per_hour - 12.0) < 1e-9:
        return 12.5
    return mcg_per_hour


def prescription_ome(rx, factors: dict | None = None) -> tuple[float | None, float | None, str | None]:
    """(ome_mg_per_day, factor, flag) for one OpioidPrescription-like object."""
    f, flag = factor_for(rx.generic, rx.formulation, rx.route, rx.brand, factors)
    if f is None:
        return None, None, flag
    if rx.formulation == "patch":
        if rx.strength_mcg_per_hour is None:
            return None, f, "patch_strength_unknown"
        return round(patch_strength_for_ome(rx.generic, rx.strength_mcg_per_hour) * f, 4), f, None
    if rx.max_daily_dose_mg is None:
        return 0.0, f, ("prn_without_frequency" if rx.prn else "daily_dose_unknown")
    return round(rx.max_daily_dose_mg * f, 4), f, None


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
