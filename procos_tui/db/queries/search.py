"""Search SQL: which rows hold a term, in which order, and a snippet around it.

Two plans, chosen per search by the caller, because PostgreSQL cannot estimate how many rows
a pattern matches (its LIKE estimate is a fixed guess):
- rare terms: the trigram index finds every match (bitmap scan, bodies rechecked), capped;
  fewer than the cap means the whole ordered id list is known at once;
- common terms: walk idx_procos_ai_context_activity newest first and test each row, which
  stops as soon as a page is full.
The plan is pinned with transaction-local planner settings (set_config(..., true)), never
session ones, so nothing outlives the read-only transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from procos_tui.core.search_syntax import SearchMode, SearchRequest, like_pattern
from procos_tui.db.queries.fragments import like_prefix, shown_time

ACTIVITY = "coalesce(c.created_at, '-infinity'::timestamptz)"
SNIPPET_BEFORE = 80
SNIPPET_CHARS = 240

# The pinned-away plans carry a huge cost, which would also switch JIT compilation on: off.
PIN_BITMAP = """
SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true),
       set_config('enable_indexonlyscan', 'off', true), set_config('jit', 'off', true)
"""
PIN_WALK = """
SELECT set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true),
       set_config('jit', 'off', true)
"""

TABLE_ROWS = """
SELECT greatest(reltuples, 0)::bigint AS table_rows FROM pg_class
WHERE oid = to_regclass('procos_ai_context')
"""

SEARCH_SUPPORT = """
SELECT to_regclass('procos_ai_context') IS NOT NULL AS has_table,
       to_regclass('procos_ai_search_words') IS NOT NULL
       AND to_regprocedure('procos_ai_search_words_edge()') IS NOT NULL
       AND to_regprocedure('procos_ai_words(text)') IS NOT NULL AS has_words,
       current_setting('server_version_num')::int AS version_num
"""

# How far the word list reaches, as text (it may be -infinity). The values then travel as
# parameters: a bound the planner can see is what lets it use idx_procos_ai_context_activity.
WORDS_STATE = """
SELECT coalesce(covered_until, '-infinity'::timestamptz)::text AS covered,
       procos_ai_search_words_edge()::text AS edge
FROM procos_ai_search_words_state
"""

# Rows the word list's refresh has not read yet (readers also re-read an overlap before it).
WORDS_BEHIND = """
SELECT count(*) AS behind FROM procos_ai_context AS c
WHERE coalesce(c.created_at, '-infinity'::timestamptz)
      >= %(covered)s::timestamptz + interval '1 microsecond'
