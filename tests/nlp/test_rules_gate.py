"""Literal gates (nlp/rules.py): a gated phrase class answers exactly what its regex answers, on any window of any
text, and skips the regex only when the text lacks the words every match needs."""
from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from nlp.context import context_patterns
from nlp.findings import _phrase_rules, plan_rules
from nlp.rules import LiteralGate, gated, json_rules

DATA = Path(__file__).resolve().parents[1] / "data"


def spans(m):
    return m.span() if m else None


def all_phrase_patterns() -> list[re.Pattern]:
    """The compiled phrase classes of the rule files (plans, documented facts, cues, weaning, GP, indication)."""
    out = []
    P = plan_rules()
    out += [getattr(P, f).regex if isinstance(getattr(P, f), LiteralGate) else getattr(P, f) for f in P.__dataclass_fields__]
    c = context_patterns()
    for v in list(c.cues.values()) + [getattr(c, f) for f in c.__dataclass_fields__]:
        if hasattr(v, "pattern"):
            out.append(v.regex if isinstance(v, LiteralGate) else v)
    for key in ("patient_informed", "specialist_review", "transfer"):
        out += [x.regex if isinstance(x, LiteralGate) else x for x in _phrase_rules(key) if x is not None]
    for v in json_rules("sig_rules.json").values():  # sig phrases too: the gate is for any pattern
        src = v if isinstance(v, str) else "|".join(f"(?:{x})" for x in v) if isinstance(v, list) and \
            all(isinstance(x, str) for x in v) else None
        if src:
            try:
                out.append(re.compile(src, re.I))
            except re.error:
                pass
    return out


def letters(every: int = 15) -> list[str]:
    out = []
    for f in sorted(DATA.glob("*.jsonl")):
        lines = [x for x in f.read_text(encoding="utf-8").splitlines() if x.strip()]
        out += [json.loads(x)["text"] for x in lines[::every]]
    return out


TRICKY = [
    "ſtop ıt İstanbul KINDLY gp; the Kelvin sign K: Kindly review",  # characters IGNORECASE equates with ASCII
    "İİ please wean the morphine over 2/52",  # lower-casing moves offsets: the gate steps aside
    "GP to STOP the tramadol. Wean over 2/52; r/v in clinic. Do not continue beyond 5 days",
    "",
    "stop",
]


def windows(text: str, rx: re.Pattern, rnd: random.Random):
    n = len(text)
    out = [(0, n), (0, 0)] + [(a, min(n, a + rnd.randint(0, 300))) for a in (rnd.randint(0, n) for _ in range(4))]
    for m in list(rx.finditer(text))[:2]:  # windows that cut a match at either end
        s, e = m.span()
        out += [(s, e), (s + 1, e), (s, e - 1), (max(0, s - 2), e + 1)]
    return out


def test_gated_phrase_classes_answer_as_their_regexes():
    rnd = random.Random(11)
    pats = all_phrase_patterns()
    gates = [(rx, gated(rx)) for rx in pats]
    assert sum(isinstance(g, LiteralGate) for _rx, g in gates) >= 40  # most phrase classes do get a gate
    for text in letters() + TRICKY:
        for rx, g in gates:
            if g is rx:
                continue
            for a, b in windows(text, rx, rnd):
                assert spans(g.search(text, a, b)) == spans(rx.search(text, a, b)), (rx.pattern[:60], a, b)
                assert spans(g.match(text, a, b)) == spans(rx.match(text, a, b))
                seg = text[a:b]
                assert spans(g.search(seg)) == spans(rx.search(seg))
                assert g.sub(" ", seg) == rx.sub(" ", seg)
                assert [m.span() for m in g.finditer(text, a, b)] == [m.span() for m in rx.finditer(text, a, b)]


@pytest.mark.parametrize("text,expected", [
    ("Seen by the acute pain team on day 2", True),
    ("SEEN BY PAIN TEAM", True),
    ("ſeen by pain team", True),  # long s is s under IGNORECASE
    ("seen by the physiotherapists", False),  # no pain/palliative word
    ("the pain team will see her", False),  # no seen/reviewed
    ("", False),
])
def test_gate_skips_only_text_without_the_needed_words(text, expected):
    rx = re.compile(r"\b(?:seen|reviewed)\s+by\s+(?:the\s+)?(?:acute\s+)?(?:pain|palliative)\s+team\b", re.I)
    g = gated(rx)
    assert isinstance(g, LiteralGate)
    assert g.could_match(text) is expected or rx.search(text) is None
    assert spans(g.search(text)) == spans(rx.search(text))
    if rx.search(text):
        assert g.could_match(text)


def test_window_and_lookbehind_semantics_are_the_regexes():
    rx = re.compile(r"(?<=GP )to\s+review\b|^please\s+stop\b", re.I | re.M)
    g = gated(rx)
    text = "Plan\nGP to review in 2/52\nplease stop"
    for a in range(len(text) + 1):
        for b in range(a, len(text) + 1):
            assert spans(g.search(text, a, b)) == spans(rx.search(text, a, b)), (a, b)


def test_patterns_that_need_no_word_are_left_alone():
    for src in (r"\d+\s*\w+", r"\bx?", r"(?:stop|\d+)", r"[a-z]+\b"):
        rx = re.compile(src, re.I)
        assert gated(rx) is rx


def test_a_gate_is_built_once_per_pattern():
    rx = re.compile(r"\bwean(?:ing)?\s+plan\b", re.I)
    assert gated(rx) is gated(rx)
    assert gated(gated(rx)) is gated(rx)
    assert gated(None) is None


def full(m):
    return (m.span(), m.groups()) if m else None


def test_case_sensitive_twins_answer_as_their_regexes():
    """folded(): a pattern run as its lower-cased twin on the folded text (with or without a gate, its boundaries
    moved behind its first letters, its branches searched one by one) gives the regex's own matches and groups."""
    from nlp.findings import _addressee_rules
    from nlp.prescriptions import LINE_STOPPED
    from nlp.rules import folded, folded_twin
    from nlp.statements import statement_patterns

    rnd = random.Random(5)
    c, sp = context_patterns(), statement_patterns()
    def raw(x):
        return x.regex if isinstance(x, LiteralGate) else x

    pats = all_phrase_patterns() + [raw(x) for x in [c.header_line, c.header_caps, sp.drug_heading, LINE_STOPPED]] + \
        [raw(rx) for _role, rx in sp.columns] + [raw(x) for x in _addressee_rules()]
    pats += [re.compile(p, re.I) for p in (r"\bAge\s*[:=]?\s*(\d{1,3})\b", r"^\s*dear\b|\btransfer(?:red)?\s+to\b",
                                            r"\b(?:stop|wean(?:ing)?)\b", r"(?m)^\s*plan\b|\breview\b")]
    wrapped = [(rx, folded(rx), folded(rx, gate=False)) for rx in pats]
    assert sum(folded_twin(rx) is not None for rx in pats) >= 40
    for text in letters(90) + TRICKY:
        for rx, g, t in wrapped:
            for a, b in windows(text, rx, rnd)[:6]:
                want = full(rx.search(text, a, b))
                assert full(g.search(text, a, b)) == want and full(t.search(text, a, b)) == want, (rx.pattern[:60], a, b)
                assert full(g.search(text, a, b)) == want  # (asked again: the gate's memo)
                assert full(t.match(text, a, b)) == full(rx.match(text, a, b))
                assert full(t.fullmatch(text, a, b)) == full(rx.fullmatch(text, a, b))
                assert [full(m) for m in t.finditer(text, a, b)] == [full(m) for m in rx.finditer(text, a, b)]
