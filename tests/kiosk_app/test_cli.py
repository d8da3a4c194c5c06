"""The command line: `run` is read without the technician's commands (the kiosk's start waits
for no more than it needs), and reads exactly as the whole command line reads it."""
from __future__ import annotations

import pytest

from kiosk_app.cli import make_parser, runs_the_kiosk


@pytest.mark.parametrize(("argv", "runs"), [
    (["run"], True),
    (["run", "--demo"], True),
    (["--log-level", "DEBUG", "run", "--role", "agent"], True),
    (["--log-level=WARNING", "run", "--config", "/etc/huduma-kiosk/config.toml"], True),
    (["doctor", "--demo"], False),
    (["outbox", "list"], False),
    (["--help", "run"], False),       # the whole command's help, with every command in it
    (["--version"], False),
    (["--log", "DEBUG", "run"], False),  # an abbreviation: the whole command line reads it
    (["--log-level"], False),
    ([], False),
])
def test_run_is_told_apart_from_the_other_commands(argv: list[str], runs: bool) -> None:
    assert runs_the_kiosk(argv) is runs


@pytest.mark.parametrize("argv", [
    ["run"],
    ["run", "--demo"],
    ["--log-level", "DEBUG", "run", "--role", "agent", "--config", "/tmp/kiosk.toml"],
    ["--log-level=ERROR", "run", "--demo", "--role", "kiosk"],
])
def test_run_reads_the_same_without_the_other_commands(argv: list[str]) -> None:
    assert vars(make_parser(tools=False).parse_args(argv)) == vars(make_parser().parse_args(argv))


def test_a_wrong_run_command_line_is_refused_the_same_way(
        capsys: pytest.CaptureFixture[str]) -> None:
    refusals = []
    for tools in (False, True):
        with pytest.raises(SystemExit) as info:
            make_parser(tools=tools).parse_args(["run", "--role", "citizen"])
        refusals.append((info.value.code, capsys.readouterr().err))
    assert refusals[0] == refusals[1] and refusals[0][0] == 2
    assert "invalid choice: 'citizen'" in refusals[0][1]


def test_the_whole_command_line_still_has_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        make_parser().parse_args(["--help"])
    listed = capsys.readouterr().out
    for command in ("run", "doctor", "agent", "enrol", "catalogue", "status", "card", "outbox",
                    "submit", "printer", "print", "receipt", "sandbox", "scan"):
        assert f"\n    {command} " in listed, command
