"""The one lexicon of drug classes the audit asks about, and where a letter names them.

``data/drug_classes.csv`` (name, class, generic, notes) lists benzodiazepines, Z-drugs, gabapentinoids,
laxatives, naloxone, SSRIs, SNRIs, tricyclics and other serotonergic drugs, QT-prolonging drugs (for methadone),
paracetamol and paracetamol-containing co-analgesics, strong/weak opioids, and the non-opioid drugs the extractor
needs to know are *not* opioids. A drug with two classes (citalopram: SSRI and QT-prolonging) has two rows.
Opioid brands are not repeated here: ``classes_of`` resolves them through the opioid lexicon (``nlp.lexicon``).

    classes_of("Zomorph")          -> {"opioid", "strong_opioid"}
    classes_of("citalopram")       -> {"ssri", "qt_prolonging"}
    names_in("benzodiazepine")     -> every spelling in the class (generics, brands, class words)
    find_class_mentions(text)      -> [ClassMention(drug, drug_class, classes, span, status, ...)]

``status`` of a mention: ``active`` (on the discharge list, or prescribed/continued in the text), ``stopped``,
``negated`` ("no laxative on discharge", "senna: not required"), ``allergy``, ``historical`` (past history,
pre-admission list, given in hospital only, family), or ``mentioned`` (named in a plan or in prose with no
evidence either way). Phrase classes for the status live in ``data/letter_rules.json``.
"""
from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

DATA_DIR = Path(__file__).resolve().parent / "data"
_I = re.IGNORECASE

STATUSES = ("active", "stopped", "negated", "allergy", "historical", "mentioned")
OPIOID_CLASSES = frozenset({"opioid", "strong_opioid", "weak_opioid", "paracetamol_combination", "opioid_substitution"})
# Classes of a product, not of its generic: codeine is not a paracetamol product, BuTrans is not substitution therapy.
PRODUCT_CLASSES = frozenset({"paracetamol_combination", "opioid_substitution"})
# Categories the drug matcher (nlp.lexicon / nlp.prescriptions) treats specially; every other class is
# matched as "non_opioid" so that advice about it is never read as advice about an opioid.
MATCHER_CATEGORIES = ("benzodiazepine", "z_drug", "gabapentinoid", "naloxone", "loperamide", "inpatient_opioid")
# Classes reported as co-prescriptions on LetterExtraction (active mentions only).
CO_PRESCRIPTION_CLASSES = ("benzodiazepine", "z_drug", "gabapentinoid", "laxative", "naloxone", "ssri", "snri",
                           "tricyclic", "serotonergic", "qt_prolonging", "paracetamol")
JUSTIFIED_CLASSES = ("benzodiazepine", "z_drug", "gabapentinoid")
# When a drug has several classes, the first of these names it (citalopram -> ssri, then qt_prolonging).
_CLASS_PRIORITY = ("benzodiazepine", "z_drug", "gabapentinoid", "naloxone", "laxative", "ssri", "snri", "tricyclic",
                   "serotonergic", "paracetamol", "paracetamol_combination", "opioid_substitution", "strong_opioid",
                   "weak_opioid",
                   "qt_prolonging", "loperamide", "inpatient_opioid", "nsaid", "other")


@dataclass(frozen=True)
class ClassRow:
    name: str
    drug_class: str
    generic: str
    notes: str


@dataclass(frozen=True)
class ClassMention:
    """One place where a letter names a drug of an audited class."""

    drug: str  # generic name (or the class word itself: "laxatives" -> "laxative")
    drug_class: str  # the drug's first class by _CLASS_PRIORITY
    span: tuple[int, int]
    status: str  # one of STATUSES
    text: str = ""  # the name as written
    classes: tuple[str, ...] = ()
    statement: tuple[int, int] | None = None  # the stretch of text read for the status

    @property
    def active(self) -> bool:
        return self.status == "active"


