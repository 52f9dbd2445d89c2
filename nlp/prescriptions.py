"""From drug mentions to discharge prescriptions and distractors.

Steps (all on character offsets of the original letter):
1. ``find_mentions``: lexicon matches (opioids and related drugs).
2. ``classify``: the context of each mention (section + cue phrases in its clause).
3. ``read_prescriptions``: group the discharge mentions into prescriptions (list line, table row or prose clause),
   parse each sig, decide new/continued, merge repeats, and collect the distractors.
"""
from __future__ import annotations

import bisect
import itertools
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from nlp import sig as S
from nlp.context import RE_LIST_ITEM, LetterLayout, context_patterns, context_rules, cue, legend_status
from nlp.extraction import CoPrescription, Distractor, OpioidPrescription
from nlp.findings import discharge_date
from nlp.lexicon import Term, load_lexicon
from nlp.ome import OST_BRANDS as _OST_BRANDS
from nlp.rules import fold_case, folded, gated, json_rules, last_match
from nlp.statements import cell_texts, directions_after, letter_key, role_text, segment, statement_patterns, unlisted_drugs

_I = re.IGNORECASE
STRONG_INPATIENT = re.compile(r"\b(?:IV|I\.V\.|IM|intravenous(?:ly)?|intramuscular(?:ly)?|intrathecal(?:ly)?|epidural|PCA|patient[- ]controlled|infusion|syringe\s+driver|CSCI)\b")
# on a discharge list a syringe driver / CSCI goes home with the patient (palliative care): only these are ward-only
DISCHARGE_INPATIENT = re.compile(r"\b(?:IV|I\.V\.|IM|intravenous(?:ly)?|intramuscular(?:ly)?|intrathecal(?:ly)?|epidural|PCA|patient[- ]controlled|infusion)\b")
# a procedure note's "Medications:" line (US style): "Fentanyl 250 mcg and 9 mg of Versed"
PROCEDURAL_SEDATION = re.compile(r"\b(?:Versed|propofol|(?:conscious|procedural|moderate)\s+sedation|an(?:a)?esthesia)\b", _I)
# "not continued" as a status, never "not continued beyond 5 days" (one source for LINE_STOPPED and the prose test)
_NOT_CONTINUED = r"not\s+continued(?!\s+(?:beyond|after|past|for\s+(?:more|longer)))"
LINE_STOPPED = gated(re.compile(r"\b(?:stopped|discontinued|ceased|withheld|held|suspended|paused|on\s+hold|omitted|not\s+for\s+discharge|not\s+to\s+continue|"
                          r"(?-i:REMOVED|DELETED)|removed\s+from\s+(?:the\s+)?(?:TTO|discharge|list)|" + _NOT_CONTINUED + "|"
                          # a status in capitals on the item's line: "- Tramadol 50mg (GP acute Rx) - STOP while on ..."
                          r"(?:(?<=[-–:|(]\s)|(?<=[-–:|(]))(?-i:STOP)(?!\s+(?:date|after|at|by|on|in|when|if|once|within|dose)))\b", _I))  # (nlp.rules: literal gate)


# phrases read for every mention: compiled once
_RE_OXY_PARTNER_BEFORE = re.compile(r"oxycodone\s*(?:/|with|and|-|\+)\s*$", _I)
_RE_STOPPED_WHEN = re.compile(r"\bstopped\s+(?:after|at|in|once|when)\b", _I)
# the auxiliary of a passive stop ("has been stopped", "was discontinued"): the stop is its subject's, told before it
_RE_PASSIVE_AUX_END = re.compile(r"\b(?:(?:has|have|had)\s+(?:(?:now|also|since|then)\s+)?been|was|were|is|are)\s+"
                                 r"(?:(?:now|also|since|then)\s+)?$", _I)
# a clause that opens with a pronoun as the subject of a passive stop ("this has been stopped", "it was stopped"):
# the stop is of something told before the clause
_RE_PRONOUN_PASSIVE_STOP = re.compile(r"\s*(?:and\s+|but\s+|so\s+)?(?:this|it|these|they|that|both)\s+(?:(?:has|have|had)\s+"
                                      r"(?:(?:now|also|since|then)\s+)?been|was|were|is|are)\s+(?:(?:now|also|since|then)\s+)?", _I)
_RE_STOP_WORD = re.compile(r"\b(?:stopped|discontinued|ceased|withheld|held|suspended|(?-i:REMOVED|DELETED)|"
                           r"not\s+(?:for|to\s+be)\s+re-?start(?:ed|ing)?|"
                           # "D/C'd", "dc'ed": discontinued (not "d/c'd home", discharged)
                           r"d/?c['’]e?d(?!\s+(?:home|to|from|on|with|back)\b))\b", _I)
# "- drowsy, not continued", "(not continued)": a status told after the drug; not a plan's "should be finished then,
# not continued" (a modal before it)
_RE_NOT_CONTINUED = re.compile(r"\b" + _NOT_CONTINUED + r"\b", _I)
_RE_MODAL = re.compile(r"\b(?:should|must|will|would|can|could|to\s+be)\b", _I)


# a medicine taken before admission ("Codeine (pre-admission, occasional) stopped - ... on the ward"): its stop is
# a stopped drug, whatever happened on the ward
_RE_HOME_MEDICINE = re.compile(r"\b(?:pre-?adm(?:ission)?|usual|long[- ](?:term|standing)|at\s+home|from\s+home|before\s+admission|"
                               r"for\s+(?:many|several|some|a\s+few|\d+|two|three|four|five)\s+years)\b", _I)


def _ward_use_then_stop(clause: str, own_from: int) -> bool:
    """A use on the ward told before the stop ("used x2 on ward overnight - drowsy, not continued", "given ... on
    the ward, not continued"), or a ward-only route or setting beside the drug: an inpatient-only dose. Not where a
    stop happened ("was stopped on the ward": a home medicine stopped)."""
    stop = _RE_STOP_WORD.search(clause, own_from) or _status_not_continued(clause, own_from)
    if stop is None:
        return False
    # (a label "Not continued: IV morphine ..." stands before everything it labels)
    head = clause if clause[stop.end():stop.end() + 3].lstrip().startswith(":") else clause[:stop.start()]
    return bool(STRONG_INPATIENT.search(head) or cue("inpatient_only", head) or cue("inpatient_past", head))


# "after discussion with her son", "explained to his wife", "as agreed with her and her husband": a relative spoken
# with, not one whose medicine it is
_RE_RELATIVE_SPOKEN_WITH = re.compile(
    r"\b(?:discuss(?:ion|ions|ed|ing)?|spoke|speaking|spoken|talked|talking|explained|agreed|agreement|consent(?:ed)?|"
    r"conversation|meeting|met|liais(?:ed|ing)|reviewed)\b(?:\s+\w+){0,2}?\s+(?:with|to|by)\s+"
    r"(?:(?:her|him|them|the\s+patient|pt)\s+(?:and|&)\s+)?(?:(?:the|her|his|their|patient's|pt's)\s+)?$"
    r"|\b(?:told|informed|called|phoned|rang|according\s+to)\s+(?:(?:the|her|his|their|patient's|pt's)\s+)?$", _I)
# "Her daughter has agreed to return the remaining co-codamol", "his wife will collect the OxyNorm": a relative who
# handles the patient's medicine
_RE_RELATIVE_HANDLES = re.compile(r"\s+(?:(?:has|have|had|will|would|can|is|was)\s+)?(?:agreed\s+to\s+|kindly\s+|going\s+to\s+)?"
                                  r"(?:return|collect|bring|fetch|give|administer|help|remove|dispose|supervise)(?:s|ed|ing)?\b", _I)


def _relative_takes(before: str) -> bool:
    """A relative named before the drug as the one who has it ("his wife's tramadol", "Mother: codeine"), not a
    relative the team spoke with or who helped."""
    # (a relative's home is a place: "she goes home to her daughter's with a BuTrans patch")
    homes = [h.span() for h in context_patterns().cues["relative_home"].finditer(before)]
    return any(not _RE_RELATIVE_SPOKEN_WITH.search(before, max(0, f.start() - 50), f.start())
               and (not _RE_RELATIVE_HANDLES.match(before, f.end()) or _RE_THEIR_OWN.search(before, f.end()))
               and not any(a <= f.start() < b for a, b in homes)
               for f in context_patterns().cues["family"].finditer(before))


_RE_THEIR_OWN = re.compile(r"\b(?:his|her|their)\s+own\b", _I)


# (a printed code in capitals, or a past participle: never an instruction, "stop codeine once the stone has passed")
_RE_HOME_MEDS_HEADING = re.compile(r"\bhome\s+(?:meds|medications?|medicines)\b(?![^:\n]{0,20}\b(?:on|before|pre-?)\s*admission)", _I)
_RE_ITEM_SUPPLY = re.compile(r"\b\d+\s*(?:tabs?|tablets?|caps?|capsules?|ml|patch(?:es)?)\s*(?:supplied|given|dispensed)?\s*[,;.)]?\s*$|"
                             r"\bx\s*\d+\s*(?:d|days?|/7)\b|\b(?:supply|supplied|TTO)\b", _I)
_RE_LEAD_STATUS = re.compile(r"[ \t]*(?:\d{1,2}[.)]?[ \t]+)?(SUSP(?:ENDED)?|STOP(?:PED)?|HELD|HOLD|WITHHELD|OMIT(?:TED)?|"
                             r"DISC(?:ONTINUED)?|WARD(?:[ \t]+ONLY)?|[Ss]topped|[Ss]uspended|[Hh]eld|[Ww]ithheld|[Oo]mitted|"
                             r"[Dd]iscontinued)[ \t]*[:\-–|]?[ \t]*$")
_RE_ENDED_BEFORE = re.compile(r"\buntil\s+(?:(?:early|mid|late|last)\s+)?(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+)?"
                             r"(?:19|20)\d\d\b|\b(?:weaned|tapered|tailed)\s+off\b"
                             r"(?![^.;\n]{0,20}\b(?:over|within|in)\s|\s+by\s+(?:\d|day|the\s+end|end|next|one|two|three|four|a\s+week))", _I)


def _status_not_continued(clause: str, start: int = 0) -> re.Match | None:
    x = _RE_NOT_CONTINUED.search(clause, start)
    return x if x is not None and not _RE_MODAL.search(clause, start, x.start()) else None
_RE_TAPERED_OFF = re.compile(r"\b(?:tapered|weaned|tailed)\s+off\b", _I)
_RE_STOP_WORD_NOT_SUSPENDED = re.compile(r"\b(?:stopped|discontinued|ceased|withheld|held)\b", _I)
_RE_SIG_OTHER = re.compile(r"patch|as\s+(?:required|needed)|when\s+required|if\s+required|supply|\bx\s*\d", _I)
_RE_PREVIOUS_WORD = folded(re.compile(r"from|previous|was|had", _I))  # (folded: gated + case-sensitive twin, nlp.rules)
_RE_ALLERGY_TAIL = re.compile(r"\s*(?:[-–:]\s*[A-Za-z][\w ]{0,30}|\([^)]{0,40}\))")
_RE_CLAUSE_TAIL = re.compile(r"[^;\n]{0,60}")


@dataclass
class Mention:
    start: int
    end: int
    surface: str
    term: Term
    context: str = ""
    line_start: int = 0
    fuzzy_of: str | None = None  # the lexicon name a misspelt mention was read as

    @property
    def generic(self) -> str:
        return self.term.generic

    @property
    def category(self) -> str:
        return self.term.category


_RE_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z0-9]{2,6})\b")


def find_mentions(text: str) -> list[Mention]:
    lex = load_lexicon()
    out = []
    for s, e, surface in lex.iter_matches(text):
        terms = lex.lookup(surface)
        if not terms:
            continue
        out.append(Mention(s, e, surface, terms[0]))
    fuzzy = lex.fuzzy_matches(text, [(m.start, m.end) for m in out])
    if fuzzy:
        for s, e, surface, key in fuzzy:
            nxt = _RE_NEXT_WORD.match(text, e)
            if nxt and f"{key} {nxt.group(1).lower()}" in lex.terms:
                # "Palexai SR", "Zamadl SR": the misspelt brand with the word that makes it a product of its own
                key, e = f"{key} {nxt.group(1).lower()}", nxt.end()
                surface = text[s:e]
            out.append(Mention(s, e, surface, lex.terms[key][0], fuzzy_of=key))
        out.sort(key=lambda m: m.start)
    return out


# --------------------------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------------------------
# a label that names what the patient took before, just before the last colon ahead of a mention on its line
_RE_BEFORE_LABEL = re.compile(r"(?:^|(?<=[\s(\[|]))(?:was|previously|previous(?:\s+dose)?|before(?:\s+admission)?|"
                              r"old(?:\s+dose)?|pre-?admission(?:\s+dose)?|from)\s*$", _I)


_RE_ARROW_AFTER = re.compile(r"[^\n\u2192]{0,40}?(?:\u2192|->|=>)\s*(?:to\s+|now\s+)?", _I)


# "(and) changed her to", "switched him over to": what follows is started
_RE_SWITCHED_TO = re.compile(r"\b(?:switch|convert|chang|rotat|mov)\w*\s+(?:(?:him|her|them|it)\s+)?(?:over\s+)?(?:to|onto)\b", _I)


class OtherOpioids:
    """The opioid mentions of a letter in text order, with each one's nearest neighbours of another drug, so
    that a mention's part of its clause is found in constant time (letters can hold thousands of mentions)."""

    def __init__(self, mentions: list[Mention]):
        self.mentions = mentions
        self.starts = [m.start for m in mentions]
        self.index = {id(m): i for i, m in enumerate(mentions)}
        n = len(mentions)
        self.prev_other: list[int] = [-1] * n
        self.next_other: list[int] = [-1] * n
        for i in range(1, n):
            self.prev_other[i] = i - 1 if mentions[i - 1].generic != mentions[i].generic else self.prev_other[i - 1]
        for i in range(n - 2, -1, -1):
            self.next_other[i] = i + 1 if mentions[i + 1].generic != mentions[i].generic else self.next_other[i + 1]

    def around(self, m: Mention) -> tuple[Mention | None, Mention | None]:
        """The nearest opioid mention of another drug before and after ``m``."""
        i = self.index.get(id(m))
        if i is None:
            return None, None
        p, q = self.prev_other[i], self.next_other[i]
        return (self.mentions[p] if p >= 0 else None), (self.mentions[q] if q >= 0 else None)

    def product_after_arrow(self, text: str, m: Mention) -> bool:
        """'OxyContin 20 mg BD -> Targinact 20/10 mg ...': another product named just after an arrow that follows
        this mention on its line (the drug switched from)."""
        x = _RE_ARROW_AFTER.match(text, m.end)
        if not x:
            return False
        k = bisect.bisect_left(self.starts, x.end())
        if k < len(self.starts) and self.starts[k] <= x.end() + 12:
            o = self.mentions[k]
            return o.generic != m.generic or (o.term.brand or o.term.text.lower()) != (m.term.brand or m.term.text.lower())
        return False

    def subject_of_change(self, text: str, m: Mention) -> bool:
        """'Her morphine was titrated from Zomorph 60mg BD up to MXL 150mg': the drug is the subject of a change
        between products named next, whose own mentions carry the doses (the first one left, the second goes home)."""
        k = bisect.bisect_right(self.starts, m.start)
        if k >= len(self.starts) or self.starts[k] - m.end > 80:
            return False
        return bool(context_patterns().cues["changed_from_after"].match(text[m.end:self.starts[k]]))

    def other_between(self, m: Mention, a: int, b: int) -> bool:
        """Whether an opioid mention of another drug than ``m`` starts inside [a, b]."""
        k = bisect.bisect_left(self.starts, a)
        while k < len(self.starts) and self.starts[k] <= b:
            if self.mentions[k].generic != m.generic:
                return True
            k += 1
        return False


_RE_RELATIVE_BEFORE = re.compile(r"\b(?:which|that|who)\b[^,;.\n]{0,25}$", _I)


def _own_part(text: str, cs: int, ce: int, m: Mention, others: "OtherOpioids") -> tuple[int, int]:
    """The part of a clause that speaks of `m` when the clause names other opioids and starts `m` anew: "the
    tramadol he had been taking, so we stopped it and started Zomorph 10 mg bd" -> from the start word after
    the last other opioid before `m` to the next other opioid after it. Without a start word ("started", "added", "new") just before
    `m`, the whole clause ("allergic to codeine and morphine")."""
    before, after = others.around(m)
    if before is None or not cs <= before.end <= m.start:
        return cs, ce
    a = before.end
    starts = list(context_patterns().cues["new"].finditer(text, a, m.start)) + \
        list(_RE_SWITCHED_TO.finditer(text, a, m.start)) + list(context_patterns().cues["own_part_start"].finditer(text, a, m.start))
    # (not a start word of a relative clause about the drug before: "the patch, which her GP started in the summer")
    starts = [x for x in starts if not _RE_RELATIVE_BEFORE.search(text, max(a, x.start() - 30), x.start())]
    if not starts:
        return cs, ce
    a = max(x.start() for x in starts)  # from the start word on: "..., so we stopped it and | started X"
    return a, (after.start if after is not None and m.end <= after.start < ce else ce)


_RE_SWITCHED_AFTER = re.compile(r"[^.;\n]{0,60}?\b(?:(?:was|were|has\s+been|have\s+been|had\s+been|is\s+being|got)\s+"
                                r"(?:then\s+|now\s+)?(?:switched|converted|changed|rotated)|"
                                # (active: "she has taken co-codamol for years, and we switched her to a BuTrans patch")
                                r"(?:we|I|they|the\s+team)\s+(?:have\s+|then\s+|now\s+)?(?:switched|converted|changed|rotated|moved)"
                                r"\s+(?:him|her|them)\b)"
                                # (where it happened may stand between: "was switched on the IPU to MST")
                                r"(?:\s+(?:on|in|at|during)\s+(?:the\s+|this\s+)?[\w-]+(?:\s+(?:ward|unit|stay|admission))?)?"
                                r"\s+(?:over\s+)?(?:to|onto)\s+", _I)
# the clause after a drug's that only says it ended ("...; stopped 17/01, no further requirement")
_RE_STOP_NEXT_CLAUSE = re.compile(r"\s*[;,]\s*(?:and\s+)?(?:(?:this|it|which)\s+)?(?:was\s+|were\s+|then\s+|has\s+been\s+)?"
                                  r"(?:stopped|discontinued|ceased)\b[^.;\n]{0,40}"
                                  # ("...; we have stopped this as it was adding to the confusion")
                                  r"|\s*[;,]\s*(?:and\s+|so\s+)?(?:I|we)\s+(?:have\s+)?(?:now\s+)?(?:stopped|discontinued|ceased)\s+"
                                  r"(?:this|it|them|these|both)\b[^.;\n]{0,40}"
                                  # ("... morphine MR 10mg BD plus codeine 30mg QDS from her GP. Both stopped;")
                                  r"|\s*\.?\s+(?:both|all\s+(?:of\s+)?(?:these|them|three)|these|they)\s+(?:(?:were|have\s+been|had\s+been|are)\s+)?"
                                  r"(?:now\s+)?(?:stopped|discontinued|ceased|withdrawn)\b[^.;\n]{0,40}"
                                  # ("We had written him up for codeine ...; this was taken off his TTO before ...": the
                                  # stop-word reading then finds the removal, _RE_REMOVED_FROM_TTO, in the joined clause)
                                  r"|\s*[;,]\s*(?:and\s+|but\s+)?(?:this|it|which)\s+(?:was|were|has\s+been|had\s+been)\s+"
                                  r"(?:taken\s+off|removed\s+from|deleted\s+from|struck\s+off|crossed\s+off)\s+"
                                  r"(?:the\s+|his\s+|her\s+|their\s+)?(?:TTO|TTA|discharge\s+(?:list|medicines|prescription))\b", _I)


# the drug was replaced by another ("Palexia SR 50 mg ║ 50 mg BD ║ replaced by OxyContin short course")
_RE_REPLACED_AFTER = re.compile(r"[^.;\n]{0,60}?\b(?:(?:was|were|has\s+been|have\s+been|had\s+been|being)\s+)?"
                                r"(?:replaced|substituted)\s+(?:by|with)\s+", _I)


def _switched_away(text: str, m: Mention, ce: int, others: "OtherOpioids | None") -> bool:
    """'her MST Continus 30 mg BD was converted to a fentanyl patch', 'Palexia SR ... replaced by OxyContin': the drug
    left for another one (a dose change of the same drug, 'was changed to 20 mg bd', is not)."""
    if not others:
        return False
    x = _RE_SWITCHED_AFTER.match(text, m.end, ce)
    if x is None and "replac" not in text[m.end:ce] and "substitut" not in text[m.end:ce]:
        return False
    x = x or _RE_REPLACED_AFTER.match(text, m.end, ce)
    return x is not None and others.other_between(m, x.end(), x.end() + 25)


# (a hard wrap may fall between the negation and the cue: "should not\nbe restarted"; not a new list item)
_RE_NEGATED_BEFORE = re.compile(r"\b(?:not|no|nothing|without|never)\b(?:[^.;\n]|\n(?![ \t]*(?:\n|[-*•]|\d+[.)])))"
                                r"{0,30}$", _I)


def _goes_home(text: str) -> re.Match | None:
    """The first words that say the drug goes home: a discharge cue ("goes home on", "TTO") or a restart."""
    a, b = cue("discharge_positive", text), cue("restarted", text)
    return a if b is None or (a is not None and a.start() <= b.start()) else b


# (a result break, ", so ...", begins a part of its own whatever was named before it)
_RE_SUBCLAUSE_BREAK = re.compile(r",\s*(?:and|but|while|whilst|whereas|although|(?P<result>so|hence|therefore))\b|;\s", _I)


# a change proposed after the drug's name: "... the MST in two weeks and increase it to 10mg twice daily"
_RE_PROPOSED_AFTER = re.compile(r"[^.;]{0,40}?\b(?:and|then)\s+(?:to\s+)?(?:increase|reduce|decrease|(?:up-?)?titrate)\s+"
                                r"(?:it|this|them|the\s+dose)\s+to\b", _I)
def _own_subclause_break(text: str, cs: int, start: int) -> re.Match | None:
    """The break where the mention's own coordinated part of its clause begins: "Her pregabalin has been stopped
    altogether, and | her tapentadol has been reduced to 25 mg bd" (a stop told of the drug before the break is not
    this drug's)."""
    return last_match(_RE_SUBCLAUSE_BREAK, text, cs, start)


_RE_COMPARED_WITH = re.compile(r"\b(?:instead\s+of|rather\s+than|in\s+place\s+of|compared\s+(?:with|to)|replacing)\b", _I)


def _own_subclause_end(text: str, zs: int, m: Mention, ce: int, others: "OtherOpioids") -> int:
    """Where the mention's own words end in the zone text[zs:ce] (relative to ``zs``): at the break before the next
    opioid's coordinated part ("reduced her OxyContin to 15 mg bd, and | she has OxyNorm 5 mg ..."), and at a
    comparison ("..., instead of | the higher doses she had been taking"): a time told there is not this drug's."""
    end = ce
    k = others.index.get(id(m))
    if k is not None and k + 1 < len(others.mentions):
        nxt = others.mentions[k + 1].start
        if m.end <= nxt < ce:
            brk = last_match(_RE_SUBCLAUSE_BREAK, text, m.end, nxt)
            if brk is not None and has_sig(text[m.start:brk.start()]):  # (a bare name keeps the whole clause)
                end = brk.start()
    if end == ce:
        # "uses Oramorph 10 mg/5 ml, 2.5 ml when required ..., and | the remaining 60 ml of the bottle he was using on
        # the unit has gone home": once the drug's own sig is told, a coordinated part after it tells of something else
        for brk in _RE_AND_SUBJECT.finditer(text, m.end, ce):
            if has_sig(text[m.start:brk.start()]):
                end = brk.start()
                break
    cmp_ = _RE_COMPARED_WITH.search(text, m.end, end)
    if cmp_ is not None:
        end = cmp_.start()
    return max(0, end - zs)


