"""Opening big responses in the conversation screen, measured on the real app (issue 3).

    python benchmarks/conversation.py [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--keep]

Creates a scratch database on the --dsn server with three 10 MB responses: (a) Markdown,
(b) one line of compact JSON, (c) the Markdown with tabs and escape sequences (the pane's slow
path). Each case runs headless in its own process so peak RSS is per case, and prints a
Markdown table in ms / MB. Targets: first screen < 1 s, end / find / next < 0.3 s, scroll
repaint < 50 ms, RSS < 400 MB. One case alone (to profile it, with --keep's conninfo):
    python -m cProfile -s cumtime benchmarks/conversation.py --case a --conninfo DSN
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from textual.pilot import Pilot

from procos_tui.db import queries
from procos_tui.db.conninfo import Target
from procos_tui.db.schema import apply_schema
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.textpane import TextPane

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZE = 10 << 20
NEEDLE = "quokkaneedle"
CASES = {"a": "markdown", "b": "json-line", "c": "hostile"}
REPEATS = 20
WORDS = ("process instance task activity model token prompt response context gateway service "
         "review approve invoice customer order payment retry timeout budget forecast summary "
         "risk supplier contract clause deadline escalation owner queue worker batch report "
         "the a of to and in for with on by from is are was be this that each every").split()
ODD = ("naïve", "café", "—", "漢字", "🙂", "Zürich", "façade", "Ελλάδα")
CODE = {
    "python": ["def total(items):", "    return sum(i.amount for i in items)", "print(total([]))"],
    "sql": ["SELECT process_instance_id, count(*)", "FROM procos_ai_context", "GROUP BY 1;"],
    "json": ["{", '    "status": "ok",', '    "retries": 3', "}"],
    "bash": ["for f in *.log; do", '    gzip "$f"', "done"],
    "rust": ["fn main() {", '    println!("{}", 42);', "}"],
}


def sentence(rng: random.Random) -> str:
    words = rng.choices(WORDS, k=rng.randint(6, 18))
    if rng.random() < 0.05:
        words.insert(rng.randrange(len(words)), rng.choice(ODD))
    return " ".join(words).capitalize() + "."


def markdown(rng: random.Random) -> str:
    blocks, total = ["# Benchmark response"], 0
    while total < SIZE:
        kind = rng.random()
        if len(blocks) % 40 == 0:
            block = f"## Section {len(blocks) // 40}: {sentence(rng)}"
        elif kind < 0.6:
            block = " ".join(sentence(rng) for _ in range(rng.randint(2, 8)))
        elif kind < 0.8:
            block = "\n".join(f"- {sentence(rng)}" for _ in range(rng.randint(2, 6)))
        else:
            lang = rng.choice(list(CODE))
            lines = [rng.choice(CODE[lang]) for _ in range(rng.randint(3, 12))]
            block = f"```{lang}\n" + "\n".join(lines) + "\n```"
        blocks.append(block)
        total += len(block) + 2
    # Planted as paragraphs of their own so they never land inside a code block.
    for fraction in (0.98, 0.5):
        blocks.insert(int(len(blocks) * fraction), f"A planted {NEEDLE} marks this spot.")
    return "\n\n".join(blocks) + "\n"


def json_line(rng: random.Random) -> tuple[str, dict[str, Any]]:
    items: list[dict[str, Any]] = []
    total = 0
    while total < SIZE:
        item = {"id": len(items), "title": sentence(rng), "score": round(rng.random(), 4),
                "body": " ".join(sentence(rng) for _ in range(rng.randint(2, 6))),
                "tags": rng.sample(WORDS, 3), "done": rng.random() < 0.5}
        items.append(item)
        total += len(json.dumps(item, ensure_ascii=False, separators=(",", ":"))) + 1
    for fraction in (0.5, 0.98):
        items[int(len(items) * fraction)]["body"] += f" A planted {NEEDLE} marks this spot."
    obj = {"model": "gpt-4o", "status": "ok", "items": items}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")), obj


def hostile(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    escapes = ("\x1b[31m", "\x1b[0m", "\x1b]2;pwned\x07", "\x1b[2J")
    for i in range(1, len(lines)):
        # Tabs in a third of the lines make those lines "complex" (expanded per paint).
        if i % 3 == 0 and " " in lines[i]:
            cut = lines[i].index(" ")
            lines[i] = lines[i][:cut] + "\t" + lines[i][cut + 1:]
        if i % 2003 == 0:
            lines[i] += rng.choice(escapes)
    return "\n".join(lines)


def seed(conninfo: str) -> dict[str, str]:
    """Insert the three processes; return case -> the output row's id."""
    rng = random.Random(3)
    md = markdown(rng)
    line, obj = json_line(rng)
    bodies = {"a": (md, {"content": md, "finish_reason": "stop"}), "b": (line, obj),
              "c": (hostile(rng, md), None)}
    ids: dict[str, str] = {}
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
        for case, (text, data) in bodies.items():
            pid = f"bench-conv-{case}"
            conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
                " context_type, content_data, content_text, created_at)"
                " VALUES (%s, 't1', 'Activity_Ask', 'input', %s, %s, now() - interval '1 min')",
                (pid, json.dumps({"query": f"Write case {case}", "context": "big"}),
                 f"Write case {case}"))
            row = conn.execute(
                "INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id,"
                " context_type, content_data, content_text, ai_provider, model_used,"
                " token_usage) VALUES (%s, 't1', 'Activity_Ask', 'output', %s, %s, 'openai',"
                " 'gpt-4o', %s) RETURNING id::text",
                (pid, json.dumps(data if data is not None else {"content": text},
                                 ensure_ascii=False), text,
                 json.dumps({"prompt_tokens": 10, "completion_tokens": 2_500_000}))).fetchone()
            assert row is not None
            ids[case] = row[0]
    return ids


