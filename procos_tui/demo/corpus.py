"""Text corpus of the demo traffic: snippets, languages, and builders of long texts.

Every builder is a function of a random.Random, so the same seed always yields the same text.
"""

from __future__ import annotations

import random

CODE: dict[str, tuple[str, ...]] = {
    "python": (
        'def route(ticket: dict[str, str]) -> str:\n'
        '    """Pick a queue; billing words win over everything else."""\n'
        '    text = ticket["body"].lower()\n'
        '    if any(w in text for w in ("invoice", "refund", "charge")):\n'
        '        return "billing"\n'
        '    return "general"\n',
        'import psycopg\n\n'
        'with psycopg.connect("dbname=procos") as conn:\n'
        '    rows = conn.execute(\n'
        '        "SELECT process_instance_id, length(content_text) FROM procos_ai_context"\n'
        '        " WHERE context_type = %s ORDER BY 2 DESC LIMIT 10",\n'
        '        ("output",),\n'
        '    ).fetchall()\n'
        'for pid, size in rows:\n'
        '    print(f"{pid:<40} {size:>10,}")\n',
    ),
    "sql": (
        "SELECT c.process_instance_id,\n"
        "       count(*) FILTER (WHERE c.context_type = 'output') AS outputs,\n"
        "       sum((c.token_usage->>'total_tokens')::int) AS tokens\n"
        "FROM procos_ai_context AS c\n"
        "WHERE c.created_at >= now() - interval '7 days'\n"
        "GROUP BY c.process_instance_id\n"
        "ORDER BY tokens DESC NULLS LAST\nLIMIT 20;\n",
        "SELECT v.proc_inst_id_, v.name_, length(v.text_) AS camunda_len,\n"
        "       length(c.content_text) AS procos_len\n"
        "FROM act_hi_varinst AS v\n"
        "JOIN procos_ai_context AS c ON c.process_instance_id = v.proc_inst_id_\n"
        "WHERE v.name_ = 'content' AND c.context_type = 'output'\n"
        "  AND length(v.text_) < length(c.content_text);\n",
    ),
    "json": (
        '{\n  "vendor": "Nordwind Logistik GmbH",\n  "invoice_number": "NW-2026-11873",\n'
        '  "currency": "EUR",\n  "total": 18432.5,\n  "due_date": "2026-12-15",\n'
        '  "lines": [\n    {"sku": "FRT-EXP", "qty": 12, "unit_price": 1250.0},\n'
        '    {"sku": "FUEL-SUR", "qty": 1, "unit_price": 3432.5}\n  ]\n}\n',
    ),
    "bash": (
        "#!/usr/bin/env bash\nset -euo pipefail\n\n"
        'for id in $(curl -s "$CAMUNDA/engine-rest/incident?incidentType=failedExternalTask" \\\n'
        "    | jq -r '.[].processInstanceId'); do\n"
        '  echo "retrying $id"\n'
        '  curl -s -X PUT "$CAMUNDA/engine-rest/process-instance/$id/suspended" \\\n'
        "    -H 'Content-Type: application/json' -d '{\"suspended\": false}'\n"
        "done\n",
        "kubectl -n procos logs deploy/ai-worker --since=1h | grep -E 'HTTP (429|5[0-9]{2})' \\\n"
        "  | awk '{print $1, $NF}' | sort | uniq -c | sort -rn | head\n",
    ),
    "java": (
        '@Component\n@ExternalTaskSubscription("ai-classify")\n'
        "public class ClassifyHandler implements ExternalTaskHandler {\n"
        "    @Override\n"
        "    public void execute(ExternalTask task, ExternalTaskService service) {\n"
        '        String query = task.getVariable("query");\n'
        "        AiResult result = aiClient.complete(query);\n"
        "        contextStore.save(task.getProcessInstanceId(), result);\n"
        '        service.complete(task, Map.of("category", result.category()));\n'
        "    }\n}\n",
    ),
    "typescript": (
        "export async function draftReply(ticket: Ticket): Promise<Draft> {\n"
        "  const res = await client.chat.completions.create({\n"
        '    model: "gpt-4o-mini",\n'
        '    messages: [{ role: "user", content: render(ticket) }],\n'
        "  });\n"
        '  return { body: res.choices[0].message.content ?? "", tokens: res.usage };\n'
        "}\n",
    ),
    "yaml": (
        "groups:\n  - name: procos-ai\n    rules:\n"
        "      - alert: AiWorkerErrorRate\n"
        '        expr: rate(procos_ai_errors_total[5m]) > 0.05\n'
        "        for: 10m\n        labels: {severity: page}\n"
        "        annotations:\n"
        '          summary: "AI worker error rate above 5% for 10 minutes"\n',
    ),
    "go": (
        "func retry(ctx context.Context, n int, f func() error) error {\n"
        "\tvar err error\n\tfor i := 0; i < n; i++ {\n"
        "\t\tif err = f(); err == nil {\n\t\t\treturn nil\n\t\t}\n"
        "\t\ttime.Sleep(time.Duration(1<<i) * time.Second)\n\t}\n\treturn err\n}\n",
    ),
    "rust": (
        "fn total_tokens(usage: &serde_json::Value) -> u64 {\n"
        '    ["prompt_tokens", "completion_tokens"]\n'
        "        .iter()\n"
        "        .filter_map(|k| usage.get(*k)?.as_u64())\n"
        "        .sum()\n}\n",
    ),
    "xml": (
        '<bpmn:serviceTask id="Activity_ClassifyTicket" name="Classify ticket"\n'
        '    camunda:type="external" camunda:topic="ai-classify">\n'
        "  <bpmn:incoming>Flow_0x1k2ab</bpmn:incoming>\n"
        "  <bpmn:outgoing>Flow_1p9qz3c</bpmn:outgoing>\n"
        "</bpmn:serviceTask>\n",
    ),
}

