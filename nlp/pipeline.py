"""The spaCy pipeline: ``spacy.blank("en")`` plus four registered rule components.

    opioid_sections      -> doc.spans["sections"]            (headings and their blocks)
    opioid_drug_matcher  -> doc.spans["drug_mentions"]        (lexicon matches, label = generic)
    opioid_prescriptions -> doc.spans["medication_statements"] (label table | list | prose),
                            doc.spans["opioid_prescriptions"], doc.spans["opioid_distractors"]
    opioid_letter        -> doc._.opioid_extraction           (LetterExtraction.to_dict(), msgpack-safe)

Rules are data (``nlp/data``), read once per process. The pipeline is a module-level singleton
(``get_nlp``); ``extract_letter``/``extract_many`` run its twin without doc.spans (``get_extractor``).
Components never raise on a bad letter: the error is recorded in the extraction.
"""
from __future__ import annotations

import re
import threading
import time
from typing import Iterable, Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from nlp.context import LetterLayout, context_patterns
from nlp.extraction import LetterExtraction, letter_from_dict
from nlp.findings import letter_findings
from nlp.lexicon import load_lexicon
from nlp.prescriptions import find_mentions, read_prescriptions
from nlp.spoken import reading_text

_STATE = "_opioid_state"
DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_TIME_LIMIT_S = 30.0  # per letter; a letter over it gets an error result and the batch moves on

if not Doc.has_extension("opioid_extraction"):
    Doc.set_extension("opioid_extraction", default=None)


# Words, numbers, whitespace runs, then any other single character. Every character of a letter
# falls in exactly one token, so doc.text is the letter and every regex offset maps onto tokens.
# A word, number or symbol run takes one following space as its trailing whitespace (spaCy's convention);
# groups: (whitespace run) | (word, number or symbol run)(symbol)(trailing space)
_TOKEN = re.compile(r"(\s+)|([^\W\d_]+|\d+(?:\.\d+)?|(.)\3*)( ?)", re.S)  # a run of one symbol ("----") is one token


class LetterTokenizer:
    """A plain tokenizer for letters: alphabetic runs, numbers, whitespace, symbols (a run of the same one,
    like a table rule "-----", is one token).

    The rule components read the letter's characters, not tokens; tokens only anchor the spans
    they write (``doc.char_span``). spaCy's English tokenizer spends most of its time on affix and
    exception rules (``don't``, ``U.K.``) that none of the rules here look at, and it was over half
    of the extraction time; this one is about six times faster and gives finer word boundaries
    ("5mg" -> "5", "mg"). It keeps the letter string on the Doc (``doc.text`` would rebuild it).
    The usual spaCy conventions hold: one trailing space belongs to the token before it, other
    whitespace is a token of its own."""

    def __init__(self, vocab):
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        parts = _TOKEN.findall(text)  # one regex pass, no per-token Python branching
        words = [ws or tok for ws, tok, _sym, _sp in parts]
        spaces = [bool(sp) for _ws, _tok, _sym, sp in parts]
        doc = Doc(self.vocab, words=words, spaces=spaces)
        doc.user_data[_RAW] = text
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for t in texts:
            yield self(t)

    # nlp.to_disk / from_disk / to_bytes call these; the tokenizer has no state to keep
    def to_bytes(self, **_kwargs) -> bytes:
        return b""

    def from_bytes(self, _data: bytes, **_kwargs) -> "LetterTokenizer":
        return self

    def to_disk(self, _path, **_kwargs) -> None:
        return None

    def from_disk(self, _path, **_kwargs) -> "LetterTokenizer":
        return self


_RAW = "_opioid_raw_text"


def _text(doc: Doc) -> str:
    t = doc.user_data.get(_RAW)
    if t is None:
        t = doc.text
        doc.user_data[_RAW] = t
    return t


_READING = "_opioid_reading_text"


def _reading(doc: Doc) -> str:
    """The letter as the rules read it: spelt-out letters closed up and dictated amounts written as figures, same
    length (nlp.spoken), so every offset is an offset into the letter too."""
    t = doc.user_data.get(_READING)
    if t is None:
        t = doc.user_data[_READING] = reading_text(_text(doc))
    return t


