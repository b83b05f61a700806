"""config.toml's cockpit_url: checked before use, the id percent-encoded into it."""

from __future__ import annotations

from pathlib import Path

import pytest

from procos_tui.cli.main import main
from procos_tui.core.cockpit import CockpitUrlError, check_template, cockpit_link
from procos_tui.db.conninfo import ConnInfoError, load_cockpit_url

GOOD = "https://cockpit.example/camunda/app/cockpit/default/#/process-instance/{id}"


def test_the_id_is_percent_encoded_whatever_it_holds() -> None:
    assert cockpit_link(GOOD, "7f3c-aa") == GOOD.replace("{id}", "7f3c-aa")
    hostile = "a/b?c#d e\x1b]8;;http://evil\x07\u202e&x=1"
    link = cockpit_link(GOOD, hostile)
    tail = link.removeprefix(GOOD.replace("{id}", ""))
    assert tail == "a%2Fb%3Fc%23d%20e%1B%5D8%3B%3Bhttp%3A%2F%2Fevil%07%E2%80%AE%26x%3D1"
    assert all(32 < ord(ch) < 127 for ch in link)


@pytest.mark.parametrize(("template", "why"), [
    ("javascript:alert(1)//{id}", "http:// or https://"),
    ("file:///etc/{id}", "http:// or https://"),
    ("https://cockpit.example/#/instance", "exactly once"),
    ("https://cockpit.example/{id}/{id}", "exactly once"),
    ("https://cockpit.example/{name}/{id}", "only {id}"),
    ("https://{id}.example/", "cannot be in it"),
    ("https:///{id}", "needs a host"),
    ("https://cockpit.example/ {id}", "spaces or control"),
    ("https://cockpit.example/\x1b[2J{id}", "spaces or control"),
    (42, "must be a string"),
])
def test_templates_that_cannot_be_used_say_why(template: object, why: str) -> None:
    with pytest.raises(CockpitUrlError, match=why.replace("(", r"\(").replace("{", r"\{")):
        check_template(template)


def test_http_and_https_pass() -> None:
    assert check_template(GOOD) == GOOD
    assert check_template("HTTP://localhost:8080/#/pi/{id}") == "HTTP://localhost:8080/#/pi/{id}"


def test_config_toml_cockpit_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    assert load_cockpit_url(config) is None
    config.write_text(f'cockpit_url = "{GOOD}"\n', encoding="utf-8")
    assert load_cockpit_url(config) == GOOD
    config.write_text('cockpit_url = "ftp://x/{id}"\n', encoding="utf-8")
    with pytest.raises(ConnInfoError, match="http:// or https://"):
        load_cockpit_url(config)
    # The TUI refuses it in one line before the screen takes the terminal.
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "procos-tui").mkdir()
    (tmp_path / "procos-tui" / "config.toml").write_text('cockpit_url = "ftp://x/{id}"\n',
                                                         encoding="utf-8")
    assert main(["--process", "x"]) == 2
    err = capsys.readouterr().err
    assert "cockpit_url must start with http:// or https://" in err and len(err.splitlines()) == 1
