"""What the Pilot tests share: the app on a test database, as the user would start it."""

from __future__ import annotations

from typing import Any

import pytest

from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway
from procos_tui.ui.app import ProcosApp
from tests.screen import AppFactory


@pytest.fixture
def procos_app() -> AppFactory:
    """ProcosApp on a conninfo (read_only as the gateway takes it; other options as ProcosApp
    takes them: flt, process_id, ...)."""
    def make(conninfo: str, *, read_only: bool = False, **options: Any) -> ProcosApp:
        return ProcosApp(Gateway(Target(conninfo, "test"), read_only=read_only), **options)

    return make
