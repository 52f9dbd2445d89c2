"""Medication statements: the unit in which a prescription is read.

A letter is cut into statements, each owned by exactly one drug mention:

* a **table row** (pipes, box characters, tabs or fixed-width columns, continuation lines included) whose cells
  are bound to their column headings (Drug, Strength/Form, Dose, Route, Frequency, Days, Supply, Qty, Status,
  Comments ... in any order; headings are data: ``statement_rules.json``);
* a **list line or prose clause** that starts at a drug name and ends where the next drug name begins (an opioid,
  any drug of the lexicon, or a word followed by a strength such as "senna 15mg"), or at the end of the
  sentence (prose) or line (lists).

Dose, frequency, PRN, duration, supply and status are read only inside the statement that owns them. A drug named
inside another drug's statement ("senna while on morphine", "instead of her tramadol", a Comments cell) is context
of that statement, never a prescription of its own.

``segment(layout, mentions)`` works on character offsets of the original letter and runs in time linear in its
length (each line is looked at a bounded number of times).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache

from nlp.context import RE_LIST_ITEM as RE_ITEM, LetterLayout, context_patterns
from nlp.rules import folded, json_rules, last_match
from nlp.sig import FREQ_OR_PRN_WORDS

_I = re.IGNORECASE
_DOSE_BETWEEN = re.compile(r"\d\s*(?:mg|g|mcg|micrograms?|ml|tabs?|tablets?|caps?|capsules?)\b|\b(?:one|two|ii|i)\s+(?:tabs?|tablets?|caps?|capsules?)\b", _I)


@dataclass
class TableColumns:
    roles: list[str]
    mode: str  # sep | tab | csv | fixed | right (fixed width, read from the right: a title over the drug column)
    starts: list[int]  # fixed width: column start offsets within the line
    open_left: bool = False  # separated cells with no border left of the first ("Drug | Dose"): a row whose first
    # cell is blank continues the row above ("                | required, max 4 doses/24h |")


@dataclass
class Statement:
    start: int
    end: int
    source: str  # table | list | prose
    owner: object | None = None  # the Mention that owns it (None: an unlisted drug, e.g. "senna 15mg")
    mentions: list = field(default_factory=list)  # the owner's mentions (one product named twice counts once)
    context: list = field(default_factory=list)  # other drug mentions inside: context, never prescriptions
    cue_start: int = 0  # where status cues may be read from (sentence start for the first statement)
    cells: dict = field(default_factory=dict)  # table: role -> list of (start, end) pieces
    owner_name: str | None = None  # unlisted drug word
    soft_breaks: tuple = ()  # offsets of line breaks inside one sentence (a wrap), read as spaces
    directions_start: int | None = None  # where the patient's directions told in the next sentence begin

    def cell_hull(self, role: str) -> tuple[int, int] | None:
        pieces = self.cells.get(role)
        if not pieces:
            return None
        return pieces[0][0], pieces[-1][1]

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "source": self.source,
                "owner": self.owner.generic if self.owner is not None else self.owner_name,
                "cells": {k: [list(p) for p in v] for k, v in self.cells.items()}}


@dataclass
class StatementPatterns:
    columns: list[tuple[str, re.Pattern]]
    seps: str
    sep_split: re.Pattern
    sep_split_colons: re.Pattern
    bar_split: re.Pattern  # the separators but ';' and '~' (a line ruled with bars keeps "WHEN REQUIRED; max 300 mg" in one cell)
    border: re.Pattern
    drug_heading: re.Pattern  # cheap pre-filter: a heading line names its Drug column
    embedding: re.Pattern
    unlisted: re.Pattern
    unlisted_after: re.Pattern
    continuation: re.Pattern
    not_drug: frozenset
    wrapped_name: frozenset
    key_explanations: list[tuple[str, re.Pattern]]
    rec_before: re.Pattern  # a reconciliation's "before" column heading ("Admission", "Was")
    rec_now: re.Pattern  # ... and its "now" column heading ("Discharge", "Now", "Going home")
    directions_next: re.Pattern  # the next sentence gives the patient's directions ("Take one or two ...")
    next_lead_in: re.Pattern  # the next drug's lead-in at a statement's end (", and for breakthrough pain")


def _drug_heading(pattern: str, seps: str) -> re.Pattern:
    """A Drug column heading anywhere in the letter; the lookahead on the first letters of the heading words
    lets the regex engine skip most positions (one pass over a long letter)."""
    firsts = "".join(sorted(set(re.findall(r"(?:^|\(\?:|\|)([a-z])", pattern))))
    return re.compile(r"\b(?=[" + firsts + firsts.upper() + r"])" + pattern + r"(?:\s*\([^()\n]{1,30}\))?"
                      + r"\s*:?\s*(?:$|[\t," + re.escape(seps) + r"]|\s\s|(?<=:):|(?<=[ \t])/(?=[ \t][^/\n]{1,30}[ \t]/[ \t]))", _I | re.M)  # (or "Drug :: Dose", "DRUG / ROUTE / DOSE")


@lru_cache(maxsize=1)
def statement_patterns() -> StatementPatterns:
    r = json_rules("statement_rules.json")
    seps = r["cell_separators"]
    return StatementPatterns(
        columns=[(role, re.compile(r"(?:" + pat + r")\s*:?", _I)) for role, pat in r["table_columns"]],
        seps=seps,
        sep_split=re.compile("[" + re.escape(seps) + "]"),
        sep_split_colons=re.compile("::|[" + re.escape(seps) + "]"),  # "Drug :: Dose": a double colon separates too
        bar_split=re.compile("[" + re.escape(seps.replace(";", "").replace("~", "")) + "]"),
        border=re.compile(r["border_line"]),
        # (folded: run as a case-sensitive twin on the folded text, nlp.rules; the same matches, 40% faster)
        drug_heading=folded(_drug_heading(next(p for role, p in r["table_columns"] if role == "drug"), seps)),
        embedding=folded(re.compile(r["embedding_cues"], _I)),
        unlisted=re.compile(r["unlisted_drug"]),
        unlisted_after=re.compile(r["unlisted_drug_after"]),
        continuation=re.compile(r["continuation_line"], _I),
        not_drug=frozenset(w.lower() for w in r["not_drug_words"]),
        wrapped_name=frozenset(w.lower() for w in r["wrapped_name_words"]),
        key_explanations=[(role, re.compile(pat, _I)) for role, pat in r["key_explanations"]],
        rec_before=re.compile(r["reconciliation_columns"]["before"], _I),
        rec_now=re.compile(r["reconciliation_columns"]["now"], _I),
        directions_next=re.compile(r["directions_next"], _I),
        next_lead_in=re.compile(r["next_lead_in"], _I),
    )


def heading_role(cell: str, key: "LetterKey | None" = None) -> str | None:
    """The column role of a table heading cell ("Supply (days)" -> supply, "Medicine (as dispensed)" -> drug), or
    the role the letter's key gives it ("Cover" under "Cover = days issued"), or None."""
    h = " ".join(cell.strip().split()).strip(" :*")
    if not h or len(h) > 40:
        return None
    return _known_heading_role(h) if key is None else _heading_role(h, key)


def _heading_role(h: str, key: "LetterKey | None") -> str | None:
    for role, rx in statement_patterns().columns:
        if rx.fullmatch(h):
            return role
    bare = _RE_QUALIFIER.sub("", h)
    if bare != h and bare:
        return heading_role(bare, key)
    if key is not None and (role := key.heading_role(h)):
        return role
    return _bilingual_role(h)


