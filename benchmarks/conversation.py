"""Opening big responses in the conversation screen, measured on the real app (issue 3).

    python benchmarks/conversation.py [--dsn postgresql://postgres@127.0.0.1/postgres] [--keep]

Creates a scratch database on the --dsn server with three 10 MB (--mb) responses: (a) Markdown,
(b) one line of compact JSON, (c) the Markdown with tabs and escape sequences (the pane's slow
path). Each case runs headless in its own process, so peak RSS is per case; a Markdown table in
ms / MB follows. Targets: first screen < 1 s; end, find, next < 0.3 s; a scroll keystroke
repaints < 50 ms; RSS < 400 MB. To profile one case (on the database --keep leaves):
    python -m cProfile -s cumtime benchmarks/conversation.py --case a --conninfo CONNINFO
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from textual import events
from textual.pilot import Pilot

from procos_tui.db.conninfo import Target
from procos_tui.db.gateway import Gateway
from procos_tui.db.queries import browsing as queries
from procos_tui.db.schema import apply_schema
from procos_tui.db.session import INLINE_DATA_BYTES
from procos_tui.ui.app import ProcosApp
from procos_tui.ui.conversation import ConversationScreen
from procos_tui.ui.textpane import TextPane

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
SIZE = 10 << 20
NEEDLE = "quokkaneedle"
CASES = {"a": "markdown", "b": "json-line", "c": "hostile"}
REPEATS = 20
VOCABULARY = ("process instance task activity model token prompt response context gateway review"
              " approve invoice customer order payment retry timeout budget forecast risk owner"
              " supplier contract deadline queue worker batch report the a of to and in for with")
WORDS = VOCABULARY.split()
ODD = ("naïve", "café", "—", "漢字", "🙂", "Zürich", "façade", "Ελλάδα")
CODE = {"python": ("def total(items):", "    return sum(i.amount for i in items)", "print(1)"),
        "sql": ("SELECT process_instance_id, count(*)", "FROM procos_ai_context", "GROUP BY 1;"),
        "json": ("{", '    "status": "ok",', '    "retries": 3', "}"),
        "bash": ("for f in *.log; do", '    gzip "$f"', "done"),
        "rust": ("fn main() {", '    println!("{}", 42);', "}")}
INSERT = ("INSERT INTO procos_ai_context (process_instance_id, task_id, activity_id, context_type,"
          " content_data, content_text, ai_provider, model_used, created_at)"
          " VALUES (%s, 't1', 'Activity_Ask', %s, %s, %s, 'openai', 'gpt-4o', now() + %s)")


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
    # Paragraphs of their own, so a needle never lands inside a code block.
    for fraction in (0.98, 0.5):
        blocks.insert(int(len(blocks) * fraction), f"A planted {NEEDLE} marks this spot.")
    return "\n\n".join(blocks) + "\n"


def json_line(rng: random.Random) -> tuple[str, dict[str, Any]]:
    items: list[dict[str, Any]] = []
    total = 0
    while total < SIZE:
        items.append({"id": len(items), "title": sentence(rng), "score": round(rng.random(), 4),
                      "body": " ".join(sentence(rng) for _ in range(rng.randint(2, 6))),
                      "tags": rng.sample(WORDS, 3), "done": rng.random() < 0.5})
        total += len(json.dumps(items[-1], ensure_ascii=False, separators=(",", ":"))) + 1
    for fraction in (0.5, 0.98):
        items[int(len(items) * fraction)]["body"] += f" A planted {NEEDLE} marks this spot."
    obj = {"model": "gpt-4o", "status": "ok", "items": items}
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")), obj


def hostile(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for i in range(1, len(lines)):
        # A tab in every third line makes those lines "complex": expanded and remapped per paint.
        if i % 3 == 0 and " " in lines[i]:
            lines[i] = lines[i].replace(" ", "\t", 1)
        if i % 2003 == 0:
            lines[i] += rng.choice(("\x1b[31m", "\x1b[0m", "\x1b]2;pwned\x07", "\x1b[2J"))
    return "\n".join(lines)


def seed(conninfo: str) -> None:
    rng = random.Random(3)
    md = markdown(rng)
    line, obj = json_line(rng)
    bad = hostile(rng, md)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        apply_schema(conn)
        for case, text, data in (("a", md, {"content": md, "finish_reason": "stop"}),
                                 ("b", line, obj),
                                 ("c", bad, {"content": bad, "finish_reason": "stop"})):
            pid, ask = f"bench-conv-{case}", f"Write case {case}"
            conn.cursor().executemany(INSERT, [
                (pid, "input", json.dumps({"query": ask}), ask, timedelta(minutes=-1)),
                (pid, "output", json.dumps(data, ensure_ascii=False), text, timedelta())])


def output_row(conn: psycopg.Connection[Any], case: str, columns: str) -> tuple[Any, ...]:
    row = conn.execute(f"SELECT {columns} FROM procos_ai_context WHERE process_instance_id = %s"
                       " AND context_type = 'output'", (f"bench-conv-{case}",)).fetchone()
    assert row is not None
    return tuple(row)


def fetch_ms(conninfo: str, case: str) -> float:
    """The app's own content query on an open connection, median of 3 (cf. psql's ~0.15 s)."""
    times = []
    with psycopg.connect(conninfo) as conn:
        key = uuid.UUID(output_row(conn, case, "id::text")[0])
        for _ in range(3):
            started = time.perf_counter()
            conn.execute(queries.INTERACTION_CONTENT,
                         {"id": key, "inline_data_bytes": INLINE_DATA_BYTES}).fetchone()
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def screen_text(app: ProcosApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def peak_rss_mb() -> float:
    # Not getrusage's ru_maxrss: Linux carries it across fork and exec, so a child would report
    # the parent's peak (the generator's ~340 MB). VmHWM belongs to this exec'd image alone.
    with open("/proc/self/status", encoding="ascii") as status:
        return int(next(ln for ln in status if ln.startswith("VmHWM:")).split()[1]) / 1024


def digest(text: str) -> bytes:
    # In 1 M chunks: one encode() of the whole text would add 10 MB to the RSS being measured.
    sha = hashlib.sha256()
    for at in range(0, len(text), 1 << 20):
        sha.update(text[at:at + (1 << 20)].encode("utf-8"))
    return sha.digest()


async def settle(pilot: Pilot[None], done: Callable[[], bool], timeout: float = 60) -> None:
    """Run the app until done() holds and its queues drain, then compose a frame.

    Pilot's press() and pause() sleep 20 ms per idle check (60+ ms a keystroke): too coarse
    for a 50 ms budget. This loop only yields, then does what the screen's update timer does
    (the frame pacing of up to 1/60 s that a terminal adds is not counted).
    """
    deadline = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > deadline:
            raise AssertionError("timed out; screen:\n" + screen_text(pilot.app))  # type: ignore[arg-type]
        await asyncio.sleep(0.001)
    await pilot._wait_for_screen()
    pilot.app.screen._on_timer_update()


async def step_ms(pilot: Pilot[None], key: str, done: Callable[[], bool]) -> float:
    """One keystroke, delivered as the driver delivers it, to a composed frame."""
    started = time.perf_counter()
    event = events.Key(key, key if len(key) == 1 else "\r" if key == "enter" else None)
    event.set_sender(pilot.app)
    assert pilot.app._driver is not None
    pilot.app._driver.send_message(event)
    await settle(pilot, done)
    return (time.perf_counter() - started) * 1000


async def scrolls(pilot: Pilot[None], pane: Callable[[], TextPane], key: str) -> list[float]:
    times = []
    for _ in range(REPEATS):
        def moved(y: float = pane().scroll_y) -> bool:
            return pane().scroll_y != y

        times.append(await step_ms(pilot, key, moved))
    return [statistics.median(times), max(times)]


async def run_case(case: str, conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        length, sha = output_row(conn, case, "length(content_text),"
                                 " sha256(convert_to(content_text, 'UTF8'))")
    app = ProcosApp(Gateway(Target(conninfo, "benchmark")))
    # Scroll animation would make a keystroke's figure the animation's length, not its cost.
    app.animation_level = "none"
    out: dict[str, Any] = {}

    def pane() -> TextPane:
        return app.screen.query_one("#response", TextPane)

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, lambda: "process instances" in screen_text(app))
        # As Enter on the list does: from the keystroke to the response's first screen.
        started = time.perf_counter()
        app.push_screen(ConversationScreen(f"bench-conv-{case}"))
        # The first screen: the response's first line drawn (the head of a big body may come
        # before the rest); then every character in the pane.
        await settle(pilot, lambda: isinstance(app.screen, ConversationScreen)
                     and bool(app.screen.query("#response")) and bool(pane().text)
                     and pane().text[:30].split("\n")[0] in screen_text(app))
        out["first"] = (time.perf_counter() - started) * 1000
        await settle(pilot, lambda: len(pane().text) == length)
        out["open"] = (time.perf_counter() - started) * 1000
        assert digest(pane().text) == sha, "pane text differs from content_text"
        assert pane().text[:30].split("\n")[0] in screen_text(app)
        out.update(chars=length, lines=pane().doc.line_count, rows=pane().layout_now().row_count)
        await pilot.press("r")
        out["end"] = await step_ms(pilot, "G", lambda: pane().scroll_y == pane().max_scroll_y)
        assert pane().max_scroll_y > 0
        await pilot.press("home", "slash", *NEEDLE)
        # The find Input's 0.15 s debounce may have run a find already: wait for a new one.
        before = pane().matches
        out["find"] = await step_ms(pilot, "enter", lambda: pane().matches is not before)
        matches = pane().matches
        assert matches is not None and len(matches) == 2 and pane().current == 0
        assert NEEDLE in screen_text(app)
        out["next"] = await step_ms(pilot, "n", lambda: pane().current == 1)
        assert NEEDLE in screen_text(app)
        await pilot.press("home")
        out["pagedown"] = await scrolls(pilot, pane, "pagedown")
        out["down"] = await scrolls(pilot, pane, "down")
        out["rss_text"] = peak_rss_mb()
        if case == "a":
            doc = pane().doc
            out["raw"] = await step_ms(pilot, "2", lambda: pane().doc is not doc)
            assert len(pane().text) == length and digest(pane().text) == sha
            doc = pane().doc
            out["json"] = await step_ms(pilot, "3", lambda: pane().doc is not doc)
            assert pane().text.startswith("// content_data")
            out["json_pagedown"] = await scrolls(pilot, pane, "pagedown")
    out["rss"] = peak_rss_mb()
    return out


def table(results: dict[str, dict[str, Any]]) -> str:
    head = ("case", "MB", "lines", "wrapped rows", "DB fetch", "Enter→first screen",
            "Enter→whole text in the pane", "G end",
            "find", "n next", "pgdn med/max", "down med/max", "raw (2)", "JSON (3)",
            "JSON view pgdn med/max", "peak RSS")
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for case, r in results.items():
        cells = [f"{case} {CASES[case]}", f"{r['chars'] / (1 << 20):.1f}", f"{r['lines']:,}",
                 f"{r['rows']:,}"]
        for key in ("fetch", "first", "open", "end", "find", "next", "pagedown", "down", "raw",
                    "json", "json_pagedown"):
            value = r.get(key)
            cells.append("—" if value is None else f"{value:.0f} ms" if isinstance(value, float)
                         else "{:.1f} / {:.1f} ms".format(*value))
        cells.append(f"{r['rss']:.0f} MB"
                     + (f" ({r['rss_text']:.0f} before 2/3)" if "raw" in r else ""))
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    global SIZE
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dsn", default=SERVER, help="server to create the scratch database on")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    parser.add_argument("--conninfo", help=argparse.SUPPRESS)
    parser.add_argument("--mb", type=int, default=SIZE >> 20,
                        help="size of each response in MB (default 10; the demo's largest is 20)")
    args = parser.parse_args()
    SIZE = args.mb << 20
    if args.case:
        print(json.dumps(asyncio.run(run_case(args.case, args.conninfo))))
        return
    name = f"procos_bench_conv_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.dsn, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    conninfo = make_conninfo(args.dsn, dbname=name)
    try:
        started = time.perf_counter()
        seed(conninfo)
        print(f"seeded {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        results: dict[str, dict[str, Any]] = {}
        for case in CASES:
            child = subprocess.run([sys.executable, __file__, "--case", case, "--conninfo",
                                    conninfo], capture_output=True, text=True, check=False)
            if child.returncode:
                sys.exit(f"case {case} failed:\n{child.stdout}\n{child.stderr}")
            results[case] = json.loads(child.stdout.strip().splitlines()[-1])
            results[case]["fetch"] = fetch_ms(conninfo, case)
        print(table(results))
    finally:
        if args.keep:
            print(f"kept: {conninfo}", file=sys.stderr)
        else:
            with psycopg.connect(args.dsn, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
