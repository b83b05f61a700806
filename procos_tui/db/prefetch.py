"""The process list's first page, fetched by a forked child while the parent starts the UI.

Importing psycopg, connecting and the first two queries cost about as much CPU as starting
Textual, and a Python process does them one after the other. Forked before the parent loads
either, the child does the database half on the other core; the parent reads one pickled
answer from a pipe when its first frame is up. Where fork is unsafe or missing (Windows,
macOS), or the child fails in any way, the app simply takes the normal path.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import pickle
import signal
import sys
from dataclasses import dataclass

from procos_tui.core.types import ProcessFilter, ProcessPage, ServerFacts

PAGE_SIZE = 100


@dataclass(frozen=True)
class Prefetched:
    label: str  # the masked description of the database, for the status line
    facts: ServerFacts | None
    page: ProcessPage | None
    error: str | None = None  # one line for the user: bad DSN, cannot connect, no schema


def schema_problem(facts: ServerFacts) -> str | None:
    from procos_tui.core.sanitize import sanitize_plain

    database = sanitize_plain(facts.database)
    if not facts.has_procos:
        return (f"database {database!r} has no ProcOS tables "
                "(procos_ai_context); check the DSN, or create them with `procos-tui init-db`")
    if not facts.has_list_support:
        return (f"the ProcOS schema in {database!r} predates this procos-tui: "
                "run `procos-tui init-db` (adds the indexes the process list reads)")
    return None


def fetch_first_page(dsn: str | None, profile: str | None, flt: ProcessFilter) -> Prefetched:
    """What the child does; also callable in-process (tests). Blocking psycopg: the child has
    nothing else to do, and skipping asyncio saves it a tenth of its time."""
    import psycopg
    from psycopg.rows import class_row, dict_row

    from procos_tui.core.errors import DatabaseError
    from procos_tui.db.connect import connect_sync, is_pooled, one_line, shown_facts
    from procos_tui.db.conninfo import ConnInfoError, resolve
    from procos_tui.db.queries import browsing as browsing_sql

    try:
        target = resolve(dsn=dsn, profile=profile)
    except ConnInfoError as exc:
        return Prefetched("", None, None, str(exc))
    label = target.display
    try:
        with connect_sync(target, read_only=True) as conn:
            facts = conn.cursor(row_factory=class_row(ServerFacts)).execute(
                browsing_sql.SERVER_FACTS).fetchone()
            assert facts is not None
            facts = shown_facts(dataclasses.replace(facts, pooled=is_pooled(conn)))
            problem = schema_problem(facts)
            if problem:
                return Prefetched(label, facts, None, problem)
            query, params = browsing_sql.process_page(flt, None, PAGE_SIZE + 1,
                                                      facts.has_camunda_history,
                                                      browsing_sql.FILTER_WINDOW)
            rows = conn.cursor(row_factory=dict_row).execute(query, params).fetchall()
            return Prefetched(label, facts, browsing_sql.page_from_rows(rows, PAGE_SIZE,
                                                                        params["window"]))
    except DatabaseError as exc:
        return Prefetched(label, None, None, str(exc))
    except psycopg.Error as exc:
        return Prefetched(label, None, None, one_line(exc))


class Prefetch:
    """A running child; `wait()` returns its answer once (None when it has none to give)."""

    def __init__(self, pid: int, fd: int, flt: ProcessFilter) -> None:
        self.pid, self.fd, self.filter = pid, fd, flt
        self._done = False
        self._reading = False

    @classmethod
    def start(cls, dsn: str | None, profile: str | None,
              flt: ProcessFilter | None = None) -> Prefetch | None:
        # macOS frameworks are not fork-safe; Windows has no fork.
        if not hasattr(os, "fork") or sys.platform == "darwin" or os.environ.get(
                "PROCOS_TUI_NO_PREFETCH"):
            return None
        flt = flt or ProcessFilter()
        read_fd, write_fd = os.pipe()
        try:
            pid = os.fork()
        except OSError:  # no memory or process slots: the normal path still works
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the child: answer once, then leave without running the parent's exits
            status = 0
            try:
                os.close(read_fd)
                answer = fetch_first_page(dsn, profile, flt)
                with os.fdopen(write_fd, "wb") as out:
                    pickle.dump(answer, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # the parent falls back on its own path
                status = 1
            finally:
                os._exit(status)
        os.close(write_fd)
        return cls(pid, read_fd, flt)

    def ready(self, timeout: float) -> bool:
        """Whether wait() would return at once (the child has answered or died)."""
        import select

        return not self._done and bool(select.select([self.fd], [], [], timeout)[0])

    def wait(self) -> Prefetched | None:
        """Block until the child answers (call it off the UI thread)."""
        if self._done:
            return None
        self._done = self._reading = True
        chunks = []
        try:
            while chunk := os.read(self.fd, 1 << 20):
                chunks.append(chunk)
        finally:
            os.close(self.fd)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
        try:
            answer = pickle.loads(b"".join(chunks))
        except Exception:  # a child that died mid-write: no answer
            return None
        return answer if isinstance(answer, Prefetched) else None

    def abandon(self) -> None:
        """Stop the child. A wait() under way in another thread then sees the pipe close and
        cleans up itself, so quitting never waits for a server that does not answer."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, signal.SIGTERM)
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.close(self.fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