_SENTENCES = (
    "The {sys} step finished {n} jobs yesterday; {pct}% of them needed no human review.",
    "Latency at the 99th percentile stayed below {ms} ms, inside the agreed service level.",
    "Because the worker keeps the full response in procos_ai_context, nothing is lost when the "
    "Camunda variable is cut at 4000 characters.",
    "{team} asked for a weekly digest of escalations, grouped by provider and model.",
    "Retries are capped at three attempts with exponential backoff starting at {ms} ms.",
    "The prompt template changed on {day} to include the customer's preferred language.",
    "Items above the approval threshold go to the {team} queue for a second look.",
    "Pinning the model version keeps answers reproducible across releases.",
    "Token usage grew by {pct}% after the context window was widened to the full history.",
    "The external task worker polls the {sys} topic every {n} seconds and locks jobs for 5 min.",
    "Most outliers were scanned PDFs where OCR produced broken tables.",
    "On HTTP 429 the worker falls back to the secondary provider and records the switch.",
    "The BPMN model keeps each AI call in its own service task, so incidents retry in isolation.",
    "Reviewers flagged {n} answers as inaccurate; each traced back to a missing context field.",
    "Personal data is masked before the prompt leaves the cluster, as the DPA requires.",
    "Cost per process instance averaged {cost} USD, dominated by the summarisation step.",
)
_SYS = ("invoice-triage", "ClassifyTicket", "contract-review", "ExtractClauses", "DraftReply")
_TEAMS = ("Finance Ops", "Tier-2 Support", "Legal", "Platform SRE", "Procurement")
HEADINGS = (
    "Summary", "Findings", "Root cause", "Recommendations", "Next steps", "Risks", "Evidence",
    "Open questions", "Background", "Impact", "Timeline", "Action items", "Appendix",
)
_LEGAL = (
    "Clause {a}.{b} caps liability at {pct}% of annual fees, below the {pct2}% policy minimum.",
    "The indemnity in clause {a}.{b} is one-sided and should be made mutual.",
    "Termination for convenience needs {d} days' notice, which leaves little time to migrate.",
    "Schedule {a} allows transfers to sub-processors without prior written approval.",
    "Payment terms of {d} days match the procurement standard; no change is needed.",
    "Governing law and jurisdiction are acceptable for a UK counterparty.",
    "Consider adding a service credit regime; none is defined for availability below 99.{pct}%.",
)
_SUPPORT = (
    "The customer reports the problem for the {n}th time and expects a call back today.",
    "A refund of {n}.{pct:02d} EUR was promised in the previous reply and is still open.",
    "Tone is frustrated but polite; no escalation to {team} is needed yet.",
    "The order was shipped on {day} and the carrier shows a failed delivery attempt.",
    "The agent verified the account and reset the password; login now works.",
    "Follow-up is due within {pct} hours under the premium support plan.",
)
# The defaults of init-db.sql's procos_ai_models.
MODELS = (("openai", "gpt-4o"), ("openai", "gpt-4o-mini"), ("anthropic", "claude-sonnet-4"),
          ("google", "gemini-2.5-pro"), ("ollama", "llama3.1:70b"))
