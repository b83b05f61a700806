"""Connection resolution and password masking (no server needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from procos_tui.db.conninfo import ConnInfoError, describe, mask, resolve


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_precedence(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[profiles.prod]\ndsn = "host=prod dbname=procos"\n')
    env = {"PROCOS_DSN": "host=envhost"}
    assert resolve("host=cli", "prod", env, cfg).conninfo == "host=cli"
    assert resolve(None, "prod", env, cfg).source == "PROCOS_DSN"
    assert resolve(None, "prod", {}, cfg).conninfo == "host=prod dbname=procos"
    libpq = resolve(None, None, {}, cfg)
    assert libpq.conninfo == "" and libpq.source == "libpq environment"


def test_service_profile_and_unknown_profile(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[profiles.bastion]\nservice = "procos-ro"\n')
    assert "service=procos-ro" in resolve(None, "bastion", {}, cfg).conninfo
    with pytest.raises(ConnInfoError, match=r"unknown profile 'nope'.*bastion"):
        resolve(None, "nope", {}, cfg)


def test_profile_with_password_is_refused(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, '[profiles.bad]\ndsn = "postgresql://u:s3cret@h/db"\n')
    with pytest.raises(ConnInfoError) as info:
        resolve(None, "bad", {}, cfg)
    assert "s3cret" not in str(info.value) and ".pgpass" in str(info.value)


def test_broken_config_is_one_clear_error(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, "[profiles.x\n")
    with pytest.raises(ConnInfoError, match="cannot read"):
        resolve(None, "x", {}, cfg)
    cfg = write_config(tmp_path, '[profiles.x]\ndsn = "h"\nsslpassword = "y"\n')
    with pytest.raises(ConnInfoError, match="unknown keys"):
        resolve(None, "x", {}, cfg)


@pytest.mark.parametrize("dsn", [
    "postgresql://alice:s3cret@db.example:5433/procos",
    "host=db.example user=alice password=s3cret dbname=procos",
    "postgresql://alice:s3cret@/procos?host=/tmp",
])
def test_password_never_shown(dsn: str) -> None:
    assert "s3cret" not in mask(dsn) and "****" in mask(dsn)
    assert "s3cret" not in describe(dsn)
    assert "alice@" in describe(dsn) and "procos" in describe(dsn)
    assert "s3cret" not in resolve(dsn, None, {}).display


def test_invalid_dsn() -> None:
    with pytest.raises(ConnInfoError, match="invalid connection string"):
        resolve("host=x = broken", None, {})
    assert mask("host=x = broken") == "<invalid connection string>"


def test_a_pooler_refusing_startup_options_is_named_with_the_way_out() -> None:
    from procos_tui.db.connect import one_line

    said = one_line(Exception("ERROR:  unsupported startup parameter: options\n"))
    assert said.startswith("unsupported startup parameter: options: a connection pooler")
    assert "PGOPTIONS" in said and "\n" not in said


def test_pooler_mode_is_said_by_environment_or_profile(tmp_path: Path) -> None:
    from procos_tui.db.conninfo import POOLER_NONE, POOLER_TRANSACTION

    cfg = write_config(tmp_path, '[profiles.pooled]\ndsn = "host=bouncer"\npooler = "transaction"\n'
                                 '[profiles.direct]\ndsn = "host=db"\n')
    assert resolve(None, "pooled", {}, cfg).pooler == POOLER_TRANSACTION
    assert resolve(None, "direct", {}, cfg).pooler == POOLER_NONE
    assert resolve("host=x", None, {"PROCOS_POOLER": "Transaction"}, cfg).pooler == \
        POOLER_TRANSACTION
    assert resolve("host=x", None, {"PROCOS_POOLER": "session"}, cfg).pooler == POOLER_NONE
    with pytest.raises(ConnInfoError, match=r"PROCOS_POOLER is 'statement'.*'transaction'"):
        resolve("host=x", None, {"PROCOS_POOLER": "statement"}, cfg)
    bad = write_config(tmp_path, '[profiles.odd]\ndsn = "host=x"\npooler = "\\u001b[2J"\n')
    with pytest.raises(ConnInfoError) as raised:
        resolve(None, "odd", {}, bad)
    assert "\x1b" not in str(raised.value)


def test_settings_through_a_pooler_are_the_startup_options_per_transaction() -> None:
    from procos_tui.db.connect import session_options, transaction_settings

    startup = session_options(True, 1234)
    local = transaction_settings(True, 1234)
    assert "-c statement_timeout=1234" in startup and "-c default_transaction_read_only=on" \
        in startup
    assert local.startswith("SET LOCAL statement_timeout = '1234'")
    assert "DateStyle = 'ISO,MDY'" in local and "jit = 'off'" in local
    assert "default_transaction_read_only" not in local  # BEGIN READ ONLY does it there
    assert "lock_timeout = '5000'" in transaction_settings(False, 0, 5000)
