"""Score the extractor against gold labels (corpus README schema).

    python -m nlp.evaluate shared/corpora/discharge_letters_dev.jsonl [--json report.json] [--misses 50]

Reports per-field precision/recall/F1 and exact-match rates over matched prescriptions, opioid detection
(letter and prescription level), weaning plan / GP instruction / indication / risk-flag scores, the distractor
false-positive rate, the share of letters whose total OME/day is within 10% of gold, the letters whose >= 90 and
>= 120 mg verdicts differ from gold, and the misses grouped by the error classes of issue 11 (misspellings,
borrowed numbers, tablet counts, tables, GP/weaning phrasing, status, routes, age/dates...) with letter id, field,
expected and predicted values - never letter text (plan misses show presence and spans).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict

from nlp.extraction import GOLD_FLAG_ORDER, RX_FIELDS

THRESHOLDS = {
    "opioid_detection_f1": 0.97,
    "distractor_fp_rate_max": 0.02,
    "exact_dose": 0.95,
    "exact_frequency": 0.95,
    "exact_max_daily_dose": 0.95,
    "exact_duration": 0.95,
    "exact_supply": 0.95,
    "weaning_plan_f1": 0.95,
    "gp_instruction_f1": 0.95,
    "ome_within_10pct": 0.95,
    "wrong_120_verdicts_max": 0,
}
HIGH_DOSE_VERDICTS = (90.0, 120.0)
# Error classes of issue 11, in the order a developer should read them.
ERROR_CLASSES = ("misspellings", "borrowed_numbers", "tablet_counts", "tables", "gp_weaning_phrasing", "status",
                 "routes", "age_dates", "ome_total", "indication", "co_prescription", "other")
NUMERIC_FIELDS = {"dose_mg_min", "dose_mg_max", "frequency_per_day_max", "prn", "max_daily_dose_mg", "duration_days",
                  "supply_days", "supply_quantity", "strength_mg"}


def ome_within(gold: float, pred: float | None, tolerance: float = 0.10) -> bool:
    """Predicted OME/day within 10% of gold (0 must be 0)."""
    if pred is None:
        return abs(gold) <= 1e-6
    if abs(gold) <= 1e-6:
        return abs(pred) <= 1e-6
    return abs(pred - gold) <= tolerance * abs(gold) + 1e-9


def _names_drug(text: str, generic: str) -> bool:
    """Whether the lexicon (exact spellings) finds the generic in a piece of gold text."""
    from nlp.lexicon import load_lexicon

    lex = load_lexicon()
    return any(t.generic == generic and t.category == "opioid" for _s, _e, w in lex.iter_matches(text or "")
               for t in lex.lookup(w))


def _drug_count(text: str) -> int:
    from nlp.lexicon import load_lexicon

    return sum(1 for _ in load_lexicon().iter_matches(text or ""))


def classify_miss(m: dict, gold: dict) -> str:
    """The issue-11 class of one miss (a heuristic that points at the likely cause, never at letter text)."""
    f = m["field"]
    if f in ("weaning_plan", "gp_instruction", "weaning_plan.text", "gp_instruction.text"):
        return "gp_weaning_phrasing"
    if f in ("risk_flag:age_over_65", "patient_age"):
        return "age_dates"
    if f.startswith("ome_") or f == "risk_flag:high_dose_120_ome":
        return "ome_total"
    if f == "risk_flag:mr_opioid_for_acute_pain":
        return "status"
    if f == "risk_flag:supply_over_7_days":
        return "tables" if gold.get("letter_style") == "table" else "borrowed_numbers"
    if f == "indication_documented":
        return "indication"
    if f in ("risk_flag:benzodiazepine_coprescribed", "risk_flag:gabapentinoid_coprescribed"):
        return "co_prescription"
    if f in ("distractor", "new_on_admission") or f.startswith("prescription_false_positive"):
        return "status"
    rx = next((g for g in gold.get("opioids", []) if g["generic"] == m.get("generic")), None)
    if f in ("prescription_missed", "has_opioid"):
        rxs = [g for g in gold.get("opioids", []) if f == "has_opioid" or f"{g['generic']} {g['formulation']}" == m["expected"]]
        if rxs and any(not _names_drug(g["text"], g["generic"]) for g in rxs):
            return "misspellings"
        if rxs and any(g.get("route") not in ("oral", None) for g in rxs):
            return "routes"
        return "status" if f == "has_opioid" and not m["expected"] else "other"
    if f in ("route", "formulation", "strength_mcg_per_hour"):
        return "routes"
    if f in NUMERIC_FIELDS:
        e, p = m.get("expected"), m.get("predicted")
        if f in ("dose_mg_min", "dose_mg_max", "max_daily_dose_mg") and isinstance(e, (int, float)) and isinstance(p, (int, float)) and p and e \
                and not isinstance(e, bool) and abs(e / p - round(e / p)) < 1e-6 and round(e / p) in (2, 3, 4):
            return "tablet_counts"
        if rx is not None and ("|" in rx["text"] or "\t" in rx["text"] or gold.get("letter_style") == "table"):
            return "tables"
        if rx is not None and rx.get("route") not in ("oral", None):
            return "routes"
        return "borrowed_numbers" if rx is None or _drug_count(rx["text"]) > 1 or gold.get("letter_style") == "prose" \
            else "other"
    return "other"


def classify_misses(misses: list[dict], records: list[dict], predictions: list[dict]) -> None:
    gold_by_id = {r["id"]: r["gold"] for r in records}
    for m in misses:
        m["class"] = classify_miss(m, gold_by_id.get(m["id"], {}))


def error_classes(misses: list[dict]) -> dict:
    """{class: {count, letters, fields: {field: count}}}, classes in ERROR_CLASSES order."""
    out = {}
    for cls in ERROR_CLASSES:
        ms = [m for m in misses if m.get("class") == cls]
        if not ms:
            continue
        fields = defaultdict(int)
        for m in ms:
            fields[m["field"]] += 1
        out[cls] = {"count": len(ms), "letters": len({m["id"] for m in ms}),
                    "fields": dict(sorted(fields.items(), key=lambda kv: -kv[1]))}
    return out
GROUPS = {
    "dose": ("dose_mg_min", "dose_mg_max"),
    "frequency": ("frequency_per_day_max",),
    "max_daily_dose": ("max_daily_dose_mg",),
    "duration": ("duration_days",),
    "supply": ("supply_days", "supply_quantity"),
}


def _eq(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) <= 1e-6
    return str(a).strip().lower() == str(b).strip().lower()


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "tp": tp, "fp": fp, "fn": fn}


def _overlap(a, b) -> bool:
    return a is not None and b is not None and a[0] < b[1] and b[0] < a[1]


def match_prescriptions(gold: list[dict], pred: list[dict]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair gold and predicted prescriptions by generic (+ formulation, + route), best field agreement first."""
    cands = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            if g["generic"] != p["generic"]:
                continue
            score = 10 * (g.get("formulation") == p.get("formulation")) + 5 * (g.get("route") == p.get("route"))
            score += sum(_eq(g.get(f), p.get(f)) for f in ("brand", "strength_mg", "strength_mcg_per_hour", "dose_mg_max", "frequency_per_day_max", "prn"))
            cands.append((-score, i, j))
    cands.sort()
    used_g, used_p, pairs = set(), set(), []
    for _, i, j in cands:
        if i in used_g or j in used_p:
            continue
        used_g.add(i)
        used_p.add(j)
        pairs.append((i, j))
    return pairs, [i for i in range(len(gold)) if i not in used_g], [j for j in range(len(pred)) if j not in used_p]