# a coordinated part with a subject of its own: ", and the remaining 60 ml ...", ", but she ..."
_RE_AND_SUBJECT = re.compile(r",\s*(?:and|but)\s+(?=(?:the|this|that|these|those|her|his|their|she|he|they|it|we|I)\b)", _I)


# (also a contrast: "He declined tramadol when it was offered, but was happy to take codeine ...": what he declined is
# the first part's)
_RE_OTHER_PART_BREAK = re.compile(r",\s*(?:and\s+)?(?:so|therefore|hence|thus)\b|,?\s+but\s+|;\s|^\s*(?:as|because|since|given\s+that)\b[^,.;\n]{3,80},", _I)


def _other_part_start(clause: str, rel: int) -> int:
    """Where the mention's own part of its clause starts (relative), after a consequence (", so"), a semicolon or an
    opening reason clause ("As he must avoid NSAIDs, ...") told before it."""
    last = last_match(_RE_OTHER_PART_BREAK, clause, 0, max(0, rel))
    return last.end() if last is not None else 0


def _discharge_positive(clause: str) -> re.Match | None:
    """A words-that-say-it-goes-home cue ("goes home on", "TTO", "to take home"), unless negated just before it
    ("she has not been given any opioid to take home")."""
    x = _goes_home(clause)
    return None if x and _RE_NEGATED_BEFORE.search(clause, max(0, x.start() - 40), x.start()) else x


_RE_LINE_CODE = re.compile(r"[ \t]*([A-Za-z][A-Za-z/]{0,5}[=+\-*~]?|[^\w\s]{1,2})(?:[ \t]{2,}|[ \t]*[:\-][ \t]+|(?<=[^\w\s])[ \t]+)")
_RE_LAST_FIELD_CODE = re.compile(r"[/|~¦][ \t]*([A-Za-z][A-Za-z/]{0,5}[=+\-*~]?)[ \t]*$")
_RE_CODE_NEW = re.compile(r"\b(?:new|started|commenced|added|initiated)\b", _I)
_RE_CODE_CONTINUED = re.compile(r"\b(?:continued?|unchanged|carried\s+(?:on|forward)|as\s+before|retained|kept|usual)\b", _I)
_RE_CODE_CHANGED = re.compile(r"\b(?:changed|adjusted|altered|modified|increased|reduced|raised|lowered)\b", _I)
_RE_CODE_WARD_ONLY = re.compile(r"\bward\b|\bin-?patient|\bnot\s+(?:issued|supplied|dispensed|for\s+(?:TTO|discharge))\b", _I)


def _key_code_explanation(layout: LetterLayout, pos: int) -> str | None:
    """The letter key's explanation of the code the line at ``pos`` starts with ("XX   Codeine ...", "▲ CODEINE")."""
    key = letter_key(layout)
    if key is None:
        return None
    ls, le = layout.line_bounds(pos)
    x = _RE_LINE_CODE.match(layout.text, ls, max(pos, ls))
    if not x or x.end() > pos:
        # a line of fields whose last field is the code ("[05] Tramadol / capsule / 50 mg / ... / D")
        x = _RE_LAST_FIELD_CODE.search(layout.text, max(pos, le - 12), le)
        if not x or layout.text.count("/", ls, le) + layout.text.count("|", ls, le) < 3:
            return None
    code = x.group(1).lower()
    return key.codes.get(code) or key.codes.get(code.rstrip("=+-*~."))


def _key_coded_line(layout: LetterLayout, m: Mention) -> str | None:
    """A line that starts with one of the letter key's codes ("XX   Codeine ...", "W/O  Oramorph ..."), whose
    explanation stops the drug or keeps it on the ward: 'stopped' or 'inpatient_only'."""
    expl = _key_code_explanation(layout, m.start)
    if not expl:
        return None
    if _RE_CODE_WARD_ONLY.search(expl):
        return "inpatient_only"
    if LINE_STOPPED.search(expl):  # (paused, on hold, suspended, discontinued)
        return "stopped"
    return None


_RE_LINE_LEAD = re.compile(r"[ \t]*(?:[A-Z]{2,8}\b[ \t:.-]*)?$")


def _fielded_line(text: str, ls: int, m: Mention) -> bool:
    """A line the drug opens (at most a status word before it) whose fields are set apart by semicolons."""
    le = text.find("\n", m.end)
    return bool(_RE_LINE_LEAD.match(text, ls, m.start)) and text.count(";", m.end, le if le >= 0 else len(text)) >= 2


def classify(layout: LetterLayout, m: Mention, others: "OtherOpioids | None" = None) -> str:
    text = layout.text
    sec = layout.section_at(m.start)
    kind = sec.kind if sec else "body"
    cs, ce = layout.clause_bounds(m.start)
    if sec is not None:
        cs, ce = max(cs, sec.body_start), min(ce, sec.end)
    nxt = layout.next_section_start(m.start)
    if nxt is not None:
        ce = min(ce, nxt)
    if others and m.category == "opioid":
        cs, ce = _own_part(text, cs, ce, m, others)
    # a previous dose in the clause ("(was 30mg BD before admission)") dates the dose, not the drug
    clause = _without_previous_dose(text[cs:ce])
    before = _without_previous_dose(text[cs:m.start])
    near = text[max(cs, m.start - 40): min(ce, m.end + 40)]
    if m.category in ("naloxone", "loperamide"):
        if _RE_OXY_PARTNER_BEFORE.search(text[max(0, m.start - 25):m.start]):
            return "part_of_rx"
        return "allergy" if kind == "allergy" else "other"
    if m.category == "inpatient_opioid":
        return "allergy" if kind == "allergy" else "inpatient_only"
    if _RE_FREE_OF.match(text, m.end):
        return "other"  # "Simple Linctus (codeine-free)": the product has none of the drug
    if m.category != "opioid":
        return "codrug"
    if kind == "allergy":
        return "allergy"
    if "(" in text[max(0, m.start - 60):m.start] or "[" in text[max(0, m.start - 60):m.start]:
        ls, le = layout.line_bounds(m.start)
        if any(a.start() < m.start < a.end() for a in _not_current()["bracket"].finditer(text, max(ls, m.start - 100), min(le, m.end + 100))):
            return "historical"  # "... 10 micrograms/hour (was BuTrans 15 micrograms/hour)": the dose before
    if kind == "family" and not cue("family", clause) and cue("historical", clause):
        return "historical"  # a social-history note of the patient's own past use ("SH: last heroin use 2019")
    if kind == "family" or _relative_takes(before):
        return "family"
    if kind == "stopped":
        return "stopped"
    if sec is not None and kind in ("changes", "discharge", "admission"):
        marked = legend_status(text, text[sec.start:sec.body_start], layout.line_text(m.start))
        if marked == "stopped":
            return "stopped"  # "− MST Continus 20 mg BD" under "(+ started − stopped ...)"
        if marked and kind == "changes" and has_sig(text[m.start:layout.line_bounds(m.start)[1]]):
            return "rx"
    if kind == "inpatient":
        # (an ED / SDEC line also tells what was declined, avoided or not tolerated, and what the GP gave before)
        if cue("other", clause) and not cue("other", text[cs:sec.body_start] if sec.body_start > cs else ""):
            return "other"
        if cue("allergy", clause):
            return "allergy"
        if cue("historical", before) or cue("historical", text[m.end:ce]):
            return "historical"  # ("Analgesia in dept: ... Tramadol had been prescribed by GP in the past")
        return "inpatient_only"
    coded = _key_coded_line(layout, m)
    if coded:
        return coded
    lead = _RE_LEAD_STATUS.match(text, layout.line_bounds(m.start)[0], m.start)
    if lead:  # "SUSP  Co-codamol 30/500 tablets  2 tabs QDS ...", "WARD  Morphine ...": a status printed before the name
        return "inpatient_only" if lead.group(1).upper().startswith("WARD") else "stopped"  # "XX   Codeine 30mg ..." under "Flag key: ... XX = discontinued", "W/O  Oramorph ..." (ward only)
    if _RE_EMPTY_BOX.match(text, layout.line_bounds(m.start)[0], m.start) and _has_ticked_box(layout):
        return "other"  # "[ ] Codeine 30mg tablets -- crossed out" on a pack list whose given items are ticked
    if kind == "calculation":
        # a conversion table's rows ("OxyContin 60mg BD (pre-adm, STOPPED)  120mg  x 1.5  180mg") work out doses
        # told elsewhere: the stopped ones are stopped, the others are the letter's prescriptions named again
        ls, le = layout.line_bounds(m.start)
        nxt = text[le + 1:layout.line_bounds(le + 1)[1]] if le + 1 < len(text) else ""
        wrapped = nxt if nxt[:1] in (" ", "\t") and not RE_LIST_ITEM.match(nxt) else ""
        return "stopped" if LINE_STOPPED.search(text[ls:le] + " " + wrapped) else "reference"
    ls = layout.line_bounds(m.start)[0]
    colon = text.rfind(":", max(ls, m.start - 80), m.start)
    if colon > 0 and _RE_BEFORE_LABEL.search(text, max(ls, colon - 25), colon):
        return "historical"  # "WAS: BuTrans 10 micrograms/hour   NOW: BuTrans 5 ...": the dose before the change  # "In hospital: morphine NCA day 0-1, then oral morphine x2 doses"
    if kind == "admission":
        ls, le = layout.line_bounds(m.start)
        line = text[ls:le]
        # ("Home meds:" of a day-case letter is what goes home when its items carry a supply: "... x3d, 24 tabs")
        home_supplied = sec is not None and _RE_HOME_MEDS_HEADING.search(text, sec.start, sec.body_start) \
            and _RE_ITEM_SUPPLY.search(text, m.end, le)
        if (cue("continues_after", line) or _RE_NEW_MARK.search(text, m.end, le) or home_supplied) \
                and not LINE_STOPPED.search(line) and has_sig(text[m.start:le]):
            # "Regular medicines: MST 60mg bd - continued", "Home medicines: - Oramorph ... (new)": the item goes home
            return "rx"
        if cue("allergy", clause):
            return "allergy"  # "Meds on adm: nil regular. Tramadol tried by GP 2024 - vomited, didn't tolerate."
        return "admission"
    if kind == "discharge":
        ls, le = layout.line_bounds(m.start)
        ls = max(ls, sec.body_start)  # ("... PCA, which was then stopped. TTO: co-dydramol ...": the list starts at its heading)
        line = text[ls:le]
        if DISCHARGE_INPATIENT.search(text[max(ls, m.start - 30): min(le, m.end + 30)]) or \
                PROCEDURAL_SEDATION.search(text[max(ls, m.start - 40): min(le, m.end + 40)]) or \
                cue("ward_only", text[max(ls, cs):min(le, ce)]):
            return "inpatient_only"  # (also "Tramadol 50mg PRN (ward only)" on the list: it stays behind)
        if cue("allergy", clause):
            return "allergy"
        if cue("historical", before) and not _discharge_positive(clause):
            return "historical"  # "Pre-adm dose was Zomorph 20mg bd." under the discharge list: the dose before
        if _RE_ENDED_BEFORE.search(text, m.end, min(le, ce)):
            return "historical"  # "OxyContin 20mg BD until 2024 - weaned off by pain clinic" on the list: long gone
        if LINE_STOPPED.search(line) and STRONG_INPATIENT.search(near) and _past_stop(line):
            return "inpatient_only"  # a syringe driver / PCA that "was discontinued on the ward"
        if LINE_STOPPED.search(line) and cue("switch_target", text[max(ls, m.start - 60):m.start]):
            return "reference"  # "Tramadol 100mg QDS - STOPPED (replaced by tapentadol)": the drug that took its place
        if LINE_STOPPED.search(line) and not _RE_STOPPED_WHEN.search(line) and \
                not cue("restarted", text[max(ls, m.start - 80):min(le, m.end + 200)]):
            return "stopped"  # (not "[RESTARTED day 3 after being held]": held, then given again)
        if cue("reduction_verb_before", before) and cue("reduction_rate_after", text[m.end:ce]):
            return "reference"  # "recommend reducing Palexia SR by 50 mg per dose every 2 weeks": a plan
        if cue("asked_to_prescribe", text[max(ls, cs):m.start]) and not has_sig(text[m.start:min(le, ce)]):
            return "other"  # "Please could the GP prescribe a just-in-case pack (morphine 10mg/ml injection, ...)"
        if cue("other", clause) and not has_sig(text[m.start:le]) or cue("not_given_already_on", text[m.end:le]) \
                or cue("not_supplied_other", text[m.end:le]):
            # ("Alfentanil JIC - not supplied, hospice team to arrange if needed", "... - not supplied, not on formulary")
            return "other"  # ("Codeine linctus 5 ml qds - NOT supplied, already on co-codamol": not given)
        return "rx"
    if cue("not_given_already_on", text[m.end:ce]) or cue("not_supplied_other", text[m.end:ce]):
        return "other"
    if cue("allergy", clause):
        return "allergy"
    # (the drug's own part of the clause: "Codeine should be avoided, so her take-home analgesia is ... Oramorph",
    # "As he must avoid NSAIDs, we have supplied buprenorphine": the avoided thing is another's)
    other_from = _other_part_start(clause, m.start - cs)
    other = cue("other", clause[other_from:])
    if other and not _RE_STOP_WORD.search(clause, 0, other_from + other.start()):
        return "other"  # (a stop told first is the reason: "... have both been stopped and she has not been given any")
    if cue("intolerance_after", text[m.end:ce]):
        return "allergy"  # "oral morphine made her vomit repeatedly": an intolerance told in passing
    if cue("switch_source", text[max(cs, m.start - 60):m.start]) or _switched_away(text, m, ce, others):
        return "stopped"  # "we switched him from tramadol to ...", "her MST was converted to a fentanyl patch"
    after = _RE_STOP_NEXT_CLAUSE.match(text, ce)
    # "oxycodone 5 mg PRN for four days; stopped 17/01": the stop is told in the next clause
    # (a removal from the TTO names the TTO without sending anything home: "this was taken off his TTO")
    positive = _discharge_positive(_RE_REMOVED_FROM_TTO.sub(" ", clause) if "TT" in clause else clause)
    stop_clause = clause + text[ce:after.end()] if after and not positive else clause
    if others is not None and others.subject_of_change(text, m):
        return "reference"
    if _is_switch_target(text, cs, m) and not cue("historical", text[m.end:ce]):
        # "switched him from tramadol to tapentadol", "converted her to OxyContin": what goes home
        return "rx" if has_sig(text[m.start:ce]) else "reference"
    if not positive and (cue("proposed_change", before) or _RE_PROPOSED_AFTER.match(text, m.end, ce)):
        # "we suggest a further reduction of the OxyContin to 5 mg bd in two weeks", "review his response to the MST in
        # two weeks and increase it to 10mg twice daily if he is tolerating it": a proposal
        return "reference"
    if kind == "history" and not positive:
        return "historical"
    own_break = _own_subclause_break(text, cs, m.start)
    own_from = own_break.end() - cs if own_break is not None else 0
    if own_break is not None and ((others is not None and others.other_between(m, cs, own_break.end()))
                                  or own_break.group("result")):
        # "... the patch, which her GP started in the summer, and her Oramorph ...", "He was using four or five
        # breakthrough doses a day, so the Zomorph has been increased to ...": the earlier part is another story
        hist_zone = clause if _past_use_list_object(text, cs, own_break, m, ce) else clause[own_from:]
    else:
        hist_zone = clause
    if others is not None:
        hist_zone = hist_zone[:_own_subclause_end(text, cs + len(clause) - len(hist_zone), m, ce, others)]
    if (hx := cue("historical", hist_zone)) and not positive \
            and not _past_use_of_another_then_continued(text, m, cs + len(clause) - len(hist_zone) + hx.end(), ce, others):
        return "historical"
    if others is not None and others.product_after_arrow(text, m):
        return "stopped"  # "SWITCHED: OxyContin 20 mg BD -> Targinact 20/10 mg bd": the product left
    if cue("pre_admission_before", before) and not positive:
        return "historical"  # "admitted with back pain on OxyContin 20mg BD": what he took before
    if not positive and _second_object_of_pre_admission(text, cs, ce, m, others):
        return "historical"  # "came in ... despite Zomorph 60mg twice daily and Oramorph 20mg ...": both before
    if (cue("reduction_verb_before", before) or _RE_PASSIVE_AFTER.match(text, m.end, ce)) \
            and cue("reduction_rate_after", text[m.end:ce]) and not positive:
        return "reference"  # "reduce the Zomorph by 10mg per dose every two weeks (50mg BD -> 40mg BD)": a plan
    if cue("unused_taken_away", text[m.end:ce]) and not positive:
        return "inpatient_only"  # "OxyNorm ... was never needed and was taken away at discharge": it stayed behind
    if cue("amount_after", text[m.end:ce]) and not positive:
        return "reference"  # "a total morphine dose of 100 mg a day", "his oxycodone requirement is 40 mg": an amount
    if cue("while_on_before", before) and not positive:
        return "reference"  # "respiratory depression while on Zomorph 50mg BD": the time of an event, no prescription
    if stop_clause is not clause and (cue("inpatient_past", clause) or cue("inpatient_only", near)):
        return "inpatient_only"  # "had oral morphine 10 mg PRN on the ward for three days; this was stopped"
    # (cue removed_after: "Fentanyl 25 patch removed on admission" is stopped; "removed" further away is about
    # something else, "... and the old 60 mg tablets are removed")
    stop_word = _RE_STOP_WORD.search(stop_clause, own_from)
    if stop_word is not None and others is not None and stop_word.end() < m.start - cs \
            and others.other_between(m, cs + stop_word.end(), m.start - 1):
        stop_word = None  # "We stopped the Zomorph on 15 March and reduced the BuTrans to ...": the stop is the Zomorph's
    if stop_word is not None and others is not None and stop_word.end() <= m.start - cs \
            and _RE_PASSIVE_AUX_END.search(stop_clause, 0, stop_word.start()) \
            and others.other_between(m, cs, cs + stop_word.start()):
        stop_word = None  # "Her co-codamol has been stopped and she should not take it alongside the oxycodone"
    if stop_word is not None and stop_word.end() <= m.start - cs \
            and _RE_PRONOUN_PASSIVE_STOP.fullmatch(stop_clause, 0, stop_word.start()):
        stop_word = None  # "...; this has been stopped and he should not take it with the oxycodone": the pronoun's stop
    stop_word = stop_word or context_patterns().cues["removed_after"].match(text, m.end, ce) \
        or context_patterns().cues["no_longer_usable_after"].match(text, m.end, ce) \
        or _RE_REMOVED_FROM_TTO.search(stop_clause, own_from) \
        or _status_not_continued(stop_clause, own_from) \
        or (_RE_TAPERED_OFF.search(stop_clause) and _past_stop(stop_clause))  # "was tapered off over the admission"
    if stop_word and not positive and STRONG_INPATIENT.search(near) and _past_stop(stop_clause):
        return "inpatient_only"  # "the syringe driver (morphine ...) was discontinued": a ward-only dose, now ended
    if stop_word and not positive and _ward_use_then_stop(stop_clause, own_from) \
            and not _RE_HOME_MEDICINE.search(text, cs, ce):
        return "inpatient_only"  # "Oxycodone 2.5mg prn used x2 on ward overnight - drowsy, not continued"
    if stop_word and not positive:
        if cue("stop_check", stop_clause) or (cue("stop_instruction", stop_clause) and not _past_stop(stop_clause)):
            # "GP to review ... and ensure oxycodone stopped": a plan, never a stopped drug
            return "rx" if has_sig(text[m.start:ce]) else "reference"
        return "stopped"
    if cue("inpatient_only", near) and (not positive or STRONG_INPATIENT.search(near)):
        return "inpatient_only"  # (not "Before surgery you had been prescribing X ..., and he goes home on this dose")
    if kind == "changes" and (positive or RE_LIST_ITEM.match(line := text[slice(*layout.line_bounds(m.start))])
                              or cue("status_lead", line) or not line[:m.start - layout.line_bounds(m.start)[0]].strip()) \
            and has_sig(_without_previous_dose(text[m.start:ce])):
        # "Changes: - MST Continus - INCREASED to 60mg BD (was 30mg BD)", "STARTED - codeine 30mg qds", a paragraph
        # under "Medication changes" saying "we have started Oramorph 5 ml 4-hourly", a line the drug's name opens
        # ("  Oramorph 10mg/5ml ... when required, 100ml - new"): the new prescription
        return "rx"
    if kind == "plan" and (RE_LIST_ITEM.match(line := text[slice(*layout.line_bounds(m.start))])
                           or (sec.inline and sec.body_start >= layout.line_bounds(m.start)[0]
                               and not _RE_PLAN_NEXT_STEP.search(text, m.end, layout.line_bounds(m.start)[1]))) \
            and has_sig(text[m.start:layout.line_bounds(m.start)[1]]) \
            and not cue("plan_item_proposal", text[max(layout.line_bounds(m.start)[0], sec.body_start):m.start]) \
            and not any(sec.kind == "discharge" for sec in layout.sections):
        # a terse letter's Plan list is its TTO ("- codeine 30mg 1-2 qds prn x 2/52 - 56 tabs"), and so is a plan
        # told on its heading's line ("plan: cont co-codamol 30/500 2 tabs QDS prn #32 this clinic"; not a schedule,
        # "Plan: OxyContin 10mg twice daily for 7 days, then 5mg twice daily for 7 days, then stop")
        return "rx"
    if kind in ("plan", "gp", "changes", "other", "history"):
        if _held_now(text, m) and not _RE_HOLD_LATER_AFTER.match(text, m.end, ce):
            return "stopped"  # "Advice: HOLD tramadol + amitriptyline until seen by own GP": it does not go home now
        return "reference"
    if has_sig(text[m.start:ce]):
        return "rx"
    if _directions_follow(text, m, ce, others):
        return "rx"  # "You have been given tramadol 50mg capsules. Take one or two capsules up to four times a day ..."
    ls, le = layout.line_bounds(m.start)
    if (RE_LIST_ITEM.match(text, ls) or _fielded_line(text, ls, m)) and has_sig(text[m.start:le]):
        # "• Oxycodone oral solution 1 mg/ml (OxyNorm liquid): 2.5-5 ml if needed ...": a list item; " NEW Palexia
        # 50mg tab; 1 bd-tds prn severe pain; x14; 5/7;": a line of fields the drug opens
        return "rx"
    return "reference"


_RE_PLAN_NEXT_STEP = re.compile(r"\b(?:then|followed\s+by|reduc\w*|decreas\w*|step\w*\s+down)\b[^.;\n]{0,30}?"
                                r"\d+(?:\.\d+)?\s*(?:mg|ml|micrograms?|mcg)\b", _I)
_RE_BARE_OBJECT_LEAD = re.compile(r"\s*(?:also\s+)?(?:(?:the|her|his|their)\s+)?", _I)
_RE_OWN_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|should|could|been|being|we|I|he|she|they|it|"
                          r"this|which|who|takes|uses|goes)\b", _I)


_RE_AND_NEXT_OBJECT = re.compile(r"(?:,\s*|\s)(?:and|&|plus)\s+(?:(?:also|the|her|his|their)\s+)?$", _I)