"""

# The words close to each typed one: from the list through its trigram index, plus the words
# of the newest rows the list does not reach yet (at most %(live_rows)s of them, and as many
# rows without created_at, which no edge reaches), split once for every term.
# pg_trgm.similarity_threshold is set for this transaction.
CLOSE_WORDS = """
WITH live AS MATERIALIZED (
    SELECT n.word
    FROM (SELECT c.content_text FROM procos_ai_context AS c
          WHERE coalesce(c.created_at, '-infinity'::timestamptz) >= %(edge)s::timestamptz
          ORDER BY coalesce(c.created_at, '-infinity'::timestamptz) DESC, c.id DESC
          LIMIT %(live_rows)s) AS c,
         procos_ai_words(c.content_text) AS n(word)
    UNION
    SELECT n.word
    FROM (SELECT c.content_text FROM procos_ai_context AS c
          WHERE coalesce(c.created_at, '-infinity'::timestamptz) = '-infinity'::timestamptz
          LIMIT %(live_rows)s) AS c,
         procos_ai_words(c.content_text) AS n(word)
), ranked AS (
    SELECT t.term, close.word, similarity(close.word, t.term) AS sim,
           row_number() OVER (PARTITION BY t.term
                              ORDER BY similarity(close.word, t.term) DESC,
                                       abs(length(close.word) - length(t.term)),
                                       close.word) AS rank
    FROM unnest(%(terms)s::text[]) AS t(term),
         LATERAL (SELECT w.word FROM procos_ai_search_words AS w WHERE w.word %% t.term
                  UNION
                  SELECT l.word FROM live AS l WHERE l.word %% t.term) AS close
    WHERE length(close.word) BETWEEN length(t.term) / 2 AND length(t.term) * 2
)
SELECT term, word, sim FROM ranked WHERE rank <= %(max_words)s ORDER BY term, rank
"""

SET_SIMILARITY = "SELECT set_config('pg_trgm.similarity_threshold', %(threshold)s, true)"

# `procos-tui refresh-words`: one committed step of the word list's refresh (at most
# %(max_rows)s rows; resume goes on from the previous step). The rows read, -1 when another
# refresh holds the lock.
REFRESH_WORDS_STEP = """
SELECT procos_ai_refresh_search_words(%(max_rows)s, %(resume)s) AS rows_read
"""

WORDS_COUNT = "SELECT count(*) AS words FROM procos_ai_search_words"


@dataclass
class Condition:
    """A WHERE clause over procos_ai_context AS c, built from fixed fragments; values travel
    as parameters only."""

    clauses: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    text_clauses: set[int] = field(default_factory=set)  # which clauses read content_text

    def add(self, clause: str, **params: Any) -> None:
        if "content_text" in clause:
            self.text_clauses.add(len(self.clauses))
        self.clauses.append(clause)
        self.params.update(params)

    def split_text(self) -> tuple[Condition, Condition]:
        """(the clauses on content_text, the others): filters first, bodies last."""
        text = Condition([c for n, c in enumerate(self.clauses) if n in self.text_clauses],
                         dict(self.params))
        rest = Condition([c for n, c in enumerate(self.clauses) if n not in self.text_clauses],
                         dict(self.params))
        return text, rest

    @property
    def sql(self) -> str:
        return " AND ".join(self.clauses) or "true"


def filters(req: SearchRequest) -> Condition:
    cond = Condition()
    if req.context_type:
        cond.add("c.context_type = %(f_type)s", f_type=req.context_type)
    # exact names, any case: model:GPT-4o is gpt-4o (and not gpt-4o-mini)
    if req.provider:
        cond.add("lower(c.ai_provider) = lower(%(f_provider)s)", f_provider=req.provider)
    if req.model:
        cond.add("lower(c.model_used) = lower(%(f_model)s)", f_model=req.model)
    if req.since:
        cond.add("c.created_at >= %(f_since)s", f_since=req.since)
    if req.until:
        cond.add("c.created_at < %(f_until)s", f_until=req.until)
    if req.process_prefix:
        cond.add('c.process_instance_id COLLATE "C" LIKE %(f_process)s',
                 f_process=like_prefix(req.process_prefix))
    return cond


def literal(term: str) -> str:
    """A regular expression matching term exactly: the ARE director ***= makes the rest a
    literal string, so `%`, `_`, `\\` and regex characters all stand for themselves."""
    return "***=" + term


def text_condition(req: SearchRequest, cond: Condition, *, as_ilike: bool = False) -> None:
    """The terms of a substring or regex search, added to cond.

    A substring is case-insensitive like ILIKE, and is sent as `~*` with a literal pattern:
    the same rows through the same trigram index, but PostgreSQL tests a body a third
    faster that way (ILIKE lowercases the whole body first), which is most of a search's
    time. as_ilike gives ILIKE itself, for the tests' ground truth."""
    if req.mode is SearchMode.REGEX:
        cond.add("c.content_text ~* %(t_regex)s", t_regex=req.terms[0])
        return
    for n, term in enumerate(req.terms):
        if as_ilike:
            cond.add(f"c.content_text ILIKE %(t_{n})s", **{f"t_{n}": like_pattern(term)})
        else:
            cond.add(f"c.content_text ~* %(t_{n})s", **{f"t_{n}": literal(term)})


def word_condition(word: str, earlier: list[str], others: list[list[str]],
                   cond: Condition) -> None:
    """Fuzzy: rows holding `word`, none of the closer words already listed, and a close word
    for each of the other typed words."""
    cond.add("c.content_text ~* %(w_word)s", w_word=literal(word))
    if earlier:
        cond.add("NOT (c.content_text ~* ANY (%(w_earlier)s))",
                 w_earlier=[literal(w) for w in earlier])
    for n, alternatives in enumerate(others):
        cond.add(f"c.content_text ~* ANY (%(w_other_{n})s)",
                 **{f"w_other_{n}": [literal(w) for w in alternatives]})


def probe(cond: Condition, cap: int) -> tuple[str, dict[str, Any]]:
    """Every match up to cap (ids newest first) and how many were found."""
    query = f"""
SELECT p.id::text AS id, count(*) OVER () AS found
FROM (SELECT c.id, {ACTIVITY} AS at FROM procos_ai_context AS c
      WHERE {cond.sql} LIMIT %(cap)s) AS p
ORDER BY p.at DESC, p.id DESC
"""
    return query, {**cond.params, "cap": cap}


def _position(mode: SearchMode, regex_functions: bool) -> tuple[str, str]:
    """SQL for the match's 1-based position in c.content_text and its length (0 = unknown).
    Substrings travel as literal patterns (***=), so one expression serves every mode."""
    if mode is not SearchMode.REGEX and regex_functions:
        return ("regexp_instr(c.content_text, %(s_needle)s, 1, 1, 0, 'i')",
                "length(%(s_needle)s) - 4")
    if mode is not SearchMode.REGEX:  # before PostgreSQL 15: no regexp_instr
        return ("strpos(lower(c.content_text), lower(substr(%(s_needle)s, 5)))",
                "length(%(s_needle)s) - 4")
    if regex_functions:
        return ("regexp_instr(c.content_text, %(s_needle)s, 1, 1, 0, 'i')",
                "coalesce(length(regexp_substr(c.content_text, %(s_needle)s, 1, 1, 'i')), 0)")
    return "0", "0"  # before PostgreSQL 15: the snippet is the text's start, unmarked