_POOLS = {"ops": _SENTENCES, "legal": _LEGAL, "support": _SUPPORT}
_CLAUSE_NAMES = ("Limitation of liability", "Indemnity", "Termination", "Data protection",
                 "Governing law", "Payment terms", "Confidentiality", "Service levels")

# Customer tickets and replies in many scripts: RTL, CJK, emoji ZWJ sequences, NFD accents.
TICKETS: tuple[tuple[str, str, str], ...] = (
    ("zh", "我的发票金额不正确，订单号 INV-2026-0042，请尽快处理。谢谢！",
     "您好！感谢您的耐心等待。我们已核实发票 INV-2026-0042，金额差异来自增值税计算错误。"
     "更正后的发票将在 24 小时内发送到您的邮箱。如有其他问题，请随时联系我们。"),
    ("ja", "注文した商品がまだ届いていません。追跡番号は JP123456789 です。いつ届きますか？",
     "お問い合わせいただきありがとうございます。追跡番号 JP123456789 のお荷物は現在、"
     "東京の配送センターにございます。明日の午前中にお届けする予定です。"
     "ご迷惑をおかけして誠に申し訳ございません。"),
    ("ar", "لم أتمكن من تسجيل الدخول إلى حسابي منذ أمس. أرجو المساعدة في أقرب وقت.",
     "مرحبًا، شكرًا لتواصلك معنا. لقد أعدنا تعيين كلمة المرور الخاصة بحسابك رقم ٤٥٨٢١. "
     "يرجى التحقق من بريدك الإلكتروني واتباع الرابط خلال ٢٤ ساعة."),
    ("he", "החשבונית שקיבלתי כוללת חיוב כפול עבור חודש מרץ. אפשר לבדוק?",
     "שלום, תודה על פנייתך. בדקנו את החשבון ומצאנו חיוב כפול בסך 249 ₪ (הזמנה 7731). "
     "הזיכוי יופיע בחשבונית הבאה."),
    ("ko", "비밀번호를 재설정했는데도 로그인이 되지 않습니다.",
     "불편을 드려 죄송합니다. 보안을 위해 잠긴 계정의 잠금을 방금 해제했습니다. "
     "새 비밀번호로 다시 로그인해 주시고, 문제가 계속되면 이 메일에 회신해 주세요 🙏"),
    ("ru", "Не приходит письмо с подтверждением регистрации, проверил папку «Спам».",
     "Здравствуйте! Мы отправили письмо повторно на адрес, указанный при регистрации. "
     "Если оно не придёт в течение 15 минут, ответьте на это сообщение."),
    ("de", "Die Lieferung zu Bestellung 4711 ist beschädigt angekommen. Bitte um Ersatz.",
     "Sehr geehrte Frau Müller,\n\nes tut uns leid, dass Ihre Sendung beschädigt ankam. "
     "Eine Ersatzlieferung ist unterwegs; die Rücksendung übernehmen wir.\n\nMit freundlichen "
     "Grüßen\nIhr Kundenservice"),
    ("fr", "Bonjour, j'ai e\u0301te\u0301 facture\u0301 deux fois pour la me\u0302me commande.",
     "Bonjour Amélie,\n\nnous avons bien identifié le double prélèvement et procédé au "
     "remboursement de 89,90 €. Il apparaîtra sous 3 à 5 jours ouvrés."),
    ("hi", "मेरा ऑर्डर रद्द कर दिया गया लेकिन पैसा वापस नहीं आया।",
     "नमस्ते, असुविधा के लिए खेद है। आपका रिफ़ंड 5–7 कार्यदिवसों में खाते में दिखाई देगा।"),
    ("th", "ฉันต้องการยกเลิกการสมัครสมาชิกรายเดือน",
     "เราได้ยกเลิกการสมัครสมาชิกของคุณเรียบร้อยแล้ว ขอบคุณที่ใช้บริการของเรา"),
    ("en", "App crashes every time I upload a photo 😡📸 pls fix!!! 🙏🏽",
     "Sorry about that! 🛠️ Our mobile team 👩\u200d💻👨🏿\u200d💻 shipped a fix in 4.12.1 — "
     "please update from the store. Family plans 👨\u200d👩\u200d👧\u200d👦 are covered too. "
     "Thanks for your patience 🏳️\u200d🌈✨ 1️⃣ update, 2️⃣ restart, 3️⃣ retry 🇯🇵🇧🇷"),
)

