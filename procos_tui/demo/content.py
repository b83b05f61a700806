"""Deterministic demo traffic for ProcOS: process instances, their procos_ai_context rows, and
the Camunda variables that hold (sometimes cut) copies of the AI text.

Standard library only, so tests and the demo loader need neither a terminal nor a driver.
Rows are built lazily from a per-process seed: the three huge responses (1, 5 and 20 MB) exist
only while a consumer holds them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from procos_tui.demo import corpus as c
from procos_tui.demo.hostile import hostile
from procos_tui.demo.steps import DEFINITIONS, Ctx

BASE_TIME = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
CAMUNDA_STRING_LIMIT = 4000
HUGE_SIZES = (1_000_000, 5_000_000, 20_000_000)
PROCESS_COUNT = 240
HOSTILE_CASES = (
    "ansi", "controls", "bidi", "markup", "zalgo", "metadata", "single-line", "json-string",
    "json-array", "json-number", "null-content", "missing-keys", "nested-content", "no-text",
)
# Outputs that look cut by a buggy worker: the token counts say much more was generated.
SHORT_OUTPUTS = ("The answer is", "Dear customer, thank you for", '```json\n{"vendor": "Nord')


@dataclass(frozen=True)
class DemoProcess:
    process_instance_id: str
    business_key: str | None
    process_definition_key: str
    started_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True)
class DemoRow:
    process_instance_id: str
    task_id: str | None
    activity_id: str | None
    context_type: str
    content_data: Any
    content_text: str | None
    ai_provider: str | None
    model_used: str | None
    token_usage: Any
    created_at: datetime


@dataclass(frozen=True)
class DemoCamundaVariable:
    process_instance_id: str
    name: str
    value: str
    kind: str
    running: bool


@dataclass(frozen=True)
class _Spec:
    key: str
    variant: str  # normal | long | short | huge | hostile
    detail: str  # hostile case, short output, or huge size
    kinds: str  # one letter per row: s(ystem prompt), f(allback event), i(nput), o(utput)
    models: tuple[tuple[str, str], ...]  # (provider, model) per row
    times: tuple[datetime, ...]  # created_at per row
    seed: str


@dataclass(frozen=True)
class DemoDataset:
    processes: list[DemoProcess]
    camunda_variables: list[DemoCamundaVariable]
    _specs: tuple[_Spec, ...] = field(default=(), repr=False)

    def rows(self) -> Iterator[DemoRow]:
        for process, spec in zip(self.processes, self._specs, strict=True):
            yield from _process_rows(process, spec)


_FINISH = {"openai": ("stop", "length"), "anthropic": ("end_turn", "max_tokens"),
           "google": ("STOP", "MAX_TOKENS"), "ollama": ("stop", "length")}


def _uuid(rng: random.Random) -> str:
    # Camunda's StrongUuidGenerator makes time-based UUIDs that share the engine's node part.
    return (f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-11f1-"
            f"{0x8000 | rng.getrandbits(14):04x}-0242ac120005")


def _tokens(text: str | None) -> int:
    return max(1, len((text or "").encode()) // 4)


def _answer(rng: random.Random, provider: str, model: str, prompt: str, answer: str, cut: bool,
            latency: timedelta) -> tuple[Any, str | None, Any]:
    """Output row data, text and token usage; a cut answer still bills the full completion."""
    p, o = _tokens(prompt) + rng.randint(20, 400), 4096 if cut else _tokens(answer)
    usage: dict[str, Any] = {"prompt_tokens": p, "completion_tokens": o, "total_tokens": p + o}
    if provider == "anthropic" and rng.random() < 0.5:
        usage = {"input_tokens": p, "output_tokens": o}
    elif provider == "openai" and rng.random() < 0.3:
        usage["prompt_tokens_details"] = {"cached_tokens": p // 128 * 64}
    elif provider == "google":  # each provider's own shape (no draw: the stream stays as it was)
        usage = {"promptTokenCount": p, "candidatesTokenCount": o, "totalTokenCount": p + o}
    elif provider == "ollama":
        usage = {"prompt_eval_count": p, "eval_count": o, "done_reason": _FINISH[provider][cut]}
    data: dict[str, Any] = {"content": answer, "finish_reason": _FINISH[provider][cut],
                            "model": model, "latency_ms": int(latency.total_seconds() * 1000)}
    if provider == "openai":
        data["response_id"] = f"chatcmpl-{rng.getrandbits(96):024x}"
    elif provider == "anthropic":
        data.update(response_id=f"msg_01{rng.getrandbits(96):024x}", stop_sequence=None)
    elif provider == "google":
        data["safety_ratings"] = [{"category": "HARM_CATEGORY_HARASSMENT",
                                   "probability": "NEGLIGIBLE"}]
    return data, answer, usage


def _process_rows(process: DemoProcess, spec: _Spec) -> Iterator[DemoRow]:
    rng = random.Random(spec.seed)
    activities = DEFINITIONS[spec.key][1] if spec.key in DEFINITIONS else ()
    ctx = Ctx(long=spec.variant == "long", case=rng.randrange(10_000))
    task, activity = None, activities[0][0] if activities else None
    pending: tuple[Any, ...] = (None, None, None)  # the next output's data, text and usage
    step, last = 0, spec.kinds.count("o") - 1
    for i, kind in enumerate(spec.kinds):
        (provider, model), when, usage = spec.models[i], spec.times[i], None
        text: str | None
        if kind == "s":
            text = (f"You are the {spec.key} assistant of ProcOS. Answer precisely, never "
                    "invent figures, and write to customers in their own language.")
            data: Any = {"system_prompt": text, "prompt_version": "v3"}
        elif kind == "f":
            (old, old_model), reason = spec.models[i - 1], rng.choice((
                "HTTP 429 Too Many Requests", "HTTP 503 Service Unavailable", "read timeout"))
            data = {"event": "provider_fallback", "reason": reason, "attempts": 3,
                    "from": {"provider": old, "model": old_model},
                    "to": {"provider": provider, "model": model}}
            text = f"Fell back from {old}/{old_model} to {provider}/{model}: {reason}"
        elif kind == "o":
            data, text, usage = pending
            step += 1
        elif spec.variant == "hostile":
            task, activity = _uuid(rng), "Activity_SummarizeMessage"
            if spec.detail == "metadata":
                task, activity = None, "Activity_\x1b[31mEvil\x1b[0m[bold]x[/]\u202e"
            data, text, *rest = hostile(spec.detail, rng)
            pending = tuple(rest)
        else:
            task = _uuid(rng)
            if spec.variant == "huge":
                activity, query, context = "Activity_ExportKnowledgeBase", (
                    "Export the whole support knowledge base as one Markdown document."), None
                answer = c.huge_markdown(rng, int(spec.detail))
            else:
                activity, build = activities[step % len(activities)]
                query, context, answer = build(rng, ctx)
                ctx.prev = answer
            text = f"{query}\n\n{context}" if context else query
            data = {"query": query, "context": context, "temperature": 0.2,
                    "max_tokens": 8192 if provider == "anthropic" else 4096}
            cut = spec.variant == "short" and step == last
            pending = _answer(rng, provider, model, text, spec.detail if cut else answer, cut,
                              spec.times[i + 1] - when)
        yield DemoRow(process.process_instance_id, None if kind in "sf" else task, activity,
                      {"s": "system", "f": "system", "i": "input", "o": "output"}[kind], data,
                      text, provider, model, usage, when)


def _layout(rng: random.Random, variant: str) -> str:
    if variant in ("huge", "hostile"):
        return "io"
    steps = {"long": 2, "short": rng.randint(1, 2)}.get(variant) or rng.choice((1, 1, 2, 2, 2,
                                                                                3, 3, 4, 5, 6))
    turns = ["io"] * steps
    if steps > 1 and rng.random() < 0.08:
        turns.insert(rng.randint(1, steps - 1), "f")
    return ("s" if rng.random() < 0.15 else "") + "".join(turns)


# How long each model takes to answer, relative to the others, and how much slower every model
# is in the busy hours (UTC): a Stats chart of latency then has something to show.
_MODEL_PACE = {"gpt-4o-mini": 0.3, "gpt-4o": 0.7, "claude-sonnet-4": 1.0, "gemini-2.5-pro": 1.3,
               "llama3.1:70b": 2.2}


def _pace(model: str, at: datetime) -> float:
    return _MODEL_PACE.get(model, 1.0) * (1.6 if 9 <= at.hour < 12 else 1.0)


def _timeline(rng: random.Random, start: datetime, kinds: str, variant: str,
              models: tuple[tuple[str, str], ...]) -> list[datetime]:
    times, t, human = [], start, rng.random() < 0.2
    for i, kind in enumerate(kinds):
        if kind == "o":
            seconds = rng.uniform(600, 1500) if variant == "huge" else (
                rng.uniform(0.8, 40) * _pace(models[i][1], t))
        elif kind == "i" and i > 0 and kinds[i - 1] == "o":
            seconds = rng.uniform(600, 5400) if human else rng.uniform(0.5, 90)
            human = False  # one user task at most keeps every instance within three hours
        else:
            seconds = rng.uniform(0.01, 2.5)
        t += timedelta(seconds=round(seconds, 3))
        times.append(t)
    return times


def _plan(seed: int) -> tuple[list[DemoProcess], list[_Spec]]:
    rng = random.Random(seed)
    variants = ([("huge", str(n)) for n in HUGE_SIZES] + [("hostile", h) for h in HOSTILE_CASES]
                + [("short", s) for s in SHORT_OUTPUTS] + [("long", "")] * 4)
    variants += [("normal", "")] * (PROCESS_COUNT - len(variants))
    rng.shuffle(variants)
    hours = (6, 7, 8, 8, 9, 9, 9, 10, 10, 11, 12, 13, 13, 14, 14, 15, 16, 17, 19, 22, 2)
    starts = sorted(
        BASE_TIME.replace(hour=0) - timedelta(days=rng.randint(1, 30), hours=-rng.choice(hours),
                                              seconds=-rng.uniform(0, 3600))
        for _ in variants)
    keys, weights = list(DEFINITIONS), (22, 26, 8, 10, 10, 8, 8, 8)
    processes, specs, seen = [], [], set()
    for n, ((variant, detail), start) in enumerate(zip(variants, starts, strict=True)):
        key = {"huge": "knowledge-base-export", "hostile": "hostile-content",
               "long": "contract-review", "short": "support-reply"}.get(variant)
        key = key or rng.choices(keys, weights)[0]
        pid = _uuid(rng)
        while pid in seen:
            pid = _uuid(rng)
        seen.add(pid)
        kinds = _layout(rng, variant)
        first = rng.choices(c.MODELS, (30, 25, 25, 14, 6))[0]
        second = rng.choice([m for m in c.MODELS if m[0] != first[0]])
        models = tuple(second if "f" in kinds[:i + 1] else first for i in range(len(kinds)))
        if variant == "hostile" and detail == "metadata":
            models = (("open\x1b[8mai", "[bold red]gpt-4o[/]\u202e"),) * len(kinds)
        times = _timeline(rng, start, kinds, variant, models)
        running = start > BASE_TIME - timedelta(days=3) and rng.random() < 0.6
        end = None if running else times[-1] + timedelta(seconds=round(rng.uniform(0.1, 3), 3))
        fmt = DEFINITIONS.get(key, ("BK-{n:05d}", ()))[0]
        bkey = fmt.format(n=rng.randint(1, 99999)) if fmt and rng.random() < 0.9 else None
        if variant == "hostile" and detail == "metadata":
            bkey = "BK-\u202e🔥\x1b[2J-[@click=app.quit]x[/]"
        processes.append(DemoProcess(pid, bkey, key, start, end))
        specs.append(_Spec(key, variant, detail, kinds, models, tuple(times), f"{seed}:{n}:{pid}"))
    return processes, specs


def _camunda(processes: list[DemoProcess], specs: list[_Spec],
             seed: int) -> list[DemoCamundaVariable]:
    rng = random.Random(f"{seed}:camunda")
    pairs = list(zip(processes, specs, strict=True))
    long = [p for p in pairs if p[1].variant == "long"]
    normal = [p for p in pairs if p[1].variant == "normal"]
    running = [p for p in normal if p[0].ended_at is None][:6]
    rest = [p for p in normal if p not in running]
    chosen = long + running + rng.sample(rest, 30 - len(long) - len(running))
    out: list[DemoCamundaVariable] = []
    for n, (process, spec) in enumerate(chosen):
        rows = list(_process_rows(process, spec))
        last_in = next(r for r in reversed(rows) if r.context_type == "input")
        last_out = next(r for r in reversed(rows) if r.context_type == "output")
        text = last_out.content_text or ""

        found: list[tuple[str, str, str]] = [("ai_provider", last_out.ai_provider or "", "string"),
                                             ("query", last_in.content_data["query"], "string")]
        context = last_in.content_data["context"]
        if context and len(context) <= CAMUNDA_STRING_LIMIT:
            found.append(("context", context, "string"))
        if n == 1:  # a worker that saved the whole output object as a JSON variable
            found.append(("content", json.dumps(last_out.content_data, ensure_ascii=False),
                          "json"))
        elif n == len(long):  # an agent edited the draft in a user task form
            found.append(("content", text[:3000].replace(".", "!", 1) + "\n\n-- edited", "string"))
        else:  # the ProcOS worker's own cut (see corpus.DIFF) turns long ones into truncations
            found.append(("content", text[:CAMUNDA_STRING_LIMIT], "string"))
        if n % 3 == 0:
            found.append(("usage", json.dumps(last_out.token_usage), "json"))
        out += [DemoCamundaVariable(process.process_instance_id, name, value, kind,
                                    process.ended_at is None) for name, value, kind in found]
    return out


def demo_dataset(seed: int = 20261126) -> DemoDataset:
    processes, specs = _plan(seed)
    return DemoDataset(processes, _camunda(processes, specs, seed), tuple(specs))
