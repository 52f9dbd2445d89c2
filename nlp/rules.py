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
import _sre
from re import _compiler as _Co, _constants as _C, _parser as _P  # the stdlib's own regex parser and compiler (stable since 3.11)

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

    __slots__ = ("regex", "pattern", "flags", "alternatives", "literals", "first", "_test", "twin", "parts", "_memo")

    def __init__(self, regex: re.Pattern, alternatives):
        self.regex, self.pattern, self.flags = regex, regex.pattern, regex.flags
        self.alternatives = alternatives
        self.literals = sorted({x for alt in alternatives for c in alt for x in c})
        # every alternative's first clause: text with none of these words cannot match at all
        self.first = tuple(sorted({x for alt in alternatives for x in alt[0]}, key=lambda x: (len(x), x)))
        self._test = _literal_test(self.first, alternatives)
        twins = _twins(regex)
        self.twin, self.parts = twins if twins else (None, None)
        self._memo = None  # (string, pos, endpos, match) of the last search

    def could_match(self, string: str, pos: int = 0, endpos: int = _sys.maxsize) -> bool:
        """False only when no match can lie inside string[pos:endpos]."""
        folded = fold_case(string)
        if folded is None:
            return True  # lower-casing moves offsets: no prefilter
        if pos > 0 or endpos < len(folded):
            folded = folded[max(pos, 0):endpos]
        return self._test(folded)

    def _folded_window(self, string, pos, endpos):
        """The folded text when the regex could match inside string[pos:endpos]; None when it cannot; the string
        itself when lower-casing would move offsets (no prefilter, no twin)."""
        folded = fold_case(string)
        if folded is None:
            return string
        if not self._test(folded[max(pos, 0):endpos] if pos > 0 or endpos < len(folded) else folded):
            return None
        return folded

    def search(self, string, pos=0, endpos=_sys.maxsize):
        memo = self._memo  # the same question asked again (a line's status read by several rules in turn)
        if memo is not None and memo[0] is string and memo[1] == pos and memo[2] == endpos:
            return memo[3]
        folded = self._folded_window(string, pos, endpos)
        if folded is None:
            m = None
        elif folded is string or self.twin is None:
            m = self.regex.search(string, pos, endpos)
        elif self.parts is not None:  # (_branch_parts: the leftmost place any branch matches)
            found = [x.start() for part in self.parts if (x := part.search(folded, pos, endpos)) is not None]
            m = self.regex.match(string, min(found), endpos) if found else None
        else:
            # the case-sensitive twin finds where the match starts on the folded text; the regex itself then gives
            # the very same match there, on the letter as written
            x = self.twin.search(folded, pos, endpos)
            m = self.regex.match(string, x.start(), endpos) if x is not None else None
        self._memo = (string, pos, endpos, m)
        return m

    def match(self, string, pos=0, endpos=_sys.maxsize):
        folded = self._folded_window(string, pos, endpos)
        if folded is None or (folded is not string and self.twin is not None and self.twin.match(folded, pos, endpos) is None):
            return None  # (most match attempts fail: the twin says so faster)
        return self.regex.match(string, pos, endpos)

    def fullmatch(self, string, pos=0, endpos=_sys.maxsize):
        folded = self._folded_window(string, pos, endpos)
        if folded is None or (folded is not string and self.twin is not None and self.twin.fullmatch(folded, pos, endpos) is None):
            return None
        return self.regex.fullmatch(string, pos, endpos)

    def finditer(self, string, pos=0, endpos=_sys.maxsize):
        if not self.could_match(string, pos, endpos):
            return iter(())
        folded = fold_case(string) if self.twin is not None else None
        if folded is None:
            return self.regex.finditer(string, pos, endpos)
        return (self.regex.match(string, m.start(), endpos) for m in self.twin.finditer(folded, pos, endpos))

    def findall(self, string, pos=0, endpos=_sys.maxsize):
        return self.regex.findall(string, pos, endpos) if self.could_match(string, pos, endpos) else []

    def sub(self, repl, string, count=0):
        return self.regex.sub(repl, string, count) if self.could_match(string) else string

    def __repr__(self) -> str:
        return f"LiteralGate({self.pattern[:40]!r}..., {len(self.literals)} literals)"


def _literal_test(first, alternatives):
    """The gate's test as one generated expression over the folded text ``f`` ("'stop' in f or 'wean' in f"): the
    same answer as looping over the clauses, without the loops' interpreter overhead on every call."""
    if not alternatives:
        return lambda f: True  # (folded(): a pattern with no gate, run by its twin only)

    def any_of(lits):
        return "(" + " or ".join(f"{x!r} in f" for x in lits) + ")"

    alts = " or ".join("(" + " and ".join(any_of(c) for c in alt) + ")" for alt in alternatives)
    # (one alternative: its first clause is the ``first`` words, checked once)
    body = alts if len(alternatives) == 1 else f"{any_of(first)} and ({alts})"
    namespace: dict = {}
    exec(f"def test(f):\n    return bool({body})", namespace)  # noqa: S102 - literals are repr()-quoted
    return namespace["test"]


