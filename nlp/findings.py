"""Letter-level findings: weaning plan, GP instruction, indication, age, scenario, OME totals and risk flags."""
from __future__ import annotations

import bisect
import calendar
import datetime as dt
import re
from dataclasses import dataclass

from nlp.context import LetterLayout, RE_BULLET, context_patterns
from functools import lru_cache

from nlp.drug_classes import (CO_PRESCRIPTION_CLASSES, JUSTIFIED_CLASSES, alternation, find_class_mentions,
                              fuzzy_class_matches, justification, letter_rules, phrase_regex)
from nlp.extraction import EXTRA_FLAG_ORDER, GOLD_FLAG_ORDER, CoPrescription, Finding, LetterExtraction
from nlp.ome import HIGH_DOSE_THRESHOLDS, prescription_ome, total_ome
from nlp.rules import WordListPattern, could_match, fold_case, folded, gated, trie_alternation

_I = re.IGNORECASE
EXCLUDED_FOR_PLANS = {"allergy", "history", "family", "admission", "stopped"}
PLAN_SECTIONS = {"plan", "gp", "discharge", "changes"}  # where a plan need not repeat the opioid's name


@dataclass
class PlanRules:
    """Phrase classes of letter_rules.json["plans"], each one regex."""

    wean_words: re.Pattern
    stop_verbs: re.Pattern
    when: re.Pattern
    limits: re.Pattern
    duration_caps: re.Pattern
    past_events: re.Pattern
    not_plan: re.Pattern
    gp_address: re.Pattern
    gp_action: re.Pattern
    gp_not: re.Pattern
    opioid_words: re.Pattern
    pronoun: re.Pattern
    gp_heading: re.Pattern
    gp_address_direct: re.Pattern
    negated: re.Pattern
    reduce_qualifiers: re.Pattern
    hedges: re.Pattern
    plan_reference: re.Pattern
    other_recipient_heading: re.Pattern
    gp_named: re.Pattern
    in_progress: re.Pattern
    patient_address: re.Pattern
    plan_named: re.Pattern
    no_repeats: re.Pattern
    repeats_refused: re.Pattern
    gp_prohibition: re.Pattern
    opioid_class_refused: re.Pattern
    other_recipient_label: re.Pattern
    patient_told: re.Pattern
    checklist_no: re.Pattern
    object_bridge: re.Pattern
    other_recipient_request: re.Pattern
    generic_request: re.Pattern
    other_as_condition: re.Pattern
    plan_label: re.Pattern
    item_field_label: re.Pattern
    gp_none: re.Pattern


@lru_cache(maxsize=1)
def plan_rules() -> PlanRules:
    r = letter_rules()["plans"]
    kw = {k: gated(phrase_regex(r[k])) for k in ("wean_words", "stop_verbs", "when", "limits", "duration_caps", "past_events", "not_plan", "gp_address",
                                                 "gp_action", "gp_not", "opioid_words", "pronoun", "gp_heading",
                                                 "gp_address_direct", "reduce_qualifiers", "hedges", "plan_reference",
                                                 "other_recipient_heading", "gp_named", "in_progress", "patient_address",
                                                 "plan_named", "no_repeats", "repeats_refused", "gp_prohibition", "opioid_class_refused",
                                                 "other_recipient_label", "patient_told", "checklist_no", "gp_none")}
    # read at a known place (after a drug's name, at a statement's start): plain compiled classes, no gate
    kw.update({k: phrase_regex(r[k]) for k in ("object_bridge", "other_as_condition", "plan_label", "item_field_label",
                                                   "other_recipient_request", "generic_request")})
    c = context_patterns()
    kw["negated"] = gated(phrase_regex(r["negated"] + [c.wean_negated.pattern]))
    return PlanRules(**kw)


# Cheap word starts that every plan or GP phrase class contains: candidate sentences are found with these, then
# read with the full phrase classes (running the big alternation over whole notes was the slowest step).
_KEYWORDS = ("wean", "taper", "step", "reduc", "decreas", "stop", "continu", "short", "cease", "deprescrib", "come off",
             "be off", "off it", "off them", "withdraw", "please", "gp", "g.p", "general practi", "pharmacist", "nurse",
             "opioid", "opiat", "plan", "discontinu", "not discussed", "none", "pls", "plz", "kindly", "grateful",
             "could you", "would you", "can you", "r/v", "rv", "remove", "last dose", "repeat", "analges", "suggest",
             "recommend", "advise", "care home", "practice", "surgery", "ensure", "cut down", "cutting down", "tail",
             "down-titrat", "downtitrat", "down titrat", "jic", "just in case", "anticipatory", "painkill",
             "pain killer", "pain relief", "patch", "weaning", "stopping", "taper", "step-down", "reduction",
             "no longer", "no more", "do not", "not to", "down by", "back by", "issue", "then", "and stop", "& stop", "+ stop", "ask", "request",
             "district", "community", "primary care", "appreciat", "thank", "asked", "your help", "assistance",
             "might you", "will you", "at most", "max", "exceed", "until", "down to", "down onto", "if you", "wonder",
             "kind enough", "back to", "make sure", "confirm", "is off", "come down", "go down", "back down", "long-term", "long term",
             "thereafter", "manage on", "cope on", "get by on", "manage with", "cope with", "have finished",
             "you may", "you might", "refill", "halv", "w/d", "d/c", "consider", "not be",
             "course only", "take it off", "taking it off", "take them off", "taking them off",
             # impersonal advice ("it would be sensible to ...", "it may be worth ...") and the reader's next visit
             "sensible", "advisable", "prudent", "worth", "next see")
_KW_RE = WordListPattern.of_words(_KEYWORDS)  # run on the case-folded letter: same offsets, several times faster


_CELL_SEPS = ("|", "\t", "\u25aa", "\u2016", "\u2502", "\u2503", "\u2551")  # (‖ a double bar; │ ┃ ║ box-drawing rules)


_RE_WRAP_NEXT = re.compile(r"[ \t]*[a-z]+\b(?![)\].:])")
_WRAP_WIDTH = 90


_RE_LIST_ITEM_LINE = re.compile(r"[ \t]*(?:[-*\u2022][ \t]*)?[A-Za-z][\w-]*(?:[ \t]+[A-Za-z][\w-]*)?[ \t]+\d")  # 'name [word] 30mg'
_WRAP_SLACK = 25  # a hand-wrapped (dictated, typed) line ends up to a few words short of the letter's width
_WRAP_MIN = 50


def _wrap_width(layout: LetterLayout) -> int:
    """The width from which a line counts as filled: a page's 90 columns, or less in a letter hard-wrapped narrower
    (dictated prose typed at 60-75 columns, 'We anticipate that he will need the tapentadol for a week at' / 'most.
    I wonder whether ...'): its longest prose line (no table cells) less the slack a ragged right edge leaves
    (worked out once a letter, kept on its layout)."""
    width = layout.__dict__.get("_wrap_width")
    if width is None:
        longest = max((len(ln.rstrip()) for ln in layout.text.split("\n") if not any(c in ln for c in _CELL_SEPS)),
                      default=0)
        width = layout.__dict__["_wrap_width"] = min(_WRAP_WIDTH, max(_WRAP_MIN, longest - _WRAP_SLACK))
    return width


def _wrapped_sentence_end(layout: LetterLayout, s: int, e: int) -> int:
    """A prose sentence the layout ends at a line break after a word on a line filled to the page's width, whose next
    line goes on in lower case and is no list item ('a)') or label ('plan:') ('... and
    at the same time consider whether she' / 'still needs the morphine at all?'), ends where that line's sentence
    ends (twice at most)."""
    text = layout.text
    for _ in range(2):
        ls, le = layout.line_bounds(max(s, e - 1))
        if text[e:le].strip() or e <= s or not text[e - 1].isalpha() or le + 1 >= len(text) or \
                le - ls < _wrap_width(layout):
            return e  # only a line filled to the page's width wraps; a short one ends where it ends
        ns, ne = layout.line_bounds(le + 1)
        m = _RE_WRAP_NEXT.match(text, ns, ne)
        if not m or "|" in text[ns:ne] or "\t" in text[ns:ne]:
            return e
        if le - ls < _WRAP_WIDTH and (_RE_LIST_ITEM_LINE.match(text, ns, ne) or _RE_LIST_ITEM_LINE.match(text, ls, le)):
            return e  # under a narrow width, a medicine list's lines ('OxyNorm 5mg caps ... then stop' / 'paracetamol 1g qds') are items
        e2 = layout.sentence_bounds(m.end() - 1)[1]
        if e2 <= le:
            return e
        if le - ls < _WRAP_WIDTH and not any(ch in ".?!" for ch in text[max(ns, e2 - 1):e2 + 1]):
            return e  # under a narrow width only prose runs on: a terse note's unpunctuated lines are items of their own
        e = min(e2, ne)
    return e


def statements(layout: LetterLayout):
    """Candidate statements (start, end) around plan/GP words: sentence (or table cell) with bullets and
    lead-ins ("I would be grateful if you could action the following:") removed."""
    text = layout.text
    c = context_patterns()
    # asked twice per statement: once per letter first (a letter without its words has no lead-in anywhere)
    lead_in_rx = c.gp_lead_in if could_match(c.gp_lead_in, text) else None
    seen = set()
    last_end = -1
    for m in _KW_RE.finditer(text):
        if m.start() < last_end:
            continue  # another word of the statement just read
        s, e = layout.sentence_bounds(m.start())
        ls, le = layout.line_bounds(m.start())
        # a table row's cells: pipes, tabs, or the small squares/bullets a flattened web table puts between its
        # fields ('Medicine: X \u25aa Directions: ... \u25aa Status: NEW')
        sep = next((c for c in _CELL_SEPS if text.find(c, ls, le) >= 0), None)
        if sep:
            a = text.rfind(sep, ls, m.start())
            b = text.find(sep, m.start(), le)
            s = max(s, a + 1 if a >= 0 else ls)
            e = min(e, b if b >= 0 else le)
        else:
            e = _wrapped_sentence_end(layout, s, e)
        last_end = e
        if (s, e) in seen:
            continue
        seen.add((s, e))
        seg = text[s:e]
        bm = RE_BULLET.match(seg)
        if bm:
            s += bm.end()
        li = lead_in_rx.search(text, s, e) if lead_in_rx is not None else None
        lead_in = False
        if li and li.start() - s < 5:
            s = li.end()
            lead_in = True
        elif lead_in_rx is not None and lead_in_rx.search(text, max(ls, s - 300), s):  # earlier on the line
            lead_in = True
        while s < e and (text[s].isspace() or text.startswith("&nbsp;", s)):  # spacing, also as pasted web text
            s += 6 if text[s] == "&" else 1
        while e > s and (text[e - 1].isspace() or text.endswith("&nbsp;", s, e)):
            e -= 6 if text[e - 1] == ";" else 1
        if e - s < 4:
            continue
        yield s, e, lead_in


def is_weaning_statement(st: str) -> bool:
    """Explicit step-down or stop language: a wean word, a limit ("do not continue beyond", "not for repeat",
    "last dose") or a cap on the length of use ("short course", "for a maximum of 5 days"), or a stop verb with a
    time or condition ("stop if settled", "after five days ... stop")."""
    return _plan_strength(st) > 0


def _plan_strength(st: str) -> int:
    """2: explicit step-down or stop language; 1: only a cap on the length of use ("short course", "no longer than a
    week"); 0: no plan. A letter with both shows the explicit one ("He should stop it within five days" over "for a
    maximum of five days")."""
    P = plan_rules()
    gate = _plan_word_gate()
    folded = fold_case(st) if gate is not None else None
    if folded is not None and not gate.search(folded):
        return 0  # most statements (GP requests, indications) have no plan words: skip the two rewrites below
    if not any(could_match(rx, st) for rx in (P.wean_words, P.limits, P.stop_verbs, P.duration_caps)):
        return 0  # (the gates' later clauses: a plan word alone, "off" or "days", is not yet a plan)
    cleaned = P.past_events.sub(" ", st)
    for rx in _not_plan_parts():  # (each phrase behind its own literal gate: most statements run two or three of them)
        cleaned = rx.sub(" ", cleaned)
    if P.wean_words.search(cleaned) or _unhedged_limit(cleaned) or _stop_with_condition(cleaned):
        return 2
    return 1 if P.duration_caps.search(cleaned) else 0


@lru_cache(maxsize=1)
def _not_plan_parts() -> tuple:
    """The not_plan phrases one by one, each behind its own literal gate (nlp.rules): a union of them all is tried at
    every word of every plan statement, and its gate opens on any of their common words."""
    return tuple(gated(re.compile(p, _I)) for p in letter_rules()["plans"]["not_plan"])


@lru_cache(maxsize=1)
def _plan_word_gate() -> re.Pattern | None:
    """One scan for the words any plan class needs first (the literal gates' first clauses, nlp.rules): a statement
    with none of them holds no plan. None when a class has no gate (then every statement is read)."""
    words = set()
    for rx in (plan_rules().wean_words, plan_rules().limits, plan_rules().stop_verbs, plan_rules().duration_caps):
        first = getattr(rx, "first", None)
        if not first:
            return None
        words.update(first)
    return re.compile(trie_alternation(words))


def _unhedged_limit(cleaned: str) -> bool:
    """A limit not spoken as a wish just before it ("he wants to stop it after a week" is no plan)."""
    P = plan_rules()
    return any(not P.hedges.search(cleaned, max(0, m.start() - 40), m.end()) for m in P.limits.finditer(cleaned))


def _stop_with_condition(cleaned: str) -> bool:
    """A stop verb with a time or condition nearby, not hedged ("stop after 5 days", "reduce to 5 mg once settled")."""
    P = plan_rules()
    for m in P.stop_verbs.finditer(cleaned):
        window = cleaned[max(0, m.start() - 50): m.end() + 70]
        if P.hedges.search(cleaned, max(0, m.start() - 40), m.start()):
            continue  # a hope ("we hope to reduce it once healed") is not a plan
        if P.when.search(window) or re.search(r"\bto\s+\d", window):
            if re.fullmatch(r"reduce|decrease", m.group(0).strip(), _I) and not P.reduce_qualifiers.search(window):
                continue  # "reduce" alone (reduced mobility, reduce if drowsy) is not a plan
            return True
    return False


# what a stop word is followed by when it stops every drug just named ("stop both", "stop them all", "wean all of these")
_RE_ALL_OF_THEM = re.compile(r"\s+(?:both(?:\s+of\s+them)?|them\s+(?:both|all)|all\s+(?:of\s+)?(?:them|these|those|three)|"
                             r"(?:the\s+)?(?:two|three)\s+of\s+them)\b", _I)