def _restore_letter_text(ex, raw: str) -> None:
    """Evidence read off the reading text is shown as the letter wrote it (same offsets, see ``_reading``)."""
    items = list(ex.opioids) + list(ex.distractors) + list(ex.co_prescriptions)
    items += [v for v in vars(ex).values() if hasattr(v, "span") and hasattr(v, "text")]
    pairs = (("span", "text"), ("negated_span", "negated_text"), ("justification_span", "justification"))
    for it in items:
        for span_attr, text_attr in pairs:
            sp = getattr(it, span_attr, None)
            if sp and getattr(it, text_attr, None) is not None:
                setattr(it, text_attr, raw[sp[0]:sp[1]])


def _state(doc: Doc) -> dict:
    st = doc.user_data.get(_STATE)
    if st is None:
        st = {}
        doc.user_data[_STATE] = st
    return st


def _spans(doc: Doc, items, key: str, label_of) -> None:
    spans = []
    for it in items:
        s, e = it[0], it[1]
        sp = doc.char_span(s, e, label=label_of(it), alignment_mode="expand")
        if sp is not None:
            spans.append(sp)
    doc.spans[key] = spans


@Language.factory("opioid_sections", default_config={"write_spans": True}, assigns=["doc.spans"])
def make_sections(nlp: Language, name: str, write_spans: bool):
    return SectionsComponent(write_spans)


class SectionsComponent:
    def __init__(self, write_spans: bool):
        self.write_spans = write_spans
        context_patterns()  # load the rules once

    def __call__(self, doc: Doc) -> Doc:
        st = _state(doc)
        st["started"] = time.monotonic()
        try:
            layout = LetterLayout(_reading(doc))
            st["layout"] = layout
            if self.write_spans:
                _spans(doc, [(s.body_start, s.end, s.kind) for s in layout.sections if s.end > s.body_start],
                       "sections", lambda x: x[2])
        except Exception as exc:  # noqa: BLE001 - one bad letter never stops a batch
            st["error"] = f"sections: {type(exc).__name__}: {exc}"
        return doc


@Language.factory("opioid_drug_matcher", default_config={"write_spans": True}, assigns=["doc.spans"])
def make_matcher(nlp: Language, name: str, write_spans: bool):
    return DrugMatcherComponent(write_spans)


class DrugMatcherComponent:
    def __init__(self, write_spans: bool):
        self.write_spans = write_spans
        load_lexicon()

    def __call__(self, doc: Doc) -> Doc:
        st = _state(doc)
        if "error" in st:
            return doc
        try:
            if "layout" not in st:  # works alone on spacy.blank("en") too
                st["layout"] = LetterLayout(_reading(doc))
            mentions = find_mentions(_reading(doc))
            st["mentions"] = mentions
            if self.write_spans:
                _spans(doc, [(m.start, m.end, m.generic) for m in mentions], "drug_mentions", lambda x: x[2])
        except Exception as exc:  # noqa: BLE001
            st["error"] = f"drug_matcher: {type(exc).__name__}: {exc}"
        return doc


@Language.factory("opioid_prescriptions", default_config={"write_spans": True, "time_limit_s": DEFAULT_TIME_LIMIT_S},
                  assigns=["doc.spans"])
def make_prescriptions(nlp: Language, name: str, write_spans: bool, time_limit_s: float):
    return PrescriptionsComponent(write_spans, time_limit_s)


class PrescriptionsComponent:
    """Medication statements -> prescriptions and distractors. A letter that takes longer than
    ``time_limit_s`` gets an error (LetterTimeout) instead of a result."""

    def __init__(self, write_spans: bool, time_limit_s: float = DEFAULT_TIME_LIMIT_S):
        if not isinstance(time_limit_s, (int, float)) or time_limit_s <= 0:
            raise ValueError(f"time_limit_s must be a positive number of seconds, got {time_limit_s!r}")
        self.write_spans = write_spans
        self.time_limit_s = float(time_limit_s)

    def __call__(self, doc: Doc) -> Doc:
        st = _state(doc)
        if "error" in st:
            return doc
        try:
            if "layout" not in st:  # works alone on spacy.blank("en") too
                st["layout"] = LetterLayout(_reading(doc))
            if "mentions" not in st:
                st["mentions"] = find_mentions(_reading(doc))
            deadline = st.setdefault("started", time.monotonic()) + self.time_limit_s
            found = read_prescriptions(st["layout"], st["mentions"], deadline)
            rxs, distractors, statements = found.prescriptions, found.distractors, found.statements
            st["rxs"], st["distractors"], st["co"] = rxs, distractors, found.co_prescriptions
            if self.write_spans:
                _spans(doc, [(x.start, x.end, x.source) for x in statements if x.end > x.start],
                       "medication_statements", lambda x: x[2])
                _spans(doc, [(r.span[0], r.span[1], r.generic) for r in rxs], "opioid_prescriptions", lambda x: x[2])
                _spans(doc, [(d.span[0], d.span[1], d.reason) for d in distractors], "opioid_distractors", lambda x: x[2])
        except Exception as exc:  # noqa: BLE001
            st["error"] = f"prescriptions: {type(exc).__name__}: {exc}"
        return doc


