"""Pasted text -> the letters it holds.

A pharmacist pastes several discharge letters into one box, one after another, however the source
laid them out: blank lines or none between them, form feeds, rows of dashes, Windows line endings,
non-breaking spaces. A letter is a header (trust, hospital, title, address, date, 'Dear Dr X'), a
patient block (name, date of birth, NHS number), a body and a sign-off (valediction, signature,
grade, bleep, cc lines); any part but the body may be missing.

How the text is split (no Streamlit, no database; `split_letters` is the one entry point):

1. Hard breaks: form feeds and a line of only ``===`` (the separator the Import page used to ask
   for) always end a letter.
2. Each line is classified (blank, rule, title, salutation, organisation header, address, patient
   identity, sign-off, signature, body, ...), on text with every Unicode space read as a space.
3. Letter starts: a patient block whose patient differs from the current letter's (NHS number or
   date of birth, read by `audit_app.privacy`) after some body; a title ('Discharge summary',
   'Immediate discharge letter'), salutation or memo header after some body; a row of dashes,
   underscores, asterisks that follows body and is followed by a new header; the first line that is
   not sign-off after a valediction, when body follows it.
4. Where exactly one letter ends and the next begins is chosen between the last body of the one
   and the start of the next: sign-off lines (valediction, signature, grade, bleep, 'cc') go with
   the letter before, header lines (title, trust, hospital, address, date, 'Dear') with the letter
   after; the cut with the fewest lines on the wrong side wins (on a tie: just after a sign-off,
   then at a blank line or a rule, then the earliest).

Everything is linear in the length of the text. Nothing here logs or prints letter text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from audit_app import privacy

SEPARATOR = "==="  # a line of only this always separates letters

# every Unicode space a paste can carry (U+00A0 from web pages and Word, U+202F, U+2007, ideographic)
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t]+")
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v\x1c-\x1e\x85\u2028\u2029]")
_FORM_FEED = "\f"

# -- line classes ---------------------------------------------------------------------------------
_RULE = re.compile(r"^(?:[-=_*~#.•·─━═▬]\s*){3,}$")
_TABLE_BORDER = re.compile(r"^[+|]?(?:[-=_~─━═]+[+|])+[-=_~─━═]*$|^[+|].*[-=─]{3,}.*[+|]$")
# a letter's own title: discharge + a document word, or the abbreviations wards use; it opens its line
# or a cell of it ('IMMEDIATE DISCHARGE SUMMARY | Hillcrest Infirmary', 'Renal Unit - Discharge letter')
_TITLE = re.compile(
    r"^(?:[\w&'’./-]+\s+){0,4}?"
    r"(?:(?:discharge|d/c)\s+(?:summary|letter|notification|advice(?:\s+note)?|notes?|report|communication|information"
    r"|(?:medication|medicines?)\s+(?:summary|list|letter|record|form)|checklist|form|record)"
    r"|e-?discharge\b|electronic\s+discharge\b|transfer\s+of\s+care\s+(?:letter|summary|form))", re.I)
# a part of the heading that ends in the word: 'Ward 9 - DISCHARGE', 'Surgical d/c (day case)' (not a label
# 'Nurse discharge: ...')
_TITLE_END = re.compile(r"^(?:[\w&'’./-]+\s+){0,4}?(?:discharge|d/c)\s*"
                        r"(?:\([^)]{0,40}\)|\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4})?$", re.I)
_HEADING_SPLIT = re.compile(r"\s*(?:\|+|\s[-–—/]\s)\s*")
# 'TTO' alone heads a letter's medicines section as often as a letter: only with 'discharge' is it a title
_TITLE_ABBREV = re.compile(r"^(?:immediate\s+|electronic\s+|e-)?(?:IDL|EDL|EDN)\b(?!\s*:)(?!\s+\w+\s+\w+)|"
                           r"^(?:[\w&'’.]+\s+){0,3}?discharge\s*\((?:TT[OA]|IDL)\)|"
                           r"^TT[OA]\s*(?:/|and|&)\s*discharge", re.I)
# 'Discharge medicines' heads a letter only beside its trust or hospital, else it is a section
_TITLE_WEAK = re.compile(r"^(?:[\w&'’.]+\s+){0,4}?discharge\s+(?:medicines|medications?|meds|prescription|details)\b",
                         re.I)
# 'Medications on discharge', 'Plan after discharge': a section, not a letter
_DISCHARGE_AS_TIME = re.compile(r"\b(?:on|at|after|before|for|since|until|from|of|to|by|upon|post|pre|planned|"
                                r"awaiting|delayed|safe)\s+(?:discharge|d/c)\b", re.I)
_CELL_SPLIT = re.compile(r"\s*(?:\||\s[-–—/]\s|:\s)\s*|\s{3,}")
# words after which a 'discharge letter' is something a sentence talks about, not a title
_TITLE_IN_SENTENCE = re.compile(
    r"\b(?:was|were|is|are|will|would|has|have|been|be|being|to\s+follow|follows?|sent|attached|enclosed|"
    r"copied|completed|written|given|done|please|not|awaited|pending|screened|checked|signed)\b", re.I)
_SALUTATION = re.compile(r"^(?:dear|hi|hello|to\s+whom\s+it\s+may\s+concern)\b", re.I)
_MEMO = re.compile(r"^(?:to|from|fao|for\s+the\s+attention\s+of|attn|subject|our\s+ref|your\s+ref|ref)\s*[:.\-]",
                   re.I)
_CONFIDENTIAL = re.compile(r"^(?:private\s*(?:and|&)\s*confidential|strictly\s+confidential|confidential)\b", re.I)
_ORG = re.compile(
    r"\b(?:NHS|trust|hospitals?|infirmary|health\s*(?:board|care|centre|center)|healthcare|foundation|"
    r"university|medical\s+cent(?:re|er)|clinic|unit|ward|department|dept|directorate|division|"
    r"services?|team|hospice|surgery|practice|GP\s+practice|bwrdd\s+iechyd|ysbyty)\b", re.I)
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b")
_STREET = re.compile(r"\b(?:road|rd|street|st|lane|avenue|ave|close|drive|way|crescent|gardens|place|square|"
                     r"terrace|grove|park|court|hill|row|walk|parade)\b\.?,?\s*$", re.I)
_CONTACT = re.compile(r"^(?:tel(?:ephone)?|phone|fax|e-?mail|web|www\.)\b|\S@\S+\.\w|\bwww\.", re.I)
_DATE_ONLY = re.compile(
    r"^(?:date\s*(?:of\s+letter|typed|dictated)?\s*[:.\-]?\s*)?(?:\w+day,?\s+)?"
    r"(?:\d{1,2}(?:st|nd|rd|th)?[\s/.\-]+(?:\d{1,2}|[a-z]{3,9})[\s/.\-,]+\d{2,4}"
    r"|[a-z]{3,9}\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{4}-\d{2}-\d{2})\s*$", re.I)
# labels a letter's header and patient block carry ('Ward: 7', 'Consultant: Mr X', 'Admitted: 03/09/2025');
# 'GP: review in 2 weeks' is an instruction, not a header
_DATE_IN = r"(?=[^\n]{0,20}?\d{1,2}(?:st|nd|rd|th)?[\s/.\-]+(?:\d{1,2}|[a-z]{3,9})[\s/.\-,]+\d{2,4})"
_PERSON_IN = r"(?=(?:mr|mrs|ms|miss|mx|dr|prof)\b)"
_HEADER_LABEL = re.compile(
    r"^(?:(?:ward|specialty|speciality|hospital|site|trust|department|location|team|sex|gender|age|address|"
    r"hospital\s+(?:no|number)|mrn|unit\s+(?:no|number)|chi|ethnicity|nok|next\s+of\s+kin|page\s+\d)"
    r"\s*(?:[:\-]|\.{2,}|\s(?=\S+\s*$))"
    r"|(?:consultant|responsible\s+consultant|named\s+consultant|gp|registered\s+gp|usual\s+gp|clinician|"
    r"referrer|to|from)\s*(?:[:\-]|\.{2,})?\s*" + _PERSON_IN +
    r"|(?:admitted|discharged|date\s+of\s+(?:admission|discharge|letter)|admission\s+date|discharge\s+date|date|"
    r"time|dictated|typed|transcribed|clinic\s+date|seen)\b\s*(?:on\s*)?(?:[:\-]|\.{2,})?\s*" + _DATE_IN + ")", re.I)
# when a dictated letter was dictated or typed: header matter wherever it sits on its line
_DICTATION = re.compile(r"\b(?:typed|dictated|transcribed|date\s+of\s+letter)\b\s*(?:on\s*)?[:.\-]?\s*" + _DATE_IN,
                        re.I)
# the end of a letter: valediction, author and grade, bleep, pharmacy screening, copies
_VALEDICTION = re.compile(
    r"^(?:yours\s+(?:sincerely|faithfully|truly|ever)|(?:with\s+)?(?:very\s+)?(?:kind(?:est)?|best|warm(?:est)?|"
    r"many)\s+(?:regards|wishes|thanks)|regards|many\s+thanks|thanks(?:\s+again)?|thank\s+you|best|cheers|"
    r"respectfully)\b\s*[,.!]?", re.I)
_SIGN_OFF = re.compile(
    r"\b(?:signed|e-?signed|completed\s+by|written\s+by|authored\s+by|author|dictated|typed|transcribed|"
    r"verified\s+by|authori[sz]ed\s+by|checked\s+by|screened|clinically\s+(?:checked|screened)|"
    r"on\s+behalf\s+of|p\.?p\.?|bleep|pager|ext(?:ension)?\.?\s*\d|GMC|NMC|GPhC|"
    r"(?-i:F[Yy][12]|CT[1-3]|ST[1-8]|StR|SpR|SHO|ANP|ACP|CNS)|registrar|house\s+officer|junior\s+doctor|"
    r"foundation\s+doctor|"
    r"consultant\s+(?:in|physician|surgeon|anaesthetist|geriatrician|psychiatrist|radiologist|oncologist|"
    r"haematologist|gastroenterologist|cardiologist|nephrologist|urologist|neurologist|orthopaedic|general|"
    r"vascular|colorectal|upper|lower|palliative|respiratory|acute|emergency|medical|surgical)|"
    r"pharmacist|pharmacy\s+technician|nurse\s+(?:practitioner|specialist|consultant)|"
    r"(?:advanced|clinical)\s+(?:nurse|clinical)\s+practitioner|physician\s+associate|"
    r"discharging\s+(?:doctor|clinician|nurse)|doctor|physician|surgeon|anaesthetist|fellow|"
    # 'for Dr A Khan', 'Letter by Dr B Oduya'
    r"^(?:for|pp|p\.p\.)\s+(?:dr|mr|mrs|ms|miss|prof)\b|\bby\s+(?:dr|mr|mrs|ms|miss|prof)\b)", re.I)
_CC = re.compile(r"^(?:cc|c\.c\.?|copy\s+to|copies\s+to|copied\s+to|distribution|enc(?:l|losures?)?)\b\s*[:.\-]?",
                 re.I)
_END_MARK = re.compile(r"^\W*(?:end\s+of\s+(?:letter|summary|report|document|discharge\s+\w+)|\[end\]|"
                       r"page\s+\d+\s+of\s+\d+)\W*$", re.I)
_NAME_LINE = re.compile(
    r"^(?:(?i:dr|mr|mrs|ms|miss|mx|prof|professor|sister|nurse|sr)\.?\s+)?"
    r"[A-Z][\w'’\-.]*(?:\s+[A-Z][\w'’\-.]*){0,3}(?:\s*\([^)]{1,30}\))?\s*,?$"
    # 'Dr A Khan, Resident Doctor, Acute Medicine'
    r"|^(?i:dr|mr|mrs|ms|miss|prof|professor)\.?\s+[A-Z][\w'’\-.]*(?:\s+[A-Z][\w'’\-.]*){0,3}\s*,[^\n]{1,60}$")
# identity written as a label at the start of a line: 'Patient: Mr A Smith', 'Name: SMITH, Bo', 'Re: ...'
_PATIENT_LABEL = re.compile(
    r"^\W{0,3}(?:patient(?:'s)?(?:\s+(?:name|details))?|name|pt|re|surname|full\s+name)"
    r"\s*(?:[:\-]+|\.{2,}|\.?\s(?=(?:mr|mrs|ms|miss|mx|master)\b))\s*"
    r"(?P<value>(?:(?:mr|mrs|ms|miss|mx|master|dr|prof)\b\.?\s*)?(?-i:[A-Z])[^\d\n]{1,60})", re.I)
# an instruction in note form ('GP to r/v U&E 2/52', 'Pt to stop codeine'): body, however it is capitalised
_INSTRUCTION = re.compile(r"^(?:GP|pt|patient|plan|please|ward|team)\b[\s:,-]*(?:to|please|should|will|may|can|"
                          r"review|check|stop|continue|reduce|restart|needs?)\b", re.I)
_COLUMN_GAP = re.compile(r"\S {2,}(?=\S)")
_LIST_ITEM = re.compile(r"^(?:[-–—•*·>▪◦‣+]|\(?\d{1,2}[.)]|\(?[a-z][.)]|\[[ xX✓]?\])\s")
_LABEL = re.compile(r"^[^\W\d][\w /&'()-]{0,40}?\s*(?::|\.{2,})\s*\S")
_WORD = re.compile(r"[^\W\d_][\w'’-]*")


def _plain(line: str) -> str:
    return _INVISIBLE.sub("", _SPACES.sub(" ", line)).strip()


@dataclass
class _Line:
    text: str        # as pasted (line break removed)
    plain: str       # every space a space, stripped
    kind: str = ""   # see _classify
    keys: frozenset = frozenset()  # who the patient is, when the line says: 'nhs:...', 'dob:...'
    identity: bool = False


# kinds and where they go when the cut between two letters is chosen: (cost if left with the
# letter before, cost if given to the letter after)
_COSTS = {
    "blank": (0, 0), "rule": (0, 0), "neutral": (0, 0),
    "body": (0, 3), "label": (0, 2), "table": (0, 3),
    "sign_off": (0, 4), "valediction": (0, 6), "cc": (0, 4), "signature": (0, 2), "end": (0, 6),
    "title": (50, 0), "salutation": (50, 0), "memo": (20, 0), "confidential": (20, 0),
    "identity": (20, 0), "org": (2, 0), "subtitle": (2, 0),
    "address": (1, 0), "date": (1, 0), "header_label": (1, 0),
}
_BODY = frozenset({"body", "label", "table"})
_START_CUES = frozenset({"title", "salutation", "memo", "confidential"})
_SIGN_OFF_KINDS = frozenset({"sign_off", "valediction", "cc", "signature", "end"})


def _is_title(p: str) -> bool:
    if (len(p) > 100 or p.endswith((".", ";", ",", ":")) or _LIST_ITEM.match(p) or _TITLE_IN_SENTENCE.search(p)
            or _DISCHARGE_AS_TIME.search(p)):
        return False
    cells = [c for c in _CELL_SPLIT.split(re.sub(r"^[=*#~\s]+|[=*#~\s]+$", "", p)) if c][:3]
    if any((_TITLE.match(c) and len(_WORD.findall(c)) <= 8) or _TITLE_ABBREV.match(c) for c in cells):
        return True
    if any(_TITLE_END.match(c) for c in _HEADING_SPLIT.split(p.strip("|=*#~ "))[:4]):
        return True
    return len(cells) >= 2 and bool(_TITLE_WEAK.match(cells[0])) and bool(_ORG.search(p))


def _classify_one(ln: _Line) -> str:
    p = ln.plain
    if not p:
        return "blank"
    if _RULE.match(p):
        return "rule"
    if _TABLE_BORDER.match(p):
        return "table"
    if _SALUTATION.match(p):
        return "salutation"
    m = _VALEDICTION.match(p)
    if m and len(_WORD.findall(p[m.end():])) <= 5 and not p[m.end():].rstrip().endswith("."):
        return "valediction"  # 'Yours sincerely,', 'Kind regards, Dr A Khan'; not 'Thank you for seeing ...'.
    if _CC.match(p):
        return "cc"
    if _END_MARK.match(p):
        return "end"
    if _is_title(p):
        return "title"
    if ln.identity:
        return "identity"
    if _MEMO.match(p):
        return "memo"
    if _CONFIDENTIAL.match(p) and len(p) < 60:
        return "confidential"
    words = _WORD.findall(p)
    if _HEADER_LABEL.match(p) and len(words) <= 10 and not p.endswith((".", ";")):
        return "header_label"
    if p.count("|") >= 3 or "\t" in ln.text.strip():
        return "org" if (_ORG.search(p) and len(words) <= 10 and p.count("|") <= 3) else "table"
    m = _SIGN_OFF.search(p)
    if m and (m.start() < 40 or len(words) <= 10) and not p.endswith((".", ";")):
        return "sign_off"
    if _DATE_ONLY.match(p) or (_DICTATION.search(p) and len(words) <= 14):
        return "date"
    if _LIST_ITEM.match(p):
        return "body"
    if p.count("|") >= 2 or p.count(";") >= 3 or len(re.findall(r",(?=\S)", p)) >= 3:
        # a header laid out in cells ('Hillcrest Infirmary | Ward 9') is not a table
        return "org" if (_ORG.search(p) and len(words) <= 10 and p.count("|") <= 3) else "table"
    if p.endswith((".", "!", "?", ";")) and len(words) >= 2:
        return "body"
    if _ORG.search(p) and len(words) <= 12 and _mostly_capitalised(words):
        return "org"
    if _POSTCODE.search(p) or (_STREET.search(p) and len(words) <= 6) or _CONTACT.search(p):
        return "address"
    if _LABEL.match(p) or (p.endswith(":") and len(words) <= 8):
        return "label"
    if len(words) >= 9 or len(p) > 90:
        return "body"
    if _INSTRUCTION.match(p):
        return "body"
    if len(_COLUMN_GAP.findall(ln.text.strip())) >= 2:
        return "table"  # columns aligned with spaces
    if _NAME_LINE.match(p):
        return "name"
    big = [w for w in words if w.lower() not in _SMALL_WORDS]
    if len(words) >= 3 and sum(w[0].islower() for w in big) * 2 >= len(big):
        return "body"  # a note ('GP to r/v wound 2/52') or a drug line, not a heading or a name
    return "neutral"


_SMALL_WORDS = frozenset({"of", "and", "the", "for", "in", "at", "on", "&", "to", "with", "y", "a"})


def _mostly_capitalised(words: list[str]) -> bool:
    """A name ('Department of Medicine for Older People', 'RIVERSIDE NHS TRUST'), not a sentence."""
    big = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(big) and sum(not w[0].islower() for w in big) >= 0.6 * len(big)


def _is_prose(p: str) -> bool:
    return len(_WORD.findall(p)) >= 14 and bool(re.search(r"[.;]\s", p + " "))


def _dob_key(value: str) -> str | None:
    months = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                          "nov", "dec"), 1)}
    parts = re.findall(r"\d+|[a-z]{3,}", value.lower())
    nums = [int(x) if x.isdigit() else months.get(x[:3]) for x in parts]
    nums = [n for n in nums if n is not None]
    if len(nums) != 3:
        return None
    if nums[0] > 31:  # ISO
        nums = [nums[2], nums[1], nums[0]]
    return f"dob:{nums[0]}-{nums[1]}-{nums[2] % 100}"


def _identify(lines: list[_Line]) -> None:
    """Mark the lines that say who the patient is, with the patient's keys (NHS number, date of birth)."""
    text = "\n".join(ln.plain for ln in lines)
    starts, at = [], 0
    for ln in lines:
        starts.append(at)
        at += len(ln.plain) + 1

    def line_of(pos: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= pos:
                lo = mid
            else:
                hi = mid - 1
        return lo

    keys: dict[int, set] = {}
    for span in privacy.find_identifiers(text):
        value = text[span.start:span.end]
        if span.kind == privacy.NHS_NUMBER:
            key = "nhs:" + "".join(c for c in value if c.isdigit())
        elif span.kind == privacy.DATE_OF_BIRTH:
            key = _dob_key(value)
        else:
            continue
        i = line_of(span.start)
        keys.setdefault(i, set())
        if key:
            keys[i].add(key)
    for i, ln in enumerate(lines):
        if i in keys:
            ln.identity, ln.keys = True, frozenset(keys[i])
        else:
            m = _PATIENT_LABEL.match(ln.plain)
            if (m and len(ln.plain) < 120 and not ln.plain.endswith((".", ";"))
                    and not _TITLE_IN_SENTENCE.search(m.group("value"))):
                ln.identity = True


def _classify(lines: list[_Line]) -> None:
    _identify(lines)
    for ln in lines:
        ln.kind = _classify_one(ln)
    for i, ln in enumerate(lines):  # one line in cells is a header or a label line, not a table
        if ln.kind == "table" and not any(0 <= j < len(lines) and lines[j].kind == "table" for j in (i - 1, i + 1)):
            ln.kind = "label"
    prev, signed, gap = "", False, False
    for i, ln in enumerate(lines):
        if prev == "valediction" and not signed and ln.kind in ("name", "neutral", "org", "address", "label",
                                                                 "header_label", "date", "body"):
            ln.kind = "signature"  # who signed, under 'Yours sincerely'
        elif ln.kind == "name":
            # a name under a valediction or author line, or closing the body, is the signature; a name
            # over an address is the GP the next letter is addressed to
            after = lines[i + 1].kind if i + 1 < len(lines) else "blank"
            signs = ((prev in _SIGN_OFF_KINDS and not gap) or (prev == "valediction" and not signed)
                     or (prev in _BODY and after in ("blank", "rule")))
            ln.kind = "signature" if signs else "neutral"
        elif ln.kind in ("org", "address", "header_label", "neutral") and prev in ("valediction", "signature") \
                and _SIGN_OFF.search(ln.plain):
            ln.kind = "sign_off"
        elif prev == "cc" and not gap and (ln.kind in ("neutral", "name") or ln.text[:1].isspace()):
            ln.kind = "cc"  # the list of copies goes on, indented or one name a line
        gap = not ln.plain or (gap and ln.kind == "blank")
        if ln.kind != "blank":
            prev = ln.kind
            # 'Yours sincerely, Dr A Khan' is signed already: the line under it need not be the name
            signed = ln.kind == "valediction" and len(_VALEDICTION.sub("", ln.plain, 1).strip(" ,.")) > 2
    # a short line between a letter's heading and its patient block is a subtitle ('Letter to GP after
    # admission', 'Summary for your information'), not body
    for i in range(1, len(lines) - 1):
        ln = lines[i]
        if ln.kind not in ("body", "label") or _LIST_ITEM.match(ln.plain) or ln.plain.endswith(".") \
                or len(_WORD.findall(ln.plain)) > 12 or lines[i - 1].kind not in ("org", "title", "neutral", "date"):
            continue
        nxt = next((x for x in lines[i + 1:i + 3] if x.kind != "blank"), None)
        if nxt is not None and (nxt.identity or nxt.kind in _START_CUES):
            ln.kind = "subtitle"


def _separator_rule(lines: list[_Line], i: int) -> bool:
    """A row of dashes/underscores/asterisks that separates two letters rather than underlining a
    title or framing a table: body or sign-off before it, a new header or patient block after it."""
    before = next((lines[j] for j in range(i - 1, -1, -1) if lines[j].kind != "blank"), None)
    if before is None or before.kind not in _BODY | _SIGN_OFF_KINDS | {"neutral"}:
        return False
    for ln in lines[i + 1:]:
        if ln.kind in ("blank", "rule"):
            continue
        if ln.kind in _START_CUES or ln.identity or ln.kind in ("org", "address", "date", "header_label", "neutral"):
            if ln.kind in _START_CUES or ln.identity:
                return True
            continue  # a header line: look further for the title or patient block under it
        return False
    return False


def _starts(lines: list[_Line]) -> list[tuple[int, bool]]:
    """(line, forced) where each letter after the first starts; forced when a separator rule is the start."""
    out: list[tuple[int, bool]] = []
    keys: set = set()          # patients of the current letter
    body = False               # the current letter has body since its start
    prose = False              # ... sentences, lists or tables, not only 'Label: value' lines
    had_id = False             # the current letter has a patient block
    ended = False              # ... and a sign-off after its body
    titled = False             # ... and began at its title, salutation or memo header
    body_since_id = True       # body since the last patient line (a new patient block may start)
    signed_off: int | None = None  # first line after a valediction's sign-off block
    for i, ln in enumerate(lines):
        k = ln.kind
        start = None
        if ln.identity:
            new_patient = not ln.keys or not (ln.keys & keys)
            # a letter with no patient block yet takes this one unless it has ended (sign-off) or
            # began at its own title
            if body and body_since_id and new_patient and (keys or had_id or ended or (titled and prose)):
                start = (i, False)
            body_since_id = False
            if _is_prose(ln.plain):  # 'Mr A Khan, 67, NHS ..., was discharged on ...': the body starts here
                body = prose = body_since_id = True
        elif k in _START_CUES and (prose if k == "salutation" else body):
            start = (i, False)
        elif k == "rule" and body and _separator_rule(lines, i):
            start = (i, True)
        elif k in _BODY:
            if signed_off is not None and body:
                start = (signed_off, False)
            body, body_since_id = True, True
            prose = prose or k != "label"
        if k == "valediction":
            signed_off = None
            # the sign-off block: signature, grade, contact and cc lines
            j = i + 1
            while j < len(lines) and (lines[j].kind in _SIGN_OFF_KINDS or lines[j].kind == "blank"
                                      or (lines[j].kind == "neutral" and j - i <= 3)):
                j += 1
            if j < len(lines):
                signed_off = j
        elif start or (signed_off is not None and i > signed_off and (k in _START_CUES or ln.identity)):
            signed_off = None
        if k in _SIGN_OFF_KINDS and body:
            ended = True
        if k in _START_CUES and not body:
            titled = True
        if ln.identity:
            had_id = True
        if start:
            if out and start[0] <= out[-1][0]:
                continue
            out.append(start)
            had_id, ended = ln.identity, False
            titled = k in _START_CUES or start[1]
            keys = set(ln.keys) if ln.identity else set()
            body = k in _BODY or (ln.identity and _is_prose(ln.plain))
            prose = body and k != "label"
            body_since_id = not ln.identity or body
            signed_off = None
        elif ln.identity:
            keys |= ln.keys
    return out


def _cut(lines: list[_Line], lo: int, hi: int, forced: bool) -> int:
    """Where the letter starting at or before `hi` begins, not before `lo`: the cut with the fewest
    sign-off lines given to the next letter and header lines left with the one before."""
    if forced:
        return hi
    # cost(c) = sum of 'before' costs of lines[lo:c] + 'after' costs of lines[c:hi]
    costs = [_COSTS[lines[i].kind] for i in range(lo, hi)]
    # a table straight under a heading (no blank line between) is that letter's: EPMA letters open with
    # their medicines table above the patient block
    head = False
    for j, i in enumerate(range(lo, hi)):
        k = lines[i].kind
        if k in ("org", "title", "subtitle"):
            head = True
        elif k == "table" and head:
            costs[j] = (0, 0)
        elif k != "table":
            head = False
    after_total = sum(c[1] for c in costs)
    best, best_key = hi, None
    before_sum, after_sum = 0, after_total
    for c in range(lo, hi + 1):
        if c > lo:
            before_sum += costs[c - 1 - lo][0]
            after_sum -= costs[c - 1 - lo][1]
        at_gap = c == lo or lines[c - 1].kind in ("blank", "rule") or (c < len(lines) and lines[c].kind == "rule")
        # on a tie: just after a sign-off, then at a blank line or rule, then the earliest
        after_sign_off = c > lo and lines[c - 1].kind in _SIGN_OFF_KINDS
        key = (before_sum + after_sum, not after_sign_off, not at_gap, c)
        if best_key is None or key < best_key:
            best, best_key = c, key
    return best


def _split_chunk(lines: list[_Line]) -> list[list[_Line]]:
    _classify(lines)
    starts = _starts(lines)
    cuts = []
    prev = 0
    for s, forced in starts:
        # the earliest the cut can be: after the first body of the letter before (its header, with
        # 'Dear Dr X' under 'Ward: 7' lines, is above that)
        lo = next((i + 1 for i in range(prev, s) if lines[i].kind in ("body", "table")
                   or (lines[i].identity and _is_prose(lines[i].plain))), None)
        if lo is None:
            lo = next((i + 1 for i in range(prev, s) if lines[i].kind in _BODY), s)
        # the letter before keeps its own patient lines (a repeated footer too)
        lo = max([lo] + [i + 1 for i in range(prev, s) if lines[i].identity])
        c = _cut(lines, lo, s, forced)
        cuts.append(c)
        prev = s
    out, a = [], 0
    for c in cuts + [len(lines)]:
        out.append(lines[a:c])
        a = c
    return out


def _hard_chunks(text: str) -> list[list[_Line]]:
    chunks: list[list[_Line]] = [[]]
    for part in text.split(_FORM_FEED):
        if chunks[-1]:
            chunks.append([])
        for raw in _LINE_BREAKS.split(part):
            if raw.strip() == SEPARATOR:
                chunks.append([])
                continue
            chunks[-1].append(_Line(raw, _plain(raw)))
    return chunks


def _trim(lines: list[_Line]) -> str:
    """A letter's text: its lines as pasted (line breaks as \\n), without blank lines or rules at its edges."""
    a, b = 0, len(lines)
    while a < b and (not lines[a].plain or _RULE.match(lines[a].plain)):
        a += 1
    while b > a and (not lines[b - 1].plain or _RULE.match(lines[b - 1].plain)):
        b -= 1
    return "\n".join(ln.text.rstrip() for ln in lines[a:b])


def split_letters(text: str | None) -> list[str]:
    """The letters in pasted text, in order, each as pasted (line breaks made \\n). Text with no
    sign of a second letter is one letter; blank text is none."""
    letters = []
    for chunk in _hard_chunks(text or ""):
        for piece in _split_chunk(chunk):
            t = _trim(piece)
            if t.strip():
                letters.append(t)
    return letters