def fetch_ms(conninfo: str, row_id: str) -> float:
    """The app's own content query on an open connection, median of 3 (cf. psql's ~0.15 s)."""
    times = []
    with psycopg.connect(conninfo) as conn:
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(queries.INTERACTION_CONTENT, {"id": uuid.UUID(row_id)}).fetchone()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def screen_text(app: ProcosApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def digest(text: str) -> bytes:
    # In 1 M chunks: one encode() of the whole text would add 10 MB to the RSS being measured.
    sha = hashlib.sha256()
    for at in range(0, len(text), 1 << 20):
        sha.update(text[at:at + (1 << 20)].encode("utf-8"))
    return sha.digest()


async def until(pilot: Pilot[None], predicate: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.perf_counter() + timeout
    while not predicate():
        if time.perf_counter() > deadline:
            raise AssertionError("timed out; screen:\n" + screen_text(pilot.app))  # type: ignore[arg-type]
        await pilot.pause(0.005)


async def keys_ms(pilot: Pilot[None], *keys: str) -> float:
    """Keystroke to a composed frame: pause() waits for idle, then renders the dirty regions."""
    started = time.perf_counter()
    await pilot.press(*keys)
    await pilot.pause()
    return (time.perf_counter() - started) * 1000


async def run_case(case: str, conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        got = conn.execute("SELECT length(content_text), sha256(convert_to(content_text, 'UTF8'))"
                           " FROM procos_ai_context WHERE process_instance_id = %s"
                           " AND context_type = 'output'", (f"bench-conv-{case}",)).fetchone()
    assert got is not None
    length, sha = got[0], bytes(got[1])
    app = ProcosApp(Target(conninfo, "benchmark"), process_id=f"bench-conv-{case}")
    # Scroll animation would make a keystroke's figure the animation's length, not its cost.
    app.animation_level = "none"
    out: dict[str, Any] = {}

    def pane() -> TextPane:
        return app.screen.query_one("#response", TextPane)

    started = time.perf_counter()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ConversationScreen)
                    and len(pane().text) == length)
        await pilot.pause()
        out["open"] = (time.perf_counter() - started) * 1000
        assert digest(pane().text) == sha, "pane text differs from content_text"
        assert pane().text[:30].split("\n")[0] in screen_text(app)
        out["chars"], out["lines"] = length, pane().doc.line_count
        out["rows"] = pane().layout_now().row_count
        await pilot.press("r")
        out["end"] = await keys_ms(pilot, "G")
        assert pane().scroll_y == pane().max_scroll_y > 0
        await pilot.press("g", "slash", *NEEDLE)
        out["find"] = await keys_ms(pilot, "enter")
        matches = pane().matches
        assert matches is not None and len(matches) == 2 and pane().current == 0
        assert NEEDLE in screen_text(app)
        out["next"] = await keys_ms(pilot, "n")
        assert pane().current == 1 and NEEDLE in screen_text(app)
        await pilot.press("g")
        for key in ("pagedown", "down"):
            times = [await keys_ms(pilot, key) for _ in range(REPEATS)]
            out[key] = (statistics.median(times), max(times))
        assert pane().scroll_y > 0
        if case == "a":
            out["raw"] = await keys_ms(pilot, "2")
            assert len(pane().text) == length and digest(pane().text) == sha
            out["json"] = await keys_ms(pilot, "3")
            assert pane().text.startswith("// content_data")
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def table(results: dict[str, dict[str, Any]]) -> str:
    head = ("case", "MB", "lines", "wrapped rows", "DB fetch", "open→first screen", "G end",
            "find", "n next", "pgdn med/max", "down med/max", "raw (2)", "JSON (3)", "peak RSS")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case, r in results.items():
        def ms(key: str) -> str:
            return f"{r[key]:.0f} ms" if key in r else "—"

        rows.append("| " + " | ".join((
            f"{case} {CASES[case]}", f"{r['chars'] / (1 << 20):.1f}", f"{r['lines']:,}",
            f"{r['rows']:,}", ms("fetch"), ms("open"), ms("end"), ms("find"), ms("next"),
            "{:.1f} / {:.1f} ms".format(*r["pagedown"]), "{:.1f} / {:.1f} ms".format(*r["down"]),
            ms("raw"), ms("json"), f"{r['rss']:.0f} MB")) + " |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", default=SERVER, help="server to create the scratch database on")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--conninfo", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(asyncio.run(run_case(args.case, args.conninfo))))
        return
    name = f"procos_bench_conv_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    conninfo = make_conninfo(args.dsn, dbname=name)
    try:
        started = time.perf_counter()
        ids = seed(conninfo)
        print(f"seeded {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results: dict[str, dict[str, Any]] = {}
        for case in CASES:
            child = subprocess.run([sys.executable, __file__, "--case", case, "--conninfo",
                                    conninfo], capture_output=True, text=True, check=False)
            if child.returncode:
                sys.exit(f"case {case} failed:\n{child.stdout}\n{child.stderr}")
            results[case] = json.loads(child.stdout.strip().splitlines()[-1])
            results[case]["fetch"] = fetch_ms(conninfo, ids[case])
            print(f"case {case} done", file=sys.stderr)
        print(table(results))
    finally:
        if args.keep:
            print(f"kept: {conninfo}", file=sys.stderr)
        else:
            with psycopg.connect(args.dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
