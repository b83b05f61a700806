"""What each demo process definition asks its AI at each step, and what it answers."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from procos_tui.demo import corpus as c


@dataclass
class Ctx:
    """What one process carries from step to step, so that a ticket keeps its language."""
    long: bool
    case: int
    prev: str | None = None


_Step = tuple[str, str | None, str]  # query, context, response
_Builder = Callable[[random.Random, Ctx], _Step]
_VENDORS = ("Nordwind Logistik GmbH", "株式会社サクラ物流", "Acme Office Supplies Ltd",
            "شركة الخليج للتوريدات", "Café Lumière SARL", "Šumava Stavby s.r.o.")
_ITEMS = ("Express freight", "Fuel surcharge", "Toner cartridge", "Consulting hours",
          "Cloud subscription", "Pallet rental", "Customs clearance")


def _jdump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _invoice(rng: random.Random, ctx: Ctx) -> _Step:
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


def _expense(rng: random.Random, ctx: Ctx) -> _Step:
    gl, cat = rng.choice((("6300", "Freight"), ("6815", "Office supplies"), ("6520", "IT")))
    return ("Assign a GL account and cost centre to this invoice. Answer with JSON only.",
            ctx.prev, _jdump({"gl_account": gl, "category": cat,
                              "cost_centre": f"CC-{rng.randint(1000, 9999)}",
                              "needs_review": rng.random() < 0.2,
                              "rationale": f"{rng.choice(_ITEMS)} is booked as {cat}."}))


def _note(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Write a short approval note for the approver, in Markdown.", ctx.prev,
            c.markdown_answer(rng, "Approval note", rng.randint(1, 3), ("json",), "support"))


def _ticket(ctx: Ctx) -> tuple[str, str, str]:
    return c.TICKETS[ctx.case % len(c.TICKETS)]


def _classify(rng: random.Random, ctx: Ctx) -> _Step:
    lang, text, _ = _ticket(ctx)
    if lang == "en" and rng.random() < 0.5:
        text = c.zalgo(rng, text, 2)
    category = rng.choice(("billing", "delivery", "account", "bug", "cancellation"))
    return ("Classify the ticket: category, priority, language, sentiment. JSON only.", text,
            _jdump({"category": category, "priority": rng.choice(("P1", "P2", "P3")),
                    "language": lang, "sentiment": rng.choice(("negative", "neutral")),
                    "confidence": round(rng.uniform(0.55, 0.99), 3)}))


def _reply(rng: random.Random, ctx: Ctx) -> _Step:
    lang, text, reply = _ticket(ctx)
    return f"Draft a reply to the customer in their language ({lang}).", text, reply


def _handover(rng: random.Random, ctx: Ctx) -> _Step:
    lang, text, reply = _ticket(ctx)
    bullets = "\n".join(f"- {c.paragraph(rng, 1, 'support')}" for _ in range(rng.randint(2, 4)))
    return ("Summarise the thread for the agent handover, in English.",
            f"Customer:\n{text}\n\nAgent:\n{reply}",
            f"**Handover** (customer language: `{lang}`)\n\n{bullets}\n")


def _clauses(rng: random.Random, ctx: Ctx) -> _Step:
    contract = c.contract_context(rng, rng.randint(10_000, 60_000))
    return ("List the key clauses (liability, indemnity, termination, data protection) with "
            "their section numbers and a risk rating.", contract,
            f"{c.paragraph(rng, 2, 'legal')}\n\n{c.table(rng, rng.randint(4, 9), True)}\n")


def _risk(rng: random.Random, ctx: Ctx) -> _Step:
    sections = 12 if ctx.long else rng.randint(2, 5)
    return ("Assess the legal risk of these clauses and recommend changes. Use Markdown.",
            ctx.prev, c.markdown_answer(rng, "Contract risk assessment", sections, None, "legal"))


def _logs(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Find the root cause in these logs and suggest commands to confirm it.",
            c.log_context(rng, rng.randint(10_000, 60_000)),
            c.markdown_answer(rng, "Log analysis", rng.randint(3, 5), ("bash", "sql", "java")))


def _postmortem(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Draft a blameless postmortem from the analysis.", ctx.prev,
            c.markdown_answer(rng, "Postmortem: AI worker incident", rng.randint(4, 7)))


def _alerts(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Propose Prometheus alert rules for this failure mode.", None,
            f"{c.paragraph(rng, 2)}\n\n{c.code_block(rng, 'yaml')}\n\n{c.paragraph(rng, 1)}\n")


def _review(rng: random.Random, ctx: Ctx) -> _Step:
    langs = ("python", "typescript", "java", "go", "rust", "xml")
    return ("Review this pull request. Point out bugs and suggest fixes.",
            f"{c.DIFF}\n{c.code_block(rng, rng.choice(langs))}",
            c.markdown_answer(rng, "Review", rng.randint(2, 4), langs))


def _tests(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Write pytest tests for the change.", ctx.prev,
            f"{c.paragraph(rng, 1)}\n\n{c.code_block(rng, 'python')}\n")


_QUESTIONS = ("Which process instances used the most tokens last week?",
              "先月のトークン使用量をプロバイダ別に集計してください。",
              "Show Camunda variables that are shorter than the stored AI response.",
              "أظهر عدد المحادثات لكل نموذج خلال آخر 7 أيام")


def _sql(rng: random.Random, ctx: Ctx) -> _Step:
    schema = "procos_ai_context(process_instance_id, context_type, content_text, token_usage)"
    return (rng.choice(_QUESTIONS), schema if rng.random() < 0.6 else None,
            f"{c.code_block(rng, 'sql')}\n\n{c.paragraph(rng, rng.randint(1, 3))}\n")


def _translate(rng: random.Random, ctx: Ctx) -> _Step:
    ctx.case += 1  # a multi-instance loop: each round is the next target language
    lang = sorted(c.TRANSLATIONS)[ctx.case % len(c.TRANSLATIONS)]
    return (f"Translate the notice into {lang} (ISO 639-1). Keep dates and times unchanged.",
            c.MAINTENANCE_EN, c.TRANSLATIONS[lang])


def _identity(rng: random.Random, ctx: Ctx) -> _Step:
    name = c.NAMES[ctx.case % len(c.NAMES)]
    born = f"19{rng.randint(50, 99)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    doc = f"{rng.choice('CPX')}{rng.randint(10**7, 10**8 - 1)}"
    return ("Extract the applicant's identity from the OCR text as JSON.",
            f"PASSPORT / PASSEPORT\nName: {name}\nDate of birth: {born}\nNo: {doc}",
            _jdump({"full_name": name, "date_of_birth": born, "document_number": doc,
                    "ocr_quality": round(rng.uniform(0.6, 1), 2)}))


def _sanctions(rng: random.Random, ctx: Ctx) -> _Step:
    return ("Screen the applicant against the consolidated sanctions list; explain matches.",
            ctx.prev, c.markdown_answer(rng, "Sanctions screening", 2, ("json",), "support"))


DEFINITIONS: dict[str, tuple[str | None, tuple[tuple[str, _Builder], ...]]] = {
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
