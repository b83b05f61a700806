"""Deterministic demo traffic for ProcOS: process instances, their procos_ai_context rows, and
the Camunda variables that hold (sometimes cut) copies of the AI text.

Standard library only, so tests and the demo loader need neither a terminal nor a driver.
Rows are built lazily from a per-process seed: the three huge responses (1, 5 and 20 MB) exist
only while a consumer holds them.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from procos_tui.demo import corpus as c

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


@dataclass
class _Ctx:
    """What one process carries from step to step, so that a ticket keeps its language."""
    long: bool
    case: int
    prev: str | None = None


_Step = tuple[str, str | None, str]  # query, context, response
_Builder = Callable[[random.Random, _Ctx], _Step]
_VENDORS = ("Nordwind Logistik GmbH", "株式会社サクラ物流", "Acme Office Supplies Ltd",
            "شركة الخليج للتوريدات", "Café Lumière SARL", "Šumava Stavby s.r.o.")
_ITEMS = ("Express freight", "Fuel surcharge", "Toner cartridge", "Consulting hours",
          "Cloud subscription", "Pallet rental", "Customs clearance")


def _jdump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _invoice(rng: random.Random, ctx: _Ctx) -> _Step:
    vendor = _VENDORS[ctx.case % len(_VENDORS)]
    number = f"{rng.choice(('NW', 'SK', 'AO', 'GS', 'CL'))}-2026-{rng.randint(1, 99999):05d}"
    lines = [f"{i}. {rng.choice(_ITEMS)} x{rng.randint(1, 40)}  {rng.uniform(5, 900):10.2f}"
             for i in range(1, rng.randint(2, 9))]
    total = round(rng.uniform(40, 60000), 2)
    text = (f"INVOICE {number}\nVendor: {vendor}\nDate: 2026-11-{rng.randint(1, 19):02d}\n\n"
            + "\n".join(lines) + f"\n\nTOTAL DUE: {total:,.2f} EUR")
    answer = _jdump({"vendor": vendor, "invoice_number": number, "total": total,
                     "currency": "EUR", "due_date": f"2026-12-{rng.randint(1, 28):02d}",
                     "line_count": len(lines), "confidence": round(rng.uniform(0.7, 0.99), 2)})
    if rng.random() < 0.3:
        answer = f"```json\n{answer}\n```"
    return "Extract vendor, invoice number, total, currency and due date as JSON.", text, answer


def _expense(rng: random.Random, ctx: _Ctx) -> _Step:
    gl, cat = rng.choice((("6300", "Freight"), ("6815", "Office supplies"), ("6520", "IT")))
    return ("Assign a GL account and cost centre to this invoice. Answer with JSON only.",
            ctx.prev, _jdump({"gl_account": gl, "category": cat,
                              "cost_centre": f"CC-{rng.randint(1000, 9999)}",
                              "needs_review": rng.random() < 0.2,
                              "rationale": f"{rng.choice(_ITEMS)} is booked as {cat}."}))


def _note(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Write a short approval note for the approver, in Markdown.", ctx.prev,
            c.markdown_answer(rng, "Approval note", rng.randint(1, 3), ("json",), "support"))


def _ticket(ctx: _Ctx) -> tuple[str, str, str]:
    return c.TICKETS[ctx.case % len(c.TICKETS)]


def _classify(rng: random.Random, ctx: _Ctx) -> _Step:
    lang, text, _ = _ticket(ctx)
    if lang == "en" and rng.random() < 0.5:
        text = c.zalgo(rng, text, 2)
    category = rng.choice(("billing", "delivery", "account", "bug", "cancellation"))
    return ("Classify the ticket: category, priority, language, sentiment. JSON only.", text,
            _jdump({"category": category, "priority": rng.choice(("P1", "P2", "P3")),
                    "language": lang, "sentiment": rng.choice(("negative", "neutral")),
                    "confidence": round(rng.uniform(0.55, 0.99), 3)}))


def _reply(rng: random.Random, ctx: _Ctx) -> _Step:
    lang, text, reply = _ticket(ctx)
    return f"Draft a reply to the customer in their language ({lang}).", text, reply


def _handover(rng: random.Random, ctx: _Ctx) -> _Step:
    lang, text, reply = _ticket(ctx)
    bullets = "\n".join(f"- {c.paragraph(rng, 1, 'support')}" for _ in range(rng.randint(2, 4)))
    return ("Summarise the thread for the agent handover, in English.",
            f"Customer:\n{text}\n\nAgent:\n{reply}",
            f"**Handover** (customer language: `{lang}`)\n\n{bullets}\n")


def _clauses(rng: random.Random, ctx: _Ctx) -> _Step:
    contract = c.contract_context(rng, rng.randint(10_000, 60_000))
    return ("List the key clauses (liability, indemnity, termination, data protection) with "
            "their section numbers and a risk rating.", contract,
            f"{c.paragraph(rng, 2, 'legal')}\n\n{c.table(rng, rng.randint(4, 9), True)}\n")


def _risk(rng: random.Random, ctx: _Ctx) -> _Step:
    sections = 12 if ctx.long else rng.randint(2, 5)
    return ("Assess the legal risk of these clauses and recommend changes. Use Markdown.",
            ctx.prev, c.markdown_answer(rng, "Contract risk assessment", sections, None, "legal"))


def _logs(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Find the root cause in these logs and suggest commands to confirm it.",
            c.log_context(rng, rng.randint(10_000, 60_000)),
            c.markdown_answer(rng, "Log analysis", rng.randint(3, 5), ("bash", "sql", "java")))


def _postmortem(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Draft a blameless postmortem from the analysis.", ctx.prev,
            c.markdown_answer(rng, "Postmortem: AI worker incident", rng.randint(4, 7)))


def _alerts(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Propose Prometheus alert rules for this failure mode.", None,
            f"{c.paragraph(rng, 2)}\n\n{c.code_block(rng, 'yaml')}\n\n{c.paragraph(rng, 1)}\n")


def _review(rng: random.Random, ctx: _Ctx) -> _Step:
    langs = ("python", "typescript", "java", "go", "rust", "xml")
    return ("Review this pull request. Point out bugs and suggest fixes.",
            f"{c.DIFF}\n{c.code_block(rng, rng.choice(langs))}",
            c.markdown_answer(rng, "Review", rng.randint(2, 4), langs))


def _tests(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Write pytest tests for the change.", ctx.prev,
            f"{c.paragraph(rng, 1)}\n\n{c.code_block(rng, 'python')}\n")


_QUESTIONS = ("Which process instances used the most tokens last week?",
              "先月のトークン使用量をプロバイダ別に集計してください。",
              "Show Camunda variables that are shorter than the stored AI response.",
              "أظهر عدد المحادثات لكل نموذج خلال آخر 7 أيام")


def _sql(rng: random.Random, ctx: _Ctx) -> _Step:
    schema = "procos_ai_context(process_instance_id, context_type, content_text, token_usage)"
    return (rng.choice(_QUESTIONS), schema if rng.random() < 0.6 else None,
            f"{c.code_block(rng, 'sql')}\n\n{c.paragraph(rng, rng.randint(1, 3))}\n")


def _translate(rng: random.Random, ctx: _Ctx) -> _Step:
    ctx.case += 1  # a multi-instance loop: each round is the next target language
    lang = sorted(c.TRANSLATIONS)[ctx.case % len(c.TRANSLATIONS)]
    return (f"Translate the notice into {lang} (ISO 639-1). Keep dates and times unchanged.",
            c.MAINTENANCE_EN, c.TRANSLATIONS[lang])


def _identity(rng: random.Random, ctx: _Ctx) -> _Step:
    name = c.NAMES[ctx.case % len(c.NAMES)]
    born = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    doc = f"{rng.choice('CPX')}{rng.randint(10**7, 10**8 - 1)}"
    return ("Extract the applicant's identity from the OCR text as JSON.",
            f"PASSPORT / PASSEPORT\nName: {name}\nDate of birth: {born}\nNo: {doc}",
            _jdump({"full_name": name, "date_of_birth": born, "document_number": doc,
                    "ocr_quality": round(rng.uniform(0.6, 1), 2)}))


def _sanctions(rng: random.Random, ctx: _Ctx) -> _Step:
    return ("Screen the applicant against the consolidated sanctions list; explain matches.",
            ctx.prev, c.markdown_answer(rng, "Sanctions screening", 2, ("json",), "support"))


_DEFINITIONS: dict[str, tuple[str | None, tuple[tuple[str, _Builder], ...]]] = {
    "invoice-triage": ("INV-2026-{n:06d}", (("Activity_ExtractInvoiceFields", _invoice),
                       ("Activity_ClassifyExpense", _expense),
                       ("Activity_DraftApprovalNote", _note))),
    "support-reply": ("TCK-{n:05d}", (("Activity_ClassifyTicket", _classify),
                      ("Activity_DraftReply", _reply), ("Activity_SummarizeThread", _handover))),
    "contract-review": ("CTR-2026-{n:04d}", (("Activity_ExtractClauses", _clauses),
                        ("Activity_AssessRisk", _risk))),
    "incident-analysis": ("INC-{n:05d}", (("Activity_AnalyzeLogs", _logs),
                          ("Activity_DraftPostmortem", _postmortem),
                          ("Activity_ProposeAlerts", _alerts))),
    "code-review": ("PR-{n:04d}", (("Activity_ReviewPullRequest", _review),
                    ("Activity_GenerateTests", _tests))),
    "sql-assistant": (None, (("Activity_GenerateQuery", _sql),)),
    "document-translation": ("DOC-{n:05d}", (("Activity_TranslateDocument", _translate),)),
    "kyc-onboarding": ("KYC-{n:06d}", (("Activity_ExtractIdentity", _identity),
                       ("Activity_ScreenSanctions", _sanctions))),
}


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
    activities = _DEFINITIONS[spec.key][1] if spec.key in _DEFINITIONS else ()
    ctx = _Ctx(long=spec.variant == "long", case=rng.randrange(10_000))
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
            data, text, *rest = c.hostile(spec.detail, rng)
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


def _timeline(rng: random.Random, start: datetime, kinds: str, variant: str) -> list[datetime]:
    times, t, human = [], start, rng.random() < 0.2
    for i, kind in enumerate(kinds):
        if kind == "o":
            seconds = rng.uniform(600, 1500) if variant == "huge" else rng.uniform(0.8, 40)
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
    keys, weights = list(_DEFINITIONS), (22, 26, 8, 10, 10, 8, 8, 8)
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
        times = _timeline(rng, start, kinds, variant)
        running = start > BASE_TIME - timedelta(days=3) and rng.random() < 0.6
        end = None if running else times[-1] + timedelta(seconds=round(rng.uniform(0.1, 3), 3))
        fmt = _DEFINITIONS.get(key, ("BK-{n:05d}", ()))[0]
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