def _second_object_of_pre_admission(text: str, cs: int, ce: int, m: Mention, others: "OtherOpioids | None") -> bool:
    """The drug is the second object, joined by 'and' with no verb of its own, of what the patient took before
    ("came in with escalating pain despite Zomorph 60mg twice daily and Oramorph 20mg for breakthrough"), the first
    read so (not "came in on X and Y, both ...; these have been continued")."""
    if others is None or (i := others.index.get(id(m))) is None or i == 0:
        return False
    p = others.mentions[i - 1]
    if p.context != "historical" or p.start < cs or not _RE_AND_NEXT_OBJECT.search(text, p.end, m.start) \
            or _RE_OWN_VERB.search(text, p.end, m.start):
        return False
    if not cue("pre_admission_before", _without_previous_dose(text[cs:p.start])) or _RE_STOP_NEXT_CLAUSE.match(text, ce):
        return False  # (a stop told next, "... from her GP. Both stopped.", reads them as stopped)
    ss, se = m.start, text.find(".", m.end)  # (the rest of the sentence must not send them home)
    rest = text[ss:se if se >= 0 else len(text)]
    return not (_discharge_positive(rest) or cue("continued", rest))


# a continuation mark after the drug's directions ("..., cont, confirmed w/ pharm", "- continued;")
_RE_CONT_MARK = re.compile(r"[,;\-\u2013]\s*(?:cont(?:inued?)?\.?|to\s+continue|unchanged)\s*(?:[,;.)]|$)", _I | re.M)


def _past_use_of_another_then_continued(text: str, m: Mention, hist_end: int, ce: int, others) -> bool:
    """The past-use words belong to another opioid named between them and this one, and this one is marked as
    continued ("ex-IVDU (heroin, last used 2019), on methadone 1mg/ml 60ml od via CDT ..., cont"): not its past."""
    return others is not None and others.other_between(m, hist_end, m.start - 1) \
        and _RE_CONT_MARK.search(text, m.end, ce) is not None


def _past_use_list_object(text: str, cs: int, own_break: re.Match, m: Mention, ce: int) -> bool:
    """The drug is one more object of a past-use verb told before the first ("She had been taking co-codamol 30/500,
    two tablets four times a day, and Zomorph 10mg twice a day for her knee"): a bare noun phrase after ', and',
    with no verb of its own before the next break."""
    if not own_break.group(0).rstrip().lower().endswith("and") \
            or not _RE_BARE_OBJECT_LEAD.fullmatch(text, own_break.end(), m.start):
        return False
    nxt = _RE_SUBCLAUSE_BREAK.search(text, m.end, ce)
    return not _RE_OWN_VERB.search(text, m.end, nxt.start() if nxt else ce) \
        and bool(cue("historical", text[cs:own_break.start()]))


def _directions_follow(text: str, m, ce: int, others) -> bool:
    """A drug told without its sig, whose next sentence gives the directions: "You have been given tramadol 50mg
    capsules. Take one or two capsules up to four times a day if you need them." The directions stop at the sentence
    end, and must name no other drug."""
    d = directions_after(text, ce)
    if d is None:
        return False
    end = text.find(".", d.end())
    end = len(text) if end < 0 else end
    nl = text.find("\n", d.end(), end)
    end = end if nl < 0 else nl
    if others is not None and others.other_between(m, d.start(), end):
        return False
    return has_sig(text[d.start():end])


_RE_RATIO_LEAD = re.compile(r"\s*\d{1,2}(?:\.\d)?\s*/\s*\d{3,4}(?:\s*mg)?\b", _I)


# ("The OxyContin should now come down by 10mg per dose every week": a step-down told with a modal)
# a start told with its date or first dose beside a change ("(started on 15 November at 10mg twice daily and increased
# on 18 November)", "(started at 25 micrograms on 17 September, increased to 50 ...)"): a drug begun and titrated
# in this admission, not one the patient brought in (not "started by his GP in 2023")
_RE_STARTED_HERE_THEN_CHANGED = re.compile(
    r"\b(?:started|commenced|initiated|begun)\s+(?:on\s+(?:the\s+)?\d{1,2}(?:st|nd|rd|th)?\b|at\s+\d)"
    r"(?![^)\n]{0,40}\b(?:by\s+(?:your|the|his|her|their)\s+GP|years?\s+ago|in\s+(?:19|20)\d\d)\b)", _I)
_RE_PASSIVE_AFTER = re.compile(r"\s*(?:(?:MR|SR|XL|CR|IR|tablets?|capsules?|patch(?:es)?|liquid|dose)\s+)?(?:is|be|should\s+be|to\s+be|will\s+be|can\s+be|must\s+be|"
                               r"(?:to|should|will|can|could|must|may)\s+(?:now\s+|then\s+|gradually\s+|slowly\s+)?(?:come|go|step)\s+down)\s", _I)
_RE_FREE_OF = re.compile(r"[ \t]?-?[ \t]?free\b", _I)
_RE_EMPTY_BOX = re.compile(r"[ \t]*(?:\[[ \t]\]|☐|□)[ \t]*[^\n]*$")  # (matched up to the drug's name)
_RE_TICKED_BOX = re.compile(r"\[\s*[xX✓✔]\s*\]|☒|☑")


def _has_ticked_box(layout: LetterLayout) -> bool:
    """The letter ticks some box (looked for once per letter: a letter of many unticked lines stays linear)."""
    found = layout.__dict__.get("_ticked_box")
    if found is None:
        found = layout._ticked_box = _RE_TICKED_BOX.search(layout.text) is not None
    return found
# a list item marked new ("(new)", "NEW", "- started here"): never a pre-admission drug
_RE_NEW_MARK = re.compile(r"\(\s*new\s*\)|\[\s*new\s*\]|(?-i:\bNEW\b)|\b(?:started|commenced|initiated|begun)\s+(?:here|"
                          r"on\s+(?:the\s+|this\s+)?(?:ward|unit|IPU)|this\s+admission|in\s+hospital|during\s+(?:this\s+|her\s+|his\s+)?"
                          r"(?:admission|stay))\b", _I)
_RE_TAKEN_BEFORE = re.compile(r"\b(?:on\s+admission|before\s+(?:this\s+)?admission|prior\s+to\s+(?:this\s+)?admission|"
                              r"pre-?admission|(?:was|were|had\s+been)\s+taking)\b[^.;]*$", _I)


def _is_switch_target(text: str, cs: int, m: Mention) -> bool:
    """The drug named after "switched/converted/changed ... to" in its own sentence."""
    a = max(cs, m.start - 120)
    dot = max(text.rfind(".", a, m.start), text.rfind("\n", a, m.start))
    return bool(cue("switch_target", text[max(a, dot + 1):m.start]))


def _status_zone(text: str, g: "Group") -> tuple[str, bool]:
    """The words that give a prose statement its status, and whether its drug is the target of a switch. A
    status lead-in at the end of a statement ("..., which we left unchanged; we added") belongs to the next drug,
    and the one just before this statement's first words is its own."""
    zone = text[g.cue_start:g.seg_end]
    tail = cue("status_lead_in", zone)
    if tail and tail.end() == len(zone):
        zone = zone[:tail.start()]
    a = max(0, g.cue_start - 120)
    dot = max(text.rfind(".", a, g.cue_start), text.rfind("\n", a, g.cue_start))
    lead = text[max(a, dot + 1):g.cue_start]
    switched = _is_switch_target(text, 0, g.mentions[0]) if g.mentions else bool(cue("switch_target", lead))
    lm = cue("status_lead_in", lead)
    if lm and lm.end() == len(lead):
        zone = lead[lm.start():] + zone
    return zone, switched


_RE_PAST_STOP = re.compile(r"\b(?:(?:was|were|has|have|had|we|I|they|he|she)\s+(?:\w+\s+){0,2}?(?:stopped|discontinued|ceased|removed|(?:tapered|weaned|tailed)\s+off)|(?:stopped|removed)\s+(?:on|during|in)\s+(?:admission|hospital|the\s+ward|theatre|recovery|ED|A&E)|removed\s+(?:on\s+)?(?:day|POD|d)\s*\d)\b", _I)


def _past_stop(clause: str) -> bool:
    """'we stopped his tramadol', 'was discontinued on admission': a stop that happened (a distractor); never one
    the GP is asked to check ("make sure she has stopped the X by then")."""
    m = _RE_PAST_STOP.search(clause)
    if m and (_RE_CHECK_BEFORE.search(clause, max(0, m.start() - 40), m.start())
              or _RE_WHEN_BEFORE.search(clause, max(0, m.start() - 40), m.start())):
        return False  # (nor a stop still to come: "once the OxyNorm has stopped, you could ...")
    return bool(m)


_RE_WHEN_BEFORE = re.compile(r"\b(?:once|when|after|if|until|unless|before|by\s+the\s+time)\b[^.;,\n]{0,30}$", _I)


# ("make sure the Longtec has stopped by then": a determiner may come before the name)
_RE_CHECK_BEFORE = re.compile(r"\b(?:ensure|make\s+sure|check|confirm|see)\s+(?:that\s+)?(?:(?:the|his|her|their)\s+)?(?:[\w-]+\s+)?(?:has|have|is|are)?\s*$|"
                              r"\b(?:ensure|make\s+sure|check|confirm)\s+(?:that\s+)?$", _I)


# a dose, a count of units, or a combination product's strength ("co-codamol 30/500 ii QDS PRN": the product's
# strength and a count in roman figures)
RE_HAS_DOSE = re.compile(r"\d\s*(?:mg|milligrams?|micrograms?|mcg|[µμu]g|mls?|millilitres?|tabs?|tablets?|caps?|capsules?|caplets?|patch(?:es)?)\b|\b(?:one|two|1|2)\s+(?:tabs?|tablets?|caps?|capsules?)\b|(?:micrograms?|mcg|[µμu]g)\s*/\s*h"
                         r"|\b\d{1,2}\s*/\s*(?:325|500|650|1000)\b(?=\s*(?:mg\s*)?(?:x\s*\d+\s*)?[-–,:]?\s*(?:tabs?\b|tablets?|caps?\b|capsules?|i{1,3}\b|[1-4]\b|one\b|two\b|qds|tds|bd\b|od\b|prn|q\.?\d))|\b(?:i|ii|iii)\b(?=\s*(?:tabs?|caps?|qds|tds|bd|od|prn|nocte|mane))", _I)


def has_sig(s: str) -> bool:
    s = s[:160]
    # (clock times are a frequency: "one at 8 am and one at 8 pm", "10 mg at 08:00 and 20:00")
    return bool(RE_HAS_DOSE.search(s)) and bool(S.has_frequency_or_prn(s) or _RE_SIG_OTHER.search(s)
                                                or S.RE_CLOCK_TIMES.search(s))


# --------------------------------------------------------------------------------------------------------------
# prescriptions
# --------------------------------------------------------------------------------------------------------------
@dataclass
class Group:
    mentions: list[Mention]
    seg_start: int
    seg_end: int
    cue_start: int
    source: str
    cells: dict | None = None  # table: role -> (start, end) hull of the cell
    pieces: dict | None = None  # table: role -> [(start, end), ...] (a cell may run over continuation lines)
    statement: object | None = None

    def cell(self, text: str, role: str) -> "S.Masked | None":
        """The cell's text at its own offsets, other characters blanked (continuation lines join in place)."""
        pcs = (self.pieces or {}).get(role)
        if not pcs:
            return None
        a, b = pcs[0][0], pcs[-1][1]
        chars = [" "] * (b - a)
        for s, e in pcs:
            chars[s - a:e - a] = text[s:e]
        m = S.Masked("".join(chars), a)
        return m

    def cell_text(self, text: str, role: str) -> str:
        m = self.cell(text, role)
        return m.orig if m is not None else ""


_RE_PLAN_AFTER_NAME = re.compile(r"(?:\s+[A-Za-z/]+){0,2}?[\s:\-–]*(?:taper(?:ing)?|wean(?:ing)?|step[- ]?down|reduction|reducing|titration)\b(?:\s+(?:plan|regimen|schedule))?\s*[:\-–]", _I)


# a sum: a figure, then '=' and a figure ("30mg BD = 60mg", "60 / 1.5 = 40mg"); not an export's "DOSE=2.5ml"
_RE_SUM = re.compile(r"\d[^=\n;]{0,30}?\s=\s*\d")
_RE_MG_A_DAY = re.compile(r"mg\s*(?:/|per|a)\s*day\b|mg\s+daily\b", _I)  # a daily total, no frequency


def _statement_context(layout: LetterLayout, statements: list) -> None:
    """Statement-level reasons why a drug read as a prescription is not one: it was given on the ward
    ("Oramorph 5mg PRN was used on the ward"), it sits in a GP request ("please put her MST 15mg bd on
    repeat"), or the statement is a plan ("OxyContin taper: 10mg BD for 3 days, then ...")."""
    text = layout.text
    for st in statements:
        if st.source == "table" and st.owner is not None and st.owner.category == "opioid":
            _table_row_context(layout, st)
            continue
        if st.source == "table" or st.owner is None or st.owner.category != "opioid":
            continue
        after = text[st.mentions[-1].end:min(st.end, st.mentions[-1].end + 80)]
        conv = cue("conversion_arithmetic", after)
        # (a worked conversion with more than one sum, "MST 30mg BD = 60mg oral morphine a day; 60 / 1.5 = 40mg
        # oxycodone a day", is arithmetic even where the first term states a frequency)
        if (conv and not S.has_frequency_or_prn(_RE_MG_A_DAY.sub("mg", after[:conv.end()]))) \
                or (_RE_SUM.search(after) and len(_RE_SUM.findall(text, st.owner.end, layout.sentence_bounds(st.owner.start)[1])) >= 2) \
                or cue("conversion_arithmetic_before", text[max(0, st.owner.start - 30):st.owner.start]):
            # "oxycodone 120mg/day x 1.5 = 180mg oral morphine per day": a conversion's sum, no prescription
            for m in st.mentions:
                if m.context == "rx":
                    m.context = "reference"
            continue
        if st.owner.context == "reference" and layout.section_kind(st.start) in ("body", "discharge") \
                and st.end > layout.line_bounds(st.owner.start)[1] and has_sig(text[st.owner.start:st.end]) \
                and all(m.context == "reference" for m in st.mentions) \
                and not layout.wraps_into_next(layout.line_index(st.owner.start)):
            # (never a sentence hard-wrapped at a margin, "... consider increasing the OxyContin to
            # 15 mg twice daily, but please discuss\nwith us first")
            # an item block ("Drug: Oxycodone 5 mg capsules / Directions: ONE capsule four-hourly ..."): the sig is
            # on the labelled lines the statement runs over
            for m in st.mentions:
                m.context = "rx"
        rx_ms = [m for m in st.mentions if m.context == "rx"]
        if not rx_ms:
            continue
        if _RE_PLAN_AFTER_NAME.match(text, st.mentions[-1].end):
            for m in rx_ms:
                m.context = "reference"
            continue
        if _later_step_down(text, st):
            for m in rx_ms:
                m.context = "reference"
            continue
        if layout.section_kind(st.start) == "discharge":
            continue
        zone_start = st.cue_start
        brk = last_match(_RE_CLAUSE_BREAK_BEFORE, text, st.cue_start, st.owner.start) if st.owner.start > st.cue_start else None
        if brk is not None:
            zone_start = brk.end()  # "struggled with tablets on the ward, so | we switched her to a patch": not its words
        zone = text[zone_start:st.end]
        # (not "was continued unchanged on the ward", "applied ... on the ward": the first dose of what goes home)
        # (a titration day on the ward: "... then Palexia SR 50mg twice daily on day 4, increased to 75mg on day 5",
        # "Day 4 he started OxyContin 10mg twice daily")
        # (nor where the statement names its product again as what the patient takes now: "His Targinact was
        # increased on the ward and he now takes Targinact 40mg/20mg twice daily")
        # (nor a dose the patient may have, told with how much was used on the ward: "For breakthrough pain he may
        # have Oramorph 2.5 mg ... as needed; he used only one or two doses a day on the ward")
        if (cue("inpatient_past", zone) or cue("ward_day_event", zone)) and not _discharge_positive(zone) \
                and not cue("first_dose_on_ward", zone) \
                and not any(_taken_now_after_ward(text, st, mm, i == 0) for i, mm in enumerate(st.mentions)) \
                and not cue("permitted_before", text[max(st.cue_start, st.mentions[0].start - 30):st.mentions[0].start]):
            for m in st.mentions:
                m.context = "inpatient_only"
        elif cue("gp_request", text[zone_start:st.directions_start or st.end]) or cue("gp_dose_change", zone) \
                or _step_down_only(text, st, zone):
            # (not the patient's own directions: "... Please take one or two tablets four times a day")
            # a GP request, or a planned step-down's target dose ("bring the MST down to 10 mg bd"): not the TTO
            for m in rx_ms:
                m.context = "reference"


_RE_STEP_DELAY = re.compile(r"\b(?:after|in|from|over)\s+(?:\d|one|two|three|four|a\s+(?:week|fortnight|month))|\bthen\s+stop", _I)


def _later_step_down(text: str, st) -> bool:
    """A statement that opens with a GP's dose change, or a step-down before the drug's name that says when it happens ("Plan ↓ oxynorm to
    5mg bd after 1/52 then stop", "Reduce the MST to 10 mg bd in two weeks"): a plan, even on a line of the TTO list."""
    zone = text[st.cue_start:st.end]
    if (g := cue("gp_dose_change", zone)) and st.cue_start + g.start() < st.mentions[0].start:
        return True  # "GP to \u2191MST to 10mg bd if still breathless at 2/52 r/v": the GP's change to come
    x = cue("step_down_target", zone)
    if x is None or st.cue_start + x.start() > st.mentions[0].start:
        return False
    return _step_down_only(text, st, zone) and bool(_RE_STEP_DELAY.search(text, st.mentions[-1].end, st.end))


def _taken_now_after_ward(text: str, st, mm, first: bool) -> bool:
    """The statement names ``mm`` as what the patient takes now ("he now takes Targinact 40mg/20mg", "she is now on
    Palexia SR 250 mg"); the first mention only when every ward word comes before that ("After some titration on the
    ward she is now on Palexia SR ...": the titration was on the ward, the dose it reached goes home)."""
    a = max(min(st.start, st.cue_start) if first else st.start, mm.start - 30)
    t = cue("taken_now_before", text[a:mm.start])
    if t is None:
        return False
    rest = text[a + t.start():st.end]
    return not first or not (cue("inpatient_past", rest) or cue("ward_day_event", rest))


_RE_CLAUSE_BREAK_BEFORE = re.compile(r",\s*(?:and\s+)?(?:so|therefore|hence|but|whereas|although)\b|;\s", _I)


def _step_down_only(text: str, st, zone: str) -> bool:
    """A statement whose only dose is a planned step-down's target ("bring the MST down to 10 mg bd"); one that
    gives the dose first ("MST 30 mg bd; then reduce to 15 mg bd after a week") is the prescription and its plan."""
    x = cue("step_down_target", zone)
    if not x:
        return False
    before = text[st.mentions[-1].end:st.cue_start + x.start()]
    return not (S.RE_MG.search(before) and S.has_frequency_or_prn(before))


_NOT_DISCHARGE_TABLE = ("admission", "stopped", "allergy", "history", "family")


def _table_row_context(layout: LetterLayout, st) -> None:
    """A row of a medicines table is read by its own cells: the section the table sits in, and its Status
    cell ("Stopped", "Withheld"). Words in a Comments cell ("replaces co-codamol (intolerant)") never make
    the row's drug an allergy or a stopped drug."""
    text = layout.text
    kind = layout.section_kind(st.start)
    if kind in _NOT_DISCHARGE_TABLE:
        return
    status = role_text(text, st, "status")
    for role in ("comments", "indication"):
        if status or not st.cells.get(role):
            continue
        # no Status column: a comment or a Reason cell that opens with a status ("WARD ONLY - not for TTO",
        # "STOPPED - drowsy", "| Drug | Reason |" rows "Stopped - duplicates paracetamol") says it
        a, b = st.cells[role][0]
        if _RE_STATUS_INPATIENT.match(text, a, b) or _RE_COMMENT_STATUS.match(text, a, b) \
                or (role == "comments" and _RE_STATUS_STOP.match(text, a, b)):  # (a reason "hold if drowsy" is no stop)
            status = text[a:b]
    statuses = [status]
    if status and (key := letter_key(layout)) is not None:
        # "XX" under "Flag key: ... XX = discontinued"; a word the key explains keeps its own meaning too
        # ("WITHHELD" under "WITHHELD = not to be taken until reviewed")
        statuses.append(key.expand(status))
    if "previous" in st.cells and "dose" in st.cells:
        # a reconciliation table's discharge column that stops the drug ("| 30mg BD | STOPPED |", "| 30mg BD | - |"):
        # the dose before goes no further
        now = role_text(text, st, "dose").strip()
        if _RE_COMMENT_STATUS.match(now) or _RE_STATUS_STOP.match(now):
            statuses.append(now)
        elif now.strip("-\u2013\u2014 ").lower() in ("", "nil", "none") and role_text(text, st, "previous").strip("-\u2013\u2014 "):
            statuses.append("stopped")
    drug = role_text(text, st, "drug")
    if any(LINE_STOPPED.search(x) or _RE_STATUS_STOP.match(x) for x in statuses) or LINE_STOPPED.search(drug):
        reason = "stopped"
    elif any(_RE_STATUS_INPATIENT.match(x) for x in statuses) or \
            any(STRONG_INPATIENT.search(text[a:b]) for r in ("route", "drug", "dose", "freq") for a, b in st.cells.get(r, [])):
        reason = "inpatient_only"
    else:
        reason = "rx"
    for m in st.mentions:
        if m.context in ("rx", "reference", "allergy", "stopped", "historical", "other") and m.category == "opioid":
            m.context = reason


# a Status cell that keeps the row on the ward: "Inpatient PRN - not used", "Ward only", "Inpatient use"
_RE_STATUS_INPATIENT = re.compile(r"\W*(?:in-?patient|ward|hospital)\s+(?:only|use|PRN|stock|supply\s+only)\b|"
                                  r"\W*(?:ward|in-?pt|in-?patient)\W*$", _I)  # (a bare "WARD" status)
# a comment that opens with the row's status: "Stopped - drowsy", "Discontinued", "Not continued" (never "Not supplied -
# has own": a prescription from the patient's own supply)
_RE_COMMENT_STATUS = re.compile(r"\W*(?:stopped|discontinued|ceased|withheld|suspended|held|omitted|not\s+continued)\b", _I)
# an Action / Status cell in the imperative ("Stop", "STOP - drowsy", "Discontinue") or "OFF": the row's drug is stopped
_RE_STATUS_STOP = re.compile(r"\W*(?:stop|discontinue|cease|withhold|suspend|susp|hold|held|omit(?:ted)?|off(?![\s-]*(?:label|licen[cs]e)))\b", _I)

_RE_NARRATIVE = re.compile(r"\b(?:was|were|her|his|their|had|has|have|taking|using|on|started|commenced|prescribed|took)\b", _I)


# a terse status after the name: "Tramadol STOPPED.", "Co-codamol - discontinued (falls)"; not a stop still to come
# ("Tramadol stopped once the pain settles")
_RE_STATUS_STOP_AFTER = re.compile(r"[ \t]*[:\-–]?[ \t]*(?:stopped|discontinued|ceased|withdrawn)\b"
                                   r"(?![^.;\n]{0,25}\b(?:if|when|once|after|by|until)\b)", _I)


# an instruction to hold the drug from now ("HOLD tramadol ... until seen by own GP", "withhold the codeine"), not a stop
# to come ("stop the oxycodone after 5 days", "hold if drowsy")
_RE_HOLD_NOW_BEFORE = re.compile(r"(?<![\w-])(?<!not\s)(?:please\s+)?(?:hold|withhold|omit)\s+(?:the\s+|her\s+|his\s+|their\s+)?$", _I)
_RE_HOLD_LATER_AFTER = re.compile(r"[^.;\n]{0,60}?\b(?:after|from\s+day|once|when|if|for\s+\d|tomorrow|tonight)\b", _I)


