"""Ground truth for the search tests: every matching row id by plain SQL, no plan pinned.

Deliberately the simplest reading of a search (ILIKE, close words from every row), so that
SearchRun's plans, pins and streams are checked against something that has none of them.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from procos_tui.core.search_syntax import SearchMode, SearchRequest, like_pattern
from procos_tui.db.queries import search as sql
from procos_tui.db.search import FUZZY_THRESHOLD, MAX_CLOSE_WORDS
from procos_tui.db.session import BrowseSession

# The close words of queries.search.CLOSE_WORDS, from every row directly (no word list).
CLOSE_WORDS_FROM_ALL_ROWS = """
SELECT close.word, similarity(close.word, %(term)s) AS sim
FROM (SELECT DISTINCT n.word
      FROM procos_ai_context AS c, procos_ai_words(c.content_text) AS n(word)
      WHERE n.word %% %(term)s) AS close
WHERE length(close.word) BETWEEN length(%(term)s) / 2 AND length(%(term)s) * 2
ORDER BY sim DESC, abs(length(close.word) - length(%(term)s)), close.word
LIMIT %(max_words)s
"""


async def ground_truth_ids(session: BrowseSession, req: SearchRequest) -> set[str]:
    """Every row id the request matches."""
    cond = sql.filters(req)
    if req.mode is SearchMode.FUZZY:
        async def close(conn: psycopg.AsyncConnection[Any]) -> list[list[str]]:
            cur = conn.cursor(row_factory=dict_row)
            await cur.execute(sql.SET_SIMILARITY, {"threshold": str(FUZZY_THRESHOLD)})
            out = []
            for term in req.terms:
                await cur.execute(CLOSE_WORDS_FROM_ALL_ROWS,
                                  {"term": term.lower(), "max_words": MAX_CLOSE_WORDS})
                out.append([r["word"] for r in await cur.fetchall()])
            return out

        groups = await session.read(close)
        if not all(groups):
            return set()
        for n, words in enumerate(groups):
            cond.add(f"c.content_text ILIKE ANY (%(g_{n})s)",
                     **{f"g_{n}": [like_pattern(w) for w in words]})
    else:
        sql.text_condition(req, cond, as_ilike=True)

    async def ids(conn: psycopg.AsyncConnection[Any]) -> set[str]:
        cur = conn.cursor(row_factory=dict_row)
        await cur.execute(f"SELECT c.id::text AS id FROM procos_ai_context AS c "
                          f"WHERE {cond.sql}", cond.params)
        return {r["id"] for r in await cur.fetchall()}

    return await session.read(ids)
