"""nlp.version: the extractor version changes when a rule file changes, and is stored with every extraction."""
from __future__ import annotations

import shutil

import nlp
from nlp import version


def test_version_is_package_plus_rule_data_hash():
    assert nlp.__version__ == version.extractor_version() == f"{version.package_version()}+{version.rules_hash()}"
    assert len(version.rules_hash()) == 12


def test_changing_a_rule_file_changes_the_hash_and_prose_does_not(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(version.DATA_DIR, data)
    before = version.rules_hash(data)
    assert before == version.rules_hash(version.DATA_DIR)
    (data / "SOURCES.md").write_text("edited prose", encoding="utf-8")
    assert version.rules_hash(data) == before
    rules = sorted(data.glob("*.json"))[0]
    rules.write_bytes(rules.read_bytes().replace(b"{", b"{ ", 1))
    assert version.rules_hash(data) != before