def evaluate(records: list[dict], predictions: list[dict] | None = None, n_process: int = 1) -> dict:
    """records: gold jsonl records {id, text, gold}; predictions: to_dict() per record (computed if None)."""
    if predictions is None:
        from nlp.pipeline import extract_many

        predictions = [x.to_dict() for x in extract_many([r["text"] for r in records], n_process=n_process)]
    misses = []
    letter = defaultdict(int)
    rx_tp = rx_fp = rx_fn = 0
    field_counts = {f: defaultdict(int) for f in RX_FIELDS + ["ome_mg_per_day"]}
    group_exact = defaultdict(int)
    n_pairs = 0
    wean, gpi, ind = defaultdict(int), defaultdict(int), defaultdict(int)
    text_overlap = defaultdict(int)
    flags = {f: defaultdict(int) for f in GOLD_FLAG_ORDER}
    ome = defaultdict(int)
    verdicts: dict[float, list] = {thr: [] for thr in HIGH_DOSE_VERDICTS}
    n_distractors = 0
    distractor_fp = 0
    distr_found = 0
    errors = 0
    for rec, pred in zip(records, predictions):
        gold, text, lid = rec["gold"], rec["text"], rec["id"]
        if pred.get("error"):
            errors += 1
            misses.append({"id": lid, "field": "error", "expected": None, "predicted": pred["error"]})
        g_has = gold["scenario"] != "no_opioid"
        p_has = bool(pred["opioids"])
        letter["tp" if g_has and p_has else "fp" if p_has else "fn" if g_has else "tn"] += 1
        if g_has != p_has:
            misses.append({"id": lid, "field": "has_opioid", "expected": g_has, "predicted": p_has})
        pairs, g_only, p_only = match_prescriptions(gold["opioids"], pred["opioids"])
        rx_tp += len(pairs)
        rx_fn += len(g_only)
        rx_fp += len(p_only)
        for i in g_only:
            g = gold["opioids"][i]
            misses.append({"id": lid, "field": "prescription_missed", "expected": f"{g['generic']} {g['formulation']}", "predicted": None})
        gold_d_spans = []
        for d in gold["distractors"]:
            s = text.find(d["text"])
            gold_d_spans.append((s, s + len(d["text"])) if s >= 0 else None)
        n_distractors += len(gold["distractors"])
        gold_rx_spans = []
        for g in gold["opioids"]:
            s = text.find(g["text"])
            gold_rx_spans.append((s, s + len(g["text"])) if s >= 0 else None)
        for j in p_only:
            p = pred["opioids"][j]
            sp = tuple(p["span"])
            on_distractor = any(_overlap(sp, d) for d in gold_d_spans if d) and not any(_overlap(sp, g) for g in gold_rx_spans if g)
            distractor_fp += on_distractor
            misses.append({"id": lid, "field": "prescription_false_positive" + (" (distractor)" if on_distractor else ""),
                           "expected": None, "predicted": f"{p['generic']} {p['formulation']} @{p['span']}"})
        for i, j in pairs:
            g, p = gold["opioids"][i], pred["opioids"][j]
            n_pairs += 1
            for f in RX_FIELDS:
                gv, pv = g.get(f), p.get(f)
                c = field_counts[f]
                if _eq(gv, pv):
                    c["exact"] += 1
                    if gv is not None and gv is not False:
                        c["tp"] += 1
                else:
                    if pv is not None and pv is not False:
                        c["fp"] += 1
                    if gv is not None and gv is not False:
                        c["fn"] += 1
                    misses.append({"id": lid, "field": f, "expected": gv, "predicted": pv, "generic": g["generic"]})
            for name, fs in GROUPS.items():
                group_exact[name] += all(_eq(g.get(f), p.get(f)) for f in fs)
            if gold_rx_spans[i] and _overlap(tuple(p["span"]), gold_rx_spans[i]):
                text_overlap["prescription"] += 1
        for key, store in (("weaning_plan", wean), ("gp_instruction", gpi)):
            gp_, pp_ = gold[key]["present"], pred[key]["present"]
            store["tp" if gp_ and pp_ else "fp" if pp_ else "fn" if gp_ else "tn"] += 1
            if gp_ != pp_:
                misses.append({"id": lid, "field": key, "expected": gp_, "predicted": pp_})
            elif gp_ and pp_:
                s = text.find(gold[key]["text"])
                if s >= 0 and _overlap((s, s + len(gold[key]["text"])), tuple(pred[key]["span"])):
                    text_overlap[key] += 1
                else:
                    misses.append({"id": lid, "field": key + ".text",
                                   "expected": [s, s + len(gold[key]["text"])] if s >= 0 else None,
                                   "predicted": pred[key]["span"]})
        gi, pi = gold["indication_documented"], pred["indication_documented"]
        ind["tp" if gi and pi else "fp" if pi else "fn" if gi else "tn"] += 1
        if gi != pi:
            misses.append({"id": lid, "field": "indication_documented", "expected": gi, "predicted": pi})
        for f in GOLD_FLAG_ORDER:
            gf, pf = f in gold["risk_flags"], f in pred["risk_flags"]
            flags[f]["tp" if gf and pf else "fp" if pf else "fn" if gf else "tn"] += 1
            if gf != pf:
                misses.append({"id": lid, "field": "risk_flag:" + f, "expected": gf, "predicted": pf})
        g_ome, p_ome = gold.get("ome_max_mg_per_day"), pred.get("ome_max_mg_per_day", pred.get("ome_total_mg_per_day"))
        if g_ome is not None:
            ome["letters"] += 1
            if ome_within(g_ome, p_ome):
                ome["within_10pct"] += 1
            else:
                misses.append({"id": lid, "field": "ome_total_mg_per_day", "expected": g_ome, "predicted": p_ome})
        for thr in HIGH_DOSE_VERDICTS:
            gv_, pv_ = (g_ome or 0.0) >= thr - 1e-9, (p_ome or 0.0) >= thr - 1e-9
            if gv_ != pv_:
                verdicts[thr].append(lid)
                misses.append({"id": lid, "field": f"ome_verdict_{int(thr)}", "expected": gv_, "predicted": pv_})
        pd_ = [(d["generic"], d["reason"]) for d in pred["distractors"]]
        for d in gold["distractors"]:
            key = (d["generic"], d["reason"])
            if key in pd_:
                pd_.remove(key)
                distr_found += 1
            else:
                misses.append({"id": lid, "field": "distractor", "expected": f"{d['generic']}/{d['reason']}", "predicted": None})
    n_letters = len(records)
    fields = {}
    for f, c in field_counts.items():
        if f == "ome_mg_per_day":
            continue
        fields[f] = {**prf(c["tp"], c["fp"], c["fn"]), "exact_match": round(c["exact"] / n_pairs, 4) if n_pairs else None}
    report = {
        "letters": n_letters,
        "errors": errors,
        "opioid_detection_letter": prf(letter["tp"], letter["fp"], letter["fn"]),
        "opioid_detection_prescription": prf(rx_tp, rx_fp, rx_fn),
        "matched_prescriptions": n_pairs,
        "exact_match": {k: round(v / n_pairs, 4) if n_pairs else None for k, v in group_exact.items()},
        "fields": fields,
        "weaning_plan": {**prf(wean["tp"], wean["fp"], wean["fn"]), "text_overlap": text_overlap["weaning_plan"]},
        "gp_instruction": {**prf(gpi["tp"], gpi["fp"], gpi["fn"]), "text_overlap": text_overlap["gp_instruction"]},
        "indication_documented": {**prf(ind["tp"], ind["fp"], ind["fn"]), "accuracy": round((ind["tp"] + ind["tn"]) / n_letters, 4) if n_letters else None},
        "risk_flags": {f: prf(c["tp"], c["fp"], c["fn"]) for f, c in flags.items()},
        "distractors": {"gold": n_distractors, "false_positive_prescriptions": distractor_fp,
                        "false_positive_rate": round(distractor_fp / n_distractors, 4) if n_distractors else 0.0,
                        "detected_same_generic_and_reason": distr_found},
        "ome": {"letters_with_gold_ome": ome["letters"], "within_10pct": ome["within_10pct"],
                "within_10pct_rate": round(ome["within_10pct"] / ome["letters"], 4) if ome["letters"] else None,
                **{f"wrong_verdicts_{int(t)}": len(v) for t, v in verdicts.items()},
                **{f"wrong_verdict_ids_{int(t)}": v for t, v in verdicts.items()}},
        "misses": misses,
    }
    classify_misses(misses, records, predictions)
    report["error_classes"] = error_classes(misses)
    report["thresholds"] = check_thresholds(report)
    return report


