"""Facts about one letter that several standards share, each with its evidence.

Rule for combining the two sources: the auditor's explicit answer (yes/no, a number) is the
audit's record; where the auditor left it unknown and the letter text was extracted, the
extractor's answer is used and the evidence says ``source='extraction'``; where neither, the
standard is 'not assessable'. Exclusions need positive evidence (an unknown 'palliative' is
not an exclusion).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from audit_app.records import AuditRecord, YesNo

AUDITOR = "auditor"
EXTRACTION = "extraction"
DERIVED = "derived"
CONFIG = "config"

_YES = {"y", "yes", "true", "1", "done", "present", "documented", "x", "✓", "✔"}
_NO = {"n", "no", "false", "0", "none", "nil", "not documented", "absent", "not done"}

OST_BRANDS = {"espranor", "subutex", "suboxone", "buvidal", "sublocade", "physeptone"}
_OST_TEXT = re.compile(r"\b(methadone|physeptone|espranor|subutex|suboxone|buvidal|sublocade)\b", re.I)
_BZD_TEXT = re.compile(
    r"\b(benzo\w*|diazepam|lorazepam|temazepam|clonazepam|midazolam|nitrazepam|oxazepam|"
    r"chlordiazepoxide|alprazolam|lormetazepam|clobazam|loprazolam|zopiclone|zolpidem|zaleplon|z[- ]?drugs?)\b",
    re.I,
)
_GABA_TEXT = re.compile(
    r"\b(gabapentin\w*|pregabalin|lyrica|alzain|axalid|lecaent|rewisca|neurontin)\b", re.I,
)
_CODEINE_TEXT = re.compile(r"(?<![a-z])(codeine|co-?codamol|solpadol|zapain|kapake|tylex|codipar)\b", re.I)
_PATCH_INTERVAL_DAYS = {"fentanyl": 3.0}
STRONG_OPIOIDS = {
    "morphine", "oxycodone", "fentanyl", "buprenorphine", "hydromorphone", "tapentadol", "methadone",
    "diamorphine", "alfentanil", "pethidine", "levorphanol", "dipipanone", "papaveretum",
}


def ev(source: str, field_name: str, value: Any = None, *, text: str | None = None,
       span: Any = None, note: str | None = None) -> dict[str, Any]:
    """One evidence item (keys with None values are left out, except 'value')."""
    out: dict[str, Any] = {"source": source, "field": field_name, "value": _jsonable(value)}
    if text is not None:
        out["text"] = text
    if span is not None:
        out["span"] = _jsonable(span)
    if note is not None:
        out["note"] = note
    return out


def _jsonable(v: Any) -> Any:
    if isinstance(v, YesNo):
        return v.value
    if isinstance(v, tuple):
        return list(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def _norm_key(k: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(k).strip().lower()).strip("_")


def parse_yesno(value: Any) -> YesNo:
    """Tolerant yes/no: 'Y', 'yes', True, 1 -> YES; 'N', 'no', False, 0 -> NO; else UNKNOWN."""
    if isinstance(value, YesNo):
        return value
    if value is None:
        return YesNo.UNKNOWN
    if isinstance(value, bool):
        return YesNo.YES if value else YesNo.NO
    if isinstance(value, (int, float)):
        return YesNo.YES if value == 1 else YesNo.NO if value == 0 else YesNo.UNKNOWN
    if isinstance(value, dict) and "present" in value:
        return parse_yesno(value["present"])
    s = str(value).strip().lower()
    if s in _YES:
        return YesNo.YES
    if s in _NO:
        return YesNo.NO
    if s in {"yes", "y"} or s.startswith("yes ") or s.startswith("y "):
        return YesNo.YES
    return YesNo.UNKNOWN


def num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return f if math.isfinite(f) else None  # NaN / infinity -> None


def item_evidence(i: int, item: dict, field_name: str, value: Any = None, note: str | None = None) -> dict:
    return ev(EXTRACTION, f"opioids[{i}].{field_name}", value, text=item.get("text"),
              span=item.get("span"), note=note)


def auditor_answer(record: AuditRecord, name: str) -> tuple[YesNo, str | None]:
    """The auditor's yes/no for a canonical field, or for an unmapped column of that name.

    Returns (answer, field name as found) - the field is None when nothing was recorded.
    """
    v = getattr(record, name, None)
    if isinstance(v, YesNo) and v is not YesNo.UNKNOWN:
        return v, name
    for k, val in (record.extra or {}).items():  # an unmapped column of that name still counts
        if _norm_key(k) == name:
            return parse_yesno(val), f"extra.{k}"
    return YesNo.UNKNOWN, (name if isinstance(v, YesNo) else None)


def extraction_answer(extraction: dict | None, key: str) -> tuple[YesNo, dict | None]:
    """The extractor's letter-level yes/no (a bool or ``{present, text, span}``) with evidence."""
    if not extraction or key not in extraction or extraction[key] is None:
        return YesNo.UNKNOWN, None
    raw = extraction[key]
    ans = parse_yesno(raw)
    if ans is YesNo.UNKNOWN:
        return ans, None
    if isinstance(raw, dict):
        return ans, ev(EXTRACTION, f"{key}.present", ans == YesNo.YES, text=raw.get("text"), span=raw.get("span"))
    return ans, ev(EXTRACTION, key, ans == YesNo.YES)