def _plan_object_is_other(st: str, s: int, mentions) -> bool:
    """Whether the stop/wean words of a statement are about a non-opioid drug: the drug named just after the
    first trigger ("stop the naproxen"), else the drug named before it. "stop after 3/7 then paracetamol only"
    names paracetamol as what follows, not what stops."""
    P = plan_rules()
    m = P.wean_words.search(st) or P.stop_verbs.search(st) or \
        min((x for x in (P.limits.search(st), P.duration_caps.search(st)) if x), key=lambda x: x.start(), default=None)
    if not m:
        return True
    drugs = [(x.start - s, x.category) for x in mentions if s <= x.start < s + len(st)
             and not _named_as_condition(st, x.end - s)]
    if _RE_ALL_OF_THEM.match(st, m.end()) and any(cat == "opioid" for p, cat in drugs if p < m.start()):
        return False  # "review the oramorph and lorazepam ... - if not using, stop both": the opioid is one of those stopped
    # a drug after "to"/"onto" is where the plan goes ("step down to paracetamol"), one after "alongside"/"with"
    # goes on beside it: neither is what the plan stops
    after = [(p, cat) for p, cat in drugs if m.end() <= p <= m.end() + 30
             and not P.object_bridge.search(st, m.end(), p) and not _ends_its_clause(st, m.end(), p)]
    before = [(p, cat) for p, cat in drugs if p < m.start()]
    if any(m.start() <= p < m.end() and cat == "opioid" for p, cat in drugs):
        return False  # an opioid named inside the trigger is its object: "I would like the MST reduced by 10 mg a day"
    obj = after[0] if after else (before[-1] if before else None)
    if obj is not None and obj[1] != "opioid" and not after and len(before) >= 2 and before[-2][1] == "opioid":
        # "review the tramadol and gabapentin at 2 weeks and reduce if ...": the drugs joined by 'and' are one object
        prev = next(x for x in mentions if x.start - s == before[-2][0])
        if _RE_DRUG_JOIN.fullmatch(st, prev.end - s, obj[0]):
            return False
    return obj is not None and obj[1] != "opioid"


def _ends_its_clause(st: str, end: int, p: int) -> bool:
    """The trigger is the last word of its clause ("... for five days and then stopped; she should take regular
    paracetamol ..."): a drug named after the semicolon is not its object."""
    semi = st.find(";", end, p)
    return semi >= 0 and not st[end:semi].strip(" ,")


# what joins two drugs named as one object ("the tramadol and gabapentin", "oxycodone & pregabalin")
_RE_DRUG_JOIN = re.compile(r"\s*(?:,\s*)?(?:and|&|\+|/)\s*(?:the\s+|her\s+|his\s+|their\s+)?", _I)


@lru_cache(maxsize=1)
def _end_fields() -> re.Pattern:
    return phrase_regex(letter_rules()["plans"]["end_fields"])


def _end_field_only(st: str) -> bool:
    """A statement that is a plan only by an end-date field of a medicine line ("... 20 caps - stop date 09/10 -
    NEW"): it ranks with the bare caps on the length of use, after a statement that tells the steps."""
    rx = _end_fields()
    return rx is not None and rx.search(st) is not None and _plan_strength(rx.sub(" ", st)) < 2


def _labelled_plan(st: str) -> bool:
    """A statement opening with a plan's own label ("Step-down: after a week go back to ...", "Taper - ..."), what
    follows the label holding a plan by itself (the label's wean word alone is none: "Weaning: not for now")."""
    m = plan_rules().plan_label.match(st)
    return m is not None and _plan_strength(st[m.end():]) > 0


def _bare_plan_label(st: str) -> bool:
    """A statement whose only plan word is its own label ("Weaning: she will attend the clinic on Tuesdays"): it names
    where the plan is told, and ranks after the statement that tells it."""
    m = plan_rules().plan_label.match(st)
    return m is not None and _plan_strength(st[m.end():]) == 0


def _named_as_condition(st: str, end: int) -> bool:
    """A drug named as the condition of a plan, not its object ("take X only if the paracetamol is not enough,
    then stop"): its name is followed by a phrase saying it falls short."""
    return 0 <= end <= len(st) and plan_rules().other_as_condition.match(st, end) is not None


_RE_GP_LABEL = re.compile(r"[ \t]*(?:GP|G\.P\.|general\s+practitioner)[ \t]*[:\-\u2013>][ \t]*(?=\S)", re.IGNORECASE)


def _opens_with_gp_label(text: str, s: int, line: tuple[int, int]) -> bool:
    """A statement opening its own line with a GP label ("GP: pls step down ..."), naming no practice (a header's
    "GP: Dr A Smith, X Surgery" is no request)."""
    ls, le = line
    if text[ls:s].strip(_HEADING_STRIP):
        return False
    m = _RE_GP_LABEL.match(text, ls, le)
    return m is not None and not re.match(r"Dr\b|Doctor\b", text[m.end():le]) and \
        plan_rules().gp_action.search(text, m.end(), le) is not None


_RE_LINE_LABEL = re.compile(r"[ \t]*[A-Za-z][\w'/()&+ -]{0,40}?[ \t]*:[ \t]*\S")


def _labelled_line_after_inline_stopped(layout: LetterLayout, pos: int) -> bool:
    """A statement on a line of its own label ("JIC meds not yet in home: GP to prescribe ...") below a stopped list
    told on its heading's own line ("STOPPED: X (disliked)"): the one-line list ended at its line; the layout
    runs its section on to the next heading."""
    sec = layout.section_at(pos)
    if sec is None or sec.kind != "stopped":
        return False
    text = layout.text
    _hs, he = layout.line_bounds(sec.start)
    ls, le = layout.line_bounds(pos)
    if ls <= he or not text[sec.body_start:he].strip(_HEADING_STRIP):
        return False  # the heading's own line, or a heading standing alone over its list
    m = _RE_LINE_LABEL.match(text, ls, le)
    return m is not None and pos <= m.end() + 80 and \
        not context_patterns().cues["stopped"].search(text, ls, m.end())


def _under_gp_heading(layout: LetterLayout, pos: int) -> bool:
    """A GP heading written inside a box or table title ("| ACTIONS FOR GP |") up to three lines above, or at the
    start of the statement's own line ("Plan for GP: please review her in a week. The X can then be stopped")."""
    li = layout.line_index(pos)
    start = layout.line_starts[max(0, li - 3)]
    ls, _le = layout.line_bounds(pos)
    rx = plan_rules().gp_heading
    if rx.search(layout.text, start, ls):
        return True
    m = rx.search(layout.text, ls, pos) if pos > ls else None
    return m is not None and m.start() - ls <= 30 and not re.search(r"[.;!?]", layout.text[ls:m.start()])


def _under_request_lead_in(layout: LetterLayout, pos: int) -> bool:
    """A list item under a request to the GP that ends in a colon ("I would be grateful if you could:", "Could
    you please:"), the items between them being more of the same list (no blank line)."""
    text = layout.text
    ls, le = layout.line_bounds(pos)
    if not RE_BULLET.match(text[ls:le]):
        return False
    li = layout.line_index(pos)
    for k in range(li - 1, max(-1, li - 12), -1):
        a = layout.line_starts[k]
        b = layout.line_starts[k + 1] - 1
        line = text[a:b]
        if not line.strip():
            return False
        if RE_BULLET.match(line):
            continue
        line = line.rstrip()
        return line.endswith(":") and len(line) <= 120 and bool(plan_rules().gp_address.search(line))
    return False


_RE_THE_COUNT = re.compile(r"\b(?:the|these|those|her|his|their)\s+(\d+)\s+(tablets?|capsules?|caps|tabs|patch(?:es)?|sachets?)\b", re.IGNORECASE)
_RE_PATCH_RATE = re.compile(r"\b(?:micrograms?|mcg|\u00b5g|ug)\s*/\s*(?:hour|hr|h)\b", re.IGNORECASE)
_RE_NO_NEED = re.compile(r"\bno\s+need\s+(?:to|for)\b|\bnot\s+(?:needed|necessary|required)\b"
                         r"|\bno\s+(?:further\s+)?(?:weaning|tapering|taper|step[- ]?down|dose\s+reduction|reduction)\s+"
                         r"(?:is\s+|was\s+)?(?:needed|necessary|required)\b", re.IGNORECASE)
_RE_UNTICKED = re.compile(r"(?:[\u2610\u25a1]|\[[ \t]\])[^\u2610\u2611\u2612\u25a1\u25a0\[\n]*")
_RE_TICKED_SQUARE = re.compile(r"\[\s*[xX\u2713\u2714]\s*\]")
_HEADING_STRIP = " \t\r-\u2013\u2014=*#\u2022\u25b8\u00b7>:|"


def _for_other_recipient(layout: LetterLayout, pos: int) -> bool:
    """Whether the nearest heading above pos (up to 12 lines) addresses someone other than the GP: the patient
    ("Advice for the patient", "Your medicines") or another team ("Plan for the ward team"). A GP heading nearer to
    the statement wins; a heading of neither kind ends the search."""
    P = plan_rules()
    text = layout.text
    li = layout.line_index(pos)
    own = layout.line_starts[li]
    m = P.gp_heading.search(text, own, min(pos, own + 40)) if pos > own else None
    if m and m.start() - own <= 5:
        return False  # the statement's own line opens with the GP's label ("For your GP: ... please ...")
    if pos > own and P.other_recipient_label.match(text[own:pos]):
        return True  # ... or with another recipient's ("Message to the community pharmacist: '... Please check ...'")
    for k in range(li - 1, max(-1, li - 13), -1):
        ls = layout.line_starts[k]
        le = layout.line_starts[k + 1] - 1 if k + 1 < len(layout.line_starts) else len(text)
        line = text[ls:le].strip(_HEADING_STRIP)
        if not line:
            continue
        m = P.gp_heading.search(line, 0, 40)
        if m and m.start() <= 5:
            return False  # a line opening with the GP's label ("For your GP: routine procedure. ...")
        if len(line) > 60 or line.endswith(".") or len(line.split()) > 8:
            continue  # a sentence or list item, not a heading
        if P.gp_heading.search(line) or P.gp_named.search(line):
            return False  # the GP's own heading, or one shared with the GP ("Plan for the ward team and GP")
        return bool(P.other_recipient_heading.search(line))
    return False


@lru_cache(maxsize=1)
def _addressee_rules() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    r = letter_rules()["plans"]
    # (folded: gated and run as case-sensitive twins, nlp.rules; the lead is searched over whole first lines, which in a
    # note of one endless line is the whole note)
    lead, other, gp, copy = (phrase_regex(r[k]) for k in ("addressee_lead", "addressee_other", "addressee_gp", "addressee_copy"))
    return folded(lead), folded(other), folded(gp), copy


_ADDRESSEE_LINES = 8


def _addressed_to_other(layout: LetterLayout) -> bool:
    """Whether the letter's first lines send it to someone other than the GP ("To: X Intermediate Care", "Transfer
    back to: X Care Home", "Referral to District Nursing Team"): then a bare request ("please remove it from the MAR
    chart") is that recipient's task. The first addressing line decides; one naming a GP, a doctor or a practice (a
    copy to the GP aside) is the GP's."""
    lead, other, gp, copy = _addressee_rules()
    text = layout.text
    seen = 0
    for k in range(len(layout.line_starts)):
        ls = layout.line_starts[k]
        le = layout.line_starts[k + 1] - 1 if k + 1 < len(layout.line_starts) else len(text)
        line = text[ls:le]
        if not line.strip():
            continue
        seen += 1
        if seen > _ADDRESSEE_LINES:
            return False
        m = lead.search(line)
        if not m:
            continue
        rest = copy.sub("", line[m.end():])
        if gp.search(rest):
            return False
        if other.search(rest):
            return True
    return False


@lru_cache(maxsize=1)
def _re_labelled_other_request() -> re.Pattern:
    other = "|".join(f"(?:{x})" for x in letter_rules()["plans"]["addressee_other"])
    return re.compile(r"^[ \t]*(?:[-*\u2022][ \t]*)?(?:for\s+)?(?:the\s+)?(?:" + other + r")(?:\s+(?:staff|team|manager|nurses?))?"
                      r"[ \t]*(?:::?|[-\u2013\u2014])[ \t]*(?:please|pls|kindly|to\b|could\s+you)", re.I | re.M)


def _labelled_other_request(layout: LetterLayout) -> bool:
    """A request the letter labels as another recipient's ("Nursing home: please record the patch changes",
    "District nurses - please check the site daily")."""
    return bool(_re_labelled_other_request().search(layout.text))


_ROW_BARS = "|\u2502\u2503\u2551"
_RE_RULED_LINE = re.compile(r"[ \t|+\-=:_~\u2500-\u257f]*")  # bars, dashes and box-drawing corners only
_RE_WRAPPED_ROW_LINE = re.compile(rf"[ \t]*[{_ROW_BARS}][ \t]*[{_ROW_BARS}]")  # a row line whose first cell is empty


def _row_bounds(layout: LetterLayout, pos: int) -> tuple[int, int]:
    """The lines of the table row holding pos: a row whose cells wrap over several lines ("│ Dihydrocodeine 30 mg │
    30 mg four times a │" then "│                     │ day when required   │") begins at its first line."""
    ls, le = layout.line_bounds(pos)
    text = layout.text
    start = ls
    for _ in range(6):
        if start == 0 or not _RE_WRAPPED_ROW_LINE.match(text, start):
            break  # the row's first line (its first cell holds something)
        ps, pe = layout.line_bounds(start - 1)
        prev = text[ps:pe]
        if not any(ch in prev for ch in _ROW_BARS) or _RE_RULED_LINE.fullmatch(prev):
            break  # a line outside the table or a ruled line: the row began on this line
        start = ps
    return start, le


def _row_owner(layout: LetterLayout, pos: int, opioid_pos, other_pos) -> str | None:
    """'opioid' or 'other': the kind of drug a table row (its wrapped lines too) names first, when pos is in a row."""
    ls, le = _row_bounds(layout, pos)
    text = layout.text
    if not any(text.find(sep, ls, le) >= 0 for sep in _CELL_SEPS):
        return None
    first_opioid = min((p for p in opioid_pos if ls <= p < le), default=None)
    first_other = min((p for p in other_pos if ls <= p < le), default=None)
    if first_opioid is None and first_other is None:
        return None
    if first_other is None or (first_opioid is not None and first_opioid < first_other):
        return "opioid"
    return "other"


