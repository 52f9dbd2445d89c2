"""Result records. ``LetterExtraction.to_dict()`` uses the field names of the corpus gold labels
(shared/corpora/README.md) plus OME, spans and a few extras the app uses.

Letter-level keys for the standards (each a Finding dict ``{present, text, span}`` plus ``negated_text`` /
``negated_span`` when the letter says it is absent or only requested):
``weaning_plan``, ``gp_instruction``, ``patient_informed`` (OD-09), ``naloxone_supplied`` (OD-16),
``specialist_review`` (OD-12; a review requested but not done is present=False with the request in negated_text),
``transfer`` (global TRANSFER exclusion). ``ome_incomplete_items``: ``[{index, name, reason}]`` of prescriptions
whose OME/day could not be computed (the total is the sum of the known items and ``ome_flags`` holds
"ome_incomplete"). ``co_prescriptions``: active drugs of audited classes, ``{drug, class, classes, text, span,
justification, justification_span}`` (justification for benzodiazepine / Z-drug / gabapentinoid, OD-10/11).
"""
from __future__ import annotations

from dataclasses import dataclass, field

GOLD_FLAG_ORDER = ["benzodiazepine_coprescribed", "gabapentinoid_coprescribed", "high_dose_120_ome",
                   "mr_opioid_for_acute_pain", "supply_over_7_days", "age_over_65"]
EXTRA_FLAG_ORDER = ["high_dose_90_ome", "z_drug_coprescribed", "methadone_or_ost", "multiple_opioids"]

RX_FIELDS = ["generic", "brand", "formulation", "route", "strength_mg", "strength_mcg_per_hour", "dose_mg_min",
             "dose_mg_max", "frequency_per_day_max", "prn", "max_daily_dose_mg", "duration_days", "supply_days",
             "supply_quantity", "new_on_admission"]


@dataclass
class OpioidPrescription:
    """One opioid prescribed on discharge."""

    text: str
    span: tuple[int, int]
    generic: str
    brand: str | None = None
    formulation: str | None = None
    route: str | None = None
    strength_mg: float | None = None
    strength_mcg_per_hour: float | None = None
    dose_mg_min: float | None = None
    dose_mg_max: float | None = None
    frequency_per_day_max: int | None = None
    prn: bool = False
    max_daily_dose_mg: float | None = None
    duration_days: int | None = None
    supply_days: int | None = None
    supply_quantity: str | None = None
    new_on_admission: bool | None = None
    indication: str | None = None
    ome_mg_per_day: float | None = None
    ome_factor: float | None = None
    ome_flag: str | None = None
    patch_change_days: float | None = None
    units_per_dose_max: float | None = None
    quantity_n: float | None = None
    quantity_unit: str | None = None
    source: str = "list"  # list | table | prose
    spans: dict = field(default_factory=dict)
    # the medication statement (list line, table row or prose clause) every value above was read from
    statement_span: tuple[int, int] | None = None
    status: str | None = None  # new | changed | continued | None (the letter does not say)
    previous_dose_mg: float | None = None  # the dose before this admission's change ("previously 20mg BD")
    dose_change: str | None = None  # increased | reduced | unchanged | None
    purpose: str = "pain"  # pain | substitution (opioid substitution therapy: no pain OME, no high-dose flag)
    ome_factor_source: str | None = None  # where the OME factor came from (lexicon row, override, ...)
    ome_range_mg_per_day: tuple[float, float] | None = None  # when published factors differ
    fuzzy_match: str | None = None  # the misspelt name as written, when the drug was matched by spelling distance

    def to_dict(self) -> dict:
        d = {"text": self.text, "span": list(self.span)}
        for f in RX_FIELDS:
            d[f] = getattr(self, f)
        d.update({
            "indication": self.indication,
            "ome_mg_per_day": self.ome_mg_per_day,
            "ome_factor": self.ome_factor,
            "ome_flag": self.ome_flag,
            "source": self.source,
            "spans": {k: list(v) for k, v in self.spans.items()},
            "statement_span": list(self.statement_span) if self.statement_span else None,
            "status": self.status,
            "previous_dose_mg": self.previous_dose_mg,
            "dose_change": self.dose_change,
            "purpose": self.purpose,
            "ome_factor_source": self.ome_factor_source,
            "ome_range_mg_per_day": list(self.ome_range_mg_per_day) if self.ome_range_mg_per_day else None,
            "fuzzy_match": self.fuzzy_match,
        })
        return d


@dataclass
class Distractor:
    """An opioid(-related) mention that is not a discharge prescription."""

    text: str
    span: tuple[int, int]
    reason: str  # allergy | historical | stopped | inpatient_only | family | other
    generic: str

    def to_dict(self) -> dict:
        return {"text": self.text, "reason": self.reason, "generic": self.generic, "span": list(self.span)}


@dataclass
class Finding:
    """A letter-level statement (weaning plan, GP instruction, patient informed, ...). ``negated_text`` holds a
    statement that says it is absent or only requested ("no weaning plan", "referral to pain team requested")."""

    present: bool = False
    text: str | None = None
    span: tuple[int, int] | None = None
    negated_text: str | None = None
    negated_span: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        d = {"present": self.present, "text": self.text, "span": list(self.span) if self.span else None}
        if self.negated_text:
            d["negated_text"] = self.negated_text
            d["negated_span"] = list(self.negated_span)
        return d


