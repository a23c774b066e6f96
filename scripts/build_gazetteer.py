"""Build dupcheck/data/places.txt: administrative place names, from jieba's dictionary.

jieba tags place names ``ns``. We keep those that end in an administrative suffix
(省 市 县 区 州 旗 盟, 自治区/自治州/自治县 …) and are at least three characters long, plus the
full and short names of the province-level divisions, so that an issuer swap such as
泉州市 → 石狮市 masks to the same token on both sides. The file is versioned by its hash in the
fingerprint scheme: rebuilding it with other contents makes old indexes refuse to open.

    python scripts/build_gazetteer.py
"""

from __future__ import annotations

import os
from pathlib import Path

import jieba

SUFFIXES = ("自治区", "自治州", "自治县", "自治旗", "特别行政区", "新区", "省", "市", "县", "区", "州", "旗", "盟")
# Regions, not issuers, or words jieba tags ns that are not place names in legal text.
EXCLUDE_PARTS = ("地区", "库区", "景区", "灾区", "山区", "牧区", "林区", "矿区", "城区", "市区", "郊区", "辖区",
                 "园区", "社区", "半旗", "开发区", "保护区", "示范区", "试验区", "自贸区", "特区", "老区", "边区", "小区")

PROVINCES = [
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省",
    "四川省", "贵州省", "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区",
    "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
]


def main() -> None:
    dict_path = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    names = set(PROVINCES)
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] != "ns":
            continue
        word = parts[0]
        if len(word) < 3 or not word.endswith(SUFFIXES) or any(x in word for x in EXCLUDE_PARTS):
            continue
        if word[0] in "一二三四五六七八九十百千各本全该此某":
            continue
        names.add(word)
    for name in PROVINCES:  # short forms: 北京, 内蒙古, 广西 …
        short = name.removesuffix("特别行政区").removesuffix("省").removesuffix("市").removesuffix("自治区")
        for ethnic in ("壮族", "回族", "维吾尔"):
            short = short.removesuffix(ethnic)
        if len(short) >= 2:
            names.add(short)
    out = Path(__file__).resolve().parents[1] / "dupcheck" / "data" / "places.txt"
    out.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    print(f"{len(names)} place names → {out}")


if __name__ == "__main__":
    main()