def _opioid_on_row(layout: LetterLayout, pos: int, opioid_pos) -> bool:
    """An opioid named on the same table row (its wrapped lines too) or short list line (a Comments cell, "- wean off
    as pain improves")."""
    ls, le = _row_bounds(layout, pos)
    text = layout.text
    if le - ls > 250 and text.find("|", ls, le) < 0 and text.find("\t", ls, le) < 0:
        return False
    return any(ls <= p < le for p in opioid_pos)


def _opioid_last_named_in_paragraph(layout: LetterLayout, pos: int, mentions) -> bool:
    """Whether the drug named last before pos in the same paragraph (no blank line between, at most 600
    characters back) is an opioid, pos going on a line of prose: a plan that names no drug ("Patient counselled:
    short course only, then stop") is about the drug the paragraph was telling of."""
    text = layout.text
    ls, _le = layout.line_bounds(pos)
    if not text[ls:pos].strip(_HEADING_STRIP) and not plan_rules().item_field_label.match(text, pos) and \
            not _wrapped_continuation(text, ls, pos):
        # a list item or a line of its own: its subject is its own (an unlisted drug, a test); but a field of an
        # item block ("Comments: ...") is about the block's drug, and a line a wrapped sentence runs on to is prose
        return False
    lo = max(0, pos - 600)
    blank = max(text.rfind("\n\n", lo, pos), text.rfind("\n \n", lo, pos), text.rfind("\n\r\n", lo, pos))
    if blank >= 0:
        lo = blank
    before = [m for m in mentions if lo <= m.start < pos]
    return bool(before) and max(before, key=lambda m: m.start).category == "opioid"


def _wrapped_continuation(text: str, ls: int, pos: int) -> bool:
    """Whether the line at ls carries on a sentence wrapped from the line above: the statement opens the line in
    lower case and the line above is text that does not end a sentence or a heading ("... only if the" /
    "paracetamol is not enough, ...")."""
    if ls == 0 or pos >= len(text) or not text[pos].islower() or text[ls:pos].strip():
        return False
    prev = text[text.rfind("\n", 0, ls - 1) + 1:ls - 1].rstrip()
    le = text.find("\n", pos)
    # a run of spaces inside either line is a fixed-width table's columns, not wrapped prose
    return bool(prev) and prev[-1].isalpha() and "   " not in prev.strip() and \
        "   " not in text[pos:le if le >= 0 else len(text)]


@lru_cache(maxsize=1)
def _medicine_item_head() -> re.Pattern:
    return phrase_regex(letter_rules()["plans"]["medicine_item_head"])


def _other_drug_item(layout: LetterLayout, s: int, ex: LetterExtraction, opioid_pos) -> bool:
    """Whether a statement naming no opioid sits on another drug's medicine line ("- Nimodipine 60mg 4hrly (... then
    STOP)") or in the fields under it ("1. Budesonide 3mg capsules" / "   Directions: ... then taper"): a name and a
    strength open the item, so the plan is that drug's even when the lexicon does not know it. An item holding an
    opioid (by mention or by a prescription read there, misspelt names too) is the opioid's."""
    text = layout.text
    ls, le = layout.line_bounds(s)
    if any(text.find(sep, ls, le) >= 0 for sep in _CELL_SEPS):
        return False  # a table row: its cells are read as a row's elsewhere
    head = ls
    if text[ls:ls + 1] in (" ", "\t") and not RE_BULLET.match(text[ls:le]):
        # an indented field line: its item's head is the nearest line above at a smaller indent (no blank between)
        head = _head_line_above(layout, s, 8)
        if head is None:
            return False
    he = layout.line_bounds(head)[1]
    bm = RE_BULLET.match(text[head:he])  # (anchored at a line's start: read on the line itself)
    if not _medicine_item_head().match(text, head + bm.end() if bm else head, he):
        return False
    if any(head <= p < le for p in opioid_pos):
        return False
    return not any(head <= (rx.statement_span or rx.span)[0] < le for rx in ex.opioids if rx.span)


def _opioid_item_field(layout: LetterLayout, s: int, ex: LetterExtraction, opioid_pos, other_pos) -> bool:
    """Whether a statement naming no drug sits on an indented line under an opioid's item line (a dispensing label's
    directions: "Lbl 12  OXYCODONE 5MG CAPSULES  20" / "     Take ONE ... DO NOT USE FOR MORE THAN 3 DAYS."): the
    item's head is the nearest line above at a smaller indent, no blank line between, and it names an opioid (or
    holds a prescription read there) and no other drug."""
    text = layout.text
    ls, le = layout.line_bounds(s)
    if text[ls:ls + 1] not in (" ", "\t") or RE_BULLET.match(text[ls:le]) or \
            any(text.find(sep, ls, le) >= 0 for sep in _CELL_SEPS):
        return False
    a = _head_line_above(layout, s, 6)
    if a is None:
        return False
    he = layout.line_bounds(a)[1]
    if any(a <= p < he for p in other_pos):
        return False
    first = min([p for p in opioid_pos if a <= p < he] +
                [(rx.statement_span or rx.span)[0] for rx in ex.opioids
                 if rx.span and a <= (rx.statement_span or rx.span)[0] < he], default=None)
    # an item's head opens with the drug (after a number or label code at most), not with a label of the GP's
    # ("GP ACTION   OxyNorm ... " / "   Please check U&E ..." is a field of requests, each its own)
    return first is not None and not plan_rules().gp_named.search(text, a, first)


def _head_line_above(layout: LetterLayout, s: int, lines: int) -> int | None:
    """Where the item line of the indented line holding ``s`` starts: the nearest of the ``lines`` lines above at a
    smaller indent, with no blank line between (None if there is none)."""
    text = layout.text
    ls, le = layout.line_bounds(s)
    indent = _indent(text[ls:le])
    li = layout.line_index(s)
    for k in range(li - 1, max(-1, li - lines), -1):
        a = layout.line_starts[k]
        line = text[a:layout.line_starts[k + 1] - 1]
        if not line.strip():
            return None
        if _indent(line) < indent:
            return a
    return None


@lru_cache(maxsize=1)
def _step_down_to_other() -> re.Pattern:
    """A stop said of a pronoun until a non-opioid is enough ("stop them once plain paracetamol is enough")."""
    return gated(phrase_regex(letter_rules()["plans"]["step_down_to_other"]))


_RE_GP_CLAUSE = re.compile(r";|,?\s+and\s+(?=(?:please|pls|kindly)\b)", re.I)


def _gp_not(st: str) -> bool:
    """A generic or non-request phrase ("no change to ...", "please note") that makes a statement no GP action,
    unless another clause of it (after a semicolon) is one: "no change to her X; review the Y at one week"."""
    P = plan_rules()
    if P.other_recipient_label.match(st) or (P.other_recipient_request.search(st) and not P.gp_named.search(st)):
        return True  # "District nurses: ... please stop ..." is a task for them, not the GP (a plan still)
    if P.generic_request.match(st):
        return True  # "Please continue analgesia as required", "GP: review analgesia at 2 weeks": no opioid named
    m = P.gp_not.search(st)
    if not m:
        return False
    if re.match(r"\s*please\s+note\b", st, _I):
        # a leading "Please note: ..." frames the whole statement, unless what it notes is a ban on going back to
        # a drug ("Please note she must not go back onto X"): that is the GP's to keep
        return not P.gp_prohibition.search(st)
    # clauses: after a semicolon, or a second request joined by "and please" ("please add X ..., and please record
    # Y as an intolerance"); an action word told as past ("it was stopped") is no action of a clause
    clauses = [c for c in _RE_GP_CLAUSE.split(st) if c and c.strip()]
    if len(clauses) > 1 and any(P.gp_action.search(P.past_events.sub(" ", c)) and not P.gp_not.search(c)
                                for c in clauses):
        return False
    # a clause after a dash that itself addresses the GP ("X: no change - GP to continue prescribing")
    if " - " in st or "\u2013" in st or "\u2014" in st:
        parts = _RE_DASH_CLAUSE.split(st)
        return not any(P.gp_address.search(c) and P.gp_action.search(c) and not P.gp_not.search(c) for c in parts[1:])
    return True


def _action_about_other_clause(st: str, s: int, opioid_pos) -> bool:
    """A GP request whose only clause naming the opioid says to leave it be ("please arrange a repeat X-ray; no
    change to his X"): the action is about something else, the opioid clause is no action."""
    if ";" not in st or not any(s <= p < s + len(st) for p in opioid_pos):
        return False
    P = plan_rules()
    off = s
    named_not, named_act = False, False
    for c in st.split(";"):
        if any(off <= p < off + len(c) for p in opioid_pos):
            if P.gp_not.search(c):
                named_not = True
            elif P.gp_action.search(c):
                named_act = True
        off += len(c) + 1
    return named_not and not named_act


_RE_DASH_CLAUSE = re.compile(r"\s[-\u2013\u2014]\s|\s?[\u2013\u2014]\s?")


def _no_gp_action(st: str, s: int, opioid_pos) -> bool:
    """A statement saying the GP has nothing to do ("Nothing for the GP to action on opioids; the GP will do the
    new-resident review as usual", "No GP action needed - routine review"): its other clauses are a GP action only
    where they name an opioid (by name or by a class word) and an action for it."""
    P = plan_rules()
    if not P.gp_none.search(st):
        return False
    off = s
    for c in re.split(r";|\.\s|\s[-\u2013\u2014]\s", st):
        named = any(off <= p < off + len(c) for p in opioid_pos) or P.opioid_words.search(c)
        if named and not P.gp_none.search(c) and P.gp_action.search(P.past_events.sub(" ", c)) and not P.gp_not.search(c):
            return False
        off += len(c) + 1
    return True


def _no_repeats(st: str) -> bool:
    """"no repeats" / "no refills" / "0 refills" on an opioid's own line (a TTO item): the GP is told not to issue
    more (a GP instruction, whether or not the line also holds a plan: "7d course only then stop; no repeats")."""
    low = st.lower()
    return ("repeat" in low or "refill" in low) and bool(plan_rules().no_repeats.search(st))


def _patient_told(text: str, s: int, st: str) -> bool:
    """A statement reporting what the patient was told or asked ("He was told ... to stop it as the pain
    settles"), its sentence read back over a wrapped line: advice given to the patient, no GP action, unless it
    also speaks to the GP directly ("she has been asked to stop it in 5 days - please do not add it to repeats")."""
    P = plan_rules()
    back = text[max(0, s - 160):s]
    cut = max(back.rfind(". "), back.rfind(".\n"), back.rfind(":"), back.rfind("\n\n"))
    sentence = (back[cut + 1:] if cut >= 0 else back) + st
    low = sentence.lower()
    if not any(w in low for w in ("told", "advised", "asked", "counsel", "instructed", "reminded")):
        return False
    m = P.patient_told.search(sentence)
    if not m or P.gp_address_direct.search(st):
        return False
    # the GP or practice as the one asked ("The practice is asked to take over prescribing") is a request to them
    return not P.gp_named.search(sentence, max(0, m.start() - 30), m.start())


@lru_cache(maxsize=1)
def _rx_line_directions() -> re.Pattern:
    return phrase_regex(letter_rules()["plans"]["rx_line_directions"])


def _direction_on_rx_line(layout: LetterLayout, s: int, st: str, ex: LetterExtraction) -> bool:
    """A request on an opioid's own medicine line that the patient carries out ("- Dihydrocodeine 30mg ... Twenty
    tablets given. Please stop after 5 days."), naming no GP or practice: the line's directions, no GP action."""
    if not _rx_line_directions().match(st) or plan_rules().gp_named.search(st):
        return False
    for rx in ex.opioids:
        if rx.source == "prose":
            continue  # (a sentence of prose after the one that names the drug is the letter's own, not a line's)
        a, b = rx.statement_span or rx.span
        if layout.line_bounds(a)[0] <= s < layout.line_bounds(max(a, b - 1))[1]:
            return True
    return False


# a statement opening with a plan label ("Analgesia plan:", "Weaning plan -") is where the letter states its plan
# a plan line's own label before the words that address the GP ("Plan: GP r/v 1/52 + wean oxy", "Mx: GP to review")
_RE_LEAD_LABEL = re.compile(r"\s*(?:[A-Za-z]+\s+){0,2}?(?:plan|mx|management|actions?|follow[- ]?up|recommendations?|advice|"
                            r"to\s+do)\s*(?:\([^()\n]{1,40}\)\s*)?[:\-\u2013]\s*", re.IGNORECASE)


def _addressed_after_label(st: str) -> bool:
    lab = _RE_LEAD_LABEL.match(st)
    return lab is not None and bool(plan_rules().gp_address.search(st[lab.end():]))


_RE_PLAN_LABEL = re.compile(r"(?:[A-Za-z]+\s+){0,2}plan\s*(?:\([^()\n]{1,40}\)\s*)?[:\-\u2013]", re.IGNORECASE)  # "Weaning plan (Zomorph):"
_RE_LAST_DOSE_DATE = re.compile(r"\blast\s+dose\s*(?:was\s+|given\s+|taken\s+|on\s+|:\s*)*(\d{1,2})[/.](\d{1,2})"
                                r"(?:[/.](\d{4}|\d{2}))?(?![\d/]|\.\d)", re.IGNORECASE)  # a full stop may end it ('last dose 30/06.')


def _mask_past_last_dose(st: str, text: str) -> str:
    """A last dose dated on or before the discharge date ("oxycodone prn (last dose 04/03)" on a letter discharging
    on 06/03) happened in hospital: blanked out, it is no limit on future use."""
    ref = discharge_date(text)
    if ref is None:
        return st

    def past(m: re.Match) -> bool:
        y = m.group(3)
        year = ref.year if not y else int(y) if len(y) == 4 else 2000 + int(y)
        d = _make_date(int(m.group(1)), int(m.group(2)), year)
        return d is not None and d <= ref

    return _RE_LAST_DOSE_DATE.sub(lambda m: " " * len(m.group(0)) if past(m) else m.group(0), st)


def _follows(text: str, end: int, start: int) -> bool:
    """Whether a statement starting at `start` comes right after one ending at `end`: the next sentence, or the next
    line or list item (one line break, no blank line between them)."""
    gap = text[end:start]
    # (the next item of a numbered or lettered list: "...stop it.\n2. Could the practice oversee this reduction")
    return len(gap) < 12 and gap.count("\n") <= 1 and \
        _RE_LIST_NUMBER.fullmatch(gap.strip(" \t\r\n-*\u2022\u25b8\u00b7>")) is not None