def combine_answer(record: AuditRecord, extraction: dict | None, auditor_field: str | None,
                   extraction_key: str | None) -> tuple[YesNo, list[dict]]:
    """Auditor's explicit Y/N wins; else the extractor's; else UNKNOWN. Evidence notes disagreement."""
    a, found = auditor_answer(record, auditor_field) if auditor_field else (YesNo.UNKNOWN, None)
    x, x_ev = extraction_answer(extraction, extraction_key) if extraction_key else (YesNo.UNKNOWN, None)
    if a is not YesNo.UNKNOWN:
        out = [ev(AUDITOR, found or auditor_field, a)]
        if x is not YesNo.UNKNOWN and x != a and x_ev is not None:
            x_ev = dict(x_ev)
            x_ev["note"] = "extractor disagrees with the auditor; the auditor's answer is the audit's record"
            out.append(x_ev)
        return a, out
    if x is not YesNo.UNKNOWN and x_ev is not None:
        x_ev = dict(x_ev)
        x_ev.setdefault("note", "auditor's answer unknown; the extractor's answer is used")
        return x, [x_ev]
    out = []
    if auditor_field:
        out.append(ev(AUDITOR, found or auditor_field, YesNo.UNKNOWN, note="not recorded by the auditor"))
    if extraction_key:
        out.append(ev(EXTRACTION, extraction_key, None,
                      note="no letter text extracted" if extraction is None else "not found by the extractor"))
    return YesNo.UNKNOWN, out


def classify_sedative_text(text: str | None) -> set[str] | None:
    """Auditor's 'benzo / gabapentinoid' column -> {'bzd', 'gaba'} subset; None when unknown.

    'N'/'none' -> empty set; 'Y' without a drug class -> None (unknown which class).
    """
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    found = set()
    if _BZD_TEXT.search(s):
        found.add("bzd")
    if _GABA_TEXT.search(s):
        found.add("gaba")
    if found:
        return found
    yn = parse_yesno(s)
    if yn is YesNo.NO:
        return set()
    return None


def mentions_codeine(text: str | None) -> bool | None:
    if text is None or not str(text).strip():
        return None
    return bool(_CODEINE_TEXT.search(str(text)))


def is_codeine_item(item: dict) -> bool:
    return str(item.get("generic") or "").lower() == "codeine"


def is_ost_item(item: dict) -> bool:
    generic = str(item.get("generic") or "").lower()
    brand = str(item.get("brand") or "").lower()
    if generic == "methadone" or brand in OST_BRANDS:
        return True
    if generic == "buprenorphine" and str(item.get("formulation") or "") != "patch":
        s = num(item.get("strength_mg"))
        return s is not None and s >= 2  # 2 mg / 8 mg SL are dependence strengths (pain: 0.2/0.4 mg)
    return False


