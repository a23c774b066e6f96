import itertools

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer

from dupcheck.align import AlignParams, chain, chain_reference, maximal_exact_matches
from dupcheck.fingerprint import Scheme, bigram_features, fingerprints
from dupcheck.matchkey import match_key
from dupcheck.normalize import codepoints
from dupcheck.retrieve import Retriever, smooth_idf, weigh

TEXTS = [
    "第一条为了规范行政许可的设定和实施保护公民法人和其他组织的合法权益制定本法",
    "第一条为了加强食品安全监督管理保障公众身体健康和生命安全制定本条例",
    "第二条行政许可的设定和实施应当遵循公开公平公正非歧视的原则",
    "第三条县级以上人民政府应当加强对食品安全工作的领导",
]


def test_tfidf_weighting_equals_scikit_learn():
    scheme = Scheme.current()
    rows = [bigram_features(codepoints(match_key(t).text), scheme) for t in TEXTS]
    matrix = sp.csr_matrix(
        (
            np.concatenate([c for _, c in rows]).astype(np.float64),
            (np.repeat(np.arange(len(rows)), [len(i) for i, _ in rows]), np.concatenate([i for i, _ in rows])),
        ),
        shape=(len(rows), scheme.bigrams),
    )
    sk = TfidfTransformer(sublinear_tf=True).fit(matrix)
    idf = smooth_idf(np.bincount(matrix.indices, minlength=scheme.bigrams), len(rows))
    assert np.allclose(idf, sk.idf_, rtol=1e-6)
    assert np.allclose(weigh(matrix, idf).toarray(), sk.transform(matrix).toarray(), atol=1e-6)


def _retriever(texts: list[str], scheme: Scheme) -> Retriever:
    """A retriever over ``texts`` as documents 1, 2, …"""
    feats = []
    for n, t in enumerate(texts, start=1):
        codes = codepoints(match_key(t).text)
        ids, counts = bigram_features(codes, scheme)
        feats.append((n, fingerprints(codes, scheme), ids, counts))
    return Retriever.build(feats, scheme)


def test_retriever_ranks_the_copied_document_first():
    scheme = Scheme.current()
    r = _retriever(TEXTS, scheme)
    draft = codepoints(match_key("第九条为了加强食品安全监督管理保障公众身体健康和生命安全制定本办法").text)
    assert r.candidates(draft)[0].doc_id == 2
    assert np.argmax(r.cosine(draft)) == 1
    assert r.cosine(codepoints(""))[0] == 0


def test_fast_chain_equals_reference_on_real_text():
    from dupcheck.corpus import read_corpus
    from dupcheck.default import default_corpus_path

    records = [r["text"] for _, r in zip(range(12), read_corpus(default_corpus_path()))]
    params = AlignParams()
    for a, b in zip(records, [*records[1:], records[0][: len(records[0]) // 2] + records[3]]):
        mems = maximal_exact_matches(
            codepoints(match_key(a).text), codepoints(match_key(b).text), params.k, params.max_occurrences
        )
        assert chain(mems, params) == chain_reference(mems, params)


def test_lone_short_mems_left_out_change_no_chain():
    from dupcheck.align import linkable
    from dupcheck.corpus import read_corpus
    from dupcheck.default import default_corpus_path

    records = [r["text"] for _, r in zip(range(16), read_corpus(default_corpus_path()))]
    params = AlignParams()
    dropped = 0
    for a, b in itertools.pairwise(records):
        mems = maximal_exact_matches(
            codepoints(match_key(a).text), codepoints(match_key(b).text), params.k, params.max_occurrences
        )
        keep = linkable(mems, params) | (mems[:, 2] >= params.min_matched)
        dropped += int((~keep).sum())
        full = sorted(
            mems[c].tolist() for c in chain_reference(mems, params) if mems[c][:, 2].sum() >= params.min_matched
        )
        sub = mems[keep]
        part = sorted(sub[c].tolist() for c in chain(sub, params) if sub[c][:, 2].sum() >= params.min_matched)
        assert full == part
    assert dropped > 0


def test_the_cover_takes_every_document_that_ties_with_the_best():
    # Siblings of the copied document (stored first) explain exactly the same draft positions:
    # the fingerprints cannot tell them apart, alignment can, so all of them are candidates.
    from dupcheck.retrieve import greedy_cover

    scheme = Scheme.current()
    copied = "第六十二条制定与市场主体生产经营活动密切相关的行政法规规章行政规范性文件应当按照国务院的规定充分听取市场主体行业协会商会的意见"
    texts = [copied + "第一条其他规定甲", copied + "第一条其他规定乙", copied + "第二条本条例自公布之日起施行"]
    r = _retriever(texts, scheme)
    draft = codepoints(match_key("第五条" + copied[5:]).text)
    assert sorted(r.doc_ids[greedy_cover(r, draft, min_gain=0.002, max_chosen=32)].tolist()) == [1, 2, 3]
