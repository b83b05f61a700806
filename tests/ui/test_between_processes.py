"""From one process instance to another without going back: next and previous in the list's
order, go to by id prefix or business key, copy the id, the Cockpit link."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest

from procos_tui.demo.camunda import CAMUNDA_SUBSET_DDL
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.dialogs import PickScreen
from procos_tui.ui.processes import ProcessesScreen
from procos_tui.ui.rowlist import RowList
from tests.db.test_session import BASE, insert
from tests.screen import AppFactory, screen_text, wait_for

pytestmark = pytest.mark.db

# Newest activity first, as the list shows them: p-04 … p-00.
PIDS = [f"b1d0e5aa-0000-4000-8000-0000000000{i:02d}" for i in range(5)]
LONG = "c0ffee00-1111-4222-8333-444455556666-tail-passing-80-columns"


@pytest.fixture(scope="module")
def seeded(db: str) -> str:
    with psycopg.connect(db, autocommit=True) as conn:
        conn.execute(CAMUNDA_SUBSET_DDL.encode())
        for i, pid in enumerate(PIDS):
            insert(conn, pid, BASE + timedelta(minutes=i), kind="input", text=f"question {i}")
            insert(conn, pid, BASE + timedelta(minutes=i, seconds=1), text=f"answer {i}",
                   provider="anthropic" if i % 2 else "openai")
        conn.execute("INSERT INTO act_hi_procinst (id_, proc_inst_id_, business_key_,"
                     " proc_def_key_, proc_def_id_, start_time_) VALUES"
                     " (%s, %s, 'order-7', 'triage', 't:1', now()),"
                     " (%s, %s, 'order-8', 'triage', 't:1', now())",
                     (PIDS[2], PIDS[2], LONG, LONG))
    return db


def conversation(app: ProcosApp) -> ConversationScreen | None:
    return app.screen if isinstance(app.screen, ConversationScreen) else None


def notified(app: ProcosApp, part: str) -> bool:
    """A notice says it (toasts wrap at their own width: read the message, not the screen)."""
    return any(part in n.message for n in app._notifications)


async def shows(app: ProcosApp, pilot: object, pid: str) -> None:
    await wait_for(pilot, lambda: (c := conversation(app)) is not None  # type: ignore[arg-type]
                   and c.process_instance_id == pid and c.interactions != [])


async def test_next_and_previous_process_follow_the_list_and_keep_one_conversation(
        seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: PIDS[4][:20] in screen_text(app))
        table = app.screen.query_one(RowList)
        table.move_cursor(table.keys.index(PIDS[3]))
        await pilot.press("enter")
        await shows(app, pilot, PIDS[3])
        await pilot.press("greater_than_sign")
        await shows(app, pilot, PIDS[2])
        assert "answer 2" in screen_text(app)
        await pilot.press("greater_than_sign", "greater_than_sign")
        await shows(app, pilot, PIDS[0])
        await pilot.press("greater_than_sign")  # the end: says so, stays
        await wait_for(pilot, lambda: notified(app, "last process instance"))
        assert conversation(app) is not None
        await pilot.press("less_than_sign")
        await shows(app, pilot, PIDS[1])
        # One conversation on the stack, in place: Esc is back to the list at once.
        assert [type(s) for s in app.screen_stack[1:]] == [ProcessesScreen,
                                                           ConversationScreen]
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessesScreen))


async def test_next_process_keeps_the_lists_filter(seeded: str, procos_app: AppFactory) -> None:
    from procos_tui.core.types import ProcessFilter

    app = procos_app(seeded, flt=ProcessFilter(provider="anthropic"))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: PIDS[3][:20] in screen_text(app))
        await pilot.press("enter")
        await shows(app, pilot, PIDS[3])
        await pilot.press("greater_than_sign")
        await shows(app, pilot, PIDS[1])  # p-02 is openai: left out, as on the list
        await pilot.press("greater_than_sign")
        await wait_for(pilot, lambda: notified(app, "filtered"))


async def test_go_to_takes_a_prefix_in_any_case_a_business_key_and_says_what_it_found(
        seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: PIDS[4][:20] in screen_text(app))
        await pilot.press("g", *PIDS[1].upper(), "enter")  # the whole id, upper case
        await shows(app, pilot, PIDS[1])
        await pilot.press("g", *"order-7", "enter")
        await shows(app, pilot, PIDS[2])
        await pilot.press("g", *"B1D0", "enter")  # all five: a pick list
        await wait_for(pilot, lambda: isinstance(app.screen, PickScreen))
        assert "5 process instances match 'B1D0'" in screen_text(app)
        await pilot.press("down", "enter")  # the second, in id order
        await shows(app, pilot, PIDS[1])
        await pilot.press("g", *"no-such", "enter")
        await wait_for(pilot, lambda: notified(app, "No process instance is named 'no-such'"))
        # Camunda knows it, ProcOS has nothing: said with the whole id (wrapped, not cut).
        await pilot.press("g", *"order-8", "enter")
        await wait_for(pilot, lambda: notified(app, f"Camunda knows process instance {LONG} "
                                                   "(business key order-8), but ProcOS stored "
                                                   "no AI context for it."))


async def test_a_long_unknown_id_is_shown_whole_at_80_columns(seeded: str,
                                                               procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=LONG)
    async with app.run_test(size=(80, 24)) as pilot:
        def joined() -> str:
            lines = screen_text(app).splitlines()[2:8]
            return "".join(line.strip() for line in lines).replace(" ", "")

        # The message wraps: its height is laid out a frame after its text arrives.
        await wait_for(pilot, lambda: "noAIcontext" in joined() and LONG in joined())
        assert "Camunda knows it (triage, key order-8" in screen_text(app)


async def test_copy_id_and_the_cockpit_link(seeded: str, procos_app: AppFactory) -> None:
    template = "https://cockpit.example/camunda/#/process-instance/{id}/runtime"
    app = procos_app(seeded, process_id=PIDS[0], cockpit_url=template)
    opened: list[str] = []
    app.open_url = lambda url, *, new_tab=True: opened.append(url)  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await shows(app, pilot, PIDS[0])
        await pilot.press("c")
        assert app.clipboard == PIDS[0]
        await pilot.press("C")
        assert opened == [template.replace("{id}", PIDS[0])]
        screen = conversation(app)
        assert screen is not None
        from textual.widgets import Static

        heading = screen.query_one("#heading", Static).render()
        links = {span.style.link for span in getattr(heading, "spans", [])
                 if not isinstance(span.style, str) and span.style.link}
        assert links == {opened[0]}


async def test_without_cockpit_url_the_key_says_how_to_set_it(
        seeded: str, procos_app: AppFactory) -> None:
    app = procos_app(seeded, process_id=PIDS[0])
    async with app.run_test(size=(120, 30)) as pilot:
        await shows(app, pilot, PIDS[0])
        await pilot.press("C")
        await wait_for(pilot, lambda: notified(app, "set cockpit_url in config.toml"))
