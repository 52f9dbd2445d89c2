"""Which extractor read a letter: the package version plus a hash of the rule data in nlp/data.

Stored with every extraction (audit_app.store: ExtractionResult.extractor_version), so a store
can tell which letters were read by an older extractor, e.g. after a rule file changed without
a release. '0.1.0+3fa9c2d41b07' = package 0.1.0, rule data hash 3fa9c2d41b07.
"""
from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DISTRIBUTION = "opioid-discharge-audit"
UNINSTALLED = "0+source"   # running from a checkout that was never installed


def package_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return UNINSTALLED


def rules_hash(data_dir: Path = DATA_DIR) -> str:
    """12 hex digits over every rule file's name and bytes (csv and json; prose such as SOURCES.md
    does not change what the extractor reads)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(data_dir).rglob("*") if p.is_file() and p.suffix in (".csv", ".json")):
        digest.update(path.relative_to(data_dir).as_posix().encode("utf-8") + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


@lru_cache(maxsize=1)
def extractor_version() -> str:
    return f"{package_version()}+{rules_hash()}"