@lru_cache(maxsize=4096)
def _known_heading_role(h: str) -> str | None:
    """heading_role of a normalised cell without a letter's key: the same few headings recur in every table, so the
    answer is kept (the ~20 column patterns were tried on every cell of every candidate heading line)."""
    return _heading_role(h, None)


def _bilingual_role(h: str) -> str | None:
    """A bilingual heading ("Meddyginiaeth / Medicine", "Cyflenwad / Supply"): either language names it."""
    if " / " in h:
        for part in h.split(" / "):
            role = heading_role(part) if " / " not in part else None
            if role:
                return role
    return None


# --------------------------------------------------------------------------------------------------------------
# cells of one line
# --------------------------------------------------------------------------------------------------------------
_DIGIT = re.compile(r"\d")
_WIDE_GAP = re.compile(r"\S(?:[^\S\n]?\S)*")  # chunks separated by two or more spaces
_TRIM = re.compile(r"\S(?:.*\S)?")
_CSV_SPLIT = re.compile(r',(?=(?:[^"]*"[^"]*")*[^"]*$)')  # a comma outside double quotes
_COMMA = re.compile(",")  # the same split on a line without quotes (the lookahead reads the rest of the line)


def _csv_heading(line: str) -> bool:
    """A comma-separated export heading ("Drug,Dose,Frequency,Duration"): no other separator, two commas."""
    return line.count(",") >= 2 and "\t" not in line and "  " not in line.strip()


def _sep_cells(line: str, split: re.Pattern, keep_leading: bool = False) -> list[tuple[int, int]]:
    """(start, end) of each cell between separators, trimmed; empty cells kept as (pos, pos). ``keep_leading``: the
    table has no left border, so an empty first cell is the first column left blank (a carried-over line)."""
    bounds, pos = [], 0
    for m in split.finditer(line):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(line)))
    # a leading/trailing separator leaves an empty outer cell: drop it
    if bounds and not keep_leading and not line[bounds[0][0]:bounds[0][1]].strip() and split.search(line[:bounds[0][1] + 1]):
        bounds = bounds[1:]
    if bounds and not line[bounds[-1][0]:bounds[-1][1]].strip():
        bounds = bounds[:-1]
    out = []
    for s, e in bounds:
        m = _TRIM.search(line, s, e)
        out.append((m.start(), m.end()) if m else (s, s))
    return out