# ------------------------------------------------------------------------------------------------------------
# loading
# ------------------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def class_rows() -> tuple[ClassRow, ...]:
    """Rows of data/drug_classes.csv (cached). A malformed row names the file and line."""
    path = DATA_DIR / "drug_classes.csv"
    out = []
    with path.open(encoding="utf-8") as fh:
        for lineno, r in enumerate(csv.DictReader(fh), start=2):
            name, cls, generic = (r.get("name") or "").strip(), (r.get("class") or "").strip(), (r.get("generic") or "").strip()
            if not name or not cls or not generic:
                raise ValueError(f"{path.name} line {lineno}: name, class and generic are required")
            out.append(ClassRow(name, cls, generic, (r.get("notes") or "").strip()))
    return tuple(out)


@lru_cache(maxsize=1)
def letter_rules() -> dict:
    with (DATA_DIR / "letter_rules.json").open(encoding="utf-8") as fh:
        return json.load(fh)


def alternation(patterns: Iterable[str]) -> str:
    """One regex source for a phrase class (a list of patterns from letter_rules.json)."""
    return "|".join(f"(?:{p})" for p in patterns)


def phrase_regex(patterns: Iterable[str] | None) -> re.Pattern | None:
    """A phrase class compiled case-insensitively (None for an empty or missing class)."""
    return _phrase_regex(tuple(patterns or ()))


@lru_cache(maxsize=256)
def _phrase_regex(patterns: tuple[str, ...]) -> re.Pattern | None:
    # phrase classes are asked for per letter: joined and compiled once (re's own cache is small and shared)
    return re.compile(alternation(patterns), _I) if patterns else None


_alt = phrase_regex  # short name inside this module


@dataclass
class _Rules:
    negated_before: re.Pattern
    negated_after: re.Pattern
    stopped: re.Pattern
    stopped_not: re.Pattern
    switched_from: re.Pattern
    active_cue: re.Pattern
    changed_tag: re.Pattern
    part_of_opioid: re.Pattern
    historical: re.Pattern
    supplied: re.Pattern
    justification: re.Pattern
    by_name: dict = field(default_factory=dict)  # lower name -> ordered classes
    generic_of: dict = field(default_factory=dict)  # lower name -> generic
    by_generic: dict = field(default_factory=dict)  # generic -> ordered classes


def _ordered(classes: Iterable[str]) -> tuple[str, ...]:
    s = set(classes)
    known = [c for c in _CLASS_PRIORITY if c in s]
    return tuple(known + sorted(s - set(known)))


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    st = letter_rules()["class_status"]
    r = _Rules(
        negated_before=_alt(st["negated_before"]), negated_after=_alt(st["negated_after"]),
        stopped=_alt(st["stopped"]), stopped_not=_alt(st["stopped_not"]), switched_from=_alt(st["switched_from"]),
        active_cue=_alt(st["active_cue"]), changed_tag=_alt(st["changed_tag"]), part_of_opioid=_alt(st["part_of_opioid"]), historical=_alt(st["historical"]),
        supplied=_alt(st["supplied"]),
        justification=_alt(letter_rules()["justification"]),
    )
    by_name: dict[str, set] = {}
    by_generic: dict[str, set] = {}
    for row in class_rows():
        by_name.setdefault(row.name.lower(), set()).add(row.drug_class)
        by_generic.setdefault(row.generic.lower(), set()).add(row.drug_class)
        r.generic_of.setdefault(row.name.lower(), row.generic)
    # a brand or spelling carries every class of its generic (Cipramil -> ssri and qt_prolonging)
    for name, cls in by_name.items():
        if not cls & PRODUCT_CLASSES:  # a generic inherits no product class (codeine is not co-codamol)
            cls |= by_generic.get(r.generic_of[name].lower(), set()) - PRODUCT_CLASSES
    r.by_name = {k: _ordered(v) for k, v in by_name.items()}
    r.by_generic = {k: _ordered(v) for k, v in by_generic.items()}
    return r


def matcher_terms() -> list[tuple[str, str, str]]:
    """(name, matcher category, generic) for the drug matcher, opioid products left to the opioid lexicon."""
    out = []
    for row in class_rows():
        if row.drug_class in OPIOID_CLASSES:
            continue
        classes = _rules().by_name[row.name.lower()]
        if any(c in OPIOID_CLASSES for c in classes):
            continue
        category = next((c for c in classes if c in MATCHER_CATEGORIES), "non_opioid")
        item = (row.name, category, row.generic)
        if item not in out:
            out.append(item)
    return out


