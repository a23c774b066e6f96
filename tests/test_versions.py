"""Which version of a document a report keeps when several matched (dupcheck/versions.py)."""

from __future__ import annotations

from dupcheck.api import Index

OLD = (
    "第一条 为了发展矿业，加强矿产资源的勘查、开发利用和保护工作，保障社会主义现代化建设的当前和长远的需要，根据中华人民共和国宪法，特制定本法。\n"
    "第二条 在中华人民共和国领域及管辖海域勘查、开采矿产资源，必须遵守本法。\n"
    "第三条 矿产资源属于国家所有，由国务院行使国家对矿产资源的所有权。地表或者地下的矿产资源的国家所有权，不因其所依附的土地的所有权或者使用权的不同而改变。\n"
    "第四条 国家保障依法设立的矿山企业开采矿产资源的合法权益。国有矿山企业是开采矿产资源的主体。"
)
NEW = (
    "第一条 为了促进矿产资源合理开发利用，加强矿产资源和生态环境保护，维护矿产资源国家所有者权益和矿业权人合法权益，推动矿业高质量发展，制定本法。\n"
    "第二条 在中华人民共和国领域及管辖的其他海域勘查、开采矿产资源，适用本法。\n"
    "第三条 矿产资源属于国家所有，由国务院代表国家行使矿产资源的所有权。地表或者地下的矿产资源的国家所有权，不因其所依附的土地的所有权或者使用权的不同而改变。\n"
    "第四条 矿产资源开发利用和保护工作应当坚持统筹规划、节约集约、绿色低碳的原则。"
)


def test_a_draft_copying_the_superseded_version_is_reported_against_it(tmp_path):
    # The draft copies the 2009 text and one new article of the 2024 rewrite, which keeps one
    # sentence of the old text. Keeping the version in force would credit only those two and
    # drop the rest of the copy.
    with Index.open(tmp_path / "i.sqlite") as idx:
        idx.add_texts(
            [
                ("法/矿产资源法(2009-08-27).md", "中华人民共和国矿产资源法\n" + OLD, "中华人民共和国矿产资源法"),
                ("法/矿产资源法(2024-11-08).md", "中华人民共和国矿产资源法\n" + NEW, "中华人民共和国矿产资源法"),
            ]
        )
        report = idx.check_text("某省实施办法\n" + OLD.replace("本法", "本办法") + "\n" + NEW.split("\n")[-1])
    [source] = report.sources
    assert source.path == "法/矿产资源法(2009-08-27).md"
    assert source.other_versions == ("法/矿产资源法(2024-11-08).md",)
    assert report.copy_rate > 0.75


def test_the_version_in_force_is_kept_when_it_explains_as_much(tmp_path):
    # Both versions hold the copied 第三条 word for word, and the draft copies one new article of
    # the version in force too: that version is reported, with everything the draft copied.
    shared = "第三条 矿产资源属于国家所有，由国务院代表国家行使矿产资源的所有权。地表或者地下的矿产资源的国家所有权，不因其所依附的土地的所有权或者使用权的不同而改变。"
    with Index.open(tmp_path / "i.sqlite") as idx:
        idx.add_texts(
            [
                (
                    "法/矿产资源法(2009-08-27).md",
                    "中华人民共和国矿产资源法\n" + OLD + "\n" + shared,
                    "中华人民共和国矿产资源法",
                ),
                ("法/矿产资源法(2024-11-08).md", "中华人民共和国矿产资源法\n" + NEW, "中华人民共和国矿产资源法"),
            ]
        )
        report = idx.check_text("某省实施办法\n" + shared + "\n" + NEW.split("\n")[-1])
    assert [s.path for s in report.sources] == ["法/矿产资源法(2024-11-08).md"]
    assert report.copy_rate > 0.9
