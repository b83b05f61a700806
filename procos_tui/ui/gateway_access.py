"""How a screen reaches the app's gateway without importing the app (no circle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from procos_tui.db.gateway import Gateway


class HasGateway(Protocol):
    gateway: Gateway
    read_only_flag: bool


def host(app: App[Any]) -> HasGateway:
    """The running app as what screens need of it: its gateway and --read-only."""
    return cast("HasGateway", app)
