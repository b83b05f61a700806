"""The keymap: one meaning per key wherever it is active, every binding drawn from it, a
user's [keys] checked strictly, and the README's table equal to it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
from dataclasses import replace
from pathlib import Path

import pytest
from textual.binding import Binding

import procos_tui.ui
from procos_tui.cli.main import main
from procos_tui.core import keymap
from procos_tui.core.keymap import KeymapError, collisions, effective, parse_overrides
from procos_tui.db.conninfo import ConnInfoError, load_keys
from procos_tui.ui.keys import REGISTRY

README = Path(__file__).resolve().parents[2] / "README.md"


def _ui_classes() -> list[type]:
    classes: list[type] = []
    for info in pkgutil.iter_modules(procos_tui.ui.__path__):
        module = importlib.import_module(f"procos_tui.ui.{info.name}")
        classes += [v for v in vars(module).values()
                    if isinstance(v, type) and v.__module__ == module.__name__
                    and "BINDINGS" in vars(v)]
    return classes


def test_the_defaults_mean_one_thing_per_key_wherever_they_are_active() -> None:
    assert collisions(keymap.DEFAULTS) == []
    names = [a.name for a in keymap.DEFAULTS]
    assert len(names) == len(set(names))


def test_a_global_key_rebound_locally_fails() -> None:
    # The case: m was Models on the list and "view" on a conversation.
    actions = [replace(a, keys=("m",)) if a.name == "view" else a for a in keymap.DEFAULTS]
    assert collisions(actions) == ["m is the global models but view rebinds it on the "
                                   "conversation screen"]


def test_two_local_actions_on_one_key_fail_and_esc_may_close_the_innermost_thing() -> None:
    actions = [replace(a, keys=("v",)) if a.name == "zoom" else a for a in keymap.DEFAULTS]
    assert collisions(actions) == ["v means both view and zoom on the conversation screen"]
    # The pane's Esc (clear) before the screen's (back) is the one sharing allowed.
    assert {a.name for a in keymap.DEFAULTS if "escape" in a.keys} == {"back", "close",
                                                                       "clear"}


def test_every_binding_of_every_screen_and_widget_comes_from_the_keymap() -> None:
    actions = keymap.by_name(keymap.DEFAULTS)
    for cls in _ui_classes():
        for item in vars(cls)["BINDINGS"]:
            assert isinstance(item, Binding) and item.id in actions, (cls, item)
            action = actions[item.id]
            assert tuple(item.key.split(",")) == action.keys, (cls, item)
            assert cls.__name__ in REGISTRY
    app_bound = {name for _, names in [REGISTRY["ProcosApp"]] for name in names}
    assert app_bound == {a.name for a in keymap.DEFAULTS
                         if keymap.GLOBAL in a.where and not a.fixed}
    # Each context's actions are bound by some screen or widget of that context.
    for context in keymap.CONTEXTS:
        bound = {name for ctx, names in REGISTRY.values() if ctx == context for name in names}
        wanted = {a.name for a in keymap.DEFAULTS if context in a.where and not a.fixed}
        assert bound == wanted, context


@pytest.mark.parametrize("text,expected", [
    ("q", "q"), ("G", "G"), ("?", "question_mark"), ("/", "slash"), ("Ctrl+X", "ctrl+x"),
    ("ctrl+/", "ctrl+slash"), ("F10", "f10"), ("escape", "escape"), ("-", "minus"),
])
def test_keys_are_normalised_to_textual_names(text: str, expected: str) -> None:
    assert keymap.normalize_key(text) == expected


def test_punctuation_names_are_textuals() -> None:
    from textual.keys import _character_to_key

    for char, name in keymap._PUNCTUATION.items():
        assert _character_to_key(char) == name


@pytest.mark.parametrize("table,message", [
    ({"qiut": "x"}, "unknown action 'qiut'"),
    ({"quit": "ctrl+foo"}, "not a key Textual knows"),
    ({"quit": []}, "a key or a non-empty list"),
    ({"quit": 3}, "a key or a non-empty list"),
    ({"quit": ["x", 1]}, "a key or a non-empty list"),
    ({"palette": "x"}, "cannot be rebound"),
    ({"quit": "\x1b[2J"}, "not a key"),
    ([], "must be a table"),
])
def test_a_wrong_keys_table_is_refused(table: object, message: str) -> None:
    with pytest.raises(KeymapError, match=re.escape(message)):
        parse_overrides(table)


def test_overrides_rebind_by_name_and_collisions_are_refused() -> None:
    actions = keymap.by_name(effective(parse_overrides(
        {"quit": ["ctrl+x", "f10"], "view": "W"})))
    assert actions["quit"].keys == ("ctrl+x", "f10")
    assert actions["view"].keys == ("W",)
    with pytest.raises(KeymapError, match="g means both go_to and quit"):
        effective(parse_overrides({"quit": "g"}))
    with pytest.raises(KeymapError, match="kept by Textual"):
        effective(parse_overrides({"quit": "ctrl+q"}))
    # Swapping two keys is fine: each means one thing afterwards.
    swapped = keymap.by_name(effective(parse_overrides({"copy": "o", "pager": "y"})))
    assert swapped["copy"].keys == ("o",) and swapped["pager"].keys == ("y",)


def _config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("PROCOS_DSN", raising=False)
    path = tmp_path / "procos-tui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_keys_command_prints_the_keymap_in_force(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _config(tmp_path, '[keys]\nquit = ["ctrl+x", "F10"]\n', monkeypatch)
    assert main(["keys", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    quit_row = next(r for r in rows if r["action"] == "quit")
    assert quit_row["keys"] == ["ctrl+x", "f10"] and quit_row["where"] == ["global"]
    assert {r["action"] for r in rows} == {a.name for a in keymap.DEFAULTS}
    assert main(["keys"]) == 0
    assert re.search(r"^quit +Ctrl\+X F10 +global", capsys.readouterr().out, re.M)


@pytest.mark.parametrize("text,message", [
    ('[keys]\nqiut = "x"\n', "unknown action 'qiut'"),
    ('[keys]\nzoom = "v"\n', "v means both view and zoom"),
    ('[keys]\nquit = "g"\n', "g means both go_to and quit"),
])
def test_keys_command_exits_2_with_one_line_for_a_wrong_keys_table(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        text: str, message: str) -> None:
    path = _config(tmp_path, text, monkeypatch)
    assert main(["keys"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(path) in err
    # The TUI refuses it the same way, before it takes the terminal.
    assert main(["--dsn", "host=/nonexistent"]) == 2
    assert message in capsys.readouterr().err


def test_load_keys_without_a_config_is_the_defaults(tmp_path: Path) -> None:
    assert load_keys(tmp_path / "none.toml") == keymap.DEFAULTS
    bad = tmp_path / "bad.toml"
    bad.write_text("[keys\n", encoding="utf-8")
    with pytest.raises(ConnInfoError, match="cannot read"):
        load_keys(bad)


def test_readme_keys_table_is_the_keymap() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Keys\n", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|")) + "\n"
    assert table == keymap.markdown_table(keymap.DEFAULTS), \
        "README's Keys table differs: python scripts/readme_keys.py rewrites it"
