"""A separate OS process for the concurrency tests (run as a script, not imported by pytest).

Protocol: argv[1] is a JSON job. The worker does its set-up, prints READY, waits for GO on stdin
(so every worker starts its action at the same moment), runs the action and prints one line
RESULT <json>: {"ok": true, ...} or {"ok": false, "error": <exception class>, "message": ...}.
"""
from __future__ import annotations

import json
import sys
import time
import traceback


def _letters(n: int, tag: str) -> list[dict]:
    return [{"record": {"letter_id": f"{tag}-{i}", "weaning_plan": "no", "comments": "x" * 200},
             "text": f"{tag} letter {i}: oxycodone 5mg PO PRN, TTO 5 days. " + "filler " * 300,
             "extraction": {"opioids": [{"generic": "oxycodone", "supply_days": 5}]},
             "standard_results": [{"standard_id": "OD-04", "outcome": "not_met", "evidence": []}],
             "comparisons": []} for i in range(n)]


def main() -> None:
    job = json.loads(sys.argv[1])
    from audit_app.store import Store

    store = None
    state: dict = {}
    if job["action"] != "open":
        store = Store(job["url"], migrate=False)
    if job["action"] == "correct":
        state["version"] = store.get_letter(job["letter_id"]).version
    print("READY", flush=True)
    if sys.stdin.readline().strip() != "GO":
        return
    t0 = time.monotonic()
    try:
        if job["action"] == "save_round":
            rid = store.save_round(job["trust_id"], job["label"], _letters(job["n"], job["label"]))
            out = {"round_id": rid}
        elif job["action"] == "correct":
            v = store.correct_letter(job["letter_id"], job["field"], job["value"], reason=job["reason"],
                                     user=job["user"], expected_version=state["version"])
            out = {"version": v, "from_version": state["version"]}
        elif job["action"] == "open":
            store = Store(job["url"])  # creates and migrates the schema if it is new
            t = store.create_trust(job["trust"])
            out = {"trust_id": t.id}
            if job.get("secret_file"):  # and both create the installation secret at once
                import os

                from audit_app import privacy

                os.environ[privacy.SECRET_ENV] = job["secret_file"]
                out["hash"] = privacy.keyed_hash("9990353482")
        elif job["action"] == "hammer":
            saved, corrected = [], 0
            for i in range(job["n"]):
                label = f"{job['tag']}-{i}"
                rid = store.save_round(job["trust_id"], label, _letters(job["letters"], label))
                saved.append(rid)
                assert len(store.letters(rid)) == job["letters"]
                store.list_rounds(job["trust_id"])
                letter = store.letters(rid)[0]
                store.correct_letter(letter.id, "record.weaning_plan", "yes", reason="load", user=job["tag"],
                                     expected_version=letter.version)
                corrected += 1
            out = {"saved": saved, "corrected": corrected}
        else:
            raise ValueError(job["action"])
        result = {"ok": True, **out}
    except Exception as exc:  # noqa: BLE001 - reported to the test, which decides
        result = {"ok": False, "error": type(exc).__name__, "message": str(exc),
                  "is_store_error": exc.__class__.__module__.startswith("audit_app"),
                  "trace": traceback.format_exc()[-2000:]}
    result["seconds"] = round(time.monotonic() - t0, 3)
    print("RESULT " + json.dumps(result), flush=True)
    if store is not None:
        store.close()


if __name__ == "__main__":
    main()