def _parse_quantity(q: Any) -> tuple[float, str] | None:
    if q is None:
        return None
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)?", str(q))
    if not m:
        return None
    unit = (m.group(2) or "").lower()
    unit = {"tabs": "tablets", "tab": "tablets", "tablet": "tablets", "caps": "capsules", "cap": "capsules",
            "capsule": "capsules", "patch": "patches", "ml": "ml", "mls": "ml", "ampoule": "ampoules"}.get(unit, unit)
    return float(m.group(1)), unit


def patch_interval_days(item: dict) -> float | None:
    generic = str(item.get("generic") or "").lower()
    brand = str(item.get("brand") or "").lower()
    if generic == "fentanyl":
        return 3.0
    if generic == "buprenorphine":
        if brand == "transtec":
            return 4.0
        if brand == "hapoctasin":
            return 3.0
        s = num(item.get("strength_mcg_per_hour"))
        if s is None:
            return None
        return 7.0 if s <= 20 else 3.0  # 5-20 mcg/h are 7-day; 35-70 mcg/h are 72-96 h (3 days, conservative)
    return None


def supply_days(item: dict) -> tuple[float | None, str]:
    """Days of supply for one item: stated days, else quantity / max daily use. (days, how)."""
    stated = num(item.get("supply_days"))
    if stated is not None:
        return stated, "stated supply days"
    q = _parse_quantity(item.get("supply_quantity"))
    if q is None:
        return None, "no supply days or quantity stated"
    n, unit = q
    if str(item.get("formulation") or "") == "patch" or unit == "patches":
        interval = patch_interval_days(item)
        if interval is None:
            return None, "patch change interval unknown"
        return n * interval, f"{n:g} patches x {interval:g}-day change interval"
    if unit == "ampoules":
        return None, "ampoule quantities are not converted to days"
    dose = num(item.get("dose_mg_max"))
    strength = num(item.get("strength_mg"))
    freq = num(item.get("frequency_per_day_max"))
    if not dose or not strength or not freq:
        return None, "dose, strength or maximum frequency missing"
    units_per_dose = dose / strength  # tablets (or ml: strength is mg per ml)
    per_day = units_per_dose * freq
    if per_day <= 0 or n < 0:
        return None, "dose, strength or frequency not usable"
    days = n / per_day
    return days, f"{n:g} {unit or 'units'} / ({units_per_dose:g} per dose x {freq:g} a day)"


_TEXT_KEYS = ("generic", "brand", "formulation", "route", "supply_quantity", "text")


def _clean_item(item: dict) -> dict:
    """An extraction item with its enum/text fields as str or None (odd types never reach a rule)."""
    out = dict(item)
    for k in _TEXT_KEYS:
        v = out.get(k)
        if v is not None and not isinstance(v, str):
            out[k] = None
    for k in ("new_on_admission", "prn"):
        if out.get(k) not in (True, False, None):
            out[k] = None
    return out


@dataclass
class LetterFacts:
    record: AuditRecord
    extraction: dict | None
    text: str | None
    params: dict[str, Any]
    items: list[dict] = field(default_factory=list)
    opioid: str = "unknown"                      # 'yes' | 'no' | 'unknown'
    opioid_ev: list[dict] = field(default_factory=list)
    age: int | None = None
    age_ev: list[dict] = field(default_factory=list)
    exclusions: dict[str, list[dict]] = field(default_factory=dict)  # global exclusions found
    letter_new: str = "unknown"                  # 'new' | 'not_new' | 'unknown'
    new_ev: list[dict] = field(default_factory=list)

    @property
    def has_items(self) -> bool:
        return bool(self.items)

    # ---- per-item 'new' status -----------------------------------------------------------------
    def item_new(self, i: int) -> tuple[str, list[dict]]:
        item = self.items[i]
        a, found = auditor_answer(self.record, "new_opioid")
        v = item.get("new_on_admission")
        if a is YesNo.NO:
            return "not_new", [ev(AUDITOR, found or "new_opioid", a, note="auditor: not a new opioid")]
        if a is YesNo.YES and (len(self.items) == 1 or v is None):
            return "new", [ev(AUDITOR, found or "new_opioid", a)]
        if v is True:
            return "new", [item_evidence(i, item, "new_on_admission", True)]
        if v is False:
            return "not_new", [item_evidence(i, item, "new_on_admission", False,
                                             note="pre-existing opioid continued: treated as LTOT unchanged")]
        if self.params.get("assume_new_when_unknown", True):
            return "new", [item_evidence(i, item, "new_on_admission", None,
                                         note="new or pre-existing not stated; counted as new (assume_new_when_unknown)")]
        return "unknown", [item_evidence(i, item, "new_on_admission", None, note="new or pre-existing not stated")]