_RE_LIST_NUMBER = re.compile(r"(?:\(?(?:\d{1,2}|[a-h])[.)])?")


# a statement that names a plan, asks or speaks to the GP: a cap in it is a plan, not a bare course length
_RE_ADDRESSED_PLAN = re.compile(r"\bplan\b|\bplease\b|\bGP\b", _I)


_RE_PLEASE = re.compile(r"\b(?:please|pls|plz|kindly)\b", _I)


def _asks_the_gp_by_name(text: str, s: int, e: int) -> bool:
    """A request that both names the GP or practice and asks ("GP please do not continue X beyond the TTO"): among
    requests alike on address and heading it is the GP's, where a bare "Please ..." under a shared plan heading may
    be the ward's or the patient's (a "GP to ..." line without a please keeps its place after a direct please)."""
    if not _RE_PLEASE.search(text, s, e):
        return False
    if plan_rules().gp_named.search(text, s, e):
        return True
    # ("Dear Dr Stannard, please continue Zamadol SR on repeat ...": the salutation just before names the GP)
    return bool(_RE_DEAR_BEFORE.search(text, max(text.rfind("\n", 0, s) + 1, s - 60), s) or _RE_DEAR_OPEN.match(text, s, e))


_RE_DEAR_OPEN = re.compile(r"[ \t]*dear\s+(?:Dr\.?|Doctor|GP|colleague|Drs)\b", re.I)
_RE_DEAR_BEFORE = re.compile(r"\bdear\s+(?:Dr\.?|Doctor|GP|colleague|Drs)\b[^\n.;]{0,40}?[,:\-\u2013]?\s*$", re.I)


def weaning_and_gp(layout: LetterLayout, mentions, ex: LetterExtraction) -> None:
    text = layout.text
    c = context_patterns()
    P = plan_rules()
    opioid_pos = [m.start for m in mentions if m.category == "opioid"]
    other_mentions = [m for m in mentions if m.category in ("non_opioid", "benzodiazepine", "z_drug", "gabapentinoid")]
    other_pos = [m.start for m in other_mentions]
    patch_opioid = any(rx.formulation == "patch" for rx in ex.opioids)
    discharge_generics = {rx.generic for rx in ex.opioids}
    wean, gp, negated = [], [], []
    last_plan_end = None  # end of the last weaning statement about an opioid
    negated_rx = P.negated if could_match(P.negated, text) else None  # once per letter, then per statement
    # a letter sent to a care home, district nurses or a visiting team: its bare requests are theirs, not the GP's
    # (unless the letter labels that recipient's own requests: "Nursing home: please record patch changes" /
    # "Please review the Oramorph at 2 weeks": the unlabelled ones are then the GP's)
    to_other = _addressed_to_other(layout) and not _labelled_other_request(layout)
    for s, e, lead_in in statements(layout):
        kind = layout.section_kind(s)
        if kind in ("stopped", "admission", "history", "family") and _opens_with_gp_label(text, s, layout.line_bounds(s)):
            # "GP: pls step down X ..." / "GP: pls do not restart X" on its own line after a STOPPED list, a drug
            # history or a social/family history ("SH: lives with ...") opens the GP's section
            kind = "gp"
        elif kind == "stopped" and _labelled_line_after_inline_stopped(layout, s):
            kind = "body"  # "STOPPED: X (...)" / "JIC meds not yet in home: GP to prescribe ...": a new label, a new topic
        if kind == "stopped":
            # a request to the GP written about a stopped or withheld opioid ("Held on admission and not restarted
            # - please do not reissue") is a GP instruction, never a plan (the drug is already off)
            st = text[s:e]
            if P.gp_address.search(st) and P.gp_action.search(st) and not _gp_not(st) and \
                    not (to_other and not P.gp_named.search(st) and not _under_gp_heading(layout, s)) and \
                    (any(s <= p < e for p in opioid_pos) or _opioid_on_row(layout, s, opioid_pos)) and \
                    not any(s <= p < e for p in other_pos) and not P.patient_address.search(st):
                named = {m.generic for m in mentions if m.category == "opioid" and s <= m.start < e}
                gp.append((s, e, kind, True, bool(named) and not named & discharge_generics))  # (a stopped drug's)
            continue
        if kind in EXCLUDED_FOR_PLANS:
            continue
        st = text[s:e]
        named_opioid = any(s <= p < e for p in opioid_pos)
        if not named_opioid:
            # a prose sentence begun on the line above ("... given her oxycodone 5 mg ..., one every four hours" /
            # "if needed, twenty capsules, for no more than five days"): its drug named there is its own
            ws = _wrapped_start(layout, s)
            named_opioid = ws < s and any(ws <= p < s for p in opioid_pos) and \
                not any(ws <= p < s for p in other_pos) and s not in other_pos  # ("lactulose 10ml bd" opens an item)
        # a request right after a plan about a named opioid that refers back to it ("... bring the Zomorph down by
        # 10 mg each fortnight. I would be grateful if your practice could oversee that reduction") is about that
        # opioid, even in a letter that discharges none (the patient's own supply goes on)
        refers_back = last_plan_end is not None and _follows(text, last_plan_end, s) and \
            bool(P.plan_reference.search(st))
        # a request that opioids as a class not be given ("I would ask that he is not given opioid analgesia from
        # the practice") is the GP's action even in a letter that discharges none; never a plan
        class_refused = not ex.opioids and not named_opioid and bool(P.opioid_class_refused.search(st))
        if not (ex.opioids or named_opioid or refers_back or class_refused):
            # nothing to plan: the statement only counts as the first "no weaning plan" statement
            if not negated and negated_rx is not None and negated_rx.search(st):
                negated.append((s, e))
            continue
        if negated_rx is not None and negated_rx.search(st) and not (
                _RE_NO_NEED.search(st) and _plan_strength(negated_rx.sub(" ", st)) == 2):
            negated.append((s, e))  # "7/7 course then off - no need to wean" still holds a stop plan
            continue
        if st.endswith("?") and P.checklist_no.match(text, e, layout.line_bounds(s)[1]):
            # a checklist question answered no on its row ("Weaning plan documented?  [ ] Yes  [x] No")
            if not negated:
                negated.append((s, e))
            continue
        # an unticked box ("[ ] analgesia") offers an action nobody chose: its words are not the statement's
        # ("[ ] ..." only in a letter that ticks others "[x]": a form that ticks nothing leaves every box empty)
        ticked = _RE_UNTICKED.sub(" ", st) if "\u2610" in st or "\u25a1" in st or (
            "[ ]" in st and _RE_TICKED_SQUARE.search(text)) else st
        has_opioid = named_opioid or bool(P.opioid_words.search(ticked))
        # a drug named only as the condition of the plan ("only if the paracetamol is not enough") is not its subject
        has_other = any(s <= m.start < e and not _named_as_condition(text, m.end) for m in other_mentions)
        row_other = False
        if not named_opioid and not has_other:
            # a table cell that names no drug ('| taper per haematology |', '| 15 mg OD, then reduce by 2.5 mg every
            # 2 weeks |', '| pain; GP to review at 1 week |') is about the drug of its row, the one its row names
            # first ("│ Laxido sachets │ ... │ while on oral morphine; stop if loose │" is the laxative's)
            owner = _row_owner(layout, s, opioid_pos, other_pos)
            if owner == "other":
                has_other = row_other = True
            elif owner == "opioid":
                has_opioid = True
        pro = P.pronoun.search(st) if not has_opioid else None
        if pro and any(s <= p < s + pro.start() for p in other_pos):
            pro = None  # "we have started pregabalin ...; please increase it to ...": 'it' is the drug just named
        if pro:
            ps, _pe = layout.sentence_bounds(max(0, s - 2))
            has_opioid = any(ps <= p < s for p in opioid_pos) or (s - ps < 3 and any(
                layout.line_bounds(s)[0] <= p < s for p in opioid_pos)) or \
                (patch_opioid and re.search(r"\bpatch(?:es)?\b", text[ps:s], _I) is not None)
            # ("The patch is for the fractures only. Please stop it when ..." in a letter whose patch is the opioid)
        if not has_opioid and last_plan_end is not None and _follows(text, last_plan_end, s) and \
                (P.plan_reference.search(st) or (not has_other and P.pronoun.search(st))):
            has_opioid = True  # "could you supervise the taper" right after the opioid's plan refers back to it
        if not has_opioid and not has_other and ex.opioids and P.repeats_refused.search(st):
            has_opioid = True  # "GP - please do not add to repeats", "no repeats from GP pls" in a letter whose only new drugs are opioids
        if not has_opioid and not has_other and len(ex.opioids) == 1 and P.plan_reference.search(st) and \
                P.wean_words.search(st):
            has_opioid = True  # "the practice continues the step-down" in a letter whose one opioid is the one stepped down
        if not has_opioid and ex.opioids:
            q = _RE_THE_COUNT.search(st)
            if q and any(rx.supply_quantity and re.match(re.escape(q.group(1)) + r"\s*" + q.group(2)[:3], rx.supply_quantity, _I)
                         for rx in ex.opioids):
                has_opioid = True  # "the 12 capsules are the whole course": the count supplied of the opioid
        if not has_opioid and patch_opioid and re.search(r"\bpatch(?:es)?\b", st, _I):
            has_opioid = True  # "remove after the 2nd patch" in a letter whose patch is the opioid
        if not has_opioid and patch_opioid and _RE_PATCH_RATE.search(st):
            has_opioid = True  # "the next step is 5 micrograms/hour": a patch's rate in a letter whose patch is the opioid
        if not has_opioid and not has_other and _no_repeats(st) and _opioid_on_row(layout, s, opioid_pos):
            has_opioid = True  # a "no repeats" note in the cell of an opioid's table row
        if not has_opioid and not has_other and _opioid_item_field(layout, s, ex, opioid_pos, other_pos):
            has_opioid = True  # a direction on the indented line under an opioid's item or label line
        if (not has_opioid or has_other) and ex.opioids and _step_down_to_other().search(st):
            # "stop them altogether once plain paracetamol is enough", "step her down to paracetamol only": the drug
            # named is where the step-down goes, what stops is the letter's opioid (also when the paragraph names it)
            has_opioid, has_other = True, False
        if "last dose" in st.lower():
            st = _mask_past_last_dose(st, text)
        strength = _plan_strength(st)
        is_wean = strength > 0 and not class_refused
        if strength == 1 and not named_opioid and not lead_in and kind not in ("plan", "gp"):
            # a bare cap in a cell of the opioid's table row ("| NEW. Max 7 days |" under Endorsement) is the line's
            # duration, not a plan
            ls, le = layout.line_bounds(s)
            if any(text.find(sep, ls, le) >= 0 for sep in _CELL_SEPS) and _opioid_on_row(layout, s, opioid_pos) and \
                    not _RE_ADDRESSED_PLAN.search(st):
                is_wean = False
        if is_wean and has_other and ((row_other and not has_opioid) or _plan_object_is_other(st, s, mentions)):
            is_wean = False
        if is_wean and not named_opioid and _other_drug_item(layout, s, ex, opioid_pos):
            is_wean = False  # a stop or taper on another drug's medicine line or item block is that drug's plan
        if is_wean and not has_opioid and kind not in PLAN_SECTIONS and not lead_in and \
                not (not has_other and ex.opioids and _labelled_plan(st)) and \
                not _opioid_on_row(layout, s, opioid_pos) and \
                not (strength == 2 and not has_other and _opioid_last_named_in_paragraph(layout, s, mentions)):
            # prose outside plan/GP/medicine sections must name the opioid ("cease breast feeding"), or tell an
            # explicit plan right after its paragraph named one ("... Zomorph not supplied. Patient counselled:
            # short course only, then stop.")
            is_wean = False
        if is_wean and kind == "course" and not _RE_ADDRESSED_PLAN.search(st) and \
                not (named_opioid and P.limits.search(st)) and \
                not (strength == 2 and P.item_field_label.match(st) and _opioid_last_named_in_paragraph(layout, s, mentions)):
            # "Rx given: X ... short course then stop" is a plan; so is an item block's own field ("Drug: X" / ... /
            # "Course: 5 days then stop"), though a 'Course:' line reads as a hospital-course heading
            is_wean = False
        if is_wean:
            # a plan naming only opioids that are not on discharge ("advised to stop the over-the-counter X" when
            # the letter discharges Y) ranks after one about a discharge opioid
            named = {m.generic for m in mentions if m.category == "opioid" and s <= m.start < e}
            wean.append((s, e, strength, bool(named) and not named & discharge_generics, kind))
            if has_opioid:
                last_plan_end = e
        # the cheap conditions first (each test is pure: the order changes nothing but the time)
        addressed = bool(P.gp_address.search(st)) or _addressed_after_label(st)
        if (has_opioid or is_wean) and not (has_other and not has_opioid) and \
                (kind == "gp" or lead_in or addressed or _under_gp_heading(layout, s)
                 or _under_request_lead_in(layout, s)
                 or ((named_opioid or _opioid_on_row(layout, s, opioid_pos)
                      or (has_opioid and P.repeats_refused.search(st))) and _no_repeats(st))) and \
                P.gp_action.search(st) and not _gp_not(st) and not P.patient_address.search(st) and \
                not _action_about_other_clause(st, s, opioid_pos) and not _no_gp_action(st, s, opioid_pos) and \
                not (kind != "gp" and not P.gp_named.search(st) and _for_other_recipient(layout, s)) and \
                not (to_other and kind != "gp" and not P.gp_named.search(st) and not _under_gp_heading(layout, s)) and \
                not _patient_told(text, s, st) and not _direction_on_rx_line(layout, s, st, ex):
            named = {m.generic for m in mentions if m.category == "opioid" and s <= m.start < e}
            gp.append((s, e, kind, bool(kind == "gp" or lead_in or addressed),
                       bool(named) and not named & discharge_generics and
                       bool(c.cues["stopped"].search(st) or P.gp_prohibition.search(st))))  # ("please do not restart co-codamol")
    if wean:
        # explicit plans before bare caps on the length of use; a plan told as already under way ("she is part-way
        # through their planned reduction") or only named ("added with a planned taper") after one that says what
        # to do next
        # then one under the letter's plan heading before the same stop told on a medicine line
        s, e, _, _, _ = min(wean, key=lambda x: (x[3], x[2] < 2 or _end_field_only(text[x[0]:x[1]]), bool(P.in_progress.search(text, x[0], x[1])
                                                                       or P.plan_named.search(text, x[0], x[1])
                                                                       or _bare_plan_label(text[x[0]:x[1]])),
                                              not (_RE_PLAN_LABEL.match(text, x[0], x[1]) or _labelled_plan(text[x[0]:x[1]])),
                                              x[4] != "plan", x[0]))
        ex.weaning_plan = Finding(True, text[s:e], (s, e))
    elif negated:
        s, e = negated[0]
        ex.weaning_plan = Finding(False, None, None, text[s:e], (s, e))
    if gp:
        # direct address first; among those, one the letter puts under the GP's own heading or section ("Requests to
        # GP: - please add ...") before a note addressed by someone else elsewhere ("Renal pharmacist: please avoid ...")
        # a bare "no repeats" / "no refills" on a medicine line after any statement that addresses the GP
        # a request about an opioid the letter stopped and does not discharge ("Oxycodone ... - stopped; please remove
        # from her repeat list") after one about a discharge opioid ("please continue to issue Palexia SR 50 mg ...")
        # a request told as the last clause of the sentence that gives a prescription ("For breakthrough pain she has
        # X 10 mg ...; if she needs more ... the patch could go up, but please discuss with us first") after a
        # request sentence of its own
        rx_spans = [rx.span for rx in ex.opioids if rx.span]
        s, e, _, _, _ = min(gp, key=lambda x: (not x[3], x[4], not P.gp_address_direct.search(text, x[0], x[1]),
                                         not (x[2] == "gp" or _under_gp_heading(layout, x[0])),
                                         not _asks_the_gp_by_name(text, x[0], x[1]),
                                         any(a <= x[0] < b or x[0] <= a < x[1] for a, b in rx_spans), x[0]))
        ex.gp_instruction = Finding(True, text[s:e], (s, e))


