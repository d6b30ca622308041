"""The documentation keeps up with the program, without pinning its sentences.

Every command, subcommand and option of `billing-admin` (read from the parser itself) and every
setting is documented in README.md or docs/*.md; README's two leading commands are the ones
the Makefile and CI support; every `make` target the pages name exists; and relative links
lead to a file and, with an anchor, to a heading there.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from app.cli import build_parser
from app.settings import SETTING_NAMES

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
#: Where a command or a setting counts as documented.
DOCUMENTED_IN = [README, *sorted((ROOT / "docs").glob("*.md"))]
#: Pages whose links must lead somewhere.
LINKED_FROM = [*DOCUMENTED_IN, ROOT / "CONTRIBUTING.md"]
LEADING_COMMANDS = [
    "apt-get update && apt-get install -y make && make run",
    "apt-get update && apt-get install -y make && make test",
]


def _lines() -> list[str]:
    return [
        line for page in DOCUMENTED_IN for line in page.read_text(encoding="utf-8").splitlines()
    ]


def _word(text: str) -> str:
    """`text` as a whole word or option: `--all` is not found in `--all-customers`."""
    return rf"(?<![\w-]){re.escape(text)}(?![\w-])"


def _command_lines(command: str) -> list[str]:
    """The lines that show `billing-admin COMMAND` (`--profile NAME` may come between)."""
    after = f" {_word(command)}" if command else r"\b"
    shown = re.compile(r"billing-admin(?: --profile \S+)?" + after)
    return [line for line in _lines() if shown.search(line)]


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("billing-admin's parser has no commands")


def _shown_options(parser: argparse.ArgumentParser) -> list[str]:
    """The options `--help` lists (hidden ones, help=SUPPRESS, are not for operators)."""
    return [
        option
        for action in parser._actions
        if action.option_strings and action.help != argparse.SUPPRESS
        if not isinstance(action, argparse._HelpAction)
        for option in action.option_strings
        if option.startswith("--")
    ]


def _actions_of(parser: argparse.ArgumentParser) -> list[str]:
    """A command's own subcommands: `key set`, `config show`. A positional with choices and
    a metavar of its own (`config`'s NAME, a setting) is a value, not a subcommand."""
    return [
        str(choice)
        for action in parser._actions
        if not action.option_strings and action.choices is not None and action.metavar is None
        for choice in action.choices
    ]


def undocumented_cli(parser: argparse.ArgumentParser) -> list[str]:
    """What of the command line no page shows: a command with no `billing-admin COMMAND`
    line, a subcommand or an option missing from every line that shows its command."""
    missing = [
        f"billing-admin {option}"
        for option in _shown_options(parser)
        if not any(re.search(_word(option), line) for line in _command_lines(""))
    ]
    for name, command in _subcommands(parser).items():
        lines = _command_lines(name)
        if not lines:
            missing.append(f"billing-admin {name}")
            continue
        for part in [*_actions_of(command), *_shown_options(command)]:
            if not any(re.search(_word(part), line) for line in lines):
                missing.append(f"billing-admin {name} {part}")
    return missing


def test_every_command_subcommand_and_option_is_documented() -> None:
    parser = build_parser()
    assert len(_subcommands(parser)) >= 10  # the walk reaches the commands
    assert undocumented_cli(parser) == [], (
        "document these on a line that shows the command (docs/usage.md, The command line)"
    )


def test_a_command_no_page_shows_is_found() -> None:
    """The check above can fail: a command and an option the pages have never heard of."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    extra = sub.add_parser("refund-everything")
    extra.add_argument("--really", action="store_true", help="no questions")
    sync = _subcommands(parser)["sync"]
    sync.add_argument("--all-accounts", action="store_true", help="every profile at once")

    missing = undocumented_cli(parser)
    assert "billing-admin sync --all-accounts" in missing
    assert "billing-admin refund-everything" in missing


def test_every_setting_has_a_row_in_a_settings_table() -> None:
    pages = "\n".join(page.read_text(encoding="utf-8") for page in DOCUMENTED_IN)
    rows = set(re.findall(r"^\| `(\w+)` \|", pages, re.MULTILINE))
    assert SETTING_NAMES and set(SETTING_NAMES) <= rows, (
        f"settings without a row in docs/usage.md's table: {set(SETTING_NAMES) - rows}"
    )


def _make_targets() -> dict[str, list[str]]:
    """Each Makefile target and its prerequisites."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return {
        name: prerequisites.split()
        for name, prerequisites in re.findall(r"^([\w-]+):(?!=)([^\n]*)", makefile, re.MULTILINE)
    }


def test_readme_leads_with_the_two_commands_the_makefile_and_ci_support() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"^```\w*\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert first_block is not None
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    assert commands == LEADING_COMMANDS

    targets = _make_targets()
    # On a fresh machine `make` is all there is: run and test must set the rest up themselves.
    assert "setup" in targets["run"] and "setup" in targets["test"]
    assert "system" in targets["setup"] and "venv" in targets["setup"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test$", ci, re.MULTILINE), "CI runs the README's test command"


def test_every_make_target_the_pages_name_exists() -> None:
    targets = _make_targets()
    named = {
        target
        for page in LINKED_FROM
        # `make X` in prose, `&& make X` or a line starting `make X` in a code block
        for target in re.findall(
            r"(?:`|&& |^)make ([\w-]+)", page.read_text(encoding="utf-8"), re.MULTILINE
        )
    }
    assert named and named <= set(targets), named - set(targets)


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
    return {_anchor(h) for h in re.findall(r"^#+ (.*)$", text, re.MULTILINE)}


def test_every_relative_link_leads_to_a_file_and_heading() -> None:
    broken = []
    for page in LINKED_FROM:
        for target in re.findall(r"\]\(([^)\s]+)\)", page.read_text(encoding="utf-8")):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            if not linked.exists():
                broken.append(f"{page.name}: {target}")
            elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
                broken.append(f"{page.name}: {target} (no such heading)")
    assert broken == []
