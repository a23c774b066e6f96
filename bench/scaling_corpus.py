"""A deterministic scaling corpus: the laws corpus grown with the structure of real archives.

    python bench/scaling_corpus.py --target-chars 100e6 --seed 1 --out out/scale-100m.jsonl.xz

Real archives are not 100 M characters of unrelated texts. They hold, for most documents, a few
revisions, and families of siblings written from one model. Starting from every file of
``../shared/corpora/laws`` (read-only), this script adds:

- **families** of 5–20 siblings that share 30–60 % of their text: either every province's
  regulation on one subject (a local regulation's common core of articles, the issuer and the
  place names swapped for another province and its cities, the rest of each sibling its own
  articles taken from other documents), or one ministry's rules on one procedure (the core of a
  national rule under one ministry's name, each sibling on another object of the procedure);
- **revisions**: each document, original or sibling, gets 0–3 later versions, each 70–98 % the
  same text as the version before (words edited, articles inserted and dropped, articles
  renumbered as a revision does).

Records are written in *clusters* (a document with its revisions, or a whole family with the
revisions of its siblings), clusters in a seeded random order, so that any prefix of the file (a
quarter, a half) has the same structure as the whole: ``bench/bench_scale.py`` cuts its subsets as
prefixes. Each record is a corpus record (``path``, ``title``, ``text``) plus ``kind``
(original / sibling / revision), ``cluster`` and ``origin`` (the path it was made from).
The same seed and target always give the same file (byte for byte, given the same laws corpus).
"""

from __future__ import annotations

import argparse
import json
import lzma
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.benchcases import cn_number  # noqa: E402

LAWS = ROOT.parent / "shared" / "corpora" / "laws"

ARTICLE = re.compile(r"(?m)^第[一二三四五六七八九十百千零〇]+条")
PROVINCES = [
    "北京市",
    "天津市",
    "河北省",
    "山西省",
    "内蒙古自治区",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "上海市",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "广西壮族自治区",
    "海南省",
    "重庆市",
    "四川省",
    "贵州省",
    "云南省",
    "西藏自治区",
    "陕西省",
    "甘肃省",
    "青海省",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
]
MINISTRIES = [
    "交通运输部",
    "农业农村部",
    "生态环境部",
    "自然资源部",
    "住房和城乡建设部",
    "商务部",
    "文化和旅游部",
    "国家卫生健康委员会",
    "应急管理部",
    "市场监督管理总局",
    "水利部",
    "民政部",
    "人力资源和社会保障部",
    "工业和信息化部",
]
OBJECTS = [
    "道路运输",
    "港口经营",
    "船舶检验",
    "种子生产",
    "兽药经营",
    "危险废物",
    "排污许可",
    "土地登记",
    "矿业权",
    "建筑施工",
    "物业服务",
    "对外贸易",
    "旅行社",
    "演出经纪",
    "医疗机构",
    "消防产品",
    "特种设备",
    "计量器具",
    "取水许可",
    "河道采砂",
    "社会团体",
    "养老机构",
    "职业培训",
    "劳务派遣",
    "无线电",
    "电信业务",
    "网络安全",
    "食品经营",
    "药品零售",
    "广告发布",
    "殡葬服务",
    "档案管理",
]
ORIGINAL_SHARE = 0.55  # of the target: the laws with their revisions; families fill the rest
EDIT_CHARS = "的和与及或应当可以不得按照规定有关部门单位管理工作组织实施办法情况予以进行加强建立健全完善"


def split(text: str) -> tuple[str, list[str]]:
    """(head: title and promulgation notes, articles without their labels)."""
    marks = [m.start() for m in ARTICLE.finditer(text)]
    if not marks:
        return text, []
    head = text[: marks[0]]
    bodies = [text[a:b] for a, b in zip(marks, [*marks[1:], len(text)])]
    return head, [ARTICLE.sub("", body, count=1).lstrip() for body in bodies]


def join(head: str, articles: list[str]) -> str:
    """Articles numbered afresh, as every revision and every sibling does."""
    return head + "".join(f"第{cn_number(n)}条 {body}" for n, body in enumerate(articles, 1))


