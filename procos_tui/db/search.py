"""Search across procos_ai_context: substring, fuzzy and regex hits, a page at a time.

A SearchRun holds one search's position. Substring and regex searches are one stream of hits,
newest first. A fuzzy search first finds the words close to each typed word (the word list
and its trigram index, see init-db.sql), then is one stream per close word of the first typed
word, best word first, each newest first; a row shows up under the closest word it holds.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from procos_tui.core.search_syntax import SearchMode, SearchRequest, like_pattern
from procos_tui.db.connect import DatabaseError
from procos_tui.db.queries import search as sql
from procos_tui.db.session import BrowseSession

PAGE = 50
FUZZY_THRESHOLD = 0.3
MAX_CLOSE_WORDS = 20
# How many of the newest rows a search tests before it asks the trigram index.
LOOK_FIRST_ROWS = 600
# Rows the word list lags behind before a fuzzy search says so (their words are read live).
BEHIND_WARNING = 10_000


@dataclass(frozen=True)
class Hit:
    id: str
    process_instance_id: str
    context_type: str
    created_at: datetime | None
    ai_provider: str | None
    model_used: str | None
    chars: int | None
    position: int  # 1-based character position of the match in content_text; 0 if unknown
    match_len: int
    snippet: str  # stored text around the match, untrusted and unsanitised
    match_start: int  # where the match starts in snippet; -1 if unknown
    matched: str | None = None  # fuzzy: the close word this row holds
    similarity: float | None = None


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
    _cap: int = 5000
    _start_cap: int | None = None  # tests: a cap of their choosing
    _regex_functions: bool = True

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

    async def next_page(self) -> list[Hit]:
        started = time.monotonic()
        try:
            if self._streams is None:
                await self._start()
            hits: list[Hit] = []
            for stream in self._streams or ():
                while not stream.done and len(hits) < self.page:
                    hits += await self._read(stream, self.page - len(hits))
                if len(hits) >= self.page:
                    break
            self.found += len(hits)
            return hits
        finally:
            self.elapsed += time.monotonic() - started

    # --- starting -------------------------------------------------------------------------

    async def _start(self) -> None:
        req = self.request
        if req.empty:
            self._streams = []
            return

        async def facts(conn: psycopg.AsyncConnection[Any]) -> tuple[Any, ...]:
            rows = await (await conn.execute(sql.TABLE_ROWS)).fetchone()
            support = await (await conn.execute(sql.SEARCH_SUPPORT)).fetchone()
            assert support is not None
            return (rows[0] if rows else 0, *support)

        table_rows, has_words, version_num = await self.session.read(facts)
        self._regex_functions = int(version_num) >= 150000
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
            await conn.execute(sql.SET_SIMILARITY, {"threshold": str(FUZZY_THRESHOLD)})
            behind_row = await (await conn.execute(sql.WORDS_BEHIND)).fetchone()
            words: dict[str, list[tuple[str, float]]] = {}
            for term in terms:
                cur = await conn.execute(sql.CLOSE_WORDS,
                                         {"term": term, "max_words": MAX_CLOSE_WORDS})
                words[term] = [(w, float(s)) for w, s in await cur.fetchall()]
            return int(behind_row[0]) if behind_row else 0, words

        behind, self.close_words = await self.session.read(close)
        self.words_behind = behind
        if behind >= BEHIND_WARNING:
            self.notes.append(f"the word list is {behind:,} rows behind; their "
                              "words are read live, which is slow: run procos-tui refresh-words")
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
        if not stream.plan and stream.look_first:
            # A common term fills the page from the newest few hundred rows: far cheaper than
            # the index, which would recheck thousands of bodies first.
            query, params = sql.walk(stream.cond, None, limit, stream.needle, stream.mode,
                                     self._regex_functions, within=LOOK_FIRST_ROWS)
            rows = await self._fetch(sql.PIN_WALK, query, params)
            if len(rows) >= limit:
                stream.plan = "newest rows first (a common term)"
                stream.after = (rows[-1][7], rows[-1][0])
                return [self._hit(stream, r) for r in rows]
        if stream.ids is None and not stream.plan and stream.indexed:
            await self._probe(stream)
        if stream.ids is not None:
            ids = stream.ids[stream.taken:stream.taken + limit]
            stream.taken += len(ids)
            stream.done = stream.taken >= len(stream.ids)
            if not ids:
                return []
            query, params = sql.hits_by_id(ids, stream.needle, stream.mode,
                                           self._regex_functions)
            rows = await self._fetch(None, query, params)
            return [self._hit(stream, r) for r in rows]
        if not stream.plan:
            stream.plan = "walk (newest first, every row tested)"
        query, params = sql.walk(stream.cond, stream.after, limit, stream.needle, stream.mode,
                                 self._regex_functions)
        rows = await self._fetch(sql.PIN_WALK, query, params)
        if rows:
            stream.after = (rows[-1][7], rows[-1][0])
        stream.done = len(rows) < limit
        return [self._hit(stream, r) for r in rows]

    async def _probe(self, stream: _Stream) -> None:
        query, params = sql.probe(stream.cond, self._cap + 1)
        rows = await self._fetch(sql.PIN_BITMAP, query, params)
        if len(rows) <= self._cap:
            stream.ids = [r[0] for r in rows]
            stream.plan = f"trigram index ({len(rows):,} matches)"
            stream.done = not rows
        else:
            stream.plan = (f"trigram index found over {self._cap:,} matches; "
                           "walking newest first")

    async def _fetch(self, pin: str | None, query: str, params: dict[str, Any]
                     ) -> list[tuple[Any, ...]]:
        async def op(conn: psycopg.AsyncConnection[Any]) -> list[tuple[Any, ...]]:
            if pin:
                await conn.execute(pin)
            return await (await conn.execute(query, params)).fetchall()

        return await self.session.read(op)

    @staticmethod
    def _hit(stream: _Stream, row: tuple[Any, ...]) -> Hit:
        (row_id, pid, kind, created, provider, model, chars, _key, pos, length, start,
         snippet) = row
        pos = int(pos or 0)
        return Hit(row_id, pid, kind, created, provider, model, chars, pos, int(length or 0),
                   snippet or "", pos - int(start) if pos > 0 else -1,
                   stream.matched, stream.similarity)


async def ground_truth_ids(session: BrowseSession, req: SearchRequest) -> set[str]:
    """Every matching row id, by plain SQL with no plan pinned (tests and benchmarks)."""
    cond = sql.filters(req)
    if req.mode is SearchMode.FUZZY:
        async def close(conn: psycopg.AsyncConnection[Any]) -> list[list[str]]:
            await conn.execute(sql.SET_SIMILARITY, {"threshold": str(FUZZY_THRESHOLD)})
            out = []
            for term in req.terms:
                cur = await conn.execute(sql.CLOSE_WORDS_FROM_ALL_ROWS,
                                         {"term": term.lower(), "max_words": MAX_CLOSE_WORDS})
                out.append([w for w, _ in await cur.fetchall()])
            return out

        groups = await session.read(close)
        if not all(groups):
            return set()
        for n, words in enumerate(groups):
            cond.add(f"c.content_text ILIKE ANY (%(g_{n})s)",
                     **{f"g_{n}": [like_pattern(w) for w in words]})
    else:
        sql.text_condition(req, cond)
    rows = await session.execute(f"SELECT c.id::text FROM procos_ai_context AS c "
                                 f"WHERE {cond.sql}", cond.params)
    return {r[0] for r in rows}
