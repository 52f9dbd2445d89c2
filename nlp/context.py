"""Where a drug mention sits in the letter, and why it is (not) a discharge prescription.

* Sections: headings such as "Medications on discharge", "TTO", "Medications on admission", "Allergies",
  "Stopped", "Plan", "Actions for GP" open a section. A heading alone on its line opens a block that runs to the
  next heading (or to a new prose paragraph); a heading followed by text on the same line ("Allergies: morphine")
  covers that line only. Upper-case headings inside a line (US notes: "ALLERGIES: ... MEDICATIONS: ...") also count.
* Clauses: sentence and list-item boundaries found on the line around a position, computed on demand.
* Mention context: allergy, family, other (declined/avoided, naloxone, loperamide), historical, stopped,
  inpatient_only, admission (pre-admission list), reference (plan/changes/GP lines without a prescription) or rx.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from nlp.rules import folded, gated, json_rules


_I = re.IGNORECASE


def context_rules() -> dict:
    return json_rules("context_rules.json")


@dataclass
class ContextPatterns:
    header_line: re.Pattern
    header_line_prefixed: re.Pattern
    header_mid: re.Pattern
    header_caps: re.Pattern
    kinds: list[str]
    cues: dict[str, re.Pattern]
    wean_negated: re.Pattern
    gp_directive: re.Pattern
    gp_opioid_words: re.Pattern
    gp_lead_in: re.Pattern
    ind_for: re.Pattern
    ind_labelled: re.Pattern
    ind_not: re.Pattern
    palliative: re.Pattern
    chronic: re.Pattern
    malignant_disease: re.Pattern


@lru_cache(maxsize=1)
def context_patterns() -> ContextPatterns:
    r = context_rules()
    kinds = list(r["section_headers"])
    groups = []
    for k in kinds:
        groups.append(f"(?P<{k}>" + "|".join(f"(?:{p})" for p in r["section_headers"][k]) + ")")
    alts = "|".join(groups)
    # a bracketed or dashed qualifier before the colon ("DH (POD, all cont):", "DH - unchanged, POD:"): words only
    tail = r")[ \t]*(?:\([^)\n]{0,80}\)|[-\u2013\u2014][ \t]*[A-Za-z/&']+(?:(?:,[ \t]*|[ \t])[A-Za-z/&']+){0,3}(?=[ \t]*:))?[ \t]*(?P<colon>:|(?=\r?\n)|$)"
    header_line = folded(re.compile(r"(?im)^[ \t]*(?:" + alts + tail), gate=False)
    # a numbered or possessive heading ("4. MEDICATION ON DISCHARGE", "Your medicines to take home") is the same
    # heading: a second pattern whose prefix is required, so the plain one keeps its fast literal scan
    # (or lettered in brackets: "[E] MEDICINES GOING HOME (TTO)")
    header_line_prefixed = re.compile(r"(?im)^[ \t]*(?:\d{1,2}(?:\.\d{1,2})?(?:[.)][ \t]*|[ \t]+)|\[[A-Z0-9]{1,2}\][ \t]*|"
                                      r"(?:your|the\s+patient'?s|her|his|their)\s+)(?:" + alts + tail)
    mid_kinds = ("allergy", "family")
    mid = "|".join(f"(?P<{k}>" + "|".join(f"(?:{p})" for p in r["section_headers"][k]) + ")" for k in mid_kinds)
    header_mid = re.compile(r"(?i)(?:" + mid + r")\s*:")
    header_caps = re.compile(r"(?i)(?:" + alts + r")\s*(?:\([^)\n]{0,40}\))?\s*:")
    # cues and phrases are asked about clauses and statements: behind literal gates (nlp.rules.gated); the
    # headings are matched at a position with no end, where a gate would read the rest of the letter (header_line, found
    # in one pass over the letter, runs as a case-sensitive twin on the folded letter: nlp.rules.folded, 20% faster)
    cues = {k: gated(re.compile(v, _I)) for k, v in r["cues"].items()}
    w, g, ind = r["weaning"], r["gp"], r["indication"]

    def phrase(src: str):
        return gated(re.compile(src, _I))

    return ContextPatterns(
        header_line=header_line, header_line_prefixed=header_line_prefixed, header_mid=header_mid, header_caps=header_caps, kinds=kinds, cues=cues,
        wean_negated=phrase(w["negated"]),
        gp_directive=phrase(g["directive"]), gp_opioid_words=phrase(g["opioid_words"]),
        gp_lead_in=phrase(g["lead_in"]),
        ind_for=phrase(ind["for_reason"]), ind_labelled=phrase(ind["labelled"]),
        ind_not=phrase(ind["not_indication"]),
        palliative=phrase(r["palliative"]), chronic=phrase(r["chronic"]),
        malignant_disease=phrase(r["malignant_disease"]),
    )




_RE_CAPS_CAND = re.compile(r"[A-Z][A-Z/&() -]{1,50}:")
_RE_TAG_HEAD = re.compile(r"(?m)^[ \t]*\[(/?)[ \t]*([A-Za-z][A-Za-z0-9_ /&-]{1,60})\][ \t]*$")
_RE_REGULAR_HEAD = re.compile(r"[ \t]*(?:\d{1,2}[.)]?[ \t]*)?regular\s+(?:medications?|medicines|meds|drugs)\b", re.I)
RE_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*•·‣◦▪+−~=]|\d{1,2}[.)]|\(\d{1,2}\)|\[[A-Za-z ]{1,10}\]|[a-z][.)])[ \t]+")
RE_BULLET = re.compile(r"^[ \t]*(?:[-*•·‣◦▪+−~=]|\d{1,2}[.)]|\(\d{1,2}\)|[a-z][.)])[ \t]+")


_LIST_KINDS = ("discharge", "admission", "stopped", "changes")
_TAKE_HOME_KINDS = ("discharge", "changes")
# a list's legend of item markers ("(+ started  − stopped  ~ dose changed  = unchanged)"): marker -> status
_RE_LEGEND = re.compile(r"([+−~=*-])\s*(?:=\s*|:\s*)?(started|new|added|stopped|discontinued|ceased|dose\s+changed|changed|"
                        r"increased|reduced|unchanged|continued)\b", re.IGNORECASE)
_LEGEND_STATUS = {"started": "new", "new": "new", "added": "new", "stopped": "stopped", "discontinued": "stopped",
                  "ceased": "stopped", "unchanged": "continued", "continued": "continued"}


def legend_status(text: str, heading: str, line: str) -> str | None:
    """The status an item's marker has in its list's legend ("− MST 20 mg BD" under "(+ started − stopped)"):
    'new', 'stopped', 'changed' or 'continued'; None without a legend or marker."""
    first = line.lstrip()[:1]
    if not first or first.isalnum():
        return None
    for m in _RE_LEGEND.finditer(heading):
        if m.group(1) == first:
            word = " ".join(m.group(2).lower().split())
            return _LEGEND_STATUS.get(word, "changed")
    return None


@dataclass
class Section:
    start: int  # start of the heading
    body_start: int  # first character after the heading
    end: int
    kind: str
    inline: bool


class LetterLayout:
    """Lines, sections and clause boundaries of one letter (computed once per letter)."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self._sentence_memo: dict[int, tuple[int, int]] = {}
        self._clause_memo: dict[int, tuple[int, int]] = {}
        self.sections = self._sections()
        self._sec_starts = [s.start for s in self.sections]

    # --- lines ---------------------------------------------------------------------------------------------
    def line_index(self, pos: int) -> int:
        return bisect.bisect_right(self.line_starts, pos) - 1

    def line_bounds(self, pos: int) -> tuple[int, int]:
        i = self.line_index(pos)
        s = self.line_starts[i]
        e = self.line_starts[i + 1] - 1 if i + 1 < len(self.line_starts) else len(self.text)
        return s, e

    def line_text(self, pos: int) -> str:
        s, e = self.line_bounds(pos)
        return self.text[s:e]

    def wraps_into_next(self, i: int) -> bool:
        """Line i's last sentence goes on at the start of line i + 1: the letter was hard-wrapped at a margin
        (see Margins; worked out once, when first asked)."""
        if i + 1 >= len(self.line_starts):
            return False
        text, ls, nxt = self.text, self.line_starts[i], self.line_starts[i + 1]
        if _RE_BRAND_TAIL_START.match(text, nxt) and text[nxt - 2:nxt - 1].isalpha():
            return True  # a brand's second word wrapped to the next line ("... we increased his MST" / "Continus from 40 mg")
        if nxt - ls > 40 and _RE_STRENGTH_START.match(text, nxt) and _RE_NAME_LEAD_END.search(text, max(ls, nxt - 40), nxt - 1):
            return True  # a drug named at a prose line's end, its strength on the next ("... for the home: morphine sulfate" / "10 mg/1 ml injection, ...")
        if not _RE_LOWER_START.match(text, nxt) and not _ends_dangling(text[max(ls, nxt - 16):nxt]):
            return False  # (the next line goes on in lower case, or this one ends mid-phrase: "... in place of" /
            # "MST 30 mg ..."; most lines are ruled out here, cheaply)
        cues = context_patterns().cues
        if cues["dose_at_line_end"].search(text, max(ls, nxt - 24), nxt - 1) and \
                cues["sig_goes_on"].match(text, nxt, min(len(text), nxt + 40)):
            return True  # "... oral solution, 2.5mg (2.5ml)" / "up to four times a day": a sig cut after its dose
        margins = self.__dict__.get("_margins")
        if margins is None:
            margins = self._margins = Margins(self.text, self.line_starts)
        return margins.wrapped(i)

    # --- sections ------------------------------------------------------------------------------------------
    def _sections(self) -> list[Section]:
        c = context_patterns()
        text = self.text
        heads = []
        for rx in (c.header_line, c.header_line_prefixed):
            for m in rx.finditer(text):
                kind = next(k for k in c.kinds if m.group(k) is not None)
                heads.append((m.start(), m.end(), kind, "line"))
        low = text.lower()
        for kw in ("allerg", "intoleran", "family", "social", "adr"):
            i = low.find(kw)
            while i >= 0:
                if i == 0 or not text[i - 1].isalnum():
                    m = c.header_mid.match(text, i)
                    if m:
                        kind = next(k for k in ("allergy", "family") if m.group(k) is not None)
                        heads.append((m.start(), m.end(), kind, "mid"))
                i = low.find(kw, i + 1)
        # a bracketed tag heading alone on its line ("[DISCHARGE_MEDICINES]" ... "[/DISCHARGE_MEDICINES]"), as
        # exports of structured records print them: its words (underscores as spaces) are the heading; a closing
        # tag, or a tag that names no heading, ends the section above it
        for m in _RE_TAG_HEAD.finditer(text):
            words = m.group(2).replace("_", " ").strip()
            h = None if m.group(1) else c.header_line.match(words)
            kind = "body"
            if h is not None and not words[h.end():].strip(" :"):
                kind = next(k for k in c.kinds if h.group(k) is not None)
            heads.append((m.start(), m.end(), kind, "line"))
        for cand in _RE_CAPS_CAND.finditer(text):
            if cand.start() > 0 and text[cand.start() - 1] not in " \t\n.,;":
                continue
            m = c.header_caps.match(text, cand.start())
            if not m:
                continue
            word = m.group(0).split(":")[0]
            if not word.strip() or not word.isupper() or len(word.strip()) < 2:
                continue
            kind = next(k for k in c.kinds if m.group(k) is not None)
            heads.append((m.start(), m.end(), kind, "caps"))
        heads.sort()
        dedup = []
        for h in heads:
            if dedup and h[0] < dedup[-1][1]:
                continue
            dedup.append(h)
        sections: list[Section] = []
        for i, (s, e, kind, how) in enumerate(dedup):
            if kind == "reconciliation":
                # a reconciliation list above the discharge list is what the patient took before; one with no
                # discharge list after it holds the decisions itself (Action / On discharge columns)
                kind = "admission" if any(h[2] == "discharge" for h in dedup[i + 1:]) else "body"
            if kind == "admission" and how == "line" and cue("list_goes_home", text[s:e]):
                kind = "discharge"  # a drug history whose heading says it all goes home ("DH (POD, all cont):")
            if kind == "admission" and _RE_REGULAR_HEAD.match(text, s, e) and \
                    not any(h[2] in _TAKE_HOME_KINDS for h in dedup):
                # "REGULAR MEDICINES" / "WHEN REQUIRED" as the letter's only medicines list: the list that goes home
                # (regular as against when-required, not the drug history), there being no other
                kind = "discharge"
            if kind == "sub_list":
                # "As required", "PRN", "Regular" under a list heading: more of the same list, else plain text
                prev = sections[-1] if sections else None
                kind = prev.kind if prev is not None and not prev.inline and prev.kind in _LIST_KINDS \
                    and not text[prev.end:s].strip() else "body"
            nxt = dedup[i + 1][0] if i + 1 < len(dedup) else len(text)
            ls, le = self.line_bounds(s)
            rest = text[e:le].strip()
            if how == "line" and not rest:
                end = self._block_end(e, nxt)
                sections.append(Section(s, e, end, kind, False))
            else:
                end = min(nxt, le) if how != "caps" else nxt
                if how == "caps" and "\n" in text[e:nxt]:
                    # ("ALLERGIES: MORPHINE", "STOPPED: GABAPENTIN ..." hold their content on their own line: a blank
                    # line and prose after it end them; a discharge list's inline title keeps the old reach, where
                    # the patient's instructions below it still belong to its items)
                    end = min(nxt, self._block_end(e, nxt, seen_content=bool(rest) and kind not in _TAKE_HOME_KINDS,
                                                   table_ends=kind not in _LIST_KINDS))
                sections.append(Section(s, e, end, kind, True))
        return sections

    def _block_end(self, body_start: int, limit: int, seen_content: bool = False, table_ends: bool = False) -> int:
        """A heading-only block ends at the next heading or at a new prose paragraph after a blank line; with
        ``table_ends``, also at a medicines table's heading line ("ADR: morphine - itch" / "| Drug | Dose | ...")."""
        text = self.text
        i = self.line_index(body_start) + 1
        blank = False
        while i < len(self.line_starts):
            ls = self.line_starts[i]
            if ls >= limit:
                return limit
            le = self.line_starts[i + 1] - 1 if i + 1 < len(self.line_starts) else len(text)
            line = text[ls:le]
            if not line.strip():
                blank = True
            elif table_ends and _RE_DRUG_TABLE_HEAD.match(line):
                return ls
            else:
                is_item = bool(RE_LIST_ITEM.match(line)) or "|" in line or "\t" in line or line.startswith((" ", "\t"))
                if blank and seen_content and not is_item:
                    return ls
                seen_content = True
                blank = False
            i += 1
        return limit

    def section_at(self, pos: int) -> Section | None:
        i = bisect.bisect_right(self._sec_starts, pos) - 1
        while i >= 0:
            s = self.sections[i]
            if s.start <= pos < s.end:
                return s
            if s.end <= pos and not s.inline:
                return None
            i -= 1
        return None

    def next_section_start(self, pos: int) -> int | None:
        i = bisect.bisect_right(self._sec_starts, pos)
        return self._sec_starts[i] if i < len(self._sec_starts) else None

    def section_kind(self, pos: int) -> str:
        s = self.section_at(pos)
        return s.kind if s else "body"

    # --- clauses -------------------------------------------------------------------------------------------
    def sentence_bounds(self, pos: int) -> tuple[int, int]:
        """The sentence around pos on its line, at most MAX_CLAUSE characters either side of pos (a letter
        of one endless line must not make every mention read the whole line: extraction stays linear).
        Answers are kept per position: every component asks about the same mentions and keywords."""
        hit = self._sentence_memo.get(pos)
        if hit is None:
            s, e = self._sentence_bounds(pos)
            hit = self._sentence_memo[pos] = (max(s, pos - MAX_CLAUSE), min(e, pos + MAX_CLAUSE))
        return hit

    def _sentence_bounds(self, pos: int) -> tuple[int, int]:
        ls, le = self.line_bounds(pos)
        rel = pos - ls
        starts, ends, cut = self._line_sentences(ls, le)
        start, end = 0, le - ls
        i = bisect.bisect_right(ends, rel)  # last boundary ending at or before pos
        if i:
            start = ends[i - 1]
        j = bisect.bisect_left(starts, rel)  # first boundary starting at or after pos
        if j < len(starts):
            end = cut[j]
        s, e = ls + start, ls + end
        # a sentence a printout's margin cut goes on over the line break (a few lines at most)
        k = self.line_index(pos)
        for _ in range(3):
            if e != le or not self.wraps_into_next(k):
                break
            k += 1
            ls, le = self.line_bounds(self.line_starts[k])
            starts, _ends, cut = self._line_sentences(ls, le)
            e = ls + (cut[0] if starts else le - ls)
        k = self.line_index(pos)
        for _ in range(3):
            if k == 0 or s != self.line_starts[k] or not self.wraps_into_next(k - 1):
                break
            k -= 1
            ls, le = self.line_bounds(self.line_starts[k])
            _starts, ends, _cut = self._line_sentences(ls, le)
            s = ls + (ends[-1] if ends else 0)
        return s, e

    def _line_sentences(self, ls: int, le: int):
        """Sentence boundaries of one line, found once (long US-style lines are asked about often)."""
        cache = self.__dict__.setdefault("_sent_cache", {})
        hit = cache.get(ls)
        if hit is None:
            line = self.text[ls:le]
            starts, ends, cut = [], [], []
            for m in _RE_SENT.finditer(line):
                if _is_boundary(line, m):
                    starts.append(m.start())
                    ends.append(m.end())
                    cut.append(m.start() + (1 if line[m.start()] in ".!?" else 0))
            hit = cache[ls] = (starts, ends, cut)
        return hit

    def clause_bounds(self, pos: int) -> tuple[int, int]:
        hit = self._clause_memo.get(pos)
        if hit is not None:
            return hit
        s, e = self.sentence_bounds(pos)
        cs, ce = s, e
        if self.text.find(";", s, e) >= 0:
            seg = self.text[s:e]
            rel = pos - s
            for m in _RE_SEMICOLON.finditer(seg):
                if m.end() <= rel:
                    cs = s + m.end()
                elif m.start() >= rel:
                    ce = s + m.start()
                    break
        hit = self._clause_memo[pos] = (cs, ce)
        return hit