# --------------------------------------------------------------------------------------------------------------
# Case-sensitive twins. Python's regex engine runs a case-insensitive pattern two to three times slower than the same
# pattern written in lower case on lower-cased text (an alternation of lower-case literals lets it skip a branch on
# its first character). A gated pattern is searched on the folded text with such a twin; where the twin finds a
# match, the pattern itself is matched at that position of the original text (the same Match, groups read as
# written). The twin matches exactly where the pattern does: fold_case gives each character its re.IGNORECASE
# lower case at the same offset, and the twin is the pattern with every letter lower-cased. Patterns the rewrite
# cannot vouch for keep no twin: a case-sensitive part, a cased non-ASCII letter, a back-reference, an empty match.
# --------------------------------------------------------------------------------------------------------------
class _NoTwin(Exception):
    pass


_LOWER = _sre.unicode_tolower
_ISCASED = _sre.unicode_iscased


def _twin_literal(c: int) -> int:
    if c >= 128 and _ISCASED(c):
        raise _NoTwin  # (re equates some of these with other letters: "µ" with "μ")
    return _LOWER(c) if c < 128 else c


def _twin_set(items) -> list:
    out = []
    for op, av in items:
        if op is _C.LITERAL:
            out.append((op, _twin_literal(av)))
        elif op is _C.RANGE:
            lo, hi = av
            if hi < 128:
                out.extend((_C.LITERAL, c) for c in sorted({_LOWER(c) for c in range(lo, hi + 1)}))
            elif any(_ISCASED(c) for c in range(lo, min(hi, 0xFFFF) + 1)) or hi > 0xFFFF:
                raise _NoTwin
            else:
                out.append((op, av))
        elif op is _C.NEGATE or op is _C.CATEGORY:
            out.append((op, av))
        else:
            raise _NoTwin
    return out


def _twin_tree(sub) -> "_P.SubPattern":
    data = []
    for op, av in sub.data:
        if op is _C.LITERAL or op is _C.NOT_LITERAL:
            data.append((op, _twin_literal(av)))
        elif op is _C.IN:
            data.append((op, _twin_set(av)))
        elif op is _C.SUBPATTERN:
            group, add, dele, p = av
            if dele & _C.SRE_FLAG_IGNORECASE:
                raise _NoTwin  # a case-sensitive part ("(?-i:OM)") cannot be read on folded text
            data.append((op, (group, add & ~_C.SRE_FLAG_IGNORECASE, dele, _twin_tree(p))))
        elif op is _C.BRANCH:
            data.append((op, (av[0], [_twin_tree(b) for b in av[1]])))
        elif op in _REPEATS:
            data.append((op, (av[0], av[1], _twin_tree(av[2]))))
        elif op is _C.ASSERT or op is _C.ASSERT_NOT:
            data.append((op, (av[0], _twin_tree(av[1]))))
        elif _ATOMIC is not None and op is _ATOMIC:
            data.append((op, _twin_tree(av)))
        elif op is _C.GROUPREF_EXISTS:
            cond, yes, no = av
            data.append((op, (cond, _twin_tree(yes), _twin_tree(no) if no is not None else None)))
        elif op is _C.AT or op is _C.ANY or op is _C.CATEGORY:
            data.append((op, av))
        else:
            raise _NoTwin  # back-references and anything not listed here
    return _P.SubPattern(sub.state, data)


def _letter_first(sub) -> "_P.SubPattern":
    """``\\b(?:stop|wean)`` as ``(?:stop(?<=\\bstop)|wean(?<=\\bwean))``: the same matches, but the pattern now opens with a
    letter, and the engine jumps from one place holding a possible first letter to the next instead of trying the
    boundary and every branch at every character (several times faster on a long letter). A leading \\b is moved
    behind the literal letter after it, into every branch of an alternation after it; groups that capture nothing
    are opened up for that. Anything else is left as it is."""
    state = sub.state
    data = _opened(list(sub.data))
    if not data:
        return sub
    op, av = data[0]
    if op is _C.BRANCH:
        return _P.SubPattern(state, [(op, (av[0], [_letter_first(b) for b in av[1]]))] + data[1:])
    if (op, av) != (_C.AT, _C.AT_BOUNDARY) or len(data) < 2:
        return _P.SubPattern(state, data)
    rest = _opened(data[1:])
    op, av = rest[0]
    if op is _C.LITERAL:  # \\bstop... -> stop(?<=\\bstop)...: the whole run of letters is a prefix the engine scans for
        n = 1
        while n < len(rest) and rest[n][0] is _C.LITERAL:
            n += 1
        look = _P.SubPattern(state, [(_C.AT, _C.AT_BOUNDARY)] + rest[:n])
        return _P.SubPattern(state, rest[:n] + [(_C.ASSERT, (-1, look))] + rest[n:])
    if op is _C.BRANCH:  # \\b(?:x|y)... -> (?:\\bx|\\by)...
        branches = [_letter_first(_P.SubPattern(state, [(_C.AT, _C.AT_BOUNDARY)] + list(b.data))) for b in av[1]]
        return _P.SubPattern(state, [(_C.BRANCH, (av[0], branches))] + rest[1:])
    return _P.SubPattern(state, data)


