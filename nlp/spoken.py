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
# (one separator throughout a run: "Q.D.S. P.R.N." is two abbreviations, "QDS PRN", never "QDSPRN")
_RE_SPELT = re.compile(r"(?<![A-Za-z0-9.])[A-Z](?:(?:\.[A-Z]){1,5}|(?:\.\s[A-Z]){1,5}|(?:\s[A-Z]){1,5})\.?(?![A-Za-z0-9])")


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
    up, dictated amounts and combination strengths as figures, all in place (same length)."""
    return figures_for_spoken_amounts(figures_for_spoken_strengths(closed_up_letters(joined_drug_hyphenation(
        plain_figures(dot_leaders_as_colons(html_entities_as_text(plain_characters(text))))))))


# one character for one, so offsets hold: spaces of other widths (no-break, thin, figure, ideographic), curly
# apostrophes and quotes, hyphens and minus signs that are not the ASCII hyphen, full-width ASCII forms
_PLAIN = str.maketrans({**{c: " " for c in "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
                                       "\u2009\u200a\u202f\u205f\u3000"},
                        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u02bc\u2032\u00b4"},
                        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033"},
                        **{c: "-" for c in "\u2010\u2011\u2212\ufe63\uff0d"},
                        **{chr(c): chr(c - 0xfee0) for c in range(0xff01, 0xff5f)}})


def plain_characters(text: str) -> str:
    """Typographic characters read as their plain forms, in place ("5\u00a0mg" -> "5 mg", "patient\u2019s" ->
    "patient's", "OD\uff1a" -> "OD:", CR LF -> " \n"): a letter pasted from a word processor, a PDF, a web page or
    a Windows export reads as typed."""
    if "\r" in text:
        # Windows and old Mac line ends read as "\n" (a CR before a LF becomes a trailing space, the same length)
        text = text.replace("\r\n", " \n").replace("\r", "\n")
    return text if text.isascii() else text.translate(_PLAIN)


# "Dose ............ 50 mg", "Status .......... New": a printout's dot leader between a field label and its value
# (a label of up to three words without figures, at the line start or after a wide gap, then a space: never a
# drug line's "Dihydrocodeine 30mg tablets .......... Take ONE", nor a heading's "DRUG........DOSE")
_RE_DOT_LEADER = re.compile(r"(?:^|(?<=[ \t]{2}))[ \t]*[A-Za-z][A-Za-z()'/&-]*(?:[ \t][A-Za-z()'/&-]+){0,2}"
                            r"([ \t]+(?:\.{4,}|…{2,})[ \t]*)(?=\S)", re.MULTILINE)


def dot_leaders_as_colons(text: str) -> str:
    """A dot leader after a field label read as a colon, padded in place ("Dose ....... 50 mg" -> "Dose :      50
    mg"), so that item blocks printed with leaders read like "Dose: 50 mg"."""
    if "...." not in text and "……" not in text:
        return text
    out = None
    for m in _RE_DOT_LEADER.finditer(text):
        if out is None:
            out = list(text)
        a, b = m.span(1)
        out[a:b] = " :" + " " * (b - a - 2)
    return "".join(out) if out is not None else text


_RE_ENTITY = re.compile(r"&(?:#(\d{1,5})|#x([0-9a-fA-F]{1,4})|([a-zA-Z]{2,8}));")


def html_entities_as_text(text: str) -> str:
    """HTML entities left in by a web or email export read as the characters they stand for, padded with spaces
    in place ("20mg&nbsp;BD" -> "20mg      BD", "A&amp;E" -> "A&    E")."""
    if "&" not in text:
        return text
    import html

    out = None
    for m in _RE_ENTITY.finditer(text):
        ch = html.unescape(m.group(0))
        if ch == m.group(0) or len(ch) != 1:
            continue
        if ch in "\u00a0\u2009\u202f":
            ch = " "
        if out is None:
            out = list(text)
        out[m.start():m.end()] = ch + " " * (m.end() - m.start() - 1)
    return "".join(out) if out is not None else text


# "30mgs", "5 mcgs": a plural unit; "five (5) mg", "twenty (20) capsules": a number written twice
_RE_PLURAL_UNIT = re.compile(r"(?<=\d)(\s?)(mg|mcg|ml)s\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _echo_pattern() -> re.Pattern:
    word = r"(?:" + "|".join(sorted(list(_words()) + ["hundred"], key=len, reverse=True)) + r")"
    return re.compile(r"\b(" + word + r"(?:[ -]" + word + r")*)\s*\(\s*(\d{1,3})\s*\)", re.IGNORECASE)


# "2,5 mg", "0·5 ml", "2,5–5 mg": a decimal comma or a raised point before an amount
_RE_DECIMAL_MARK = re.compile(r"(?<![\d,.·])\d{1,3}([,·])\d{1,2}(?![\d,])(?=\s*(?:(?:-|–|—|to)\s*\d+(?:[.,·]\d+)?\s*)?"
                              r"(?:mg|mcg|ml|micro|milli|g\b))", re.IGNORECASE)
_RE_DECIMAL_QUICK = re.compile(r"\d[,·]\d")
_RE_BRACKETED_FIGURE = re.compile(r"\(\s*\d{1,3}\s*\)")
_RE_TBL = re.compile(r"(?<![A-Za-z])(t)(b)(ls?)(?![A-Za-z])", re.IGNORECASE)  # "tbl.", "tbls": tablets


# a unit written out after a figure ("30/500 milligrams", "5 millilitres"): read as its symbol, padded in place
_RE_UNIT_WORD = re.compile(r"(?<=\d)[ \t]?(milligrams?|millilitres?|milliliters?)\b", re.IGNORECASE)


def plain_figures(text: str) -> str:
    """Numbers and units as the rules read them, in place: a unit in the plural ("30mgs" -> "30mg "), a number
    written in words with its figure in brackets ("five (5) mg" -> "      5  mg"), a decimal comma or raised point
    before an amount ("2,5 mg", "0·5 ml" -> "2.5 mg"), "tbl" for tablets ("20 tbl." -> "20 tab."), and a unit written
    out after a figure ("30/500 milligrams" -> "30/500 mg        ")."""
    out = None
    low = text.lower()  # (one pass in C; the literal tests below rule most letters out of every regex)
    for rx, wanted, fix in ((_RE_DECIMAL_MARK, _RE_DECIMAL_QUICK.search(text), lambda m: [(m.start(1), ".")]),
                            (_RE_TBL, "tbl" in low, lambda m: [(m.start(2), "a"), (m.start(3), "b")])):
        if not wanted or rx.search(text) is None:
            continue
        out = out if out is not None else list(text)
        for m in rx.finditer(text):
            for k, ch in fix(m):
                out[k] = ch.lower() if text[k].islower() or not text[k].isalpha() else ch.upper()
    if ("mgs" in low or "mcgs" in low or "mls" in low) and _RE_PLURAL_UNIT.search(text):
        out = out if out is not None else list(text)
        for m in _RE_PLURAL_UNIT.finditer(text):
            out[m.end() - 1] = " "
    if "milli" in low and _RE_UNIT_WORD.search(text):
        out = out if out is not None else list(text)
        for m in _RE_UNIT_WORD.finditer(text):
            short = "mg" if m.group(1)[5].lower() == "g" else "ml"
            out[m.start(1):m.end(1)] = short + " " * (m.end(1) - m.start(1) - len(short))
    if _RE_BRACKETED_FIGURE.search(text):
        for m in _echo_pattern().finditer(text):
            if _value(m.group(1)) != float(m.group(2)):
                continue
            if out is None:
                out = list(text)
            out[m.start():m.end()] = " " * (m.start(2) - m.start()) + m.group(2) + " " * (m.end() - m.end(2))
    return "".join(out) if out is not None else text


@lru_cache(maxsize=1)
def _combination_strengths() -> dict[str, frozenset[tuple[float, float]]]:
    """The strengths each combination product comes in, from the lexicon's rows ("co-codamol 30/500" ->
    {"codamol": {(30, 500), ...}}): a dictated strength is read only as one of these."""
    from nlp.lexicon import load_lexicon

    out: dict[str, set] = {}
    for row in load_lexicon().rows:
        m = re.fullmatch(r"co-([a-z]+) ([\d.]+)/(\d+)", row.name)
        if m:
            out.setdefault(m.group(1), set()).add((float(m.group(2)), float(m.group(3))))
    return {k: frozenset(v) for k, v in out.items()}


_STRENGTH_SLASHES = ("slash", "over", "stroke")  # between the drug part and the paracetamol part only
_STRENGTH_JOINERS = _STRENGTH_SLASHES + ("and", "point")


@lru_cache(maxsize=1)
def _strength_pattern() -> re.Pattern:
    words = sorted(list(_words()) + ["hundred", "thousand", "zero", "nought"] + list(_STRENGTH_JOINERS), key=len,
                   reverse=True)
    word = r"(?:" + "|".join(words) + r")"
    stems = "|".join(sorted(_combination_strengths(), key=len, reverse=True))
    # "cocodamol thirty five hundred", "co-dydramol ten slash five hundred" (folded text)
    return re.compile(r"(?<![a-z])co[-\s]?(?:" + stems + r")[\s,:]+(" + word + r"(?:[\s-]+" + word + r")*)(?![a-z])")


def _run_value(toks: list[str]) -> float | None:
    if toks and toks[-1] == "thousand":
        v = _value(" ".join(toks[:-1])) if len(toks) > 1 else 1.0
        return v * 1000 if v is not None else None
    return _value(" ".join(toks))


def _split_strength(run: str, known: frozenset) -> tuple[str, int] | None:
    """The strength a dictated run of words begins with, when exactly one split of its first words into a drug
    part and a paracetamol part is a strength the product comes in ("thirty five hundred" -> "30/500"), with the
    length of the words it used; None otherwise ("eight five hundred two" -> 8/500, its last word left alone)."""
    words = [(m.group(0), m.end()) for m in re.finditer(r"[a-z]+", run)]
    toks = [w for w, _ in words]
    for end in range(len(toks), 1, -1):  # the longest reading first
        found = set()
        for k in range(1, end):
            head, tail = toks[:k], toks[k:end]
            if tail[0] in _STRENGTH_SLASHES:
                tail = tail[1:]
            if not tail or any(t in _STRENGTH_SLASHES for t in head + tail):
                continue
            num, den = _run_value(head), _run_value(tail)
            if num is not None and den is not None and (num, den) in known:
                found.add((num, den))
        if len(found) == 1:
            num, den = found.pop()
            return f"{_figure(num)}/{_figure(den)}", words[end - 1][1]
        if found:
            return None
    return None


def figures_for_spoken_strengths(text: str) -> str:
    """A combination product's strength dictated in words written as figures, in place ("cocodamol thirty five
    hundred" -> "cocodamol 30/500" and spaces). Only strengths the lexicon lists for the product are written."""
    folded = fold_case(text)
    if folded is None or ("hundred" not in folded and "thousand" not in folded):
        return text
    out = None
    for m in _strength_pattern().finditer(folded):
        stem = re.match(r"co[-\s]?([a-z]+)", m.group(0)).group(1)
        read = _split_strength(m.group(1), _combination_strengths()[stem])
        if read is None or len(read[0]) > read[1]:
            continue
        fig, used = read
        if out is None:
            out = list(text)
        out[m.start(1):m.start(1) + used] = fig + " " * (used - len(fig))
    return "".join(out) if out is not None else text


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