# a medicines table's heading row: its first cell, or a cell between separators after other columns ("Route |
# Medicine | Dose | ..."), is the drug column's heading (statement_rules table_columns)
_RE_DRUG_TABLE_HEAD = re.compile(r"[ \t]*[|│┃║]?[ \t]*(?:[^\n]*?(?:[|│┃║\t]|[ ]{2,})[ \t]*)?(?:"
                                 + dict(json_rules("statement_rules.json")["table_columns"])["drug"]
                                 + r"|meds)[ \t]*(?:[|│┃║\t]|[ ]{2,})", _I)
# a line that ends mid-phrase ("... in place of" / "MST 30 mg ..."): the next may go on with a capital (a brand)
_DANGLING_WORDS = frozenset("of in to and or the a an with on for from at by her his their than as instead was were is "
                            "are has have had we she he they started stopped increased reduced added".split())


def _ends_dangling(tail: str) -> bool:
    """Whether a line ends mid-phrase, on a word that cannot end a sentence ("... in place of")."""
    words = tail.split()
    return len(words) > 1 and words[-1].lower() in _DANGLING_WORDS
# a dose in brackets ends the line mid-sig ("... 5 to 10 mg (2.5 to 5 ml)" / "up to every four hours")
_RE_BRACKETED_AMOUNT_END = re.compile(r"\d\s*(?:mg|mls?|mcg|micrograms?|g)\)$", _I)
_RE_STRENGTH_START = re.compile(r"[ \t]*\d+(?:\.\d+)?\s*(?:mg|mcg|micrograms?)\b", re.I)
_RE_NAME_LEAD_END = re.compile(r"(?::|\b(?:on|of|has|have|with|takes?|started|continue[sd]?|supplied|prescribed))\s+(?:[A-Za-z][A-Za-z-]+\s+){0,2}[A-Za-z][A-Za-z-]+[ \t]*$")
_RE_BRAND_TAIL_START = re.compile(r"[ \t]*(?:Continus|Retard|Unotard)\b")
_RE_ANY_START = re.compile(r"[ \t]*[A-Za-z0-9]")
# (a wrapped sentence goes on in lower case, with a figure or a bracket: "Palexia SR" / "200mg at night", "2.5 ml" /
# "(2.5 mg) up to 4-hourly"; never a list label such as "(b)" or "(ii)")
_RE_LOWER_START = re.compile(r"[ \t]*(?:\((?![a-z0-9]{1,3}\)))?[a-z0-9]")
_RE_COLUMN_START = re.compile(r"(?<=\S)[ \t]{2,}(?=\S)")


