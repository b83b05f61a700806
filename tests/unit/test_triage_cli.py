"""`processes`, `stats` and `refresh`: usage errors are one line and exit 2, before any
connection (the DSN below points nowhere)."""

from __future__ import annotations

import pytest

from tests.cli import run

NOWHERE = "host=/nonexistent/socket dbname=x connect_timeout=1"


@pytest.mark.parametrize(("args", "message"), [
    (["processes", "--sort", "colour"], "--sort 'colour': use one of last_activity"),
    (["processes", "tokens:lots"], "tokens: 'lots' is not a whole number"),
    (["processes", "--limit", "0"], "--limit must be at least 1"),
    (["processes", "since:2d", "until:3d"], "since: must be before until:"),
    (["stats", "--since", "yesterday", "--until", "2020-01-01"], "--since must be before"),
    (["stats", "--since", "soon"], "--since: 'soon' is not an ISO date"),
])
def test_bad_values_are_one_line_exit_2(args: list[str], message: str) -> None:
    done = run(*args, "--dsn", NOWHERE)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_server_that_cannot_be_reached_is_exit_2() -> None:
    for args in (["processes"], ["stats"], ["refresh"]):
        done = run(*args, "--dsn", NOWHERE)
        assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr


def test_help_names_the_fields_and_the_alias() -> None:
    assert "max_latency_s" in run("processes", "--help").stdout
    assert "--by {provider,model,activity,definition,day,hour}" in run("stats", "--help").stdout
    assert "--rebuild" in run("refresh-words", "--help").stdout
