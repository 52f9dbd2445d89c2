"""The one drug lexicon: rows of ``data/opioids.csv`` plus spelling aliases and co-prescription lists.

Everything that needs a drug name, a brand, a formulation or an OME factor reads it from here, so the app,
the extractor and the evaluator agree. ``load_lexicon()`` is cached; the match regex is compiled once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from typing import Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from nlp.drug_classes import matcher_terms
from nlp.rules import WordListPattern, csv_records, json_rules, trie_alternation as _trie_regex

OPIOID_GENERICS_NON_PAIN = {"pregabalin"}  # non-opioid rows kept in opioids.csv only to stop mis-mapping

# Brands that are also ordinary words or surnames: matched only with the capitalisation of the lexicon.
CASE_SENSITIVE_TERMS = {"Turgeon", "Aceon", "Migraine Relief", "Marol", "Maneo", "Syndol", "Candox", "Galake",
                        "Paramol", "Codis 500", "DHC", "MST", "Norco", "Marol"}


@dataclass(frozen=True)
class LexiconRow:
    """One row of opioids.csv."""

    name: str
    generic: str
    kind: str  # generic | brand
    formulation: str  # IR, MR, liquid, injection, patch, combination, unknown
    route: str
    ome_factor: float | None
    factor_unit: str
    notes: str
    source: str


@dataclass(frozen=True)
class Term:
    """A string that names a drug in letters, with what it means."""

    text: str
    generic: str
    category: str  # opioid | benzodiazepine | z_drug | gabapentinoid | naloxone | loperamide | inpatient_opioid | non_opioid
    brand: str | None = None  # canonical brand (csv name) when the term names one
    formulation: str | None = None  # fixed formulation (brand rows, co-codamol...) or None: resolve from text
    row: LexiconRow | None = None
    resolvable: bool = True  # brand rows whose dosage form must be resolved from the text (OxyNorm liquid...)


@dataclass
class Lexicon:
    rows: list[LexiconRow]
    terms: dict[str, list[Term]] = field(default_factory=dict)  # lower-cased text -> terms
    case_terms: dict[str, list[Term]] = field(default_factory=dict)  # exact text -> terms (case sensitive)
    regex: WordListPattern | None = None  # the lower-case names (case-insensitive)
    case_regex: re.Pattern | None = None
    # a capitals-only abbreviation written in other case ("mst 10mg bd", "Dhc 30mg") is the drug only before a figure
    figure_regex: re.Pattern | None = None
    fuzzy_index: dict = field(default_factory=dict)  # (first letter, length) -> lexicon keys
    fuzzy_cache: dict = field(default_factory=dict)  # word -> key or None (bounded)
    fuzzy_prefixes: frozenset = frozenset()  # first two letters of the fuzzy targets

    # --- lookups -------------------------------------------------------------------------------------------
    def lookup(self, matched: str) -> list[Term]:
        hit = self.case_terms.get(matched) or self.terms.get(matched.lower())
        if not hit and matched.isalpha() and matched.upper() in self.case_terms:
            hit = self.case_terms[matched.upper()]  # "mst" found by figure_regex before a figure
        return hit or []

    def brand_row(self, brand: str) -> LexiconRow | None:
        index = self.__dict__.get("_brand_index")
        if index is None or index[0] != len(self.rows):  # built once (rows are fixed after loading)
            by_name: dict[str, LexiconRow] = {}
            for r in self.rows:
                if r.kind == "brand":
                    by_name.setdefault(r.name, r)  # the first row of a name, as the scan did
            index = self.__dict__["_brand_index"] = (len(self.rows), by_name)
        return index[1].get(brand)

    @property
    def opioid_generics(self) -> set[str]:
        return {r.generic for r in self.rows if r.generic not in OPIOID_GENERICS_NON_PAIN}

    def factor(self, generic: str, form_class: str) -> tuple[float | None, LexiconRow | None]:
        """OME factor of the generic row for a form class (oral, injection, patch, sublingual, buccal, nasal, rectal)."""
        for r in self.rows:
            if r.kind == "generic" and r.generic == generic and form_class_of(r.formulation, r.route) == form_class:
                return r.ome_factor, r
        return None, None

    def iter_matches(self, text: str) -> Iterable[tuple[int, int, str]]:
        """(start, end, matched text) of every lexicon term, longest match, left to right, no overlaps."""
        found = [(m.start(), m.end(), text[m.start():m.end()]) for m in self.regex.finditer(text)]
        if self.case_regex is not None:
            found += [(m.start(), m.end(), m.group(0)) for m in self.case_regex.finditer(text)]
            if self.figure_regex is not None:
                found += [(m.start(), m.end(), m.group(0)) for m in self.figure_regex.finditer(text)
                          if m.group(0) not in self.case_terms]
            found.sort(key=lambda x: (x[0], -(x[1] - x[0])))
            out, last = [], -1
            for s, e, t in found:
                if s >= last:
                    out.append((s, e, t))
                    last = e
            return out
        return found


    def fuzzy_key(self, word: str) -> str | None:
        """The lexicon key a misspelt word stands for ("tramdol" -> "tramadol"), or None."""
        low = word.lower()
        hit = self.fuzzy_cache.get(low, "")
        if hit != "":
            return hit
        rules = _fuzzy_rules()
        key = None
        if len(low) >= rules["min_length"] and low not in self.terms and low not in rules["never_fuzzy"]:
            cands = []
            for n in range(len(low) - rules["max_distance"], len(low) + rules["max_distance"] + 1):
                cands.extend(self.fuzzy_index.get((low[:2], n), ()))
            if cands:
                best = process.extractOne(low, cands, scorer=OSA.distance, score_cutoff=rules["max_distance"])
                key = best[0] if best else None
            if key is None:
                key = self._ocr_key(low, rules.get("ocr_confusions", ()))
            if key is None and (lw := rules.get("long_words")) and len(low) >= lw["min_length"]:
                # a long name two slips away, its first letters intact ("Oxycodeine" for oxycodone)
                d, p = lw["max_distance"], lw["same_prefix"]
                cands = [c for n in range(len(low) - d, len(low) + d + 1) for c in self.fuzzy_index.get((low[:2], n), ())
                         if c[:p] == low[:p] and len(c) >= lw["min_length"]]
                best = process.extractOne(low, cands, scorer=OSA.distance, score_cutoff=d) if cands else None
                key = best[0] if best else None
        if len(self.fuzzy_cache) > 50_000:
            self.fuzzy_cache.clear()
        self.fuzzy_cache[low] = key
        return key

    def _ocr_key(self, low: str, confusions) -> str | None:
        """The fuzzy target a word becomes when one OCR confusion in it is undone ("co-dydrarnol" -> "co-dydramol")."""
        for written, meant in confusions:
            i = low.find(written)
            while i >= 0:
                variant = low[:i] + meant + low[i + len(written):]
                if variant in self.fuzzy_index.get((variant[:2], len(variant)), ()):  # (its keys are lexicon terms)
                    return variant
                i = low.find(written, i + 1)
        return None

    def _confused_prefix(self, head: str) -> bool:
        """Whether undoing one confusion in a word's first letters gives an opioid's first two ("Dyhydro-" -> "di")."""
        for written, meant in _fuzzy_rules().get("ocr_confusions", ()):
            i = head.find(written)
            if 0 <= i < 2 and (head[:i] + meant + head[i + len(written):])[:2] in self.fuzzy_prefixes:
                return True
        return False

    def fuzzy_matches(self, text: str, taken: list[tuple[int, int]]) -> list[tuple[int, int, str, str]]:
        """(start, end, written word, lexicon key) of misspelt drug names outside the exact matches ``taken``."""
        out = []
        k = 0
        taken = sorted(taken)
        prefixes = self.fuzzy_prefixes
        if not prefixes:
            return out
        # only words just before a dose figure ("tramdol 50mg", "Oramorh 10mg/5ml", "Bupranorphine 5 micrograms")
        # can start a prescription; looking at no other word keeps the pass cheap on long letters. Slips rarely
        # hit the first two letters, so a word must begin like an opioid name.
        seen = set()
        for f in _RE_DOSE_FIGURE.finditer(text):
            a = max(0, f.start() - 40)
            for m in _RE_LONG_WORD.finditer(text, a, f.start()):
                s, e = m.span()
                w = m.group()
                if s in seen or (w[:2].lower() not in prefixes and not self._confused_prefix(w[:3].lower())):
                    continue
                seen.add(s)
                while k < len(taken) and taken[k][1] <= s:
                    k += 1
                if k < len(taken) and taken[k][0] < e:
                    continue
                key = self.fuzzy_key(w)
                if key is not None:
                    out.append((s, e, w, key))
        return out


_RE_LONG_WORD = re.compile(r"\b[A-Za-z][A-Za-z-]{4,}[A-Za-z]\b")
_RE_DOSE_FIGURE = re.compile(r"\d\s*(?:mg|mcg|micro|µg|ml|tab|cap|patch|sachet|/\s*\d|%)", re.IGNORECASE)


def _fuzzy_rules() -> dict:
    r = json_rules("fuzzy_rules.json")
    if "_never" not in r:
        r["_never"] = True
        r["never_fuzzy"] = frozenset(w.lower() for w in r["never_fuzzy"])
    return r


def form_class_of(formulation: str, route: str) -> str:
    """Form class used to choose an OME factor: patch, sublingual, buccal, nasal, oromucosal, rectal, injection, oral."""
    route = (route or "").lower()
    if formulation == "patch" or route == "transdermal":
        return "patch"
    if route in ("sublingual", "buccal", "nasal", "oromucosal", "rectal"):
        return route
    if formulation == "injection" or route in ("subcutaneous", "intravenous", "intramuscular"):
        return "injection"
    return "oral"


def _read_csv(name: str) -> tuple[dict, ...]:
    return csv_records(name)


def _variants(name: str) -> set[str]:
    """Spelling variants of a lexicon name: hyphen/space, joined digits (DF118 / DF 118 / DF-118)."""
    out = {name}
    out.add(name.replace("-", " "))
    out.add(re.sub(r"(?<=[A-Za-z])\s+(?=\d)", "", name))
    out.add(re.sub(r"(?<=[A-Za-z])(?=\d)", " ", name))
    out.add(re.sub(r"(?<=[A-Za-z])(?=\d)", "-", name))
    return {v for v in out if v}


@lru_cache(maxsize=1)
def load_lexicon() -> Lexicon:
    """Load opioids.csv, aliases.csv and the non-opioid names of drug_classes.csv (cached)."""
    rows = []
    for r in _read_csv("opioids.csv"):
        f = r["ome_factor"].strip()
        rows.append(LexiconRow(r["name"], r["generic"], r["kind"], r["formulation"], r["route"],
                               float(f) if f else None, r["factor_unit"], r["notes"], r["source"]))
    lex = Lexicon(rows=rows)

    def add(text: str, term: Term) -> None:
        target = lex.case_terms if text in CASE_SENSITIVE_TERMS else lex.terms
        key = text if text in CASE_SENSITIVE_TERMS else text.lower()
        lst = target.setdefault(key, [])
        if term not in lst:
            lst.append(term)

    generics = set()
    for r in rows:
        if r.generic in OPIOID_GENERICS_NON_PAIN:
            add(r.name, Term(r.name, r.generic, "gabapentinoid"))
            continue
        generics.add(r.generic)
        if r.kind == "brand":
            fixed = r.formulation if r.formulation in ("MR", "patch", "combination", "liquid", "injection") else None
            for v in _variants(r.name):
                add(v, Term(v, r.generic, "opioid", brand=r.name, formulation=fixed, row=r,
                            resolvable=fixed is None))
        else:
            m = re.match(r"(co-[a-z]+)\b", r.name)
            if m:
                add(m.group(1), Term(m.group(1), r.generic, "opioid", formulation="combination"))
    for g in generics:
        add(g, Term(g, g, "opioid"))
    for a in _read_csv("aliases.csv"):
        brand = a["brand_row"] or None
        row = lex.brand_row(brand) if brand else None
        form = a["formulation"] or (row.formulation if row and row.formulation in ("MR", "patch", "combination", "liquid") else None)
        for v in _variants(a["alias"]):
            add(v, Term(v, a["generic"], "opioid", brand=brand, formulation=form, row=row, resolvable=form is None))
    for name, category, generic in matcher_terms():  # non-opioid drugs: nlp/data/drug_classes.csv
        add(name, Term(name, generic, category))

    def pattern(words):
        return r"(?<![A-Za-z])" + _trie_regex(words) + r"(?![A-Za-z])"

    # Longest match first is guaranteed by the trie (greedy optional suffixes) plus the trailing boundary.
    lex.regex = WordListPattern(_trie_regex(sorted(lex.terms)), end_boundary=True)  # case-insensitive, on folded text
    lex.case_regex = re.compile(pattern(sorted(lex.case_terms))) if lex.case_terms else None
    abbrevs = sorted(t for t in lex.case_terms if t.isalpha() and t.isupper() and len(t) <= 4)
    lex.figure_regex = re.compile(r"(?<![A-Za-z])(?:" + "|".join(abbrevs) + r")(?![A-Za-z])(?=[ \t]*(?:continus\b|\d))",
                                  re.IGNORECASE) if abbrevs else None
    fz = _fuzzy_rules()
    for key, terms in lex.terms.items():
        if len(key) >= fz["min_length"] - fz["max_distance"] and re.fullmatch(r"[a-z][a-z-]*[a-z]", key) \
                and any(t.category in fz["categories"] for t in terms):
            lex.fuzzy_index.setdefault((key[:2], len(key)), []).append(key)
    lex.fuzzy_prefixes = frozenset(k[0] for k in lex.fuzzy_index)
    return lex


def related_terms(category: str) -> set[str]:
    """Generic names of one related-drug class (e.g. 'benzodiazepine', 'gabapentinoid')."""
    lex = load_lexicon()
    return {t.generic for ts in list(lex.terms.values()) + list(lex.case_terms.values()) for t in ts if t.category == category}
