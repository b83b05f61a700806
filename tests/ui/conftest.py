"""What the Pilot tests share: the app on a test database, as the user would start it."""

from __future__ import annotations

from typing import Any

import pytest

from procos_tui.db.conninfo import Target
from procos_tui.ui.app import ProcosApp
from tests.screen import AppFactory


@pytest.fixture
def procos_app() -> AppFactory:
    """ProcosApp on a conninfo (options as ProcosApp takes them: flt, process_id, ...)."""
    def make(conninfo: str, **options: Any) -> ProcosApp:
        return ProcosApp(Target(conninfo, "test"), **options)

    return make
