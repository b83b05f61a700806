"""Fill a PostgreSQL database with realistic ProcOS AI context rows at scale, for benchmarks.

    python benchmarks/generate.py --dsn postgresql://postgres@127.0.0.1/bench --processes 100000

Each process instance gets 1 to 6 interactions (an 'input' row, then an 'output' row) shaped like
the rows ProcOS writes. Output is deterministic for a seed. Rows go in with COPY, in committed
batches. The GIN indexes are dropped for the load and rebuilt afterwards, which is much faster
than maintaining them row by row.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import queue
import random
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

INIT_SQL = Path(__file__).resolve().parent.parent / "scripts" / "init-db.sql"
GIN_INDEXES = (
    "idx_procos_ai_context_content_search",
    "idx_procos_ai_context_content_jsonb",
    "idx_procos_ai_context_usage_jsonb",
)
COLUMNS = (
    "process_instance_id, task_id, activity_id, context_type, content_data, content_text, "
    "ai_provider, model_used, token_usage, created_at, updated_at"
)
BATCH_ROWS = 20_000
MEDIAN_BYTES = 2048
SIGMA = 1.1  # mean ~3.7 KB, p99 ~26 KB: a few giant documents, mostly short exchanges
CAP_BYTES = 1 << 20
CORPUS_BYTES = 4 << 20  # must exceed CAP_BYTES comfortably so slices rarely repeat
NEEDLE_EVERY = 1000  # one row in NEEDLE_EVERY carries a unique needle-NNNNNN token
SUSPECT_RATE = 0.01  # outputs under 50 chars: the process list's truncation suspects
# A fixed end keeps the data identical across runs of one seed.
END = datetime(2025, 9, 30, 18, 0, tzinfo=UTC)
SPAN = timedelta(days=90)
Row = tuple[Any, ...]

MODELS = (  # (provider, model, weight)
    ("openai", "gpt-4o-mini", 30),
    ("openai", "gpt-4o", 25),
    ("anthropic", "claude-sonnet-4", 20),
    ("google", "gemini-2.5-pro", 15),
    ("ollama", "llama3.1:70b", 10),
)
ACTIVITIES = (
    "Task_ClassifyTicket", "Task_SummarizeDocument", "Task_ExtractInvoiceFields",
    "Task_DraftCustomerReply", "Task_AssessCreditRisk", "Task_TranslateText",
    "Task_ReviewContract", "Task_GenerateReport", "Activity_AiDecision", "Task_RouteRequest",
)
ASKS = (
    "Summarize the following", "Classify this request about", "Extract the fields from",
    "Draft a reply regarding", "Assess the risk in", "Translate and explain",
    "List the open questions on", "Review the clauses covering", "Explain the decision on",
)
SHORT_OUTPUTS = ("", "OK", "N/A", "approved", "Error: upstream timeout", "{}", "REJECTED")
COMMON = (
    "the of and to a in is that for it as with was on be by this are or from at an not have "
    "which but all can has will one been their more when there if would about also into what "
    "should must may each other than then these after before only new under over between data "
    "customer invoice order payment contract claim policy request ticket account approval risk "
    "review process task service document report amount date total status decision reason "
    "manager team supplier delivery refund address email phone priority escalation summary "
    "analysis result score model response context query input output error warning value field "
    "number name type level high low medium critical pending approved rejected open closed "
    "please note following based provided given section item step rule check compliance audit"
)
SYLLABLES = (
    "ka ri to mo ne sa lu vi de por tan gel mar fin cor ex an ter ul ost ing ment al "
    "pro ver dis con bra ple sto qua rel mu zen tri ob"
)


def build_vocabulary(rng: random.Random) -> list[str]:
    """Real words first (the frequent ones, by Zipf rank), then made-up ones for the long tail."""
    words, syllables = COMMON.split(), SYLLABLES.split()
    seen = set(words)
    while len(words) < 6000:
        w = "".join(rng.choice(syllables) for _ in range(rng.randint(2, 4)))
        # "needle" must only ever appear where it is planted.
        if w not in seen and "needle" not in w:
            seen.add(w)
            words.append(w)
    return words


def build_corpus(rng: random.Random, size: int) -> str:
    """A few MB of prose with some Markdown and code; rows are cheap slices of it."""
    vocab = build_vocabulary(rng)
    cum: list[float] = []
    acc = 0.0
    for rank in range(len(vocab)):
        acc += 1.0 / (rank + 2.7)  # Zipf-Mandelbrot: "the" near its real ~6%, not 11%
        cum.append(acc)
    # One bulk draw is far faster than a choice() call per word.
    pool = rng.choices(vocab, cum_weights=cum, k=size // 5)
    parts: list[str] = []
    pos = total = 0
    while total < size:
        kind = rng.random()
        if kind < 0.06:
            line = "## " + " ".join(pool[pos:pos + 4]).title()
            pos += 4
        elif kind < 0.12:
            items = [(pool[pos + i], pool[pos + 5 * i + 3:pos + 5 * i + 8]) for i in range(3)]
            line = "\n".join(f"- **{head}**: {' '.join(rest)}" for head, rest in items)
            pos += 18
        elif kind < 0.16:
            a, b, c, d = pool[pos:pos + 4]
            line = (f"```python\ndef {a}_{b}({c}):\n    return {c}.get(\"{d}\", 0) + 1\n```"
                    if kind < 0.14 else f'```json\n{{"{a}": "{b}", "{c}_id": {len(d)}}}\n```')
            pos += 4
        else:
            sentences = []
            for _ in range(rng.randint(2, 6)):
                n = rng.randint(5, 18)
                s = " ".join(pool[pos:pos + n])
                pos += n
                sentences.append(s[:1].upper() + s[1:] + ("." if rng.random() < 0.9 else "?"))
            line = " ".join(sentences)
        if pos + 40 > len(pool):
            pos = 0
        parts.append(line)
        total += len(line) + 2
    return "\n\n".join(parts)


class TextSource:
    def __init__(self, rng: random.Random, corpus: str, median_bytes: int = MEDIAN_BYTES
                 ) -> None:
        self.rng = rng
        self.corpus = corpus
        self.median_bytes = median_bytes

    def take(self, n: int) -> str:
        """n characters of corpus from a random offset, starting on a word boundary."""
        corpus = self.corpus
        half = len(corpus) // 2
        if n > half:  # huge bodies: glue several slices
            pieces, have = [], 0
            while have < n:
                pieces.append(self.take(half))
                have += half + 1
            return " ".join(pieces)[:n]
        if n <= 0:
            return ""
        start = corpus.find(" ", self.rng.randrange(len(corpus) - n - 64)) + 1
        return corpus[start:start + n]

    def size(self) -> int:
        return min(CAP_BYTES, int(self.rng.lognormvariate(math.log(self.median_bytes), SIGMA)))


def fake_uuid(rng: random.Random, low: int | None = None) -> str:
    bits = rng.getrandbits(128)
    if low is not None:
        # An odd multiplier permutes the low 48 bits: unique for sure, yet random-looking.
        bits = (bits >> 48 << 48) | (low * 0x9E3779B97F4B % (1 << 48))
    return str(uuid.UUID(int=bits, version=4))


class Generator:
    def __init__(self, seed: int, processes: int, huge: int, huge_mb: float,
                 median_bytes: int = MEDIAN_BYTES) -> None:
        self.rng = random.Random(seed)
        self.text = TextSource(self.rng, build_corpus(self.rng, CORPUS_BYTES), median_bytes)
        self.processes = processes
        self.huge = set(self.rng.sample(range(processes), min(huge, processes)))
        self.huge_bytes = int(huge_mb * (1 << 20))
        self.model_cum = list(_cumulative([w for _, _, w in MODELS]))
        self.rows = self.needles = self.text_bytes = 0

    def model(self) -> tuple[str, str]:
        p, m, _ = MODELS[bisect.bisect(self.model_cum, self.rng.random() * self.model_cum[-1])]
        return p, m

    def plant(self, body: str) -> str:
        """Every NEEDLE_EVERY-th row on average gets a unique token searches can look for."""
        if self.rng.random() >= 1 / NEEDLE_EVERY:
            return body
        at = body.find(" ", self.rng.randrange(len(body) + 1))
        at = len(body) if at < 0 else at
        self.needles += 1
        return f"{body[:at]} needle-{self.needles - 1:06d} {body[at:]}"

    def rows_of(self, index: int, start: datetime) -> Iterator[Row]:
        rng, text = self.rng, self.text
        pid = fake_uuid(rng, index)
        provider, model = self.model()
        t = start
        for turn in range(rng.randint(1, 6)):
            if rng.random() < 0.1:  # some processes route single steps to another model
                provider, model = self.model()
            task, activity = fake_uuid(rng), rng.choice(ACTIVITIES)
            query = f"{rng.choice(ASKS)} {text.take(rng.randint(20, 300))}"
            context = self.plant(text.take(max(0, text.size() - len(query))))
            prompt = f"{query}\n\nContext:\n{context}"
            stamp = t.isoformat()
            yield (pid, task, activity, "input",
                   json.dumps({"query": query, "context": context}), prompt,
                   provider, model, None, stamp, stamp)
            if index in self.huge and turn == 0:
                response = text.take(self.huge_bytes)
            elif rng.random() < SUSPECT_RATE:
                response = rng.choice(SHORT_OUTPUTS)
            else:
                response = self.plant(text.take(text.size()))
            prompt_tokens = len(prompt) // 4 + rng.randint(20, 200)
            completion_tokens = len(response) // 4 + 1
            # Latency grows with the answer; then the process moves on to its next AI task.
            t += timedelta(seconds=0.5 + completion_tokens / rng.uniform(30, 120))
            stamp = t.isoformat()
            finish = "length" if rng.random() < 0.03 else "stop"
            yield (pid, task, activity, "output",
                   json.dumps({"content": response, "model": model, "provider": provider,
                               "finish_reason": finish}), response,
                   provider, model,
                   json.dumps({"prompt_tokens": prompt_tokens,
                               "completion_tokens": completion_tokens,
                               "total_tokens": prompt_tokens + completion_tokens}),
                   stamp, stamp)
            self.text_bytes += len(prompt) + len(response)
            self.rows += 2
            t += timedelta(seconds=rng.expovariate(1 / 90))

    def batches(self) -> Iterator[tuple[list[Row], int]]:
        """Rows in batches of whole processes (each process is summarised by one COPY)."""
        # ProcOS appends as processes run, so the heap is in roughly created_at order.
        starts = sorted(self.rng.random() for _ in range(self.processes))
        batch: list[Row] = []
        mark = 0
        for index, frac in enumerate(starts):
            batch.extend(self.rows_of(index, END - SPAN + frac * SPAN))
            if len(batch) >= BATCH_ROWS or index == len(starts) - 1:
                yield batch, self.text_bytes - mark
                batch, mark = [], self.text_bytes


def _cumulative(weights: list[int]) -> Iterator[float]:
    acc = 0.0
    for w in weights:
        acc += w
        yield acc


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def apply_init(dsn: str, maintenance: bool = False) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        if maintenance:
            conn.execute("SET maintenance_work_mem = '1GB'")
        # One string, simple query protocol: the file is many statements and DO blocks.
        conn.execute(INIT_SQL.read_text(encoding="utf-8").encode())


def drop_gin_indexes(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """Drop the GIN indexes; return their definitions so they can be rebuilt in parallel."""
    defs = dict(conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() AND indexname = ANY(%s)",
        [list(GIN_INDEXES)]).fetchall())
    for name in GIN_INDEXES:
        conn.execute(f"DROP INDEX IF EXISTS {name}")
    conn.commit()
    return defs


def build_index(dsn: str, name: str, ddl: str) -> tuple[str, float]:
    t0 = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(ddl.encode())
    return name, time.monotonic() - t0


def copy_batch(conn: psycopg.Connection[Any], rows: list[Row]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY procos_ai_context ({COLUMNS}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    conn.commit()


def load(dsn: str, gen: Generator, jobs: int) -> None:
    """COPY batches over `jobs` connections: the server side (TOAST compression, jsonb
    parsing) costs far more than generating, so one connection would leave cores idle."""
    t0 = time.monotonic()
    done = [0, 0]
    lock = threading.Lock()

    def run(conn: psycopg.Connection[Any], rows: list[Row], nbytes: int) -> None:
        try:
            copy_batch(conn, rows)
        finally:
            idle.put(conn)
        with lock:
            done[0] += len(rows)
            done[1] += nbytes
            secs = max(time.monotonic() - t0, 1e-9)
            log(f"  {done[0]:>9,} rows  {done[0] / secs:>8,.0f} rows/s  "
                f"{done[1] / secs / 1e6:>6.1f} MB/s content_text")

    idle: queue.Queue[psycopg.Connection[Any]] = queue.Queue()
    with ExitStack() as stack, ThreadPoolExecutor(max_workers=jobs) as pool:
        for _ in range(jobs):
            conn = stack.enter_context(psycopg.connect(dsn))
            # Each batch is its own commit; losing the tail on a crash does not matter here.
            conn.execute("SET synchronous_commit = off")
            conn.commit()
            idle.put(conn)
        futures: list[Future[None]] = []
        for rows, nbytes in gen.batches():
            # Waiting for an idle connection also bounds the batches held in memory.
            conn = idle.get()
            for fut in futures:
                if fut.done():
                    fut.result()  # re-raise a failed batch now rather than at the end
            futures = [f for f in futures if not f.done()]
            futures.append(pool.submit(run, conn, rows, nbytes))
        for fut in futures:
            fut.result()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--processes", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--huge", type=int, default=3, help="responses of --huge-mb MB each")
    ap.add_argument("--huge-mb", type=float, default=10.0)
    ap.add_argument("--jobs", type=int, default=2, help="parallel COPY connections")
    ap.add_argument("--init", action=argparse.BooleanOptionalAction, default=True,
                    help="apply scripts/init-db.sql before loading (default: on)")
    ap.add_argument("--median-bytes", type=int, default=MEDIAN_BYTES,
                    help=f"median body size (default {MEDIAN_BYTES}; the 7M-row set uses 500)")
    ap.add_argument("--search", action=argparse.BooleanOptionalAction, default=True,
                    help="build the search indexes and word list (--no-search: a set for the "
                         "triage benchmarks only; `procos-tui init-db` builds them later)")
    args = ap.parse_args(argv)

    if args.init:
        apply_init(args.dsn)
    with psycopg.connect(args.dsn) as conn:
        existing = conn.execute("SELECT count(*) FROM procos_ai_context").fetchone()
        if existing and existing[0]:
            log(f"note: procos_ai_context already holds {existing[0]:,} rows; appending")
        defs = drop_gin_indexes(conn)

    t0 = time.monotonic()
    gen = Generator(args.seed, args.processes, args.huge, args.huge_mb, args.median_bytes)
    log(f"corpus ready in {time.monotonic() - t0:.1f}s; loading {args.processes:,} processes")
    load(args.dsn, gen, args.jobs)
    load_secs = time.monotonic() - t0

    t1 = time.monotonic()
    if args.search:
        # PostgreSQL before 18 builds a GIN index on one core: build the three side by side.
        with ThreadPoolExecutor(max_workers=max(1, len(defs))) as pool:
            for name, secs in pool.map(lambda item: build_index(args.dsn, *item),
                                       defs.items()):
                log(f"  {name} built in {secs:.1f}s")
        # Recreates whatever is still missing; its optimize_camunda_for_ai() ANALYZEs.
        apply_init(args.dsn, maintenance=True)
    with psycopg.connect(args.dsn, autocommit=True) as conn:
        t2 = time.monotonic()
        if args.search:
            conn.execute("SELECT procos_ai_refresh_search_words()")
            log(f"  search word list filled in {time.monotonic() - t2:.1f}s")
        else:
            conn.execute("ANALYZE procos_ai_context")
            log(f"  no search indexes ({', '.join(defs)}) nor word list: a triage-only set")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        db_size = (size.fetchone() or ("?",))[0]
    index_secs = time.monotonic() - t1

    log(f"needles: {gen.needles} rows carry a unique needle-NNNNNN token "
        f"(needle-000000..needle-{max(gen.needles - 1, 0):06d}, ~1 in {NEEDLE_EVERY} rows)")
    print(f"processes={args.processes} rows={gen.rows} content_text_mb={gen.text_bytes / 1e6:.1f} "
          f"generate_copy_s={load_secs:.1f} index_build_s={index_secs:.1f} db_size={db_size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