def build_facts(record: AuditRecord, extraction: dict | None, params: dict[str, Any],
                text: str | None = None) -> LetterFacts:
    text = text if text is not None else record.letter_text
    f = LetterFacts(record=record, extraction=extraction, text=text if isinstance(text, str) else None,
                    params=params)
    if extraction is not None:
        raw_items = extraction.get("opioids")
        f.items = [_clean_item(o) for o in (raw_items if isinstance(raw_items, list) else []) if isinstance(o, dict)]

    # -- opioid on the letter
    a = record.opioid_prescribed
    if a is not YesNo.UNKNOWN:
        f.opioid = "yes" if a is YesNo.YES else "no"
        f.opioid_ev = [ev(AUDITOR, "opioid_prescribed", a)]
        if a is YesNo.NO and f.items:
            f.opioid_ev.append(ev(EXTRACTION, "opioids", len(f.items),
                                  note="extractor found opioid(s); the auditor's 'no' is the audit's record"))
            f.items = []
    elif extraction is not None:
        f.opioid = "yes" if f.items else "no"
        f.opioid_ev = [ev(EXTRACTION, "opioids", len(f.items), note="auditor's answer unknown; extractor used")]
    elif any(getattr(record, k) is not YesNo.UNKNOWN for k in ("weaning_plan", "gp_action", "indication", "new_opioid")):
        k = next(k for k in ("weaning_plan", "gp_action", "indication", "new_opioid") if getattr(record, k) is not YesNo.UNKNOWN)
        f.opioid = "yes"
        f.opioid_ev = [ev(AUDITOR, k, getattr(record, k),
                          note="'opioid prescribed' blank but the auditor answered an opioid question")]
    elif record.drug and parse_yesno(record.drug) is not YesNo.NO and str(record.drug).strip() not in ("-", "?", "n/a", "N/A"):
        f.opioid = "yes"
        f.opioid_ev = [ev(AUDITOR, "drug", record.drug, note="'opioid prescribed' blank but a drug is recorded")]
    else:
        f.opioid = "unknown"
        f.opioid_ev = [ev(AUDITOR, "opioid_prescribed", YesNo.UNKNOWN, note="not recorded and no letter text")]

    # -- age
    if record.age is not None and num(record.age) is not None:
        f.age = int(num(record.age))
        f.age_ev = [ev(AUDITOR, "age", f.age)]
    elif extraction is not None and num(extraction.get("patient_age")) is not None:
        f.age = int(num(extraction.get("patient_age")))
        f.age_ev = [ev(EXTRACTION, "patient_age", f.age)]

    # -- global exclusions (need positive evidence)
    for code, afield, xkey in (("PALL", "palliative", "palliative"), ("CANCER", "cancer_pain", "cancer_pain")):
        ans, evid = combine_answer(record, extraction, afield, xkey)
        if ans is YesNo.YES:
            f.exclusions[code] = evid
        elif code == "PALL" and ans is YesNo.UNKNOWN and extraction and extraction.get("scenario") == "palliative":
            f.exclusions[code] = [ev(EXTRACTION, "scenario", "palliative")]
    ost_ev = []
    for i, item in enumerate(f.items):
        if is_ost_item(item):
            ost_ev.append(item_evidence(i, item, "generic", item.get("generic"),
                                        note="opioid substitution therapy product"))
    if record.drug and _OST_TEXT.search(str(record.drug)):
        ost_ev.append(ev(AUDITOR, "drug", record.drug, note="opioid substitution therapy product named"))
    ost_a, ost_found = auditor_answer(record, "ost")
    if ost_a is YesNo.YES:
        ost_ev.insert(0, ev(AUDITOR, ost_found or "ost", ost_a))
    if ost_ev and ost_a is not YesNo.NO:
        f.exclusions["OST"] = ost_ev
    for code, key, words in (("DIED", "died", ("died", "deceased", "death")),
                             ("TRANSFER", "transferred", ("transfer",))):
        ans, found = auditor_answer(record, key)
        if ans is YesNo.YES:
            f.exclusions[code] = [ev(AUDITOR, found or key, ans)]
            continue
        for src, holder, label in ((AUDITOR, {(_norm_key(k)): v for k, v in (record.extra or {}).items()}, "extra."),
                                   (EXTRACTION, extraction or {}, "")):
            dest = holder.get("discharge_destination")
            if dest and any(w in str(dest).lower() for w in words):
                f.exclusions[code] = [ev(src, f"{label}discharge_destination", dest)]
                break

    # -- new opioid (letter level)
    a, found = auditor_answer(record, "new_opioid")
    if a is not YesNo.UNKNOWN:
        f.letter_new = "new" if a is YesNo.YES else "not_new"
        f.new_ev = [ev(AUDITOR, found or "new_opioid", a)]
    elif f.items:
        states = [it.get("new_on_admission") for it in f.items]
        if any(s is True for s in states):
            i = states.index(True)
            f.letter_new, f.new_ev = "new", [item_evidence(i, f.items[i], "new_on_admission", True)]
        elif all(s is False for s in states):
            f.letter_new = "not_new"
            f.new_ev = [item_evidence(i, it, "new_on_admission", False,
                                      note="pre-existing opioid continued: treated as LTOT unchanged")
                        for i, it in enumerate(f.items)]
    if f.letter_new == "unknown" and f.opioid == "yes":
        if params.get("assume_new_when_unknown", True):
            f.letter_new = "new"
            f.new_ev = [ev(DERIVED, "new_opioid", None,
                           note="new or pre-existing not recorded; counted as new (assume_new_when_unknown)")]
        else:
            f.new_ev = [ev(AUDITOR, "new_opioid", YesNo.UNKNOWN, note="new or pre-existing not recorded")]
    return f


