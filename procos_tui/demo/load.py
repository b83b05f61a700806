"""`procos-tui demo`: an embedded server with a deterministic ProcOS data set, built once."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from procos_tui.db import embedded
from procos_tui.db.schema import apply_schema, init_sql

DEMO_DATABASE = "procos_demo"
# Bump DATA_VERSION when the generator changes; a schema change is seen through its digest.
# A demo database with another mark is rebuilt.
DATA_VERSION = 2

# Prices for some of init-db.sql's default models (core/pricing.py's keys); Gemini and Llama stay
# unpriced, so the demo shows both a cost and "—" with unpriced calls.
DEMO_PRICES = {
    ("openai", "gpt-4o"): {"input_per_million": "2.50", "output_per_million": "10.00",
                           "currency": "USD"},
    ("openai", "gpt-4o-mini"): {"input_per_million": 0.15, "output_per_million": 0.6,
                                "currency": "USD"},
    ("anthropic", "claude-sonnet-4"): {"input_per_million": 3, "output_per_million": 15},
}


def demo_mark() -> str:
    digest = hashlib.sha256(init_sql().encode("utf-8")).hexdigest()[:12]
    return f"procos-tui demo data v{DATA_VERSION}, schema {digest}"

CONTEXT_COLUMNS = ("process_instance_id", "task_id", "activity_id", "context_type",
                   "content_data", "content_text", "ai_provider", "model_used",
                   "token_usage", "created_at")
_COPY_TYPES = ["varchar", "varchar", "varchar", "varchar", "jsonb", "text", "varchar",
               "varchar", "jsonb", "timestamptz"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def copy_rows(conn: psycopg.Connection[Any], rows: Iterable[Any]) -> tuple[int, int]:
    """COPY DemoRow-shaped objects into procos_ai_context; returns (rows, bytes of text)."""
    count = size = 0
    columns = sql.SQL(", ").join(sql.Identifier(c) for c in CONTEXT_COLUMNS)
    with conn.cursor() as cur, cur.copy(
            sql.SQL("COPY procos_ai_context ({}) FROM STDIN").format(columns)) as copy:
        copy.set_types(_COPY_TYPES)
        for r in rows:
            copy.write_row((
                r.process_instance_id, r.task_id, r.activity_id, r.context_type,
                Jsonb(r.content_data), r.content_text, r.ai_provider, r.model_used,
                None if r.token_usage is None else Jsonb(r.token_usage), r.created_at))
            count += 1
            size += len(r.content_text or "")
    return count, size


def load_demo_data(conn: psycopg.Connection[Any], progress: Progress = _quiet) -> dict[str, int]:
    """Fill an init-db'd database with the demo data set (one transaction)."""
    from procos_tui.demo.camunda import load_camunda
    from procos_tui.demo.content import demo_dataset

    started = time.perf_counter()
    dataset = demo_dataset()
    with conn.transaction():
        rows, chars = copy_rows(conn, dataset.rows())
        progress(f"loaded {rows} AI context rows ({chars / 1e6:.1f} M characters)")
        procs, variables = load_camunda(conn, dataset.processes, dataset.camunda_variables)
        progress(f"loaded {procs} Camunda process instances, {variables} variables")
        for (provider, model), pricing in DEMO_PRICES.items():
            conn.execute("UPDATE procos_ai_models SET config_data = coalesce(config_data,"
                         " '{}'::jsonb) || jsonb_build_object('pricing', %s::jsonb)"
                         " WHERE provider = %s AND model_name = %s",
                         (Jsonb(pricing), provider, model))
        # Camunda arrived after init-db, as in a real installation: add its AI indexes.
        outcome = conn.execute("SELECT optimize_camunda_for_ai()").fetchone()
        progress(f"optimize_camunda_for_ai(): {outcome[0] if outcome else ''}")
    words_started = time.perf_counter()
    conn.execute("SELECT procos_ai_refresh_search_words()")
    progress(f"fuzzy search word list filled in {time.perf_counter() - words_started:.1f} s")
    conn.execute("SELECT procos_ai_refresh_rollups()")
    conn.execute("ANALYZE")
    progress(f"demo data ready in {time.perf_counter() - started:.1f} s")
    return {"rows": rows, "processes": procs, "camunda_variables": variables}


def _demo_is_current(admin: psycopg.Connection[Any]) -> bool:
    row = admin.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        (DEMO_DATABASE,)).fetchone()
    return row is not None and row[0] == demo_mark()


def build_demo_database(admin: psycopg.Connection[Any], conninfo: str,
                        progress: Progress = _quiet) -> None:
    """Drop and rebuild the demo database; the mark is set last, so a half-built one is redone."""
    name = sql.Identifier(DEMO_DATABASE)
    admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
    admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        progress("applying init-db.sql")
        apply_schema(conn)
        load_demo_data(conn, progress)
    admin.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(name,
                                                                  sql.Literal(demo_mark())))


def prepare_demo(pgdata: Path, *, reset: bool = False, keep_running: bool = False,
                 progress: Progress = _quiet) -> tuple[embedded.EmbeddedServer, str]:
    """Start the embedded server and make sure the demo database is there and current."""
    first = not (pgdata / "PG_VERSION").exists() or reset
    if first:
        progress(f"starting PostgreSQL in {pgdata} (first start: initdb)")
    server = embedded.start(pgdata, reset=reset, keep_running=keep_running)
    conninfo = server.conninfo(DEMO_DATABASE)
    with psycopg.connect(server.conninfo("postgres"), autocommit=True) as admin:
        if not _demo_is_current(admin):
            progress("building the demo database (once; `procos-tui demo --reset` redoes it)")
            build_demo_database(admin, conninfo, progress)
    return server, conninfo
