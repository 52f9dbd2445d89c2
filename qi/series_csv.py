"""One CSV format for a charted series, written by the app's "Download data" and read back by
`opioid-audit chart` exactly.

The header says what each column is, so a proportion is never read as a count:

    period, numerator, denominator, proportion[, target, phase, centre_line, ...]   (a percentage measure)
    period, value[, target, phase, centre_line, ...]                                 (any other measure)

`proportion` and `target` are fractions (0.67 = 67%). The reader also takes a `percent` column
(67 = 67%), and the older `label, value, denominator` layout, where `value` is the numerator; when
such values look like proportions instead (all between 0 and 1, some not whole) it says so.
Columns after the series (limits, signals, explanation) are for people and are not read back.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from typing import Any

LABEL_NAMES = ("period", "label")
# analysis columns written after the series: points-frame name -> CSV heading
_ANALYSIS_COLUMNS = {"phase": "phase", "cl": "centre_line", "lcl": "lower_limit", "ucl": "upper_limit",
                     "point_type": "signal", "explanation": "explanation"}


class SeriesCsvError(ValueError):
    """A CSV that cannot be read as a series; the message names the row and column."""


@dataclass
class SeriesData:
    labels: list[str]
    values: list[float]                      # numerators when `denominators` is given
    denominators: list[float] | None = None
    target: float | None = None              # in the values' own scale (a fraction for proportions)
    measure: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def is_proportion(self) -> bool:
        return self.denominators is not None


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def write_series_csv(labels: list[Any], *, values: list[float] | None = None,
                     numerators: list[float] | None = None, denominators: list[float] | None = None,
                     target: float | None = None, measure: str | None = None,
                     analysis: list[dict[str, Any]] | None = None) -> str:
    """The CSV text. Give `numerators` and `denominators` for a percentage measure, `values`
    otherwise. `analysis` (one dict per point, keys as in `qi.spc` points) adds the limits and
    signals for reading."""
    proportion = numerators is not None
    if proportion and (denominators is None or len(denominators) != len(numerators)):
        raise ValueError("a percentage measure needs one denominator per numerator")
    if not proportion and values is None:
        raise ValueError("give values, or numerators and denominators")
    head = ["period"] + (["numerator", "denominator", "proportion"] if proportion else ["value"])
    head += ["target"] if target is not None else []
    head += ["measure"] if measure else []
    extra = [k for k in _ANALYSIS_COLUMNS if analysis and any(k in a for a in analysis)]
    head += [_ANALYSIS_COLUMNS[k] for k in extra]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(head)
    for i, lab in enumerate(labels):
        if proportion:
            n, d = numerators[i], denominators[i]
            p = n / d if d else math.nan
            row = [_fmt(lab), _fmt(n), _fmt(d), _fmt(p)]
        else:
            row = [_fmt(lab), _fmt(values[i])]
        row += [_fmt(target)] if target is not None else []
        row += [measure] if measure else []
        row += [_fmt((analysis[i] if analysis else {}).get(k)) for k in extra]
        w.writerow(row)
    return buf.getvalue()


def points_to_csv(points, *, periods: list[str] | None = None, target: float | None = None,
                  measure: str | None = None) -> str:
    """The CSV of a `qi.spc` result's points frame (value = proportion when it has denominators)."""
    labels = periods or [str(x) for x in points["label"]]
    rows = points.to_dict("records")
    dens = points["denominator"] if "denominator" in points else None
    if dens is not None and dens.notna().any():
        d = [float(x) for x in dens]
        n = [round(float(v) * dd, 6) if not (math.isnan(float(v)) or math.isnan(dd)) else math.nan
             for v, dd in zip(points["value"], d)]
        n = [float(round(x)) if not math.isnan(x) and abs(x - round(x)) < 1e-6 else x for x in n]
        return write_series_csv(labels, numerators=n, denominators=d, target=target, measure=measure, analysis=rows)
    return write_series_csv(labels, values=[float(v) for v in points["value"]], target=target, measure=measure,
                            analysis=rows)


def _number(text: str, row: int, column: str) -> float:
    t = (text or "").strip()
    if t == "" or t.upper() in ("NA", "NAN"):
        return math.nan
    try:
        v = float(t.rstrip("%")) if t.endswith("%") else float(t)
    except ValueError:
        raise SeriesCsvError(f"row {row}, column '{column}': {t!r} is not a number") from None
    if math.isinf(v):
        raise SeriesCsvError(f"row {row}, column '{column}': {t!r} is not a finite number")
    return v


