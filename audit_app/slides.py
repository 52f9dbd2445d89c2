"""A short PowerPoint deck of a round for a QI meeting: compliance against targets, then one
slide per chosen measure with its run/SPC chart, PDSA cycles and what the rules found.

Aggregates only: no letter, quote or identifier reaches a slide. The pictures are the same
figures the app draws (services.compliance / services.chart), rendered to PNG by the caller.
"""
from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from pptx import Presentation
from pptx.util import Emu, Inches, Pt

from qi import explain

WIDE = (Inches(13.333), Inches(7.5))  # 16:9


@dataclass
class ChartSlide:
    title: str
    png: bytes | None
    bullets: list[str] = field(default_factory=list)   # signals, icons, notes: one sentence each


def _full_width(shape, width, margin=Inches(0.5)) -> None:
    """The default template is 4:3; stretch a placeholder across the 16:9 slide (all four values:
    setting one gives the shape its own frame, whose other values start at 0)."""
    top, height = shape.top, shape.height  # inherited from the layout
    shape.left, shape.top, shape.width, shape.height = margin, top, width - 2 * margin, height


def _title(slide, text: str) -> None:
    _full_width(slide.shapes.title, WIDE[0])
    slide.shapes.title.text = text
    for p in slide.shapes.title.text_frame.paragraphs:
        for r in p.runs:
            r.font.size = Pt(26)


def _fitting_size(lines: list[str], width, height, largest: int) -> int:
    """The largest font size (pt) at which the lines, wrapped, fill no more than the box: a
    deliberately generous estimate (average glyph 0.55 em wide, line 1.25 em, a little space after
    each paragraph), since python-pptx cannot measure text and PowerPoint does not shrink it."""
    w_pt, h_pt = width / 12700, height / 12700  # EMU -> points
    for size in range(largest, 7, -1):
        per_line = max(1, int(w_pt / (0.55 * size)))
        rows = sum(-(-max(len(line), 1) // per_line) for line in lines)
        if rows * 1.25 * size + len(lines) * 0.3 * size <= h_pt:
            return size
    return 8


def _bullets(slide, left, top, width, height, lines: list[str], size: int = 14) -> None:
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    size = _fitting_size(lines, width, height, size)
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        p.font.size = Pt(size)
        p.space_after = Pt(size * 0.3)


def _picture(slide, png: bytes, left, top, max_width, max_height) -> None:
    from PIL import Image

    w, h = Image.open(io.BytesIO(png)).size
    scale = min(max_width / w, max_height / h)
    slide.shapes.add_picture(io.BytesIO(png), left, top, Emu(int(w * scale)), Emu(int(h * scale)))


def build_deck(trust_name: str, round_label: str, n_letters: int, compliance_png: bytes | None,
               compliance_lines: list[str], charts: list[ChartSlide], *, method_lines: list[str],
               programme_lines: list[str] | None = None) -> bytes:
    """The deck as .pptx bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    title_layout, title_only = prs.slide_layouts[0], prs.slide_layouts[5]

    s = prs.slides.add_slide(title_layout)
    for shape in (s.shapes.title, s.placeholders[1]):
        _full_width(shape, WIDE[0], Inches(1))
    s.shapes.title.text = f"Opioids on discharge: {round_label}"
    s.placeholders[1].text = f"{trust_name} · {n_letters} letters audited · {dt.date.today():%d %B %Y}"

    s = prs.slides.add_slide(title_only)
    _title(s, f"Compliance with the standards, {round_label}")
    top = Inches(1.4)
    if compliance_png:
        _picture(s, compliance_png, Inches(0.4), top, Inches(8.2), Inches(5.9))
    _bullets(s, Inches(8.8), top, Inches(4.2), Inches(5.9), compliance_lines or ["No standard had eligible letters."],
             size=12)

    if programme_lines:  # the MedSIP programme's measures and prescribing safety flags, in words
        s = prs.slides.add_slide(title_only)
        _title(s, f"Programme measures and safety flags, {round_label}")
        _bullets(s, Inches(0.6), top, Inches(12), Inches(5.6), programme_lines, size=14)

    for c in charts:
        s = prs.slides.add_slide(title_only)
        _title(s, c.title)
        if c.png:
            _picture(s, c.png, Inches(0.4), top, Inches(8.6), Inches(5.6))
        _bullets(s, Inches(9.2), top, Inches(3.8), Inches(5.6), c.bullets or [explain.NO_SIGNAL],
                 size=12)

    s = prs.slides.add_slide(title_only)
    _title(s, "How to read these charts")
    _bullets(s, Inches(0.6), top, Inches(12), Inches(5.6), method_lines, size=14)

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