@Language.factory("opioid_letter", default_config={"ome_factors": {}, "serializable": False},
                  assigns=["doc._.opioid_extraction"])
def make_letter(nlp: Language, name: str, ome_factors: dict, serializable: bool):
    return LetterComponent(ome_factors, serializable)


class LetterComponent:
    """Letter-level findings. Stores a LetterExtraction, or its dict when ``serializable`` (multiprocessing)."""

    def __init__(self, ome_factors: dict, serializable: bool = False):
        self.serializable = serializable
        for k, v in (ome_factors or {}).items():
            if not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"ome_factors[{k!r}] must be a non-negative number, got {v!r}")
        self.ome_factors = dict(ome_factors or {})

    def __call__(self, doc: Doc) -> Doc:
        st = doc.user_data.pop(_STATE, {}) or {}
        raw = doc.user_data.pop(_RAW, None)  # (read here: doc.text would rebuild the letter from its tokens)
        reading = doc.user_data.pop(_READING, None)
        ex = LetterExtraction()
        try:
            if "error" in st:
                ex.error = st["error"]
            else:
                ex.opioids, ex.distractors, ex.co_prescriptions = st["rxs"], st["distractors"], st["co"]
                letter_findings(st["layout"], ex, st["mentions"], self.ome_factors or None)
                if reading is not None and raw is not None and reading != raw:
                    _restore_letter_text(ex, raw)
        except Exception as exc:  # noqa: BLE001
            ex = LetterExtraction(error=f"letter: {type(exc).__name__}: {exc}")
        doc._.opioid_extraction = ex.to_dict() if self.serializable else ex
        return doc


COMPONENTS = ("opioid_sections", "opioid_drug_matcher", "opioid_prescriptions", "opioid_letter")


def build_pipeline(write_spans: bool = True, ome_factors: dict | None = None, serializable: bool = False,
                   time_limit_s: float = DEFAULT_TIME_LIMIT_S) -> Language:
    """A fresh pipeline: ``spacy.blank("en")`` with the letter tokenizer + the rule components
    (``serializable`` for n_process > 1; ``time_limit_s`` per letter)."""
    nlp = spacy.blank("en")
    nlp.max_length = DEFAULT_MAX_CHARS + 1
    nlp.tokenizer = LetterTokenizer(nlp.vocab)
    for name in COMPONENTS[:-2]:
        nlp.add_pipe(name, config={"write_spans": write_spans})
    nlp.add_pipe("opioid_prescriptions", config={"write_spans": write_spans, "time_limit_s": time_limit_s})
    nlp.add_pipe("opioid_letter", config={"ome_factors": {str(k): v for k, v in (ome_factors or {}).items()},
                                          "serializable": serializable})
    return nlp


_NLP: Language | None = None
_LOCK = threading.Lock()


def get_nlp() -> Language:
    """The shared pipeline (built once per process)."""
    global _NLP
    if _NLP is not None:  # no lock once built: a forked worker may inherit the lock held by another thread
        return _NLP
    with _LOCK:
        if _NLP is None:
            _NLP = build_pipeline()
        return _NLP


_EXTRACTOR: Language | None = None


def get_extractor() -> Language:
    """The pipeline ``extract_letter`` and ``extract_many`` run (built once per process): ``get_nlp()`` without
    ``doc.spans``. The extraction keeps its own offsets and the Doc is dropped once read, so building spaCy Spans
    for it (about 5% of the time) bought nothing there; ``get_nlp()`` still writes them for callers of the Doc."""
    global _EXTRACTOR
    if _EXTRACTOR is not None:
        return _EXTRACTOR
    with _LOCK:
        if _EXTRACTOR is None:
            _EXTRACTOR = build_pipeline(write_spans=False)
        return _EXTRACTOR


def worker_pool(n_process: int):
    """A process pool for extraction: the pipeline is loaded first and the workers are forked
    from it (spawned where fork does not exist), so no worker builds its own."""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    get_extractor()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    return ProcessPoolExecutor(max_workers=n_process, mp_context=ctx)


