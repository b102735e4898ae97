"""The README's two commands are what a newcomer and CI run."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands_run_dashboard_and_tests():
    run, test = _commands()
    assert run.endswith("streamlit run dashboard.py")
    assert test.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command():
    _, test = _commands()
    lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in lines