# ------------------------------------------------------------------------------------------------------------
# asking the lexicon
# ------------------------------------------------------------------------------------------------------------
def _opioid_classes(name: str) -> tuple[str, set[str]] | None:
    """(generic, classes) when the opioid lexicon knows the name (brands, aliases, co-codamol 30/500)."""
    from nlp.lexicon import load_lexicon  # the opioid lexicon reads this module's matcher terms

    lex = load_lexicon()
    terms = [t for t in lex.lookup(name) if t.category == "opioid"]
    if not terms:
        found = list(lex.iter_matches(name))
        if found and found[0][0] == 0:
            terms = [t for t in lex.lookup(found[0][2]) if t.category == "opioid"]
    if not terms:
        return None
    t = terms[0]
    cls = {"opioid"} | set(_rules().by_generic.get(t.generic, ())) - PRODUCT_CLASSES
    for n in filter(None, (name, t.text, t.brand)):
        cls |= set(_rules().by_name.get(n.lower(), ())) & PRODUCT_CLASSES
    if t.formulation == "combination" and any(n.lower().startswith(p.lower()) for n in (name,)
                                              for p in names_in("paracetamol_combination")):
        cls.add("paracetamol_combination")
    return t.generic, cls


@lru_cache(maxsize=4096)
def _classes_cached(key: str) -> tuple[str, ...]:
    r = _rules()
    low = key.lower()
    cls = set(r.by_name.get(low, ())) or set(r.by_generic.get(low, ()))
    op = _opioid_classes(key)
    if op is not None:
        cls |= op[1]
    elif not cls:
        cls = {c for n, cs in r.by_name.items() if low.startswith(n + " ") for c in cs}
    return _ordered(cls)


def classes_of(name: str | None) -> set[str]:
    """Every class of a drug name, brand, spelling or class word ("Lyrica" -> {"gabapentinoid"},
    "co-codamol 30/500" -> {"opioid", "weak_opioid", "paracetamol_combination"}); empty when unknown."""
    if not name or not str(name).strip():
        return set()
    return set(_classes_cached(str(name).strip()))


def generic_of(name: str) -> str | None:
    """Generic of a class-lexicon name or opioid product; None when unknown."""
    low = name.strip().lower()
    g = _rules().generic_of.get(low)
    if g:
        return g
    op = _opioid_classes(name.strip())
    return op[0] if op else None


@lru_cache(maxsize=64)
def _names_in(drug_class: str) -> frozenset[str]:
    return frozenset(row.name.lower() for row in class_rows() if row.drug_class == drug_class) | \
        frozenset(n for n, cs in _rules().by_name.items() if drug_class in cs)


def names_in(drug_class: str) -> set[str]:
    """Every spelling (lower case) listed in a class: generics, brands and class words."""
    return set(_names_in(drug_class))


def generics_in(drug_class: str) -> set[str]:
    """Generic names in a class ('strong_opioid' -> {'morphine', 'oxycodone', ...})."""
    return {row.generic for row in class_rows() if row.drug_class == drug_class and row.generic != drug_class}


def text_names_class(text: str | None, drug_class: str) -> bool | None:
    """Whether free text (an auditor's cell such as 'diazepam 2mg', 'Y - benzo') names a drug of the class;
    None for blank text. Matches spellings from the lexicon, not letter context (use find_class_mentions)."""
    if text is None or not str(text).strip():
        return None
    from nlp.lexicon import load_lexicon

    for _s, _e, surface in load_lexicon().iter_matches(str(text)):
        if drug_class in classes_of(surface):
            return True
    return False


# ------------------------------------------------------------------------------------------------------------
# mentions in a letter
# ------------------------------------------------------------------------------------------------------------
_DOSE = re.compile(r"\d\s*(?:mg|micrograms?|mcg|ml|g|units?|tabs?|tablets?|caps?|capsules?|sachets?|supp\w*)\b|"
                   r"\b(?:one|two|1|2)\s+(?:tabs?|tablets?|caps?|capsules?|sachets?|puffs?|supp\w*)\b|"
                   r"\b(?:od|bd|tds|qds|nocte|mane|on|prn|once|twice|daily)\b", _I)
