"""The one loader of the rule tables shipped in ``nlp/data`` (JSON and CSV records).

Every component reads its phrases, headings and vocabularies through here, so adding a phrase is one
row in a data file and never a regex in code. Files are read once per process.
"""
from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def data_path(name: str) -> Path:
    path = DATA_DIR / name
    if not path.is_file():
        raise FileNotFoundError(f"nlp rule file missing: {path}")
    return path


@lru_cache(maxsize=None)
def json_rules(name: str) -> dict:
    """A JSON rule file of nlp/data (cached; treat the result as read-only)."""
    with data_path(name).open(encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=None)
def csv_records(name: str) -> tuple[dict, ...]:
    """The rows of a CSV rule file of nlp/data as dicts (cached; lines starting with '#' are comments)."""
    with data_path(name).open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(line for line in fh if not line.startswith("#"))]
    return tuple(rows)


# --------------------------------------------------------------------------------------------------------------
# Case-insensitive scanning of big word lists. Python's regex engine runs a case-insensitive alternation of
# hundreds of words about four times slower than the same alternation on lower-cased text, and word lists
# (lexicon names, plan/GP keywords) are scanned over every letter: they run on the folded text instead.
# --------------------------------------------------------------------------------------------------------------
# characters that re.IGNORECASE equates with an ASCII letter but str.lower() leaves alone
_FOLD_EXTRA = (("ſ", "s"), ("ı", "i"))
_fold_memo: list[tuple[str, str | None]] = []


def fold_case(text: str) -> str | None:
    """``text`` lower-cased the way re.IGNORECASE compares ASCII letters, at the same offsets; None when
    lower-casing would move offsets (e.g. "İ" lower-cases to two characters). The last few answers are kept:
    several scanners read the same letter (and a statement of it) in turn."""
    for t, f in _fold_memo:
        if t is text:
            return f
    folded = text.lower()
    if len(folded) != len(text):
        folded = None
    elif not folded.isascii():
        for a, b in _FOLD_EXTRA:  # rare characters: replace() only when present (translate() reads every one)
            if a in folded:
                folded = folded.replace(a, b)
    _fold_memo.insert(0, (text, folded))
    del _fold_memo[3:]
    return folded


def trie_alternation(words) -> str:
    """A compact alternation of literal words (a character trie) so the regex engine branches on each letter once.
    Optional suffixes are greedy: at any position the longest word that matches there is the one matched."""
    trie: dict = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node) -> str:
        alts, optional = [], False
        for ch in sorted(node, key=lambda c: (c == "", c)):
            if ch == "":
                optional = True
                continue
            alts.append(re.escape(ch) + build(node[ch]))
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if optional:
            body = "(?:" + body + ")?"
        return body

    return build(trie)


class WordListPattern:
    """A case-insensitive regex over ASCII words with ASCII-letter boundaries (``(?<![A-Za-z])``), run on the
    folded text. ``finditer`` answers the same offsets as the case-insensitive regex on the original text
    (which it falls back to when folding would move offsets); read matched text from the original by offset."""

    def __init__(self, body: str, end_boundary: bool = False):
        """``body``: the alternation (lower-case literals); ``end_boundary`` adds ``(?![A-Za-z])``. A body with
        characters other than ASCII is only ever run case-insensitively on the original text."""
        tail = r"(?![A-Za-z])" if end_boundary else ""
        self.exact = re.compile(r"(?<![A-Za-z])(?:" + body + ")" + tail, re.IGNORECASE)
        self.fast = re.compile(r"(?<![a-z])(?:" + body + ")" + tail.replace("A-Za-z", "a-z")) \
            if body.isascii() and body == body.lower() else None

    @classmethod
    def of_words(cls, words, end_boundary: bool = False) -> "WordListPattern":
        """The words as a character trie: the longest word matching at a position wins, as in a longest-first
        alternation, and the engine branches once per character instead of trying every word (2-3x faster)."""
        return cls(trie_alternation({w.lower() for w in words}), end_boundary)

    def finditer(self, text: str):
        folded = fold_case(text) if self.fast is not None else None
        if folded is None:
            return self.exact.finditer(text)
        return self.fast.finditer(folded)