def check_thresholds(report: dict) -> dict:
    got = {
        "opioid_detection_f1": report["opioid_detection_prescription"]["f1"],
        "distractor_fp_rate_max": report["distractors"]["false_positive_rate"],
        "exact_dose": report["exact_match"].get("dose"),
        "exact_frequency": report["exact_match"].get("frequency"),
        "exact_max_daily_dose": report["exact_match"].get("max_daily_dose"),
        "exact_duration": report["exact_match"].get("duration"),
        "exact_supply": report["exact_match"].get("supply"),
        "weaning_plan_f1": report["weaning_plan"]["f1"],
        "gp_instruction_f1": report["gp_instruction"]["f1"],
        "ome_within_10pct": report["ome"]["within_10pct_rate"],
        "wrong_120_verdicts_max": report["ome"]["wrong_verdicts_120"],
    }
    out = {}
    for k, target in THRESHOLDS.items():
        v = got[k]
        ok = v is not None and (v <= target if k.endswith("_max") else v >= target)
        out[k] = {"value": v, "target": target, "pass": ok}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__.splitlines()[0])
    ap.add_argument("file", help="gold .jsonl ({id, text, gold} per line)")
    ap.add_argument("--json", help="write the full report (with misses) to this file")
    ap.add_argument("--misses", type=int, default=40, help="how many misses to print (default 40)")
    ap.add_argument("--n-process", type=int, default=1)
    args = ap.parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    rep = evaluate(records, n_process=args.n_process)
    print(f"letters: {rep['letters']}  matched prescriptions: {rep['matched_prescriptions']}  errors: {rep['errors']}")
    for k in ("opioid_detection_letter", "opioid_detection_prescription", "weaning_plan", "gp_instruction", "indication_documented"):
        r = rep[k]
        print(f"{k:32s} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
    print("per-field (matched prescriptions):")
    for f, r in rep["fields"].items():
        print(f"  {f:24s} exact={r['exact_match']:.3f}  P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
    print("exact match groups: " + ", ".join(f"{k}={v:.3f}" for k, v in rep["exact_match"].items()))
    print("risk flags:")
    for f, r in rep["risk_flags"].items():
        print(f"  {f:28s} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
    o = rep["ome"]
    if o["within_10pct_rate"] is not None:
        print(f"OME/day within 10% of gold: {o['within_10pct']}/{o['letters_with_gold_ome']} letters "
              f"(rate {o['within_10pct_rate']:.3f}); wrong >=90 verdicts: {o['wrong_verdicts_90']}, "
              f"wrong >=120 verdicts: {o['wrong_verdicts_120']}")
    d = rep["distractors"]
    print(f"distractors: {d['gold']} gold, {d['false_positive_prescriptions']} extracted as prescriptions "
          f"(rate {d['false_positive_rate']:.3f}); {d['detected_same_generic_and_reason']} detected with the same generic and reason")
    print("thresholds:")
    for k, v in rep["thresholds"].items():
        print(f"  {k:26s} {v['value']!s:8s} target {v['target']}  {'PASS' if v['pass'] else 'FAIL'}")
    if rep["error_classes"]:
        print("errors by class (issue 11; where the next gain is):")
        for cls, c in sorted(rep["error_classes"].items(), key=lambda kv: -kv[1]["count"]):
            top = ", ".join(f"{k} {v}" for k, v in list(c["fields"].items())[:4])
            print(f"  {cls:20s} {c['count']:4d} misses in {c['letters']:3d} letters  ({top})")
    if rep["misses"] and args.misses:
        print(f"misses ({len(rep['misses'])}, first {args.misses}, by class):")
        ordered = sorted(rep["misses"], key=lambda m: (ERROR_CLASSES.index(m.get("class", "other")), m["id"]))
        for m in ordered[: args.misses]:
            print(f"  [{m.get('class', 'other')}] {m['id']}  {m['field']}: expected={m['expected']!r} predicted={m['predicted']!r}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(rep, fh, indent=1, default=str)
    return 0 if all(v["pass"] for v in rep["thresholds"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
