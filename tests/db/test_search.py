"""Search against real PostgreSQL: the hits equal what plain SQL finds, for every mode."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from procos_tui.core.errors import DatabaseError, QueryCancelled, QueryTimedOut
from procos_tui.core.search_syntax import SearchMode, SearchRequest, parse_search
from procos_tui.core.types import Hit
from procos_tui.db.conninfo import Target
from procos_tui.db.queries import search as sql
from procos_tui.db.search import SearchRun
from procos_tui.db.session import BrowseSession
from tests.search_truth import ground_truth_ids

pytestmark = pytest.mark.db

GENERATOR = Path(__file__).resolve().parents[2] / "benchmarks" / "generate.py"
MIDDLE_NEEDLE = "quokkaxylophone"
HUGE_CHARS = 20 * 1024 * 1024
UNICODE_NEEDLES = ("Ünïcødé-straße", "東京タワー見学", "🦄unicornio")
LITERAL = "42%_OFF\\x9"
# A backreference makes PostgreSQL's regex engine crawl (~80 ms per MB): seconds on 20 MB.
SLOW_REGEX = r"(.)\1\1\1"
DECOYS = ("42XYOFFzx9", "42%_OFFx9", "42%aOFF\\x9")  # match only if %, _ or \ were special


def _insert(conn: psycopg.Connection[object], pid: str, kind: str, text: str,
            minutes_ago: int) -> None:
    conn.execute(
        "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
        " content_text, ai_provider, model_used, created_at) VALUES (%s, %s, '{}', %s,"
        " 'openai', 'gpt-4o', now() - make_interval(mins => %s))",
        (pid, kind, text, minutes_ago))


@pytest.fixture(scope="module")
def corpus(db: str) -> Iterator[str]:
    """Generated rows with planted needles; the word list refreshed, then more rows after it
    (their words only a live read finds)."""
    done = subprocess.run([sys.executable, str(GENERATOR), "--dsn", db, "--processes", "600",
                           "--huge", "0", "--seed", "11"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    half = HUGE_CHARS // 2
    huge = ("lorem ipsum dolor " * (half // 18 + 1))[:half] + MIDDLE_NEEDLE + \
        (" sit amet consectetur" * (half // 21 + 1))[:half]
    with psycopg.connect(db, autocommit=True) as conn:
        _insert(conn, "search-huge", "output", huge, 600)
        for n, needle in enumerate(UNICODE_NEEDLES):
            _insert(conn, f"search-unicode-{n}", "output", f"before {needle} after", 500 + n)
        _insert(conn, "search-literal", "input", f"discount {LITERAL} applied", 400)
        for n, decoy in enumerate(DECOYS):
            _insert(conn, f"search-decoy-{n}", "input", f"discount {decoy} applied", 390 + n)
        for n in range(3):
            _insert(conn, f"search-fuzzy-{n}", "output",
                    f"a lecture on thermodynamics, part {n}", 300 + n)
        conn.execute("SELECT procos_ai_refresh_search_words()")
        # Rows after the refresh: the word list has not got them.
        _insert(conn, "search-late", "output", "late words: photosynthesis happens", 0)
        conn.execute("ANALYZE procos_ai_context")
    yield db


async def _all_hits(dsn: str, req: SearchRequest, statement_timeout_ms: int | None = None,
                    **options: Any) -> tuple[list[str], SearchRun]:
    session = (BrowseSession(Target(dsn, "test")) if statement_timeout_ms is None else
               BrowseSession(Target(dsn, "test"), statement_timeout_ms=statement_timeout_ms))
    await session.open()
    try:
        run = SearchRun(session, req, **options)
        ids: list[str] = []
        while not run.done:
            ids += [h.id for h in await run.next_page()]
        return ids, run
    finally:
        await session.close()


async def _truth(dsn: str, req: SearchRequest) -> set[str]:
    session = BrowseSession(Target(dsn, "test"))
    await session.open()
    try:
        return await ground_truth_ids(session, req)
    finally:
        await session.close()


def _check(dsn: str, req: SearchRequest) -> list[str]:
    ids, _run = asyncio.run(_all_hits(dsn, req))
    truth = asyncio.run(_truth(dsn, req))
    assert len(ids) == len(set(ids)), "a row listed twice"
    assert set(ids) == truth
    return ids


def _pids(dsn: str, ids: list[str]) -> set[str]:
    with psycopg.connect(dsn) as conn:
        return {r[0] for r in conn.execute(
            "SELECT process_instance_id FROM procos_ai_context WHERE id = ANY(%s::uuid[])",
            (ids,))}


@pytest.mark.layouts
@pytest.mark.parametrize("term", ["needle-000000", MIDDLE_NEEDLE, *UNICODE_NEEDLES, LITERAL,
                                  "ÜNÏCØDÉ"])
def test_substring_hits_equal_sql(corpus: str, term: str) -> None:
    ids = _check(corpus, SearchRequest((term,)))
    if term in (MIDDLE_NEEDLE, *UNICODE_NEEDLES, LITERAL, "needle-000000"):
        assert ids, f"{term!r} planted but not found"


def test_percent_underscore_backslash_are_literal(corpus: str) -> None:
    ids = _check(corpus, SearchRequest((LITERAL,)))
    assert _pids(corpus, ids) == {"search-literal"}


@pytest.mark.parametrize(("look_first", "cap", "plan"), [
    (600, None, "newest rows first"),  # "the" fills a page from the newest rows
    (10, 100, "(many matches)"),  # few there, over the cap: the index gives way
])
@pytest.mark.layouts
def test_common_term_first_page_is_the_newest_matches(
        corpus: str, monkeypatch: pytest.MonkeyPatch, look_first: int, cap: int | None,
        plan: str) -> None:
    import procos_tui.db.search as search

    monkeypatch.setattr(search, "LOOK_FIRST_ROWS", look_first)
    req = SearchRequest(("the",))
    ids, run = asyncio.run(_pages(corpus, req, cap, pages=3))
    with psycopg.connect(corpus) as conn:
        expected = [r[0] for r in conn.execute(
            f"SELECT c.id::text FROM procos_ai_context AS c WHERE c.content_text ILIKE "
            f"'%%the%%' ORDER BY {sql.ACTIVITY} DESC, c.id DESC LIMIT 150")]
    assert ids == expected
    assert plan in run.plans[0]


async def _pages(dsn: str, req: SearchRequest, cap: int | None, pages: int
                 ) -> tuple[list[str], SearchRun]:
    session = BrowseSession(Target(dsn, "test"))
    await session.open()
    try:
        run = SearchRun(session, req)
        if cap is not None:
            run._start_cap = cap
        ids: list[str] = []
        for _ in range(pages):
            ids += [h.id for h in await run.next_page()]
        return ids, run
    finally:
        await session.close()


@pytest.mark.layouts
def test_filters_and_several_terms(corpus: str) -> None:
    req = parse_search('type:output "thermodynamics, part" 1')
    ids = _check(corpus, req)
    assert _pids(corpus, ids) == {"search-fuzzy-1"}
    assert _check(corpus, parse_search("id:search-uni before")) and \
        _pids(corpus, _check(corpus, parse_search("id:search-uni before"))) == {
            f"search-unicode-{n}" for n in range(3)}


@pytest.mark.layouts
def test_regex_hits_equal_sql_and_bad_regex_is_one_line(corpus: str) -> None:
    ids = _check(corpus, SearchRequest(("quokka[a-z]+phone",), SearchMode.REGEX))
    assert _pids(corpus, ids) == {"search-huge"}
    _check(corpus, SearchRequest(("needle-00000[0-4]",), SearchMode.REGEX))
    with pytest.raises(DatabaseError) as failed:
        asyncio.run(_all_hits(corpus, SearchRequest(("zyx(wv",), SearchMode.REGEX)))
    assert "invalid regular expression" in str(failed.value)
    assert "\n" not in str(failed.value)


@pytest.mark.layouts
def test_fuzzy_finds_the_misspelt_word_and_rows_newer_than_the_word_list(corpus: str) -> None:
    req = SearchRequest(("thermodinamics",), SearchMode.FUZZY)
    ids, run = asyncio.run(_all_hits(corpus, req))
    assert set(ids) == asyncio.run(_truth(corpus, req))
    assert {f"search-fuzzy-{n}" for n in range(3)} <= _pids(corpus, ids)
    assert run.close_words["thermodinamics"][0][0] == "thermodynamics"
    late = SearchRequest(("fotosynthesis",), SearchMode.FUZZY)
    ids, run = asyncio.run(_all_hits(corpus, late))
    assert _pids(corpus, ids) == {"search-late"}  # read live: the list has not got it
    assert run.words_behind and run.words_behind >= 1
    huge = SearchRequest(("quokkaxylofone",), SearchMode.FUZZY)
    assert _pids(corpus, asyncio.run(_all_hits(corpus, huge))[0]) == {"search-huge"}


@pytest.mark.layouts
def test_snippet_marks_the_match_in_the_middle_of_20_mb(corpus: str) -> None:
    async def first() -> list[Hit]:
        session = BrowseSession(Target(corpus, "test"))
        await session.open()
        try:
            return list(await SearchRun(session, SearchRequest((MIDDLE_NEEDLE,))).next_page())
        finally:
            await session.close()

    (hit,) = asyncio.run(first())
    assert hit.snippet[hit.match_start:hit.match_start + hit.match_len] == MIDDLE_NEEDLE
    assert hit.position == HUGE_CHARS // 2 + 1 and hit.chars == HUGE_CHARS + len(MIDDLE_NEEDLE)


def _plan(dsn: str, pin: str, query: str, params: dict[str, object]) -> str:
    with psycopg.connect(dsn) as conn:
        conn.execute(pin)
        rows = conn.execute(sql.explain(query), params).fetchall()
        return "\n".join(r[0] for r in rows)


def test_plans_use_the_indexes(corpus: str) -> None:
    cond = sql.filters(SearchRequest(("quokka",)))
    sql.text_condition(SearchRequest(("quokka",)), cond)
    plan = _plan(corpus, sql.PIN_BITMAP, *sql.probe(cond, 5000))
    assert "idx_procos_ai_context_content_search" in plan
    query, params = sql.walk(cond, None, 50, "quokka", SearchMode.SUBSTRING, True)
    plan = _plan(corpus, sql.PIN_WALK, query, params)
    # newest first straight from the index: the only sort is of the page's own rows
    assert "Index Scan Backward using idx_procos_ai_context_activity" in plan
    assert "JIT" not in plan
    with psycopg.connect(corpus) as conn:  # rolled back: a word list of a real size
        # word-like entries of a word's length: at this size the planner must pick the index
        conn.execute("INSERT INTO procos_ai_search_words SELECT substr(md5(g::text), 1, 9)"
                     " FROM generate_series(1, 300000) AS g ON CONFLICT DO NOTHING")
        conn.execute("ANALYZE procos_ai_search_words")
        plan = "\n".join(r[0] for r in conn.execute(
            sql.explain(sql.CLOSE_WORDS), {"terms": ["thermo"], "max_words": 20,
                                           "edge": "infinity", "live_rows": 2000}))
        conn.rollback()
    assert "idx_procos_ai_search_words_trgm" in plan


def test_short_terms_are_said_and_still_work(corpus: str) -> None:
    req = SearchRequest(("東京",))
    ids, run = asyncio.run(_all_hits(corpus, req))
    assert _pids(corpus, ids) == {"search-unicode-1"}
    assert any("under 3 characters" in n for n in run.notes)


def test_statement_timeout_ends_a_runaway_search(corpus: str) -> None:
    req = SearchRequest((SLOW_REGEX,), SearchMode.REGEX)
    with pytest.raises(QueryTimedOut) as stopped:
        asyncio.run(_all_hits(corpus, req, statement_timeout_ms=20))
    assert "statement_timeout" in str(stopped.value)


@pytest.mark.layouts
def test_cancel_reaches_the_server(corpus: str) -> None:
    async def go() -> float:
        session = BrowseSession(Target(corpus, "test"))
        await session.open()
        pid = session.backend_pid
        run = SearchRun(session, SearchRequest((SLOW_REGEX,), SearchMode.REGEX))
        task = asyncio.ensure_future(run.next_page())
        with psycopg.connect(corpus, autocommit=True) as watch:
            def state() -> str:
                row = watch.execute("SELECT state FROM pg_stat_activity WHERE pid = %s",
                                    (pid,)).fetchone()
                return row[0] if row else ""

            for _ in range(200):
                await asyncio.sleep(0.01)
                if state() == "active":
                    break
            assert state() == "active"
            t0 = time.monotonic()
            await session.cancel()
            while state() == "active":
                await asyncio.sleep(0.005)
            took = time.monotonic() - t0
        with pytest.raises(QueryCancelled):
            await task
        await session.close()
        return took

    assert asyncio.run(go()) < 1.0


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "procos_tui", "search", *args],
                          capture_output=True, text=True, timeout=120)


def test_cli_json_and_exit_codes(corpus: str) -> None:
    done = _cli(MIDDLE_NEEDLE, "--json", "--dsn", corpus)
    assert done.returncode == 0, done.stderr
    (hit,) = json.loads(done.stdout)
    assert {"id", "process_instance_id", "context_type", "created_at", "snippet"} <= set(hit)
    assert hit["process_instance_id"] == "search-huge" and MIDDLE_NEEDLE in hit["snippet"]
    done = _cli("thermodinamics", "--mode", "fuzzy", "--type", "output", "--dsn", corpus)
    assert done.returncode == 0 and "search-fuzzy-2" in done.stdout
    done = _cli(LITERAL, "--dsn", corpus)
    assert done.returncode == 0 and done.stdout.count("\n") == 1
    assert _cli("no-such-text-anywhere", "--dsn", corpus).returncode == 1
    bad = _cli("zyx(wv", "--mode", "regex", "--dsn", corpus)
    assert bad.returncode == 2 and "invalid regular expression" in bad.stderr
    assert _cli("x", "--dsn", "host=127.0.0.1 port=1 dbname=x").returncode == 2
    three = _cli("the", "--limit", "3", "--dsn", corpus)
    assert three.stdout.count("\n") == 3 and "there are more" in three.stderr
    assert "no hits" in _cli("no-such-text-anywhere", "--dsn", corpus).stderr
    fuzzy = _cli("thermodinamics", "--mode", "fuzzy", "--dsn", corpus)
    assert "fuzzy: thermodinamics → thermodynamics" in fuzzy.stderr
    late = _cli("x", "--since", "2026-02-01", "--until", "2026-01-01", "--dsn", corpus)
    assert late.returncode == 2 and "--since must be before --until" in late.stderr
    piped = subprocess.run(f"{sys.executable} -m procos_tui search the --limit 500 "
                           f"--dsn '{corpus}' | head -1", shell=True, capture_output=True,
                           text=True, timeout=120)
    assert piped.stdout.count("\n") == 1 and "Traceback" not in piped.stderr


def test_cli_output_never_carries_raw_controls(corpus: str) -> None:
    with psycopg.connect(corpus, autocommit=True) as conn:
        _insert(conn, "search-hostile", "output\x1b]2;pwned\x07",
                "hostile\x1b]52;c;aGk=\x07 \u202eevil\x9b2J marker-hostile", 700)
    text = _cli("marker-hostile", "--dsn", corpus)
    data = _cli("marker-hostile", "--json", "--dsn", corpus)
    for out in (text.stdout, data.stdout):
        assert not any(ch in out for ch in "\x1b\x07\u202e\x9b")
    assert json.loads(data.stdout)[0]["snippet"].startswith("hostile\x1b]52")


def test_init_db_fills_the_word_list_unless_told_not_to(empty_db: Callable[[], str]
                                                        ) -> None:
    for skip in (False, True):
        dsn = empty_db()
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE procos_ai_context (id uuid PRIMARY KEY DEFAULT "
                         "gen_random_uuid(), process_instance_id varchar(64) NOT NULL,"
                         " task_id varchar(64), activity_id varchar(255),"
                         " context_type varchar(50) NOT NULL, content_data jsonb NOT NULL,"
                         " content_text text, ai_provider varchar(50), model_used varchar(100),"
                         " token_usage jsonb, created_at timestamptz DEFAULT now(),"
                         " updated_at timestamptz DEFAULT now())")
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, content_text) VALUES ('p', 'output', '{}',"
                         " 'an existing answer about thermodynamics')")
        done = subprocess.run([sys.executable, "-m", "procos_tui", "init-db", "--dsn", dsn,
                               *(["--no-words"] if skip else [])],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT count(*) FILTER (WHERE word = 'thermodynamics'),"
                               " (SELECT covered_until IS NOT NULL"
                               "  FROM procos_ai_search_words_state)"
                               " FROM procos_ai_search_words").fetchone()
        assert row == ((0, False) if skip else (1, True)), (skip, row, done.stdout)
        assert ("run procos-tui refresh" in done.stdout) == skip


@pytest.mark.parametrize(("term", "page"), [("discount", 2), ("the", 400)])
def test_a_failed_page_loses_no_hit(corpus: str, term: str, page: int) -> None:
    """Esc mid-page, then paging on: every hit still comes, once (index ids and walk)."""
    req = SearchRequest((term,))

    async def go() -> tuple[list[str], int | None]:
        session = BrowseSession(Target(corpus, "test"))
        await session.open()
        try:
            run = SearchRun(session, req)
            run.page = page
            ids = [h.id for h in await run.next_page()]
            run.cancel()
            with pytest.raises(QueryCancelled):
                await run.next_page()
            run.cancelled = False
            while not run.done:
                ids += [h.id for h in await run.next_page()]
            return ids, run.total
        finally:
            await session.close()

    ids, _total = asyncio.run(go())
    assert len(ids) == len(set(ids))
    assert set(ids) == asyncio.run(_truth(corpus, req))


@pytest.mark.layouts
def test_word_list_refresh_steps_future_and_undated_rows(fresh: str) -> None:
    from procos_tui.db.schema import apply_schema

    dsn = fresh
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_schema(conn)

        def add(text: str, when: str | None) -> None:
            conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                         " content_data, content_text, created_at)"
                         " VALUES ('p', 'output', '{}', %s, %s::timestamptz)", (text, when))

        def refresh(max_rows: int | None = None, resume: bool = False) -> int:
            row = conn.execute("SELECT procos_ai_refresh_search_words(%s, %s)",
                               (max_rows, resume)).fetchone()
            return int(row[0]) if row else -2

        def has(word: str) -> bool:
            row = conn.execute("SELECT count(*) FROM procos_ai_search_words WHERE word = %s",
                               (word,)).fetchone()
            return bool(row and row[0])

        # A large fill goes step by step, each step committed, exactly where the last stopped.
        for n in range(50):
            add(f"stepword{chr(97 + n % 26)}{chr(97 + n // 26)} filler", f"2026-01-01 00:{n:02d}")
        assert [refresh(20), refresh(20, True), refresh(20, True), refresh(20, True)] == \
            [20, 20, 10, 0]
        assert has("stepwordaa") and has("stepwordxb")
        # A row dated in the future must not hide the rows written after it.
        add("zebrafish from the future", "2099-01-01")
        refresh()
        add("thermodynamics lecture", "now")
        refresh()
        assert has("zebrafish") and has("thermodynamics")
        # A row without created_at sorts before everything: still found, live and refreshed.
        add("photosynthesis without a date", None)
    req = SearchRequest(("fotosynthesis",), SearchMode.FUZZY)
    ids, run = asyncio.run(_all_hits(dsn, req))
    assert len(ids) == 1 and run.close_words["fotosynthesis"][0][0] == "photosynthesis"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SELECT procos_ai_refresh_search_words()")
        assert conn.execute("SELECT count(*) FROM procos_ai_search_words"
                            " WHERE word = 'photosynthesis'").fetchone() == (1,)


@pytest.mark.layouts
def test_word_list_equals_the_words_of_every_row_across_batches(fresh: str) -> None:
    """The refresh splits whole batches at once (with parallel workers where the server has
    them); its list must be exactly the distinct words procos_ai_words finds row by row, also
    when a batch ends in the middle of rows sharing one created_at."""
    from procos_tui.db.schema import apply_schema

    dsn = fresh
    texts = [
        "Refund the INVOICE, please: order #4411 (priority high).",
        "deadbeef 0xff 12345 cafe42 abc-def Straße ÜBER naïve…“quoted” — dash\u2014joined",
        "東京タワー見学、東京駅。 unicode\u00a0nbsp\ufeffbom tab\tand\nnewline",
        "x" * 101 + " toolong and ok",
        "",
    ]
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_schema(conn)
        for n in range(60):
            # 20 rows on each of three instants: batches of 7 end inside a run of equal keys.
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
                " content_text, created_at) VALUES ('p', 'output', '{}', %s,"
                " '2026-03-01'::timestamptz + make_interval(mins => %s))",
                (f"{texts[n % len(texts)]} word{n:02d}x", n // 20))
        conn.execute("TRUNCATE procos_ai_search_words")
        conn.execute("UPDATE procos_ai_search_words_state SET covered_until = NULL,"
                     " read_at = NULL, read_id = NULL")
        read = conn.execute("SELECT procos_ai_refresh_search_words(NULL, false, 7)").fetchone()
        assert read == (60,)
        got = {r[0] for r in conn.execute("SELECT word FROM procos_ai_search_words")}
        truth = {r[0] for r in conn.execute(
            "SELECT DISTINCT w FROM procos_ai_context AS c, procos_ai_words(c.content_text) w")}
        assert got == truth
        assert {f"word{n:02d}x" for n in range(60)} <= got
        assert {"refund", "invoice", "straße", "über", "naïve", "deadbeef", "0xff"} <= got
        assert not {"cafe42", "12345", "4411"} & got  # hex runs with a digit: left out


def test_a_never_refreshed_word_list_answers_from_the_newest_rows_and_says_so(
        empty_db: Callable[[], str]) -> None:
    """Close words come from the newest rows the list has not reached, at most live_word_rows
    of them: a word only older rows hold is missed, and a note says how far behind the list is
    and what fixes it. The search is not read-bounded by the table's size."""
    from procos_tui.db.schema import apply_schema

    dsn = empty_db()
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_schema(conn)
        conn.execute("TRUNCATE procos_ai_search_words")
        conn.execute("UPDATE procos_ai_search_words_state SET covered_until = NULL,"
                     " read_at = NULL, read_id = NULL")
        conn.execute(
            "INSERT INTO procos_ai_context (process_instance_id, context_type, content_data,"
            " content_text, created_at) SELECT 'old-' || g, 'output', '{}',"
            " CASE WHEN g = 1 THEN 'an ancient hippopotamus' ELSE 'filler words' END,"
            " now() - make_interval(hours => 1000 - g) FROM generate_series(1, 300) AS g")
        conn.execute("INSERT INTO procos_ai_context (process_instance_id, context_type,"
                     " content_data, content_text) VALUES ('new', 'output', '{}',"
                     " 'a lecture on thermodynamics')")

    def go(req: SearchRequest) -> tuple[list[str], SearchRun]:
        ids, run = asyncio.run(_all_hits(dsn, req, live_word_rows=50))
        return sorted(_pids(dsn, ids)) if ids else [], run

    ids, run = go(SearchRequest(("thermodinamics",), SearchMode.FUZZY))
    assert ids == ["new"] and run.words_behind == 301
    assert any("301 rows behind" in n and "newest 50" in n and "not the other 251" in n
               and "procos-tui refresh" in n for n in run.notes), run.notes
    # The oldest row's word is beyond the 50 newest: not found, as the note warned.
    ids, run = go(SearchRequest(("hipopotamus",), SearchMode.FUZZY))
    assert ids == [] and run.notes