MAINTENANCE_EN = (
    "Scheduled maintenance: the customer portal will be unavailable on 1 December 2026 "
    "from 02:00 to 04:00 UTC. Orders placed during this window will be processed afterwards."
)
TRANSLATIONS: dict[str, str] = {
    "zh": "计划维护：客户门户将于 2026 年 12 月 1 日 02:00 至 04:00（UTC）暂停服务。"
          "在此期间提交的订单将在维护结束后处理。",
    "ja": "定期メンテナンスのお知らせ：カスタマーポータルは 2026 年 12 月 1 日 02:00〜04:00（UTC）"
          "の間ご利用いただけません。この時間帯のご注文はメンテナンス終了後に処理されます。",
    "ar": "صيانة مجدولة: ستكون بوابة العملاء غير متاحة يوم 1 ديسمبر 2026 من الساعة 02:00 "
          "حتى 04:00 بالتوقيت العالمي. ستتم معالجة الطلبات المقدمة خلال هذه الفترة لاحقًا.",
    "he": "תחזוקה מתוכננת: פורטל הלקוחות לא יהיה זמין ב-1 בדצמבר 2026 בין 02:00 ל-04:00 UTC. "
          "הזמנות שיבוצעו בחלון זה יטופלו לאחר מכן.",
    "ko": "정기 점검 안내: 고객 포털은 2026년 12월 1일 02:00~04:00(UTC)에 이용하실 수 없습니다.",
    "el": "Προγραμματισμένη συντήρηση: η πύλη πελατών δεν θα είναι διαθέσιμη την 1η Δεκεμβρίου "
          "2026, 02:00–04:00 UTC.",
    "vi": "Bảo trì định kỳ: cổng khách hàng sẽ tạm ngưng vào ngày 1 tháng 12 năm 2026 "
          "từ 02:00 đến 04:00 UTC.",
}

# Names in many scripts; some in NFD so that the same name has two byte forms.
NAMES = (
    "Jose\u0301 Nu\u0301n\u0303ez", "Zoë Ångström", "Nguyễn Văn An", "王小明", "山田 太郎",
    "محمد عبد الله", "דוד כהן", "Łukasz Wójcik", "Ελένη Παπαδοπούλου", "Дмитрий Иванов",
    "Søren Kierkegård", "Chloé O'Brien-Smith",
)


def zalgo(rng: random.Random, text: str, per_char: int) -> str:
    """Stack combining marks (U+0300..U+036F) on every letter."""
    return "".join(
        ch + "".join(chr(0x300 + rng.randrange(0x70)) for _ in range(rng.randint(0, per_char)))
        if ch.isalpha() else ch
        for ch in text
    )


def paragraph(rng: random.Random, sentences: int = 4, pool: str = "ops") -> str:
    # sample, not choice: a sentence said twice in one paragraph reads like a generator bug
    return " ".join(
        sentence.format(
            sys=rng.choice(_SYS), team=rng.choice(_TEAMS), n=rng.randint(3, 900),
            ms=rng.choice((120, 250, 480, 900, 1500)), pct=rng.randint(2, 97),
            day=f"2026-11-{rng.randint(1, 19):02d}", cost=f"{rng.uniform(0.002, 0.4):.3f}",
            a=rng.randint(2, 14), b=rng.randint(1, 6), d=rng.choice((14, 30, 60, 90)),
            pct2=rng.choice((150, 200)))
        for sentence in rng.sample(_POOLS[pool], min(sentences, len(_POOLS[pool])))
    )


