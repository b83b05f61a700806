"""The health screen (Pilot): findings, the cut, and the indexes it offers to create."""

from __future__ import annotations

import json

import psycopg
import pytest

from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.cut_view import CutScreen
from procos_tui.ui.dialogs import ChoiceScreen
from procos_tui.ui.health import HealthScreen
from tests.pgstats import leave_dead_tuples
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db


async def test_health_screen_lists_findings_and_opens_the_instance(fresh: str,
                                                                   camunda_ddl: str,
                                                                   procos_app: AppFactory) -> None:
    long = "y" * 6000
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('cut-2', 'output', %s, %s)",
                     (json.dumps({"content": long}), long))
        conn.execute(camunda_ddl.encode())
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', 'cut-2', 'content', 'string', %s)", (long[:4000],))
    app = procos_app(fresh)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "1 finding(s)" in screen_text(app))
        text = screen_text(app)
        assert "cut (Camunda 4,000 of 6,000 characters)" in text
        assert "compared 1 instances" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationScreen)
                       and "cut-2" in screen_text(app))


async def test_health_screen_shows_the_cut_and_creates_missing_indexes(
        fresh: str, camunda_ddl: str, procos_app: AppFactory) -> None:
    long = "0123456789" * 700
    with psycopg.connect(fresh, autocommit=True) as conn:
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('cut-3', 'output', %s, %s)",
                     (json.dumps({"content": long}), long))
        conn.execute(camunda_ddl.encode())  # after init-db: its Camunda indexes are missing
        conn.execute("INSERT INTO act_hi_varinst (id_, proc_inst_id_, name_, var_type_, text_)"
                     " VALUES ('v1', 'cut-3', 'content', 'string', %s)", (long[:4000],))
    app = procos_app(fresh)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: "process instances" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "o creates them" in screen_text(app))
        await pilot.press("v")
        await wait_for(pilot, lambda: isinstance(app.screen, CutScreen))
        assert "Camunda kept 4,000 of 7,000 characters" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen))
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "o creates them" not in screen_text(app)
                       and "1 finding(s)" in screen_text(app), timeout=20)
    with psycopg.connect(fresh) as conn:
        assert conn.execute("SELECT to_regclass('idx_act_hi_varinst_proc_inst_ai') IS NOT NULL"
                            ).fetchone() == (True,)


async def test_health_screen_shows_maintenance_and_analyses_after_asking(
        fresh: str, procos_app: AppFactory) -> None:
    with psycopg.connect(fresh, autocommit=True) as conn:
        leave_dead_tuples(conn)
    app = procos_app(fresh)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "process instance" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "No findings" in screen_text(app))
        text = screen_text(app)
        assert "Table (procos_ai_…)" in text and "99%" in text and "VACUUM" in text
        # No findings: the tables list has the focus and the detail is its first row's.
        await wait_for(pilot, lambda: "autovacuum is behind" in screen_text(app))
        assert "399 dead (99%)" in screen_text(app)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "Run ANALYZE on the AI tables?" in screen_text(app)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "ANALYZE done at" in screen_text(app), timeout=20)
    with psycopg.connect(fresh) as conn:
        row = conn.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                           "WHERE relname = 'procos_ai_context'").fetchone()
    assert row == (True,)


async def test_analyse_is_refused_read_only(fresh: str, procos_app: AppFactory) -> None:
    app = procos_app(fresh, read_only=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "process instance" in screen_text(app))
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HealthScreen)
                       and "No findings" in screen_text(app))
        await pilot.press("a")
        # The refusal is a toast (as the models screen's are), and no dialog opens.
        await wait_for(pilot, lambda: any("Cannot write: started with --read-only" in
                                          str(n.message) for n in app._notifications))
        assert isinstance(app.screen, HealthScreen)