@dataclass
class CoPrescription:
    """A drug of an audited class (nlp.drug_classes) active on discharge beside the opioids."""

    drug: str
    drug_class: str
    text: str
    span: tuple[int, int]
    classes: list[str] = field(default_factory=list)  # every class of the drug (citalopram: ssri, qt_prolonging)
    justification: str | None = None  # stated reason (benzodiazepine / Z-drug / gabapentinoid only)
    justification_span: tuple[int, int] | None = None

    def to_dict(self) -> dict:
        return {"drug": self.drug, "class": self.drug_class, "classes": list(self.classes or [self.drug_class]),
                "text": self.text, "span": list(self.span), "justification": self.justification,
                "justification_span": list(self.justification_span) if self.justification_span else None}


@dataclass
class LetterExtraction:
    opioids: list[OpioidPrescription] = field(default_factory=list)
    weaning_plan: Finding = field(default_factory=Finding)
    gp_instruction: Finding = field(default_factory=Finding)
    indication_documented: bool = False
    risk_flags: list[str] = field(default_factory=list)
    distractors: list[Distractor] = field(default_factory=list)
    co_prescriptions: list[CoPrescription] = field(default_factory=list)
    patient_age: int | None = None
    scenario: str = "no_opioid"
    ome_total_mg_per_day: float | None = None
    ome_regular_mg_per_day: float | None = None
    ome_flags: list[str] = field(default_factory=list)
    ome_incomplete_items: list[dict] = field(default_factory=list)  # {index, name, reason}: OME not computed
    patient_informed: Finding = field(default_factory=Finding)  # counselled / leaflet / risks discussed
    naloxone_supplied: Finding = field(default_factory=Finding)  # take-home naloxone supplied
    specialist_review: Finding = field(default_factory=Finding)  # pain-team / palliative / specialist review done
    transfer: Finding = field(default_factory=Finding)  # to another hospital, community hospital, rehab, IC bed
    error: str | None = None

    @property
    def has_opioid(self) -> bool:
        return bool(self.opioids)

    def to_dict(self) -> dict:
        return {
            "opioids": [o.to_dict() for o in self.opioids],
            "weaning_plan": self.weaning_plan.to_dict(),
            "gp_instruction": self.gp_instruction.to_dict(),
            "indication_documented": self.indication_documented,
            "risk_flags": list(self.risk_flags),
            "distractors": [d.to_dict() for d in self.distractors],
            "co_prescriptions": [c.to_dict() for c in self.co_prescriptions],
            "patient_age": self.patient_age,
            "scenario": self.scenario,
            "ome_total_mg_per_day": self.ome_total_mg_per_day,
            "ome_max_mg_per_day": self.ome_total_mg_per_day,
            "ome_regular_mg_per_day": self.ome_regular_mg_per_day,
            "ome_flags": list(self.ome_flags),
            "ome_incomplete_items": [dict(x) for x in self.ome_incomplete_items],
            "patient_informed": self.patient_informed.to_dict(),
            "naloxone_supplied": self.naloxone_supplied.to_dict(),
            "specialist_review": self.specialist_review.to_dict(),
            "transfer": self.transfer.to_dict(),
            "error": self.error,
        }


def _tup(v):
    return tuple(v) if v is not None else None


def letter_from_dict(d: dict) -> LetterExtraction:
    """Rebuild a LetterExtraction from ``to_dict()`` output (used across processes)."""
    ops = []
    for o in d.get("opioids", []):
        kw = {k: o.get(k) for k in RX_FIELDS}
        rx = OpioidPrescription(text=o["text"], span=_tup(o["span"]), **kw)
        rx.indication, rx.ome_mg_per_day, rx.ome_factor, rx.ome_flag = o.get("indication"), o.get("ome_mg_per_day"), o.get("ome_factor"), o.get("ome_flag")
        rx.source = o.get("source", "list")
        rx.spans = {k: _tup(v) for k, v in (o.get("spans") or {}).items()}
        rx.statement_span = _tup(o.get("statement_span"))
        rx.status, rx.previous_dose_mg, rx.dose_change = o.get("status"), o.get("previous_dose_mg"), o.get("dose_change")
        rx.purpose = o.get("purpose") or "pain"
        rx.ome_factor_source = o.get("ome_factor_source")
        rx.ome_range_mg_per_day = _tup(o.get("ome_range_mg_per_day"))
        rx.fuzzy_match = o.get("fuzzy_match")
        ops.append(rx)

    def finding(x):
        if not x:
            return Finding()
        return Finding(x.get("present", False), x.get("text"), _tup(x.get("span")), x.get("negated_text"), _tup(x.get("negated_span")))

    return LetterExtraction(
        opioids=ops, weaning_plan=finding(d.get("weaning_plan")), gp_instruction=finding(d.get("gp_instruction")),
        indication_documented=d.get("indication_documented", False), risk_flags=list(d.get("risk_flags", [])),
        distractors=[Distractor(x["text"], _tup(x["span"]), x["reason"], x["generic"]) for x in d.get("distractors", [])],
        co_prescriptions=[CoPrescription(x["drug"], x["class"], x["text"], _tup(x["span"]), list(x.get("classes") or []),
                                         x.get("justification"), _tup(x.get("justification_span")))
                          for x in d.get("co_prescriptions", [])],
        patient_age=d.get("patient_age"), scenario=d.get("scenario", "no_opioid"),
        ome_total_mg_per_day=d.get("ome_total_mg_per_day"), ome_regular_mg_per_day=d.get("ome_regular_mg_per_day"),
        ome_flags=list(d.get("ome_flags", [])), ome_incomplete_items=[dict(x) for x in d.get("ome_incomplete_items", [])],
        patient_informed=finding(d.get("patient_informed")), naloxone_supplied=finding(d.get("naloxone_supplied")),
        specialist_review=finding(d.get("specialist_review")), transfer=finding(d.get("transfer")), error=d.get("error"),
    )
