"""The one object screens talk to: every read, write, check, export and search goes through it.

Policy lives here and nowhere else:
- **Connections.** At most two long-lived ones, both read-only at the database level: browsing
  (lists, conversations, the registry) and search (its long statements never queue behind a
  click). Writes, `check`, the cut view and export each take a short-lived connection of their
  own, in a thread, so a blocking psycopg call never holds the event loop.
- **Timeouts.** Browsing and search: the session's `statement_timeout`. Health: HEALTH_TIMEOUT_MS.
  Export: none (a 20 MB body must not be cut off), writes: a lock timeout.
- **Read-only.** `--read-only` refuses every write here, before any connection is made.
- **Cancellation and reconnect** are the browsing session's (`BrowseSession`): a caller that
  gives up stops its statement at the server; a connection the server closed is re-established
  before the next read and reported through `on_reconnect`.
- **Failures** reach the caller as `core.errors.DatabaseError` subclasses with one line for the
  user; nothing of psycopg leaks out.

psycopg is imported when the first call needs it, not when this module is: the app builds its
gateway before its first frame, and that frame should not wait for the driver.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from procos_tui.core.errors import DatabaseError
from procos_tui.core.triage import StatsBy

if TYPE_CHECKING:
    from procos_tui.core.follow import TailFilter, TailPosition
    from procos_tui.core.health import Report
    from procos_tui.core.registry import ModelDraft, ModelRow, ModelUsage
    from procos_tui.core.search_syntax import SearchRequest
    from procos_tui.core.triage import ModelGaps, StatsReport, StatsWindow
    from procos_tui.core.types import (
        CamundaDetails,
        CutView,
        ExportResult,
        InteractionContent,
        InteractionHeader,
        ProcessCursor,
        ProcessFilter,
        ProcessMatch,
        ProcessPage,
        ProcessSort,
        ServerFacts,
    )
    from procos_tui.db.conninfo import Target
    from procos_tui.db.prefetch import Prefetch, Prefetched
    from procos_tui.db.search import SearchRun
    from procos_tui.db.session import BrowseSession

T = TypeVar("T")

# `check` reads the catalog and scans for suspects: longer than a browsing read may take.
HEALTH_TIMEOUT_MS = 120_000
# optimize_camunda_for_ai() waits this long for Camunda's locks, then gives up.
OPTIMIZE_LOCK_TIMEOUT_MS = 10_000


class Gateway:
    """What the screens may ask of the database, with the policy above."""

    def __init__(self, target: Target, *, read_only: bool = False,
                 prefetch: Prefetch | None = None) -> None:
        self.target = target
        self.read_only = read_only  # --read-only: no writes at all, not even after a confirm
        self.on_reconnect: Callable[[str], None] | None = None
        self._browse: BrowseSession | None = None
        self._search: BrowseSession | None = None
        self._prefetch = prefetch
        self._prefetch_taken: Prefetch | None = None  # kept to stop its child on close

    # --- the sessions -----------------------------------------------------------------------

    @property
    def browse(self) -> BrowseSession:
        if self._browse is None:
            from procos_tui.db.session import BrowseSession

            self._browse = BrowseSession(self.target, on_reconnect=self._reconnected)
        return self._browse

    @property
    def search_session(self) -> BrowseSession:
        if self._search is None:
            from procos_tui.db.session import BrowseSession

            self._search = BrowseSession(self.target, on_reconnect=self._reconnected)
        return self._search

    @property
    def facts(self) -> ServerFacts | None:
        """What the server said of the browsing session, once it has said it."""
        return None if self._browse is None else self._browse.facts

    @property
    def display(self) -> str:
        """The database as the user may see it: the masked conninfo, never a password."""
        return self.target.display

    def _reconnected(self, message: str) -> None:
        if self.on_reconnect is not None:
            self.on_reconnect(message)

    async def open(self) -> ServerFacts:
        """Connect the browsing session, if it is not yet; the server's facts."""
        browse = self.browse
        if browse.facts is not None:
            return browse.facts
        return await browse.open()

    async def close(self) -> None:
        for prefetch in (self._prefetch, self._prefetch_taken):
            if prefetch is not None:
                prefetch.abandon()
        self._prefetch = self._prefetch_taken = None
        for session in (self._browse, self._search):
            if session is not None:
                await session.close()

    # --- the first page, fetched by a child while the UI started ----------------------------

    def prefetched_now(self, flt: ProcessFilter, patience_s: float) -> Prefetched | None:
        """The child's answer if it is there within `patience_s` (for the first frame)."""
        prefetch = self._prefetch
        if prefetch is None or prefetch.filter != flt or not prefetch.ready(patience_s):
            return None
        self._take_prefetch(flt)
        return prefetch.wait()

    async def prefetched(self, flt: ProcessFilter) -> Prefetched | None:
        """The child's answer, waited for off the event loop; None when there is none."""
        prefetch = self._take_prefetch(flt)
        if prefetch is None:
            return None
        return await asyncio.to_thread(prefetch.wait)

    def _take_prefetch(self, flt: ProcessFilter) -> Prefetch | None:
        prefetch, self._prefetch = self._prefetch, None
        self._prefetch_taken = prefetch
        if prefetch is not None and prefetch.filter != flt:
            prefetch.abandon()
            return None
        return prefetch

    def schema_problem(self, facts: ServerFacts) -> str | None:
        """Why this database cannot be browsed (no ProcOS tables, an old schema), or None."""
        from procos_tui.db.prefetch import schema_problem

        return schema_problem(facts)

    # --- browsing ---------------------------------------------------------------------------

    async def process_page(self, flt: ProcessFilter, after: ProcessCursor | None,
                           limit: int, sort: ProcessSort | None = None) -> ProcessPage:
        """One page of the list in `sort`'s order (default: last activity, newest first),
        after the cursor of the page before (a cursor of another order is refused). Paged by
        key in every order; a filtered request may return fewer rows than asked (even none)
        with a next_cursor: keep asking until next_cursor is None."""
        await self.open()
        return await self.browse.process_page(flt, after, limit, sort=sort)

    async def neighbour_process(self, process_instance_id: str, flt: ProcessFilter,
                                sort: ProcessSort, *, forward: bool) -> str | None:
        """The process instance after (or before) this one in the list's order and filter,
        found by paging by key from its own position (never by offset, so rows arriving
        meanwhile move nothing); None at the end (or the start)."""
        await self.open()
        return await self.browse.neighbour_process(process_instance_id, flt, sort, forward)

    async def find_processes(self, typed: str) -> list[ProcessMatch]:
        """What "go to" names: an id, an id prefix in any case, or a Camunda business key;
        exact matches first. Camunda's instances come with whether ProcOS stored AI context
        for them."""
        await self.open()
        return await self.browse.find_processes(typed)

    async def replay_lag(self) -> float | None:
        """How far a standby's replay is behind its primary, in seconds; None on a primary."""
        await self.open()
        return await self.browse.replay_lag()

    async def follow_from_now(self) -> TailPosition:
        """Following starts at the server's clock: rows stored from now on."""
        await self.open()
        return await self.browse.follow_from_now()

    async def follow_poll(self, position: TailPosition, flt: TailFilter
                          ) -> tuple[list[dict[str, Any]], bool, TailPosition]:
        """Rows stored after `position` by (created_at, id), with the late commits of the
        window behind it (db/tail.py); the position after them. O(new rows): the activity
        index, never a scan, and nothing in ProcOS's write path."""
        await self.open()
        return await self.browse.follow_poll(position, flt)

    async def interactions(self, process_instance_id: str) -> list[InteractionHeader]:
        await self.open()
        return await self.browse.interactions(process_instance_id)

    async def previous_run(self, row_id: str) -> tuple[str, str] | None:
        """(process instance, row id) of the previous run of this row's activity (another
        instance of the same Camunda process definition, else earlier in the same one)."""
        facts = await self.open()
        return await self.browse.previous_run(row_id, facts.has_camunda_history)

    async def content(self, row_id: str) -> InteractionContent | None:
        await self.open()
        return await self.browse.content(row_id)

    async def content_head(self, row_id: str, chars: int) -> InteractionContent | None:
        """The first `chars` characters of the row's content_text (and its small columns):
        reads only the start of a big TOASTed body; content() has every byte."""
        await self.open()
        return await self.browse.content_head(row_id, chars)

    async def content_data(self, row_id: str) -> str | None:
        await self.open()
        return await self.browse.content_data(row_id)

    async def with_data(self, content: InteractionContent) -> InteractionContent:
        """The row with its content_data, fetched when content() left it out (a large one)."""
        if content.content_data_json is not None:
            return content
        data = await self.content_data(content.id)
        return dataclasses.replace(content, content_data_json=data or "null")

    async def camunda_details(self, process_instance_id: str) -> CamundaDetails | None:
        """Camunda's view of the instance; None when its tables are absent, lack it, or
        cannot be read by us (the AI side still shows)."""
        await self.open()
        try:
            return await self.browse.camunda_details(process_instance_id)
        except DatabaseError:
            return None

    # --- the model registry -----------------------------------------------------------------

    async def models(self) -> list[ModelRow]:
        await self.open()
        return await self.browse.models()

    async def model_usage(self) -> dict[tuple[str, str], ModelUsage]:
        """(provider, model) -> calls, tokens (input, output, total), cost, last used, for
        every pair procos_ai_context holds (registered or not); from the rollups plus the rows
        after them. Latency percentiles are None here (all time); stats() has them."""
        await self.open()
        return await self.browse.model_usage()

    # --- triage: Stats and what the filters can complete ------------------------------------

    async def stats(self, window: StatsWindow, by: StatsBy = StatsBy.MODEL) -> StatsReport:
        """Totals and one row per group (provider, model, activity, definition, day or hour)
        of the rows created in the window, with a series per hour (windows up to 3 days) or
        day for the chart. Exact: rollups plus the rows after them."""
        await self.open()
        return await self.browse.stats(window, by)

    async def model_gaps(self) -> ModelGaps:
        """Models used in procos_ai_context but missing from procos_ai_models, and registered
        models no row uses."""
        await self.open()
        return await self.browse.model_gaps()

    async def filter_values(self, field: str) -> list[str]:
        """The values `field` ("provider", "model", "activity" or "definition") has in
        procos_ai_context, sorted: for completion and "no such model; did you mean …"."""
        await self.open()
        return await self.browse.filter_values(field)

    async def write_refusal(self) -> str | None:
        """Why writes would be refused (so editing keys can say so up front), or None."""
        return await asyncio.to_thread(self._writer().refusal)

    async def create_model(self, draft: ModelDraft) -> ModelRow:
        return await self._in_thread(lambda: self._writer().create(draft))

    async def update_model(self, current: ModelRow, draft: ModelDraft) -> ModelRow:
        return await self._in_thread(lambda: self._writer().update(current, draft))

    async def set_model_active(self, current: ModelRow, active: bool) -> ModelRow:
        return await self._in_thread(lambda: self._writer().set_active(current, active))

    async def delete_model(self, current: ModelRow) -> None:
        await self._in_thread(lambda: self._writer().delete(current))

    def _writer(self) -> Any:
        from procos_tui.db.models import ModelWriter

        return ModelWriter(self.target, read_only=self.read_only)

    async def write_model_stats(self, report: StatsReport) -> int:
        """Write a by-model Stats report's aggregates into performance_stats (under the key
        "measured", other keys kept) of the registered models it covers; how many rows were
        written. An explicit write: refused under --read-only and on a standby."""
        if self.read_only:
            from procos_tui.core.registry import WritesRefused

            raise WritesRefused("started with --read-only: procos-tui writes nothing")

        def work() -> int:
            from procos_tui.db.models import write_model_stats

            return write_model_stats(self.target, report)

        return await self._in_thread(work)

    # --- health -----------------------------------------------------------------------------

    async def check(self) -> Report:
        """`procos-tui check`'s report: drift, truncation suspects, cut Camunda copies."""
        def work() -> Report:
            from procos_tui.db.connect import connect_sync
            from procos_tui.db.health import run_check

            with connect_sync(self.target, read_only=True,
                              statement_timeout_ms=HEALTH_TIMEOUT_MS) as conn:
                return run_check(conn)

        return await self._in_thread(work)

    async def cut_view(self, process_instance_id: str, variable: str) -> CutView | None:
        """Where the Camunda copy of `variable` ends, beside ProcOS's text; None if not cut."""
        def work() -> CutView | None:
            from procos_tui.db.connect import connect_sync
            from procos_tui.db.truncation import cut_view

            with connect_sync(self.target, read_only=True) as conn:
                return cut_view(conn, process_instance_id, variable)

        return await self._in_thread(work)

    async def copy_pair(self, process_instance_id: str, variable: str
                        ) -> tuple[str, str, str] | None:
        """(ProcOS's value, its row id, Camunda's copy) of `variable`, to compare."""
        def work() -> tuple[str, str, str] | None:
            from procos_tui.db.connect import connect_sync
            from procos_tui.db.truncation import copy_pair

            with connect_sync(self.target, read_only=True) as conn:
                return copy_pair(conn, process_instance_id, variable)

        return await self._in_thread(work)

    async def optimize_camunda(self) -> str:
        """Run init-db.sql's optimize_camunda_for_ai(); what it said."""
        if self.read_only:
            from procos_tui.core.registry import WritesRefused

            raise WritesRefused("started with --read-only: procos-tui writes nothing")

        def work() -> str:
            from procos_tui.db.connect import connect_sync
            from procos_tui.db.queries import health as health_sql
            from procos_tui.db.rows import fetch_one

            with connect_sync(self.target, read_only=False,
                              lock_timeout_ms=OPTIMIZE_LOCK_TIMEOUT_MS) as conn:
                row = fetch_one(conn, health_sql.OPTIMIZE_CAMUNDA)
            return str(row["outcome"]) if row and row["outcome"] is not None else ""

        return await self._in_thread(work)

    async def analyze_tables(self) -> list[str]:
        """ANALYZE the AI tables (the Health screen's `a`); the server's warnings, if any.
        An explicit write: refused under --read-only, on a standby and where writes are off."""
        if self.read_only:
            from procos_tui.core.registry import WritesRefused

            raise WritesRefused("started with --read-only: procos-tui writes nothing")

        def work() -> list[str]:
            from procos_tui.core.registry import WritesRefused
            from procos_tui.db.connect import connect_sync, write_refusal
            from procos_tui.db.health import analyze_tables

            with connect_sync(self.target, read_only=False,
                              statement_timeout_ms=HEALTH_TIMEOUT_MS,
                              lock_timeout_ms=OPTIMIZE_LOCK_TIMEOUT_MS) as conn:
                refusal = write_refusal(conn)
                if refusal:
                    raise WritesRefused(f"ANALYZE refused: {refusal}")
                return analyze_tables(conn)

        return await self._in_thread(work)

    # --- export -----------------------------------------------------------------------------

    async def export(self, process_instance_id: str, path: Path) -> ExportResult:
        """Every row of the instance into `path` (.json: every column; else Markdown),
        replaced only by a complete file."""
        fmt = "json" if path.suffix == ".json" else "md"

        def work() -> ExportResult:
            from procos_tui.db.connect import connect_sync
            from procos_tui.db.export import export_to_file

            with connect_sync(self.target, read_only=True, statement_timeout_ms=0) as conn:
                return export_to_file(conn, process_instance_id, fmt, path)

        return await self._in_thread(work)

    # --- search -----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchRun:
        """A search on the search connection; `await run.next_page()` for each page."""
        from procos_tui.db.search import SearchRun

        return SearchRun(self.search_session, request)

    async def cancel_search(self) -> None:
        """Stop the search connection's running statement (its reader gets QueryCancelled)."""
        await self.search_session.cancel()

    @property
    def search_timeout_s(self) -> float:
        return self.search_session.statement_timeout_ms / 1000

    # --- the one place blocking work leaves the event loop ----------------------------------

    async def _in_thread(self, work: Callable[[], T]) -> T:
        """Run blocking database work in a thread; every failure becomes a DatabaseError."""
        def guarded() -> T:
            import psycopg

            from procos_tui.db.connect import one_line

            try:
                return work()
            except DatabaseError:
                raise
            except psycopg.Error as exc:
                raise DatabaseError(one_line(exc)) from None
            except OSError as exc:  # export's file, or a socket
                raise DatabaseError(one_line(exc)) from None

        return await asyncio.to_thread(guarded)