# A hit row, by the names SearchRun._hit reads: the row's place in the newest-first order
# (key_at), the match's 1-based position and length in content_text (0: unknown), and the
# snippet with where it starts in content_text.
HIT_COLUMNS = f"""
    c.id::text AS id, c.process_instance_id, c.context_type,
    {shown_time('c.created_at')} AS created_at, c.ai_provider, c.model_used,
    length(c.content_text) AS chars, {ACTIVITY}::text AS key_at,
    m.pos AS match_position, m.len AS match_length, s.start AS snippet_start,
    substr(c.content_text, s.start, {SNIPPET_CHARS}) AS snippet
"""


def _hit_joins(mode: SearchMode, regex_functions: bool) -> str:
    pos, length = _position(mode, regex_functions)
    return f"""
CROSS JOIN LATERAL (SELECT {pos} AS pos, {length} AS len) AS m
CROSS JOIN LATERAL (SELECT greatest(m.pos - {SNIPPET_BEFORE}, 1) AS start) AS s
"""


def _needle(needle: str, mode: SearchMode) -> str:
    return needle if mode is SearchMode.REGEX else literal(needle)


def hits_by_id(ids: list[str], needle: str, mode: SearchMode, regex_functions: bool
               ) -> tuple[str, dict[str, Any]]:
    """The hit rows of a known id list, in that order, with snippets."""
    query = f"""
SELECT {HIT_COLUMNS}
FROM unnest(%(ids)s::uuid[]) WITH ORDINALITY AS k(id, n)
JOIN procos_ai_context AS c ON c.id = k.id
{_hit_joins(mode, regex_functions)}
ORDER BY k.n
"""
    return query, {"ids": ids, "s_needle": _needle(needle, mode)}


def walk(cond: Condition, after: tuple[str, str] | None, limit: int, needle: str,
         mode: SearchMode, regex_functions: bool, down_to: tuple[str, str] | None = None
         ) -> tuple[str, dict[str, Any]]:
    """The next `limit` matches newest first after the (time, id) cursor, with snippets;
    with down_to, only among rows at or after that key (a chunk of a bounded walk)."""
    keyset = ""
    params: dict[str, Any] = {**cond.params, "limit": limit, "s_needle": _needle(needle, mode)}
    if after is not None:
        keyset = f"AND ({ACTIVITY}, c.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    if down_to is not None:
        keyset += (f" AND ({ACTIVITY}, c.id) >= (%(down_at)s::timestamptz, "
                   f"%(down_id)s::uuid)")
        params.update(down_at=down_to[0], down_id=down_to[1])
    query = f"""
SELECT {HIT_COLUMNS}
FROM (SELECT c.* FROM procos_ai_context AS c
      WHERE {cond.sql} {keyset}
      ORDER BY {ACTIVITY} DESC, c.id DESC
      LIMIT %(limit)s) AS c
{_hit_joins(mode, regex_functions)}
ORDER BY {ACTIVITY} DESC, c.id DESC
"""
    return query, params


def window_edge(cond: Condition, after: tuple[str, str] | None, within: int
                ) -> tuple[str, dict[str, Any]]:
    """The oldest (time, id) of the next `within` rows after the cursor (filters applied,
    bodies not read) and how many there are: where a bounded walk stopped."""
    _text, rest = cond.split_text()
    keyset = ""
    params: dict[str, Any] = {**rest.params, "within": within}
    if after is not None:
        keyset = f"AND ({ACTIVITY}, c.id) < (%(after_at)s::timestamptz, %(after_id)s::uuid)"
        params.update(after_at=after[0], after_id=after[1])
    query = f"""
SELECT w.at::text AS edge_at, w.id::text AS edge_id, count(*) OVER () AS window_rows
FROM (SELECT {ACTIVITY} AS at, c.id FROM procos_ai_context AS c
      WHERE {rest.sql} {keyset}
      ORDER BY {ACTIVITY} DESC, c.id DESC
      LIMIT %(within)s) AS w
ORDER BY w.at, w.id
LIMIT 1
"""
    return query, params


def budget(ms: int) -> str:
    """A transaction-local statement_timeout: how long a probe may try."""
    return f"SELECT set_config('statement_timeout', '{int(ms)}ms', true)"


def explain(query: str) -> str:
    return "EXPLAIN (FORMAT TEXT) " + query
