"""`opioid-audit score`: summary table, report file, rescoring, one-line user errors."""
from __future__ import annotations

import openpyxl
import pytest

from audit_app.cli import main
from audit_app.store import Store


def _letter(i: int, weaning: str) -> dict:
    return {
        "record": {"letter_id": f"R1-{i:03d}", "nhs_number": "999 000 0001", "hospital_number": f"RX{9450000 + i}",
                   "opioid_prescribed": "yes", "weaning_plan": weaning, "gp_action": "no", "days_supplied": 5,
                   "sex": "F" if i % 2 else "M", "age": 50 + i},
        "text": None,
        "extraction": None,
        "standard_results": [],
    }


@pytest.fixture
def seeded(store_url):
    s = Store(store_url)
    t = s.create_trust("Trust A", "TA")
    s.create_trust("Trust B", "TB")
    s.save_round(t.id, "Round 1", [_letter(i, "yes" if i < 4 else "no") for i in range(10)])
    yield store_url, s, t
    s.close()


def test_score_prints_summary_writes_report_and_saves_results(seeded, tmp_path, capsys):
    url, s, t = seeded
    out = tmp_path / "r1.xlsx"
    rc = main(["--db", url, "score", "--trust", "TA", "--round", "Round 1", "--out", str(out), "--no-charts"])
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "Scored 10 letter(s)" in captured.out
    line = next(l for l in captured.out.splitlines() if l.startswith("OD-04"))
    assert "4/10" in line and "40%" in line and ">=100%" in line and " no " in f" {line} "
    assert "OD-05" in captured.out and "10/10" in next(l for l in captured.out.splitlines() if l.startswith("OD-05"))
    assert "999 000 0001" not in captured.out and "RX945" not in captured.out
    assert out.exists()
    wb = openpyxl.load_workbook(out)
    assert "Summary" in wb.sheetnames
    rnd = s.find_round(t.id, "Round 1")
    assert rnd.standards_version == 1 and s.standards_config(t.id)[0] == 1
    assert all(l.standard_results for l in s.letters(rnd.id))


def test_rescore_uses_the_current_configuration(seeded, tmp_path, capsys):
    url, s, t = seeded
    main(["--db", url, "score", "--trust", "Trust A", "--round", "Round 1", "--out", str(tmp_path / "a.xlsx"), "--no-charts"])
    s.save_standards_config(t.id, {"parameters": {"supply_limit_days": 3}, "standards": {"OD-09": {"enabled": False}}})
    capsys.readouterr()
    rc = main(["--db", url, "score", "--trust", "Trust A", "--round", "Round 1", "--rescore",
               "--out", str(tmp_path / "b.xlsx"), "--no-charts"])
    out = capsys.readouterr().out
    assert rc == 0
    assert "configuration v2" in out
    assert "0/10" in next(l for l in out.splitlines() if l.startswith("OD-05"))  # 5 days > 3
    assert not any(l.startswith("OD-09") for l in out.splitlines())
    assert s.find_round(t.id, "Round 1").standards_version == 2


def test_unmask_warns(sqlite_seeded, tmp_path, capsys):
    rc = main(["--db", sqlite_seeded, "score", "--trust", "TA", "--round", "Round 1", "--out", str(tmp_path / "u.xlsx"),
               "--no-charts", "--unmask"])
    assert rc == 0 and "unmasked" in capsys.readouterr().err


@pytest.fixture(scope="module")
def sqlite_seeded(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('score') / 'audit.db'}"
    s = Store(url)
    t = s.create_trust("Trust A", "TA")
    s.create_trust("Trust B", "TB")
    s.save_round(t.id, "Round 1", [_letter(i, "yes") for i in range(3)])
    s.close()
    return url


@pytest.mark.parametrize("argv,expect", [
    (["--trust", "Nowhere", "--round", "Round 1"], ["unknown trust 'Nowhere'", "'Trust A'", "'Trust B'"]),
    (["--trust", "TA", "--round", "Round 9"], ["no round 'Round 9'", "'Round 1'"]),
    (["--trust", "TB", "--round", "Round 1"], ["no round 'Round 1'", "none"]),
    (["--trust", "TA", "--round", "Round 1", "--out", "report.pdf"], [".xlsx"]),
])
def test_user_errors_are_one_line_exit_2(sqlite_seeded, capsys, argv, expect):
    rc = main(["--db", sqlite_seeded, "score", *argv])
    err = capsys.readouterr().err
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for e in expect:
        assert e in err