# --------------------------------------------------------------------------------------------------------------
# age
# --------------------------------------------------------------------------------------------------------------
MONTHS = {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
# a month-first date must name its month in full or by its usual short form, so 'Tramadol 50 2025' or 'Seen 12 2025'
# is no date
_MONTH_WORDS = {w for m in ["january", "february", "march", "april", "may", "june", "july", "august", "september",
                            "october", "november", "december"] for w in (m, m[:3], m[:4] if m == "september" else m[:3])}
# a month in Roman numerals ('7.iii.1941'), as older hands write a date of birth; longest first
ROMAN_MONTHS = {r: i + 1 for i, r in enumerate(["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"])}
# the separators of a numeric date: slash, point, hyphen, or a raised point ('05\u00b710\u00b71954', as a word
# processor's middle dot or a typed decimal point of some keyboards renders it)
# Day-first forms as British letters write them ('3rd July 1951', '3rd of July 1951', '03JUL1951' as EPMA systems
# print it), then month-first with a four-digit year ('July 3rd, 1951') and ISO year-first ('1951-07-03'), as exports
# and American-configured systems write them. The word must open like a month, so a time and the next label ('22:10
# Disch 15/02/26') never hide the date after them.
DATE = (r"(?<![\d/.\u00b7])(\d{1,2})\s*[/.\-\u00b7]\s*(\d{1,2})\s*[/.\-\u00b7]\s*(\d{4}|\d{2})(?![\d/])"
        r"|(?<![\d/.])(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?(?:[\s\-]+|(?=[A-Za-z]{3,9}\.?[\s\-,]*\d))"
        r"(?=(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|[ivx]{1,4}\b))([A-Za-z]{3,9})\.?"
        r"[\s\-,]*(\d{4}|\d{2})(?!\d)"
        r"|(?<![\d/.])(\d{1,2})[/.\-]((?i:xii|xi|x|ix|viii|vii|vi|v|iv|iii|ii|i))[/.\-](\d{4}|\d{2})(?![\d/])"
        r"|\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)"
        r"|(?<![\d/.])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d/])")
RE_DATE = re.compile(DATE)


@lru_cache(maxsize=1)
def _age_rules() -> dict:
    """Age and date phrases of letter_rules.json["age"]: explicit ages ("84F", "67yo M", "aged 67"), DOB labels,
    and labels of the reference date (discharge first, then the letter's event dates)."""
    r = letter_rules()["age"]
    alt = alternation
    return {  # searched over the letter's head one after another: behind literal gates ("age", "aged", "DOB")
        "terse": [gated(re.compile(p)) for p in r["explicit_case_sensitive"]],
        "explicit": [gated(re.compile(p, _I)) for p in r["explicit"]],
        # between a label and its date: punctuation, and the emphasis marks of markdown or a web export
        # ('**DOB:** 03/09/1937', '__Discharged__: ...')
        "dob": gated(re.compile(r"(?:" + alt(r["dob_label"]) + r")[\s.:=\-,;|*_]*(?:" + DATE + ")", _I)),
        # ('Discharged: Tue 08/04/2025': a weekday may stand before the date)
        "ref": [gated(re.compile(r"(?:" + alt(labels) + r")[\s.:=\-,;|*_]*(?:on\s+)?"
                                 r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?,?\s+)?(?:" + DATE + ")", _I))
                for labels in r["reference_labels"]],
        "header_age": [re.compile(p, _I | re.MULTILINE) for p in r["header_age"]],
        "header_age_not": re.compile(alt(r["header_age_not"]), _I),
        "age_heading": gated(re.compile(alt(r["age_heading"]), _I)),
        "dob_heading": gated(re.compile(r"^\s*(?:" + alt(r["dob_label"]) + r")\s*$", _I)),
        "ref_heading": [gated(re.compile(r"^\s*(?:" + alt(labels) + r")\s*$", _I)) for labels in r["reference_labels"]],
    }


_CELL_SEPARATORS = ("|", "\t", ",", ";")


def _cell_under_heading(head: str, heading: re.Pattern) -> str | None:
    """The cell under a column heading matching `heading` in a small table at the top of a letter (pipe, tab, CSV
    or fixed-width columns): the first later row with as many cells as the heading row."""
    if not could_match(heading, head):
        return None  # no cell of the head can be the heading: it lacks the heading's words
    lines = head.splitlines()[:40]
    for i, line in enumerate(lines):
        for sep in _CELL_SEPARATORS + (None,):
            if sep is not None and sep not in line:
                continue
            heads = [c.strip() for c in (line.split(sep) if sep else re.split(r"\s{2,}", line.strip()))]
            idx = next((k for k, h in enumerate(heads) if heading.match(h)), None)
            if idx is None or len(heads) < 2:
                continue
            for row in lines[i + 1:i + 4]:
                if not row.strip() or re.fullmatch(r"[\s|:+\-=]+", row):
                    continue  # blank line or a markdown/box rule under the headings
                cells = [c.strip() for c in (row.split(sep) if sep else re.split(r"\s{2,}", row.strip()))]
                return cells[idx] if len(cells) == len(heads) else None
            return None
    return None


def _table_date(head: str, heading: re.Pattern):
    cell = _cell_under_heading(head, heading)
    m = RE_DATE.search(cell) if cell else None
    return _parts(m.groups()) if m else None


def _parts(groups) -> tuple[int, int, str] | None:
    """(day, month, year as written) of a DATE match."""
    if groups[0]:
        d, mth, y = int(groups[0]), int(groups[1]), groups[2]
    elif groups[6]:
        d, mth, y = int(groups[6]), ROMAN_MONTHS[groups[7].lower()], groups[8]
    elif groups[9]:
        d, y = int(groups[10]), groups[11]
        mth = MONTHS.get(groups[9][:3].lower()) if groups[9].lower() in _MONTH_WORDS else None
        if not mth:
            return None
    elif groups[12]:
        d, mth, y = int(groups[14]), int(groups[13]), groups[12]
    else:
        d, y = int(groups[3]), groups[5]
        mth = MONTHS.get(groups[4][:3].lower()) or ROMAN_MONTHS.get(groups[4].lower())  # '07-XII-62'
        if not mth:
            return None
    if not (1 <= mth <= 12 and 1 <= d <= 31):
        return None
    return d, mth, y


def _make_date(d: int, mth: int, year: int) -> dt.date | None:
    try:
        return dt.date(year, mth, d)
    except ValueError:
        return None


def _ref_date(parts) -> dt.date | None:
    d, mth, y = parts
    year = int(y) if len(y) == 4 else 2000 + int(y) if int(y) < 70 else 1900 + int(y)
    return _make_date(d, mth, year)


def _dob(parts, ref: dt.date | None) -> dt.date | None:
    """A two-digit birth year pivots on the reference date (12.4.57 -> 1957 on a 2025 letter; 22/06/09 -> 2009)."""
    d, mth, y = parts
    if len(y) == 4:
        year = int(y)
    else:
        pivot_year = (ref or dt.date.today()).year
        year = 2000 + int(y)
        if year > pivot_year:
            year -= 100
    # a day past the month's end as written ('29/02/1951', a year with no 29 February): the month's last day
    born = _make_date(d, mth, year)
    if born is None and dt.MINYEAR <= year <= dt.MAXYEAR:
        born = _make_date(min(d, calendar.monthrange(year, mth)[1]), mth, year)
    return born


def _age_number(tok: str) -> int | None:
    """An age as written: digits, or words ('seventy', 'eighty-two')."""
    if tok.isdigit():
        return int(tok)
    from nlp.sig import to_number  # (the number words of sig_rules.json)
    v = to_number(tok)
    return int(v) if v is not None and v == int(v) else None


def patient_age(text: str) -> int | None:
    """Age in years at discharge: a stated age, else DOB and the discharge (or letter) date."""
    rules = _age_rules()
    head = text[:4000]
    for rx, region in [(x, text[:1000]) for x in rules["terse"]] + [(x, head) for x in rules["explicit"]]:
        m = rx.search(region)
        if m:
            v = _age_number(m.group(1))
            if v is not None and 0 <= v <= 120:
                return v
    for rx in rules["header_age"]:
        for m in rx.finditer(text[:600]):
            line_before = text[text.rfind("\n", 0, m.start(1)) + 1:m.start(1)]
            if int(m.group(1)) <= 120 and not rules["header_age_not"].search(line_before):
                return int(m.group(1))
    cell = _cell_under_heading(head, rules["age_heading"])
    m = re.fullmatch(r"(\d{1,3})\s*(?:y|yrs?|years?)?", cell or "", _I)
    if m and int(m.group(1)) <= 120:
        return int(m.group(1))
    dob_m = rules["dob"].search(head)
    if not dob_m:
        dob_parts = _table_date(head, rules["dob_heading"])
        if not dob_parts:
            return None
        ref = next((r for rx in rules["ref_heading"] if (p := _table_date(head, rx)) and (r := _ref_date(p))), None)
        return _age_on(_dob(dob_parts, ref), ref) if ref else None
    dob_parts = _parts(dob_m.groups())
    if not dob_parts:
        return None
    ref = None
    for rx in rules["ref"]:
        for m in rx.finditer(text[:6000]):
            if m.start() <= dob_m.start() < m.end():
                continue
            p = _parts(m.groups())
            ref = _ref_date(p) if p else None
            if ref:
                break
        if ref:
            break
    if ref is None:  # the latest date near the top of the letter that is not the DOB
        dates = [_ref_date(p) for m in RE_DATE.finditer(text, 0, min(len(text), 2500))
                 if not (dob_m.start() <= m.start() < dob_m.end()) and (p := _parts(m.groups()))]
        dates = [x for x in dates if x]
        ref = max(dates) if dates else None
    if ref is None:
        return None
    return _age_on(_dob(dob_parts, ref), ref)


def discharge_date(text: str) -> dt.date | None:
    """The discharge date the letter states (the first group of reference labels, or a column under such a heading):
    the day from which an end point written as a date ("stop on 14/04") is counted."""
    rules = _age_rules()
    for m in rules["ref"][0].finditer(text, 0, min(len(text), 6000)):
        p = _parts(m.groups())
        d = _ref_date(p) if p else None
        if d:
            return d
    p = _table_date(text[:4000], rules["ref_heading"][0])
    return _ref_date(p) if p else None


def _age_on(born: dt.date | None, ref: dt.date) -> int | None:
    """Whole years from birth to the reference date (None when the birth date is missing or after it)."""
    if born is None or born > ref:
        return None
    age = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
    return age if 0 <= age <= 120 else None


# --------------------------------------------------------------------------------------------------------------
# flags
# --------------------------------------------------------------------------------------------------------------
def days_of_supply(rx) -> float | None:
    """Days the supply lasts at the maximum prescribed use (None when it cannot be known)."""
    if rx.supply_days is not None:
        return float(rx.supply_days)
    if rx.quantity_n:
        if rx.formulation == "patch":
            return rx.quantity_n * (rx.patch_change_days or 7.0)
        if rx.quantity_unit == "ampoules":
            return None
        per_dose = rx.units_per_dose_max
        if rx.quantity_unit == "ml" and rx.dose_mg_max and rx.strength_mg:
            per_dose = rx.dose_mg_max / rx.strength_mg
        if per_dose and rx.frequency_per_day_max:
            return rx.quantity_n / (per_dose * rx.frequency_per_day_max)
        return None
    if rx.duration_days is not None:
        return float(rx.duration_days)
    return None


# (a headache or migraine is a pain; "for knee OA" names the painful condition the drug is for)
_SYMPTOM = re.compile(r"\b(?:pain|analgesi\w*|breathless\w*|dyspn\w*|cough|headaches?|migraines?|(?:osteo)?arthritis|OA)\b",
                      re.IGNORECASE)


_RE_COMMA_SPLIT = re.compile(r"[,;]")


_RE_LABEL_BEFORE_DRUG = re.compile(r"\b(?:indication|reason)\s+for\s+(?:the\s+|his\s+|her\s+|their\s+)?"
                                   r"(?:[A-Za-z][\w-]*(?:[ \t]+[A-Za-z0-9][\w-]*)?[ \t]*(?:/|,|&|\+|\band\b)[ \t]*){0,3}$",
                                   re.IGNORECASE)
# (the label may name more drugs after this one: "Indication for OxyContin / co-codamol: wound pain")
_RE_LABEL_AFTER_DRUG = re.compile(r"(?:[ \t]*(?:/|,|&|\+|\band\b)[ \t]*[A-Za-z][\w-]*(?![\w-])(?:[ \t]+[A-Za-z0-9][\w-]*(?![\w-]))?){0,3}"
                                  r"[ \t]*(?:\([^)\n]{0,40}\)[ \t]*)?[:=\-\u2013][ \t]*(?!(?:n/?a|none|nil|not\s+(?:stated|documented|known)|-|\?)"
                                  r"[ \t]*(?:[.;,]|$))([A-Za-z][^\n.;]{2,80})", re.IGNORECASE | re.MULTILINE)


def _indication_elsewhere(layout: LetterLayout, ex: LetterExtraction, mentions) -> str | None:
    """'for post-operative pain' in another sentence that names a discharge opioid (GP section, prose)."""
    generics = {rx.generic for rx in ex.opioids}
    c = context_patterns()
    rx_spans = [rx.span for rx in ex.opioids if rx.span]
    starts = sorted(m.start for m in mentions)
    for m in mentions:
        if m.generic not in generics:
            # an opioid the letter says was started for a reason ("we have added oxycodone oral solution ..., 5-10 mg
            # every two hours if needed for breakthrough pain") in a letter that discharges an opioid: the reason is
            # stated even where its prescription was not read
            if ex.opioids and m.category == "opioid" and layout.section_kind(m.start) not in NOT_CURRENT_SECTIONS:
                phrase = _reason_of_started(layout, m, starts, c)
                if phrase:
                    return phrase
            continue
        s, e = layout.sentence_bounds(m.start)
        if not any(a <= m.start < b for a, b in rx_spans):
            ls, le = layout.line_bounds(m.start)
            a, b = max(ls, s), min(le, e)
            here = _RE_COMMA_SPLIT.split(layout.text[a:m.start])[-1] + _RE_COMMA_SPLIT.split(layout.text[m.start:b])[0]
            stop = c.cues["stopped"].search(here)
            if stop and _RE_NOT_BEFORE.search(here, max(0, stop.start() - 12), stop.start()):
                stop = None  # "we have not stopped her Zomorph": it goes on
            if stop or (c.cues["historical"].search(here) and _past_use_ended().search(layout.text, s, e)):
                # "PMH: codeine for migraine, stopped years ago", "prescribed in the past for knee pain - not currently
                # taking": the reason of a use that ended; a use that went on up to admission ("before admission she
                # was on X for it", "had been taking X for years for knee pain") gives the reason of the X continued
                continue
        we = _wrapped_end(layout, e)
        # a reason that ends its line ("oxycodone liquid for breakthrough pain" / "instead - ...") is read up to the
        # line's end as well as in the wrapped sentence (whose next line runs the phrase on)
        for end in ((e, we) if we > e else (e,)):
            for f in c.ind_for.finditer(layout.text, m.end, end):
                phrase = f.group(1).strip()
                if not c.ind_not.match(phrase) and _SYMPTOM.search(phrase):
                    return phrase
        # "The tramadol is only for the stent discomfort", "use the Oramorph ... if the pain comes back"
        after = _after_drug().search(layout.text, m.end, we)
        if after:
            return after.group(0)
        # "She has chronic back pain ..., and before admission she was on X for it": 'for it' after the drug refers back
        # to the pain the sentence told before it
        back = _RE_FOR_IT.match(layout.text, m.end, we)
        if back and _RE_PAIN_WORD.search(layout.text, s, m.start):
            return back.group(0)
        # "Indication for oxycodone: post-op knee pain": a label naming the drug, then a reason that is not empty
        if _RE_LABEL_BEFORE_DRUG.search(layout.text, max(0, m.start - 90), m.start):
            after = _RE_LABEL_AFTER_DRUG.match(layout.text, m.end)
            if after:
                return after.group(1)
        # "GP to stop X by 2/52. Indication: post-op pain.": a bare label opening the next sentence of the line
        if e < len(layout.text) and layout.text[e - 1] in ".;":
            nxt = _next_label().match(layout.text, e, layout.line_bounds(m.start)[1])
            if nxt and _SYMPTOM.search(nxt.group(1)):
                return nxt.group(1).strip()
        # "His hip pain has been well controlled on paracetamol and tramadol", "knee pain managed with X", "chronic
        # back pain on long-term Zomorph": the pain is what the drug named after it treats
        ctl = _RE_PAIN_CONTROLLED_ON.search(layout.text, max(s, m.start - 120), m.start) \
            if "pain" in layout.text[max(s, m.start - 120):m.start].lower() else None
        if ctl:
            return ctl.group(0)
        # "for breakthrough pain we have started Oramorph" puts the reason before the drug
        before = _reason_before().search(layout.text, max(_wrapped_start(layout, s), m.start - 150), m.start)
        if before:
            return before.group(0)
        # "For his pain he takes paracetamol. In addition we have given him codeine": the reason of the
        # sentence before carries over to a drug added to it
        if s > 1 and _continuation().match(layout.text, s, e):
            ps, _pe = layout.sentence_bounds(s - 2)
            for f in c.ind_for.finditer(layout.text, ps, s):
                phrase = f.group(1).strip()
                if not c.ind_not.match(phrase) and _SYMPTOM.search(phrase):
                    return phrase
            before = _reason_before().search(layout.text, ps, s)
            if before:
                return before.group(0)
        # "Knee pain had been poorly controlled at home ... To control this we increased his X": a purpose clause opening
        # the drug's sentence refers back to the pain told in the sentence or two before it, in the same paragraph
        if _reason_by_reference().match(layout.text, s) and m.start - s < 120:
            lo = max(s - 400, layout.text.rfind("\n\n", 0, s) + 1)
            if _RE_PAIN_WORD.search(layout.text, lo, s):
                return layout.text[s:m.start]
        # "We have not stopped her Zomorph. She has taken it for years for her back pain.": the next sentence of the
        # paragraph names no drug and refers back to this one by a pronoun before its reason
        phrase = _reason_in_next_sentence(layout, e, starts)
        if phrase:
            return phrase
    return None


@lru_cache(maxsize=1)
def _past_use_ended() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["past_use_ended"])


@lru_cache(maxsize=1)
def _started_before() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["started_before"])