# --------------------------------------------------------------------------------------------------------------
# Literal gates. A phrase class is a big alternation, and most of the text it is asked about cannot match it: no
# word it needs is there. Every pattern needs some literal words ("seen|reviewed ... by ... pain|palliative"); a
# gate reads them from the parsed pattern once and answers "no match" without running the regex when the folded
# text lacks them (a plain substring search, many times cheaper). It only ever skips a regex that could not have
# matched, so results are those of the regex.
# --------------------------------------------------------------------------------------------------------------
import sys as _sys
from re import _constants as _C, _parser as _P  # the stdlib's own regex parser (stable since 3.11)

_REPEATS = tuple(op for op in (_C.MAX_REPEAT, _C.MIN_REPEAT, getattr(_C, "POSSESSIVE_REPEAT", None)) if op is not None)
_ATOMIC = getattr(_C, "ATOMIC_GROUP", None)
_MAX_ALTERNATIVES = 64  # top-level branches checked one by one; more than this: one clause for all
_MAX_LITERALS = 100  # a gate that would look for more words than this costs about what the regex does


def _odds(clause) -> float:
    """Rough chance that one of the literals occurs somewhere (short literals occur everywhere)."""
    return sum(26.0 ** -len(x) for x in clause)


def _minimal(lits) -> tuple[str, ...]:
    """Literals that do not contain another literal of the set (containing one implies it)."""
    out: list[str] = []
    for x in sorted(set(lits), key=lambda s: (len(s), s)):
        if not any(y in x for y in out):
            out.append(x)
    return tuple(out)


def _clauses(sub) -> list[tuple[str, ...]]:
    """Clauses every match satisfies: each a tuple of lower-case ASCII literals, one of which the matched text
    contains. Zero-width items (\\b, ^, lookarounds) and anything not understood add nothing (never a wrong clause)."""
    out: list[tuple[str, ...]] = []
    run: list[str] = []

    def flush():
        if run:
            out.append(("".join(run),))
            run.clear()

    for op, av in sub:
        if op is _C.LITERAL:
            ch = chr(av)
            if ch.isascii():
                run.append(ch.lower())
                continue
            flush()
            continue
        if op is _C.AT:
            continue  # zero width: the literals either side are adjacent in the text
        flush()
        if op is _C.SUBPATTERN:
            out.extend(_clauses(av[-1]))
        elif op is _ATOMIC:
            out.extend(_clauses(av))
        elif op in _REPEATS and av[0] >= 1:
            out.extend(_clauses(av[2]))
        elif op is _C.BRANCH:
            best = [_best(_clauses(b)) for b in av[1]]
            if all(best):
                out.append(_minimal(x for c in best for x in c))
    flush()
    return out


def _best(clauses) -> tuple[str, ...] | None:
    return min(clauses, key=_odds) if clauses else None


def _alternatives(sub) -> list[list[tuple[str, ...]]] | None:
    """The pattern as alternatives (the branches of its top-level alternation, with what surrounds it), each a
    short list of clauses, most selective first; None when some alternative needs no literal at all."""
    while len(sub) == 1 and sub[0][0] is _C.SUBPATTERN:
        sub = sub[0][1][-1]
    items = list(sub)
    where = [i for i, (op, _av) in enumerate(items) if op is _C.BRANCH]
    if len(where) == 1 and len(items[where[0]][1][1]) <= _MAX_ALTERNATIVES:
        i = where[0]
        around = _clauses(items[:i]) + _clauses(items[i + 1:])  # the parser moves a shared prefix (\b) out
        branches = [around + _clauses(b) for b in items[i][1][1]]
    else:
        branches = [_clauses(items)]
    alts = []
    for cl in branches:
        # a one-character literal is in almost any text: such a clause filters nothing
        cl = sorted({m for c in cl if (m := _minimal(c)) and min(map(len, m)) >= 2}, key=_odds)
        if not cl:
            return None
        alts.append(cl)
    # each alternative's most selective clause; then more clauses while the gate stays cheap
    kept = [[cl[0]] for cl in alts]
    for k in (1, 2):
        for alt, cl in zip(kept, alts):
            if len(cl) > k and len({x for a in kept for c in a for x in c} | set(cl[k])) <= _MAX_LITERALS:
                alt.append(cl[k])
    return kept


