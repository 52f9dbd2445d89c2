"""The repository's own test data: complete, described, valid against its schema, and the only data tests read."""
from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def _validator(data_dir):
    spec = importlib.util.spec_from_file_location("validate_discharge_letters",
                                                  data_dir / "validate_discharge_letters.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["discharge_letters_dev.jsonl", "discharge_letters_handwritten_dev.jsonl"])
def test_gold_files_pass_the_schema_check(data_dir, name):
    n, errors = _validator(data_dir).check(data_dir / name)
    assert n >= 80 and errors == [], errors[:5]


def test_the_validator_catches_a_broken_record(data_dir, dev_letters, tmp_path):
    record = dict(dev_letters[0], gold=dict(dev_letters[0]["gold"], scenario="sometimes", letter_style="poem"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    n, errors = _validator(data_dir).check(bad)
    assert n == 1 and len(errors) >= 2


def test_every_data_file_has_its_provenance(data_dir):
    readme = (data_dir / "README.md").read_text(encoding="utf-8")
    files = [p.relative_to(data_dir).as_posix() for p in data_dir.rglob("*")
             if p.is_file() and p.name != "README.md" and "__pycache__" not in p.parts]
    assert files
    for f in files:
        short = re.sub(r"trust_a_round\d", "trust_a_round{1,2,3}", f)
        assert f"`{short}`" in readme, f"tests/data/README.md does not describe {f}"


def test_no_test_reads_the_reference_folder():
    """Tests read tests/data, never ../shared (a fresh clone has no reference folder beside it)."""
    offenders = []
    for p in TESTS.rglob("*.py"):
        if p.name == Path(__file__).name or "data" in p.relative_to(TESTS).parts[:1]:
            continue
        text = p.read_text(encoding="utf-8")
        if "OPIOID_AUDIT_SHARED" in text or re.search(r"""["'/]shared["'/]""", text):
            offenders.append(p.relative_to(TESTS).as_posix())
    assert offenders == []