def code_block(rng: random.Random, lang: str | None = None) -> str:
    lang = lang or rng.choice(sorted(CODE))
    return f"```{lang}\n{rng.choice(CODE[lang])}```"


def table(rng: random.Random, rows: int = 4, legal: bool = False) -> str:
    if legal:
        lines = ["| Clause | Section | Risk | Owner | Note |", "|---|---|:-:|---|---|"]
        lines += [f"| {rng.choice(_CLAUSE_NAMES)} | §{rng.randint(2, 14)}.{rng.randint(1, 6)} | "
                  f"{rng.choice(('🔴 high', '🟠 medium', '🟢 low'))} | {rng.choice(_TEAMS)} | "
                  f"{paragraph(rng, 1, 'legal')} |" for _ in range(rows)]
    else:
        lines = ["| Provider | Model | Requests | p95 ms | Cost USD |", "|---|---|--:|--:|--:|"]
        lines += [f"| {provider} | {model} | {rng.randint(1, 9000):,} | {rng.randint(80, 4000)} | "
                  f"{rng.uniform(0, 90):.2f} |" for provider, model in
                  (rng.choice(MODELS) for _ in range(rows))]
    return "\n".join(lines)



def _section_body(rng: random.Random, langs: tuple[str, ...] | None, pool: str = "ops") -> str:
    parts = [paragraph(rng, rng.randint(2, 5), pool)]
    for _ in range(rng.randint(1, 3)):
        kind = rng.randrange(6)
        if kind == 0:
            parts.append("\n".join(f"- {paragraph(rng, 1, pool)}"
                                   for _ in range(rng.randint(2, 5))))
        elif kind == 1:
            parts.append("\n".join(f"{i}. {paragraph(rng, 1, pool)}" for i in range(1, 4)))
        elif kind == 2:
            parts.append(table(rng, rng.randint(2, 6), pool == "legal"))
        elif kind == 3 and pool != "legal":
            parts.append(code_block(rng, rng.choice(langs) if langs else None))
        elif kind == 4:
            parts.append(f"> **Note:** {paragraph(rng, 1, pool)}")
        else:
            parts.append("- [x] Reviewed\n- [x] Owner assigned\n- [ ] Fix agreed\n- [ ] Verified")
    return "\n\n".join(parts)


def markdown_answer(rng: random.Random, title: str, sections: int,
                    langs: tuple[str, ...] | None = None, pool: str = "ops") -> str:
    out = [f"# {title}", paragraph(rng, 2, pool)]
    for heading in rng.sample(HEADINGS, min(sections, len(HEADINGS))):
        out.append(f"## {heading}\n\n{_section_body(rng, langs, pool)}")
    return "\n\n".join(out) + "\n"


def huge_markdown(rng: random.Random, target: int) -> str:
    """A Markdown report of at least `target` characters.

    Sections are drawn from a pool of pre-built bodies: formatting every sentence of a 20 MB
    text afresh would take seconds, while a pool of a few hundred stays varied and fast.
    """
    pool = [_section_body(rng, None, rng.choice(sorted(_POOLS))) for _ in range(300)]
    pool += [f"{text}\n\n{TRANSLATIONS[lang]}" for lang, text, _ in TICKETS if lang in
             TRANSLATIONS]
    out = ["# Knowledge base export\n\nEvery article of the support knowledge base, as Markdown.\n"]
    size, n = len(out[0]), 0
    while size < target:
        n += 1
        piece = f"\n## {n}. {rng.choice(HEADINGS)} — batch {n // 50 + 1}\n\n{rng.choice(pool)}\n"
        out.append(piece)
        size += len(piece)
    return "".join(out)