class LiteralGate:
    """A compiled regex with a literal prefilter: ``search``, ``match``, ``fullmatch``, ``finditer``, ``findall``
    and ``sub`` answer exactly as the regex does, without running it on text that lacks the words it needs."""

    __slots__ = ("regex", "pattern", "flags", "alternatives", "literals", "first")

    def __init__(self, regex: re.Pattern, alternatives):
        self.regex, self.pattern, self.flags = regex, regex.pattern, regex.flags
        self.alternatives = alternatives
        self.literals = sorted({x for alt in alternatives for c in alt for x in c})
        # every alternative's first clause: text with none of these words cannot match at all
        self.first = tuple(sorted({x for alt in alternatives for x in alt[0]}, key=lambda x: (len(x), x)))

    def could_match(self, string: str, pos: int = 0, endpos: int = _sys.maxsize) -> bool:
        """False only when no match can lie inside string[pos:endpos]."""
        folded = fold_case(string)
        if folded is None:
            return True  # lower-casing moves offsets: no prefilter
        if pos > 0 or endpos < len(folded):
            folded = folded[max(pos, 0):endpos]
        for lit in self.first:
            if lit in folded:
                break
        else:
            return False
        for alt in self.alternatives:
            for clause in alt:
                for lit in clause:
                    if lit in folded:
                        break
                else:
                    break  # a clause with none of its literals: this alternative cannot match
            else:
                return True
        return False

    def search(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.search(string, pos, endpos) if self.could_match(string, pos, endpos) else None

    def match(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.match(string, pos, endpos) if self.could_match(string, pos, endpos) else None

    def fullmatch(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.fullmatch(string, pos, endpos) if self.could_match(string, pos, endpos) else None

    def finditer(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.finditer(string, pos, endpos) if self.could_match(string, pos, endpos) else iter(())

    def findall(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.findall(string, pos, endpos) if self.could_match(string, pos, endpos) else []

    def sub(self, repl, string, count=0):
        return self.regex.sub(repl, string, count) if self.could_match(string) else string

    def __repr__(self) -> str:
        return f"LiteralGate({self.pattern[:40]!r}..., {len(self.literals)} literals)"


def could_match(regex, string: str, pos: int = 0, endpos: int = _sys.maxsize) -> bool:
    """False only when ``regex`` (gated or not) cannot match inside string[pos:endpos] (any substring of it)."""
    return regex.could_match(string, pos, endpos) if isinstance(regex, LiteralGate) else True


def gated(regex: re.Pattern | None):
    """``regex`` behind a LiteralGate, or ``regex`` itself when every match can do without literals or the gate
    would look for too many (cached per pattern)."""
    if regex is None or isinstance(regex, LiteralGate):
        return regex
    return _gated(regex)


@lru_cache(maxsize=1024)
def _gated(regex: re.Pattern):
    if not isinstance(regex.pattern, str):
        return regex
    try:
        alts = _alternatives(_P.parse(regex.pattern, regex.flags))
    except Exception:  # noqa: BLE001 - a pattern the parser reads differently: no gate, same answers
        return regex
    if not alts:
        return regex
    gate = LiteralGate(regex, alts)
    if len(gate.literals) > _MAX_LITERALS:
        return regex
    return gate


def last_match(rx, text: str, a: int, b: int) -> "re.Match | None":
    """The last match of ``rx`` (a compiled pattern or a LiteralGate) inside text[a:b], or None."""
    last = None
    for last in rx.finditer(text, a, b):
        pass
    return last
