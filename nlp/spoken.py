"""Doses dictated in words ("thirty milligrams", "two point five to five mls", "one hundred ml bottle") read as
figures, for letters that came through speech recognition.

``figures_for_spoken_amounts`` rewrites a run of number words right before a unit of amount into its figure,
padded with spaces to the same length, so every offset in the letter stays where it was (spans, evidence and
the statement boundaries are all offsets into the letter). The number words come from ``sig_rules.json``
(``number_words``, the one list the sig readers use); the units from ``spoken_amount_units`` there. Counts of
tablets ("two tablets") are read in words already and are left alone.
"""
from __future__ import annotations

import re
from functools import lru_cache

from nlp.rules import fold_case, json_rules

_JOINERS = ("and", "point")


@lru_cache(maxsize=1)
def _words() -> dict[str, float]:
    r = json_rules("sig_rules.json")
    return {w: float(v) for w, v in r["number_words"].items() if " " not in w and v >= 1 and float(v).is_integer()
            and w not in ("once", "twice", "thrice")}


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    r = json_rules("sig_rules.json")
    words = sorted(list(_words()) + ["hundred", "zero", "nought"], key=len, reverse=True)
    word = r"(?:" + "|".join(words) + r")"
    run = word + r"(?:(?:[\s-]+|\s+(?:and|point)\s+)" + word + r")*"
    units = r"(?:" + "|".join(r["spoken_amount_units"]) + r")"
    # the run, then (optionally "to" and a second run: "two point five to five mls"), then the unit
    return re.compile(r"(?<![a-z])(" + run + r")(?:(\s+to\s+)(" + run + r"))?(?=\s*" + units + r"(?![a-z]))")  # folded text


def _value(run: str) -> float | None:
    """The number a run of words says: "thirty", "one hundred", "twenty five", "two point five", "one point two five"."""
    toks = [t for t in re.split(r"[\s-]+", run.lower()) if t and t != "and"]
    if "point" in toks:
        i = toks.index("point")
        whole = _value(" ".join(toks[:i])) if i else 0.0
        digits = [_words().get(t, 0.0 if t in ("zero", "nought") else None) for t in toks[i + 1:]]
        if whole is None or not digits or any(d is None or d > 9 for d in digits):
            return None
        return float(f"{int(whole)}." + "".join(str(int(d)) for d in digits))
    total, current = 0.0, 0.0
    for t in toks:
        if t == "hundred":
            current = (current or 1.0) * 100
        elif t in ("zero", "nought"):
            continue
        else:
            v = _words().get(t)
            if v is None:
                return None
            if current and v >= 10 and current % 100 == 0 and current >= 100:
                current += v
            elif current and v < 10 and current % 10 == 0 and current >= 20:
                current += v  # "twenty five"
            elif current:
                return None  # "five five": not one number
            else:
                current = v
    total += current
    return total or None


def _figure(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# letters spelt out one by one, as dictation writes abbreviations: "M.S.T.", "M S T", "S R", "P.R.N.", "B.D."
_RE_SPELT = re.compile(r"(?<![A-Za-z0-9.])[A-Z](?:(?:\.\s?|\s)[A-Z]){1,5}\.?(?![A-Za-z0-9])")


def closed_up_letters(text: str) -> str:
    """Letters spelt out one by one closed up into the abbreviation, padded to the same length ("M S T" -> "MST  ",
    "Zamadol S R" -> "Zamadol SR "), so the lexicon and the frequency words read them."""
    out = None
    for m in _RE_SPELT.finditer(text):
        word = "".join(ch for ch in m.group(0) if ch.isalpha())
        if out is None:
            out = list(text)
        out[m.start():m.end()] = word + " " * (m.end() - m.start() - len(word))
    return "".join(out) if out is not None else text


# a word hyphenated across a line end by a PDF converter: "oxy-" / "codone", "co-coda-" / "mol"
_RE_HYPHEN_WRAP = re.compile(r"([A-Za-z][A-Za-z-]*)-[ \t]*\n[ \t]*([a-z]+)")


def joined_drug_hyphenation(text: str) -> str:
    """A drug name hyphenated across a line end joined up, in place: the word's two halves written together and the
    hyphen, line break and indentation moved after it as spaces ("oxy-\ncodone IR" -> "oxycodone   IR"). Only
    when the joined word is a name of the drug lexicon, so no other line is ever joined."""
    if "-\n" not in text and "- \n" not in text:
        return text
    from nlp.lexicon import load_lexicon

    terms = load_lexicon().terms
    out = None
    for m in _RE_HYPHEN_WRAP.finditer(text):
        word = m.group(1) + m.group(2)
        if word.lower() not in terms:
            continue
        if out is None:
            out = list(text)
        out[m.start():m.end()] = word + " " * (m.end() - m.start() - len(word))
    return "".join(out) if out is not None else text


def reading_text(text: str) -> str:
    """The letter as the rules read it: drug names hyphenated across a line end joined, spelt-out letters closed
    up and dictated amounts as figures, all in place (same length)."""
    return figures_for_spoken_amounts(closed_up_letters(joined_drug_hyphenation(text)))


# a unit of amount right after a word (a figure before it is the usual case): the only letters worth the full scan
_RE_WORD_BEFORE_UNIT = re.compile(r"(?<=[a-z] )(?:milligram|microgram|millilit|mcg\b|mgs?\b|mls?\b)")


def figures_for_spoken_amounts(text: str) -> str:
    """``text`` with dictated amounts before a unit written as figures, the same length (see the module doc)."""
    folded = fold_case(text)
    if folded is None:
        folded = text.lower()
        if len(folded) != len(text):
            return text
    if not _RE_WORD_BEFORE_UNIT.search(folded):
        return text
    out = None
    for m in _pattern().finditer(folded):
        pieces = [(m.start(1), m.end(1))] + ([(m.start(3), m.end(3))] if m.group(3) else [])
        values = [_value(text[a:b]) for a, b in pieces]
        if any(v is None for v in values):
            continue
        if out is None:
            out = list(text)
        for (a, b), v in zip(pieces, values):
            fig = _figure(v)
            if len(fig) > b - a:
                break
            out[a:b] = fig + " " * (b - a - len(fig))
    return "".join(out) if out is not None else text
