"""公文格式要素 (GB/T 9704-2012, 党政机关公文格式): the parts of an official document's layout that
every document of an office repeats, so they are not copying.

Recognised by position and pattern, line by line (a line is the unit GB/T 9704 lays out):

- **版头** (the head, before the title): 份号 (six digits), 密级和保密期限 (机密★1年), 紧急程度 (特急,
  加急), 发文机关标志 (石狮市人民政府文件), 发文字号 (石政办〔2023〕12号) and 签发人, plus the
  separator line. Only the lines at the very top count: a 发文字号 cited inside the body
  (依据《…》（国发〔2016〕12号）) is not the document's own. The 发文机关标志 is recognised only
  above the document's own 发文字号.
- **主送机关**: the line right after the title, ending with a colon (各区人民政府，市政府各部门：);
  a sentence ending 如下： is body text.
- **附件说明** (附件：1．… 2．…) above the 署名, **发文机关署名** (short lines right above the
  date), **成文日期** (the last line that is a date alone: 2023年5月12日, 二〇二三年五月十二日) and
  **附注** (（此件公开发布）) below it.
- **版记** starts at the first 抄送/印发 line after the 成文日期 and runs to the end: 抄送机关 and
  印发机关和印发日期 (石狮市人民政府办公室  2023年5月12日印发), with its separator lines.
- **页码**: lines that are only a page number (— 3 —, 第3页 共5页), anywhere.

Pure: takes a string, returns frozen values with offsets into it (``text[start:end]`` is the
element's line without its indentation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dupcheck.articles import line_spans
from dupcheck.normalize import nonspace_count, nonspace_mask

KINDS = (
    "份号",
    "密级和保密期限",
    "紧急程度",
    "发文机关标志",
    "发文字号",
    "签发人",
    "分隔线",
    "主送机关",
    "附件说明",
    "发文机关署名",
    "成文日期",
    "附注",
    "抄送机关",
    "印发机关和印发日期",
    "页码",
)

_HEAD_LINES = 10  # the 版头 is at most this many lines
_SIGNATURE_LINES = 3  # 联合行文: up to three issuer lines above the date
_SHORT = 40

_PAGE = re.compile(
    r"[—–\-－─]\s*[0-9０-９]{1,4}\s*[—–\-－─]|第\s*[0-9]+\s*页(\s*[，,/]?\s*共\s*[0-9]+\s*页)?|[0-9]{1,4}\s*/\s*[0-9]{1,4}"
)
_SERIAL = re.compile(r"[0-9０-９]{6}")
_SECRET = re.compile(r"(绝密|机密|秘密)(\s*[★☆*＊]\s*\S{0,10})?")
_URGENT = re.compile(r"特急|加急|特提|平急")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,16}[〔［\[（(][0-9]{4}[〕］\]）)]第?[0-9]{1,5}号")
_SIGNER = re.compile(r"签\s*发\s*人[：:]")
_SEPARATOR = re.compile(r"[━─—–\-－_＿═=]{3,}")
_CN_DIGIT = "〇○零一二三四五六七八九十"
_DATE = re.compile(
    rf"[（(]?([0-9]{{4}}|[{_CN_DIGIT}]{{4}})\s*年\s*[0-9{_CN_DIGIT}]{{1,3}}\s*月\s*[0-9{_CN_DIGIT}]{{1,3}}\s*日[）)]?"
)
_PRINTED = re.compile(
    rf".*([0-9]{{4}}|[{_CN_DIGIT}]{{4}})\s*年\s*[0-9{_CN_DIGIT}]{{1,3}}\s*月\s*[0-9{_CN_DIGIT}]{{1,3}}\s*日\s*印\s*发"
)
_COPY_TO = re.compile(r"抄\s*送[：:]")
_ATTACHMENT = re.compile(r"附\s*件[：:]")
_ATTACHMENT_ITEM = re.compile(r"[0-9０-９]{1,2}[.．、]\s*\S")
_NOTE = re.compile(r"[（(][^（）()]{2,60}[）)]")
_SENTENCE = re.compile("[，,。；;：:！!？?]")


@dataclass(frozen=True)
class FormatElement:
    """One format element: ``text[start:end]`` (a line, without its indentation)."""

    kind: str
    start: int
    end: int

    def to_dict(self) -> dict:
        return {"kind": self.kind, "start": self.start, "end": self.end}


def _own_number(line: str) -> re.Match | None:
    """A line that is a 发文字号 alone (or followed by the 签发人), as the 版头 lays it out."""
    m = _DOC_NUMBER.match(line)
    if m and (m.end() == len(line) or _SIGNER.match(line[m.end() :].lstrip())):
        return m
    return None


def _is_short_plain(line: str) -> bool:
    return len(line) <= _SHORT and not _SENTENCE.search(line)


def find_format_elements(text: str) -> tuple[FormatElement, ...]:
    """The 公文格式要素 of ``text``, in text order (see the module docstring for the rules)."""
    all_lines = line_spans(text)
    found: dict[int, str] = {}  # line index (in all_lines) → kind
    for n, (a, b) in enumerate(all_lines):
        if _PAGE.fullmatch(text, a, b):
            found[n] = "页码"
    lines = [n for n in range(len(all_lines)) if n not in found]  # page numbers out of the way

    def line(n: int) -> str:
        a, b = all_lines[n]
        return text[a:b]

    # 版头: the top lines, up to and including the document's own 发文字号 / 签发人 line.
    head = lines[:_HEAD_LINES]
    last_number = max((k for k, n in enumerate(head) if _own_number(line(n)) or _SIGNER.match(line(n))), default=-1)
    pos = 0
    if last_number >= 0:
        candidate = {}
        for n in head[: last_number + 1]:
            s = line(n)
            if _SERIAL.fullmatch(s):
                candidate[n] = "份号"
            elif _SECRET.fullmatch(s):
                candidate[n] = "密级和保密期限"
            elif _URGENT.fullmatch(s):
                candidate[n] = "紧急程度"
            elif _SEPARATOR.fullmatch(s):
                candidate[n] = "分隔线"
            elif _own_number(s) or _SIGNER.match(s):
                candidate[n] = "签发人" if _SIGNER.match(s) else "发文字号"
            elif _is_short_plain(s.replace("　", "").replace(" ", "")):
                candidate[n] = "发文机关标志"
            else:
                candidate = {}
                break
        if candidate:
            found.update(candidate)
            pos = last_number + 1
    if not pos:  # no 发文字号: only the strictly recognisable head lines
        for n in head:
            s = line(n)
            kind = (
                "份号"
                if _SERIAL.fullmatch(s)
                else "密级和保密期限"
                if _SECRET.fullmatch(s)
                else "紧急程度"
                if _URGENT.fullmatch(s)
                else None
            )
            if kind is None:
                break
            found[n] = kind
            pos += 1
    if pos < len(lines) and _SEPARATOR.fullmatch(line(lines[pos])):
        found[lines[pos]] = "分隔线"
        pos += 1

    # 主送机关: the line right after the title (a title may take two lines).
    for k in (pos + 1, pos + 2):
        if k >= len(lines):
            break
        s = line(lines[k])
        if k == pos + 2 and _SENTENCE.search(line(lines[pos + 1])):
            break
        if s[-1] in "：:" and len(s) <= 200 and "。" not in s and "如下" not in s and "以下" not in s:
            found[lines[k]] = "主送机关"
            break

    # 成文日期: the last line that is a date alone, after the title.
    date_k = next((k for k in range(len(lines) - 1, pos, -1) if _DATE.fullmatch(line(lines[k]))), None)
    tail_start = len(lines)
    if date_k is not None:
        found[lines[date_k]] = "成文日期"
        # 发文机关署名: short plain lines right above it.
        k = date_k - 1
        signature_top = date_k
        while (
            k > pos
            and date_k - k <= _SIGNATURE_LINES
            and _is_short_plain(line(lines[k]))
            and not _ATTACHMENT_ITEM.match(line(lines[k]))
            and lines[k] not in found
        ):
            found[lines[k]] = "发文机关署名"
            signature_top = k
            k -= 1
        # 附件说明: 附件：… and its numbered items, right above the 署名.
        k = signature_top - 1
        items = []
        while k > pos and _ATTACHMENT_ITEM.match(line(lines[k])) and "。" not in line(lines[k]):
            items.append(k)
            k -= 1
        if k > pos and _ATTACHMENT.match(line(lines[k])):
            for i in [k, *items]:
                found[lines[i]] = "附件说明"
        # 版记: from the first 抄送/印发 line after the date to the end; 附注 in between.
        for k in range(date_k + 1, len(lines)):
            s = line(lines[k])
            if _COPY_TO.match(s) or _PRINTED.match(s):
                tail_start = k
                break
            if _NOTE.fullmatch(s):
                found[lines[k]] = "附注"
    else:  # no date: a 版记 is only its own lines at the very end
        k = len(lines)
        while k > pos + 1 and (
            _COPY_TO.match(line(lines[k - 1]))
            or _PRINTED.match(line(lines[k - 1]))
            or _SEPARATOR.fullmatch(line(lines[k - 1]))
        ):
            k -= 1
        if k < len(lines) and any(_COPY_TO.match(line(n)) or _PRINTED.match(line(n)) for n in lines[k:]):
            tail_start = k
    kind = "抄送机关"
    for k in range(tail_start, len(lines)):
        s = line(lines[k])
        if _SEPARATOR.fullmatch(s):
            found[lines[k]] = "分隔线"
            continue
        if _PRINTED.match(s):
            kind = "印发机关和印发日期"
        elif _COPY_TO.match(s):
            kind = "抄送机关"
        found[lines[k]] = kind
    out = []
    for n, kind in sorted(found.items()):
        a, b = all_lines[n]
        m = _own_number(text[a:b]) if kind == "发文字号" else None
        if m and m.end() < b - a:  # 石政文〔2023〕12号    签发人：张三
            signer = a + m.end() + (len(text[a + m.end() : b]) - len(text[a + m.end() : b].lstrip()))
            out += [FormatElement("发文字号", a, a + m.end()), FormatElement("签发人", signer, b)]
        else:
            out.append(FormatElement(kind, a, b))
    return tuple(out)


def outside(text: str, passages: list, spans: list[tuple[int, int]]) -> list:
    """The passages with a counted character outside the ``spans`` (a passage that copies only
    format elements, such as the same 主送 line, is not a finding)."""
    if not spans:
        return passages
    mask = nonspace_mask(text)
    for a, b in spans:
        mask[a:b] = False
    return [p for p in passages if mask[p.draft_start : p.draft_end].any()]


def element_spans(elements: tuple[FormatElement, ...]) -> list[tuple[int, int]]:
    return [(e.start, e.end) for e in elements]


def element_chars(text: str, elements: tuple[FormatElement, ...]) -> int:
    """Non-whitespace characters inside the elements (what is left out of the rates)."""
    return sum(nonspace_count(text[e.start : e.end]) for e in elements)
