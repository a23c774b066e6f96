"""The canonical report every renderer test reads, built by hand from short documents.

A draft local regulation copies three runs from two parent-level documents: one verbatim
(第一条), one edited (第三条, with a “…” quotation inside it), one verbatim across a line
break (第四条, from the law's 第五条), and one verbatim run from a notice without articles
(第五条). 第二条 is original. Offsets are located with ``str.index`` on the literal runs and
every number follows the definitions in ``dupcheck/report.py``.
"""

from __future__ import annotations

from rapidfuzz.distance import Indel

from dupcheck.report import Passage, Report, Skipped, SourceMatch

LAW_ID = 7
NOTICE_ID = 12

LAW_TITLE = "中华人民共和国安全生产法"
NOTICE_TITLE = "国务院安全生产委员会关于加强安全生产工作的通知"

LAW = """中华人民共和国安全生产法

第一章　总则

第一条　为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，促进经济社会持续健康发展，制定本法。

第二条　在中华人民共和国领域内从事生产经营活动的单位（以下统称生产经营单位）的安全生产，适用本法。

第三条　安全生产工作坚持中国共产党的领导。
安全生产工作应当以人为本，坚持人民至上、生命至上，把保护人民生命安全摆在首位，树牢安全发展理念，坚持“安全第一、预防为主、综合治理”的方针，从源头上防范化解重大安全风险。

第四条　生产经营单位必须遵守本法和其他有关安全生产的法律、法规，加强安全生产管理。

第五条　生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。其他负责人对职责范围内的安全生产工作负责。
"""

NOTICE = """国务院安全生产委员会关于加强安全生产工作的通知

各省、自治区、直辖市人民政府，国务院有关部门：
各地区、各有关部门要压实安全生产责任，加强重点行业领域安全监管，严格执法检查，坚决遏制重特大事故发生。
"""

DRAFT = """某市安全生产条例（草案）

第一章　总则

第一条　为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，根据《中华人民共和国安全生产法》等法律、行政法规，结合本市实际，制定本条例。

第二条　本市行政区域内生产经营单位的安全生产及其监督管理，适用本条例。

第三条　本市安全生产工作坚持人民至上、生命至上，把保护人民生命安全摆在首位，坚持“安全第一、预防为主、综合治理”的方针。

第二章　生产经营单位的安全生产保障

第四条　生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。
其他负责人对职责范围内的安全生产工作负责。

第五条　市、区人民政府及有关部门应当压实安全生产责任，加强重点行业领域安全监管，严格执法检查。
"""

# (draft run, source id, source run, kind), in draft order.
COPIES = [
    (
        "为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，",
        LAW_ID,
        "为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，",
        "verbatim",
    ),
    (
        "安全生产工作坚持人民至上、生命至上，把保护人民生命安全摆在首位，坚持“安全第一、预防为主、综合治理”的方针。",
        LAW_ID,
        "安全生产工作应当以人为本，坚持人民至上、生命至上，把保护人民生命安全摆在首位，树牢安全发展理念，"
        "坚持“安全第一、预防为主、综合治理”的方针，",
        "edited",
    ),
    (
        "生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。\n其他负责人对职责范围内的安全生产工作负责。",
        LAW_ID,
        "生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。其他负责人对职责范围内的安全生产工作负责。",
        "verbatim",
    ),
    (
        "压实安全生产责任，加强重点行业领域安全监管，严格执法检查",
        NOTICE_ID,
        "压实安全生产责任，加强重点行业领域安全监管，严格执法检查",
        "verbatim",
    ),
]


def count_chars(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


def _quoted_mask(text: str) -> list[bool]:
    """True for characters inside 《…》 or “…” (brackets included)."""
    mask = [False] * len(text)
    closing = {"《": "》", "“": "”"}
    i = 0
    while i < len(text):
        if text[i] in closing:
            j = text.find(closing[text[i]], i + 1)
            if j != -1:
                for k in range(i, j + 1):
                    mask[k] = True
                i = j + 1
                continue
        i += 1
    return mask


def build_report(
    path, text, sources, copies, *, threshold=0.8, corpus="省级法规库", checked_at="2024-05-20T10:30:00+08:00"
):
    """A Report by the definitions: ``sources`` maps id → (title, path, text); ``copies`` are
    (draft run, source id, source run, kind), each run located with ``str.index`` (the draft
    runs searched left to right)."""
    passages = []
    search_from = 0
    for draft_run, source_id, source_run, kind in copies:
        ds = text.index(draft_run, search_from)
        search_from = ds + len(draft_run)
        source_text = sources[source_id][2]
        ss = source_text.index(source_run)
        a, b = "".join(draft_run.split()), "".join(source_run.split())
        similarity = 1.0 if kind == "verbatim" else round(Indel.normalized_similarity(a, b), 4)
        passages.append(
            Passage(
                ds, ds + len(draft_run), source_id, ss, ss + len(source_run), similarity, kind, count_chars(draft_run)
            )
        )
    total = count_chars(text)
    copied = sum(p.chars for p in passages)
    quoted = _quoted_mask(text)
    copied_unquoted = sum(
        1 for p in passages for k in range(p.draft_start, p.draft_end) if not text[k].isspace() and not quoted[k]
    )
    per_source = {}
    for p in passages:
        per_source[p.source_id] = per_source.get(p.source_id, 0) + p.chars
    matches = sorted(
        (SourceMatch(sid, sources[sid][0], sources[sid][1], n / total, n) for sid, n in per_source.items()),
        key=lambda s: (-s.rate, s.id),
    )
    return Report(
        path=path,
        total_chars=total,
        copied_chars=copied,
        copy_rate=copied / total,
        copy_rate_excluding_quotes=copied_unquoted / total,
        max_source_rate=max((s.rate for s in matches), default=0.0),
        threshold=threshold,
        flagged=copied / total > threshold,
        sources=tuple(matches),
        passages=tuple(passages),
        text=text,
        source_texts={sid: sources[sid][2] for sid in per_source},
        corpus=corpus,
        checked_at=checked_at,
    )


def canonical_report() -> Report:
    return build_report(
        "送审稿/某市安全生产条例（草案）.txt",
        DRAFT,
        {
            LAW_ID: (LAW_TITLE, "corpus/laws/安全生产法.txt", LAW),
            NOTICE_ID: (NOTICE_TITLE, "corpus/notices/安委会通知.txt", NOTICE),
        },
        COPIES,
    )


def canonical_results() -> list:
    """A batch: the canonical report and a file that could not be read."""
    return [canonical_report(), Skipped("送审稿/扫描件.pdf", "PDF has no text layer (scanned image?)")]