def _held_now(text: str, m: Mention) -> bool:
    """An instruction to hold the drug written just before its name ("Advice: HOLD tramadol ...", "please withhold the
    codeine")."""
    return _RE_HOLD_NOW_BEFORE.search(text, max(0, m.start - 40), m.start) is not None

_RE_STATUS_STOP_BEFORE = re.compile(r"^[ \t\-*•]*(?:stopped|discontinued|ceased|withdrawn)[ \t]*[:\-–][ \t]*$", _I | re.M)


# "Zomorph 10 mg twice daily was added for the same pain": the story of the drug, told in the passive
_RE_PASSIVE_PAST_AFTER = re.compile(r"[^.;\n]{0,60}?\b(?:was|were|had\s+been)\s+(?:added|started|commenced|begun|prescribed|introduced)\b", _I)


# words that make a product immediate release, whatever its name ("OxyNorm liquid", "oxycodone 10mg/ml injection")
_RE_NOT_MR_FORM = re.compile(r"\b(?:liquid|(?:oral\s+)?solution|injection|inj|immediate[- ]release|IR)\b", _I)


def _stopped_elsewhere(layout: LetterLayout, statements: list, mentions: list[Mention]) -> None:
    """A drug described in prose outside the discharge list that the letter says was stopped ("the main driver
    was her co-codamol 30/500 two tablets qds ... We have stopped the co-codamol") is the stopped drug, not a
    discharge prescription, unless a discharge list prescribes it."""
    text = layout.text
    stopped_opioids = [m for m in mentions if m.context == "stopped" and m.category == "opioid"]
    # an instruction to hold a drug now ("Advice: HOLD tramadol until seen by own GP") stops it wherever the letter
    # told its dose, story or not ("Extra tramadol (usual 50mg QDS for OA knee)")
    held_now = [m for m in stopped_opioids if _held_now(text, m)]
    held = {m.generic for m in held_now}
    stopped = [m for m in stopped_opioids
               if any(m is h for h in held_now)
               or _past_stop(text[slice(*layout.clause_bounds(m.start))])  # "we have stopped", not "to be stopped"
               or _RE_STATUS_STOP_AFTER.match(text, m.end)  # "Tramadol STOPPED."
               or _RE_STATUS_STOP_BEFORE.search(text, layout.line_bounds(m.start)[0], m.start)]
    if not stopped:
        return
    listed = {m.generic for st in statements for m in st.mentions
              if m.context == "rx" and layout.section_kind(st.start) == "discharge"}
    for st in statements:
        if st.source != "prose" or st.owner is None or st.owner.category != "opioid":
            continue
        if layout.section_kind(st.start) == "discharge" or st.owner.generic in listed:
            continue
        if RE_LIST_ITEM.match(layout.line_text(st.start)):
            continue  # a list item is a list, whatever its heading
        if st.owner.generic not in held and not _RE_NARRATIVE.search(layout.text, st.cue_start, st.owner.start) and \
                not _RE_PASSIVE_PAST_AFTER.match(layout.text, st.owner.end, st.end):
            continue  # "Zamadol SR 100mg bd - usual medicine": a line that states a prescription, not a story
        rx_ms = [m for m in st.mentions if m.context == "rx"]
        if not rx_ms or _discharge_positive(text[st.cue_start:st.end]):
            continue  # ("We have continued the tapentadol MR 50 mg twice daily": it goes home, whatever stopped)
        for s_m in stopped:
            if s_m.generic != st.owner.generic or s_m in st.mentions:
                continue
            fa = _mention_form(text, st.owner) or ("MR" if S.RE_MR.search(text, st.owner.end, st.end) else
                                                   "IR" if _RE_NOT_MR_FORM.search(text, st.owner.end, st.end) else None)
            fb = _mention_form(text, s_m)
            if fa and fb and fa != fb:
                continue  # ("the oxycodone MR was stopped during the switch": not the OxyNorm liquid told after it)
            for m in rx_ms:
                m.context = "stopped"
            break


_RE_FORM_WORDS = re.compile(r"\b(?:tablets?|tabs?|capsules?|caps|liquid|solution|mixture|linctus|syrup|patch(?:es)?|"
                            r"injection|inj|MR|SR|XL|CR|modified|prolonged|slow)\b", _I)


def _told_going_home(layout: LetterLayout, g: Group) -> bool:
    """Whether a prose statement's sentence says its drug goes home ("He goes home on Longtec 40mg twice a day")."""
    if g.source != "prose":
        return False
    s, _e = layout.sentence_bounds(g.seg_start)
    return _discharge_positive(layout.text[s:g.seg_end]) is not None


def statement_groups(statements: list) -> list[Group]:
    """One group per statement owned by an opioid mention read as a discharge prescription. Drugs named
    inside another drug's statement (a comment, "instead of her tramadol") are context, never prescriptions."""
    groups = []
    for st in statements:
        for m in st.context:
            if m.context == "rx":
                m.context = "reference"
    for st in statements:
        if st.owner is None or st.owner.category != "opioid" or not any(m.context == "rx" for m in st.mentions):
            continue
        hulls = {r: (p[0][0], p[-1][1]) for r, p in st.cells.items()} if st.source == "table" else None
        groups.append(Group(list(st.mentions), st.start, st.end, st.cue_start, st.source, hulls,
                            st.cells if st.source == "table" else None, st))
    return groups


def _default_unit(formulation: str, route_hint: str | None, seg: str, term: Term, dose_unit: str | None) -> str:
    if formulation == "patch":
        return "patches"
    if route_hint == "injection":
        return "ampoules"
    if formulation == "liquid":
        return "ml"
    if dose_unit in ("tablets", "capsules", "sachets", "suppositories"):
        return dose_unit
    m = re.search(r"\b(tablets?|tabs?|caplets?|capsules?|caps?)\b", seg, _I)
    if m:
        return S._unit_name(m.group(1))
    notes = (term.row.notes.lower() if term.row else "")
    if "capsule" in notes and "tablet" not in notes:
        return "capsules"
    return "tablets"


def _patch_default_days(generic: str, mcg: float | None, term: Term) -> float:
    notes = term.row.notes.lower() if term.row else ""
    if "7-day" in notes:
        return 7.0
    if "96" in notes or "4-day" in notes:
        return 4.0
    if "72" in notes:
        return 3.0
    if generic == "fentanyl":
        return 3.0
    if generic == "buprenorphine":
        return 7.0 if (mcg or 0) <= 20 else 4.0
    return 7.0


_RE_PRN_CELL_YES = re.compile(json_rules("statement_rules.json")["prn_cell_yes"], re.IGNORECASE)
# (not "wean as follows: 2 tablets twice daily for 7 days, then ...": a schedule that starts now, its first step the dose)
_TAPER_SENTENCE = re.compile(r"(?:[.;]|\s[-–—])\s+((?:then\s+)?(?:reduce|reducing|decrease|step(?:ping)?\s+down|wean|taper|halve)\b)"
                             r"(?!\s*(?:as\s+follows|(?:plan|regimen|schedule))?\s*:)", re.IGNORECASE)


def _sig_in_next_sentence(layout: LetterLayout, statements: list, mentions: list[Mention]) -> None:
    """A drug named in one sentence and dosed in the next, which names no drug ("he has gone back to his usual
    Zomorph. He takes one 100 mg capsule at breakfast and one at bedtime, and that is what he goes home on"): the
    statement runs on over that sentence, and the drug is prescribed when the sentence says it is taken now."""
    text = layout.text
    starts = sorted(m.start for m in mentions)
    for st in statements:
        owner = st.owner
        if st.source != "prose" or owner is None or owner.category != "opioid" or owner.context not in ("rx", "reference"):
            continue
        s, e = layout.sentence_bounds(owner.start)
        if st.end < e - 1 or has_sig(text[st.start:st.end]):
            continue
        gap = re.match(r"[.!?]?[ \t]*\n?[ \t]*", text[e:e + 40])
        ns = e + gap.end()
        if ns >= len(text) or ns == e or "\n\n" in text[e:ns]:
            continue
        ns, ne = layout.sentence_bounds(ns)
        if bisect.bisect_left(starts, ns) != bisect.bisect_left(starts, ne) or unlisted_drugs(text, ns, ne, []):
            continue  # (the next sentence names a drug of its own: "She continues her pregabalin 75mg bd")
        nxt = text[ns:ne]
        if not (RE_HAS_DOSE.search(nxt) and (S.has_frequency_or_prn(nxt) or S.RE_TIME_WORD.search(nxt))
                and (cue("taken_now", nxt) or cue("discharge_positive", nxt))):
            continue
        st.end = ne
        if owner.context == "reference":
            for m in st.mentions:
                m.context = "rx"


def _soft_wrapped(text: str, g: Group) -> str:
    """The statement's text with the line breaks that cut one sentence (a wrap) read as spaces."""
    seg = text[g.seg_start:g.seg_end]
    breaks = g.statement.soft_breaks if g.statement is not None else ()
    if not breaks:
        return seg
    chars = list(seg)
    for k in breaks:
        if g.seg_start <= k < g.seg_end:
            chars[k - g.seg_start] = " "
    return "".join(chars)


_RE_GRID_CELL = re.compile(r"\s*(?:(\d+(?:\.\d+)?|½|one|two|three|four|half)\s*(?:(mg)|tabs?|tablets?|caps?|capsules?)?|([x✓✔])|[-–—0]?)\s*", _I)


def _drug_round_grid(sig: S.Sig, text: str, cells: list) -> None:
    """A drug-round grid ("M  L  T  N" / "1  -  -  1"): each time column's cell is the units (or mg) given then;
    one administration per filled time."""
    units, mgs, ticks = [], [], 0
    for a, b in cells:
        if text.startswith("(", a) and text.endswith(")", a, b):
            continue  # a note beyond the last time column ("60mg    (80mg = one 60mg + one 20mg tab)")
        x = _RE_GRID_CELL.fullmatch(text, a, b)
        if x is None:
            return  # a cell that is not a count: not a grid row
        if x.group(3):
            ticks += 1
            continue
        if x.group(1) is None:
            continue
        v = 0.5 if x.group(1) in ("½", "half") else S.to_number(x.group(1))
        if not v:
            continue
        (mgs if x.group(2) else units).append(v)
    if ticks and not (units or mgs) and ticks <= 6:
        # "| 10mg | X |  |  | X |": a mark under a time is one administration then, of the dose the row tells
        sig.timed_doses = ticks
        return
    if not (units or mgs) or (units and mgs) or len(units or mgs) > 6:
        return
    if mgs:
        sig.dose_mg_min, sig.dose_mg_max = min(mgs), max(mgs)
    elif sig.strength_mg and sig.strength_kind in ("mg", "combo") and max(units) <= 6:
        sig.dose_mg_min, sig.dose_mg_max = round(min(units) * sig.strength_mg, 6), round(max(units) * sig.strength_mg, 6)
        sig.dose_units_max = max(units)
    else:
        return
    sig.timed_doses = len(units or mgs)
    sig.spans["dose"] = [cells[0][0], cells[-1][1]]


_RE_BEEN_ON = re.compile(r"\b(?:has|have|had)\s+been\s+(?:on|taking|using)\b(?![^.;\n]*\b(?:should|will|to\s+continue|please)\b)", _I)
_RE_FOR_PERIOD = re.compile(r"for\b", _I)
_RE_PLAN_WORD = re.compile(r"\b(?:should|will|continue|please|then|plan|now|reduce[ds]?|increase[ds]?|start(?:ed)?)\b", _I)


def parse_group(layout: LetterLayout, g: Group) -> OpioidPrescription:
    text = layout.text
    ms = g.mentions
    # (the product left names no form of the one that goes home: "switched from Percocet to oxycodone SR 20 mg b.i.d.")
    own = [m for m in ms if m.context != "stopped" or not any(o.start > m.start and o.context != "stopped" for o in ms)]
    branded = [m for m in own if m.term.brand]
    lead = branded[0] if branded else own[0]
    fixed = next((m.term for m in own if m.term.formulation and not m.term.resolvable), None)
    term = fixed or lead.term
    generic = lead.generic
    sig = S.Sig()
    cells = g.cells or {}
    seg = raw_seg = _soft_wrapped(text, g)
    previous = _previous_dose(text, g)
    if g.source != "table":
        seg = _blank_not_current(seg, g.seg_start, ms[-1].end, text[max(0, g.seg_start - 60):g.seg_start])

    # strength: from the drug cell (tables) or from the first mention on
    if g.source == "table":
        ds, de = cells.get("drug", (g.seg_start, g.seg_end))
        drug_txt = g.cell_text(text, "drug") or text[ds:de]
        S.parse_strength(sig, drug_txt, ds, max(0, ms[0].start - ds), limit=max(70, de - ds))
        if sig.strength_kind is None and "strength" in cells:
            a, _b = cells["strength"]
            st_txt = g.cell_text(text, "strength")
            S.parse_strength(sig, st_txt, a, 0, limit=len(st_txt))
        if sig.strength_kind is None and "dose" in cells:
            # a combination's strength opening the dose cell, as reconciliation tables tell a change of strength
            # ("Co-codamol | 30/500 two tablets QDS | 15/500 two tablets QDS | Strength reduced")
            a, _b = cells["dose"]
            ratio = _RE_RATIO_LEAD.match(g.cell_text(text, "dose"))
            if ratio:
                S.parse_strength(sig, ratio.group(0), a, 0, limit=ratio.end())
            elif (patch := S.RE_PATCH.match(g.cell_text(text, "dose").lstrip())) is not None:
                # a patch's rate written as its dose ("Matrifen patch | 75 mcg/hr, change q72h | ...")
                d_txt = g.cell_text(text, "dose")
                S.parse_strength(sig, d_txt, a, 0, limit=len(d_txt))
        form_txt = " ".join(g.cell_text(text, r) for r in ("drug", "strength", "route", "dose", "freq") if r in cells)
    else:
        rel = ms[0].start - g.seg_start
        # (a previous dose blanked out of the statement does not use up the window: "10 mcg/h -> now 5 mcg/h")
        span_len = (ms[-1].end - ms[0].start) + 45 + sum(1 for a, b in zip(raw_seg, seg) if a != b)
        S.parse_strength(sig, seg, g.seg_start, rel, limit=span_len)
        form_txt = seg
    formulation, route_hint = S.resolve_formulation(term.formulation, term.resolvable if fixed is None else False,
                                                    form_txt, generic, sig.strength_kind)
    if formulation == "patch" and sig.strength_mcg_per_hour is None and sig.strength_mg is not None and sig.strength_kind == "mg":
        sig.strength_mg = None
    if formulation != "patch" and sig.strength_kind == "mcg_per_hour":
        formulation = "patch"
    if formulation == "liquid" and route_hint != "injection" and sig.strength_kind == "mg":
        # an oral liquid's strength is a concentration: "Oramorph 5mg 2 hourly" states the dose, not the strength
        sig.strength_mg = sig.strength_kind = None
        sig.spans.pop("strength", None)
    if formulation == "liquid" and sig.strength_kind is None and g.source != "table":
        # the concentration told later in the statement: "Oramorph 2.5 mg, which is 1.25 ml of the 10 mg in 5 ml"
        conc = S.find_concentration(seg, ms[-1].end - g.seg_start, len(seg))
        if conc is not None:
            sig.strength_mg, sig.strength_kind = round(conc[0], 6), "mg_per_ml"
            sig.spans["strength"] = [g.seg_start + conc[1], g.seg_start + conc[2]]
    brand = lead.term.brand if lead.term.brand else None
    if brand:
        row = load_lexicon().brand_row(brand)
        # a brand covering several forms: pick the injection row when the text says injection
        if row is not None and route_hint == "injection" and row.formulation != "injection":
            inj = load_lexicon().brand_row(f"{brand} injection")
            brand = inj.name if inj else brand
    route = S.resolve_route(formulation, route_hint, form_txt if g.source == "table" else seg,
                            term.row.route if term.row else None, generic)

    # dose
    if g.source == "table":
        md = g.cell(text, "dose")
        if md is not None:
            S.parse_dose(sig, md, 0, formulation)
        if sig.dose_mg_max is None and sig.dose_units_max is None:
            # (a PRN column that holds the directions of an as-needed item: "| PRN | ... | 5mg 6-hrly |")
            for r in ("freq", "prn", "drug"):
                md = g.cell(text, r)
                if md is None:
                    continue
                if sig.spans.get("strength"):
                    a, b = sig.spans["strength"]
                    # (only where the strength was read: a drug cell wrapped over lines spans the other cells between)
                    for ps, pe in (g.pieces or {}).get("drug", [(a, b)]):
                        lo, hi = max(max(a, ps) - md.base, 0), min(min(b, pe) - md.base, len(md.chars))
                        if lo < hi:
                            md.take(lo, hi)
                for mm in ms:
                    lo, hi = max(mm.start - md.base, 0), min(mm.end - md.base, len(md.chars))
                    if lo < hi:
                        md.take(lo, hi)
                S.parse_dose(sig, md, 0, formulation)
                if sig.dose_mg_max is not None or sig.dose_units_max is not None:
                    break
        if len((g.pieces or {}).get("time", ())) >= 2:
            _drug_round_grid(sig, text, g.pieces["time"])
        if "cap" in cells and g.cell_text(text, "cap").strip():
            # a "Max/24h" column ("4 doses", "8 tabs", "40mg"): the cap the Freq cell's interval is read under
            cap_txt = "max " + g.cell_text(text, "cap").strip() + " in 24 hours"
            S.parse_cap(sig, S.Masked(cap_txt, 0))
            if sig.cap:
                sig.cap_span = tuple(cells["cap"])  # (the evidence is the cell, not the words read around it)
        if "comments" in cells and not sig.cap and not _RE_LATER_STEP.search(g.cell_text(text, "comments")):
            # "MAX 4 CAPS/24H" in a Notes cell caps the Freq cell's "4-6 HRLY PRN" (never a later step: "Reduce to
            # max twice daily after 1 week")
            S.parse_cap(sig, g.cell(text, "comments"))
        for r in ("freq", "dose", "prn", "drug", "comments"):
            mf = g.cell(text, r)
            if mf is None:
                continue
            if (sig.dose_units_max is not None or sig.dose_mg_max is not None) and r in ("freq", "dose", "prn") and not sig.cap:
                S.parse_cap(sig, mf)
            S.parse_frequency(sig, mf, formulation)
            if sig.frequency_per_day_max is not None:
                break
        if sig.frequency_per_day_max is None and sig.timed_doses and not sig.cap:
            sig.frequency_per_day_max = sig.timed_doses
        sig_zone = " ".join(g.cell_text(text, r) for r in ("dose", "freq", "drug", "comments") if r in cells)
        prn_any = S.RE_PRN.search(sig_zone)
        if prn_any:
            sig.prn = True
        if "prn" in cells and _RE_PRN_CELL_YES.match(_coded_cell(layout, g, "prn")):
            sig.prn = True  # a "When required?" column answered yes
        elif "prn" in cells and has_sig(g.cell_text(text, "prn")):
            sig.prn = True  # a PRN column that holds the item's directions
        if formulation == "patch" and sig.patch_change_days is None:
            S._patch_interval(sig, sig_zone)
        unit_zone = " ".join(g.cell_text(text, r) for r in ("drug", "strength", "dose") if r in cells) or seg
        default_unit = _default_unit(formulation, route_hint, unit_zone, term, sig.dose_unit)
        if "supply" in cells:
            S.parse_supply(sig, g.cell(text, "supply"), formulation, default_unit, supply_only=True)
        if "quantity" in cells:
            S.parse_quantity_cell(sig, g.cell(text, "quantity"), formulation, default_unit)
        if "duration" in cells:
            S.parse_supply(sig, g.cell(text, "duration"), formulation, default_unit, duration_only=True)
        if "days" in cells:  # a bare Days column: days supplied, unless the quantity cell already gave them
            if sig.supply_days is None and not sig.own_supply:
                S.parse_supply(sig, g.cell(text, "days"), formulation, default_unit, supply_only=True)
            else:
                S.parse_supply(sig, g.cell(text, "days"), formulation, default_unit, duration_only=True)
        for r in ("drug", "comments", "other", "dose", "freq"):
            if r in cells and (sig.supply_days is None or sig.duration_days is None or sig.quantity_n is None):
                tmp = S.Sig()
                tmp.dose_unit, tmp.strength_kind, tmp.strength_mg = sig.dose_unit, sig.strength_kind, sig.strength_mg
                S.parse_supply(tmp, g.cell(text, r), formulation, default_unit)
                if sig.supply_days is None and tmp.supply_days is not None and not sig.own_supply:
                    sig.supply_days = tmp.supply_days
                    sig.spans["supply"] = tmp.spans.get("supply")
                if sig.duration_days is None and tmp.duration_days is not None:
                    sig.duration_days = tmp.duration_days
                    sig.spans["duration"] = tmp.spans.get("duration")
                # (a quantity told after the directions in a dose cell: "1-2 tablets QDS when required, 20 tablets")
                if sig.quantity_n is None and tmp.quantity_n is not None and not sig.own_supply and (
                        r == "comments" or (r == "dose" and "quantity" not in cells and tmp.spans.get("quantity")
                                            and sig.spans.get("frequency")
                                            and tmp.spans["quantity"][0] > sig.spans["frequency"][1])):
                    sig.quantity_n, sig.quantity_unit = tmp.quantity_n, tmp.quantity_unit
                    sig.spans["quantity"] = tmp.spans.get("quantity")
                if tmp.own_supply and r == "comments":
                    sig.own_supply = True
    else:
        m_all = S.Masked(seg, g.seg_start)
        start_rel = ms[0].start - g.seg_start
        m_all.take(0, start_rel)  # text before the drug name (bullets, "Started") is not the sig
        for x in context_patterns().cues["conversion_sum"].finditer(seg, start_rel):
            m_all.take(x.start(), x.end())  # "(40mg/day x 1.5 = 60mg oral morphine per day)": a sum, not the sig
        if sig.spans.get("strength"):
            a, b = sig.spans["strength"]
            m_all.take(a - g.seg_start, b - g.seg_start)
        for mm in ms:
            m_all.take(mm.start - g.seg_start, mm.end - g.seg_start)
        # a step-down sentence on the same line ("... BD. Reduce to 5mg BD after 3 days") is the
        # weaning plan, not this prescription's dose or frequency
        taper = _TAPER_SENTENCE.search(seg, start_rel)
        if taper:
            S.parse_stop_limit(sig, S.Masked(seg[taper.start(1):], g.seg_start + taper.start(1)))
            m_all.take(taper.start(1), len(seg))
        # supply phrases first so that "(x28)" or "7/7" never read as a dose or frequency
        default_unit_guess = _default_unit(formulation, route_hint, seg, term, None)
        pre = S.Sig()
        pre.strength_kind, pre.strength_mg = sig.strength_kind, sig.strength_mg
        m_sup = S.Masked(m_all.text, g.seg_start)
        _mask_caps(m_sup)
        S.parse_dose(pre, S.Masked(m_sup.text, g.seg_start), 0, formulation)
        sig.dose_mg_min, sig.dose_mg_max, sig.dose_units_max, sig.dose_unit = pre.dose_mg_min, pre.dose_mg_max, pre.dose_units_max, pre.dose_unit
        sig.timed_doses = pre.timed_doses
        if pre.spans.get("dose"):
            sig.spans["dose"] = pre.spans["dose"]
            a, b = pre.spans["dose"]
            m_all.take(a - g.seg_start, b - g.seg_start)
        default_unit = _default_unit(formulation, route_hint, seg, term, sig.dose_unit) if sig.dose_unit else default_unit_guess
        S.parse_cap(sig, m_all)
        S.parse_supply(sig, m_all, formulation, default_unit)
        S.parse_frequency(sig, m_all, formulation)

    if formulation not in ("patch", "liquid") and sig.strength_kind in ("mg", "combo", None) and "mg" in raw_seg:
        S.parse_made_up_dose(sig, raw_seg, g.seg_start)
    if sig.dose_mg_max is None and sig.strength_mg is not None and formulation not in ("patch", "liquid") \
            and sig.strength_kind in ("mg", "combo") and sig.dose_units_max is None:
        sig.dose_mg_min = sig.dose_mg_max = sig.strength_mg
        sig.dose_units_max = 1
    if route_hint == "injection" and sig.strength_kind == "mg" and sig.dose_mg_max is None and sig.strength_mg:
        # "diamorphine 5mg subcut": with no mg per ml the figure is the dose, not the strength
        sig.dose_mg_min = sig.dose_mg_max = sig.strength_mg
        sig.strength_mg, sig.strength_kind = None, None
    if formulation == "patch":
        sig.dose_mg_min = sig.dose_mg_max = None
        sig.frequency_per_day_max = None
        if sig.patch_change_days is None:
            sig.patch_change_days = _patch_default_days(generic, sig.strength_mcg_per_hour, term)
    if sig.dose_units_max is None and sig.dose_mg_max and sig.strength_mg:
        sig.dose_units_max = sig.dose_mg_max / sig.strength_mg
    if sig.dose_mg_min is not None and formulation != "patch" and g.source != "table":
        S.widen_to_step_down(sig, raw_seg, sig.spans.get("dose"), g.seg_start)
    if sig.quantity_n is not None and sig.quantity_n > S.MAX_QUANTITY:
        sig.quantity_n = sig.quantity_unit = None  # no TTO holds that many units: a number of something else
    dur = sig.spans.get("duration")
    if g.source == "prose" and sig.duration_days and dur and _RE_FOR_PERIOD.match(text, dur[0]) \
            and _RE_BEEN_ON.search(text, g.cue_start, ms[0].start) and not _RE_PLAN_WORD.search(text, ms[-1].end, dur[0]):
        # "has been on Targinact 10mg/5mg twice daily for 18 months": how long she has taken it, not a course
        sig.duration_days = None
        sig.spans.pop("duration", None)

    rx = OpioidPrescription(
        text=text[g.seg_start:g.seg_end].strip(),  # (as written: a wrap's line break stays)
        span=(g.seg_start + (len(raw_seg) - len(raw_seg.lstrip())), g.seg_start + len(raw_seg.rstrip())),
        generic=generic, brand=brand, formulation=formulation, route=route,
        strength_mg=sig.strength_mg if formulation != "patch" else None,
        strength_mcg_per_hour=sig.strength_mcg_per_hour if formulation == "patch" else None,
        dose_mg_min=_clean(sig.dose_mg_min), dose_mg_max=_clean(sig.dose_mg_max),
        frequency_per_day_max=sig.frequency_per_day_max, prn=sig.prn,
        duration_days=sig.duration_days, supply_days=None if sig.own_supply else sig.supply_days,
        supply_quantity=None if sig.own_supply else S.format_quantity(sig),
        patch_change_days=sig.patch_change_days, units_per_dose_max=sig.dose_units_max,
        quantity_n=None if sig.own_supply else sig.quantity_n, quantity_unit=sig.quantity_unit,
        source=g.source,
    )
    if rx.dose_mg_max is not None and rx.frequency_per_day_max:
        rx.max_daily_dose_mg = _clean(rx.dose_mg_max * rx.frequency_per_day_max)
    spans = {"drug": [ms[0].start, ms[-1].end]}
    spans.update({k: v for k, v in sig.spans.items() if v})
    rx.spans = spans
    rx.statement_span = (g.seg_start, g.seg_end)
    fz = next((m for m in ms if m.fuzzy_of), None)
    if fz is not None:
        rx.fuzzy_match = f"{fz.surface} -> {fz.fuzzy_of}"
    marked = _legend_mark(layout, g)  # once for both readers of the status
    rx.new_on_admission = _new_status(layout, g, cells, marked)
    # (a patch's previous rate, "(previously 10 micrograms/hour)", is no dose in mg but a change all the same)
    rx.status = _status(layout, g, cells, previous is not None or _previous_rate(text, g), marked)
    if rx.status == "changed" and _RE_STARTED_HERE_THEN_CHANGED.search(text, g.cue_start, g.seg_end):
        rx.new_on_admission = True  # "Zomorph 20mg bd (started on 15 November at 10mg bd and increased ...)": titrated here
    elif rx.status in ("changed", "continued"):
        rx.new_on_admission = False  # the gold schema: a changed dose is a pre-existing prescription
    elif rx.status == "new":
        rx.new_on_admission = True
    rx.previous_dose_mg = previous
    rx.dose_change = _dose_change(text, g, previous, rx.dose_mg_max)
    rx.indication = _indication(text, g, cells, sig)
    rx.purpose = _purpose(text, g, rx)
    return rx


