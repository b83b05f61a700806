"""Follow procos_ai_context as rows are stored (`procos-tui tail`): polling by key, never a
trigger or LISTEN in ProcOS's write path; a lost connection resumes where it was.

A row is read once its transaction has committed, and created_at is the time its transaction
began: a row can commit after a later one, behind the walk. When caught up, each poll counts
the rows in the last OVERLAP behind the position and, if there are more than it printed
there, reads the missing ones: such a row is still printed (once), up to OVERLAP late.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator
from datetime import datetime
from typing import Any

from procos_tui.core.follow import TailFilter, TailPosition
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import tail as tail_sql
from procos_tui.db.rows import fetch_all, fetch_one

BATCH = 1000
# Polls while rows arrive, then slower while none do; never above the 2 s the issue allows.
FAST_POLL_S, SLOW_POLL_S = 0.25, 2.0
RECONNECT_MAX_S = 10.0


# One poll, as the statements it runs: a generator that yields (query, params) and is sent
# each statement's rows, so the blocking `tail` and the app's async follow share one walk.
Plan = Generator[tuple[str, dict[str, Any]], list[dict[str, Any]],
                 tuple[list[dict[str, Any]], bool]]


def poll(position: TailPosition, flt: TailFilter, bodies: bool) -> Plan:
    """The rows after `position` (at most BATCH), then, when caught up, the late ones inside
    the window behind it; the position moves past each row returned. Returns (rows, behind):
    behind is true when a full batch came back and the next poll should follow at once."""
    common = {"bodies": bodies, **vars(flt)}
    rows = yield tail_sql.TAIL_AFTER, {**position.params(), **common, "batch": BATCH}
    for row in rows:
        position.take(row)
    if len(rows) == BATCH:
        return rows, True  # behind: read on at once, the late rows after
    position.prune()
    counted = yield tail_sql.WINDOW_COUNT, {**position.params(), **common}
    if counted and counted[0]["rows"] > len(position.seen):
        late = yield tail_sql.TAIL_LATE, {**position.params(), **common,
                                          "seen": list(position.seen)}
        for row in late:
            position.take(row)
        rows = rows + late
    return rows, False


def run_poll(conn: Any, plan: Plan) -> tuple[list[dict[str, Any]], bool]:
    """A poll on a blocking connection."""
    try:
        query, params = next(plan)
        while True:
            query, params = plan.send(fetch_all(conn, query, params))
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_poll_async(conn: Any, plan: Plan) -> tuple[list[dict[str, Any]], bool]:
    """A poll on an async connection (the app's browsing session)."""
    from psycopg.rows import dict_row

    try:
        query, params = next(plan)
        while True:
            cur = conn.cursor(row_factory=dict_row)
            rows = await (await cur.execute(query, params)).fetchall()
            query, params = plan.send(rows)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def follow(target: Target, flt: TailFilter, bodies: bool, on_notice: Callable[[str], None],
           since: datetime | None = None, sleep: Callable[[float], None] = time.sleep
           ) -> Iterator[dict[str, Any]]:
    """Rows as they are stored, oldest first, until the caller stops (Ctrl+C). The first
    connection failing raises ConnectionFailed; a later loss is retried, with notices."""
    import psycopg

    from procos_tui.core.errors import ConnectionFailed
    from procos_tui.db.connect import connect_sync, one_line

    position: TailPosition | None = None
    wait, backoff = FAST_POLL_S, 1.0
    while True:
        try:
            with connect_sync(target, read_only=True) as conn:
                if position is None:
                    now = fetch_one(conn, tail_sql.SERVER_NOW)
                    assert now is not None
                    start = since or now["now"]
                    position = TailPosition(start, start)
                elif backoff > 1.0:
                    on_notice("reconnected: going on after the last row printed")
                backoff = 1.0
                while True:
                    trial = position.copy()
                    rows, behind = run_poll(conn, poll(trial, flt, bodies))
                    conn.commit()  # through a transaction pooler: hand its connection back
                    position = trial
                    yield from rows
                    if behind:
                        continue
                    wait = FAST_POLL_S if rows else min(SLOW_POLL_S, wait * 2)
                    sleep(wait)
        except (psycopg.OperationalError, ConnectionFailed) as exc:
            if position is None:
                raise
            on_notice(f"connection lost ({one_line(exc)}); reconnecting in {backoff:.0f} s")
            sleep(backoff)
            backoff = min(RECONNECT_MAX_S, backoff * 2)