def _side_column_cuts(lines: list[str]) -> dict[int, int]:
    """Lines of a flattened two-column page (a PDF's side box beside the body): line index -> the column where
    the side text starts, when at least four lines close together (at most two lines apart, none of the lines
    between running across that column) have text starting there after a gap."""
    at: dict[int, list[int]] = {}
    for i, x in enumerate(lines):
        for m in _RE_COLUMN_START.finditer(x):
            if m.end() >= 30:
                at.setdefault(m.end(), []).append(i)
    cuts: dict[int, int] = {}
    for c, rows in at.items():
        if len(rows) < 4:
            continue
        run = [rows[0]]
        for i in rows[1:] + [None]:
            if i is not None and i - run[-1] <= 3 and all(len(lines[k].rstrip()) < c - 1 for k in range(run[-1] + 1, i)):
                run.append(i)
                continue
            if len(run) >= 4:
                cuts.update({k: c for k in run if k not in cuts})
            if i is not None:
                run = [i]
    return cuts


_WIDE_MARGIN = 90
_FIT_SLACK = 2  # (a hand or a program may wrap a word or two characters short of the longest line)


class Margins:
    """Where a hard-wrapped letter (a PDF's or a printout's text) was cut: per line, the left text (a side column
    set apart) and the margin of its part of the page. A line was cut by the margin when it ends mid-sentence
    near the margin and the next line's first word would not have fitted on it; a part of the page has a
    margin only when at least three lines were cut so (lists and shorthand end lines where they end)."""

    def __init__(self, text: str, starts: list[int]):
        raw = [text[a:(starts[i + 1] - 1 if i + 1 < len(starts) else len(text))] for i, a in enumerate(starts)]
        cuts = _side_column_cuts(raw)
        self.raw = raw
        self.left = [(x[:cuts[i]] if i in cuts else x).rstrip() for i, x in enumerate(raw)]
        self.width: list[int | None] = [None] * len(raw)
        for part in (sorted(cuts), [i for i in range(len(raw)) if i not in cuts]):
            if not part:
                continue
            # the margin is the longest line, unless a few longer lines were never wrapped (a heading typed on
            # one line): of the five longest line lengths, the one that explains the most cuts
            lengths = sorted({len(self.left[i]) for i in part if len(self.left[i]) >= 40}, reverse=True)[:5]
            # (each line's test once: its length and the next word's, when it could be cut at all)
            ends = [(len(self.left[i]), w) for i in part if len(self.left[i]) >= 28 and (w := self._next_word(i))]
            best, best_cuts = None, 2
            for width in lengths:
                cuts = sum(1 for n, w in ends if width - 12 <= n <= width and n + 1 + w > width - _FIT_SLACK)
                # (two cuts are enough for a page of long lines: a short letter typed at a wide margin)
                if cuts > best_cuts or (cuts == 2 and best is None and width >= _WIDE_MARGIN):
                    best, best_cuts = width, cuts
            if best is not None:
                for i in part:
                    self.width[i] = best

    def _next_word(self, i: int) -> int:
        """The length of line i + 1's first word, when line i ends mid-sentence (a word, a comma or a dose in brackets) and the next goes
        on in lower case or a figure (else 0: the line cannot have been cut)."""
        if i + 1 >= len(self.raw):
            return 0
        prev, nxt = self.left[i], self.raw[i + 1]
        first = _RE_LOWER_START.match(nxt) or (_RE_ANY_START.match(nxt) if _ends_dangling(prev[-16:]) else None)
        if first is None or not (prev[-1:].isalnum() or prev[-1:] == "," or _RE_BRACKETED_AMOUNT_END.search(prev[-16:])) \
                or RE_LIST_ITEM.match(nxt):
            return 0
        return len(nxt[first.end() - 1:].split(None, 1)[0])

    def _cut(self, i: int, width: int | None) -> bool:
        if width is None:
            return False
        n, w = len(self.left[i]), self._next_word(i)
        return bool(w) and width - 12 <= n <= width and n + 1 + w > width - _FIT_SLACK  # (the word would have fitted: the writer ended the line)

    def wrapped(self, i: int) -> bool:
        """Line i + 1 goes on with the sentence the margin cut at the end of line i ("... when required for
        breakthrough" / "pain, max 6 doses/24h"): a printout's wrap, not a new item."""
        return self._cut(i, self.width[i])