def _result(doc: Doc) -> LetterExtraction:
    v = doc._.opioid_extraction
    if isinstance(v, LetterExtraction):
        return v
    if isinstance(v, dict):
        return letter_from_dict(v)
    return LetterExtraction(error="pipeline produced no result")


_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\ufffd]")


class LetterInputError(ValueError):
    """A letter that cannot be read (not text, too long)."""


def coerce_text(text, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """Text from str or bytes (UTF-8, UTF-16 with BOM, else cp1252); raise LetterInputError if it is not text."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            text = raw.decode("utf-16", errors="replace")
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
    if not isinstance(text, str):
        raise LetterInputError(f"letter is not text (got {type(text).__name__})")
    if len(text) > max_chars:
        raise LetterInputError(f"letter too long ({len(text):,} characters; limit {max_chars:,})")
    if text:
        sample = text[:20000]
        bad = len(_NOT_TEXT.findall(sample))
        if bad > max(20, len(sample) // 10):
            raise LetterInputError("letter does not look like text (binary or wrong encoding)")
        if "\x00" in text:
            text = text.replace("\x00", " ")
    return text


def extract_letter(text, nlp: Language | None = None) -> LetterExtraction:
    """Extract discharge opioids, plans and flags from one letter. Never raises for a bad letter:
    the result then has ``error`` set and no opioids."""
    try:
        text = coerce_text(text)
    except LetterInputError as exc:
        return LetterExtraction(error=str(exc))
    if not text.strip():
        return LetterExtraction()
    doc = (nlp or get_extractor())(text)
    return _result(doc)


def extract_chunk(texts: list) -> list[tuple[dict | None, str | None]]:
    """Worker of a process pool: one chunk of letters, answered as plain dicts (never spaCy Docs, which cost
    more to pickle than to extract): (extraction dict, None) per letter, or (None, exception name) for a letter
    the extractor failed on; the rest of the chunk is still read."""
    try:
        return [(x.to_dict(), None) for x in extract_many(texts)]
    except Exception:  # noqa: BLE001 - one letter at a time, keeping the failures
        out: list[tuple[dict | None, str | None]] = []
        for t in texts:
            try:
                out.append((extract_letter(t).to_dict(), None))
            except Exception as exc:  # noqa: BLE001
                out.append((None, type(exc).__name__))
        return out


def extract_chunks_in_processes(chunks: Iterable[list], n_process: int) -> Iterator[list[tuple[dict | None, str | None]]]:
    """``extract_chunk`` answers for each chunk, in order, from ``n_process`` worker processes.

    spaCy's own ``nlp.pipe(n_process=...)`` sends every Doc back to the parent, which costs more
    than extracting it (2 processes ran at half the speed of one); here the workers send back
    the extraction dicts only."""
    with worker_pool(n_process) as pool:
        yield from pool.map(extract_chunk, chunks)


def _extract_in_processes(texts: Iterable, n_process: int, chunk_size: int) -> Iterator[LetterExtraction]:
    """Chunks of letters in ``n_process`` worker processes, answers in input order."""
    items = list(texts)
    size = max(8, chunk_size)
    chunks = [items[k:k + size] for k in range(0, len(items), size)]
    for answers in extract_chunks_in_processes(chunks, n_process):
        for d, err in answers:
            yield letter_from_dict(d) if d is not None else LetterExtraction(error=f"extractor failed: {err}")


def extract_many(texts: Iterable, n_process: int = 1, batch_size: int = 64, nlp: Language | None = None) -> Iterator[LetterExtraction]:
    """Stream extractions for many letters (``nlp.pipe``), in input order; bad letters yield an error result.

    ``n_process`` > 1 runs chunks of ``batch_size`` letters in that many worker processes."""
    multi = bool(n_process and n_process > 1)
    if multi and nlp is None:
        yield from _extract_in_processes(texts, n_process, batch_size)
        return
    nlp = nlp or get_extractor()
    errors: dict[int, str] = {}

    empty: dict[int, bool] = {}

    def clean():
        for i, t in enumerate(texts):
            try:
                t = coerce_text(t)
            except LetterInputError as exc:
                errors[i] = str(exc)
                t = ""
            if not t.strip():
                empty[i] = True
            yield t

    kwargs = {"batch_size": batch_size}
    if n_process and n_process > 1:
        kwargs["n_process"] = n_process
    for i, doc in enumerate(nlp.pipe(clean(), **kwargs)):
        if i in errors:
            yield LetterExtraction(error=errors.pop(i))
        elif empty.pop(i, False):
            yield LetterExtraction()
        else:
            yield _result(doc)
