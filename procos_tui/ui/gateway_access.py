"""How a screen reaches the app's gateway without importing the app (no circle)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App

    from procos_tui.core.compare import CompareSide
    from procos_tui.core.search_syntax import SearchMode
    from procos_tui.core.types import ProcessFilter, ProcessSort, ServerFacts
    from procos_tui.db.gateway import Gateway


class HasGateway(Protocol):
    gateway: Gateway
    read_only_flag: bool
    last_search: tuple[str, SearchMode | None]  # the next Search screen opens on it
    cockpit_url: str | None  # config.toml's Cockpit link template, checked
    following: bool  # follow mode (F, --follow)
    marked: CompareSide | None  # the interaction x marked, for X to compare with

    def set_following(self, on: bool) -> None:
        """Follow mode on or off, for every screen that follows."""

    def follow_state(self, text: str) -> None:
        """What the status line says of following ("following · 3 new rows")."""

    def process_order(self) -> tuple[ProcessFilter, ProcessSort]:
        """The process list's filter and order, which next/previous process follow."""

    def server_facts(self, facts: ServerFacts | None, label: str | None = None) -> None:
        """The server has said what it is: the status lines follow."""

    def fail(self, message: str) -> None:
        """A problem the app cannot go on with: leave and say it."""


def host(app: App[Any]) -> HasGateway:
    """The running app as what screens need of it: its gateway and --read-only."""
    return cast("HasGateway", app)