_COORD = re.compile(r"^\s*(?:,|and|&|/|or|\+)\s*$", _I)
_RE_REASON_KEPT_ON = re.compile(r"\b(?:controlled|managed|covered|settled|replaced)\s+(?:on|by|with)\s+(?:the\s+|regular\s+|plain\s+)?$", _I)
_SECTION_STATUS = {"allergy": "allergy", "stopped": "stopped", "history": "historical", "admission": "historical",
                   "family": "historical"}


def _text_of(text_or_doc) -> str:
    return text_or_doc if isinstance(text_or_doc, str) else getattr(text_or_doc, "text", str(text_or_doc))


def find_class_mentions(text_or_doc, classes: Iterable[str] | None = None, layout=None,
                        matches: Iterable[tuple[int, int, str]] | None = None) -> list[ClassMention]:
    """Mentions of audited drug classes with their status, in letter order.

    ``classes``: which classes to report (default: every class except opioids and 'other').
    ``layout`` / ``matches`` (a LetterLayout and lexicon matches (start, end, surface)) may be passed when
    already computed for the letter."""
    from nlp.context import LetterLayout, cue
    from nlp.lexicon import load_lexicon

    text = _text_of(text_or_doc)
    if not text:
        return []
    want = set(classes) if classes is not None else None
    layout = layout or LetterLayout(text)
    if matches is None:
        matches = load_lexicon().iter_matches(text)
    all_matches = sorted(matches)
    r = _rules()
    picked = []
    for i, (s, e, surface) in enumerate(all_matches):
        cls = _classes_cached(surface.strip())
        if not cls:
            continue
        if want is None:
            if all(c in OPIOID_CLASSES or c in ("other", "nsaid") for c in cls):
                continue
        elif not want.intersection(cls):
            continue
        picked.append((i, s, e, surface, cls))
    out: list[ClassMention] = []
    for i, s, e, surface, cls in picked:
        if "naloxone" in cls and r.part_of_opioid.search(text[max(0, s - 25):s]):
            continue  # oxycodone/naloxone (Targinact) is an opioid product, not a naloxone supply
        st_s, st_e, before, after = _statement(layout, all_matches, i)
        status = _status(layout, text, s, e, st_s, st_e, before, after, r, cue)
        if status in ("active", "mentioned") and i + 1 < len(all_matches) and _COORD.match(after):
            # "lorazepam and diazepam stopped": a coordinated drug shares the status of the next one
            nxt = _statement(layout, all_matches, i + 1)
            ns, ne = all_matches[i + 1][0], all_matches[i + 1][1]
            status = _status(layout, text, ns, ne, nxt[0], nxt[1], before, nxt[3], r, cue)
        generic = r.generic_of.get(surface.strip().lower()) or generic_of(surface) or surface.lower()
        primary = next((c for c in cls if want is None or c in want), cls[0])
        out.append(ClassMention(generic, primary, (s, e), status, surface, cls, (st_s, st_e)))
    return out


# Misspelt names of the audited co-prescription classes ("Pregablin 75mg bd") are read with the opioid names' safety
# rules (data/fuzzy_rules.json): a word of min_length letters or more, not a lexicon term nor a never_fuzzy word,
# starting with the same two letters as a generic of the class, within max_distance edits of it (optimal string
# alignment) and just before a dose figure. Only generics take part: brands are often ordinary words ("Lyrica").
FUZZY_CLASSES = ("benzodiazepine", "z_drug", "gabapentinoid")
_RE_FUZZY_DOSE = re.compile(r"\d\s*(?:mg|mcg|micro|\u00b5g|ml|tab|cap|/\s*\d)", _I)
_RE_FUZZY_DOSE_FOLDED = re.compile(r"\d\s*(?:mg|mcg|micro|[\u00b5\u03bc]g|ml|tab|cap|/\s*\d)")  # on folded text


