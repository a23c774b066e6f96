"""Take the README's screenshots of the HTML report (docs/img/report-*.png): the Shandong and Henan
examples checked against the shipped default corpus, rendered by the real HTML renderer, opened in
Debian's chromium through Playwright (``playwright install`` cannot download browsers here)::

    DUPCHECK_CACHE=$PWD/.cache/dupcheck .venv/bin/python scripts/report_screenshots.py [docs/img]

Re-run it when a change moves the examples' figures or the report's layout; the README quotes the
figures beside each screenshot.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from dupcheck.api import Index
from dupcheck.default import example_drafts
from dupcheck.render import render_html

CHROMIUM = "/usr/bin/chromium"
SHOTS = {"shandong-deputies-law": "report-shandong.png", "henan-assembly-law": "report-henan.png"}
VIEWPORT = {"width": 1200, "height": 2000}  # the summary, the sources and the top of the article map


def main(out: Path) -> None:
    from playwright.sync_api import sync_playwright

    # The README's own command line, relative to the checkout, so the page shows that path.
    shipped = Path("corpora/examples")
    drafts = {d.stem: shipped / d.name if (shipped / d.name).exists() else d for d in example_drafts()}
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, Index.default() as index, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--lang=zh-CN"])
        page = browser.new_page(viewport=VIEWPORT, locale="zh-CN")
        for stem, shot in SHOTS.items():
            report = index.check(drafts[stem])
            html = Path(tmp) / f"{stem}.html"
            html.write_text(render_html(report, corpus_name=report.corpus), encoding="utf-8")  # as check --html
            page.goto(html.as_uri())
            page.screenshot(path=str(out / shot))
            print(f"{out / shot}: {report.copy_rate:.1%}", file=sys.stderr)
        browser.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/img"))
