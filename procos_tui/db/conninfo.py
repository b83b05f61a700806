"""Which database to talk to, and how to name it without its password.

Order: --dsn > PROCOS_DSN > --profile NAME > libpq's own environment (PGHOST, PGSERVICE,
~/.pgpass, pg_service.conf), which libpq applies itself to an empty or partial conninfo.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from procos_tui.core.keymap import Action


def _pg_conninfo() -> Any:
    # psycopg costs a tenth of a second to import: not before the UI's first frame needs it.
    from psycopg import conninfo

    return conninfo

MASK = "****"
APP_NAME = "procos-tui"


class ConnInfoError(ValueError):
    """A DSN, profile or config that cannot be used; the message is one line for the user.

    It quotes outside text (profile names, paths, a config file's own words), so it is made
    safe for a terminal here, once, whatever each caller puts in it."""

    def __init__(self, message: str) -> None:
        from procos_tui.core.sanitize import sanitize_plain

        super().__init__(sanitize_plain(message))


# What a profile's `pooler` or PROCOS_POOLER may say. "transaction": a pooler in front hands
# each transaction to any server connection, so settings go inside each transaction.
POOLER_TRANSACTION = "transaction"
POOLER_NONE = ""
_POOLER_WORDS = {"transaction": POOLER_TRANSACTION, "": POOLER_NONE, "none": POOLER_NONE,
                 "session": POOLER_NONE}


@dataclass(frozen=True)
class Target:
    """A resolved connection target: the conninfo to hand libpq and where it came from."""

    conninfo: str
    source: str  # "--dsn", "PROCOS_DSN", "profile NAME", "libpq environment", "embedded demo"
    # POOLER_TRANSACTION when a transaction-pooling pooler is in front (said, or detected).
    pooler: str = POOLER_NONE

    @property
    def display(self) -> str:
        """describe(), safe for a terminal: a database, user or host name may hold escapes."""
        from procos_tui.core.sanitize import sanitize_plain

        return sanitize_plain(describe(self.conninfo))


def config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def parse(conninfo: str) -> dict[str, str]:
    """Parse a key=value or URI conninfo; ConnInfoError with libpq's reason when it is invalid."""
    try:
        return {k: str(v) for k, v in _pg_conninfo().conninfo_to_dict(conninfo).items()}
    except Exception as exc:  # psycopg raises ProgrammingError with libpq's text
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        # libpq quotes the offending part of the string, which may be the password.
        reason = re.sub(r'"[^"]*"', '"…"', reason)
        raise ConnInfoError(f"invalid connection string: {reason}") from None


def mask(conninfo: str) -> str:
    """The conninfo with any password replaced, safe to show or log."""
    try:
        params = parse(conninfo)
    except ConnInfoError:
        return "<invalid connection string>"
    if "password" in params:
        params["password"] = MASK
    return str(_pg_conninfo().make_conninfo(**params))


def describe(conninfo: str) -> str:
    """A short label such as ``postgres@127.0.0.1:5432/procos`` (never the password)."""
    try:
        params = parse(conninfo)
    except ConnInfoError:
        return "<invalid connection string>"
    if "service" in params:
        return f"service={params['service']}"
    env = os.environ
    user = params.get("user") or env.get("PGUSER") or _os_user()
    host = params.get("host") or params.get("hostaddr") or env.get("PGHOST") or "local socket"
    if host.startswith("/"):
        host = "socket " + host
    port = params.get("port") or env.get("PGPORT") or ""
    db = params.get("dbname") or env.get("PGDATABASE") or user
    where = f"{host}:{port}" if port and not host.startswith("socket") else host
    return f"{user + '@' if user else ''}{where}/{db}"


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()  # libpq's default user name
    except (KeyError, OSError):
        return ""


def load_profiles(path: Path | None = None) -> dict[str, dict[str, str]]:
    """Named profiles from the TOML config: ``[profiles.NAME]`` with ``dsn`` or ``service``."""
    path = path or config_path()
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConnInfoError(f"cannot read {path}: {exc}") from None
    profiles = data.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ConnInfoError(f"{path}: 'profiles' must be a table of [profiles.NAME] sections")
    out: dict[str, dict[str, str]] = {}
    for name, body in profiles.items():
        if not isinstance(body, dict):
            raise ConnInfoError(f"{path}: profile {name!r} must be a table")
        unknown = set(body) - {"dsn", "service", "description", "pooler"}
        if unknown:
            raise ConnInfoError(f"{path}: profile {name!r} has unknown keys: {sorted(unknown)}")
        if not all(isinstance(v, str) for v in body.values()):
            raise ConnInfoError(f"{path}: profile {name!r} values must be strings")
        out[name] = dict(body)
    return out


def profile_conninfo(name: str, path: Path | None = None) -> str:
    profiles = load_profiles(path)
    if name not in profiles:
        known = ", ".join(sorted(profiles)) or "none defined"
        raise ConnInfoError(f"unknown profile {name!r} (profiles: {known}; config: "
                            f"{path or config_path()})")
    body = profiles[name]
    conninfo = body.get("dsn", "")
    if "service" in body:
        conninfo = _pg_conninfo().make_conninfo(conninfo, service=body["service"])
    if "password" in parse(conninfo):
        # Profiles live in a plain config file; secrets belong in ~/.pgpass or a service file.
        raise ConnInfoError(f"profile {name!r} contains a password; remove it and use "
                            "~/.pgpass or a pg_service.conf entry instead")
    return conninfo


def pooler_mode(word: str, where: str) -> str:
    """PROCOS_POOLER's or a profile's `pooler` value as a mode; a word we do not know is an
    error rather than a guess (a wrong guess would send session settings to a pooler)."""
    mode = _POOLER_WORDS.get(word.strip().lower())
    if mode is None:
        raise ConnInfoError(f"{where} is {word!r}: it must be 'transaction' (a pooler in "
                            "transaction mode is in front) or 'session' / 'none' / empty")
    return mode


def resolve(dsn: str | None = None, profile: str | None = None,
            env: dict[str, str] | None = None, config: Path | None = None,
            validate: bool = True) -> Target:
    """Pick the connection target by precedence and validate its syntax."""
    environ = os.environ if env is None else env
    pooler = pooler_mode(environ.get("PROCOS_POOLER", ""), "PROCOS_POOLER")
    if dsn:
        target = Target(dsn, "--dsn")
    elif environ.get("PROCOS_DSN"):
        target = Target(environ["PROCOS_DSN"], "PROCOS_DSN")
    elif profile:
        said = load_profiles(config).get(profile, {}).get("pooler", "")
        target = Target(profile_conninfo(profile, config), f"profile {profile}",
                        pooler_mode(said, f"profile {profile!r}'s pooler"))
    else:
        target = Target("", "libpq environment")
    if pooler:
        target = replace(target, pooler=pooler)
    if validate:  # else the caller has it checked elsewhere (the prefetching child)
        parse(target.conninfo)
    return target


def load_keys(path: Path | None = None) -> tuple[Action, ...]:
    """The keymap in force: core.keymap's defaults with config.toml's `[keys]` (action =
    "key" or ["key", ...]). ConnInfoError, one line naming the file, for an unknown action,
    a key Textual does not know or a key that would mean two things."""
    from procos_tui.core.keymap import KeymapError, effective, parse_overrides

    path = path or config_path()
    if not path.exists():
        return effective()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConnInfoError(f"cannot read {path}: {exc}") from None
    try:
        return effective(parse_overrides(data.get("keys", {})))
    except KeymapError as exc:
        raise ConnInfoError(f"{path}: {exc}") from None


def load_cockpit_url(path: Path | None = None) -> str | None:
    """config.toml's `cockpit_url` (the Cockpit page of an instance, `{id}` where its id goes),
    checked: http or https, a host, `{id}` once. None when not set; ConnInfoError naming the
    file when it cannot be used."""
    from procos_tui.core.cockpit import CockpitUrlError, check_template

    path = path or config_path()
    if not path.exists():
        return None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConnInfoError(f"cannot read {path}: {exc}") from None
    if "cockpit_url" not in data:
        return None
    try:
        return check_template(data["cockpit_url"])
    except CockpitUrlError as exc:
        raise ConnInfoError(f"{path}: {exc}") from None