@lru_cache(maxsize=1)
def _fuzzy_targets() -> tuple[dict, dict]:
    from nlp.rules import json_rules

    fz = json_rules("fuzzy_rules.json")
    index: dict[tuple[str, int], list[str]] = {}
    for row in class_rows():
        name = row.name.lower()
        if row.drug_class in FUZZY_CLASSES and name == row.generic.lower() and re.fullmatch(r"[a-z]+", name) \
                and len(name) >= fz["min_length"]:
            index.setdefault((name[:2], len(name)), []).append(name)
    return index, {"min_length": fz["min_length"], "max_distance": fz["max_distance"],
                   "never": frozenset(w.lower() for w in fz["never_fuzzy"])}


@lru_cache(maxsize=1)
def _fuzzy_word_rx() -> re.Pattern | None:
    """Words of six letters or more that start like a generic of the classes (the only ones worth a distance)."""
    index, _ = _fuzzy_targets()
    prefixes = sorted({k[0] for k in index})
    if not prefixes:
        return None
    return re.compile(r"\b(?:" + "|".join(map(re.escape, prefixes)) + r")[a-z-]{3,}[a-z]\b")  # on folded text


def fuzzy_class_matches(text: str, taken: Iterable[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """(start, end, generic) of misspelt names of FUZZY_CLASSES just before a dose figure, outside ``taken``."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    from nlp.lexicon import load_lexicon
    from nlp.rules import fold_case

    index, rules = _fuzzy_targets()
    words = _fuzzy_word_rx()
    if not index or words is None:
        return []
    folded = fold_case(text)  # (same offsets; a case-insensitive scan is several times slower)
    doses = [f.start() for f in (_RE_FUZZY_DOSE_FOLDED.finditer(folded) if folded is not None
                                 else _RE_FUZZY_DOSE.finditer(text))]
    if not doses:
        return []
    taken = sorted(taken)
    terms = load_lexicon().terms
    scan, read = (words, folded) if folded is not None else (re.compile(words.pattern, _I), text)
    d = rules["max_distance"]
    out, seen = [], set()
    for f in doses:  # only the 40 characters before each dose figure can hold the name
        for m in scan.finditer(read, max(0, f - 40), f):
            s, e = m.span()
            low = m.group().lower()
            if s in seen or len(low) < rules["min_length"] or low in terms or low in rules["never"] or \
                    any(a < e and s < b for a, b in taken):
                continue
            seen.add(s)
            cands = [c for n in range(len(low) - d, len(low) + d + 1) for c in index.get((low[:2], n), ())]
            best = process.extractOne(low, cands, scorer=OSA.distance, score_cutoff=d) if cands else None
            if best:
                out.append((s, e, best[0]))
    return out


def _statement(layout, matches, i: int) -> tuple[int, int, str, str]:
    """The stretch of text owned by match i: its table row (or cell when the row names other drugs), else its
    clause cut at the neighbouring drug names. Returns (start, end, text before the name, text after it)."""
    text = layout.text
    s, e = matches[i][0], matches[i][1]
    ls, le = layout.line_bounds(s)
    line = text[ls:le] if le - ls < 2000 else ""  # a row of a table is never this long
    if "|" in line or "\t" in line:
        others = [m for m in matches[max(0, i - 30):i + 30] if ls <= m[0] < le and m[0] != s]
        if not others:
            cs, ce = ls, le
        else:
            sep = "|" if "|" in line else "\t"
            a, b = text.rfind(sep, ls, s), text.find(sep, e, le)
            cs, ce = (a + 1 if a >= 0 else ls), (b if b >= 0 else le)
            # the row's trailing cells (status, comments) still belong to the first drug of the row
            if all(m[0] > s for m in others):
                ce = min([m[0] for m in others] + [le])
                ce = text.rfind(sep, ls, ce) if text.rfind(sep, e, ce) >= 0 else ce
                ce = max(ce, b if b >= 0 else le)
    else:
        cs, ce = layout.clause_bounds(s)
    mine = _same_drug_key(matches[i][2])
    # neighbours are walked outwards only (a letter naming 500 drugs stays linear); a brand in brackets after its
    # generic ("naloxone (Prenoxad) supplied") stays in the same statement
    cs, ce = max(cs, s - 300), min(ce, e + 300)  # a statement is a line or clause, never a whole page
    prev_end = cs
    for j in range(i - 1, max(-1, i - 20), -1):
        if matches[j][1] <= cs:
            break
        if matches[j][1] <= s and _same_drug_key(matches[j][2]) != mine:
            prev_end = matches[j][1]
            break
    next_start = ce
    for j in range(i + 1, min(len(matches), i + 20)):
        if matches[j][0] >= ce:
            break
        if matches[j][0] >= e and _same_drug_key(matches[j][2]) != mine:
            next_start = matches[j][0]
            break
    return prev_end, next_start, text[prev_end:s], text[e:next_start]


def _same_drug_key(surface: str) -> str:
    low = surface.strip().lower()
    return _rules().generic_of.get(low) or low


_RE_WITH_OWN = re.compile(r"\b(?:with|and|plus|alongside)\s+(?:her|his|their)\s+(?:usual\s+|regular\s+)?$", re.I)


def _kept_with(text: str, st_s: int, s: int, cue) -> bool:
    """'She had been taking co-dydramol ..., and we have kept that going, with her pregabalin 50mg twice daily as
    before': a drug joined to a past use the team kept going goes on too."""
    h = cue("historical", text[st_s:s])
    keep = cue("discharge_positive", text[st_s + h.end():s]) if h else None
    return keep is not None and bool(_RE_WITH_OWN.search(text, max(st_s, s - 30), s))


def _status(layout, text, s, e, st_s, st_e, before, after, r: _Rules, cue) -> str:
    kind = layout.section_kind(s)
    stmt = text[st_s:st_e]
    if kind == "allergy" or cue("allergy", stmt):
        return "allergy"
    if r.negated_before.search(before[-60:]) or r.negated_after.search(after) or cue("other", before[-40:]):
        return "negated"
    if r.switched_from.search(before[-40:]):
        return "active" if kind not in _SECTION_STATUS else _SECTION_STATUS[kind]
    stop_text = r.stopped_not.sub(" ", stmt)
    if kind == "stopped" and _RE_REASON_KEPT_ON.search(before[-40:]):
        return "mentioned"  # a stop's reason names what the patient stays on ("... controlled on paracetamol")
    if r.stopped.search(stop_text):
        return "stopped"
    if kind in _SECTION_STATUS:
        return _SECTION_STATUS[kind]
    if cue("family", before[-40:]):
        return "historical"
    if (cue("historical", stmt) or cue("inpatient_only", text[max(st_s, s - 30):min(st_e, e + 30)]) or
            r.historical.search(stmt)) and not _kept_with(text, st_s, s, cue):
        return "historical"
    cs, _ce = layout.clause_bounds(s)
    cs = max(cs, s - 200)  # the list's lead-in ("she was taking ...") is near; bounded for very long lines
    if (cue("historical", text[cs:s]) or r.historical.search(text[cs:s])) and not r.active_cue.search(stmt) \
            and not _kept_with(text, min(cs, st_s), s, cue):
        return "historical"  # "she was taking co-codamol, pregabalin and diazepam" covers the whole list
    if kind == "discharge" or r.supplied.search(stmt):
        return "active"
    has_dose = bool(_DOSE.search(after[:60]))
    # a status tag after the name ("Lorazepam 0.5mg PRN [NEW]") is the drug's own; before it, another drug's
    cued = bool(r.active_cue.search(stmt) or r.changed_tag.search(after))
    if kind in ("plan", "gp", "changes", "other"):
        return "active" if cued and (has_dose or kind == "changes") else "mentioned"
    return "active" if has_dose or cued else "mentioned"


def justification(text: str, mentions: list[ClassMention], drug: str) -> tuple[str, tuple[int, int]] | None:
    """A stated reason for a co-prescribed drug ("diazepam for muscle spasm - short course"): the first
    statement about the drug (not stopped, negated or an allergy) that carries a reason phrase."""
    r = _rules()
    for m in mentions:
        if m.drug != drug or m.status in ("stopped", "negated", "allergy") or m.statement is None:
            continue
        e = max(m.statement[1], m.span[1])
        if r.justification.search(text, m.span[1], e):  # the reason follows the drug it belongs to
            snippet = text[m.span[0]:e].strip(" \t|,;.-")
            if snippet:
                k = text.find(snippet, m.span[0])
                return snippet, (k, k + len(snippet))
    return None