def total_ome(facts: LetterFacts) -> tuple[float | None, bool, list[dict]]:
    """Total discharge OME mg/day: (value or lower bound, complete?, evidence).

    Auditor's figure first; else the extractor's total; else the sum of item OMEs (methadone
    is flagged, not summed). ``complete`` is False when some item's OME is unknown (the value is
    then a lower bound).
    """
    r, x = facts.record, facts.extraction
    if num(r.ome_mg_per_day) is not None:
        return num(r.ome_mg_per_day), True, [ev(AUDITOR, "ome_mg_per_day", num(r.ome_mg_per_day))]
    if x is not None and num(x.get("ome_total_mg_per_day")) is not None:
        return num(x["ome_total_mg_per_day"]), True, [ev(EXTRACTION, "ome_total_mg_per_day", num(x["ome_total_mg_per_day"]))]
    if facts.items:
        total, complete, evid = 0.0, True, []
        for i, it in enumerate(facts.items):
            if str(it.get("generic") or "").lower() == "methadone":
                evid.append(item_evidence(i, it, "generic", "methadone", note="methadone flagged, not summed"))
                continue
            o = num(it.get("ome_mg_per_day"))
            if o is None:
                complete = False
                evid.append(item_evidence(i, it, "ome_mg_per_day", None, note="OME unknown"))
            else:
                total += o
                evid.append(item_evidence(i, it, "ome_mg_per_day", o))
        return total, complete, evid
    return None, False, [ev(AUDITOR, "ome_mg_per_day", None, note="no OME recorded and no letter text")]
