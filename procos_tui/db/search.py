"""Search across procos_ai_context: substring, fuzzy and regex hits, a page at a time.

A SearchRun holds one search's position. Substring and regex searches are one stream of hits,
newest first. A fuzzy search first finds the words close to each typed word (the word list
and its trigram index, see init-db.sql), then is one stream per close word of the first typed
word, best word first, each newest first; a row shows up under the closest word it holds.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import dict_row

from procos_tui.core.errors import DatabaseError, QueryCancelled, QueryTimedOut
from procos_tui.core.search_syntax import SearchMode, SearchRequest
from procos_tui.core.types import Hit
from procos_tui.db.queries import search as sql
from procos_tui.db.session import BrowseSession

PAGE = 50
FUZZY_THRESHOLD = 0.3
MAX_CLOSE_WORDS = 20
# How many of the newest rows a search tests before it asks the trigram index.
LOOK_FIRST_ROWS = 600
# Then the index and the walk take turns with this budget, doubling, until the walk's hit
# rate says it will fill the page soon (or says the term is rare: then the index finishes).
PROBE_BUDGET_MS = 100
WALK_CHUNK_ROWS = 1000
# A fuzzy search reads the words of at most this many of the newest rows the word list has
# not reached (about 1 s of splitting): a list never refreshed must not cost a whole table.
# Beyond them a close word only older rows hold is missed, and the search says so.
LIVE_WORD_ROWS = 2_000


@dataclass
class _Stream:
    cond: sql.Condition
    needle: str
    mode: SearchMode
    indexed: bool
    matched: str | None = None
    similarity: float | None = None
    look_first: bool = True  # test the newest rows before asking the index
    ids: list[str] | None = None  # every match, when the index found them all
    taken: int = 0
    after: tuple[str, str] | None = None
    done: bool = False
    plan: str = ""


@dataclass
class SearchRun:
    """One search. next_page() until done; every call is one short read-only transaction."""

    session: BrowseSession
    request: SearchRequest
    page: int = PAGE
    close_words: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    words_behind: int | None = None
    notes: list[str] = field(default_factory=list)
    found: int = 0
    elapsed: float = 0.0
    _streams: list[_Stream] | None = None
    cancelled: bool = False
    _cap: int = 5000
    _start_cap: int | None = None  # tests: a cap of their choosing
    _regex_functions: bool = True
    live_word_rows: int = LIVE_WORD_ROWS

    @property
    def done(self) -> bool:
        return self._streams is not None and all(s.done for s in self._streams)

    @property
    def total(self) -> int | None:
        """The number of hits, once it is known without reading further."""
        if self._streams is None:
            return None
        if all(s.ids is not None for s in self._streams):
            return sum(len(s.ids or ()) for s in self._streams)
        return self.found if self.done else None

    @property
    def plans(self) -> list[str]:
        return [s.plan for s in self._streams or () if s.plan]

    def cancel(self) -> None:
        """Stop at the next read (a page takes several; the server only stops the running
        one): the page in progress fails with QueryCancelled."""
        self.cancelled = True

    async def next_page(self) -> list[Hit]:
        """The next page, all or nothing: a page that fails (cancelled, timed out) leaves the
        run where it was, so asking again loses no hit."""
        started = time.monotonic()
        saved = [dataclasses.replace(s) for s in self._streams] if self._streams else None
        try:
            if self._streams is None:
                await self._start()
            hits: list[Hit] = []
            for stream in self._streams or ():
                while not stream.done and len(hits) < self.page:
                    hits += await self._read(stream, self.page - len(hits))
                if len(hits) >= self.page:
                    break
        except BaseException:
            self._streams = saved  # None: the first page starts over
            raise
        finally:
            self.elapsed += time.monotonic() - started
        self.found += len(hits)
        return hits

    # --- starting -------------------------------------------------------------------------

    async def _start(self) -> None:
        req = self.request
        self.notes = []
        if req.empty:
            self._streams = []
            return

        async def facts(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any]:
            cur = conn.cursor(row_factory=dict_row)
            rows = await (await cur.execute(sql.TABLE_ROWS)).fetchone()
            support = await (await cur.execute(sql.SEARCH_SUPPORT)).fetchone()
            assert support is not None
            return {"table_rows": rows["table_rows"] if rows else 0, **support}

        found = await self._read_db(facts)
        table_rows, has_words = found["table_rows"], found["has_words"]
        if not found["has_table"]:
            raise DatabaseError("this database has no procos_ai_context table: is it the "
                                "ProcOS database? (procos-tui init-db creates the schema)")
        self._regex_functions = int(found["version_num"]) >= 150000
        # Index plan or walk, whichever reads fewer rows: a cap near sqrt(page x rows)
        # bounds both (a probe reads at most cap matches; a walk past the cap finds a page
        # within rows x page / cap rows).
        self._cap = self._start_cap or max(
            1000, min(20000, int(math.sqrt(self.page * max(table_rows, 1)))))
        short = req.short_terms()
        if short and req.mode is SearchMode.REGEX:
            self.notes.append("this pattern has no three plain characters in a row, so the "
                              "trigram index cannot narrow it: every row is read (bounded by "
                              "the statement timeout)")
        elif short:
            which = ", ".join(repr(t) for t in short)
            self.notes.append(f"{which}: under 3 characters, the trigram index cannot help"
                              + ("" if req.indexed else "; every row is read (bounded by the "
                                 "statement timeout)"))
        if req.mode is SearchMode.FUZZY:
            if not has_words:
                raise DatabaseError("fuzzy search needs the word list of init-db.sql "
                                    "(procos_ai_search_words): run procos-tui init-db")
            await self._start_fuzzy()
            return
        base = sql.filters(req)
        sql.text_condition(req, base)
        self._streams = [_Stream(base, req.terms[0], req.mode, req.indexed)]

    async def _start_fuzzy(self) -> None:
        req = self.request
        terms = [t.lower() for t in req.terms]

        async def close(conn: psycopg.AsyncConnection[Any]
                        ) -> tuple[int, dict[str, list[tuple[str, float]]]]:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(sql.SET_SIMILARITY, {"threshold": str(FUZZY_THRESHOLD)})
            state = await (await cur.execute(sql.WORDS_STATE)).fetchone()
            covered, edge = (state["covered"], state["edge"]) if state else ("-infinity",
                                                                             "-infinity")
            behind_row = await (await cur.execute(sql.WORDS_BEHIND,
                                                  {"covered": covered})).fetchone()
            words: dict[str, list[tuple[str, float]]] = {t: [] for t in terms}
            await cur.execute(sql.CLOSE_WORDS, {
                "terms": list(words), "max_words": MAX_CLOSE_WORDS, "edge": edge,
                "live_rows": self.live_word_rows})
            for r in await cur.fetchall():
                words[r["term"]].append((r["word"], float(r["sim"])))
            return int(behind_row["behind"]) if behind_row else 0, words

        behind, self.close_words = await self._read_db(close)
        self.words_behind = behind
        if behind > self.live_word_rows:
            self.notes.append(
                f"the word list is {behind:,} rows behind: close words came from it and the "
                f"newest {self.live_word_rows:,} of those rows, not the other "
                f"{behind - self.live_word_rows:,}; run procos-tui refresh")
        streams: list[_Stream] = []
        first, *others = terms
        alternatives = [[w for w, _ in self.close_words[t]] for t in others]
        if all(self.close_words[t] for t in terms):
            earlier: list[str] = []
            for word, similarity in self.close_words[first]:
                cond = sql.filters(req)
                sql.word_condition(word, list(earlier), alternatives, cond)
                # The closest word may be a common one (a misspelt "compliance"); the others
                # go straight to the index, or twenty looks would add up.
                streams.append(_Stream(cond, word, SearchMode.FUZZY, len(word) >= 3,
                                       matched=word, similarity=similarity,
                                       look_first=not streams))
                earlier.append(word)
        self._streams = streams

    # --- reading --------------------------------------------------------------------------

    async def _read(self, stream: _Stream, limit: int) -> list[Hit]:
        if stream.ids is not None:
            ids = stream.ids[stream.taken:stream.taken + limit]
            stream.taken += len(ids)
            stream.done = stream.taken >= len(stream.ids)
            if not ids:
                return []
            query, params = sql.hits_by_id(ids, stream.needle, stream.mode,
                                           self._regex_functions)
            return [self._hit(stream, r) for r in await self._fetch((), query, params)]
        if not stream.plan:
            return await self._first(stream, limit)
        return await self._walk(stream, limit)

    async def _first(self, stream: _Stream, limit: int) -> list[Hit]:
        """The first page. How many rows match is unknown (PostgreSQL guesses LIKE's
        selectivity from the pattern's length), and each plan has its trap: the trigram
        index rechecks every candidate body (seconds when a term's trigrams are common),
        a walk through the newest rows tests rows until a page is full (forever when the
        term is rare). So: a short look at the newest rows, then the index and the walk in
        turns with doubling budgets, the walk keeping its progress, until its own hit rate
        says which will finish first."""
        found: list[Hit] = []
        walked = 0
        walk_seconds = 0.0
        cursor: tuple[str, str] | None = None

        async def walk_for(seconds: float, chunk: int) -> bool:
            """Walk chunks until the time is up; True once the page is full or the rows end."""
            nonlocal cursor, walked, walk_seconds
            deadline = time.monotonic() + seconds
            while True:
                started = time.monotonic()
                hits, edge, examined = await self._chunk(stream, cursor, limit - len(found),
                                                         chunk)
                walk_seconds += time.monotonic() - started
                walked += examined
                found.extend(hits)
                if len(found) >= limit:
                    stream.after = (found[-1].key_at, found[-1].id)
                    return True
                if examined < chunk or edge is None:
                    stream.done = True
                    return True
                cursor = edge
                if time.monotonic() >= deadline:
                    return False

        if stream.look_first and await walk_for(0, LOOK_FIRST_ROWS):
            stream.plan = "newest rows first (a common term)"
            return found
        if not stream.indexed:
            stream.plan = "newest rows first, every row tested (no trigram to use)"
            stream.after = cursor
            return found + await self._walk(stream, limit - len(found))
        budget_ms = PROBE_BUDGET_MS
        while True:
            if await self._probe(stream, budget_ms):
                return await self._read(stream, limit)
            if await walk_for(budget_ms / 1000, WALK_CHUNK_ROWS):
                stream.plan = "newest rows first (many matches)"
                return found
            # The walk's hit rate so far says how long it would take to fill the page.
            rate = len(found) / max(walked, 1)
            remaining = (limit - len(found)) / rate * walk_seconds / max(walked, 1) \
                if rate else float("inf")
            if remaining <= 2 * budget_ms / 1000:
                break
            if not rate:  # nothing in thousands of rows: a rare term, the index's job
                if await self._probe(stream, None):
                    return await self._read(stream, limit)
                break
            budget_ms *= 2
        stream.plan = "newest rows first (many matches)"
        stream.after = cursor
        return found + await self._walk(stream, limit - len(found))

    async def _chunk(self, stream: _Stream, after: tuple[str, str] | None, limit: int,
                     rows: int) -> tuple[list[Hit], tuple[str, str] | None, int]:
        """Matches among the next `rows` rows after the cursor, and where those rows end.
        The end is found first and the walk bounded by it, so a row committed in between
        can neither be tested twice nor slip between two chunks."""
        edge_query, edge_params = sql.window_edge(stream.cond, after, rows)

        async def op(conn: psycopg.AsyncConnection[Any]
                     ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
            cur = conn.cursor(row_factory=dict_row)
            edge = await (await cur.execute(edge_query, edge_params)).fetchone()
            if edge is None:
                return [], None
            query, params = sql.walk(stream.cond, after, limit, stream.needle, stream.mode,
                                     self._regex_functions,
                                     down_to=(edge["edge_at"], edge["edge_id"]))
            await cur.execute(sql.PIN_WALK)
            return await (await cur.execute(query, params)).fetchall(), edge

        hits, edge = await self._read_db(op)
        if edge is None:
            return [], None, 0
        return ([self._hit(stream, r) for r in hits], (edge["edge_at"], edge["edge_id"]),
                int(edge["window_rows"]))

    async def _walk(self, stream: _Stream, limit: int) -> list[Hit]:
        if limit <= 0 or stream.done:
            return []
        query, params = sql.walk(stream.cond, stream.after, limit, stream.needle, stream.mode,
                                 self._regex_functions)
        rows = await self._fetch((sql.PIN_WALK,), query, params)
        if rows:
            stream.after = (rows[-1]["key_at"], rows[-1]["id"])
        stream.done = len(rows) < limit
        return [self._hit(stream, r) for r in rows]

    async def _probe(self, stream: _Stream, budget_ms: int | None) -> bool:
        """Every match through the trigram index, if that takes at most budget_ms (None: the
        statement timeout) and finds at most the cap; True when it did (the stream then
        pages through the ids)."""
        query, params = sql.probe(stream.cond, self._cap + 1)
        pins = (sql.PIN_BITMAP,) if budget_ms is None else (sql.PIN_BITMAP,
                                                            sql.budget(budget_ms))
        try:
            rows = await self._fetch(pins, query, params)
        except QueryTimedOut:
            if budget_ms is None:
                raise
            return False
        if len(rows) > self._cap:
            return False
        stream.ids = [r["id"] for r in rows]
        stream.plan = f"trigram index ({len(rows):,} matches)"
        stream.done = not rows
        return True

    async def _read_db(self, op: Any) -> Any:
        if self.cancelled:
            raise QueryCancelled("search cancelled")
        return await self.session.read(op)

    async def _fetch(self, pins: tuple[str, ...], query: str, params: dict[str, Any]
                     ) -> list[dict[str, Any]]:
        """The statement's rows by column name, after the plan pins."""
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[dict[str, Any]]:
            cur = conn.cursor(row_factory=dict_row)
            for pin in pins:
                await cur.execute(pin)
            return await (await cur.execute(query, params)).fetchall()

        rows: list[dict[str, Any]] = await self._read_db(op)
        return rows

    @staticmethod
    def _hit(stream: _Stream, row: dict[str, Any]) -> Hit:
        """A hit from a row of sql.HIT_COLUMNS (by name)."""
        position = int(row["match_position"] or 0)
        return Hit(
            id=row["id"], process_instance_id=row["process_instance_id"],
            context_type=row["context_type"], created_at=row["created_at"],
            ai_provider=row["ai_provider"], model_used=row["model_used"], chars=row["chars"],
            position=position, match_len=int(row["match_length"] or 0),
            snippet=row["snippet"] or "",
            match_start=position - int(row["snippet_start"]) if position > 0 else -1,
            matched=stream.matched, similarity=stream.similarity, key_at=row["key_at"])