MAX_CLAUSE = 400
_RE_SEMICOLON = re.compile(r";\s*")
_RE_SENT = re.compile(r"[.!?]+(?:\s+|$)|,\s*\d{1,2}\.\s+|\s{2,}(?=\d{1,2}\.\s)")
_ABBR = re.compile(r"(?:^|\s)(?:(?:[a-z]\.){1,4}[a-z]?|q\.?\d[\w.\-]*|dr|mr|mrs|ms|prof|st|no|approx|e\.g|i\.e|etc|vs|p\.o|o\.d|b\.d|t\.d\.s|q\.d\.s|p\.r\.n|inj|tab|tabs|cap|caps|h\.s|q\.h\.s|a\.m|p\.m)$", _I)


_RE_MILLISECONDS = re.compile(r"\d\s*ms$")


def _is_boundary(line: str, m: re.Match) -> bool:
    if line[m.start()] not in ".!?":
        return True
    if line.startswith("...", m.start()):
        return False  # a dotted leader ("Dihydrocodeine 30mg tablets ........ Take ONE ...") or an ellipsis
    before = line[max(0, m.start() - 12): m.start()]
    if _ABBR.search(before) and not _RE_MILLISECONDS.search(before):
        return False  # (a title or Latin abbreviation; "QTc of 428 ms." ends its sentence)
    # decimal numbers never reach here (no whitespace after the dot)
    return True


def cue(kind: str, text: str) -> re.Match | None:
    return context_patterns().cues[kind].search(text)