def _tab_cells(line: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for part in line.split("\t"):
        s, e = pos, pos + len(part)
        m = _TRIM.search(line, s, e)
        out.append((m.start(), m.end()) if m else (s, s))
        pos = e + 1
    return out


def _wide_chunks(line: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WIDE_GAP.finditer(line)]


_SPACED_SLASH = re.compile(r"[ \t]+/[ \t]+")  # (never "10mg/5ml", "30/500", "7/7": no spaces around those)


def _splitter(line: str) -> re.Pattern:
    """The cell separator pattern for a line: with '::' only when the line holds one (a plain character class
    scans far faster than an alternation); without ';' when bars rule the line."""
    c = statement_patterns()
    if "::" in line:
        return c.sep_split_colons
    if line.count(" / ") >= 2 and "  " not in line.strip() and not c.sep_split.search(line):
        return _SPACED_SLASH  # an export that sets its cells apart with spaced slashes ("DRUG / ROUTE / DOSE / FREQ")
    if (";" in line or "~" in line) and c.bar_split.search(line):
        return c.bar_split  # a line ruled with bars: a semicolon or a tilde ("~18 months") inside a cell is text
    return c.sep_split


def _cell_spans(line: str, csv: bool = False) -> tuple[str, list[tuple[int, int]]]:
    """How a table line splits into cells, and the (start, end) of each: separators, tabs, a comma-separated
    export (when ``csv``), or chunks between runs of spaces (empty chunks dropped)."""
    split = _splitter(line)
    if split.search(line):
        return "sep", _sep_cells(line, split)
    if "\t" in line.strip():
        return "tab", _tab_cells(line)
    if csv and _csv_heading(line):
        return "csv", _sep_cells(line, _CSV_SPLIT if '"' in line else _COMMA)
    return "fixed", [x for x in _wide_chunks(line) if x[1] > x[0]]


def cell_texts(line: str) -> list[str]:
    """The trimmed text of each cell of one table line (a reducing calendar's row, a heading)."""
    return [line[s:e] for s, e in _cell_spans(line)[1]]


def _split_glued_headings(line: str, cells: list[tuple[int, int]], key: "LetterKey | None") -> list[tuple[int, int]]:
    """Fixed-width headings printed one space apart ("Crs DoS Iss"): a chunk no role knows whose every word is a
    known heading is that many columns."""
    out = []
    for s, e in cells:
        words = [(w.start(), w.end()) for w in re.finditer(r"\S+", line[s:e])]
        parts = _known_heading_runs(line, s, words, key) if len(words) > 1 and heading_role(line[s:e], key) is None else None
        out.extend(parts or [(s, e)])
    return out


def _known_heading_runs(line: str, s: int, words: list, key) -> list | None:
    """The chunk's words cut into runs that are each a known heading, longest first ("DAYS LEFT ST" under a key that
    explains "DAYS LEFT" -> "DAYS LEFT" + "ST"), or None when some word belongs to no known heading."""
    if len(words) > 6 or _DIGIT.search(line, s, words[-1][1] + s):
        return None  # (a heading line's chunk is a few words without figures: prose chunks are given up at once)
    out, i = [], 0
    while i < len(words):
        for j in range(min(len(words), i + 4), i, -1):
            a, b = words[i][0], words[j - 1][1]
            if heading_role(line[s + a:s + b], key):
                out.append((s + a, s + b))
                i = j
                break
        else:
            return None
    return out


_RE_ITEM_HEADING = re.compile(r"(?:item|itm|no\.?|#)", _I)


def header_columns(line: str, key: "LetterKey | None" = None) -> TableColumns | None:
    """Column roles of a table heading line, or None if the line is not one (``key``: the letter's key to its
    headings and codes, if it has one)."""
    c = statement_patterns()
    if not c.drug_heading.search(line):
        return None
    mode, cells = _cell_spans(line, csv=True)
    if len(cells) < 2:
        return None
    if mode == "fixed":
        cells = _split_glued_headings(line, cells, key)
    # a heading line has at least half its cells known (a csv export: all but a quarter); a prose line with many
    # chunks is given up at its first unknown cell too many instead of reading every chunk
    n = len(cells)
    unknown_left = n // 4 if mode == "csv" else n - (n + 1) // 2  # (a csv export: nearly all of them, "Seq" aside)
    roles = []
    # a medicines reconciliation's pair of columns ("Admission | Discharge", "Was | Now"): the dose before and the
    # dose that goes home; either word alone is no heading ("DISCHARGE   SUMMARY" over a letter)
    texts = [line[s:e].strip(" :*") for s, e in cells]
    rec_pair = any(c.rec_now.fullmatch(x) for x in texts) and \
        any(c.rec_before.fullmatch(x) or heading_role(x, key) == "previous" for x in texts)
    for (s, e), x in zip(cells, texts):
        role = heading_role(line[s:e], key)
        if role is None and rec_pair:
            role = "dose" if c.rec_now.fullmatch(x) else "previous" if c.rec_before.fullmatch(x) else None
        if role is None:
            unknown_left -= 1
            if unknown_left < 0:
                return None
        roles.append(role)
    known = [r for r in roles if r]
    if "drug" not in known or len(known) < 2 or len(known) < (len(roles) + 1) // 2:
        return None
    if mode == "csv" and (len(known) < len(roles) - n // 4 or roles[0] not in ("drug", "row_number", None)):
        return None  # prose with commas is not an export: nearly every heading known ("Seq,Drug,...")
    roles = [r or "other" for r in roles]
    if roles.count("drug") > 1:  # "ITEM  MEDICATION ...": a short item column beside the drug's is the row number
        for i, (s, e) in enumerate(cells):
            if roles[i] == "drug" and _RE_ITEM_HEADING.fullmatch(line[s:e].strip(" :*")):
                roles[i] = "row_number"
    if "days" in roles and "supply" in roles:  # a bare Days column beside a supply column is the duration
        roles = ["duration" if r == "days" else r for r in roles]
    if roles.count("dose") > 1:  # "Dose ... Amount": the second dose-like column is the amount supplied
        last = len(roles) - 1 - roles[::-1].index("dose")
        roles[last] = "quantity"
    if mode == "fixed" and roles[0] == "drug" and cells[0][1] - cells[0][0] >= 16 and len(roles) >= 2:
        # "MEDICINES TO TAKE HOME          New?   Days supplied   Qty": a title over the drug-and-directions text,
        # short columns at the right whose cells do not sit under their headings
        mode = "right"
    return TableColumns(roles, mode, [s for s, _ in cells], open_left=not line[:cells[0][0]].strip())


def row_cells(line: str, cols: TableColumns) -> list[tuple[str, int, int]]:
    """(role, start, end) of the non-empty cells of one row line, bound to the heading above (a Unit column's
    cell is read with the dose: "30-60 | mg")."""
    return [("dose" if r == "dose_unit" else r, s, e) for r, s, e in _row_cells(line, cols)]


def _row_cells(line: str, cols: TableColumns) -> list[tuple[str, int, int]]:
    c = statement_patterns()
    out = []
    if cols.mode in ("sep", "tab", "csv"):
        cells = (_sep_cells(line, _splitter(line), keep_leading=cols.open_left) if cols.mode == "sep"
                 else _tab_cells(line) if cols.mode == "tab"
                 else _sep_cells(line, _CSV_SPLIT if '"' in line else _COMMA))
        for i, (s, e) in enumerate(cells):
            if e > s:
                role = cols.roles[i] if i < len(cols.roles) else "other"
                out.append((role, s, e))
        return out
    if cols.mode == "right":
        chunks = _wide_chunks(line)
        k = len(cols.roles) - 1
        if len(chunks) <= k:
            return [("drug", chunks[0][0], chunks[-1][1])] if chunks and not line[:1].isspace() else []
        out.append(("drug", chunks[0][0], chunks[-k - 1][1]))
        out.extend((role, s, e) for role, (s, e) in zip(cols.roles[1:], chunks[-k:]))
        return out
    starts = cols.starts
    for s, e in _wide_chunks(line):
        # a chunk running over a later column start at a space is two cells written one space apart
        pieces, a = [], s
        for cs in starts:
            if a < cs < e and line[cs - 1] == " ":
                pieces.append((a, cs - 1))
                a = cs
        pieces.append((a, e))
        for ps, pe in pieces:
            k = 0
            for i, cs in enumerate(starts):
                if cs <= ps + 2:
                    k = i
            out.append((cols.roles[k], ps, pe))
    return out


_RE_QUALIFIER = re.compile(r"\s*\([^()]{1,30}\)\s*$")  # "Medicine (as dispensed)": the heading without it
# a key line: one or more "CODE = explanation" definitions ("Cover = days issued", "NW = commenced this episode")
# a key line: one or more "CODE = explanation" definitions ("Cover = days issued", "NW = commenced this episode"), or a
# line labelled as a key ("KEY  ST: N+ new this episode | C= continued", "Legend: A active, S stopped", a legend of
# symbols "Flags  ● new  ○ unchanged  ✕ stopped") whose indented
# lines below go on with it
_RE_KEY_LINE = re.compile(r"^[^\n=]{0,40}?[A-Za-z/][^\s=]{0,11}[ \t]*=[ \t]*[A-Za-z][^\n]*$", re.M)
_RE_KEY_LABELLED = re.compile(r"^[ \t]*(?:[-=*]+[ \t]*)?(?:([A-Za-z][\w .\-]{0,20}?)[ \t]+)?(?:key|legend|abbreviations?|codes?|(?P<flags>flags?)(?=[ \t]*[:\-\u2013]?[ \t]*[^\w\s:\-\u2013|│┃║¦‖;~]))\b[ \t]*[:\-\u2013]?[ \t]*(?=\S)",
                              re.M | re.I)
_RE_KEY_SENTENCES = re.compile(r"\.\s+|\s{3,}(?!\S{1,12}\s*=)")  # a label's group ends with its sentence
# (definitions one after another: "A=added  R=retained", "COMMENCED = new; CARRIED ON = as before")
_RE_KEY_PIECES = re.compile(r"\s*(?:\||;|,\s+|\s{2,}(?=[^\s=]{1,12}(?: [A-Z]{2,12})?\s*=)|\s{2,}(?=[^\w\s|=]{1,3}\s+[A-Za-z]))\s*")
_RE_KEY_DEF = re.compile(r"^(?:([A-Za-z][\w /]{0,20}?)\s*:\s*)?([A-Za-z/][^\s=]{0,11}(?: [A-Za-z][^\s=]{0,11})?)\s*=\s*"
                         r"([A-Za-z][^=]{1,80}?)\.?$")
# in a labelled key a code may stand before its explanation with no sign: "N+ new this episode", "W* ward only"
_RE_KEY_BARE_DEF = re.compile(r"^(?:([A-Za-z][\w /]{0,20}?)\s*:\s*)?([A-Z][A-Z0-9]{0,3}[^\w\s]{0,2}|[^\w\s|]{1,3})\s*(?:=|-|\u2013|:)?\s+"
                              r"([A-Za-z][^=|]{1,80}?)\.?$")
_RE_KEY_OPEN_ASIDE = re.compile(r"\s*\([^()]*=[^()]*$")
_RE_KEY_BRACKET = re.compile(r"\(([A-Za-z][\w ]{0,12}:[ \t]*[A-Z][^()\n]{6,200})\)")
_RE_KEY_LABEL_WORDS = re.compile(r"\s+(?:key|legend|codes?)$", _I)
_RE_KEY_ASIDE = re.compile(r"\s*\([^()\n]{0,40}=[^()\n]{0,40}\)")
_RE_KEY_RULE_PREFIX = re.compile(r"^(?:--|\*\*|##|//)[ \t]+")  # ("-- KEY: ...", "--      S stopped, ...")
_RE_KEY_DEF_ANY = re.compile(r"[A-Za-z/][^\s=]{0,11}[ \t]*=[ \t]*[A-Za-z]")


@dataclass
class LetterKey:
    """A letter's key to its table: codes and headings with their explanation ("Cover = days issued"), and groups
    of codes under a label ("Flag key: NW = commenced this episode | CF = carried forward unchanged")."""
    codes: dict[str, str]
    groups: dict[str, list[str]]

    def _explained_role(self, explanation: str) -> str | None:
        for role, rx in statement_patterns().key_explanations:
            if rx.search(explanation):
                return role
        return None

    def heading_role(self, heading: str) -> str | None:
        h = heading.lower()
        if h in self.codes:
            return heading_role(self.codes[h]) or self._explained_role(self.codes[h])
        expl = self.groups.get(h)
        if not expl and 2 <= len(h) <= 5 and all(ch in self.codes for ch in h.replace("/", "")):
            expl = [self.codes[ch] for ch in h.replace("/", "")]  # a heading spelt from the key's codes: "NCX", "N/C/X"
        if expl:
            roles = [self._explained_role(x) for x in expl]
            if "prn" in roles:
                return "prn"  # "Basis: REG = regular, ASREQ = as required"
            if roles.count("status") * 2 >= len(roles):
                return "status"
        return None

    def expand(self, cell: str) -> str:
        """A cell's codes read as their explanation ("NW" -> "commenced this episode")."""
        if not self.codes:
            return cell
        if (whole := self.codes.get(cell.strip().lower())) is not None:
            return whole  # a cell that is one code, a symbol too ("\u2715" under "Flags ... \u2715 stopped")
        def word(m: re.Match) -> str:
            w = m.group(0).lower()
            return self.codes.get(w) or self.codes.get(w.rstrip("=+-*~.")) or m.group(0)
        return re.sub(r"[A-Za-z/][^\s|,;]{0,11}|[^\w\s|,;]{1,3}", word, cell)  # (a symbol: "✕" under "✕ stopped")


def letter_key(layout: LetterLayout) -> LetterKey | None:
    """The letter's key to its tables, read once per letter (None when it has none)."""
    if "_letter_key" in layout.__dict__:
        return layout.__dict__["_letter_key"]
    key = None
    text = layout.text
    codes: dict[str, str] = {}
    groups: dict[str, list[str]] = {}

    def read(region: str, label: str | None, bare: bool) -> None:
        for sentence in _RE_KEY_SENTENCES.split(region.strip()):
            group = label  # ("Basis: REG = regular, ASREQ = as required.  Term = intended course.")
            # an aside of its own definitions may run over the key's lines ("Issd = quantity issued (POD = patient's
            # own | drugs, none issued)"): dropped before the sentence is cut into definitions
            sentence = _RE_KEY_ASIDE.sub("", sentence)
            for piece in _RE_KEY_PIECES.split(sentence.strip()):
                piece = _RE_KEY_ASIDE.sub("", piece).strip(" -\u2013")  # ("Crs = course (blank = none)")
                # a key in brackets after a heading ("Discharge medicines (N = new, C = as before, X = stopped)")
                if piece.startswith("("):
                    piece = piece[1:].lstrip()
                if piece.endswith(")") and piece.count(")") > piece.count("("):
                    piece = piece[:-1].rstrip()
                piece = _RE_KEY_OPEN_ASIDE.sub("", piece)  # an aside wrapped onto the next line ("Issd = qty (POD = own")
                d = _RE_KEY_DEF.match(piece) or (_RE_KEY_BARE_DEF.match(piece) if bare else None)
                if d is None:
                    continue
                if d.group(1):
                    group = _RE_KEY_LABEL_WORDS.sub("", d.group(1).strip()).lower()
                code, expl = d.group(2).lower(), d.group(3).strip()
                codes.setdefault(code, expl)
                if group:
                    groups.setdefault(group, []).append(expl)

    if "=" in text:
        for line in _RE_KEY_LINE.finditer(text):
            if len(_RE_KEY_DEF_ANY.findall(line.group(0))) >= 2 and not _RE_KEY_LABELLED.match(line.group(0)):
                read(line.group(0), None, False)  # (one "C=  Buprenorphine ..." is a table row, not a key)
    low = text.lower()
    if "key" in low or "legend" in low or "code" in low or "abbreviation" in low or "flag" in low:
        for x in _RE_KEY_LABELLED.finditer(text):
            ls, le = layout.line_bounds(x.start())
            region = [text[x.end():le]]
            k = layout.line_index(x.start()) + 1
            while k < len(layout.line_starts) and len(region) < 6:  # its indented lines go on with it
                a, b = layout.line_bounds(layout.line_starts[k])
                line = text[a:b]
                if not line.strip() or not (line[:1].isspace() or _RE_KEY_RULE_PREFIX.match(line)):
                    break
                region.append(_RE_KEY_RULE_PREFIX.sub("", line, count=1))
                k += 1
            label = x.group(1).strip().lower() if x.group(1) and x.group(1).strip().lower() not in ("flag", "code", "status") else None
            if x.group("flags") and not x.group(1):
                label = "flag"  # a legend of symbols labelled "Flags": the codes of a Flag column
            read(" | ".join(r.strip() for r in region), label or (x.group(1) or "").strip().lower() or None, True)
    if "(" in text and ":" in text:
        # a bracketed key of bare codes after a heading ("Medicines (St: S start, K keep as before, Z ceased)"): read
        # only when every piece of the bracket is a code and its explanation
        for x in _RE_KEY_BRACKET.finditer(text):
            pieces = _RE_KEY_PIECES.split(x.group(1).strip())
            if len(pieces) >= 3 and all(_RE_KEY_BARE_DEF.match(p.strip()) for p in pieces):
                read(x.group(1), None, True)
    if codes:
        key = LetterKey(codes, groups)
    layout.__dict__["_letter_key"] = key
    return key


# --------------------------------------------------------------------------------------------------------------
# segmentation
# --------------------------------------------------------------------------------------------------------------
@dataclass
class _Row:
    start: int
    end: int
    cells: dict


_RE_CARRIED_OVER = re.compile(r"[ \t]*(?:[|¦│][ \t]*)?(?:\.{3}|…|»|>>|~~|\+[ \t])")


_RE_FIRST_WORD = re.compile(r"[\w-]+")


_RE_STRENGTH_START = re.compile(r"\d+(?:\.\d+)?\s*(?:mg|micrograms?|mcg|ml)\b", _I)
_RE_FORM_DESCRIPTOR = re.compile(r"\d+[- ](?:day|hour|hr)\b", _I)  # "7-day patch (BuTrans)", "72-hour patch"


def role_text(text: str, row, role: str) -> str:
    """The text of a table row's (or statement's) cells of one role, its pieces joined by a space."""
    return " ".join(text[a:b] for a, b in row.cells.get(role, []))


def _column_of(text: str, row: "_Row", role: str) -> int | None:
    pieces = row.cells.get(role)
    if not pieces:
        return None
    return pieces[0][0] - (text.rfind("\n", 0, pieces[0][0]) + 1)


_RE_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


def _only_form_words(cell: str) -> bool:
    words = _RE_FIRST_WORD.findall(_RE_BRACKETED.sub(" ", cell))
    forms = statement_patterns().wrapped_name
    return bool(words) and all(w.lower() in forms or _RE_FORM_DESCRIPTOR.fullmatch(w) for w in words)


def _wrapped_name(text: str, line: str, cells: list[tuple[str, int, int]], above: "_Row") -> bool:
    """The rest of the row above's drug name wrapped onto its own line ("tabs (MST Continus)", "solution", a
    strength under a name printed without one: "Morphine sulfate" / "10 mg MR capsules"): the name cell starts
    with a bracket, a form word or that strength (``above``: the row above), and its other cells hold only fragments (a wrapped "times a day
    when required", "- long term"), never a row's own "PO", "STARTED" or "100ml" -- unless the line is indented
    under the name above ("| MST Continus 60 mg |" / "|  MR tablets  | ... | 28 tabs |"), as wrapped cells are."""
    name = next(((s, e) for r, s, e in cells if r == "drug"), None)
    if name is None:
        return False
    word = _RE_FIRST_WORD.match(line, name[0])
    form_word = (word is not None and word.group().lower() in statement_patterns().wrapped_name) \
        or bool(_RE_FORM_DESCRIPTOR.match(line, name[0]))
    if form_word and (above_col := _column_of(text, above, "drug")) is not None and name[0] > above_col:
        return True
    if form_word and _only_form_words(line[name[0]:name[1]]):
        return True  # "tablets", "oral solution", "MR tablets (Zomorph)": no row of its own is named that
    if any(r != "drug" and (line[s:s + 1].isupper() or line[s:s + 1].isdigit()) for r, s, e in cells):
        return False
    if line[name[0]:name[0] + 1] in "([":
        return True
    if _RE_STRENGTH_START.match(line, name[0]):
        return not _DIGIT.search(role_text(text, above, "drug"))
    return form_word


def table_rows(layout: LetterLayout) -> list[_Row]:
    """Every table row of the letter (a heading line with a Drug column, then rows until a blank line,
    a line without separators or a section heading). Continuation lines (empty Drug cell) join the row above."""
    text, c, heads = layout.text, statement_patterns(), context_patterns().header_line
    starts = layout.line_starts
    n = len(starts)
    rows: list[_Row] = []
    # heading lines name a Drug column: find those lines in one pass over the letter
    candidates = sorted({layout.line_index(m.end() - 1) for m in c.drug_heading.finditer(text)})
    ci = 0
    i = 0
    while ci < len(candidates):
        i = candidates[ci]
        ci += 1
        ls = starts[i]
        le = starts[i + 1] - 1 if i + 1 < n else len(text)
        line = text[ls:le]
        # a heading line has columns: a tab, a separator or a gap of two spaces
        cols = header_columns(line, letter_key(layout)) if ("  " in line or "\t" in line or "::" in line or c.sep_split.search(line) or _csv_heading(line)
                                                            or (line.count(" / ") >= 2 and "  " not in line.strip())) else None
        i += 1
        if cols is None:
            continue
        current: _Row | None = None
        ruled = bool(c.bar_split.search(line))
        sub_role, sub_indent = _sub_line_heading(text, starts, i, n, cols)
        if sub_role:
            i += 1  # (the heading's second, indented line: "    Directions / comments")
        while i < n:
            ls = starts[i]
            le = starts[i + 1] - 1 if i + 1 < n else len(text)
            line = text[ls:le]
            if not line.strip():
                if cols.mode == "sep" and current is None:
                    i += 1
                    continue
                break
            if c.border.match(line):
                i += 1
                continue
            if (cols.mode == "sep" and not _splitter(line).search(line)) or (cols.mode == "csv" and "," not in line):
                break
            if cols.mode == "sep" and ruled and not c.bar_split.search(line):
                break  # a bar-ruled table ends at a line with no bar ("Reason for OFF: codeine - x; y" under it)
            if cols.mode in ("fixed", "right") and heads.match(line) and not line[:1].isspace():
                break
            if sub_role and current is not None and len(line) - len(line.lstrip(" \t")) >= sub_indent:
                # an indented line under a row of a table whose heading names one: that row's directions
                a = ls + len(line) - len(line.lstrip(" \t"))
                current.cells.setdefault(sub_role, []).append((a, ls + len(line.rstrip())))
                current.end = ls + len(line.rstrip())
                i += 1
                continue
            cells = row_cells(line, cols)
            if not cells:
                i += 1
                continue
            # a line a printout marks as carried over ("    ... (MST Continus)", "¦» hours when needed", "~~ ...")
            drug_here = any(r == "drug" for r, _, _ in cells) and not (current is not None and _RE_CARRIED_OVER.match(line)) \
                and not (current is not None and _wrapped_name(text, line, cells, current)) \
                and not (current is not None and "row_number" in current.cells and not any(r == "row_number" for r, _, _ in cells))
            # (a table that numbers its rows: a line with no number goes on with the row above)
            if current is not None and not drug_here:
                for r, s, e in cells:
                    current.cells.setdefault(r, []).append((ls + s, ls + e))
                current.end = ls + max(e for _, _, e in cells)
            else:
                current = _Row(ls + cells[0][1], ls + max(e for _, _, e in cells), {})
                for r, s, e in cells:
                    current.cells.setdefault(r, []).append((ls + s, ls + e))
                rows.append(current)
            i += 1
        while ci < len(candidates) and candidates[ci] < i:  # headings inside the table just read
            ci += 1
    return rows


_RE_HEADING_PARTS = re.compile(r"\s*(?:/|&|\+|,|\band\b)\s*", _I)


def _sub_line_heading(text: str, starts: list[int], i: int, n: int, cols: TableColumns) -> tuple[str | None, int]:
    """A fixed-width table heading of two lines, the second indented and naming one field ("Drug / strength  Dose
    Freq ..." / "    Directions / comments"): each row's directions are told on indented lines under it. Returns
    that field's role (comments when it names them) and the indent those lines have, or (None, 0)."""
    if cols.mode not in ("fixed", "right") or i >= n:
        return None, 0
    le = starts[i + 1] - 1 if i + 1 < n else len(text)
    line = text[starts[i]:le]
    indent = len(line) - len(line.lstrip(" \t"))
    words = line.strip()
    if indent < 2 or not words or "  " in words or "\t" in words:
        return None, 0
    roles = [heading_role(x) for x in _RE_HEADING_PARTS.split(words) if x.strip()]
    if not roles or None in roles:
        return None, 0
    return ("comments" if "comments" in roles else roles[0]), indent


_RE_GLUED_PARTNER = re.compile(r"\s*(?:[-/+&]|with|and)\s*", _I)
_RE_OPEN_BEFORE = re.compile(r"[(\[/=]\s*$")


def _same_product(text: str, a, b) -> bool:
    """b names the same product as a ("Oramorph (morphine 10mg/5ml)", "oxycodone MR (OxyContin)"), or the
    partner of a combination glued to it ("oxycodone-acetaminophen 5/325", "codeine/paracetamol")."""
    if a.category == "opioid" and b.category != "opioid" and _RE_GLUED_PARTNER.fullmatch(text[a.end:b.start]):
        return True
    if a.generic != b.generic:
        return False
    if a.term.brand and b.term.brand and a.term.brand != b.term.brand:
        return False
    between = text[a.end:b.start]
    if _RE_OPEN_BEFORE.search(between):
        return True
    return len(between) <= 60 and not _DOSE_BETWEEN.search(between)


def unlisted_drugs(text: str, s: int, e: int, taken: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """Starts of drug-like words not in the lexicon ("senna 15mg") between s and e (``taken``: sorted spans of the
    lexicon mentions there)."""
    c = statement_patterns()
    out = []
    if not _DIGIT.search(text, s, e):
        return out
    for m in c.unlisted.finditer(text, s, e):
        word = m.group(1)
        if word.lower() in c.not_drug or not c.unlisted_after.search(text[max(s, m.start(1) - 12):m.start(1)]):
            continue
        k = bisect.bisect_right(taken, (m.start(1), float("inf"))) - 1  # (taken is sorted: one look, not a scan)
        if k >= 0 and taken[k][0] <= m.start(1) < taken[k][1]:
            continue
        out.append((m.start(1), word))
    return out


_RE_JOINED_TO_LAST = re.compile(r"\s*(?:,|and|or|&|/|\+|plus)\s*(?:(?:the|her|his|their)\s+)?", re.IGNORECASE)


def segment(layout: LetterLayout, mentions: list) -> list[Statement]:
    """The medication statements of a letter, in text order. ``mentions`` are lexicon mentions (any drug)."""
    text = layout.text
    c = statement_patterns()
    out: list[Statement] = []
    ms = sorted(mentions, key=lambda m: m.start)
    k = 0
    # tables first
    row_of: dict[int, _Row] = {}
    for row in table_rows(layout):
        while k < len(ms) and ms[k].start < row.start:
            k += 1
        inside = []
        j = k
        while j < len(ms) and ms[j].start < row.end:
            inside.append(ms[j])
            j += 1
        drug_cells = row.cells.get("drug", [])
        owners = [m for m in inside if any(a <= m.start < b for a, b in drug_cells)]
        if len(owners) > 1:
            # "MACROGOL compound sachets - while on oxycodone": a drug the cell's own words embed is its context
            cell_start = {m.start: next(a for a, b in drug_cells if a <= m.start < b) for m in owners}
            owners = [m for m in owners if not c.embedding.search(text[max(cell_start[m.start], m.start - 60):m.start])] or owners
        st = Statement(row.start, row.end, "table", cells=row.cells, cue_start=row.start)
        if owners:
            lead = next((m for m in owners if m.category == "opioid"), owners[0])
            st.owner = lead
            st.mentions = [m for m in owners if m is lead or _same_product(text, lead, m) or m.generic == lead.generic]
        elif drug_cells:  # a drug the lexicon does not know owns its row all the same
            first = text[drug_cells[0][0]:drug_cells[0][1]].split()
            st.owner_name = first[0] if first else None
        st.context = [m for m in inside if m not in st.mentions]
        out.append(st)
        for m in inside:
            row_of[id(m)] = row
    # lines outside tables
    free = [m for m in ms if id(m) not in row_of]
    by_line: dict[int, list] = {}
    for m in free:
        by_line.setdefault(layout.line_index(m.start), []).append(m)
    absorbed: set[int] = set()
    line_owner: dict[int, Statement] = {}
    for li, lms in by_line.items():
        ls, le = layout.line_bounds(lms[0].start)
        above = _field_line_owner(layout, li, line_owner, absorbed) or _embedding_wrap_owner(layout, li, lms, line_owner)
        if above is not None:
            # "   What it is for: pain, if paracetamol and ibuprofen are not enough" under "Medicine: X": the
            # drugs of a field line of an item block are context of that item
            above.context.extend(lms)
            absorbed.add(li)
            continue
        kind = layout.section_kind(lms[0].start)
        is_list = (le - ls) < 400 and (kind in ("discharge", "admission", "stopped", "changes")
                                       or _bulleted_drug_line(text, ls, lms[0].start)
                                       or _leader_drug_line(text, ls, le, lms[0].start))
        taken = sorted((m.start, m.end) for m in lms)
        unl = unlisted_drugs(text, ls, le, taken)
        events = sorted([(m.start, m) for m in lms] + [(p, w) for p, w in unl], key=lambda x: x[0])
        cur: Statement | None = None
        cur_bounds = None
        carried = None
        prev = next((st for st in reversed(out) if st.source == "prose" and st.start < ls), None) if out else None
        if not is_list and prev is not None and prev.owner is not None and prev.end >= ls \
                and layout.sentence_bounds(events[0][0]) == layout.sentence_bounds(prev.owner.start):
            # a sentence hard-wrapped at a margin goes on here: the statement of the line above is still open, so
            # a drug the wrapped words embed ("... in place of\nMST 30 mg twice daily") is its context
            cur, cur_bounds = prev, layout.sentence_bounds(prev.owner.start)
        carried = cur
        for pos, item in events:
            bounds = (ls, le) if is_list else layout.sentence_bounds(pos)
            if cur is not None and cur_bounds != bounds:
                # a new sentence (or window of a long one): the statement never runs past the next drug
                cur.end = min(cur.end, cur_bounds[1], pos)
                if cur_bounds[1] > pos:
                    bounds = (max(bounds[0], cur.end), bounds[1])
                cur = None
            if isinstance(item, str):  # an unlisted drug starts a statement of its own
                if cur is not None:
                    cur.end = pos
                cur = Statement(pos, bounds[1], "list" if is_list else "prose", owner_name=item, cue_start=pos)
                cur_bounds = bounds
                out.append(cur)
                continue
            m = item
            if cur is not None:
                before = text[max(cur.start, pos - 60):pos]
                if c.embedding.search(before) or (cur.context and cur.context[-1].end >= cur.start and
                                                   _RE_JOINED_TO_LAST.fullmatch(text, cur.context[-1].end, pos)):
                    # "... when the paracetamol and ibuprofen are not enough": both are context
                    cur.context.append(m)
                    continue
                if cur.owner is not None and _same_product(text, cur.mentions[-1], m):
                    cur.mentions.append(m)
                    continue
                cur.end = pos
            first = cur is None
            start = pos
            cue_start = (ls if is_list else bounds[0]) if first else pos
            if carried is not None and cur is carried:
                # the first drug on a line a wrapped sentence goes on to: its status words may end the line above
                # ("..., so for the first few nights we have given her\noxycodone 5 mg ..."), after the last break
                brk = last_match(_RE_CLAUSE_BREAK, text, carried.owner.end, pos)
                cue_start = brk.end() if brk is not None else carried.owner.end
            cur = Statement(start, bounds[1], "list" if is_list else "prose", owner=m, mentions=[m],
                            cue_start=cue_start)
            cur_bounds = bounds
            out.append(cur)
        if cur is not None and cur.owner is not None:
            line_owner[li] = cur
    _join_wrapped_lines(layout, out, {k: v for k, v in by_line.items() if k not in absorbed}, row_of)
    _field_blocks(layout, out)
    _extend_to_directions(layout, out)
    out.sort(key=lambda s: s.start)
    for st, nxt in zip(out, out[1:]):
        # a sentence wrapped over lines never carries one drug's statement past the next drug's: "we increased his
        # MST Continus to 60 mg twice daily, which he will\ncontinue at home, and we have started Oramorph ..."
        if st.source != "table" and st.start < nxt.start < st.end:
            st.end = nxt.start
        if st.source == "prose" and st.end == nxt.start and nxt.owner is not None:
            # "... five patches supplied, and for breakthrough pain | oxycodone liquid ...": the lead-in is the next drug's
            lead = c.next_lead_in.search(text, max(st.start, st.end - 80), st.end)
            if lead is not None and lead.start() > (st.owner.end if st.owner is not None else st.start):
                st.end = lead.start()
    for st in out:
        st.end = max(st.end, st.start)
    return out




def directions_after(text: str, end: int) -> re.Match | None:
    """The patient's directions opening the sentence after a drug's clause or statement that ends its sentence at
    ``end`` ("... 50mg capsules. Take one or two capsules ..."), else None."""
    if "." not in text[max(0, end - 1):end + 1]:
        return None
    return statement_patterns().directions_next.match(text, end)


def _extend_to_directions(layout: LetterLayout, statements: list[Statement]) -> None:
    """A prose statement whose sentence names the drug without its sig goes on over the next sentence when that one
    gives the patient's directions ("You have been given X 50mg capsules. Take one or two capsules ... You have 30
    capsules."): the directions, and the sentences after them on the same line that name no drug, are its words."""
    text = layout.text
    for st in statements:
        if st.source != "prose" or st.owner is None or (d := directions_after(text, st.end)) is None:
            continue
        st.soft_breaks += tuple(k for k in range(st.end, d.end()) if text[k] == "\n")
        st.directions_start = d.start()
        le = text.find("\n", d.end())
        st.end = len(text) if le < 0 else le


def _bulleted_drug_line(text: str, ls: int, first: int) -> bool:
    """A bullet that opens with a drug's name ("  ~ Shortec 5 mg capsules ~ Take ONE ... Max 4 in 24 hours. Qty: 14.")
    is one item, whatever the heading above it: its sentences are one statement."""
    b = RE_ITEM.match(text[ls:first + 1]) if first - ls < 16 else None  # (^ anchors only at the string's start)
    return b is not None and first - ls - b.end() <= 2


def _leader_drug_line(text: str, ls: int, le: int, first: int) -> bool:
    """A line that opens with a drug's name and runs on in dotted leaders ("  Codeine 30mg tablets ....... ONE
    four times a day ....... 28 tablet") is one item of a printed list, whatever the heading above it."""
    return not text[ls:first].strip() and "...." in text[first:le]


_RE_FIELD = re.compile(r"([ \t]*)(?:[|│>*•◦·▪‣–-][ \t]*)?([A-Za-z][A-Za-z /()&._-]{0,40}?)[ \t]*[:=][ \t]*(\S[^\n]*?)[ \t]*$")
_RE_MORE_FIELDS = re.compile(r"(?:\s{2,}|\t|\s\|\s)([A-Za-z][A-Za-z /()&._-]{0,30}?)[ \t]*:[ \t]*")
_RE_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
# a value that reads as directions: a dose figure, then a frequency or PRN word (the sig vocabulary)
_RE_DIRECTIONS = re.compile(r"\b(?:\d+(?:\.\d+)?\s*(?:mg|ml|micrograms?|mcg)|one|two|1|2)\b[^\n]{0,60}?" + FREQ_OR_PRN_WORDS,
                            re.IGNORECASE)
# labels of item blocks that are no table heading: "Take: ...", "How many you have: 20", "What it is for: ..."
_FIELD_WORDS = {"take": "dose", "use": "dose", "apply": "dose", "give": "dose", "sig": "dose", "how": None, "what": "indication"}
_SIG_ROLES = ("dose", "freq", "strength", "quantity", "duration", "supply", "days", "cap", "prn")


def field_role(label: str) -> str | None:
    """The role of an exported field's label, read like a table heading: "Strength", "Qty supplied", and the
    dotted or camel-case names of structured exports ("dosageInstruction.text" -> dose, "reasonCode" -> indication):
    the whole label, then its words from the first on."""
    role = heading_role(label)
    if role is not None:
        return role
    words = _RE_CAMEL.sub(" ", label).replace(".", " ").replace("_", " ").lower().split()
    if words and words[0] in _FIELD_WORDS:
        return _FIELD_WORDS[words[0]]
    for k in range(len(words) - 1, 0, -1):
        role = heading_role(" ".join(words[:k]))
        if role is not None:
            return role
    return None


def _field_blocks(layout: LetterLayout, statements: list[Statement]) -> None:
    """An item exported one field to a line ("Medication name: Oxycodone" / "Strength: 5 mg" / "Dose: 5 mg to 10 mg" /
    "Frequency: ..." / "Quantity: 28 capsules" / "Status: New", or a structured export's "medication:" /
    "dosageInstruction.text:" / "dispenseRequest:"): the labelled lines around the drug's line, up to a blank line,
    a line that is no field or another drug's line, are the cells of one table row read by their headings (at
    least two sig fields); the drug's own line is the drug cell."""
    text, starts = layout.text, layout.line_starts
    drug_lines = {layout.line_index(st.start) for st in statements if st.owner is not None or st.owner_name}

    def field(j: int):
        a = starts[j]
        b = starts[j + 1] - 1 if j + 1 < len(starts) else len(text)
        return _RE_FIELD.match(text, a, b) if b - a < 300 else None

    def chunks(f: re.Match) -> list[tuple[str, int, int]]:
        """(label, value start, value end) of each field on the line ("Dispensed: 10 tablets   Course: 5 days")."""
        out = [(f.group(2), f.start(3), f.end(3))]
        for g in _RE_MORE_FIELDS.finditer(text, f.start(3), f.end(3)):
            label, vs, ve = out[-1]
            out[-1] = (label, vs, g.start())
            out.append((g.group(1), g.end(), ve))
        return [(lb, vs, max(vs, _end_before_blanks(text, ve))) for lb, vs, ve in out]

    taken: set[int] = set()  # lines an item above already read as its fields
    for st in sorted(statements, key=lambda x: x.start):
        if st.source == "table" or st.owner is None:
            continue
        li = layout.line_index(st.start)
        ls, le = layout.line_bounds(st.start)
        if ":" not in text[ls:st.start] and text.find(":", le + 1, le + 48) < 0 and \
                (li == 0 or ":" not in text[starts[li - 1]:starts[li - 1] + 48]):
            continue  # (no field label beside the drug's line: most statements are left here, cheaply)
        own = field(li)
        if own is not None and own.start(3) <= st.start and field_role(own.group(2)) != "drug":
            continue  # a drug named in another field ("Duration: while taking oxycodone", "GP action: ..."): not an item
        ind = len(own.group(1)) if own else len(text[starts[li]:st.start]) - len(text[starts[li]:st.start].lstrip())
        cells: dict = {"drug": [(st.start, le)]}
        lines = []
        below = []
        j = li - 1
        while j >= 0 and j not in drug_lines and j not in taken and (f := field(j)) and len(f.group(1)) == ind \
                and field_role(f.group(2)) != "drug":  # (another item's name line or fields: its block, not this one)
            lines.append(f)
            j -= 1
        j = li + 1
        while j < len(starts) and j not in drug_lines and (f := field(j)) and len(f.group(1)) >= ind \
                and field_role(f.group(2)) != "drug":
            lines.append(f)
            below.append(j)
            j += 1
        if own is not None:  # the drug's own line may hold more fields after the name
            lines.append(own)
        for f in lines:
            for k, (label, vs, ve) in enumerate(chunks(f)):
                if f is own and k == 0:
                    continue
                # (an unknown label whose value reads as directions: "Take: ONE capsule every 4-6 hours" is the dose)
                role = field_role(label) or ("dose" if _RE_DIRECTIONS.search(text, vs, ve) else "other")
                if role != "drug" and ve > vs:
                    cells.setdefault(role, []).append((vs, ve))
                if f is own and k == 1:
                    cells["drug"] = [(st.start, min(le, max(st.start, vs - len(label) - 1)))]
        sig_roles = sum(1 for r in cells if r in _SIG_ROLES)
        # (a stopped item's block has a status and no sig: "status: stopped" / "medication: Tramadol 50 mg")
        # (a medicines reconciliation's "Was: 20mg OD   Now: 20mg OD" under the drug: the dose before and the dose now)
        if sig_roles >= 2 or (sig_roles and len(lines) >= 3) or ("status" in cells and len(lines) >= 2) or \
                (sig_roles and "previous" in cells):
            taken.update(below)
            for pcs in cells.values():
                pcs.sort()
            st.source, st.cells = "table", cells
            st.start = min(st.start, min(a for pcs in cells.values() for a, _b in pcs))
            st.end = max(st.end, max(b for pcs in cells.values() for _a, b in pcs))


_INDENT = re.compile(r"[ \t]*")
_BOX_SIDES = "|│┃║"


def _end_before_blanks(text: str, end: int) -> int:
    """``end`` moved back over spaces and tabs (without copying the text before it)."""
    while end > 0 and text[end - 1] in " \t":
        end -= 1
    return end


def _box_side_breaks(text: str, ns: int, ind: int) -> tuple:
    """Offsets read as spaces where a box's line goes on at line ``ns`` (indent ``ind``): the side closing the line
    above, the line break and the side opening this line."""
    prev_end = _end_before_blanks(text, ns - 1)
    return tuple(k for k in (prev_end - 1, ns - 1, ns + ind) if k >= 0 and (text[k] in _BOX_SIDES or k == ns - 1))
# a line that breaks off mid-phrase: a trailing joining word or mark ("FOUR TIMES A", "REDUCE TO", "bd and")
_RE_BROKEN_OFF = re.compile(r"(?:\b(?:a|an|the|to|of|and|or|for|with|then|per|in|at|by|after|every|up|than|times)|[,(&+/–-])"
                            r"[ \t]*\n?$", re.IGNORECASE)
_RE_FIELD_LINE = re.compile(r"[ \t]*(?:what\s+(?:it|they)\s+(?:is|are)\s+for|indication|reason|comments?|notes?|"
                            r"how\s+(?:to|and\s+when\s+to)\s+(?:take|use|apply)\s+(?:it|them))\s*[:=]", re.IGNORECASE)


_RE_CLAUSE_BREAK = re.compile(r"[,;:]\s*(?:and\s+|but\s+|so\s+)?|\s(?:and|but|so)\s", re.IGNORECASE)


def _embedding_wrap_owner(layout: LetterLayout, li: int, lms: list, line_owner: dict) -> "Statement | None":
    """The item whose wrapped line this is, when the line's drugs are only context of it: "- Oramorph ... for pain
    not\n   relieved by co-dydramol - 100 ml supplied" (deeper indentation, goes on in lower case, the drug
    embedded by the words just before it)."""
    prev = line_owner.get(li - 1)
    if prev is None or prev.owner is None or prev.source == "table":
        return None
    text, starts = layout.text, layout.line_starts
    ls, pls = starts[li], starts[li - 1]
    ind, pind = _INDENT.match(text, ls).end() - ls, _INDENT.match(text, pls).end() - pls
    if ind <= pind or not text[ls + ind:ls + ind + 1].islower() or prev.end < ls - 1:
        return None
    before = text[max(prev.start, lms[0].start - 60):lms[0].start]
    if not statement_patterns().embedding.search(before):
        return None
    prev.end = starts[li + 1] - 1 if li + 1 < len(starts) else len(text)
    prev.soft_breaks += (ls - 1,)
    return prev


def _field_line_owner(layout: LetterLayout, li: int, line_owner: dict, absorbed: set) -> "Statement | None":
    """The item a field line ("What it is for: ...", "Comments: ...") belongs to: the statement that starts on
    the closest line above, when every line between is a field or continuation line of that item."""
    text, starts = layout.text, layout.line_starts
    if not _RE_FIELD_LINE.match(text, starts[li]):
        return None
    for j in range(li - 1, max(-1, li - 5), -1):
        if j in line_owner and j not in absorbed:
            return line_owner[j]
        ls = starts[j]
        le = starts[j + 1] - 1 if j + 1 < len(starts) else len(text)
        line = text[ls:le]
        if not line.strip() or not (j in absorbed or statement_patterns().continuation.match(line)):
            return None
    return None


_RE_LIST_SEP_BEFORE = re.compile(r"\S[ \t]*[;,](?:[ \t]*(?:and|with|plus))?[ \t]*$", re.I)
_RE_SENTENCE_END = re.compile(r"(?<![\d.])[.!?](?=\s+[A-Z]|\s*$)", re.MULTILINE)


def _join_wrapped_lines(layout: LetterLayout, statements: list[Statement], by_line: dict, row_of: dict) -> None:
    """A line wrapped under its item ("Morphine 10mg/1ml inj  2.5-5mg SC 1-hourly PRN,\n<indent>max 4 doses in
    24 hours") belongs to the last statement of the line above: deeper indentation, no drug, no bullet."""
    text, starts = layout.text, layout.line_starts
    heads = context_patterns().header_line
    row_lines = set()
    for st in statements:
        if st.source == "table":
            row_lines.update(range(layout.line_index(st.start), layout.line_index(max(st.start, st.end - 1)) + 1))

    def row_of_line(j: int) -> bool:
        return j in row_lines

    last_on_line: dict[int, Statement] = {}
    for st in statements:
        if st.source != "table":
            li = layout.line_index(st.start)
            if li not in last_on_line or last_on_line[li].start < st.start:
                last_on_line[li] = st
    for li, st in last_on_line.items():
        ls, le = layout.line_bounds(st.start)
        if st.end < le - 1 and text[st.end:le].strip():
            continue  # the statement ends before its line does
        indent = _INDENT.match(text, ls).end() - ls
        j = li + 1
        while j < len(starts):
            ns = starts[j]
            ne = starts[j + 1] - 1 if j + 1 < len(starts) else len(text)
            line = text[ns:ne]
            ind = _INDENT.match(line).end()
            if j in by_line and st.source == "prose" and layout.wraps_into_next(j - 1) \
                    and (stop := _RE_SENTENCE_END.search(text, ns, ne)) is not None \
                    and stop.end() <= min(m.start for m in by_line[j]):
                # the sentence the margin cut ends on the next line before that line's own drug: "... no more than
                # 30 mg in 24 hours," / "x20 capsules (5 days). We have also started Laxido ..."
                st.soft_breaks += (ns - 1,)
                st.end = stop.end()
                break
            if j in by_line and st.source == "prose" and layout.wraps_into_next(j - 1) \
                    and (sep := _RE_LIST_SEP_BEFORE.search(text, ns, min(m.start for m in by_line[j]))) is not None:
                # the item the margin cut goes on to a list separator before the next line's own drug: "... have
                # collected: morphine" / "sulfate 30mg/ml injection 10-15mg SC 2-hourly ..., 10 ampoules; midazolam"
                st.soft_breaks += (ns - 1,)
                st.end = sep.start() + 1
                break
            if not line.strip() or j in by_line or row_of_line(j) or (not ind and heads.match(text, ns)):
                break  # (nor a heading line at the margin: "TTO:" under a sentence is the next section)
            # deeper indentation under the item, or a line that starts like the rest of a sig ("#30  TTO 7/7"), or
            # the rest of a sentence the line above broke off mid-phrase ("... FOUR TIMES A" / "DAY AFTER 1/52")
            # (an indented item's sub-bullet with no drug of its own, "       -  28 capsules  (new)", goes on it too)
            deeper = ind >= (indent + 3 if indent else 8)
            if (deeper and (indent or not RE_ITEM.match(line))) or statement_patterns().continuation.match(line):
                if deeper and text[ns - 2:ns - 1].isalpha() and line[ind:ind + 1].islower():
                    st.soft_breaks += (ns - 1,)  # "... for breakthrough" / "     bone pain; ...": one phrase
                if line[ind:ind + 1] in _BOX_SIDES:
                    # a label box's lines ("| Take ONE ... WHEN    |" / "| REQUIRED. ...  |"): its sides are no text
                    st.soft_breaks += _box_side_breaks(text, ns, ind)
            elif line[ind:ind + 1] in _BOX_SIDES and text[ls:le].lstrip()[:1] in _BOX_SIDES \
                    and sum(line.count(ch) for ch in _BOX_SIDES) <= 2:  # (a box's two sides, no table's cells)
                # the next line of the same label box, no drug of its own: the label goes on
                st.soft_breaks += _box_side_breaks(text, ns, ind)
            elif (_RE_BROKEN_OFF.search(text, max(ls, st.end - 40), st.end) and not RE_ITEM.match(line)) \
                    or layout.wraps_into_next(j - 1):
                st.soft_breaks += (ns - 1,)  # one sentence cut by the line end: read as if the break were a space
                if st.source == "prose" and (stop := _RE_SENTENCE_END.search(text, ns, ne)) is not None:
                    st.end = stop.end()  # a prose sentence wrapped at a margin ends at its full stop, not its line
                    break
            else:
                break
            st.end = ne
            j += 1
