"""The console script: help lists every subcommand; user errors are one line and exit 2."""
from __future__ import annotations

import subprocess
import sys

import pytest

from audit_app.cli import SUBCOMMANDS, build_parser, main

EXPECTED = ["app", "import", "score", "extract", "chart", "network"]


def test_help_lists_each_subcommand_with_one_line():
    out = subprocess.run([sys.executable, "-m", "audit_app.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for name in EXPECTED:
        lines = [l for l in out.splitlines() if l.strip().startswith(name + " ")]
        assert lines, f"{name} missing from --help"
        assert len(lines[0].split(None, 1)) == 2, f"{name} has no one-line help"
    assert len(SUBCOMMANDS) == len(EXPECTED)


def test_unknown_option_is_one_line_and_exit_2():
    proc = subprocess.run([sys.executable, "-m", "audit_app.cli", "app", "--frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert len(proc.stderr.strip().splitlines()) == 1 and "unrecognized arguments" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unknown_subcommand_is_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["frobnicate"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_app_is_served_as_an_installed_app_with_the_import_size_cap(monkeypatch):
    from audit_app.cli.app_cmd import streamlit_command

    def option(cmd, name):
        return cmd[cmd.index(name) + 1]

    monkeypatch.delenv("OPIOID_AUDIT_MAX_UPLOAD_MB", raising=False)
    cmd = streamlit_command("127.0.0.1", 8600)
    assert option(cmd, "--server.maxUploadSize") == "20"   # the upload widget says 20MB, as import enforces
    assert option(cmd, "--server.address") == "127.0.0.1" and option(cmd, "--server.port") == "8600"
    assert option(cmd, "--server.fileWatcherType") == "none" and option(cmd, "--runner.postScriptGC") == "false"
    monkeypatch.setenv("OPIOID_AUDIT_MAX_UPLOAD_MB", "5.5")
    assert option(streamlit_command(), "--server.maxUploadSize") == "6"


def test_the_cli_offers_every_rule_set_qi_has():
    """The CLI names the rule sets itself (importing qi at start-up would slow every command); this
    keeps its list equal to qi's registry."""
    import argparse

    from audit_app.cli import build_parser
    from qi.spc import RULE_SETS

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    choices = {name: next((a.choices for a in p._actions if "--rules" in a.option_strings), None)
               for name, p in sub.choices.items()}
    assert set(choices["network"]) == set(RULE_SETS)
    help_text = next(a.help for a in sub.choices["chart"]._actions if "--rules" in a.option_strings)
    assert all(r in help_text for r in RULE_SETS)