def _reason_of_started(layout: LetterLayout, m, starts: list[int], c) -> str | None:
    """A 'for ... pain' phrase after an opioid whose own clause says it was started ('we have added X', 'started on
    X'), read up to the next drug named or the sentence's end."""
    text = layout.text
    s, e = layout.sentence_bounds(m.start)
    if not _started_before().search(text, max(s, m.start - 40), m.start):
        return None
    k = bisect.bisect_right(starts, m.start)
    end = min(e, starts[k]) if k < len(starts) else e
    if end == e:
        end = _wrapped_end(layout, e)
        if end == e and e + 1 < len(text) and text[e] == "\n" and text[e - 1:e] in (",", "(", "-"):
            # a clause broken at the margin after a comma ('... oral solution 5 mg/5 ml,' / '5-10 mg ... for breakthrough
            # pain') runs on to the next line
            end = layout.sentence_bounds(e + 1)[1]
            if k < len(starts):
                end = min(end, starts[k])
    hi = max(e, end)
    if c.cues["stopped"].search(text, s, hi) or c.cues["historical"].search(text, s, hi) or \
            c.cues["inpatient_only"].search(text, s, hi):
        return None  # "we started tramadol for the pain but it was stopped": the reason of a drug that did not go home
    for f in c.ind_for.finditer(text, m.end, end):
        phrase = f.group(1).strip()
        if not c.ind_not.match(phrase) and _SYMPTOM.search(phrase):
            return phrase
    return None


_RE_PAIN_CONTROLLED_ON = re.compile(
    r"(?<!\bno\s)(?<!\bnil\s)\b(?:pain|aches?|painful(?:\s+[\w-]+){1,3}?)\s+(?:(?:is|was|are|were|has\s+been|have\s+been|being|now|remains?)\s+){0,2}"
    r"(?:(?:well|adequately|reasonably|fully|now|largely|mainly)\s+){0,2}(?:controlled|managed|treated)\s+(?:on|with|by)\s+"
    r"(?:[^.;:\n]{0,60}?\s(?:and|with|plus|&|\+)\s+|[^.;:\n]{0,60}?,\s*)?(?:(?:the|his|her|their|a|an|regular|lower|low|usual|oral)\s+){0,3}"
    r"(?:(?:dose|doses)\s+of\s+(?:(?:the|his|her|their|regular|oral)\s+)?)?$"
    r"|(?<!\bno\s)(?<!\bnil\s)\b(?:pain|aches?)\s+on\s+(?:(?:long[- ]term|regular|usual|his|her|their|oral)\s+){0,2}$",
    re.IGNORECASE)
_RE_THE_PATCH = re.compile(r"\b(?:the|his|her|their)\s+(?:\w+\s+)?patch(?:es)?\b", re.IGNORECASE)


def _pain_controlled_by_the_patch(layout: LetterLayout, ex: LetterExtraction) -> bool:
    """'His knee pain is managed with the patch and paracetamol' in a letter whose discharge opioid is a patch: the
    patch named by its form, not its drug, is what the pain is controlled with."""
    if not any(rx.formulation == "patch" for rx in ex.opioids):
        return False
    text = layout.text
    for p in _RE_THE_PATCH.finditer(text):
        s, _e = layout.sentence_bounds(p.start())
        lo = max(s, p.start() - 120)
        if layout.section_kind(p.start()) not in NOT_CURRENT_SECTIONS and "pain" in text[lo:p.start()].lower() and \
                _RE_PAIN_CONTROLLED_ON.search(text, lo, p.start()):
            return True
    return False


_RE_BACK_PRONOUN = re.compile(r"\b(?:it|them)\b", re.IGNORECASE)
_RE_NOT_BEFORE = re.compile(r"\b(?:not|never)\s+(?:been\s+)?$|n't\s+(?:been\s+)?$", re.IGNORECASE)


def _reason_in_next_sentence(layout: LetterLayout, e: int, starts: list[int]) -> str | None:
    """The reason given by the sentence right after pos e when it goes on along the same line, names no drug and
    refers back by a pronoun before a 'for ... pain' phrase (``starts``: the mentions' offsets, sorted)."""
    text = layout.text
    ns = e
    while ns < len(text) and text[ns] in " \t":
        ns += 1
    if ns >= len(text) or text[ns] in "\r\n" or text[e - 1:e] not in (".", "!"):
        return None  # the next sentence must go on along the same line of prose
    _s, ne = layout.sentence_bounds(ns)
    if ne <= ns or bisect.bisect_left(starts, ns) != bisect.bisect_left(starts, ne):
        return None
    pro = _RE_BACK_PRONOUN.search(text, ns, ne)
    if not pro:
        return None
    m = _reason_before().search(text, pro.end(), ne)
    return m.group(0) if m else None


def _wrapped_end(layout: LetterLayout, e: int) -> int:
    """The end of a prose sentence that runs on to the next line when the sentence ending at e stops at a line break
    with no stop ("... applied every 7 days" / "(Thursdays) for rib pain, and ..."): the wrapped line's sentence end."""
    text = layout.text
    if e >= len(text) - 1 or text[e:e + 1] != "\n" or e < 1 or not (text[e - 1].isalnum() or text[e - 1] == ")"):
        return e  # a line may end on a bracket closed inside the sentence ('... a patch (5 micrograms/hour)' / 'for ...')
    if text[e - 1] == ")" and not text[e + 1:e + 2].islower():
        return e
    ls = text.rfind("\n", 0, e) + 1
    line = text[ls:e]
    if len(line) < 60 or "|" in line or "\t" in line or "   " in line.strip() or not text[e + 1:e + 2].strip():
        return e  # a short line (a heading, a field) or a table row ends where it ends
    _ns, ne = layout.sentence_bounds(e + 1)
    return max(e, ne)


# a medicine's name then its strength opening a line; not a verb or a linking word that a wrapped sentence opens with
_RE_NAME_THEN_DOSE = re.compile(r"(?!(?:take|taking|takes|give|giving|given|use|using|have|having|with|then|from|about|"
                                r"around|only|plus|increas\w*|reduc\w*|add\w*|down|up|over|under|than)\b)"
                                r"[a-z][a-z-]{3,}\s+\d+(?:\.\d+)?\s*(?:mg|mcg|micrograms?|g|ml|units?)\b", re.I)


def _wrapped_start(layout: LetterLayout, s: int) -> int:
    """The start of a prose sentence that began on the line above when the sentence at s opens its line in lower
    case and the line above ends without a stop ("... For breakthrough pain he may" / "take Palexia 50mg ..."):
    the margin check of the layout can miss a wrap on a line a few characters short."""
    text = layout.text
    if s < 2 or text[s - 1] != "\n" or not text[s:s + 1].islower():
        return s
    if _RE_NAME_THEN_DOSE.match(text, s):
        return s  # "oxybutynin 2.5mg bd prn - stop once cath out": a medicine line of its own, never a wrap
    prev_end = s - 1
    if prev_end > 0 and text[prev_end - 1] == "\r":
        prev_end -= 1
    ps, pe = layout.sentence_bounds(prev_end - 1)
    tail = text[ps:pe].rstrip()
    if not tail or tail[-1] in ".!?:;|" or pe < prev_end - 2 or "|" in tail or "\t" in tail:
        return s
    return ps


@lru_cache(maxsize=1)
def _after_drug() -> re.Pattern:
    return gated(phrase_regex(letter_rules()["indication"]["after_drug"]))


@lru_cache(maxsize=1)
def _label_line() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["label_line"])


@lru_cache(maxsize=1)
def _label_directions() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["label_directions"])


@lru_cache(maxsize=1)
def _field_directions() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["field_directions"])


@lru_cache(maxsize=1)
def _next_label() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["next_label"])


@lru_cache(maxsize=1)
def _continuation() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["continuation"])


@lru_cache(maxsize=1)
def _labelled_indication() -> re.Pattern:
    return gated(phrase_regex(letter_rules()["indication"]["labelled"]))


def _indication_labelled(layout: LetterLayout) -> bool:
    """A labelled reason for the analgesia or opioids anywhere in the letter ("Analgesia indication: hip pain",
    "Reason for opioid: post-operative pain"); an empty one ("Indication for opioid: n/a") is none."""
    rx = _labelled_indication()
    if not could_match(rx, layout.text):
        return False
    return any(layout.section_kind(m.start()) not in NOT_CURRENT_SECTIONS for m in rx.finditer(layout.text))


@lru_cache(maxsize=1)
def _generic_reason() -> tuple[re.Pattern, tuple[str, ...]]:
    r = letter_rules()["indication"]
    return gated(phrase_regex(r["generic_reason"])), tuple(r["generic_words"])


