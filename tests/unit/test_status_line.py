"""The status line at any width: each part whole or left out, a long DSN replaced by the
database's name rather than cut (a socket path cut at the edge names another database)."""

from __future__ import annotations

import pytest

from procos_tui.core.types import ServerFacts
from procos_tui.ui.status import DatabaseState, status_parts, status_text

FACTS = ServerFacts(server_version="18.6", read_only=True, database="procos_demo",
                    has_procos=True, has_list_support=True, has_camunda_history=True,
                    has_camunda_runtime=True, has_rollups=True, standby=True,
                    replay_lag_s=0.4)
LABEL = "postgres@socket /root/.local/share/procos-tui/demo-pg/procos_demo"
STATE = DatabaseState(LABEL, FACTS, read_only_flag=True, follow="following · 3 new rows")


@pytest.mark.parametrize("width", range(30, 201, 10))
def test_every_part_shown_is_whole(width: int) -> None:
    text = status_text(STATE, width).plain
    assert len(text) <= width or text.count("  ") == 0
    wholes = {p for p, _ in status_parts(STATE)} | {"database procos_demo", "…"}
    assert all(part in wholes for part in text.split("  ")), text
    assert text.startswith("read-only")
    if width >= 60:
        assert text.startswith("read-only  standby · replay lag 0.4 s")


def test_a_long_label_gives_way_to_the_database_name() -> None:
    assert "database procos_demo" in status_text(STATE, 120).plain
    assert LABEL in status_text(STATE, 200).plain
    assert status_text(STATE).plain.endswith("PostgreSQL 18  Camunda: yes")