_LOG_LINES = (
    "{ts} INFO  [ai-worker-{w}] c.p.ai.Worker - locked external task {tid} topic=ai-classify",
    "{ts} INFO  [ai-worker-{w}] c.p.ai.OpenAiClient - POST /v1/chat/completions 200 in {ms} ms",
    "{ts} WARN  [ai-worker-{w}] c.p.ai.OpenAiClient - HTTP 429 Too Many Requests, retry in {s}s",
    "{ts} ERROR [camunda-job-executor-{w}] o.c.b.e.jobexecutor - ENGINE-14006 Exception while "
    "executing job {tid}:\norg.camunda.bpm.engine.ProcessEngineException: ENGINE-03083 "
    "Exception while executing Batch Database Operations\n\tat org.camunda.bpm.engine.impl.db."
    "EnginePersistenceLogger.flushDbOperationException(EnginePersistenceLogger.java:132)\n\tat "
    "org.camunda.bpm.engine.impl.db.entitymanager.DbEntityManager.flushDbOperations("
    "DbEntityManager.java:338)\nCaused by: org.postgresql.util.PSQLException: ERROR: value too "
    "long for type character varying(4000)",
    "{ts} DEBUG [ai-worker-{w}] c.p.ai.ContextStore - stored {n} chars for {tid}",
    "{ts} WARN  [hikari-{w}] c.z.h.pool.HikariPool - Connection is not available, request "
    "timed out after 30000ms",
)
_CLAUSES = (
    "The Supplier shall indemnify the Customer against all losses arising from any breach of "
    "clause {a}.{b}, save to the extent caused by the Customer's negligence.",
    "Either party may terminate this Agreement on {d} days' written notice if the other party "
    "commits a material breach which is not remedied within that period.",
    "The aggregate liability of each party under this Agreement shall not exceed {pct}% of the "
    "fees paid in the twelve (12) months preceding the event giving rise to the claim.",
    "Personal Data shall be processed only on documented instructions from the Controller, "
    "including with regard to transfers to a third country, as set out in Schedule {a}.",
    "This Agreement is governed by the laws of England and Wales, and the courts of London "
    "shall have exclusive jurisdiction over any dispute.",
    "Fees are payable within {d} days of the invoice date; late payments accrue interest at "
    "{pct}% per annum above the base rate.",
)


def log_context(rng: random.Random, target: int) -> str:
    out: list[str] = []
    size, t = 0, rng.randint(0, 3000)
    while size < target:
        t += rng.randint(1, 4000)
        line = rng.choice(_LOG_LINES).format(
            ts=f"2026-11-{10 + t // 86_400_000 % 9:02d}T{t // 3_600_000 % 24:02d}:"
               f"{t // 60_000 % 60:02d}:{t // 1000 % 60:02d}.{t % 1000:03d}Z",
            w=rng.randint(1, 8), tid=f"{rng.getrandbits(64):016x}", ms=rng.randint(300, 30000),
            s=rng.choice((1, 2, 4, 8)), n=rng.randint(40, 90000))
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def contract_context(rng: random.Random, target: int) -> str:
    out = ["MASTER SERVICES AGREEMENT\n\nbetween Acme Procurement Ltd (the \"Customer\") and "
           "Nordwind Logistik GmbH (the \"Supplier\")"]
    size, a = len(out[0]), 0
    while size < target:
        a += 1
        out.append(f"\n{a}. {rng.choice(HEADINGS).upper()}")
        for b in range(1, rng.randint(3, 8)):
            clause = rng.choice(_CLAUSES).format(a=a, b=b, d=rng.choice((14, 30, 60, 90)),
                                                 pct=rng.choice((2, 5, 100, 150)))
            out.append(f"{a}.{b} {clause}")
            size += len(out[-1]) + 1
    return "\n".join(out)


DIFF = (
    "diff --git a/worker/store.py b/worker/store.py\n--- a/worker/store.py\n+++ b/worker/store.py\n"
    "@@ -41,7 +41,9 @@ def save(pid: str, result: AiResult) -> None:\n"
    "-    camunda.set_variable(pid, \"content\", result.text)\n"
    "+    # Camunda cuts strings at 4000 chars; the full text lives in procos_ai_context.\n"
    "+    camunda.set_variable(pid, \"content\", result.text[:4000])\n"
    "+    context_store.insert(pid, \"output\", {\"content\": result.text}, result.text)\n"
)