def _indication_by_class_word(layout: LetterLayout) -> bool:
    """A present-tense sentence giving the reason for the patient's opioids or analgesia by a class word ("she takes
    her analgesia for arthritic pain", "the painkillers are for her rib pain"), outside allergy, family, history and
    admission sections. Read only around the class words (found with str.find on the folded letter)."""
    rx, words = _generic_reason()
    text = layout.text
    folded = fold_case(text)
    if folded is None:
        folded = text.lower()  # offsets may move: only used to find where to look
    for w in words:
        i = folded.find(w)
        while i >= 0:
            m = rx.search(text, max(0, i - 60), min(len(text), i + 160))
            if m and layout.section_kind(m.start()) not in NOT_CURRENT_SECTIONS:
                return True
            i = folded.find(w, i + len(w))
    return False


@lru_cache(maxsize=1)
def _substitution() -> re.Pattern:
    return gated(phrase_regex(letter_rules()["indication"]["substitution"]))


def _substitution_documented(layout: LetterLayout, ex: LetterExtraction) -> bool:
    """Methadone, or buprenorphine other than a patch, in a letter that says the patient is on opioid substitution
    treatment ("receives opioid substitution treatment", "OST", "opioid dependence"): the reason is
    stated, though not on the prescription's line."""
    if not any(rx.generic == "methadone" or (rx.generic == "buprenorphine" and rx.formulation != "patch")
               for rx in ex.opioids):
        return False
    sub = _substitution()
    if not could_match(sub, layout.text):
        return False
    neg = _substitution_negated()
    return any(layout.section_kind(m.start()) not in ("allergy", "family") and
               not neg.search(layout.text, max(layout.line_bounds(m.start())[0], m.start() - 40), m.start())
               for m in sub.finditer(layout.text))


@lru_cache(maxsize=1)
def _substitution_negated() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["substitution_negated_before"])


@lru_cache(maxsize=1)
def _reason_by_reference() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["reason_by_reference"])


_RE_FOR_IT = re.compile(r"[^.;:\n]{0,60}?\bfor\s+(?:it|this|that|them)\b(?!\s+to\b)", re.IGNORECASE)
_RE_PAIN_WORD = re.compile(r"\b(?:pain|painful|aches?|breathless\w*|dyspn\w*)\b", re.IGNORECASE)


@lru_cache(maxsize=1)
def _reason_before() -> re.Pattern:
    return phrase_regex(letter_rules()["indication"]["reason_before"])


def _hospital_only(layout: LetterLayout, m) -> bool:
    """A class mention named within an in-hospital administration (syringe driver, CSCI, infusion, PCA, IV): read
    45 characters either side of the name, on its line (a mixture's other drug may sit between: 'CSCI (oxycodone
    50mg + midazolam 10mg)')."""
    ls, le = layout.line_bounds(m.span[0])
    return bool(context_patterns().cues["inpatient_only"].search(layout.text, max(ls, m.span[0] - 45),
                                                                   min(le, m.span[1] + 45)))


def co_prescriptions(layout: LetterLayout, mentions) -> tuple[list[CoPrescription], list]:
    """Active drugs of the audited classes (one per drug, the discharge-list mention first), with the stated
    reason for a benzodiazepine, Z-drug or gabapentinoid; and every class mention (any status)."""
    text = layout.text
    matches = [(m.start, m.end, m.surface) for m in mentions]
    # a misspelt pregabalin or diazepam before its dose ("Pregablin 75mg bd") is read under the generic's name
    matches += fuzzy_class_matches(text, [(m[0], m[1]) for m in matches])
    found = find_class_mentions(text, layout=layout, matches=matches)
    by_drug: dict[str, object] = {}
    # a drug stopped or refused elsewhere in the letter is on discharge only if the discharge list names it
    # ... but a stop of a hospital-only administration ("CSCI (oxycodone + midazolam) discontinued") ends only that
    # infusion, not the same drug written up for home ("Midazolam ampoules ... SC when required" in a just-in-case box)
    ended = {m.drug for m in found if m.status == "negated" or (m.status == "stopped" and not _hospital_only(layout, m))}
    for m in found:
        if not m.active or not set(m.classes) & set(CO_PRESCRIPTION_CLASSES):
            continue
        if m.drug in ended and layout.section_kind(m.span[0]) != "discharge":
            continue
        prev = by_drug.get(m.drug)
        if prev is None or (layout.section_kind(prev.span[0]) != "discharge" and layout.section_kind(m.span[0]) == "discharge"):
            by_drug[m.drug] = m
    out = []
    for m in sorted(by_drug.values(), key=lambda x: x.span):
        _ls, le = layout.line_bounds(m.span[0])
        end = min(le, max(m.statement[1] if m.statement else m.span[1], m.span[1]))
        snippet = text[m.span[0]:end].rstrip(" \t|,;")
        co = CoPrescription(m.drug, m.drug_class, snippet, (m.span[0], m.span[0] + len(snippet)), list(m.classes))
        if set(m.classes) & set(JUSTIFIED_CLASSES):
            j = justification(text, found, m.drug)
            if j:
                co.justification, co.justification_span = j
        out.append(co)
    return out, found


# --------------------------------------------------------------------------------------------------------------
# documented facts: patient informed, specialist review, transfer, naloxone
# --------------------------------------------------------------------------------------------------------------
NOT_CURRENT_SECTIONS = {"allergy", "family", "history", "admission"}


@lru_cache(maxsize=None)
def _phrase_keywords(key: str) -> WordListPattern:
    return WordListPattern.of_words(letter_rules()[key]["keywords"])


@lru_cache(maxsize=None)  # compiled once per phrase class, not once per letter
def _phrase_rules(key: str):
    """(present, absent, ignore, anchor) regexes. 'ignore' phrases make a present phrase about something else (a
    physio leaflet, a past event); when 'anchor' is given, a statement must also name its topic (medicines, driving,
    dependence...) unless it is a short item of a list ("Counselled", "Leaflet given")."""
    r = letter_rules()[key]
    return gated(phrase_regex(r["present"])), gated(phrase_regex(r["absent"])), gated(phrase_regex(r.get("ignore"))), \
        gated(phrase_regex(r.get("anchor")))


def _statement_at(layout: LetterLayout, pos: int) -> tuple[int, int]:
    """The sentence around pos, cut to its table cell, without bullets and surrounding blanks."""
    text = layout.text
    s, e = layout.sentence_bounds(pos)
    ls, le = layout.line_bounds(pos)
    sep = "|" if text.find("|", ls, le) >= 0 else "\t" if text.find("\t", ls, le) >= 0 else None
    if sep:
        a, b = text.rfind(sep, ls, pos), text.find(sep, pos, le)
        s, e = max(s, a + 1 if a >= 0 else ls), min(e, b if b >= 0 else le)
    bm = RE_BULLET.match(text, s, e) if s < e else None
    if bm:
        s = bm.end()
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1] in " \t\r\n":
        e -= 1
    return s, e


def phrase_finding(layout: LetterLayout, key: str, drug_positions=()) -> Finding:
    """A documented fact from a phrase class in letter_rules.json[key]: the first statement with a 'present'
    phrase and no 'absent' phrase; else the first 'absent' statement (negated or only requested) as negated_text."""
    present, absent, ignore, anchor = _phrase_rules(key)
    text = layout.text
    negated = None
    seen = set()
    last_end = -1
    for k in _phrase_keywords(key).finditer(text):  # candidate statements, then the full phrase classes
        if k.start() < last_end:
            continue  # still inside the statement just read
        s, e = _statement_at(layout, k.start())
        last_end = e
        if (s, e) in seen or layout.section_kind(k.start()) in NOT_CURRENT_SECTIONS:
            continue
        seen.add((s, e))
        m = present.search(text, s, e)
        if m is None:
            if negated is None and absent.search(text, s, e):
                negated = (s, e)
            continue
        if ignore is not None and ignore.search(text, s, e):
            continue
        if anchor is not None and e - s > 40 and not anchor.search(text, s, e) and \
                not any(s <= p < e for p in drug_positions):
            continue
        if absent.search(text, s, e):
            negated = negated or (s, e)
            continue
        return Finding(True, text[s:e], (s, e))
    if negated:
        return Finding(False, None, None, text[negated[0]:negated[1]], negated)
    return Finding()


def naloxone_finding(layout: LetterLayout, class_mentions) -> Finding:
    """Take-home naloxone supplied: an active naloxone mention (not oxycodone/naloxone, not a reversal in hospital)."""
    nal = [m for m in class_mentions if m.drug_class == "naloxone"]
    for m in nal:
        if m.active:
            s, e = _statement_at(layout, m.span[0])
            return Finding(True, layout.text[s:e], (s, e))
    for m in nal:
        if m.status in ("negated", "stopped"):
            s, e = _statement_at(layout, m.span[0])
            return Finding(False, None, None, layout.text[s:e], (s, e))
    return Finding()


OME_INCOMPLETE_REASONS = {"daily_dose_unknown", "patch_strength_unknown", "no_ome_factor", "prn_without_frequency"}


def ome_incomplete_items(ex: LetterExtraction) -> list[dict]:
    """Prescriptions whose OME/day could not be computed (methadone and substitution doses are left out of the
    total by rule, not incomplete)."""
    out = []
    for i, rx in enumerate(ex.opioids):
        if rx.ome_flag in OME_INCOMPLETE_REASONS or (rx.ome_mg_per_day is None and not (rx.ome_flag or "").endswith("not_converted")):
            out.append({"index": i, "name": rx.brand or rx.generic, "reason": rx.ome_flag or "ome_unknown"})
    return out


@lru_cache(maxsize=1)
def _indication_rules() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    r = letter_rules()["indication"]
    return gated(phrase_regex(r["symptom"])), gated(phrase_regex(r["column"])), phrase_regex(r["empty_cell"])


_RE_FIELD_VALUE = re.compile(r"[ \t]*(?:for\s+)?(?:admission|attendance|referral|visit)?[ \t]*[:=][ \t]*\S")


def _indication_column_cell(layout: LetterLayout, pos: int) -> str | None:
    """The cell under an Indication/Reason heading on the table row at pos (pipe, tab or fixed-width columns)."""
    _sym, column, _empty = _indication_rules()
    text = layout.text
    li = layout.line_index(pos)
    for back in range(1, 40):
        hi = li - back
        if hi < 0:
            return None
        hs = layout.line_starts[hi]
        he = layout.line_starts[hi + 1] - 1
        head = text[hs:he]
        if not head.strip():
            if back > 1 and not any(ch in head for ch in "|\t"):
                return None
            continue
        m = column.search(head)
        if not m:
            continue
        if "|" not in head and "\t" not in head and _RE_FIELD_VALUE.match(head, m.end()):
            continue  # a label with its value on the line ("Reason: fall, ?UTI"): a field of the letter, no column
        rs, re_ = layout.line_bounds(pos)
        row = text[rs:re_]
        for sep in ("|", "\t"):
            if sep in head and sep in row:
                heads, cells = head.split(sep), row.split(sep)
                idx = next((i for i, h in enumerate(heads) if column.search(h)), None)
                if idx is not None and len(heads) == len(cells):
                    return cells[idx].strip()
                return None
        col = m.start()  # fixed-width: the row's text from the heading's column to the next run of spaces
        if col < len(row) and (col == 0 or row[col - 1] == " "):
            return re.split(r"\s{2,}", row[col:].strip())[0] if row[col:].strip() else ""
        return None
    return None


def _wrapped_item_end(layout: LetterLayout, le: int) -> int:
    """The end of a list item wrapped onto indented lines below it ("- X patch, apply every 72 hours\n  (long-term,
    back pain)"): up to two following lines that start with a blank and are no new item."""
    text = layout.text
    for _ in range(2):
        if le >= len(text):
            break
        ns, ne = layout.line_bounds(le + 1)
        line = text[ns:ne]
        if not line.strip() or line[:1] not in " \t" or RE_BULLET.match(line) or "|" in line or "\t" in line.strip():
            break
        le = ne
    return le


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _indented_continuation_reason(layout: LetterLayout, pos: int, drug_pos, symptom: re.Pattern) -> bool:
    """A symptom on one of up to three lines right under the item at pos, each indented deeper than the item's line,
    naming no drug and reached before a blank line: the item's own wrapped fields."""
    text = layout.text
    ls, le = layout.line_bounds(pos)
    base = _indent(text[ls:le])
    for _ in range(3):
        if le + 1 >= len(text):
            return False
        ns, ne = layout.line_bounds(le + 1)
        line = text[ns:ne]
        if not line.strip() or _indent(line) <= base or "|" in line:
            return False
        # a note under the row may name another drug after its reason ('   ^ for wound pain - not with the X'): read
        # it up to the first drug it names, and go no further down
        named = [p for p in drug_pos if ns <= p < ne]
        if named and text[ns:min(named)].strip() in ("", "-", "*", "+"):
            return False  # a line opening with a drug is an item of its own
        if symptom.search(text, ns, min(named) if named else ne):
            return True
        if named:
            return False
        le = ne
    return False


_RE_FIXED_GAP = re.compile(r"[^\s.,:;] {2,}(?=\S)")
_RE_RULE_LINE = re.compile(r"^[ \t]*[-=_*~.]{3,}[ \t]*$")


def _fixed_width_row(text: str, ls: int, end: int) -> bool:
    """A fixed-width table row: three or more runs of two or more spaces between cells (not after a stop or a comma,
    as between sentences) from `ls` to `end`."""
    n = 0
    for _ in _RE_FIXED_GAP.finditer(text, ls, end):
        n += 1
        if n >= 3:
            return True
    return False


def _wrapped_row_reason(layout: LetterLayout, le: int, drug_pos, symptom: re.Pattern) -> bool:
    """A fixed-width row whose cells wrap onto the lines under it ('X 30mg    ONE ... FOUR times a    28' /
    'tablets       day (when required) for renal' / '              colic pain'): up to three lines that name no
    drug, are no rule line, and either start with a blank or are cells themselves (a run of three spaces)."""
    text = layout.text
    for _ in range(3):
        if le + 1 >= len(text):
            return False
        ns, ne = layout.line_bounds(le + 1)
        line = text[ns:ne]
        if not line.strip() or _RE_RULE_LINE.match(line) or "|" in line or any(ns <= p < ne for p in drug_pos):
            return False
        if line[:1] not in " \t" and "   " not in line.strip():
            return False
        if symptom.search(text, ns, ne):
            return True
        le = ne
    return False