class Grower:
    def __init__(self, docs: list[dict], seed: int) -> None:
        self.rnd = random.Random(seed)
        self.docs = docs
        self.pool = [a for d in docs for a in split(d["text"])[1] if 30 <= len(a) <= 600]
        self.serial = 0

    def foreign(self, chars: int) -> list[str]:
        """Articles from anywhere in the corpus, about ``chars`` characters."""
        out, n = [], 0
        while n < chars:
            a = self.rnd.choice(self.pool)
            out.append(a)
            n += len(a)
        return out

    def edit(self, body: str, share: float) -> str:
        """Words edited in about ``share`` of the characters of ``body``."""
        chars = list(body)
        budget = int(len(chars) * share)
        while budget > 0 and len(chars) > 8:
            at = self.rnd.randrange(len(chars) - 4)
            span = self.rnd.randint(1, 4)
            new = [self.rnd.choice(EDIT_CHARS) for _ in range(self.rnd.randint(1, 4))]
            chars[at : at + span] = new
            budget -= max(span, len(new))
        return "".join(chars)

    def revise(self, text: str) -> str:
        """A later version, 70–98 % the same text: articles edited, dropped and inserted."""
        head, articles = split(text)
        change = self.rnd.uniform(0.02, 0.30)
        if not articles:
            return self.edit(text, change)
        total = sum(map(len, articles)) or 1
        out = []
        for a in articles:
            r = self.rnd.random()
            if r < change * 0.3:
                continue  # dropped
            out.append(self.edit(a, change * 0.5) if r < change * 1.5 else a)
            if self.rnd.random() < change * 0.3:
                out.extend(self.foreign(len(a)))  # inserted
        if not out:
            out = articles[:1]
        edited_head = head.replace("通过", "修订", 1) if self.rnd.random() < 0.5 else head
        assert total
        return join(edited_head, out)

    def family(self, template: dict, size: int) -> list[tuple[str, str, str]]:
        """Siblings of ``template`` sharing 30–60 % of their text: (path, title, text)."""
        head, articles = split(template["text"])
        share = self.rnd.uniform(0.30, 0.60)
        core = sorted(self.rnd.sample(range(len(articles)), max(1, round(len(articles) * share))))
        core_set = set(core)
        own_chars = sum(len(articles[i]) for i in range(len(articles)) if i not in core_set)
        title = template["title"]
        local = template["path"].startswith("地方性法规/")
        members = []
        if local:
            province = next((p for p in PROVINCES if title.startswith(p) or title.startswith(p[:2])), None)
            old = province or title[:3]
            names = self.rnd.sample([p for p in PROVINCES if p != province], size)
        else:
            ministry = self.rnd.choice(MINISTRIES)
            names = self.rnd.sample(OBJECTS, min(size, len(OBJECTS)))
        for k, name in enumerate(names):
            own = self.foreign(own_chars)
            body: list[str] = []
            spots = sorted(self.rnd.sample(range(len(core) + len(own)), len(core)))
            it_core, it_own = iter(core), iter(own)
            for pos in range(len(core) + len(own)):
                body.append(self.edit(articles[next(it_core)], 0.03) if pos in spots else next(it_own))
            if local:
                new_title = title.replace(old, name) if old in title else name + title
                new_head = head.replace(old, name).replace(old[:2], name[:2])
                body = [a.replace(old, name).replace(old[:2], name[:2]) for a in body]
            else:
                new_title = f"{ministry}{name}{title[-6:] if len(title) > 6 else title}"
                new_head = f"# {new_title}\n\n{ministry}令\n\n<!-- INFO END -->\n\n"
            self.serial += 1
            members.append((f"scale/family/{self.serial:06d}-{k:02d}.md", new_title, join(new_head, body)))
        return members


def load_laws(root: Path) -> list[dict]:
    docs = []
    for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines():
        m = json.loads(line)
        text = (root / m["path"]).read_text(encoding="utf-8")
        if text.strip():
            docs.append({"path": m["path"], "title": m["title"], "text": text})
    return docs


def build(target_chars: float, seed: int, laws: Path = LAWS) -> list[list[dict]]:
    """Clusters of records, in output order."""
    docs = load_laws(laws)
    g = Grower(docs, seed)
    rnd = g.rnd
    clusters: list[list[dict]] = []

    def with_revisions(path: str, title: str, text: str, kind: str, cluster: int, origin: str) -> list[dict]:
        out = [{"path": path, "title": title, "text": text, "kind": kind, "cluster": cluster, "origin": origin}]
        for r in range(rnd.choices([0, 1, 2, 3], weights=[35, 30, 20, 15])[0]):
            text = g.revise(text)
            out.append(
                {
                    "path": f"{path.rsplit('.', 1)[0]}.rev{r + 1}.md",
                    "title": f"{title}（修订{r + 1}）",
                    "text": text,
                    "kind": "revision",
                    "cluster": cluster,
                    "origin": path,
                }
            )
        return out

    for d in docs:
        clusters.append(with_revisions(d["path"], d["title"], d["text"], "original", len(clusters), d["path"]))
    rnd.shuffle(clusters)
    total, kept = 0, []
    for c in clusters:  # originals with their revisions: 55 % of the target (all of them from 75 M up)
        if total >= ORIGINAL_SHARE * target_chars:
            break
        kept.append(c)
        total += sum(len(r["text"]) for r in c)
    clusters = kept
    templates = [d for d in docs if len(split(d["text"])[1]) >= 10]
    while total < target_chars:
        template = rnd.choice(templates)
        members = []
        cluster = len(clusters)
        for path, title, text in g.family(template, rnd.randint(5, 20)):
            members += with_revisions(path, title, text, "sibling", cluster, template["path"])
        clusters.append(members)
        total += sum(len(r["text"]) for r in members)
    rnd.shuffle(clusters)
    return clusters


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--target-chars", type=float, default=100e6)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--laws", type=Path, default=LAWS)
    ap.add_argument("--out", type=Path, required=True, help="a .jsonl.xz (or .jsonl) file")
    args = ap.parse_args(argv)
    clusters = build(args.target_chars, args.seed, args.laws)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    opener = lzma.open if args.out.suffix == ".xz" else open
    kinds: dict[str, int] = {}
    chars = 0
    with opener(args.out, "wt", encoding="utf-8") as fh:
        for c in clusters:
            for r in c:
                fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
                chars += len(r["text"])
    print(
        f"{args.out}: {sum(kinds.values())} documents, {chars / 1e6:.1f} M characters, {len(clusters)} clusters, "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