def _purpose(text: str, g: Group, rx: OpioidPrescription) -> str:
    """substitution (opioid substitution treatment: no pain OME, never a high-dose flag) or pain."""
    if rx.generic not in ("buprenorphine", "methadone"):
        return "pain"
    zone = text[g.cue_start:g.seg_end]
    if cue("substitution", zone) or (rx.brand or "") in _OST_BRANDS:
        return "substitution"
    # sublingual buprenorphine at 2 mg or more a dose is a substitution dose (corpus labelling rule)
    if rx.generic == "buprenorphine" and rx.route == "sublingual" and (rx.dose_mg_max or rx.strength_mg or 0) >= 2:
        return "substitution"
    return "pain"


@lru_cache(maxsize=1)
def _not_current() -> dict[str, re.Pattern]:
    r = context_rules()["previous_dose"]
    # (folded: gated + case-sensitive twin, nlp.rules; the bracket pattern, asked about short windows, is faster as is)
    return {k: re.compile(v, _I) if k == "bracket" else folded(re.compile(v, _I)) for k, v in r.items() if not k.startswith("_")}


def _without_previous_dose(s: str) -> str:
    rx = _not_current()
    if "(" not in s and "[" not in s and not _RE_PREVIOUS_WORD.search(s):
        return s
    for key in ("bracket", "phrase"):
        s = rx[key].sub(lambda m: " " * len(m.group()), s)
    return _blank_change_from(s, 0)


def _blank_change_from(s: str, after: int, lead: str = "") -> str:
    """The old figure of a change told with a verb, "we increased her MST from 10 to 20 mg", blanked from ``after``
    on (the verb may come before it, in ``s`` or in the ``lead`` just before ``s``)."""
    if "from" not in s:
        return s
    k = len(lead)
    for m in _not_current()["change_from"].finditer(lead + s):
        if m.start(1) - k >= after:
            s = s[:m.start(1) - k] + " " * (m.end(1) - m.start(1)) + s[m.end(1) - k:]
    return s


def _blank_not_current(seg: str, base: int, after_abs: int, lead: str = "") -> str:
    """The statement with numbers that are not the current prescription blanked (same offsets): a previous
    dose ("(was 20mg bd before admission)", "reduced from 20mg BD to ...") and titration advice ("could be
    increased to 20mg twice daily")."""
    rx = _not_current()
    chars = None
    after = max(0, after_abs - base)
    for key in ("bracket", "phrase", "titration"):
        for m in rx[key].finditer(seg, after):
            if chars is None:
                chars = list(seg)
            chars[m.start():m.end()] = " " * (m.end() - m.start())
        if chars is not None:
            seg = "".join(chars)
            chars = None
    return _blank_change_from(seg, after, lead)


_RE_MG_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|micrograms?|mcg)", _I)


def _previous_dose(text: str, g: Group) -> float | None:
    """The dose before this admission's change, when the statement gives one (mg)."""
    rx = _not_current()
    zone = text[g.cue_start:g.seg_end]
    for key in ("bracket", "phrase"):
        m = rx[key].search(zone)
        if m:
            v = _RE_MG_VALUE.search(m.group())
            if v and (re.match(r"\s*/\s*h", m.group()[v.end():], _I)
                      or v.group(2).lower().startswith(("mcg", "micro")) and re.search(r"\bpatch|/\s*h", zone, _I)):
                return None  # a patch's rate ("was 15 micrograms/hour", "started at 25 micrograms") is no dose in mg
            if v:
                val = float(v.group(1))
                return val / 1000.0 if v.group(2).lower().startswith(("mcg", "micro")) else val
    return None


def _previous_rate(text: str, g: Group) -> bool:
    """The statement gives a patch's rate before this admission's change ("(previously 10 micrograms/hour)")."""
    zone = text[g.cue_start:g.seg_end]
    for key in ("bracket", "phrase"):
        m = _not_current()[key].search(zone)
        if m and (v := _RE_MG_VALUE.search(m.group())) and re.match(r"\s*/\s*h", m.group()[v.end():], _I):
            return True
    return False


_RE_LATER_STEP = re.compile(r"\b(?:reduce|reducing|decrease|step(?:ping)?\s+down|wean|taper|cut\s+down|then|after|from\s+day)\b", _I)


def _coded_cell(layout: LetterLayout, g: Group, role: str) -> str:
    """A cell's text with the letter key's codes read as their explanation ("ASREQ" -> "as required")."""
    cell = g.cell_text(layout.text, role)
    key = letter_key(layout)
    return key.expand(cell) if key is not None and cell else cell


def _status(layout: LetterLayout, g: Group, cells: dict, has_previous: bool, marked: str | None) -> str | None:
    """new | changed | continued | None, from a list's legend, a Status cell, the words of the statement or its
    heading."""
    if marked in ("new", "changed", "continued"):
        return marked
    c = context_patterns()
    text = layout.text
    zones = []
    if "status" in cells:
        zones.append(_coded_cell(layout, g, "status"))
    if g.source != "table":
        zone, switched = _status_zone(text, g)
        if switched:
            return "new"  # a drug switched to is new to the patient
        zones.append(zone)
    else:
        zones.append(" ".join(g.cell_text(text, r) for r in ("drug", "comments", "other") if r in cells))
    sec = layout.section_at(g.seg_start)
    if sec is not None:  # the heading of the block: "Continued:", "New medicines"
        zones.append(text[sec.start:sec.body_start])
    for zone in zones:
        if not zone.strip():
            continue
        if _RE_SWITCHED_FROM_HERE.search(zone):
            return "new"  # "new 08/11 (converted from oxycodone)": this drug is what the patient was switched to
        if RE_NEW_BRACKET.search(zone) and not c.cues["changed"].search(zone):
            return "new"
        if c.cues["changed"].search(zone) or (has_previous and zone is zones[0]):
            return "changed"
        if c.cues["new"].search(zone):
            # ("started by oncology before admission, unchanged": a start told of the past, the item goes on)
            if c.cues["continued"].search(zone) and c.cues["started_elsewhere"].search(zone):
                return "continued"
            return "new"
        if c.cues["continued"].search(zone):
            return "continued"
    return "changed" if has_previous else None


_RE_TICKED = re.compile(r"\s*(?:\u2612|\u2611|\u2713|\u2714|\u2705|\[\s*[xX]\s*\]|yes|y)\s*$", _I)
_RE_SWITCHED_FROM_HERE = re.compile(r"(?<!dose\s)\b(?:converted|switched|changed|rotated)\s+(?:over\s+)?from\s+(?![\d.])|\b(?:replaces|in\s+place\s+of|instead\s+of)\b", _I)


def _dose_change(text: str, g: Group, previous: float | None, current: float | None) -> str | None:
    if previous is not None and current is not None:
        if abs(previous - current) < 1e-9:
            return "unchanged"
        return "increased" if current > previous else "reduced"
    rx = _not_current()
    zone = text[g.cue_start:g.seg_end]
    for key in ("increased", "reduced", "unchanged"):
        if rx[key].search(zone):
            return key
    return None


def _clean(v):
    return None if v is None else round(float(v), 6)


_RE_CAPS = [S.RE_CAP_UNITS, S.RE_CAP_MG, S.RE_CAP_TIMES, S.RE_CAP_BARE, S.RE_CAP_ABBR]


def _mask_caps(m: S.Masked) -> None:
    for x in list(S.packs_of_strength(m.text)):
        m.take(x.start(), x.end())  # "20 x 5mg capsules": the label's pack line, not the dose (first: "Qty: 30 x 50mg")
    for rx in _RE_CAPS:
        t = m.text
        for x in rx.finditer(t):
            m.take(x.start(), x.end())
    for rx in S.RE_SUPPLY + [S.RE_QTY_X, S.RE_QTY_UNITS]:
        t = m.text
        for x in rx.finditer(t):
            if rx is S.RE_QTY_UNITS and (S.to_number(x.group(1)) or 0) <= 4:
                continue
            m.take(x.start(), x.end())
    t = m.text
    for x in S.RE_QTY_ML.finditer(t):
        if float(x.group(2)) >= 20 and not S.RE_FREQ_AFTER_VOLUME.match(t, x.end()):  # ("60ml OD" is a dose)
            m.take(x.start(), x.end())


RE_NEW_BRACKET = re.compile(r"\(\s*new\s*\)|\[\s*new\s*\]|\bNEW\b|\bnew\s+(?:medication|this\s+admission|drug|prescription)\b|\bstarted\s+this\s+admission\b|\bstarted\s+(?:during|on)\s+(?:this|the)\s+(?:stay|admission|ward)\b|\bhas\s+been\s+started\b|^\s*(?:new|started|we\s+have\s+started|commenced|added)\b|\bnew\s*:", _I)


def _legend_mark(layout: LetterLayout, g: Group) -> str | None:
    """The status the list's legend gives the item's marker ("+ Oxycodone ..." under "(+ started ...)"), or the
    letter's key gives the code the item's line starts with ("N+  Oxycodone ...", "▲ CODEINE ...")."""
    if g.source == "table":
        return None
    sec = layout.section_at(g.seg_start)
    marked = legend_status(layout.text, layout.text[sec.start:sec.body_start], layout.line_text(g.seg_start)) \
        if sec is not None else None
    if marked is None and (expl := _key_code_explanation(layout, g.seg_start)):
        marked = "new" if _RE_CODE_NEW.search(expl) else "continued" if _RE_CODE_CONTINUED.search(expl) else \
            "changed" if _RE_CODE_CHANGED.search(expl) else None
    return marked


def _new_status(layout: LetterLayout, g: Group, cells: dict, marked: str | None) -> bool | None:
    text = layout.text
    c = context_patterns()
    if marked in ("new", "changed", "continued"):
        return marked == "new"
    if g.source == "table":
        if "status" in cells:
            a, b = cells["status"]
            st = text[a:b]
            if c.cues["new"].search(st) or _RE_TICKED.match(st):
                return True  # (a ticked box under "New?")
            if c.cues["continued"].search(st):
                return False
        zone = text[g.seg_start:g.seg_end]
    else:
        zone, switched = _status_zone(text, g)
        if switched:
            return True
    new = c.cues["new"].search(zone)
    cont = c.cues["continued"].search(zone)
    if new and cont:
        if c.cues["started_elsewhere"].search(zone):
            return False  # "CONTINUED (usual, started by GP 2025)"
        if RE_NEW_BRACKET.search(zone):
            return True
        return False
    if new:
        return True
    if cont:
        return False
    sec = layout.section_at(g.seg_start)
    if sec is not None:  # the heading of the block: "New medicines", "START taking these", "Continued:"
        head = text[sec.start:sec.body_start]
        if c.cues["new"].search(head) and not c.cues["continued"].search(head):
            return True
        if c.cues["changed"].search(head) or c.cues["continued"].search(head):
            return False
    return None


def _indication(text: str, g: Group, cells: dict, sig: S.Sig) -> str | None:
    c = context_patterns()
    if "indication" in cells:
        a, b = cells["indication"]
        v = text[a:b].strip()
        if v and v not in ("-", "–", "n/a", "N/A", "?"):
            return v
    zone = _soft_wrapped(text, g)
    for m in c.ind_for.finditer(zone):
        phrase = m.group(1).strip()
        if c.ind_not.match(phrase) or len(phrase) < 3:
            continue
        return phrase
    m = c.ind_labelled.search(zone)
    if m:
        return zone[m.start():m.end()]
    return None


# a patch's own directions ("apply ONE patch every 72 hours", "change weekly"), not a supply ("went home with 5 patches")
_RE_PATCH_DIRECTIONS = re.compile(r"\b(?:apply|change|replace|put\s+on)\b[^.;\n]{0,40}?\b(?:every|each|weekly|twice\s+weekly)\b", _I)


def same_prescription(a: OpioidPrescription, b: OpioidPrescription) -> bool:
    if a.generic == b.generic and a.dose_mg_max is not None and a.dose_mg_max == b.dose_mg_max \
            and a.frequency_per_day_max == b.frequency_per_day_max and (a.brand is None or b.brand is None) \
            and any(_dose_only_prose(x) for x in (a, b)):
        # "on methadone 60mg daily" in a summary beside "Methadone 1mg/ml oral solution ... 60ml (60mg) once a day":
        # prose that names only the dose tells neither a strength nor a form of its own
        return True
    if a.generic != b.generic or a.formulation != b.formulation or (a.route and b.route and a.route != b.route):
        return False  # (an oral solution and an injection of one strength and dose are two prescriptions)
    if a.strength_mg is not None and a.strength_mg == b.strength_mg and \
            any(x.frequency_per_day_max is None and not x.prn and x.duration_days is None for x in (a, b)):
        return True  # "TTO: codeine 30 mg tablets x24" and, below, how to take the codeine 30 mg tablets
    for f in ("strength_mg", "strength_mcg_per_hour", "dose_mg_max", "frequency_per_day_max"):
        va, vb = getattr(a, f), getattr(b, f)
        if va is not None and vb is not None and abs(va - vb) > 1e-6:
            return False
    return True


_RE_PRE_EXISTING_CHANGE = re.compile(r"\b(?:(?:we|I|has\s+been|have\s+been|had\s+been|was|were|dose)\s+(?:\w+\s+)?"
                                     r"(?:increased|reduced|decreased|halved|doubled|adjusted)|"
                                     r"(?:her|his|their)\s+usual|long[- ](?:standing|term))\b", _I)


def _clause_between_others(layout: LetterLayout, m: Mention, others: "OtherOpioids") -> tuple[int, int]:
    """The part of m's clause between the other opioids named before and after it (the whole clause if none)."""
    cs, ce = layout.clause_bounds(m.start)
    before, after = others.around(m)
    a = before.end if before is not None and cs <= before.end <= m.start else cs
    b = after.start if after is not None and m.end <= after.start < ce else ce
    return a, b


def _same_product(a: OpioidPrescription, b: OpioidPrescription) -> bool:
    """Same generic and form, no two different brands and no two different routes (an oral solution is not the
    injection of the same drug)."""
    return a.generic == b.generic and a.formulation == b.formulation and (not a.brand or not b.brand or a.brand == b.brand) \
        and (not a.route or not b.route or a.route == b.route)


def _prose_change_reference(layout: LetterLayout, m: Mention, rxs: list[OpioidPrescription],
                            others: "OtherOpioids") -> None:
    """A sentence about a prescription's drug that says its dose was changed or that it is the patient's usual
    one ("we have reduced her Butec from 10 to 5 micrograms/hour", "increased her usual buprenorphine patch")
    makes the prescription of that drug that states no status a pre-existing one (corpus rule)."""
    text = layout.text
    a, b = _clause_between_others(layout, m, others)
    zone = text[a:b]
    if not _RE_PRE_EXISTING_CHANGE.search(zone):
        return
    match = [r for r in rxs if r.generic == m.generic and r.new_on_admission is None and
             (not m.term.brand or r.brand == m.term.brand)]
    if len(match) == 1:
        match[0].new_on_admission = False
        match[0].status = match[0].status or "changed"


_RE_SCHEDULE_ROW = re.compile(r"^[ \t|]*(day|days|week|weeks|wk)s?\s*(\d{1,2})(?:\s*(?:-|–|—|to)\s*(\d{1,2}))?", _I)
_RE_CELL_MG = re.compile(r"(\d+(?:\.\d+)?)\s*mg\b", _I)
_RE_TOTAL_HEAD = re.compile(r"\b(?:total|daily|per\s+day|24\s*h)", _I)


def _schedule_tables(reading: _Reading) -> None:
    """An item that says to follow a reducing calendar or schedule below ("Longtec 5 mg tablets - follow the
    reducing calendar below") takes its doses from that table: the largest and smallest dose in the time-of-day
    columns, the most doses in a day, and the last day with a dose as the duration."""
    layout, rxs = reading.layout, reading.rxs
    text = layout.text
    for rx in rxs:
        if rx.frequency_per_day_max is not None or not cue("schedule_below", rx.text):
            continue
        li = layout.line_index(rx.statement_span[1] if rx.statement_span else rx.span[1])
        starts = layout.line_starts
        head_cells, rows = None, []
        for j in range(li + 1, min(len(starts), li + 25)):
            line = text[starts[j]:(starts[j + 1] - 1 if j + 1 < len(starts) else len(text))]
            cells = cell_texts(line)
            row = _RE_SCHEDULE_ROW.match(line)
            if row:
                rows.append((row, cells))
            elif rows and line.strip():
                break
            elif head_cells is None and len(cells) >= 3 and re.match(r"(?i)(?:day|week|wk|date)s?\b", cells[0]):
                head_cells = cells
        if not rows:
            continue
        per_row, last_day = [], 0
        for row, cells in rows:
            doses, per_day = [], 0
            for k, cell in enumerate(cells[1:], 1):
                if head_cells and k < len(head_cells) and _RE_TOTAL_HEAD.search(head_cells[k]):
                    continue
                doses += [float(x.group(1)) for x in _RE_CELL_MG.finditer(cell)][:1]
                f = S.Sig()  # "Days 1-2:  5 ml (10 mg) four times a day": one dose told with its frequency
                S.parse_frequency(f, S.Masked(cell, 0), None)
                per_day = max(per_day, f.frequency_per_day_max or 0)
            doses = [d for d in doses if d > 0]
            if doses:
                per_row.append(doses * per_day if len(doses) == 1 and per_day > 1 else doses)
                end = int(row.group(3) or row.group(2))
                last_day = max(last_day, end * (7 if row.group(1).lower().startswith("w") else 1))
        if not per_row:
            continue
        all_doses = [d for ds in per_row for d in ds]
        rx.dose_mg_min, rx.dose_mg_max = _clean(min(all_doses)), _clean(max(all_doses))
        rx.frequency_per_day_max = max(len(ds) for ds in per_row)
        rx.max_daily_dose_mg = _clean(rx.dose_mg_max * rx.frequency_per_day_max)
        if rx.duration_days is None and last_day:
            rx.duration_days = last_day


_RE_NOT_VALUE = re.compile(r"(\d+(?:\.\d+)?)\s*(mg|micrograms?|mcg)\b[^.;\n]{0,60}?\b(?:not|rather\s+than|instead\s+of)\s+"
                           r"(?:the\s+)?(\d+(?:\.\d+)?)\s*(?:mg|micrograms?|mcg)\b", _I)
_RE_FREQ_NOT = re.compile(r"\b(?:is|are|should\s+(?:read|be)|to\s+be|corrected\s+to|changed\s+to|amended\s+to|clarified\s+to)\s+"
                          r"([^.;\n]{1,60}?)[\s,(–-]+(?:not|rather\s+than|instead\s+of)\s+([^.;\n]{1,40})", _I)
