"""Posting lists inside the index file, so that checking one draft reads only what the draft needs.

Opening an index used to load every document's fingerprints and bigram counts and build the
retrieval tables in memory (:meth:`dupcheck.retrieve.Retriever.build`): 4.5 s and 834 MB for one
draft against 44 M characters. Here the same tables are stored, already sorted, as raw
(uncompressed) blobs in the SQLite file, and a draft reads them with SQLite's incremental blob I/O
(``Connection.blobopen``): the sorted fingerprint column whole (4 bytes a posting), then only the
owner rows of the hashes the draft has and only the bigram columns of the draft's bigrams.

**Segments.** Each write transaction that adds documents appends one *segment*: the postings of
the documents it added, in the same transaction as the documents (never half-written). A removed
or replaced document's postings stay in their segment and are skipped (their id is no longer a
live document). When there are more than ``MAX_SEGMENTS`` segments, or a quarter of the rows are
dead, the write rebuilds one segment from the ``features`` table instead.

**Exact results.** Containment counts only live documents' postings, so it is the same integer
arithmetic as the in-memory retriever. The TF-IDF channel keeps the document frequencies of the
live documents exactly (a dense table updated by every write) and a segment stores its documents'
vector norms under the frequencies of the write that made it. When a later write changed the
frequencies, those norms are slightly stale: the best-ranked documents under them (a generous
shortlist) are then re-scored with norms computed afresh from their stored counts.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from dupcheck.fingerprint import Scheme, bigram_features, gather, kgram_hashes
from dupcheck.retrieve import Retriever

MAX_SEGMENTS = 8
LOOKUP_CHUNK = 1 << 20  # fingerprints read at a time when a draft's hashes are looked up
COSINE_CHUNK = 1 << 18  # bigram postings scored at a time
READ_GAP = 4096  # items between two slices of a blob below which they are read as one piece
SHORTLIST = 64  # documents re-scored with exact norms when a segment's norms are stale

TABLES = """
CREATE TABLE IF NOT EXISTS postings_state (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS postings_segments (
    id INTEGER PRIMARY KEY,
    rows INTEGER NOT NULL,
    df_version INTEGER NOT NULL,
    docs BLOB NOT NULL,
    norms BLOB NOT NULL,
    fp_hashes BLOB NOT NULL,
    fp_rows BLOB NOT NULL,
    bg_indptr BLOB NOT NULL,
    bg_rows BLOB NOT NULL,
    bg_counts BLOB NOT NULL,
    bg_overflow BLOB NOT NULL
)
"""


def _row_dtype(rows: int) -> str:
    return "<u2" if rows < 1 << 16 else "<u4"


def _tf(counts: np.ndarray) -> np.ndarray:
    return (1.0 + np.log(counts.astype(np.float32))).astype(np.float32)


_TF = np.concatenate([np.zeros(1, np.float32), _tf(np.arange(1, 256))])
"""``_tf`` of every stored count (a byte; 0 for none), looked up instead of computed per posting."""


def idf_of(df: np.ndarray, n: int) -> np.ndarray:
    """scikit-learn's smooth idf (float32), as :func:`dupcheck.retrieve.smooth_idf`."""
    return (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)


def doc_norms(indptr: np.ndarray, ids: np.ndarray, counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """l2 norms of sublinear-tf × idf vectors given as CSR rows (float32, as ``retrieve.weigh``)."""
    data = (_tf(counts) * idf[ids]).astype(np.float32)
    row_of = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
    norms = np.sqrt(np.bincount(row_of, weights=data.astype(np.float64) ** 2, minlength=len(indptr) - 1))
    norms[norms == 0] = 1.0
    return norms.astype(np.float32)


def _runs(group: np.ndarray) -> tuple[list[int], list[int]]:
    """(starts, ends) of the runs of equal values in a non-decreasing array."""
    cut = (np.flatnonzero(np.diff(group)) + 1).tolist()
    return [0, *cut], [*cut, len(group)]


@dataclass
class _Added:
    doc_id: int
    fingerprints: np.ndarray
    bigram_ids: np.ndarray
    bigram_counts: np.ndarray


def ensure_tables(conn: sqlite3.Connection) -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            conn.execute(statement)


def _get(conn: sqlite3.Connection, key: str) -> bytes | None:
    row = conn.execute("SELECT value FROM postings_state WHERE key=?", (key,)).fetchone()
    return None if row is None else row[0]


def _need(conn: sqlite3.Connection, key: str) -> bytes:
    """A state value that current postings always have."""
    value = _get(conn, key)
    if value is None:
        raise KeyError(f"postings state {key!r} missing")
    return value


def _set(conn: sqlite3.Connection, key: str, value: bytes | int) -> None:
    conn.execute(
        "INSERT INTO postings_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value)
    )


def _unpack_features(fp: bytes, ids: bytes, counts: bytes):
    from dupcheck.store import unpack

    return unpack(fp), unpack(ids), unpack(counts)


class PostingsWriter:
    """Collects one transaction's changes and writes them as postings (call :meth:`finish` inside it)."""

    def __init__(self, store, scheme: Scheme) -> None:
        self.store = store
        self.scheme = scheme
        self.added: list[_Added] = []
        self.removed_bigrams: list[np.ndarray] = []

    def removing(self, path: str) -> None:
        """Call before the document at ``path`` is removed or replaced."""
        row = self.store.conn.execute(
            "SELECT f.bigram_ids FROM documents d JOIN features f ON f.doc_id = d.id WHERE d.path=?", (path,)
        ).fetchone()
        if row is not None:
            from dupcheck.store import unpack

            self.removed_bigrams.append(unpack(row[0]))

    def added_document(
        self, doc_id: int, fingerprints: np.ndarray, bigram_ids: np.ndarray, bigram_counts: np.ndarray
    ) -> None:
        self.added.append(_Added(doc_id, fingerprints, bigram_ids, bigram_counts))

    def finish(self) -> None:
        conn = self.store.conn
        ensure_tables(conn)
        live = np.array([r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")], dtype=np.int64)
        segments = list(conn.execute("SELECT id, rows, docs FROM postings_segments"))
        fresh = self._fresh
        total_rows = sum(r[1] for r in segments)
        dead = total_rows - sum(int(np.isin(np.frombuffer(d, "<u4"), live).sum()) for _, _, d in segments)
        if (
            not fresh
            or len(segments) >= MAX_SEGMENTS
            or dead > max(1000, total_rows // 4)
            or (not segments and len(live) > len(self.added))
        ):
            self._compact(live)
        else:
            df = np.frombuffer(_need(conn, "df"), dtype="<u4").astype(np.int64)
            for a in self.added:
                df[a.bigram_ids] += 1
            for ids in self.removed_bigrams:
                df[ids] -= 1
            version = int(_need(conn, "df_version")) + 1
            _set(conn, "df", df.astype("<u4").tobytes())
            _set(conn, "df_version", version)
            if self.added:
                self._write_segment(self.added, idf_of(df, len(live)), version)
        _set(conn, "generation", self.store.generation())
        self.added, self.removed_bigrams = [], []

    def start(self) -> PostingsWriter:
        """Call at the start of the transaction: appending is only right onto postings that are current."""
        ensure_tables(self.store.conn)
        self._fresh = is_current(self.store)
        return self

    def _compact(self, live: np.ndarray) -> None:
        conn = self.store.conn
        conn.execute("DELETE FROM postings_segments")
        items = []
        for doc_id, fp, ids, counts in conn.execute(
            "SELECT doc_id, fingerprints, bigram_ids, bigram_counts FROM features ORDER BY doc_id"
        ):
            items.append(_Added(doc_id, *_unpack_features(fp, ids, counts)))
        df = np.zeros(self.scheme.bigrams, dtype=np.int64)
        for a in items:
            df[a.bigram_ids] += 1
        version = int(_get(conn, "df_version") or 0) + 1
        _set(conn, "df", df.astype("<u4").tobytes())
        _set(conn, "df_version", version)
        if items:
            self._write_segment(items, idf_of(df, len(live)), version)

    def _write_segment(self, items: list[_Added], idf: np.ndarray, version: int) -> None:
        items = sorted(items, key=lambda a: a.doc_id)
        n = len(items)
        dt = _row_dtype(n)
        docs = np.array([a.doc_id for a in items], dtype="<u4")
        fp = np.concatenate(
            [a.fingerprints.astype(np.uint64) << np.uint64(32) | np.uint64(r) for r, a in enumerate(items)]
            or [np.zeros(0, np.uint64)]
        )
        fp.sort()
        hashes = (fp >> np.uint64(32)).astype("<u4")
        fp_rows = (fp & np.uint64(0xFFFFFFFF)).astype(dt)
        del fp
        indptr = np.concatenate([[0], np.cumsum([len(a.bigram_ids) for a in items])]).astype(np.int64)
        ids = np.concatenate([a.bigram_ids for a in items]).astype(np.int32)
        counts = np.concatenate([a.bigram_counts for a in items]).astype(np.int32)
        norms = doc_norms(indptr, ids, counts, idf)
        csc = sp.csr_matrix((counts, ids, indptr), shape=(n, self.scheme.bigrams)).tocsc()
        del ids, counts
        col_counts = csc.data
        big = np.flatnonzero(col_counts > 255)
        overflow = np.stack([big, col_counts[big]], axis=1).astype("<u4") if len(big) else np.zeros((0, 2), "<u4")
        self.store.conn.execute(
            "INSERT INTO postings_segments (rows, df_version, docs, norms, fp_hashes, fp_rows, bg_indptr, bg_rows, "
            "bg_counts, bg_overflow) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (
                n,
                version,
                docs.tobytes(),
                norms.astype("<f4").tobytes(),
                hashes.tobytes(),
                fp_rows.tobytes(),
                csc.indptr.astype("<u4").tobytes(),
                csc.indices.astype(dt).tobytes(),
                np.minimum(col_counts, 255).astype("u1").tobytes(),
                overflow.tobytes(),
            ),
        )


@dataclass
class _Segment:
    rowid: int
    rows: int
    df_version: int
    docs: np.ndarray  # uint32 doc ids of the segment's rows
    live_row: np.ndarray  # row of the retriever (live documents by id) for each segment row, -1 if dead
    norms: np.ndarray
    postings: int  # fingerprints in the segment (its fp_hashes column: sorted uint32, read in chunks)
    indptr: np.ndarray  # bigram column pointers
    overflow: dict[int, int]
    offset: int  # when every row is live and the rows are retriever rows offset, offset + 1, …: offset; else -1


def is_current(store) -> bool:
    """Whether the stored postings describe the documents as they are now (else: load fully)."""
    try:
        value = _get(store.conn, "generation")
    except sqlite3.OperationalError:
        return False
    return value is not None and int(value) == store.generation()


class LazyRetriever(Retriever):
    """The retriever's two channels over the stored postings; reads only what a draft needs.

    Same interface as :class:`dupcheck.retrieve.Retriever` for ``candidates``: ``doc_ids``,
    ``max_df``, ``scheme``, :meth:`containment` and :meth:`cosine` (per live document row).
    """

    idf: np.ndarray  # always loaded (document frequencies are kept exact)

    def __init__(self, store, scheme: Scheme) -> None:  # Retriever.__init__ not called: nothing is loaded here
        conn = store.conn
        self.store = store
        # No in-memory posting table: hits, containment and cosine read the stored segments.
        self.hashes = self.owners = None  # type: ignore[assignment]
        self.tfidf = None
        self.scheme = scheme
        self.doc_ids = np.array([r[0] for r in conn.execute("SELECT id FROM documents ORDER BY id")], dtype=np.int64)
        n = len(self.doc_ids)
        self.max_df = max(20, n // 20)
        self.df = np.frombuffer(_need(conn, "df"), dtype="<u4") if n else np.zeros(scheme.bigrams, np.uint32)
        self.df_version = int(_get(conn, "df_version") or 0)
        self.idf = idf_of(self.df.astype(np.int64), n)
        self.segments: list[_Segment] = []
        self._last_hits: tuple[bytes, tuple] | None = None
        self._blobs: dict[tuple[int, str], sqlite3.Blob] = {}
        self._memory: dict[tuple[int, str], bytes] = {}  # whole columns, after :meth:`load`
        self._tf_columns: dict[int, sp.csc_matrix] = {}  # per segment, after :meth:`load`
        for rowid, rows, version, docs, norms, ptr, overflow in conn.execute(
            "SELECT id, rows, df_version, docs, norms, bg_indptr, bg_overflow FROM postings_segments ORDER BY id"
        ):
            docs = np.frombuffer(docs, dtype="<u4").astype(np.int64)
            pos = np.searchsorted(self.doc_ids, docs)
            pos_c = np.minimum(pos, max(n - 1, 0))
            live_row = np.where((pos < n) & (self.doc_ids[pos_c] == docs) if n else np.zeros(len(docs), bool), pos, -1)
            with conn.blobopen("postings_segments", "fp_hashes", rowid, readonly=True) as blob:
                postings = len(blob) // 4
            ov = np.frombuffer(overflow, dtype="<u4").reshape(-1, 2)
            offset = int(live_row[0]) if len(live_row) else -1
            if offset < 0 or not np.array_equal(live_row, np.arange(offset, offset + len(live_row))):
                offset = -1
            self.segments.append(
                _Segment(
                    rowid,
                    rows,
                    version,
                    docs,
                    live_row,
                    np.frombuffer(norms, "<f4"),
                    postings,
                    np.frombuffer(ptr, dtype="<u4").astype(np.int64),
                    {int(i): int(c) for i, c in ov},
                    offset,
                )
            )

    def __len__(self) -> int:
        return len(self.doc_ids)

    @property
    def loaded(self) -> bool:
        return bool(self._tf_columns) or not self.segments

    def load(self) -> LazyRetriever:
        """Read every segment's columns into memory once: a batch of drafts then slices arrays
        instead of reading blobs. At 44 M characters this is about 100 MB and a fraction of a
        second, where building :class:`Retriever` from every document's features took seconds and
        900 MB; the scores are the same."""
        for seg in self.segments:
            for column in ("fp_hashes", "fp_rows", "bg_rows", "bg_counts"):
                with self.store.conn.blobopen("postings_segments", column, seg.rowid, readonly=True) as blob:
                    self._memory[(seg.rowid, column)] = blob.read()
            # The bigram columns as a sparse matrix of sublinear tf: a draft's cosine is then one
            # product with its columns (as Retriever does), not a gather per column.
            rows = np.frombuffer(self._memory.pop((seg.rowid, "bg_rows")), dtype=_row_dtype(seg.rows))
            counts = np.frombuffer(self._memory.pop((seg.rowid, "bg_counts")), dtype="u1")
            tf = _TF[counts]
            for place, count in seg.overflow.items():
                tf[place] = _tf(np.array([count]))[0]
            columns = sp.csc_matrix((tf, rows.astype(np.int32), seg.indptr), shape=(seg.rows, self.scheme.bigrams))
            self._tf_columns[seg.rowid] = columns
            if seg.df_version != self.df_version:
                # Norms under the current frequencies, from the columns now in memory (every
                # document of a segment is whole in it): the batch that loaded them scores as a
                # freshly written segment does, instead of re-reading the shortlist's stored
                # features for every draft (~15 ms a novel 10k check).
                column_of = np.repeat(np.arange(self.scheme.bigrams), np.diff(seg.indptr))
                w = (columns.data * self.idf[column_of]).astype(np.float64)
                norms = np.sqrt(np.bincount(columns.indices, weights=w * w, minlength=seg.rows))
                norms[norms == 0] = 1.0
                seg.norms, seg.df_version = norms.astype(np.float32), self.df_version
        return self

    def _blob(self, seg: _Segment, column: str) -> sqlite3.Blob:
        """One open handle per segment column for the length of one call (:meth:`_close_blobs`):
        SQLite finds an offset in a large blob by walking its chain of overflow pages, once per
        handle (a new handle per read walked the whole column again each time). Not kept past the
        call: an open handle holds the connection's read snapshot, and the index would not see
        what other processes write."""
        key = (seg.rowid, column)
        blob = self._blobs.get(key)
        if blob is None:
            blob = self._blobs[key] = self.store.conn.blobopen("postings_segments", column, seg.rowid, readonly=True)
        return blob

    def _close_blobs(self) -> None:
        for blob in self._blobs.values():
            blob.close()
        self._blobs.clear()

    def _ranges(self, seg: _Segment, column: str, starts: np.ndarray, ends: np.ndarray, dtype: str) -> np.ndarray:
        """The concatenated slices [start, end) of one of a segment's arrays, read from its blob.

        ``starts`` must be non-decreasing (sorted query hashes, sorted bigram ids). Slices closer
        than ``READ_GAP`` items are read in one piece: a draft asks for thousands of short slices,
        and one read call per slice cost more than the bytes in between."""
        whole = self._memory.get((seg.rowid, column))
        if whole is not None:
            return gather(np.frombuffer(whole, dtype=dtype), starts.astype(np.int64), (ends - starts).astype(np.int64))
        size = np.dtype(dtype).itemsize
        lengths = (ends - starts).astype(np.int64)
        nonempty = lengths > 0
        s, e = starts[nonempty].astype(np.int64), ends[nonempty].astype(np.int64)
        if not len(s):
            return np.zeros(0, dtype=dtype)
        cut = np.flatnonzero(s[1:] - e[:-1] > READ_GAP) + 1
        first = np.concatenate([[0], cut])
        last = np.concatenate([cut - 1, [len(s) - 1]])
        g_start, g_end = s[first], np.maximum.accumulate(e)[last]
        parts = []
        blob = self._blob(seg, column)
        for a, b in zip(g_start.tolist(), g_end.tolist()):
            blob.seek(a * size)
            parts.append(blob.read((b - a) * size))
        buf = np.frombuffer(b"".join(parts), dtype=dtype)
        g_len = g_end - g_start
        g_off = np.cumsum(g_len) - g_len  # where each piece starts in buf
        group = np.repeat(np.arange(len(first)), last - first + 1)
        return gather(buf, s - g_start[group] + g_off[group], e - s)  # each slice's start in buf

    def hits(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        """As :meth:`Retriever.hits`: (row, hash index) pairs over live documents, positions per hash, positions.

        The last answer is kept: a check asks twice for the same draft (containment, then the cover)."""
        key = codes.tobytes()
        if self._last_hits is not None and self._last_hits[0] == key:
            return self._last_hits[1]
        try:
            result = self._hits(codes)
        finally:
            self._close_blobs()
        self._last_hits = (key, result)
        return result

    def _hits(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
        hashes = kgram_hashes(codes, self.scheme.k, self.scheme.seed)
        empty = np.zeros(0, dtype=np.int64)
        if len(hashes) == 0 or len(self.doc_ids) == 0:
            return empty, empty, empty, len(hashes)
        query, weight = np.unique(hashes, return_counts=True)
        found_q, found_rows = [], []
        for seg in self.segments:
            left, right = self._lookup(seg, query)
            hit = np.flatnonzero(right > left)
            if not len(hit):
                continue
            rows = self._ranges(seg, "fp_rows", left[hit], right[hit], _row_dtype(seg.rows)).astype(np.int64)
            live = seg.live_row[rows]
            q = np.repeat(hit, (right - left)[hit])
            keep = live >= 0
            found_q.append(q[keep])
            found_rows.append(live[keep])
        if not found_q:
            return empty, empty, weight.astype(np.int64), len(hashes)
        q, rows = np.concatenate(found_q), np.concatenate(found_rows)
        ok = np.bincount(q, minlength=len(query))[q] <= self.max_df
        return rows[ok], q[ok], weight.astype(np.int64), len(hashes)

    def _lookup(self, seg: _Segment, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each sorted ``query`` hash's run starts and ends in the segment's sorted fingerprints.

        The column is read in chunks of ``LOOKUP_CHUNK`` and searched chunk by chunk (a run that
        crosses a chunk boundary adds up), so a check holds one chunk, not every fingerprint."""
        whole = self._memory.get((seg.rowid, "fp_hashes"))
        if whole is not None:
            hashes = np.frombuffer(whole, dtype="<u4")
            return np.searchsorted(hashes, query, "left"), np.searchsorted(hashes, query, "right")
        left = np.full(len(query), -1, dtype=np.int64)
        count = np.zeros(len(query), dtype=np.int64)
        blob = self._blob(seg, "fp_hashes")
        blob.seek(0)
        for start in range(0, seg.postings, LOOKUP_CHUNK):
            chunk = np.frombuffer(blob.read(LOOKUP_CHUNK * 4), dtype="<u4")
            lo = np.searchsorted(chunk, query, "left")
            n = np.searchsorted(chunk, query, "right") - lo
            first = (n > 0) & (left < 0)
            left[first] = start + lo[first]
            count += n
        left[left < 0] = 0
        return left, left + count

    def containment(self, codes: np.ndarray) -> np.ndarray:
        rows, which, weight, n_positions = self.hits(codes)
        scores = np.zeros(len(self.doc_ids), dtype=np.float64)
        if len(rows):
            scores += np.bincount(rows, weights=weight[which].astype(np.float64), minlength=len(scores))
        return scores / n_positions if n_positions else scores

    def cosine(self, codes: np.ndarray) -> np.ndarray:
        try:
            return self._cosine(codes)
        finally:
            self._close_blobs()

    def _cosine(self, codes: np.ndarray) -> np.ndarray:
        n = len(self.doc_ids)
        ids, counts = bigram_features(codes, self.scheme)  # ids sorted: the column slices are read in order
        if n == 0 or len(ids) == 0:
            return np.zeros(n)
        ids = ids.astype(np.int64)
        q = _tf(counts) * self.idf[ids]
        q = (q / np.float32(np.sqrt((q.astype(np.float64) ** 2).sum()) or 1.0)).astype(np.float32)
        per_column = (q * self.idf[ids]).astype(np.float32)  # a document's entry is tf × idf × q / its norm
        scores = np.zeros(n, dtype=np.float64)
        stale = False
        for seg in self.segments:
            stale = stale or seg.df_version != self.df_version
            columns = self._tf_columns.get(seg.rowid)
            if columns is not None:
                w = np.asarray(columns[:, ids] @ per_column).ravel() / seg.norms
                if seg.offset >= 0:
                    scores[seg.offset : seg.offset + seg.rows] += w
                else:
                    live = seg.live_row >= 0
                    scores[seg.live_row[live]] += w[live]
                continue
            starts, ends = seg.indptr[ids], seg.indptr[ids + 1]
            # Columns in groups of about COSINE_CHUNK entries: a draft's common bigrams hold millions.
            group = np.cumsum(ends - starts) // COSINE_CHUNK
            for g0, g1 in zip(*_runs(group)):
                self._add_cosine(seg, scores, starts[g0:g1], ends[g0:g1], per_column[g0:g1])
        if stale:
            scores = self._rescore(scores, q, ids)
        return scores

    def _add_cosine(
        self, seg: _Segment, scores: np.ndarray, starts: np.ndarray, ends: np.ndarray, per_column: np.ndarray
    ) -> None:
        """Add one segment's share of the cosines from these bigram columns to ``scores``."""
        rows = self._ranges(seg, "bg_rows", starts, ends, _row_dtype(seg.rows))
        if not len(rows):
            return
        c = self._ranges(seg, "bg_counts", starts, ends, "u1")
        tf = _TF[c]
        if seg.overflow:
            big = np.flatnonzero(c == 255)
            if len(big):  # counts over 254 are stored beside the column, by their place in it
                lengths = ends - starts
                column = np.searchsorted(np.cumsum(lengths), big, "right")
                place = starts[column] + big - (np.cumsum(lengths) - lengths)[column]
                tf[big] = _tf(np.array([seg.overflow.get(int(o), 255) for o in place.tolist()]))
        w = tf * np.repeat(per_column, ends - starts)
        w /= seg.norms[rows]
        if seg.offset >= 0:  # every row live, in order: segment row r is retriever row offset + r
            scores[seg.offset : seg.offset + seg.rows] += np.bincount(rows, weights=w, minlength=seg.rows)
        else:
            live = seg.live_row[rows]
            keep = live >= 0
            scores += np.bincount(live[keep], weights=w[keep], minlength=len(scores))

    def _rescore(self, scores: np.ndarray, q: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Exact cosines for the best-ranked documents, with norms under the current frequencies."""
        from dupcheck.store import unpack

        short = np.argsort(-scores, kind="stable")[:SHORTLIST]
        q64 = q.astype(np.float64)
        for row in short.tolist():
            got = self.store.conn.execute(
                "SELECT bigram_ids, bigram_counts FROM features WHERE doc_id=?", (int(self.doc_ids[row]),)
            ).fetchone()
            if got is None:
                continue
            b_ids, b_counts = unpack(got[0]).astype(np.int64), unpack(got[1])
            w = (_tf(b_counts) * self.idf[b_ids]).astype(np.float32)
            norm = np.float32(np.sqrt((w.astype(np.float64) ** 2).sum()) or 1.0)
            w = w / norm
            # The draft's bigrams among the document's (both id lists sorted and distinct), their
            # products summed in id order: the same float as the Python loop this replaced, which
            # cost ~27 ms of a novel 10k check in any index updated since it was built.
            at = np.minimum(np.searchsorted(ids, b_ids), len(ids) - 1)
            shared = ids[at] == b_ids
            terms = w[shared].astype(np.float64) * q64[at[shared]]
            scores[row] = float(np.cumsum(terms)[-1]) if len(terms) else 0.0
        return scores

    def fingerprint_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Every live document's fingerprints as one sorted table: (uint32 hashes, int32 retriever rows).

        What the audit needs (the same table :meth:`Retriever.build` makes), read from the
        segments instead of decompressing every document's features."""
        hashes, owners = [], []
        for seg in self.segments:
            with self.store.conn.blobopen("postings_segments", "fp_rows", seg.rowid, readonly=True) as blob:
                rows = np.frombuffer(blob.read(), dtype=_row_dtype(seg.rows))
            with self.store.conn.blobopen("postings_segments", "fp_hashes", seg.rowid, readonly=True) as blob:
                seg_hashes = np.frombuffer(blob.read(), dtype="<u4")
            live = seg.live_row[rows]
            keep = live >= 0
            hashes.append(seg_hashes[keep])
            owners.append(live[keep].astype(np.int32))
        if not hashes:
            return np.zeros(0, np.uint32), np.zeros(0, np.int32)
        if len(hashes) == 1:
            return hashes[0].astype(np.uint32), owners[0]
        key = np.concatenate(
            [h.astype(np.uint64) << np.uint64(32) | o.astype(np.uint64) for h, o in zip(hashes, owners)]
        )
        key.sort()
        return (key >> np.uint64(32)).astype(np.uint32), (key & np.uint64(0xFFFFFFFF)).astype(np.int32)