def indication_on_statement(layout: LetterLayout, rx, drug_pos=()) -> bool:
    """A reason on the prescription itself: a symptom after the drug name ("prn pain", "for bone pain",
    "breakthrough pain") or an Indication/Reason column cell on its row. A bulleted or numbered list item that names
    no other drug (`drug_pos`: where drugs are named) is the prescription's whole, over several sentences
    ("2) MR tablets ... 28 supplied. Unchanged - for back pain")."""
    symptom, _column, empty = _indication_rules()
    text = layout.text
    s, e = rx.span
    ls, le = layout.line_bounds(s)
    fixed = False
    if "|" not in text[ls:le] and "\t" not in text[ls:le]:
        # (a no-break space after a pasted bullet, "\u2022\u00a0Matrifen ...", is a space in the reading text:
        # nlp.spoken.plain_characters)
        if le - ls <= 300 and RE_BULLET.match(text[ls:le]) \
                and not any(ls <= p < le and not s <= p < e for p in drug_pos):
            le = _wrapped_item_end(layout, le)
        elif le - ls <= 250 and _fixed_width_row(text, s, min(le, layout.sentence_bounds(max(s, e - 1))[1])):
            # a fixed-width row: its cells are not sentences ('x 20  OK. For breakthrough pain.')
            le = min([le] + [p for p in drug_pos if e <= p < le])
            fixed = True
        else:
            le = min(le, layout.sentence_bounds(max(s, e - 1))[1])  # prose: the prescription's own sentence
            le = min([le] + [p for p in drug_pos if e <= p < le])  # ... up to the next drug it names
    if symptom.search(text, s, max(e, le)):
        return True
    if fixed and _wrapped_row_reason(layout, layout.line_bounds(s)[1], drug_pos, symptom):
        return True
    # lines indented deeper than the item's own line, right under it, carry on the item ('▲ CODEINE · tablet · 30 mg'
    # / '    30-60 mg every 6 h if needed · for: hand pain', '[01] X / MR tablet / ...' / '     + for back pain')
    if _indented_continuation_reason(layout, s, drug_pos, symptom):
        return True
    # a dispensing label printed on the line under the item ('Label: "Take ONE ... WHEN REQUIRED for pain"')
    _ls2, le2 = layout.line_bounds(s)
    if le2 + 1 < len(text):
        ns, ne = layout.line_bounds(le2 + 1)
        if _label_line().match(text, ns, ne) and symptom.search(text, ns, ne):
            return True
        if _label_directions().match(text, ns, ne) and not any(ns <= p < ne for p in drug_pos) and \
                symptom.search(text, ns, ne):
            return True  # the label's directions under the item's name line ('Take 5ml ... when required for pain')
    # a directions field of a one-field-per-line item block ("Medication item  X" / "Dosage instruction  ONE ... for
    # wrist pain"): the lines under the item up to a blank line or the next drug
    k = le2
    for _ in range(10):  # (an EPMA block may hold dose, route, frequency, duration, quantity and status first)
        if k + 1 >= len(text):
            break
        ns, ne = layout.line_bounds(k + 1)
        if not text[ns:ne].strip() or any(ns <= p < ne for p in drug_pos):
            break
        if _field_directions().match(text, ns, ne) and symptom.search(text, ns, ne):
            return True
        k = ne
    cell = _indication_column_cell(layout, s)
    return cell is not None and not empty.match(cell)


@lru_cache(maxsize=1)
def _scenario_rules() -> tuple[re.Pattern, re.Pattern]:
    r = letter_rules()["scenario"]
    return gated(phrase_regex(r["palliative"])), gated(phrase_regex(r["long_term_use"]))


def _scenario_palliative(text: str) -> bool:
    rx, _lt = _scenario_rules()
    return could_match(rx, text) and rx.search(text) is not None


@lru_cache(maxsize=1)
def _advanced_cancer_rule() -> re.Pattern:
    return gated(phrase_regex(letter_rules()["scenario"]["advanced_cancer"]))


def _advanced_cancer(text: str) -> bool:
    """A stage IV cancer ('Stage IV non-small cell lung cancer', 'carcinoma of the breast, stage 4', 'lymphangitis
    carcinomatosa'): spread disease, like the malignant-disease words of context_rules.json."""
    rx = _advanced_cancer_rule()
    return could_match(rx, text) and rx.search(text) is not None


def _long_term_opioid_stopped(layout: LetterLayout, ex: LetterExtraction) -> bool:
    """An opioid stopped this admission that the letter says was taken long-term ('(long-term; ...)', 'for the last
    two years') in its sentence: the discharge opioid carries on pre-existing use."""
    _pal, rx = _scenario_rules()
    text = layout.text
    for d in ex.distractors:
        if d.reason != "stopped":
            continue
        if layout.section_kind(d.span[0]) in ("allergy", "family"):
            continue
        s, e = layout.sentence_bounds(d.span[0])
        if rx.search(text, min(s, d.span[0]), max(e, d.span[1])):
            return True
    return False


@lru_cache(maxsize=1)
def _used_for_years() -> re.Pattern:
    return gated(phrase_regex(letter_rules()["scenario"]["used_for_years"]))


def _discharge_opioid_used_for_years(layout: LetterLayout, ex: LetterExtraction, mentions) -> bool:
    """A sentence naming a discharge opioid (not one read as new) that says the patient has been using it for months
    or years ("He has been using a X 10 microgram/hour patch for back pain for two years. His X was increased ..."):
    the use is pre-existing."""
    rx = _used_for_years()
    text = layout.text
    if not could_match(rx, text):
        return False
    generics = {o.generic for o in ex.opioids if o.new_on_admission is not True}
    for m in mentions:
        if m.category != "opioid" or m.generic not in generics or \
                layout.section_kind(m.start) in ("allergy", "family"):
            continue
        s, e = layout.sentence_bounds(m.start)
        # the opioid named inside the phrase, between the use verb and the length of use, or just before its
        # 'which she has taken ...': its own use
        if any(u.start() < m.start < u.end() or 0 <= u.start() - m.end <= 12 and text[m.end:u.start()].strip(" ,") == ""
               for u in rx.finditer(text, s, e)):
            return True
    return False


@lru_cache(maxsize=1)
def _rotation_rules() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    r = letter_rules()["scenario"]
    return phrase_regex(r["rotated_from_before"]), phrase_regex(r["rotated_from_after"]), phrase_regex(r["not_prescribed"])


@lru_cache(maxsize=1)
def _rotated_to_rule() -> re.Pattern:
    return phrase_regex(letter_rules()["scenario"]["rotated_to_after"])


def _own_regular_form(layout: LetterLayout, m) -> bool:
    """The mention's own product is a regular-release one: an MR or patch name (BuTrans, Zomorph) or such a form
    written right after it."""
    return getattr(m.term, "formulation", None) in ("MR", "patch") or _RE_MR_AFTER.match(layout.text, m.end) is not None


def _switched_to_discharge_opioid(layout: LetterLayout, m, mentions, ex: LetterExtraction) -> bool:
    """After mention m, in its sentence, a switch ('... this was switched to') whose object is a discharge opioid."""
    text = layout.text
    s, e = layout.sentence_bounds(m.start)
    generics = {rx.generic for rx in ex.opioids}
    rx = _rotated_to_rule()
    for o in mentions:
        if o.category != "opioid" or o.generic not in generics or not (m.end < o.start < e) or o.start - m.end > 160:
            continue
        if rx.search(text[m.end:o.start]):
            return True
    return False


def _rotated_from_preadmission(layout: LetterLayout, ex: LetterExtraction, mentions) -> bool:
    """A discharge opioid said to replace another opioid the patient was taking ("switched him from the tramadol to
    tapentadol", "Fentanyl patch - started (switched from MST)", "| replaces Zomorph |"): a rotation of pre-existing
    use. The opioid replaced must be no discharge one (a change of form of the same drug says nothing), not given in
    hospital only ("switched from IV morphine") and not bought or non-prescribed ("co-codamol (OTC) replaced by")."""
    if not ex.opioids:
        return False
    text = layout.text
    before_rx, after_rx, not_rx = _rotation_rules()
    if not could_match(before_rx, text) and not could_match(after_rx, text) and \
            not could_match(_rotated_to_rule(), text):
        return False
    generics = {rx.generic for rx in ex.opioids}
    regular = {rx.generic: rx.formulation for rx in ex.opioids if rx.formulation in ("MR", "patch")}
    rx_spans = [rx.span for rx in ex.opioids if rx.span]
    c = context_patterns()
    for m in mentions:
        if m.category != "opioid" or layout.section_kind(m.start) in ("allergy", "family"):
            continue
        if m.generic in generics:
            # the same drug: only a switch between two regular-release products of it (BuTrans patch to another
            # buprenorphine patch, Zomorph to MST) tells of pre-existing use; a change of form tells nothing
            if m.generic not in regular or any(a <= m.start < b for a, b in rx_spans) or \
                    not _own_regular_form(layout, m) or \
                    (getattr(m.term, "formulation", None) not in (None, regular[m.generic])):
                continue
        ls, le = layout.line_bounds(m.start)
        if not (before_rx.search(text, max(ls, m.start - 60), m.start) or after_rx.match(text, m.end, le)
                or (m.generic in generics and _switched_to_discharge_opioid(layout, m, mentions, ex))):
            # ('switched to' only between two regular-release products of one drug: a different drug switched to
            # from a pre-admission MR opioid after surgery is read as new acute use)
            continue
        s, e = layout.sentence_bounds(m.start)
        near = text[max(ls, m.start - 45):min(le, m.end + 45)]
        if c.cues["inpatient_only"].search(near) or not_rx.search(text, max(ls, min(s, m.start - 60)), max(e, m.end)):
            continue
        if _regular_release_form(layout, m, mentions):
            return True
    return False


_RE_MR_AFTER = re.compile(r"[ \t]*(?:\d+(?:\.\d+)?\s*(?:mg|micrograms?|mcg)\s*)?(?:MR|SR|XL|CR|m/r|modified[- ]release|"
                          r"prolonged[- ]release|slow[- ]release|sustained[- ]release|[\w ]{0,20}patch)\b", re.IGNORECASE)


def _regular_release_form(layout: LetterLayout, m, mentions) -> bool:
    """Whether the opioid of mention m was a modified-release product or a patch (the regular treatment of ongoing
    pain): the name's own form (MST, Zomorph, BuTrans) or a form written after the same drug elsewhere in the letter
    ("he had been taking tramadol MR 200 mg ...")."""
    if getattr(m.term, "formulation", None) in ("MR", "patch"):
        return True
    for o in mentions:
        if o.category == "opioid" and o.generic == m.generic and \
                layout.section_kind(o.start) not in ("allergy", "family") and _RE_MR_AFTER.match(layout.text, o.end):
            return True
    return False


def letter_findings(layout: LetterLayout, ex: LetterExtraction, mentions, ome_factors: dict | None = None) -> None:
    text = layout.text
    c = context_patterns()
    ex.co_prescriptions, class_mentions = co_prescriptions(layout, mentions)
    ex.naloxone_supplied = naloxone_finding(layout, class_mentions)
    opioid_names = [m.start for m in mentions if m.category == "opioid"]
    ex.patient_informed = phrase_finding(layout, "patient_informed", opioid_names)
    ex.specialist_review = phrase_finding(layout, "specialist_review")
    ex.transfer = phrase_finding(layout, "transfer")
    for rx in ex.opioids:
        rx.ome_mg_per_day, rx.ome_factor, rx.ome_flag = prescription_ome(rx, ome_factors)
    ex.ome_total_mg_per_day = total_ome(ex.opioids)
    ex.ome_regular_mg_per_day = total_ome(ex.opioids, regular_only=True)
    ex.ome_incomplete_items = ome_incomplete_items(ex)
    ex.ome_flags = sorted({rx.ome_flag for rx in ex.opioids if rx.ome_flag and "not_converted" in rx.ome_flag} |
                          ({"ome_incomplete"} if ex.ome_incomplete_items else set()))
    drug_pos = [m.start for m in mentions]
    ex.indication_documented = any(rx.indication for rx in ex.opioids) or \
        any(indication_on_statement(layout, rx, drug_pos) for rx in ex.opioids) or \
        _indication_elsewhere(layout, ex, mentions) is not None or _substitution_documented(layout, ex) or \
        (bool(ex.opioids) and (_indication_labelled(layout) or _indication_by_class_word(layout))) or \
        _pain_controlled_by_the_patch(layout, ex)  # none without opioid
    ex.patient_age = patient_age(text)
    weaning_and_gp(layout, mentions, ex)

    if not ex.opioids:
        ex.scenario = "no_opioid"
    elif c.palliative.search(text) or _scenario_palliative(text):
        ex.scenario = "palliative"
    elif any(rx.new_on_admission is False for rx in ex.opioids) or c.chronic.search(text) or \
            _long_term_opioid_stopped(layout, ex) or _rotated_from_preadmission(layout, ex, mentions) or \
            _discharge_opioid_used_for_years(layout, ex, mentions):
        # any opioid the patient already took before admission makes the opioid use pre-existing, whatever
        # was added to it ("MST continued; Oramorph added"), so an MR/patch among them is not for acute pain
        ex.scenario = "chronic_preexisting"
    elif c.malignant_disease.search(text) or _advanced_cancer(text):
        ex.scenario = "palliative"  # cancer pain (myeloma, metastases, a stage IV cancer), not acute pain
    else:
        ex.scenario = "acute_new"

    flags = set()
    if ex.opioids:
        classes = {co.drug_class for co in ex.co_prescriptions}
        if "benzodiazepine" in classes:
            flags.add("benzodiazepine_coprescribed")
        if "gabapentinoid" in classes:
            flags.add("gabapentinoid_coprescribed")
        if "z_drug" in classes:
            flags.add("z_drug_coprescribed")
        total = ex.ome_total_mg_per_day or 0.0
        if total >= HIGH_DOSE_THRESHOLDS[0] - 1e-9:
            flags.add("high_dose_90_ome")
        if total >= HIGH_DOSE_THRESHOLDS[1] - 1e-9:
            flags.add("high_dose_120_ome")
        if ex.scenario == "acute_new" and any(rx.formulation in ("MR", "patch") and rx.new_on_admission is not False
                                               for rx in ex.opioids):
            flags.add("mr_opioid_for_acute_pain")
        for rx in ex.opioids:
            d = days_of_supply(rx)
            if d is not None and d > 7 + 1e-9:
                flags.add("supply_over_7_days")
        if ex.patient_age is not None and ex.patient_age > 65:
            flags.add("age_over_65")
        if any(rx.generic == "methadone" or (rx.ome_flag or "").startswith("opioid_dependence") for rx in ex.opioids):
            flags.add("methadone_or_ost")
        if len(ex.opioids) > 1:
            flags.add("multiple_opioids")
    ex.risk_flags = [f for f in GOLD_FLAG_ORDER + EXTRA_FLAG_ORDER if f in flags]