_RE_TO_VALUE = re.compile(r"\b(?:corrected|changed|amended|clarified|reduced|increased)\s+"
                          r"(?:(?:with|by|after)\s+[^.;\n\"“]{1,30}?\s+)?(?:from\s+[^.;\n]{1,40}?\s+)?to\s+"
                          r"[\"“']?((?:[^.;\n\"”']|\.(?=\d)){1,60})", _I)  # (a decimal point goes on: "2.5-5ml")
# "quantity changed 100ml -> 50ml", "qty reduced 30 -> 20 caps": the value after the arrow
_RE_ARROW_VALUE = re.compile(r"\b(?:corrected|changed|amended|reduced|increased|decreased|cut)\s+(?:from\s+)?"
                             r"\d+(?:\.\d+)?\s*[A-Za-z]{0,10}\s*(?:->|\u2192|=>|\u21d2)\s*((?:[^.;\n\"\u201d']|\.(?=\d)){1,60})", _I)
# '"max 4 doses in 24 hours" added': a direction written into the item
_RE_QUOTED_ADDED = re.compile(r"[\"“']([^\"”'\n]{1,60})[\"”']\s+(?:added|inserted|written\s+in)\b", _I)
# "Max 4 capsules (20mg) in 24 hours added after discussion": a maximum written into the item, unquoted
_RE_MAX_ADDED = re.compile(r"\b(max(?:imum)?\b[^.;\n\"“”]{1,50}?)\s+(?:added|inserted|written\s+in)\b", _I)
# an item note that takes the item off the list ("Item 2: deleted - two opioids not needed")
_RE_ITEM_DELETED = re.compile(r"\b(?:deleted|removed|cancell?ed|omitted|struck\s+off|crossed\s+off|"
                              r"not\s+(?:to\s+be\s+)?(?:supplied|dispensed))\b", _I)
# the days a correction sets the supply to ("supply reduced to 7 days (28 capsules)")
_RE_SUPPLY_TO_DAYS = re.compile(r"\bsupply\b[^.;\n]{0,30}?\bto\s+(\d{1,2})\s*days?\b", _I)
_RE_ITEM_REF = re.compile(r"\b(?:item|line|row)\s+(?:no\.?\s*)?(\d{1,2})\b", _I)
_RE_DOSE_TOLD = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:mg)?\s*(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*mg\b|\s*(\d+(?:\.\d+)?)\s*mg\b", _I)
# a liquid's dose told in ml, its mg after it in brackets or not ("2.5-5ml (5-10mg)", "5 ml every 4 hours")
_RE_ML_TOLD = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(?:ml\s*)?(?:-|–|to)\s*(\d+(?:\.\d+)?)\s*ml\b\s*(?:\((?=[^)\n]*\bmg\b))?|"
                         r"\s*(\d+(?:\.\d+)?)\s*ml\b\s*(?:\((?=[^)\n]*\bmg\b))?", _I)


_RE_DANGLING_END = re.compile(r"\b(?:to|of|from|with|by|at|and|or)[ \t]*$", _I)
_MAX_CORRECTIONS = 50  # corrections read per letter (a real letter has one or two)


def _caps_told_apart(reading: _Reading) -> None:
    """A maximum told in a note of its own ("Ward pharmacist amendment: codeine - maximum of 6 tablets in 24 hours
    added", "Note: oxycodone limited to four doses a day") caps the one listed prescription of that drug; the note,
    read alone as a name and a frequency, is no prescription of its own."""
    layout, text, rxs, group_of = reading.layout, reading.layout.text, reading.rxs, reading.group_of

    def apply_cap(zone: str, base: int, target: OpioidPrescription) -> bool:
        if _RE_LATER_STEP.search(zone):
            return False  # "reduce to a maximum of 4 tablets a day after a week": a later step, not today's cap
        sig = S.Sig()  # (read by the sig reader's own cap rules, for the target's tablets and mg a dose)
        sig.dose_units_max, sig.dose_mg_max = target.units_per_dose_max, target.dose_mg_max
        S.parse_cap(sig, S.Masked(zone, base))
        if not sig.cap:
            return False
        if target.frequency_per_day_max is None or sig.cap < target.frequency_per_day_max:
            target.frequency_per_day_max = sig.cap
            target.max_daily_dose_mg = target.dose_mg_max * sig.cap
            target.spans["frequency"] = list(sig.cap_span)
        return True

    def the_one(generic: str, but=None) -> OpioidPrescription | None:
        same = [r for r in rxs if r is not but and r.generic == generic and r.dose_mg_max is not None]
        return same[0] if len(same) == 1 else None

    keep = []
    for i, (rx, g) in enumerate(zip(rxs, group_of)):
        target = None if g.source == "table" or rx.strength_mg is not None or rx.dose_mg_max is not None \
            or rx.strength_mcg_per_hour is not None or rx.quantity_n is not None or rx.frequency_per_day_max is None \
            else the_one(rx.generic, rx)
        if target is None or not apply_cap(text[g.seg_start:g.seg_end], g.seg_start, target):
            keep.append(i)
    if len(keep) < len(rxs):
        rxs[:] = [rxs[i] for i in keep]
        group_of[:] = [group_of[i] for i in keep]
    for m in reading.mentions:  # "Pharmacist note: codeine limited to three doses a day" (a reference)
        if m.context != "reference" or m.category != "opioid" or any(r.span[0] <= m.start < r.span[1] for r in rxs):
            continue
        target = the_one(m.generic)
        cs, ce = layout.clause_bounds(m.start)
        if target is not None and not reading.others.other_between(m, cs, ce - 1) and not _RE_LATER_STEP.search(text, cs, m.start):
            apply_cap(text[m.end:ce], m.end, target)


# a line that opens with a supply label ("Supplied:", "Quantities supplied -", "TTO supplied:", "Dispensed:")
_RE_SUPPLY_LINE = re.compile(r"[ \t]*(?:[-*\u2022][ \t]*)?(?:(?:TTO|TTA|discharge)\s+)?(?:supplied|dispensed|issued|supply|"
                             r"(?:quantit(?:y|ies)|qty|amounts?)(?:\s+(?:supplied|dispensed|issued))?)[ \t]*(?:[:\-\u2013\u2014][ \t]*)", _I)


def _supply_told_apart(reading: _Reading) -> None:
    """A line of quantities after the list ("Supplied: Matrifen 50 x 5 patches; Oramorph 100ml; morphine 10mg/1ml x
    10 amps") tells how much of the listed items goes home: an item on it with no directions of its own, whose drug
    is prescribed elsewhere in the letter (the list, or a change told below it), is no prescription of its own."""
    layout, text, rxs, group_of = reading.layout, reading.layout.text, reading.rxs, reading.group_of
    on_line = []
    for r in rxs:
        ls = layout.line_bounds(r.span[0])[0]
        on_line.append(bool(_RE_SUPPLY_LINE.match(text, ls)) and r.dose_mg_max is None
                       and r.frequency_per_day_max is None and not r.prn)
    keep = [i for i, r in enumerate(rxs) if not on_line[i] or not any(
        not on_line[j] and o.generic == r.generic for j, o in enumerate(rxs))]
    if len(keep) < len(rxs):
        rxs[:] = [rxs[i] for i in keep]
        group_of[:] = [group_of[i] for i in keep]
    # the quantity an item of the line gives the one prescription of its drug that states none
    for m in reading.mentions:
        if m.category != "opioid":
            continue
        ls, le = layout.line_bounds(m.start)
        if not _RE_SUPPLY_LINE.match(text, ls):
            continue
        targets = [r for r in rxs if r.generic == m.generic and not (ls <= r.span[0] < le)
                   and (not m.term.brand or not r.brand or r.brand == m.term.brand)]
        if len(targets) != 1 or targets[0].supply_quantity is not None:
            continue
        rx = targets[0]
        cut = _RE_ITEM_END.search(text, m.end, le)
        item = text[m.end:cut.start() if cut else le]
        if rx.formulation == "patch":
            item = _RE_PATCH_STRENGTH_BEFORE_X.sub(" ", item)  # "Matrifen 50 x 5 patches": 50 is the strength
        unit = {"patch": "patches", "liquid": "ml"}.get(rx.formulation or "") or \
            ("capsules" if re.search(r"\bcap", rx.text, _I) else "tablets")
        q = S.Sig()
        S.read_quantity(q, S.Masked(item, 0), rx.formulation, unit)
        if q.quantity_n and q.quantity_unit:
            rx.quantity_n, rx.quantity_unit = q.quantity_n, q.quantity_unit
            rx.supply_quantity = S.format_quantity(q)


_RE_ITEM_END = re.compile(r"[;,]|\.(?!\d)")
_RE_PATCH_STRENGTH_BEFORE_X = re.compile(r"^\s*\d+(?:\.\d+)?\s*(?=[x\u00d7]\s*\d)", _I)


_RE_REMOVED_FROM_TTO = re.compile(r"\b(?:removed|deleted|taken\s+off|struck\s+off|crossed\s+off)\s+(?:from\s+|off\s+)?(?:the\s+|his\s+|her\s+|their\s+)?"
                                  r"(?:TTO|discharge\s+(?:list|medicines|prescription)|TTA|list)\b", _I)


_REMOVED_WORDS = ("removed", "deleted", "taken", "struck", "crossed")  # (each phrase of _RE_REMOVED_FROM_TTO holds one)


# a note line that names a list item by its label: " - c. REMOVED from TTO - duplicate opioid", "item 3: removed from TTO"
_RE_LABELLED_NOTE = re.compile(r"^[ \t]*(?:[-\u2013*\u2022>][ \t]*)?(?:item\s+)?(?:\(?([a-z]|\d{1,2})[.):])[ \t]*(?:[-\u2013:][ \t]*)?(?=\S)",
                               re.I | re.M)


def _removed_items_by_label(layout: LetterLayout, rxs: list) -> set[int]:
    """The prescriptions whose list item a later note takes off the TTO by the item's label ("c. Tramadol 50mg caps
    ..." above, "c. REMOVED from TTO - duplicate opioid" below): one labelled line each, the note after it."""
    text = layout.text
    drop = set()
    for note in _RE_LABELLED_NOTE.finditer(text):
        ls, le = layout.line_bounds(note.start())
        if _RE_REMOVED_FROM_TTO.search(text, note.end(), min(le, note.end() + 40)) is None:
            continue
        label = note.group(1).lower()
        item = re.compile(r"^[ \t]*(?:[-\u2013*\u2022][ \t]*)?\(?" + re.escape(label) + r"[.)][ \t]+\S", re.I | re.M)
        hits = [i for i, r in enumerate(rxs) if r.span[0] < ls
                and item.match(text, layout.line_bounds(r.span[0])[0])]
        if len(hits) == 1 and layout.line_bounds(rxs[hits[0]].span[0])[0] != ls:
            drop.add(hits[0])
    return drop


# a line that opens with a change of a drug's dose: "↑ MST to 60mg b.d. from tonight", "- increase Zomorph to 40mg bd"
_RE_CHANGE_LINE_LEAD = re.compile(r"[ \t]*(?:[-\u2013*\u2022>][ \t]*)?(?:[A-Za-z]{2,12}:[ \t]*)?(?:\u2191|\u2193|(?:increase|reduce|decrease|lower|raise)d?\b)"
                                  r"[ \t]*(?:(?:the|his|her|their)\s+)?$", re.I)
_RE_CHANGE_TO_AFTER = re.compile(r"[^\d\n]{0,30}?\bto\s+\d", re.I)


def _dose_before_a_change_line(reading: _Reading) -> None:
    """A note that lists the current dose and then a line that changes it ("Current: MST CONTINUS 30mg bd" ...
    "↑ MST to 60mg b.d. from tonight - Rx issued"): the current dose is the one before, the change line's goes
    home. Only one earlier prescription of the same product, with another dose."""
    layout, text, rxs, group_of = reading.layout, reading.layout.text, reading.rxs, reading.group_of
    if "to" not in text:
        return
    drop = {}
    for j, (rx, g) in enumerate(zip(rxs, group_of)):
        m = g.mentions[0]
        ls = layout.line_bounds(m.start)[0]
        if rx.dose_mg_max is None or not _RE_CHANGE_LINE_LEAD.match(text, ls, m.start) \
                or not _RE_CHANGE_TO_AFTER.match(text, m.end, layout.line_bounds(m.start)[1]):
            continue
        earlier = [i for i, r in enumerate(rxs) if i != j and r.span[0] < rx.span[0] and _same_product(r, rx)]
        if len(earlier) == 1 and rxs[earlier[0]].dose_mg_max not in (None, rx.dose_mg_max) \
                and layout.line_index(rxs[earlier[0]].span[0]) != layout.line_index(m.start):
            drop[earlier[0]] = j
    if drop:
        for i, j in drop.items():
            if rxs[j].previous_dose_mg is None:
                rxs[j].previous_dose_mg = rxs[i].dose_mg_max
            for gm in group_of[i].mentions:
                gm.context = "historical"
        rxs[:] = [r for i, r in enumerate(rxs) if i not in drop]
        group_of[:] = [g for i, g in enumerate(group_of) if i not in drop]


def _removed_at_screening(reading: _Reading) -> None:
    """A note after the list that takes an item off it ("Pharmacy screening note: Co-codamol REMOVED from TTO after
    discussion with Dr F ... Do not supply."): the listed prescription of that drug does not go home; it is a stopped
    drug. Only the one listed prescription of that drug (and product, when the note names one)."""
    layout, text, rxs, group_of = reading.layout, reading.layout.text, reading.rxs, reading.group_of
    low = fold_case(text) or text.lower()
    if not rxs or not any(w in low for w in _REMOVED_WORDS) or not _RE_REMOVED_FROM_TTO.search(text):
        return  # (a literal look first: the phrase search over a whole letter is slow)
    drop = set()
    for m in reading.mentions:
        if m.category != "opioid" or any(r.span[0] <= m.start < r.span[1] for r in rxs):
            continue
        cs, ce = layout.clause_bounds(m.start)
        x = _RE_REMOVED_FROM_TTO.search(text, m.end, ce)
        if x is None or reading.others.other_between(m, m.end, x.start()) or _RE_WHEN_BEFORE.search(text, cs, m.start):
            continue
        form = m.term.formulation  # (co-codamol is never the codeine phosphate tablets listed beside it)
        same = [i for i, r in enumerate(rxs) if r.generic == m.generic and r.span[0] < m.start
                and (not m.term.brand or not r.brand or r.brand == m.term.brand) and (form is None or r.formulation == form or (form != "combination" and r.formulation != "combination"))]
        if len(same) == 1:
            drop.add(same[0])
    drop |= _removed_items_by_label(layout, rxs)
    if drop:
        for i in drop:
            for gm in group_of[i].mentions:
                gm.context = "stopped"
        rxs[:] = [r for i, r in enumerate(rxs) if i not in drop]
        group_of[:] = [g for i, g in enumerate(group_of) if i not in drop]


def _corrections(reading: _Reading) -> None:
    """A correction later in the letter ("Correction: the oxycodone should read 5 mg, not 10 mg", "her OxyContin is
    60 mg twice daily, not three times daily", "TTO amended by pharmacist: item 2 frequency clarified to 'maximum 4
    doses in 24 hours' and quantity reduced from 56 to 20 capsules") changes the prescription it names; the
    corrected prescription told again inside the correction is not a second one."""
    layout, mentions, rxs = reading.layout, reading.mentions, reading.rxs
    text = layout.text
    if not rxs or not context_patterns().cues["correction"].search(text):
        return
    opioid_ms = sorted((m for m in mentions if m.category == "opioid"), key=lambda m: m.start)
    starts = [m.start for m in opioid_ms]
    done = set()
    listed = list(rxs)
    deleted: set[int] = set()
    for cm, s, e in _correction_sentences(layout):
        if (s, e) in done:
            continue
        done.add((s, e))
        sentence = text[s:e]
        named = opioid_ms[bisect.bisect_left(starts, s):bisect.bisect_left(starts, e)]  # (bounded: a letter of
        targets = {id(r): r for m in named for r in rxs                                   # junk stays linear)
                   if m.generic == r.generic and not (r.span[0] <= m.start < r.span[1])
                   and (not m.term.brand or r.brand in (None, m.term.brand))}
        # (the item may be named just before, in the same note: "Item 3 queried: ... Clarified: amended to ...")
        lead = text.rfind("\n\n", max(0, s - 240), s)
        item = _RE_ITEM_REF.search(sentence) or (
            None if named else last_match(_RE_ITEM_REF, text, max(lead, s - 240, layout.line_bounds(s)[0] - 240), s))
        if item:
            numbered = re.compile(r"^[ \t]*\[?0?" + item.group(1) + r"(?:[.);\]][ \t]?|[ \t]*[|\u2016\u2502\u2503\u2551]|[ \t]{2,}|\t)", re.M)
            targets.update({id(r): r for r in rxs if numbered.match(text, layout.line_bounds(r.span[0])[0])})
        para_end = text.find("\n\n", e)
        para_end = len(text) if para_end < 0 else para_end
        if cm is None and item and len(targets) == 1 and _RE_ITEM_DELETED.search(sentence):
            deleted.add(id(next(iter(targets.values()))))  # "- Item 2: deleted - two opioids not needed"
            continue
        if not targets and cm is not None:  # a Pharmacist action column beside the row: "OxyContin 10mg TDS x 28 | CORRECTED to BD"
            ls, le = layout.line_bounds(cm.start())
            row = [r for r in rxs if ls <= r.span[0] < cm.start()]
            if len(row) == 1:
                rx = row[0]
                cs_, ce_ = cm.start(), min(e, le)
                _apply_correction(rx, text[cs_:max(ce_, cs_ + 1)], _RE_NOT_VALUE.search(text, cs_, max(ce_, cs_ + 1)))
                continue
        outside = [r for r in targets.values() if not (s <= r.span[0] < para_end)]
        brands = {m.term.brand for m in named if m.term.brand}
        if len(outside) > 1 and brands:  # "her OxyContin is ...": the product named, not every oxycodone
            outside = [r for r in outside if r.brand in brands] or outside
        v = _RE_NOT_VALUE.search(sentence)
        if len(outside) > 1 and v:  # the one that has the value the correction says is wrong
            old = float(v.group(3))
            outside = [r for r in outside if old in (r.strength_mg, r.dose_mg_max)]
        if len(outside) != 1:
            continue
        rx = outside[0]
        _apply_correction(rx, sentence, v)
        # the corrected prescription told again in the correction's paragraph: the same one
        rxs = [r2 for r2 in rxs if r2 is rx or not (s <= r2.span[0] < para_end and same_prescription(r2, rx))]
    for i, r in enumerate(listed):
        if id(r) in deleted:
            for gm in reading.group_of[i].mentions:
                gm.context = "stopped"  # (a stopped drug: the screening took it off the list)
    kept = {id(r) for r in rxs if id(r) not in deleted}
    reading.group_of[:] = [g for r, g in zip(listed, reading.group_of) if id(r) in kept]
    reading.rxs = [r for r in listed if id(r) in kept]


def _correction_sentences(layout: LetterLayout):
    """(cue, start, end) of each sentence holding a correction cue, and (None, start, end) of each line of the list a
    cue's heading line opens ("Screening pharmacist - AMENDED before dispensing:" / "  - Item 1: supply reduced to
    7 days ..." / "  - Item 2: deleted ..."), up to a blank line."""
    text = layout.text
    for cm in itertools.islice(context_patterns().cues["correction"].finditer(text), _MAX_CORRECTIONS):
        cs, ce = layout.sentence_bounds(cm.start())
        ls, le = layout.line_bounds(cm.start())
        if ce == le and le + 1 < len(text) and _RE_DANGLING_END.search(text, cs, ce):
            # a note's sentence its writer broke mid-phrase ("Dose amended to" / "   50mg (ONE capsule) ..."): it
            # goes on with the next line's first sentence
            a, b = layout.line_bounds(le + 1)
            if text[a:b].strip():
                ce = layout.sentence_bounds(a + len(text[a:b]) - len(text[a:b].lstrip()))[1]
        yield cm, cs, ce
        if not text[ls:le].rstrip().endswith(":"):
            continue
        j = le + 1
        for _ in range(12):
            if j >= len(text):
                break
            a, b = layout.line_bounds(j)
            if not text[a:b].strip():
                break
            yield None, a, b
            j = b + 1


def _apply_correction(rx: OpioidPrescription, sentence: str, v: re.Match | None) -> None:
    """``v``: the sentence's "<new> mg, not <old> mg" (read once by the caller), or None."""
    changed = False
    if v:
        new, old = float(v.group(1)), float(v.group(3))
        if rx.strength_mg is not None and abs(rx.strength_mg - old) < 1e-6:
            scale = new / old
            rx.strength_mg = new
            rx.dose_mg_min = _clean(rx.dose_mg_min * scale) if rx.dose_mg_min is not None else None
            rx.dose_mg_max = _clean(rx.dose_mg_max * scale) if rx.dose_mg_max is not None else None
            changed = True
        elif rx.dose_mg_max is not None and abs(rx.dose_mg_max - old) < 1e-6:
            rx.dose_mg_max = new
            rx.dose_mg_min = new if rx.dose_mg_min is None or rx.dose_mg_min >= new else rx.dose_mg_min
            changed = True
    for rx_pat in (_RE_FREQ_NOT, _RE_TO_VALUE, _RE_ARROW_VALUE, _RE_QUOTED_ADDED, _RE_MAX_ADDED):
        for f in rx_pat.finditer(sentence):
            d = _RE_DOSE_TOLD.match(f.group(1))
            ml = _RE_ML_TOLD.match(f.group(1)) if rx.formulation == "liquid" else None
            if ml and ml.end() < len(f.group(1)) and f.group(1)[ml.end() - 1] == "(":
                d = _RE_DOSE_TOLD.match(f.group(1), ml.end())  # "2.5-5ml (5-10mg)": the mg in brackets
                ml = None
            elif ml:
                d = None
            if (d or ml) and rx.strength_mg and rx.formulation != "patch":  # "amended to 50 mg up to three times a day"
                if d:
                    lo = float(d.group(1) or d.group(3))
                    hi = float(d.group(2)) if d.group(2) else lo
                else:  # (a liquid's strength is mg a ml)
                    lo = float(ml.group(1) or ml.group(3)) * rx.strength_mg
                    hi = (float(ml.group(2)) if ml.group(2) else float(ml.group(1) or ml.group(3))) * rx.strength_mg
                # (a liquid's dose is counted in ml of its mg-a-ml strength: up to 25 ml a dose)
                top = (25 if rx.formulation == "liquid" else 4) * rx.strength_mg
                if 0 < lo <= hi <= top and (lo, hi) != (rx.dose_mg_min, rx.dose_mg_max):
                    rx.dose_mg_min, rx.dose_mg_max = _clean(lo), _clean(hi)
                    if rx.formulation != "liquid":
                        rx.units_per_dose_max = hi / rx.strength_mg
                    changed = True
            if S.RE_PRN.search(f.group(1)) and not rx.prn:
                rx.prn = True
                changed = True
            # (a maximum in tablets is read against the item's units a dose: "max 8 tablets in 24 hours" at 1-2 tablets)
            sig = S.Sig(dose_units_max=rx.units_per_dose_max, dose_mg_max=rx.dose_mg_max)
            told = S.Masked(f.group(1), 0)  # (one reading: a maximum's count is no quantity supplied)
            S.parse_frequency(sig, told, rx.formulation)
            if sig.frequency_per_day_max and not rx.prn or sig.cap:
                per_day = sig.cap or sig.frequency_per_day_max
                if per_day and per_day != rx.frequency_per_day_max:
                    rx.frequency_per_day_max = int(per_day)
                    changed = True
            q = S.Sig()
            S.read_quantity(q, told, rx.formulation, rx.quantity_unit)
            if q.quantity_n and q.quantity_unit:
                rx.quantity_n, rx.quantity_unit = q.quantity_n, q.quantity_unit
                rx.supply_quantity = S.format_quantity(q)
                changed = True
    days = re.search(r"=\s*(\d{1,2})\s*days?'?\s*(?:'s\s*)?supply", sentence, _I) or _RE_SUPPLY_TO_DAYS.search(sentence)
    if days:
        rx.supply_days = int(days.group(1))
        changed = True
    if changed and rx.dose_mg_max is not None and rx.frequency_per_day_max:
        rx.max_daily_dose_mg = _clean(rx.dose_mg_max * rx.frequency_per_day_max)


