"""Build dupcheck/data/places.txt: administrative place names, from jieba's dictionary.

jieba tags place names ``ns``. We keep those that end in an administrative suffix
(省 市 县 区 州 旗 盟, 自治区/自治州/自治县 …) and are at least three characters long, plus the
full and short names of the province-level divisions and every prefecture-level one, so that an issuer swap such as
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
EXCLUDE_PARTS = (
    "地区",
    "库区",
    "景区",
    "灾区",
    "山区",
    "牧区",
    "林区",
    "矿区",
    "城区",
    "市区",
    "郊区",
    "辖区",
    "园区",
    "社区",
    "半旗",
    "开发区",
    "保护区",
    "示范区",
    "试验区",
    "自贸区",
    "特区",
    "老区",
    "边区",
    "小区",
)

# Words jieba tags ns that are common nouns in legal text, not places (大中城市, 文明城市,
# 非上市公司); masking them would make 特大城市 read like 北京市.
EXCLUDE_WORDS = frozenset(
    """
后方城市 周边城市 大中城市 大城市 大都市 宜居城市 文明城市 港口城市 特大城市 田园城市 第九城市 繁华都市
图书超市 大型超市 网上超市 苏果超市 柳营花市 柳衢花市 非上市
""".split()
)

PROVINCES = [
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
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
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
]

# Every prefecture-level division (地级行政区, 2023, plus 莱芜市 and 襄樊市 of older documents).
# jieba's dictionary lacks one in nine of them (东营市, 焦作市, 周口市 …), and the numeral filter
# below would drop 三门峡市, 六安市, 九江市 …; a swap of these issuers must mask like any other.
PREFECTURES = """
石家庄市 唐山市 秦皇岛市 邯郸市 邢台市 保定市 张家口市 承德市 沧州市 廊坊市 衡水市
太原市 大同市 阳泉市 长治市 晋城市 朔州市 晋中市 运城市 忻州市 临汾市 吕梁市
呼和浩特市 包头市 乌海市 赤峰市 通辽市 鄂尔多斯市 呼伦贝尔市 巴彦淖尔市 乌兰察布市 兴安盟 锡林郭勒盟 阿拉善盟
沈阳市 大连市 鞍山市 抚顺市 本溪市 丹东市 锦州市 营口市 阜新市 辽阳市 盘锦市 铁岭市 朝阳市 葫芦岛市
长春市 吉林市 四平市 辽源市 通化市 白山市 松原市 白城市 延边朝鲜族自治州
哈尔滨市 齐齐哈尔市 鸡西市 鹤岗市 双鸭山市 大庆市 伊春市 佳木斯市 七台河市 牡丹江市 黑河市 绥化市
南京市 无锡市 徐州市 常州市 苏州市 南通市 连云港市 淮安市 盐城市 扬州市 镇江市 泰州市 宿迁市
杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 衢州市 舟山市 台州市 丽水市
合肥市 芜湖市 蚌埠市 淮南市 马鞍山市 淮北市 铜陵市 安庆市 黄山市 滁州市 阜阳市 宿州市 六安市 亳州市 池州市 宣城市
福州市 厦门市 莆田市 三明市 泉州市 漳州市 南平市 龙岩市 宁德市
南昌市 景德镇市 萍乡市 九江市 新余市 鹰潭市 赣州市 吉安市 宜春市 抚州市 上饶市
济南市 青岛市 淄博市 枣庄市 东营市 烟台市 潍坊市 济宁市 泰安市 威海市 日照市 临沂市 德州市 聊城市 滨州市 菏泽市 莱芜市
郑州市 开封市 洛阳市 平顶山市 安阳市 鹤壁市 新乡市 焦作市 濮阳市 许昌市 漯河市 三门峡市 南阳市 商丘市 信阳市 周口市 驻马店市 济源市
武汉市 黄石市 十堰市 宜昌市 襄阳市 襄樊市 鄂州市 荆门市 孝感市 荆州市 黄冈市 咸宁市 随州市 恩施土家族苗族自治州 仙桃市 潜江市 天门市
长沙市 株洲市 湘潭市 衡阳市 邵阳市 岳阳市 常德市 张家界市 益阳市 郴州市 永州市 怀化市 娄底市 湘西土家族苗族自治州
广州市 韶关市 深圳市 珠海市 汕头市 佛山市 江门市 湛江市 茂名市 肇庆市 惠州市 梅州市 汕尾市 河源市 阳江市 清远市 东莞市 中山市 潮州市 揭阳市 云浮市
南宁市 柳州市 桂林市 梧州市 北海市 防城港市 钦州市 贵港市 玉林市 百色市 贺州市 河池市 来宾市 崇左市
海口市 三亚市 三沙市 儋州市
成都市 自贡市 攀枝花市 泸州市 德阳市 绵阳市 广元市 遂宁市 内江市 乐山市 南充市 眉山市 宜宾市 广安市 达州市 雅安市 巴中市 资阳市
阿坝藏族羌族自治州 甘孜藏族自治州 凉山彝族自治州
贵阳市 六盘水市 遵义市 安顺市 毕节市 铜仁市 黔西南布依族苗族自治州 黔东南苗族侗族自治州 黔南布依族苗族自治州
昆明市 曲靖市 玉溪市 保山市 昭通市 丽江市 普洱市 临沧市 楚雄彝族自治州 红河哈尼族彝族自治州 文山壮族苗族自治州
西双版纳傣族自治州 大理白族自治州 德宏傣族景颇族自治州 怒江傈僳族自治州 迪庆藏族自治州
拉萨市 日喀则市 昌都市 林芝市 山南市 那曲市
西安市 铜川市 宝鸡市 咸阳市 渭南市 延安市 汉中市 榆林市 安康市 商洛市
兰州市 嘉峪关市 金昌市 白银市 天水市 武威市 张掖市 平凉市 酒泉市 庆阳市 定西市 陇南市 临夏回族自治州 甘南藏族自治州
西宁市 海东市 海北藏族自治州 黄南藏族自治州 海南藏族自治州 果洛藏族自治州 玉树藏族自治州 海西蒙古族藏族自治州
银川市 石嘴山市 吴忠市 固原市 中卫市
乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市 昌吉回族自治州 博尔塔拉蒙古自治州 巴音郭楞蒙古自治州 克孜勒苏柯尔克孜自治州 伊犁哈萨克自治州
""".split()


def main() -> None:
    dict_path = Path(os.path.dirname(jieba.__file__)) / "dict.txt"
    names = set(PROVINCES) | set(PREFECTURES)
    for line in dict_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[2] != "ns":
            continue
        word = parts[0]
        if (
            len(word) < 3
            or not word.endswith(SUFFIXES)
            or any(x in word for x in EXCLUDE_PARTS)
            or word in EXCLUDE_WORDS
        ):
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
