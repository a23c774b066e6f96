import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dupcheck.fingerprint import Scheme, kgram_hashes, kgram_hashes64, kgram_hashes_reference, winnow, winnow_reference
from dupcheck.normalize import codepoints

SCHEME = Scheme.current()


def test_hash_is_stable_across_processes():
    # Fixed values: a stored index must stay readable by every later process.
    assert (
        kgram_hashes(codepoints("中华人民共和国"), 3, SCHEME.seed)[:2].tolist()
        == kgram_hashes_reference([ord(c) for c in "中华人"] + [ord("民")], 3, SCHEME.seed)[:2]
    )


@given(st.lists(st.integers(0, 0x10FFFF), max_size=40), st.integers(1, 9))
def test_vectorized_hash_equals_reference(codes, k):
    assert kgram_hashes(np.array(codes, dtype=np.uint32), k, 7).tolist() == kgram_hashes_reference(codes, k, 7)


@given(st.lists(st.integers(0, 50), max_size=60), st.integers(1, 8))
def test_vectorized_winnow_equals_reference(hashes, w):
    assert winnow(np.array(hashes, dtype=np.uint32), w).tolist() == winnow_reference(hashes, w)


def test_winnow_hand_computed():
    # windows of 3 over [5,1,4,1,3]: [5,1,4]→1@1, [1,4,1]→1@3 (rightmost), [4,1,3]→1@3
    assert winnow(np.array([5, 1, 4, 1, 3], dtype=np.uint32), 3).tolist() == [1, 3]


@settings(max_examples=50)
@given(
    st.text(alphabet="甲乙丙丁戊己庚辛壬癸", min_size=15, max_size=40),
    st.text(alphabet="子丑寅卯", max_size=30),
    st.text(alphabet="辰巳午未", max_size=30),
)
def test_winnowing_guarantee(shared, left, right):
    # Any shared run of w + k - 1 characters shares at least one selected fingerprint.
    s = SCHEME
    run = shared[: s.w + s.k - 1]
    a, b = codepoints(left + run + right), codepoints(right + run + left)
    ha, hb = kgram_hashes(a, s.k, s.seed), kgram_hashes(b, s.k, s.seed)
    fa, fb = set(ha[winnow(ha, s.w)].tolist()), set(hb[winnow(hb, s.w)].tolist())
    assert fa & fb


def test_hash_values_are_pinned():
    # Literal values: changing a mixing constant, a shift or the polynomial changes every stored
    # fingerprint, so an old index would open and silently mismatch. Such a change must change
    # these values and the scheme an index records (hash_constants), never pass unnoticed.
    codes = codepoints("中华人民共和国宪法第一条")
    assert kgram_hashes(codes, 8, SCHEME.seed).tolist() == [657100486, 1262872901, 1331689892, 343868910, 318091627]
    assert kgram_hashes64(codepoints("中华人民共和国"), 3, 7)[:3].tolist() == [
        12700506641407641306,
        11997529996366400681,
        3625919473673223367,
    ]
    assert SCHEME.hash_constants == "48cbb0dd159b"


def test_scheme_records_the_hash_constants(monkeypatch):
    from dupcheck import fingerprint

    monkeypatch.setattr(fingerprint, "_MIX1", np.uint64(0xBF58476D1CE4E5B7))
    assert Scheme.current().hash_constants != SCHEME.hash_constants
    assert Scheme.current().digest() != SCHEME.digest()