def _started_in_prose(layout: LetterLayout, opioids: list[Mention], rxs: list[OpioidPrescription],
                      others: "OtherOpioids") -> None:
    """A sentence elsewhere that says this admission started the drug ("we started low-dose modified-release morphine
    on the ward ... She goes home on MST Continus 5 mg") makes its one prescription that states no status new."""
    if not rxs or all(r.new_on_admission is not None for r in rxs):
        return
    text = layout.text
    cues = context_patterns().cues
    for m in opioids:
        if any(r.span[0] <= m.start < r.span[1] for r in rxs) or \
                layout.section_kind(m.start) not in ("body", "course", "plan", "changes", "other"):
            continue
        cs, ce = layout.clause_bounds(m.start)
        a, b = _clause_between_others(layout, m, others)
        if not (cues["started_before"].search(text, a, m.start) or cues["started_after"].match(text, m.end, b)):
            continue
        if cue("historical", text[cs:ce]) or cue("stopped", text[cs:ce]):
            continue
        form = _mention_form(text, m)
        match = [r for r in rxs if r.generic == m.generic and r.new_on_admission is None
                 and (not m.term.brand or r.brand == m.term.brand) and (not form or r.formulation == form)]
        if len(match) == 1:
            match[0].new_on_admission = True


_RE_JOINED_BEFORE = re.compile(r"(?:[,;)]\s*(?:and\s+)?(?:with|together\s+with|alongside|plus|as\s+well\s+as|and)|\s(?:\+|&|plus))\s+"
                               r"(?:(?!(?:he|she|they|we|I|it|also)\b)[\w/()-]+\s+){0,3}$", _I)


def _shared_status(reading: _Reading) -> None:
    """A prose prescription joined to the one before it in the same sentence ("we have started MST 10 mg bd,
    with Oramorph 2.5-5 ml prn") shares its status when it states none of its own."""
    layout, rxs, groups = reading.layout, reading.rxs, reading.group_of
    text = layout.text
    for i in range(1, len(rxs)):
        rx, g = rxs[i], groups[i]
        prev, pg = rxs[i - 1], groups[i - 1]
        if rx.new_on_admission is not None or prev.new_on_admission is None or g.source == "table" or pg.source == "table":
            continue
        if layout.sentence_bounds(pg.mentions[0].start) != layout.sentence_bounds(g.mentions[0].start):
            continue
        between = text[pg.mentions[0].start:g.mentions[0].start]
        c = context_patterns().cues
        if c["new"].search(between) or c["continued"].search(between) or c["changed"].search(between):
            continue  # the status belongs to the drug before ("OxyContin 40 mg bd (new) and OxyNorm ...")
        if _RE_JOINED_BEFORE.search(text, max(pg.mentions[-1].end, g.mentions[0].start - 40), g.mentions[0].start):
            rx.new_on_admission = prev.new_on_admission
            rx.status = rx.status or prev.status


# "the Shortec should be reduced gradually and stopped within 2 weeks of discharge": a stop still to come, after the name
_RE_STOP_TO_COME = re.compile(r"[^.;\n]{0,12}?\b(?:should|must|is\s+to|are\s+to|will|can)\s+be\s+(?:[\w-]+\s+){0,4}?"
                              r"(?:and\s+)?(?:stopped|discontinued|ceased|withdrawn)\b", _I)
_RE_ALL_OF_BEFORE = re.compile(r"\b(?:all|both)\s+(?:(?:of\s+)?(?:the|her|his|their)\s+)?$", _I)


_RE_RELEASE_AFTER = re.compile(r"[ \t]*\(?(?:(MR|SR|m/r|modified[- ]release|prolonged[- ]release|slow[- ]release|CR|XL|LA)|"
                               r"IR|i/r|immediate[- ]release|instant[- ]release|normal[- ]release)\b", _I)


def _limits_from_references(reading: _Reading) -> None:
    """A later sentence naming a drug with a stated limit ("please do not continue the codeine beyond a week",
    "reduce and stop oxycodone within 7 days") gives that duration to the one prescription of the drug, when it
    has none of its own and the clause names no other opioid; "all"/"both" before the drug give it to each one
    without its own."""
    layout, mentions, rxs, others = reading.layout, reading.mentions, reading.rxs, reading.others
    discharged: list = []  # (worked out once, when a clause holds a date or a post-op day)

    def discharge():
        if not discharged:
            discharged.append(discharge_date(layout.text))
        return discharged[0]

    for m in mentions:
        if m.context not in ("reference", "rx", "stopped") or m.category != "opioid" or any(r.span[0] <= m.start < r.span[1] for r in rxs):
            continue
        if m.context == "stopped" and not _RE_STOP_TO_COME.match(layout.text, m.end, layout.clause_bounds(m.start)[1]):
            continue  # (a drug stopped is read for a limit only when its stop is still to come: "should be ... stopped within")
        same = [r for r in rxs if r.generic == m.generic]
        if len(same) > 1 and m.term.brand:  # "Longtec: stop after 6 days" beside Shortec: the brand decides
            same = [r for r in same if r.brand == m.term.brand]
        elif len(same) > 1 and (rel := _RE_RELEASE_AFTER.match(layout.text, m.end)):
            # "Tapentadol IR is supplied for 7 days only" beside Palexia SR: the release the name is told with decides
            form = "MR" if rel.group(1) else "IR"
            same = [r for r in same if (r.formulation == "MR") == (form == "MR")]
        if _RE_ALL_OF_BEFORE.search(layout.text, max(0, m.start - 20), m.start):
            same = [r for r in same if r.duration_days is None]  # "off all oxycodone within two weeks": every one without its own
        elif len(same) != 1 or same[0].duration_days is not None:
            continue
        if not same:
            continue
        cs, ce = layout.clause_bounds(m.start)
        if others.other_between(m, cs, ce - 1):
            continue
        clause = layout.text[cs:ce]
        limit = S.stated_limit(clause, cs)
        if limit is None and (S.RE_ONE_DATE.search(clause) or any(mo in clause.lower() for mo in S._MONTHS)):
            # "GP: please stop the oxycodone by 08/12": an end date told in a sentence naming the one prescription
            found = S.end_date_days(clause, discharge())
            limit = (found[0], [cs + found[1], cs + found[2]]) if found else None
        if limit is None and (S.RE_END_POSTOP_DAY[0].search(layout.text, cs, ce) or S.RE_END_POSTOP_DAY[1].search(layout.text, cs, ce)):
            # "Plan: stop oxycodone by day 7 post op": counted from the discharge's own post-operative day
            pod = S.discharge_postop_day(layout.text, discharge())
            found = S.end_postop_days(clause, pod)
            limit = (found[0], [cs + found[1], cs + found[2]]) if found else None
        if limit is not None:
            for r in same:
                r.duration_days, r.spans["duration"] = limit


# a count of units said as given or supplied in the sentences after a prose prescription ("He has 12 capsules")
_RE_FOLLOW_ON_QTY = re.compile(r"\b(?:(?:has|have|with|given|supplied|dispensed)\s*:?\s+)?(\d{1,3}|" + S._QTY_WORDS +
                               r"|one|two|three|four|five|six|seven|eight|nine)\s+"
                               r"(tablets?|capsules?|caps|patch(?:es)?|ampoules?)\b(?:\s+(?:are|have\s+been|were|was|is)\s+)?"
                               r"(?=[^.;\n]{0,12}\b(?:supplied|dispensed|given|issued)\b|[ ,.;)]|$)", _I)


def _follow_on(reading: _Reading) -> None:
    """Prose goes on about a prescription after its statement ends: "...; two patches are supplied.", "He has 12
    capsules, for three days only.", "We would expect him to need it for no more than a week." Up to two
    sentences after a prose statement, in its paragraph and before any other drug is named, give a stated limit
    and a quantity the prescription lacks, when they speak of it (a pronoun, "the patch", a count of units)."""
    layout, mentions, rxs, group_of = reading.layout, reading.mentions, reading.rxs, reading.group_of
    text = layout.text
    starts = sorted(m.start for m in mentions)
    for rx, g in zip(rxs, group_of):
        if g.source == "table" or (rx.duration_days is not None and rx.quantity_n is not None):
            continue
        a = g.seg_end
        i = bisect.bisect_left(starts, a)
        nxt = starts[i] if i < len(starts) else len(text)
        sec = layout.next_section_start(a)
        para = text.find("\n\n", a)
        b = min(nxt, sec if sec is not None else len(text), para if para != -1 else len(text))
        ls, le = layout.line_bounds(max(g.seg_start, 0))
        if g.source != "prose" or not text[ls:g.seg_start].strip(" \t-•*·0123456789.)"):
            b = min(b, le)  # a list item or a line of its own goes on to the end of its line, no further
        else:
            for _ in range(2):  # prose: at most two sentence ends after the statement
                dot = text.find(".", a if _ == 0 else dot + 1, b)
                if dot == -1:
                    break
            else:
                b = min(b, dot + 1)
        zone = text[a:b]
        if not zone.strip() or not context_patterns().cues["follow_on_reference"].search(zone):
            continue
        if rx.duration_days is None:
            limit = S.stated_limit(zone, a)
            if limit is not None:
                rx.duration_days, rx.spans["duration"] = limit
        if rx.quantity_n is None and rx.supply_quantity is None:
            q = _RE_FOLLOW_ON_QTY.search(zone)
            if q and _RE_OF_NEXT_DRUG.match(zone, q.end()):
                q = None  # "... 28 tablets of the OxyContin": the count of the drug named next, not of this one
            n = S.to_number(q.group(1)) if q else None
            if n and 0 < n <= S.MAX_QUANTITY:
                _count_of_drug(rx, n, q, offset=a)


_RE_OF_NEXT_DRUG = re.compile(r"\s+of\s+(?:the\s+|his\s+|her\s+|their\s+)?$", _I)
# (a count on the same line, at most three figures: a number on the line above is never a count of this drug)
_RE_COUNT_BEFORE = re.compile(r"(?<=[ \t(])(\d{1,3}|" + S._QTY_WORDS + r")[ \t]+$", _I)
_RE_BARE_PERIOD = S._phrase_rx(r"^{N}\s*{U}(?:'s)?(?:\s+supply)?$")
_RE_UNIT_AFTER = re.compile(r"[ \t]+(?:\d+(?:\.\d+)?[ \t]*(?:mg|micrograms?|mcg)[ \t]+)?(tablets?|tabs|capsules?|caps|patch(?:es)?)\b(?:\s*\(\s*([^()\n]{1,20}?)\s*\))?", _I)


def _count_of_drug(rx: OpioidPrescription, n: float, x: re.Match, offset: int = 0) -> None:
    """The quantity a count of units gives a prescription ("56 tablets of the co-codamol", "supplied 28 capsules of
    oxycodone", "He has 12 capsules"): ``x`` holds the count (group 1) and its unit word (group 2); ``offset`` is
    where the text ``x`` searched starts in the letter."""
    unit = S._unit_name(x.group(2))
    rx.quantity_n, rx.quantity_unit = int(n), "ml" if unit.startswith("ml") else unit
    rx.supply_quantity = f"{int(n)} {rx.quantity_unit}"
    rx.spans["quantity"] = [offset + x.start(1), offset + x.end(2)]


def _quantities_before_references(reading: _Reading) -> None:
    """A count written just before a later mention of the drug ("and we have supplied 56 tablets of the co-codamol")
    is the quantity of the one prescription of that drug that states none."""
    layout, mentions, rxs = reading.layout, reading.mentions, reading.rxs
    text = layout.text
    for m in mentions:
        if m.context not in ("reference", "rx") or m.category != "opioid" or any(r.span[0] <= m.start < r.span[1] for r in rxs):
            continue
        same = [r for r in rxs if r.generic == m.generic]
        if len(same) > 1:  # "two weeks of Zomorph ... a bottle of Oramorph": the brand or form named picks one
            same = [r for r in same if (m.term.brand and r.brand == m.term.brand) or
                    (not m.term.brand and m.term.formulation and r.formulation == m.term.formulation)]
        if len(same) != 1:
            continue
        rx = same[0]
        p = S.RE_SUPPLY_OF_DRUG.search(text, max(0, m.start - 40), m.start)
        if p and rx.supply_days is None and (d := S._period_days(p)):
            rx.supply_days = d
            rx.spans["supply"] = [p.start(), p.end()]
            continue
        if rx.supply_quantity is not None or rx.quantity_n is not None:
            continue
        around = _RE_COUNT_BEFORE.search(text, max(0, m.start - 20), m.start)
        unit_after = _RE_UNIT_AFTER.match(text, m.end) if around else None
        if around and unit_after and (n := S.to_number(around.group(1))) and n <= S.MAX_QUANTITY:
            # "She has fourteen MST tablets (one week)": the count before the name, the unit (and days) after it
            unit = S._unit_name(unit_after.group(1))
            rx.quantity_n, rx.quantity_unit = int(n), unit
            rx.supply_quantity = f"{int(n)} {unit}"
            rx.spans["quantity"] = [around.start(1), unit_after.end(1)]
            period = _RE_BARE_PERIOD.match(unit_after.group(2) or "")
            if period and rx.supply_days is None and (d := S._period_days(period)):
                rx.supply_days = d
            continue
        x = S.RE_QUANTITY_OF_DRUG.search(text, max(0, m.start - 60), m.start)
        n = S.to_number(x.group(1)) if x else None
        if not n or n > S.MAX_QUANTITY:
            continue
        _count_of_drug(rx, n, x)


def _supply_before_the_name(reading: _Reading) -> None:
    """A prose prescription whose supply is told before its name, in its own sentence ("We have given him fourteen
    days of Zomorph, 10 mg twice a day", "a week's supply of Oramorph ...", "supplied 28 capsules of oxycodone
    5 mg ..."): the days or the count, when the prescription states none of its own. Never across another
    prescription nor the sentence's start."""
    layout, rxs = reading.layout, reading.rxs
    text = layout.text
    for rx in rxs:
        if rx.supply_days is not None and rx.supply_quantity is not None:
            continue
        start = rx.span[0]
        lo = max([layout.sentence_bounds(start)[0], start - 80]
                 + [r.span[1] for r in rxs if r is not rx and r.span[1] <= start])
        if lo >= start or S.RE_OWN.search(rx.text):  # (own supply: nothing was given)
            continue
        if rx.supply_days is None:
            p = next((p for rx_p in S.RE_SUPPLY_LEAD_IN if (p := rx_p.search(text, lo, start))), None)
            if p and (d := S._period_days(p)):
                rx.supply_days = d
                rx.spans["supply"] = [p.start(), p.end()]
        if rx.supply_quantity is None and rx.quantity_n is None:
            x = S.RE_QUANTITY_LEAD_IN.search(text, lo, start)
            n = S.to_number(x.group(1)) if x else None
            if n and n <= S.MAX_QUANTITY:
                _count_of_drug(rx, n, x)


def _end_dates(reading: _Reading) -> None:
    """An end point written as a date in the prescription's own statement ("stop on 14/04", "until his operation on
    20/04") or in a Stop column gives the duration, counted from the letter's discharge date; one written in
    post-operative days ("until day 5 post-op") counts from the post-op day of discharge."""
    layout, rxs, groups = reading.layout, reading.rxs, reading.group_of
    if not any(r.duration_days is None for r in rxs):
        return
    text = layout.text
    discharged = discharge_date(text)
    pod = None
    for rx, g in zip(rxs, groups):
        if rx.duration_days is not None:
            continue
        found = None
        if S.RE_END_POSTOP_DAY[0].search(text, g.seg_start, g.seg_end) or S.RE_END_POSTOP_DAY[1].search(text, g.seg_start, g.seg_end):
            pod = pod if pod is not None else S.discharge_postop_day(text, discharged)
            found = S.end_postop_days(text[g.seg_start:g.seg_end], pod)
            if found is not None:
                days, a, b = found
                rx.duration_days, rx.spans["duration"] = days, [g.seg_start + a, g.seg_start + b]
                continue
        if discharged is None:
            continue
        if g.source == "table" and g.pieces and "duration" in g.pieces:
            cell = g.cell(text, "duration")
            found = S.end_date_days(cell.orig, discharged, bare=True)
            base = cell.base
        if found is None:
            found = S.end_date_days(text[g.seg_start:g.seg_end], discharged)
            base = g.seg_start
        if found is None and g.source == "table" and g.pieces:
            # a note cell wrapped over the row's lines ("Stop at day-unit review | ... | on Fri 13/06."): read with
            # its pieces joined; the evidence is the whole cell
            for role in ("comments", "other"):
                cell = g.cell(text, role)
                if cell is not None and (f := S.end_date_days(" ".join(cell.orig.split()), discharged)):
                    found, base = (f[0], 0, len(cell.orig.rstrip())), cell.base
                    break
        if found is not None:
            days, a, b = found
            rx.duration_days, rx.spans["duration"] = days, [base + a, base + b]
    if any(r.duration_days is None for r in rxs) and (found := S.all_opioids_end(text, discharged)):
        for rx in rxs:  # "aim off all opioids by 27/03": each prescription without an end of its own
            if rx.duration_days is None:
                rx.duration_days, rx.spans["duration"] = found[0], [found[1], found[2]]


# "Both are new this admission": found from its verb (a literal the regex engine scans for fast), then its subject
_RE_ALL_SUBJECT = re.compile(r"\b(?:both|all(?:\s+(?:three|four|of\s+them|of\s+these|these))?|these|they)\s+$", _I)


def _status_of_all(reading: _Reading) -> None:
    """'Both are new this admission': the prescriptions told before it in the same paragraph that state no
    status of their own are new."""
    layout, rxs = reading.layout, reading.rxs
    text = layout.text
    if not rxs:
        return
    for x in context_patterns().cues["are_new"].finditer(text):  # (behind its literal gate: most letters skip it)
        if not _RE_ALL_SUBJECT.search(text, max(0, x.start() - 25), x.start()):
            continue
        para = max(text.rfind("\n\n", 0, x.start()), 0)
        for r in rxs:
            if para <= r.span[0] < x.start() and r.new_on_admission is None:
                r.new_on_admission, r.status = True, r.status or "new"


_RE_LIST_SUPPLY = re.compile(S.sig_rules()["list_supply"], _I)  # "14 days of each item below supplied"


# an unnumbered item of a list: a name, then a strength ("Omeprazole 20 mg once daily", "Laxido 1-2 sachets daily")
_RE_MEDICINE_LINE = re.compile(r"[A-Za-z][\w/()-]*(?:[ \t]+[A-Za-z][\w/()-]*){0,3}[ \t]+\d+(?:\.\d+)?(?:-\d+)?[ \t]*"
                               r"(?:mg|micrograms?|mcg|g|ml|sachets?|tablets?|capsules?)\b")


def _list_heading_supply(reading: _Reading) -> None:
    """A supply stated once above a list for every item ("LEAVE MEDICATION: 14 days of each item below supplied",
    "Medicines at discharge (dispensed from ward, 7 days unless stated)") is the days supplied of each listed
    prescription that states none of its own."""
    layout, rxs = reading.layout, reading.rxs
    text, starts = layout.text, layout.line_starts
    folded = fold_case(text) or text.lower()
    if not rxs or not any(w in folded for w in ("each", "unless", "below", "all items", "suppl", "tto", "tta", "discharge", "leave")) \
            or not _RE_LIST_SUPPLY.search(text):
        return
    rx_lines = {layout.line_index(r.span[0]) for r in rxs}
    for r in rxs:
        if r.supply_days is not None or S.RE_OWN.search(r.text):
            continue
        li = layout.line_index(r.span[0])
        for j in range(li - 1, max(-1, li - 15), -1):
            line = text[starts[j]:(starts[j + 1] - 1 if j + 1 < len(starts) else len(text))]
            if not line.strip():
                break
            if RE_LIST_ITEM.match(line) or line[:1].isspace() or "\t" in line or "|" in line \
                    or re.search(r"\S {3,}\S", line) or j in rx_lines or _RE_MEDICINE_LINE.match(line) \
                    or statement_patterns().border.match(line):
                continue  # another item of the list (numbered or not), an item's wrapped line, a table's row, heading or rule
            x = _RE_LIST_SUPPLY.search(line)
            if x:
                # ("all items 7d supply" / "14 days of each item" / "Medicines on discharge (14 days supply)" / "TTO (14/7)")
                r.supply_days = int(next(v for v in x.groups() if v))
                r.spans["supply"] = [starts[j] + x.start(), starts[j] + x.end()]
            break


def _told_with_quantities(text: str, s: int, e: int) -> bool:
    """'fourteen days' supply has been given: 28 tablets of the X and 84 capsules of the Y': the days and each drug's
    count told together, so a count read for a drug does not keep the shared days from it."""
    return re.match(r"\s*:\s*\d", text[e:e + 10]) is not None


_RE_ALL_MEDICINES = re.compile(r"all\s+(?:(?:the|her|his|their|other)\s+)?(regular\s+)?(?:medicines|medications|meds|items|drugs)\b", _I)


def _shared_supply(reading: _Reading) -> None:
    """A supply stated for several drugs at once ("7 days of each supplied") belongs to the prescriptions
    written before it in the same paragraph that state no supply of their own."""
    layout, rxs = reading.layout, reading.rxs
    text = layout.text
    if not rxs or not re.search(r"\b(?:each|both|all)\b", text, _I):
        return
    for days, s, e in S.shared_supplies(text):
        para = max(text.rfind("\n\n", 0, s), 0)
        every = _RE_ALL_MEDICINES.match(text, s, e)
        if every:  # "All regular medicines supplied in dosette: 28 days": every one listed before it in the letter
            para = 0
        for r in rxs:
            if every and every.group(1) and r.prn:
                continue  # ("all regular medicines": a when-required one is not among them)
            if para <= r.span[0] < s and r.supply_days is None and (r.supply_quantity is None or _told_with_quantities(text, s, e)):
                r.supply_days = days
                r.spans["supply"] = [s, e]


def _own_discharge_row(layout: LetterLayout, x: OpioidPrescription) -> bool:
    """A medicines-table row, or a discharge list item, that gives directions or a quantity of its own."""
    return (x.source == "table" or (x.source == "list" and layout.section_kind(x.span[0]) == "discharge")) \
        and (x.frequency_per_day_max is not None or x.prn or x.supply_quantity is not None)


def _dose_only_prose(x: OpioidPrescription) -> bool:
    return x.source == "prose" and x.strength_mg is not None and x.strength_mg == x.dose_mg_max \
        and x.strength_mcg_per_hour is None and not _RE_FORM_WORDS.search(x.text)


def _changed_later(rxs: list[OpioidPrescription], rx: OpioidPrescription) -> int | None:
    """The earlier prose prescription of the same product that a later sentence changes ("We sent him home on
    Longtec 15 mg twice daily ... I should add that we reduced the Longtec to 10 mg twice daily on the morning of
    discharge"): the later one says what goes home, the earlier keeps its course (the caller checks that the earlier
    sentence sent the drug home: a background dose, "has been on MST 30 mg for years", is history instead)."""
    if rx.source != "prose" or rx.dose_change not in ("reduced", "increased") or rx.status != "changed":
        return None
    found = [i for i, r in enumerate(rxs) if r.source == "prose" and _same_product(r, rx) and r.span[0] < rx.span[0]
             and r.dose_mg_max is not None and rx.dose_mg_max is not None and r.dose_mg_max != rx.dose_mg_max
             and (r.dose_mg_max > rx.dose_mg_max) == (rx.dose_change == "reduced")]
    return found[-1] if len(found) == 1 else None