def _opens_with_letters(sub) -> bool:
    """Whether the pattern opens with a literal, or with branches that each open with one (the engine then skips
    ahead to the next place holding one of those characters)."""
    data = sub.data
    if not data:
        return False
    op, av = data[0]
    return op is _C.LITERAL or (op is _C.BRANCH and all(b.data and b.data[0][0] is _C.LITERAL for b in av[1]))


def _opened(data: list) -> list:
    """A leading group that captures nothing and sets no flag, spliced into the sequence (the same pattern)."""
    while data and data[0][0] is _C.SUBPATTERN:
        group, add, dele, inner = data[0][1]
        if group is not None or add or dele:
            break
        data = list(inner.data) + data[1:]
    return data


def folded_twin(regex: re.Pattern) -> re.Pattern | None:
    """The case-sensitive twin of a case-insensitive pattern, to run on ``fold_case`` text, or None."""
    twins = _twins(regex)
    return twins[0] if twins else None


@lru_cache(maxsize=1024)
def _twins(regex: re.Pattern) -> tuple | None:
    """(twin, parts): the twin (``folded_twin``) and, for a pattern that is one alternation whose branches each open
    with letters or at the start of the text (``^greeting|\\btransfer\\s+to``), a twin of each branch, else None."""
    flags = regex.flags
    if not isinstance(regex.pattern, str) or not flags & re.IGNORECASE or flags & (re.ASCII | re.LOCALE):
        return None
    try:
        tree = _P.parse(regex.pattern, flags)
        twin = _twin_tree(tree)
        if twin.getwidth()[0] == 0:
            return None  # (an empty match: finditer's rule for the next match differs from a match at that position)
        tree.state.flags &= ~re.IGNORECASE
        flags &= ~re.IGNORECASE
        shifted = _letter_first(twin)
        parts = _branch_parts(shifted, flags)
        if _opens_with_letters(shifted):
            twin = shifted  # (else the moved boundaries only cost: the engine still tries every character)
        return _Co.compile(twin, flags), parts
    except (_NoTwin, re.error, RecursionError, OverflowError):
        return None


_MAX_PARTS = 8


def _branch_parts(shifted, flags) -> tuple | None:
    """Each branch of a one-alternation twin compiled alone, when every branch opens with letters (the engine scans
    for them) or with ^ (tried at the start only). Searching them one by one and matching the pattern at the
    leftmost place found is the pattern's own search: its match is the leftmost place any branch matches, and there
    the branches are tried in order. One slow scan that tries every branch at every character becomes a few fast
    ones; a pattern with any other branch keeps the single scan."""
    data = shifted.data
    if len(data) != 1 or data[0][0] is not _C.BRANCH or not 2 <= len(data[0][1][1]) <= _MAX_PARTS:
        return None
    branches = data[0][1][1]
    if not any(b.data and b.data[0] == (_C.AT, _C.AT_BEGINNING) for b in branches):
        return None  # (branches that all open with letters: the whole twin already scans for them)
    for b in branches:
        if not b.data:
            return None
        op, av = b.data[0]
        if not (op is _C.LITERAL or (op is _C.AT and av is _C.AT_BEGINNING and not flags & re.MULTILINE)):
            return None
    return tuple(_Co.compile(b, flags) for b in branches)


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


def folded(regex: re.Pattern | None, gate: bool = True):
    """``regex`` gated (``gated``); when no gate applies (or ``gate`` is False: a pattern matched at a position with
    no end, where the gate would read the rest of the letter), still run by its case-sensitive twin on the folded
    text when it has one (a LiteralGate that lets every text through); else ``regex`` itself. The same answers."""
    if regex is None or isinstance(regex, LiteralGate):
        return regex
    g = gated(regex) if gate else regex
    return g if g is not regex else _folded(regex)


@lru_cache(maxsize=1024)
def _folded(regex: re.Pattern):
    return LiteralGate(regex, []) if folded_twin(regex) is not None else regex


def last_match(rx, text: str, a: int, b: int) -> "re.Match | None":
    """The last match of ``rx`` (a compiled pattern or a LiteralGate) inside text[a:b], or None."""
    last = None
    for last in rx.finditer(text, a, b):
        pass
    return last
