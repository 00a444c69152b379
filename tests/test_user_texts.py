"""What a user reads speaks of their commands and the tutorials' claims, in plain text.

``--help`` of every ``minigrad`` command and every example (whose help is its
docstring) has no reST markup (double backquotes, ``:func:``, ``::``), names no
source file, and speaks neither of "seeds" (jargon for runs with different random
starts), nor of the tutorials' internal experiment numbers ("reference E13"), nor of
issue numbers. The documentation pages are held to the last three."""
import importlib
import re
from pathlib import Path

import pytest

from minigrad.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(path.stem for path in EXAMPLES.glob("*.py") if not path.stem.startswith("_"))

JARGON = {"seeds as runs": r"\bseeds\b", "experiment numbers": r"\breference E\d|\bE\d+\b",
          "issue numbers": r"\bissues? #?\d"}
MARKUP = {"reST double backquotes": r"``", "reST roles": r":(func|class|meth|mod|attr):`",
          "reST literal block": r"::\n", "source files": r"\b[\w/]+\.py\b"}


def problems(text, rules):
    return [f"{name}: {match.group(0)!r} in ...{text[max(0, match.start() - 40):match.end() + 40]!r}"
            for name, pattern in rules.items() for match in re.finditer(pattern, text)]


def command_helps():
    parser = build_parser()
    yield "minigrad", parser.format_help()
    commands = next(action for action in parser._actions if action.dest == "command")
    for name, sub in commands.choices.items():
        yield f"minigrad {name}", sub.format_help()


@pytest.mark.parametrize("name, text", list(command_helps()), ids=lambda value: value[:20])
def test_command_help_is_plain_text_for_users(name, text):
    found = problems(text, {**JARGON, **MARKUP})
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", SCRIPTS)
def test_example_help_is_plain_text_for_users(name, monkeypatch, capsys):
    monkeypatch.syspath_prepend(str(EXAMPLES))
    module = importlib.import_module(name)
    with pytest.raises(SystemExit):
        module.main(["--help"])
    text = capsys.readouterr().out.replace(f"{name}.py", "")  # the program's own name
    found = problems(text, {**JARGON, **MARKUP})
    assert not found, "\n".join(found)


DOCS = sorted([*ROOT.glob("docs/*.md"), *ROOT.glob("docs/optimizers/*.md"), ROOT / "README.md",
               EXAMPLES / "README.md"])


@pytest.mark.parametrize("page", DOCS, ids=lambda path: str(path.relative_to(ROOT)))
def test_docs_speak_of_runs_and_claims_not_internal_labels(page):
    found = problems(page.read_text(encoding="utf-8"), JARGON)
    assert not found, "\n".join(found)