def _apply_later_change(first: OpioidPrescription, later: OpioidPrescription) -> None:
    """The later sentence's numbers replace the first's; what the first told of the course stays."""
    first.previous_dose_mg = first.previous_dose_mg if first.previous_dose_mg is not None else first.dose_mg_max
    for f in ("strength_mg", "dose_mg_min", "dose_mg_max", "frequency_per_day_max", "max_daily_dose_mg",
              "units_per_dose_max"):
        if getattr(later, f) is not None:
            setattr(first, f, getattr(later, f))
    if later.quantity_n is not None:
        first.quantity_n, first.quantity_unit, first.supply_quantity = later.quantity_n, later.quantity_unit, later.supply_quantity
    first.dose_change = later.dose_change
    for key in ("strength", "dose", "frequency", "quantity"):
        if later.spans.get(key):
            first.spans[key] = later.spans[key]


def merge(a: OpioidPrescription, b: OpioidPrescription) -> None:
    """Fill a's missing fields from b (the same prescription mentioned twice)."""
    for f in ("brand", "strength_mg", "strength_mcg_per_hour", "dose_mg_min", "dose_mg_max", "frequency_per_day_max",
              "max_daily_dose_mg", "duration_days", "supply_days", "supply_quantity", "new_on_admission", "indication",
              "status", "dose_change", "previous_dose_mg", "quantity_n", "quantity_unit"):
        if getattr(a, f) is None and getattr(b, f) is not None:
            setattr(a, f, getattr(b, f))


def distractor_text(layout: LetterLayout, m: Mention, reason: str) -> tuple[int, int]:
    text = layout.text
    ls, le = layout.line_bounds(m.start)
    cs, ce = layout.clause_bounds(m.start)
    if reason == "allergy":
        x = _RE_ALLERGY_TAIL.match(text, m.end)
        return m.start, (x.end() if x else m.end)
    if reason in ("stopped", "historical") and layout.section_kind(m.start) in ("stopped", "admission", "changes"):
        x = _RE_CLAUSE_TAIL.match(text, m.end)
        end = x.end() if x else m.end
        return m.start, min(end, le)
    s = max(cs, m.start - 40)
    e = min(ce, m.end + 40)
    # never start or end the evidence in the middle of a word
    while cs < s < m.start and text[s - 1].isalnum():
        s += 1
    while m.end < e < ce and text[e].isalnum():
        e -= 1
    return s, e


class LetterTimeout(RuntimeError):
    """A letter took longer than the per-letter time limit (the batch moves on)."""


def _check_time(deadline: float | None, i: int) -> None:
    if deadline is not None and i % 64 == 0 and time.monotonic() > deadline:
        raise LetterTimeout("extraction stopped: the letter took longer than the per-letter time limit "
                            "(too many drug mentions?)")


class PrescriptionReading(NamedTuple):
    """What the prescription reader finds in one letter."""

    prescriptions: list[OpioidPrescription]
    distractors: list[Distractor]
    co_prescriptions: list[CoPrescription]
    mentions: list[Mention]
    statements: list


@dataclass
class _Reading:
    """What the passes after the statements read and change: the letter, its mentions and the prescriptions."""

    layout: LetterLayout
    mentions: list
    opioid_mentions: list
    others: "OtherOpioids"
    rxs: list
    group_of: list


_RE_CHANGE_CLAUSE_END = re.compile(r";|\.(?=\s)")


def _status_from_change_lines(reading: _Reading) -> None:
    """References on changes / plan lines ("Started: oxycodone", "co-dydramol started") and prose that tells a
    change or a start give the prescriptions of that drug their status."""
    layout, mentions, rxs, others = reading.layout, reading.mentions, reading.rxs, reading.others
    text = layout.text
    for m in reading.opioid_mentions:
        if m.context == "historical" or (m.context == "reference" and layout.section_kind(m.start) != "changes"):
            _prose_change_reference(layout, m, rxs, others)
    _started_in_prose(layout, reading.opioid_mentions, rxs, others)
    refs = [m for m in mentions if m.context == "reference" and m.category == "opioid"]
    for m in refs:
        kind = layout.section_kind(m.start)
        if kind != "changes":
            continue
        cs, ce = layout.line_bounds(m.start)
        # (the item's own clause of a line of several: "Zomorph increased from 40mg BD to 60mg BD - flare pain;
        # Oramorph added for breakthrough." - the Oramorph's "added" is not the Zomorph's)
        a = last_match(_RE_CHANGE_CLAUSE_END, text, cs, m.start)
        b = _RE_CHANGE_CLAUSE_END.search(text, m.end, ce)
        cs, ce = (a.end() if a else cs), (b.start() if b else ce)
        line = text[cs:ce]
        mr_hint = bool(S.RE_MR.search(line)) or m.term.formulation == "MR"
        is_new = context_patterns().cues["new"].search(line)
        is_cont = re.search(r"\b(?:dose\s+(?:reduced|increased|changed)|reduced|increased|continued|restarted)\b", line, _I)
        for rx in rxs:
            if rx.generic != m.generic or rx.new_on_admission is not None:
                continue
            if m.term.brand and rx.brand != m.term.brand:
                continue
            if mr_hint and rx.formulation != "MR":
                continue
            if not mr_hint and not m.term.brand and rx.formulation == "MR" and any(
                    r2.generic == m.generic and r2.formulation != "MR" for r2 in rxs):
                continue
            if m.term.formulation == "combination" and rx.formulation != "combination":
                continue
            if is_new:
                rx.new_on_admission = True
            elif is_cont:
                rx.new_on_admission = False


def _admission_list(reading: _Reading) -> None:
    """The pre-admission list: an item that goes home is a pre-existing prescription, else it is historical (or
    stopped, when its line says so); a discharge prescription of a product the patient took before admission,
    told in prose, is pre-existing."""
    layout, mentions, rxs = reading.layout, reading.mentions, reading.rxs
    text = layout.text
    adm = [m for m in mentions if m.context == "admission" and m.category == "opioid"]
    for m in adm:
        match = [rx for rx in rxs if rx.generic == m.generic]
        if match:
            for rx in match:
                if rx.new_on_admission is None:
                    line = text[slice(*layout.line_bounds(m.start))]
                    if S.RE_MR.search(line) and rx.formulation != "MR":
                        continue
                    rx.new_on_admission = False
            continue
        # a pre-admission item marked stopped on its own line ("co-codamol 30/500 2 QDS - stopped, switched to X")
        m.context = "stopped" if LINE_STOPPED.search(text, m.end, layout.line_bounds(m.start)[1]) else "historical"
    # ("On admission she was taking MST 60 mg bd and OxyNorm 10 mg ...; ... OxyNorm 10 mg capsules ...")
    for m in mentions:
        if m.context != "historical" or m.category != "opioid":
            continue
        if not _RE_TAKEN_BEFORE.search(text, max(0, m.start - 80), m.start):
            continue
        for rx in rxs:
            if rx.generic == m.generic and rx.new_on_admission is None and m.term.brand and rx.brand == m.term.brand:
                rx.new_on_admission = False


def _made_up_of_parts(reading: _Reading) -> None:
    """A dose told as a total and then made up of products listed after it ("Zomorph, 50 mg twice daily, made up
    as below: - Zomorph 30 mg ONE twice daily - Zomorph 10 mg TWO twice daily") is those products: the total is
    no prescription of its own, and what it says of their status and supply holds for them."""
    rxs = reading.rxs
    for total in list(rxs):
        if total.dose_mg_max is None or not total.frequency_per_day_max:
            continue
        parts = [p for p in rxs if p is not total and p.generic == total.generic and p.formulation == total.formulation
                 and p.frequency_per_day_max == total.frequency_per_day_max and p.dose_mg_max is not None
                 and 0 < p.span[0] - total.span[1] < 400]
        if len(parts) < 2 or abs(sum(p.dose_mg_max for p in parts) - total.dose_mg_max) > 1e-6:
            continue
        for p in parts:
            for f in ("new_on_admission", "status", "supply_days", "indication"):
                if getattr(p, f) is None and getattr(total, f) is not None:
                    setattr(p, f, getattr(total, f))
        rxs.remove(total)


def _background_use(reading: _Reading) -> None:
    """Background told in prose ("for which he has been on OxyContin 20 mg twice a day for some years") beside
    another prescription of the same product: the other one is what goes home. The background adds to it like a
    story; when its dose differs it is the dose before the change (a historical mention)."""
    layout, rxs, group_of = reading.layout, reading.rxs, reading.group_of
    if len(rxs) < 2:
        return
    text = layout.text
    for k in range(len(rxs) - 1, -1, -1):
        b = rxs[k]
        if b.new_on_admission or layout.section_kind(b.span[0]) not in _NARRATIVE_KINDS:
            continue
        ss, se = layout.sentence_bounds(b.span[0])
        bg = cue("background_use", text[ss:se])
        if not bg or ss + bg.start() > b.span[0] or _goes_home(text[ss:se]):
            continue
        same = [r for r in rxs if r is not b and _same_product(r, b) and r.span[0] > b.span[1]]
        if not same:
            continue
        if b.dose_mg_max is not None and same[0].dose_mg_max is not None and \
                abs(b.dose_mg_max - same[0].dose_mg_max) > 1e-6:
            for m in group_of[k].mentions:
                m.context = "historical"
            if same[0].new_on_admission is None:
                same[0].new_on_admission = False  # a long-term drug whose dose was changed
        else:
            _fold_story(same[0], b)
        del rxs[k], group_of[k]


def _left_out_of_the_list(reading: _Reading) -> None:
    """A letter whose discharge list holds its take-home opioids: a drug told only in the narrative, whose generic
    the list does not hold, with no words that send it home or start it ("could no longer swallow his usual
    OxyContin 60mg twice daily", "His only new drug in the month before was Zamadol SR 100mg twice daily",
    "Stopping OxyContin: 30mg oxycodone/day x 1.5 = ..."), is part of the story (the dose before), not a second
    prescription the list forgot."""
    layout, rxs, group_of = reading.layout, reading.rxs, reading.group_of
    listed = {r.generic for r in rxs if r.source in ("list", "table") and layout.section_kind(r.span[0]) == "discharge"}
    if not listed:
        return
    text = layout.text
    for k in range(len(rxs) - 1, -1, -1):
        b = rxs[k]
        if b.source != "prose" or b.generic in listed or b.new_on_admission or b.status in ("new", "changed") \
                or layout.section_kind(b.span[0]) not in _NARRATIVE_KINDS:
            continue
        ss, se = layout.sentence_bounds(b.span[0])
        lead = text[max(ss, layout.line_bounds(b.span[0])[0]):b.span[0]]
        if len(_RE_WORD.findall(lead)) < 2 or lead.rstrip().endswith(":") or b.purpose != "pain":
            continue  # (told in a sentence, after its own words: an item that opens its line is listed, wherever)
        if _goes_home(text[ss:se]) or cue("started_by_us", text[ss:se]):
            continue
        for m in group_of[k].mentions:
            m.context = "historical"
        del rxs[k], group_of[k]


_RE_WORD = re.compile(r"[A-Za-z]{2,}")


# After the statements are read, in this order: each pass reads what the passes before it decided (a later
# correction needs the supplies and statuses told elsewhere in place; the admission list needs every status).
_PASSES = (
    ("background use", _background_use),
    ("left out of the list", _left_out_of_the_list),
    ("shared status", _shared_status),
    ("status of all", _status_of_all),
    ("supply above a list", _list_heading_supply),
    ("limits from references", _limits_from_references),
    ("follow-on sentences", _follow_on),
    ("end dates", _end_dates),
    ("quantities before references", _quantities_before_references),
    ("supply before the name", _supply_before_the_name),
    ("shared supply", _shared_supply),
    ("caps told apart", _caps_told_apart),
    ("supply told apart", _supply_told_apart),
    ("corrections", _corrections),
    ("removed at screening", _removed_at_screening),
    ("dose before a change line", _dose_before_a_change_line),
    ("schedule tables", _schedule_tables),
    ("status from change lines", _status_from_change_lines),
    ("admission list", _admission_list),
    ("a total made up of parts", _made_up_of_parts),
)


def read_prescriptions(layout: LetterLayout, mentions: list[Mention], deadline: float | None = None) -> PrescriptionReading:
    """Prescriptions, distractors, co-prescriptions, mentions and statements of one letter.
    ``deadline`` (time.monotonic()) stops a pathological letter with LetterTimeout."""
    text = layout.text
    opioid_mentions = [m for m in mentions if m.category == "opioid"]
    others = OtherOpioids(opioid_mentions)
    for i, m in enumerate(mentions):
        _check_time(deadline, i)
        m.context = classify(layout, m, others)
    _promote_product_mentions(layout, mentions)
    story = _listed_in_discharge_section(layout, opioid_mentions)
    statements = segment(layout, mentions)
    _sig_in_next_sentence(layout, statements, mentions)
    _statement_context(layout, statements)
    _stopped_elsewhere(layout, statements, mentions)
    groups = statement_groups(statements)
    rxs: list[OpioidPrescription] = []
    group_of: list[Group] = []
    stories: list[OpioidPrescription] = []
    for i, g in enumerate(groups):
        _check_time(deadline, i)
        rx = parse_group(layout, g)
        if rx.strength_mg is None and rx.strength_mcg_per_hour is None and rx.dose_mg_max is None \
                and rx.frequency_per_day_max is None and not rx.prn and rx.units_per_dose_max is None:
            continue  # a name without any prescription detail
        if story and all(id(m) in story for m in g.mentions if m.context == "rx"):
            stories.append(rx)
            continue
        k = next((i for i, r in enumerate(rxs) if same_prescription(r, rx)), None)
        if k is None and (k2 := _changed_later(rxs, rx)) is not None and _told_going_home(layout, group_of[k2]):
            _apply_later_change(rxs[k2], rx)  # "I should add that we reduced the Longtec to 10 mg twice daily ..."
            continue
        if k is not None:
            dup = rxs[k]
            if (dup.frequency_per_day_max is None and not dup.prn and (rx.frequency_per_day_max is not None or rx.prn)) \
                    or (_told_going_home(layout, g) and not _told_going_home(layout, group_of[k])) \
                    or (_dose_only_prose(dup) and rx.source != "prose") \
                    or (dup.source == "prose" and _own_discharge_row(layout, rx)
                        and layout.section_kind(dup.span[0]) != "discharge" and not _told_going_home(layout, group_of[k])) \
                    or (dup.formulation == rx.formulation == "patch" and (
                        (dup.source == "prose" and rx.source != "prose") or
                        (dup.status == "changed" and rx.status is None and _RE_PATCH_DIRECTIONS.search(rx.text)))):
                # the later statement holds the sig, or sends the drug home ("we increased his Longtec from 30mg to
                # 40mg ... He goes home on Longtec 40mg twice a day"): it is the prescription, the first adds to it
                # (a row of the discharge list or table with directions or a quantity of its own is the prescription
                # an earlier story told the change of: "the Matrifen patch was increased from 37 to 50
                # micrograms/hour" above the table's Matrifen row; not "co-codamol 30/500 as above"; a listed patch
                # the story told of: "patch INCREASED from 50 to 75 micrograms/hour ..." / "Matrifen 75
                # micrograms/hour patch: apply ...")
                merge(rx, dup)
                rxs[k], group_of[k] = rx, g
            else:
                merge(dup, rx)
            continue
        rxs.append(rx)
        group_of.append(g)

    for st_rx in stories:  # the narrative of a listed prescription adds to it, or stands alone when nothing matched
        same = [r for r in rxs if _same_product(r, st_rx)] or [
            # ("Methadone dose confirmed with his pharmacy (60 mg daily)" beside the listed oral solution: the form
            # the narrative does not name is no other product when the dose is the same)
            r for r in rxs if r.generic == st_rx.generic and st_rx.dose_mg_max is not None
            and r.dose_mg_max == st_rx.dose_mg_max and not _RE_FORM_WORDS.search(st_rx.text)]
        if same:
            _fold_story(same[0], st_rx, text)
        else:
            rxs.append(st_rx)
            group_of.append(next(g for g in groups if g.seg_start == st_rx.statement_span[0]))
    reading = _Reading(layout, mentions, opioid_mentions, others, rxs, group_of)
    for _name, read in _PASSES:
        read(reading)
    rxs = reading.rxs
    distractors: list[Distractor] = []

    seen = set()
    for m in mentions:
        reason = m.context
        if reason not in ("allergy", "historical", "stopped", "inpatient_only", "family", "other"):
            continue
        if m.category not in ("opioid", "naloxone", "loperamide", "inpatient_opioid"):
            continue
        if any(r.span[0] <= m.start < r.span[1] for r in rxs) and reason not in ("allergy", "historical"):
            continue
        key = (m.generic, reason, layout.line_index(m.start))
        if key in seen:
            continue
        seen.add(key)
        s, e = distractor_text(layout, m, reason)
        distractors.append(Distractor(text[s:e], (s, e), reason, m.generic))

    co = []
    for m in mentions:
        if m.category not in ("benzodiazepine", "z_drug", "gabapentinoid"):
            continue
        if _on_discharge(layout, m):
            ls, le = layout.line_bounds(m.start)
            e = min(le, m.end + 40)
            co.append(CoPrescription(m.generic, m.category, text[m.start:e].strip(), (m.start, e)))
    return PrescriptionReading(rxs, distractors, co, mentions, statements)


_NARRATIVE_KINDS = ("body", "course", "history", "plan", "changes", "other", "gp")


def _mention_form(text: str, m: Mention) -> str | None:
    """The form a mention names: its product's fixed form, else MR when the words after it say so."""
    if m.term.formulation and not m.term.resolvable:
        return m.term.formulation
    return "MR" if S.RE_MR.search(text, m.end, min(len(text), m.end + 30)) else None


_RE_ORAL_WORDS = re.compile(r"\b(?:oral(?:ly)?|po|by\s+mouth|tablets?|tabs?|capsules?|caps|liquid|solution|sachets?)\b", _I)


def _mention_route(text: str, m: Mention) -> str | None:
    """'injection' or 'oral' as the words just after a mention (on its line) say, else None."""
    end = text.find("\n", m.end)
    window = text[m.end:min(m.end + 80, end if end >= 0 else len(text))]
    if S.RE_INJ.search(window):
        return "injection"
    return "oral" if _RE_ORAL_WORDS.search(window) else None


def _listed_in_discharge_section(layout: LetterLayout, opioids: list[Mention]) -> set[int]:
    """A letter with a discharge medicines section lists what goes home there: the same drug told about in the
    narrative ("His MST Continus 20 mg bd was increased to 30 mg bd", "Tramadol reduced from 50 mg qds to 50 mg
    bd", "Oxycodone MR plan: take as above for 7 days, then ...") is that prescription's story, not a second one.
    Returns the ids of those narrative mentions (read_prescriptions folds what they add into the listed one)."""
    text = layout.text
    story: set[int] = set()
    listed = [m for m in opioids if m.context == "rx" and layout.section_kind(m.start) == "discharge"
              and has_sig(text[m.start:layout.line_bounds(m.start)[1]])
              and not _RE_SUPPLY_LINE.match(text, layout.line_bounds(m.start)[0])]  # (not "Supplied: BuTrans 15 x 4")
    if not listed:
        return story
    by_generic: dict[str, list[Mention]] = {}
    for d in listed:
        by_generic.setdefault(d.generic, []).append(d)
    for m in opioids:
        if m.context != "rx" or m.generic not in by_generic or layout.section_kind(m.start) not in _NARRATIVE_KINDS:
            continue
        ls, le = layout.line_bounds(m.start)
        if text.count("|", ls, le) >= 2 or text.count("\t", ls, le) >= 2:
            continue  # a row of another medicines table is no narrative: it is read by its own cells
        form = _mention_form(text, m)
        for d in by_generic[m.generic][:20]:  # (a bounded look: letters can list thousands of items)
            if m.term.brand and d.term.brand and m.term.brand != d.term.brand:
                continue
            dform = _mention_form(text, d)
            if form and dform and form != dform:
                continue
            route, droute = _mention_route(text, m), _mention_route(text, d)
            if route and droute and route != droute:
                continue  # oral OxyNorm liquid and a just-in-case oxycodone injection are two prescriptions
            story.add(id(m))
            break
    return story


def _fold_story(listed: OpioidPrescription, story: OpioidPrescription, text: str = "") -> None:
    """What a narrative about a listed prescription adds to it: supply, duration, quantity, indication and status,
    never its numbers (often the dose before a change), unless the list sends the reader to it ("co-codamol 30/500
    as above") and gives no directions of its own."""
    if text and listed.frequency_per_day_max is None and not listed.prn \
            and (story.frequency_per_day_max is not None or story.prn) \
            and cue("as_told_above", text[listed.span[0]:listed.span[1]]):
        for f in ("dose_mg_min", "dose_mg_max", "frequency_per_day_max", "prn", "max_daily_dose_mg", "units_per_dose_max"):
            setattr(listed, f, getattr(story, f))
        for k in ("dose", "frequency"):
            if story.spans.get(k):
                listed.spans[k] = story.spans[k]
    for f in ("duration_days", "supply_days", "supply_quantity", "quantity_n", "quantity_unit", "indication",
              "new_on_admission", "status"):
        if getattr(listed, f) is None and getattr(story, f) is not None:
            setattr(listed, f, getattr(story, f))
            if f in ("duration_days", "supply_days") and story.spans.get(f.split("_")[0]):
                listed.spans[f.split("_")[0]] = story.spans[f.split("_")[0]]


_RE_NEW_PART = re.compile(r";|\b(?:we|I|will|plan|then|should|would|please|could)\b", _I)


def _promote_product_mentions(layout: LetterLayout, mentions: list[Mention]) -> None:
    """A brand named after its generic ("buprenorphine 5 micrograms/hour patch (BuTrans)") belongs to the same
    prescription even though no dose follows the brand itself."""
    for i, m in enumerate(mentions):
        if m.context != "reference" or m.category != "opioid":
            continue
        if layout.section_kind(m.start) in ("plan", "gp", "changes"):
            continue
        for prev in reversed(mentions[:i]):
            if m.start - prev.end > 80:
                break
            if prev.context == "rx" and prev.generic == m.generic and \
                    layout.sentence_bounds(prev.start) == layout.sentence_bounds(m.start):
                if not _RE_NEW_PART.search(layout.text, prev.end, m.start):  # (not "...; we will step the MST down")
                    m.context = "rx"
                break


def _on_discharge(layout: LetterLayout, m: Mention) -> bool:
    text = layout.text
    kind = layout.section_kind(m.start)
    cs, ce = layout.clause_bounds(m.start)
    clause = text[cs:ce]
    if kind in ("allergy", "stopped", "admission", "history", "family", "changes", "plan", "gp", "other"):
        return False
    if kind == "discharge":
        ls, le = layout.line_bounds(m.start)
        return not LINE_STOPPED.search(text[ls:le])
    if cue("allergy", clause) or cue("historical", clause) or cue("other", clause):
        return False
    if _RE_STOP_WORD_NOT_SUSPENDED.search(clause):
        return False
    if cue("inpatient_only", text[max(cs, m.start - 30): min(ce, m.end + 30)]):
        return False
    return bool(RE_HAS_DOSE.search(text[m.start: min(ce, m.end + 40)]))
