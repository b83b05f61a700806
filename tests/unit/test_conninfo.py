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
    assert "connect to PostgreSQL itself" in said and "\n" not in said
