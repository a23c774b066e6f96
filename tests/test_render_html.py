"""render_html: content, escaping, self-containment, highlights; then the page in headless Chromium."""

from __future__ import annotations

import dataclasses
import html as html_lib
import json
import logging
import os
import re
import shutil
import subprocess
import unicodedata
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import pytest

from dupcheck.render import render_html
from tests.reportfixtures import DRAFT, LAW, LAW_ID, LAW_TITLE, NOTICE, NOTICE_TITLE, build_report, canonical_report


class Page(HTMLParser):
    """The parts of a rendered report the tests look at."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, dict]] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.marks: list[dict] = []  # mark.copied: attributes, href of its link, text
        self.draft_lines: list[str] = []  # text of each <p> in div.draft
        self.sections: dict[str, str] = {}  # section id → its text
        self.dels: list[str] = []
        self.inss: list[str] = []
        self.tags: set[str] = set()
        self.feed(html)

    def _inside(self, tag: str, cls: str | None = None, key: str | None = None) -> dict | None:
        for t, attrs in reversed(self.stack):
            if t == tag and (cls is None or cls in attrs.get("class", "").split()) and (key is None or key in attrs):
                return attrs
        return None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
            mark = self._inside("mark", "copied")
            if mark is not None:
                mark["_href"] = a["href"]
        if tag == "mark" and "copied" in a.get("class", "").split():
            a["_text"] = ""
            self.marks.append(a)
        if tag == "p" and self._inside("div", "draft") is not None:
            self.draft_lines.append("")
        if tag == "section":
            self.sections[a.get("id", "")] = ""
        if tag in ("br", "meta", "hr", "wbr"):
            return  # void elements have no end tag
        self.stack.append((tag, a))

    def handle_endtag(self, tag):
        if any(t == tag for t, _ in self.stack):
            while self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        mark = self._inside("mark", "copied")
        if mark is not None:
            mark["_text"] += data
        if self._inside("div", "draft") is not None and self._inside("p") is not None:
            self.draft_lines[-1] += data
        section = self._inside("section", key="id")
        if section is not None:
            self.sections[section["id"]] += data
        if self._inside("del") is not None:
            self.dels.append(data)
        if self._inside("ins") is not None:
            self.inss.append(data)


@pytest.fixture(scope="module")
def report():
    return canonical_report()


@pytest.fixture(scope="module")
def html(report):
    return render_html(report, corpus_name="省级法规库（2024 版）")


def test_summary(html):
    summary = Page(html).sections["summary"]
    for expected in [
        "总文字复制比",
        "57.6%",
        "去除引用文献复制比",
        "52.5%",
        "单篇最大文字复制比",
        "48.7%",
        "复制字数 / 总字数",
        "182 / 316",
        "结论：未超过阈值 80%",
    ]:
        assert expected in summary, expected
    assert "省级法规库（2024 版）" in html  # the corpus_name given, not report.corpus
    assert "2024-05-20 10:30:00 (UTC+08:00)" in html
    assert 'lang="zh-CN"' in html


def test_flagged_verdict(report):
    page = Page(render_html(dataclasses.replace(report, flagged=True, threshold=0.5), corpus_name="库"))
    assert "结论：超过阈值 50%" in page.sections["summary"]


def test_sources_with_rate_and_bar(html):
    sources = Page(html).sections["sources"]
    assert sources.index(LAW_TITLE) < sources.index(NOTICE_TITLE)  # highest rate first
    for expected in ["48.7%", "154", "8.9%", "28", "corpus/laws/安全生产法.txt"]:
        assert expected in sources
    assert 'style="width: 48.7%"' in html and 'style="width: 8.9%"' in html


def test_every_passage_highlighted_once_linked_and_titled(report, html):
    page = Page(html)
    numbers = {m["data-passage"] for m in page.marks}
    assert numbers == {str(n) for n in range(1, len(report.passages) + 1)}
    for m in page.marks:
        n = int(m["data-passage"])
        p = report.passages[n - 1]
        assert m["_href"] == f"#p{n}" and f"p{n}" in page.ids  # the link lands on the comparison
        assert p.kind in m["class"].split()
        assert (LAW_TITLE if p.source_id == LAW_ID else NOTICE_TITLE) in m["title"]
    # Passage 3 spans a line break: two elements, one passage; together they are its text.
    pieces = [m["_text"] for m in page.marks if m["data-passage"] == "3"]
    assert len(pieces) == 2
    assert "\n".join(pieces) == report.text[report.passages[2].draft_start : report.passages[2].draft_end]


def test_the_whole_draft_is_shown(report, html):
    assert "\n".join(Page(html).draft_lines) == report.text


def test_side_by_side_marks_the_differences(html):
    page = Page(html)
    passages = page.sections["passages"]
    assert passages.count("送审稿") >= 4 and "来源：中华人民共和国安全生产法 第五条" in passages
    # Passage 2 is edited: the source's "应当以人为本，" and "树牢安全发展理念，" were left out.
    assert "应当以人为本，" in page.dels and "树牢安全发展理念，" in page.dels
    assert "。" in page.inss
    # Verbatim passages have nothing marked: only the edited passage 2 has differences.
    assert "".join(page.dels) == "应当以人为本，树牢安全发展理念，，" and "".join(page.inss) == "。"


def test_article_table(html):
    articles = Page(html).sections["articles"]
    rows = re.findall(r"<tr[^>]*>\s*<td>(第.条)</td>(.*?)</tr>", html, re.S)
    cells = {label: re.sub(r"<[^>]+>", "", body) for label, body in rows}
    assert list(cells) == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    assert "中华人民共和国安全生产法 第一条" in cells["第一条"] and "100.0%" in cells["第一条"]
    assert "—（原创）" in cells["第二条"] and "0 / 34" in cells["第二条"]
    assert "中华人民共和国安全生产法 第三条" in cells["第三条"] and "85.5%" in cells["第三条"]
    assert "中华人民共和国安全生产法 第五条" in cells["第四条"]  # draft 第四条 repeats the law's 第五条
    assert NOTICE_TITLE in cells["第五条"]  # a notice has no articles
    assert "条文对照" in articles


def test_no_article_table_for_a_draft_without_articles():
    draft = "关于加强本市安全生产工作的通知\n各区要压实安全生产责任，加强重点行业领域安全监管。"
    report = build_report(
        "通知.txt",
        draft,
        {LAW_ID: (LAW_TITLE, "law.txt", "要压实安全生产责任，加强重点行业领域安全监管。")},
        [
            (
                "压实安全生产责任，加强重点行业领域安全监管。",
                LAW_ID,
                "压实安全生产责任，加强重点行业领域安全监管。",
                "verbatim",
            )
        ],
    )
    html = render_html(report, corpus_name="库")
    assert 'id="articles"' not in html and "条文对照" not in html
    assert "四、全文标注" not in html and "三、全文标注" in html


def test_self_contained_and_print_ready(html):
    page = Page(html)
    assert not page.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert all(h.startswith("#") for h in page.hrefs)
    reviewed = Page(_reviewed_html())
    assert all(h.startswith(("#", "data:text/plain;charset=utf-8,")) for h in reviewed.hrefs)
    assert not reviewed.tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "url(" not in html and "@import" not in html and "http://" not in html and "https://" not in html
    assert "print-color-adjust: exact" in html and "@media print" in html


def test_text_from_documents_is_escaped(report):
    evil = "<script>alert('x')</script>&《法》"
    law = dataclasses.replace(report.sources[0], title=evil, path='"><img src=x onerror=alert(1)>')
    text = report.text.replace("本市实际", "<b>本市</b>")
    report = dataclasses.replace(report, sources=(law, *report.sources[1:]), text=text)
    html = render_html(report, corpus_name="<i>库</i>")
    assert "<script>" not in html and "<img" not in html and "<b>" not in html and "<i>库" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;本市&lt;/b&gt;" in html
    page = Page(html)
    assert any(evil in m["title"] for m in page.marks)  # the title attribute round-trips


def test_overlapping_passages_each_keep_a_highlight(report):
    # Passage 5 repeats passage 1 exactly; passage 6 lies inside passage 3; passage 7 overlaps
    # the end of passage 4.
    p1, _, p3, p4 = report.passages
    extra = (
        dataclasses.replace(p1),
        dataclasses.replace(p3, draft_start=p3.draft_start + 5, draft_end=p3.draft_start + 20),
        dataclasses.replace(
            p4, draft_start=p4.draft_end - 4, draft_end=p4.draft_end + 1, kind="edited", similarity=0.9
        ),
    )
    report = dataclasses.replace(report, passages=report.passages + extra)
    page = Page(render_html(report, corpus_name="库"))
    assert {m["data-passage"] for m in page.marks} == {str(n) for n in range(1, 8)}
    assert "\n".join(page.draft_lines) == report.text  # nothing duplicated or lost


def test_missing_source_text(report):
    report = dataclasses.replace(report, source_texts={})
    html = render_html(report, corpus_name="库")
    assert html.count("（报告中未包含来源原文）") == 4
    assert "—（原创）" in html  # the article table still renders, without source articles


def test_a_clean_draft(report):
    report = dataclasses.replace(
        report,
        passages=(),
        sources=(),
        copied_chars=0,
        copy_rate=0.0,
        copy_rate_excluding_quotes=0.0,
        max_source_rate=0.0,
    )
    page = Page(render_html(report, corpus_name="库"))
    assert page.marks == [] and "未发现复制片段。" in page.sections["passages"]
    assert "\n".join(page.draft_lines) == report.text


# ---------------------------------------------------------------------------------------------
# In a real browser

CHROMIUM = next(
    (
        p
        for p in (shutil.which("chromium"), shutil.which("chromium-browser"), "/usr/bin/chromium")
        if p and Path(p).exists()
    ),
    None,
)


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.mark.browser
@pytest.mark.skipif(
    CHROMIUM is None, reason="headless Chromium not installed (apt-get install chromium fonts-noto-cjk)"
)
def test_in_headless_chromium(tmp_path, report, html):
    page_file = tmp_path / "report.html"
    page_file.write_text(html, encoding="utf-8")
    url = page_file.as_uri()

    dom = Page(_chromium(tmp_path, "--dump-dom", url).stdout)
    assert {m["data-passage"] for m in dom.marks} == {str(n) for n in range(1, len(report.passages) + 1)}
    assert "\n".join(dom.draft_lines) == report.text
    assert "57.6%" in dom.sections["summary"]

    png = tmp_path / "report.png"
    _chromium(tmp_path, f"--screenshot={png}", "--window-size=1280,2000", url)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000

    pdf = tmp_path / "report.pdf"
    _chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", url)
    pdfplumber = pytest.importorskip("pdfplumber")
    logging.getLogger("pdfminer").setLevel(logging.ERROR)
    with pdfplumber.open(pdf) as doc:
        printed = "".join(page.extract_text() or "" for page in doc.pages)

    # Printed, the draft section holds every character of the draft, in order: a CJK font is
    # installed and nothing is cut off. Line wraps and passage numbers come in between. The PDF's
    # text layer maps some characters to radicals: NFKC folds Kangxi radicals (⽂ → 文); a CJK
    # radical-supplement character (⺠ for 民) matches any character.
    printed = unicodedata.normalize("NFKC", printed)
    section = iter(printed[printed.index("全文标注") : printed.index("逐段对照")])
    missing = [
        c
        for c in unicodedata.normalize("NFKC", report.text)
        if not c.isspace() and not any(d == c or "\u2e80" <= d <= "\u2eff" for d in section)
    ]
    assert missing == []


# ---------------------------------------------------------------------------------------------
# The filing review (issue 14): article map, what the draft adds, 全文对照, exact-13, format
# elements, run record — from a real check of the canonical draft against its two sources.

HEAD = "石狮市人民政府文件\n石政文〔2024〕3号\n"
TAIL = "石狮市人民政府\n2024年5月20日\n"


def _reviewed_report(text: str = DRAFT):
    from dupcheck.api import Index

    with Index.open(":memory:") as index:
        index.add_texts(
            [("corpus/laws/安全生产法.txt", LAW, LAW_TITLE), ("corpus/notices/安委会通知.txt", NOTICE, NOTICE_TITLE)]
        )
        report = index.check_text(text, path="送审稿/某市安全生产条例（草案）.txt")
    fixed = "2024-05-20T10:30:00+08:00"
    return dataclasses.replace(
        report, checked_at=fixed, run_record=dataclasses.replace(report.run_record, checked_at=fixed)
    )


def _mapped():
    """The canonical report (passages placed by hand) with its article map."""
    from dupcheck.articlemap import review

    return review(canonical_report())


def _reviewed_html(text: str = DRAFT) -> str:
    return render_html(_reviewed_report(text), corpus_name="省级法规库")


def _cells(html: str, table: str) -> dict[str, list[str]]:
    body = re.search(rf'<table class="{table}">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    out = {}
    for row in rows[1:]:
        cells = [
            html_lib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        out[cells[0]] = cells[1:]
    return out


def test_article_map_table_classes_provisions_and_links():
    report = _mapped()
    html = render_html(report, corpus_name="库")
    page = Page(html)
    cells = _cells(html, "units")
    assert list(cells) == ["第一条", "第二条", "第三条", "第四条", "第五条"]
    # By hand from the passages of reportfixtures: 第一条 keeps the law's purpose (37 of 75
    # characters) and adds its own basis: 细化, 51% added; 第二条 shares no run of 16: 新增;
    # 第三条 53 of 56: 照搬; 第四条 is the law's 第五条 word for word: 照搬; 第五条 repeats the
    # notice's 压实…检查 (28 of 43) and names its own bodies: 细化, 35% added.
    assert cells["第一条"][0] == "细化（新增 51%）" and "中华人民共和国安全生产法 第一条" in cells["第一条"][2]
    assert cells["第二条"][0] == "新增" and cells["第二条"][2] == "—"
    assert cells["第三条"][0] == "照搬" and cells["第三条"][-1] == "53 / 56"
    assert cells["第四条"][0] == "照搬" and "中华人民共和国安全生产法 第五条" in cells["第四条"][2]
    assert cells["第五条"][0] == "细化（新增 35%）" and NOTICE_TITLE in cells["第五条"][2]
    amap = report.article_map
    for n, u in enumerate(amap.units, 1):  # the figures are the map's, not recomputed
        assert cells[u.label][-1] == f"{u.matched_chars} / {u.chars}"
        for p in u.provisions:  # each provision links to its side-by-side diff
            assert f"u{n}-s{p.source_id}" in page.ids and f"#u{n}-s{p.source_id}" in page.hrefs
    assert amap.summary in page.sections["summary"]
    assert amap.summary == "本条例共 5 条：照搬上位法 2 条，细化 2 条，新增 1 条"


def test_exact13_line_and_why():
    report = _reviewed_report()
    summary = Page(render_html(report, corpus_name="库")).sections["summary"]
    assert f"按连续13字相同规则：{report.exact13_rate * 100:.1f}%" in summary
    assert f"dupcheck 总文字复制比：{report.copy_rate * 100:.1f}%" in summary
    assert "连续13字规则" in summary.split("按连续13字相同规则")[1]  # the one sentence on why


def test_what_the_draft_adds_on_the_page_and_as_a_download():
    from dupcheck.articlemap import additions_text

    report = _mapped()
    html = render_html(report, corpus_name="库")
    added = Page(html).sections["added"]
    assert "第二条" in added and "本市行政区域内生产经营单位的安全生产及其监督管理，适用本条例。" in added
    assert "根据《中华人民共和国安全生产法》等法律、行政法规，结合本市实际，制定本条例。" in added  # 细化 第一条
    assert "为了加强安全生产工作" not in added  # the law's words are not the draft's own
    href = re.search(r'<a class="download" href="([^"]+)" download="([^"]+)"', html)
    assert href.group(2) == "某市安全生产条例（草案）-新增内容.txt"
    data = urllib.parse.unquote(html_lib.unescape(href.group(1)).split(",", 1)[1])
    assert data == additions_text(report.article_map, report.text, title="某市安全生产条例（草案）.txt")
    assert report.article_map.summary in data and "本市行政区域内生产经营单位" in data


def test_one_source_at_a_time_with_differences_marked():
    report = _mapped()
    html = render_html(report, corpus_name="库")
    by_source = Page(html).sections["by-source"]
    law_at = by_source.index(f"本条例与《{LAW_TITLE}》对照")
    notice_at = by_source.index(f"本条例与《{NOTICE_TITLE}》对照")
    assert law_at < notice_at  # the law explains more
    # The law explains 第一条, 第三条 and 第四条 (units 1, 3, 4); the notice 第五条; nobody 第二条.
    assert re.findall(rf'id="u(\d)-s{LAW_ID}"', html) == ["1", "3", "4"]
    assert re.findall(r'id="u(\d)-s12"', html) == ["5"]
    block = re.search(r'<article class="cmp" id="u1-s\d+">(.*?)</article>', html, re.S).group(1)
    ins = "".join(re.findall(r"<ins>(.*?)</ins>", block))
    dels = "".join(re.findall(r"<del>(.*?)</del>", block))
    assert "结合本市实际" in html_lib.unescape(ins)  # the draft's addition
    assert "促进经济社会持续健康发展" in html_lib.unescape(dels)  # the law's words it leaves out


def test_format_elements_greyed_and_counted_out():
    report = _reviewed_report(HEAD + DRAFT + TAIL)
    html = render_html(report, corpus_name="库")
    page = Page(html)
    assert (
        f"公文格式要素 {len(report.format_elements)} 处（{report.format_chars} 字）不计入复制比"
        in page.sections["summary"]
    )
    greyed = re.findall(r'<span class="fmt" data-kind="([^"]+)"[^>]*>(.*?)</span>', html)
    assert ("发文字号", "石政文〔2024〕3号") in greyed and ("成文日期", "2024年5月20日") in greyed
    assert "\n".join(page.draft_lines) == report.text  # greyed, not left out of the page
    assert report.article_map.summary.startswith("本条例共")  # the title, not the 版头 line above it


def test_run_record_section():
    report = _reviewed_report()
    record = Page(render_html(report, corpus_name="库")).sections["record"]
    r = report.run_record
    for expected in (r.draft_sha256, f"{r.draft_bytes} 字节", r.index_digest, r.dupcheck_version, "(UTC+08:00)"):
        assert expected in record
    assert "dupcheck verify" in record and json.dumps(r.scheme, ensure_ascii=False, sort_keys=True) in record


def test_versions_of_a_source_are_named():
    report = _reviewed_report()
    law = next(s for s in report.sources if s.title == LAW_TITLE)
    versioned = dataclasses.replace(
        report,
        sources=tuple(
            dataclasses.replace(s, effective="2021-09-01", status="in_force", other_versions=("安全生产法(2014).txt",))
            if s is law
            else s
            for s in report.sources
        ),
    )
    sources = Page(render_html(versioned, corpus_name="库")).sections["sources"]
    assert "2021-09-01 施行 · 现行有效" in sources and "另有 1 个版本相似，未单列：安全生产法(2014).txt" in sources


def test_reviewed_html_matches_the_golden_file():
    """Regenerate with DUPCHECK_UPDATE_GOLDEN=1 after a deliberate change, and review the diff."""
    golden = Path(__file__).parent / "golden" / "report-review.html"
    rendered = _reviewed_html(HEAD + DRAFT + TAIL)
    rendered = re.sub(r"dupcheck [0-9][^ <\"]*", "dupcheck VERSION", rendered)
    if os.environ.get("DUPCHECK_UPDATE_GOLDEN"):
        golden.write_text(rendered, encoding="utf-8")
    assert rendered == golden.read_text(encoding="utf-8")