def read_series_csv(text: str, name: str = "the CSV") -> SeriesData:
    """Read the CSV written by `write_series_csv` (or a hand-made one); see the module docstring."""
    rows = [r for r in csv.reader(text.splitlines()) if any(c.strip() for c in r)]
    if not rows:
        raise SeriesCsvError(f"{name}: the file is empty")
    header = [h.strip().lower() for h in rows[0]]
    if len(header) < 2:
        raise SeriesCsvError(f"{name}: the header needs at least two columns, e.g. period, numerator, denominator")
    col = {h: i for i, h in reversed(list(enumerate(header))) if h}
    i_lab = next((col[n] for n in LABEL_NAMES if n in col), 0)
    warnings: list[str] = []
    if "numerator" in col and "denominator" in col:
        layout = "counts"
    elif ("proportion" in col or "percent" in col) and "denominator" in col:
        layout = "share_of_denominator"
    elif "proportion" in col or "percent" in col:
        layout = "share"
    elif "value" in col:
        layout = "value_den" if "denominator" in col else "value"
    else:  # positional: label, value[, denominator]
        col = {"value": 1, **({"denominator": 2} if len(header) >= 3 and header[2] else {})}
        layout = "value_den" if "denominator" in col else "value"
    names = rows[0]

    def cell(r: list[str], i: int) -> str:
        return r[i] if i < len(r) else ""

    labels, values, dens, targets = [], [], [], []
    for rownum, r in enumerate(rows[1:], start=2):
        lab = cell(r, i_lab).strip()
        if not lab:
            raise SeriesCsvError(f"{name}, row {rownum}, column '{names[i_lab]}': the label is empty")
        labels.append(lab)

        def num(key: str) -> float:
            i = col[key]
            if i >= len(r):
                raise SeriesCsvError(f"{name}, row {rownum}: expected a '{names[i] or key}' column, "
                                     f"found {len(r)} column(s)")
            return _number(r[i], rownum, names[i] or key)

        if layout == "counts":
            n, d = num("numerator"), num("denominator")
            values.append(n)
            dens.append(d)
            share = num("proportion") if "proportion" in col else None
            if share is not None and d and not math.isnan(share) and abs(share - n / d) > 0.005:
                warnings.append(f"row {rownum}: proportion {share:g} does not equal numerator/denominator "
                                f"({n:g}/{d:g}); the counts are used")
        elif layout == "share_of_denominator":
            d = num("denominator")
            share = num("proportion") if "proportion" in col else num("percent") / 100.0
            values.append(share * d if not math.isnan(share) else math.nan)
            dens.append(d)
        elif layout == "share":
            share = num("proportion") if "proportion" in col else num("percent") / 100.0
            values.append(share)
        else:
            values.append(num("value"))
            if layout == "value_den":
                dens.append(num("denominator"))
        if "target" in col:
            targets.append(num("target"))
    if not labels:
        raise SeriesCsvError(f"{name}: no data rows after the header")
    if layout == "value_den":
        seen = [(v, d) for v, d in zip(values, dens) if not (math.isnan(v) or math.isnan(d))]
        if seen and all(0 <= v <= 1 for v, _ in seen) and any(v != int(v) for v, _ in seen) \
                and any(d > 1 for _, d in seen):
            warnings.append("the 'value' column looks like proportions (all between 0 and 1, not whole numbers) "
                            "but is read as the numerator of the 'denominator' column; if they are proportions, "
                            "name the column 'proportion' (or give 'numerator')")
    if layout == "share_of_denominator":
        warnings.extend(_non_whole_counts(values))
    target = None
    known = [t for t in targets if not math.isnan(t)]
    if known:
        target = known[0]
        if layout in ("share", "share_of_denominator") and "percent" in col and "proportion" not in col:
            target = target / 100.0
        if any(abs(t - target) > 1e-9 for t in known) and not ("percent" in col and "proportion" not in col):
            warnings.append("the 'target' column changes between rows; the first target is used")
    measure = None
    if "measure" in col:
        measure = next((cell(r, col["measure"]).strip() for r in rows[1:] if cell(r, col["measure"]).strip()), None)
    return SeriesData(labels, values, dens if layout in ("counts", "share_of_denominator", "value_den") else None,
                      target, measure, warnings)


def _non_whole_counts(numerators: list[float]) -> list[str]:
    off = [v for v in numerators if not math.isnan(v) and abs(v - round(v)) > 0.02]
    if off:
        return [f"{len(off)} proportion(s) times their denominator are not whole numbers of letters; "
                "the proportions may be rounded (give 'numerator' for exact counts)"]
    return []
