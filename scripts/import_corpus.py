"""Import documents from the laws corpus into a compressed JSON-lines corpus file that dupcheck ships.

The default corpus (corpora/national-laws.jsonl.xz) holds the national-level laws and
regulations of ../shared/corpora/laws: 法律 of every legal department, 行政法规, 部门规章 and
司法解释 (region 全国; court cases and "其他" left out). Each line: path, title, category, date,
text, where text is the title line, a blank line and the body (after ``<!-- INFO END -->``) with
Markdown heading marks removed. Local regulations are not in it: they are the children.

    python scripts/import_corpus.py ../shared/corpora/laws corpora/national-laws.jsonl.xz
    python scripts/import_corpus.py ../shared/corpora/laws out.jsonl.xz --region 北京 --category 地方性法规
"""

from __future__ import annotations

import argparse
import json
import lzma
import re
import sys
from pathlib import Path

NATIONAL_CATEGORIES = (
    "宪法",
    "宪法相关法",
    "民法典",
    "民法商法",
    "行政法",
    "经济法",
    "社会法",
    "刑法",
    "诉讼与非诉讼程序法",
    "行政法规",
    "部门规章",
    "司法解释",
)


def law_text(raw: str, title: str) -> str:
    """Title line, blank line, body without Markdown heading marks; '' when the body is empty."""
    body = raw.split("<!-- INFO END -->", 1)[1] if "<!-- INFO END -->" in raw else raw
    body = re.sub(r"(?m)^#+\s*", "", body).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return f"{title}\n\n{body}\n" if body else ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("laws", type=Path, help="the laws corpus folder (with manifest.jsonl)")
    ap.add_argument("out", type=Path, help="output .jsonl.xz")
    ap.add_argument("--region", default="全国", help="manifest region to keep (default 全国)")
    ap.add_argument("--category", action="append", help="categories to keep (default: national laws and regulations)")
    args = ap.parse_args(argv)
    categories = tuple(args.category or NATIONAL_CATEGORIES)
    manifest = [json.loads(line) for line in (args.laws / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    kept = 0
    with lzma.open(args.out, "wt", encoding="utf-8", preset=9) as out:
        for entry in manifest:
            if entry["region"] != args.region or entry["category"] not in categories:
                continue
            text = law_text((args.laws / entry["path"]).read_text(encoding="utf-8"), entry["title"])
            if not text:
                continue
            record = {k: entry[k] for k in ("path", "title", "category", "date")}
            record["text"] = text
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            kept += 1
    print(f"{kept} documents → {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
