"""The knowledge base: a catalogue, a BM25 index and a vector collection kept in step
by incremental ingestion, searched by hybrid retrieval."""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ferrox.errors import (
    ConflictError,
    DependencyError,
    FerroxError,
    InvalidInputError,
    LockedError,
    NotFoundError,
)
from ferrox.rag.catalog import Catalog
from ferrox.rag.chunking import LEAD_ORDINAL, chunk_document, lead_of
from ferrox.rag.documents import read_document
from ferrox.rag.lexical import LexicalIndex, query_terms
from ferrox.rag.query import analyze_query, stem
from ferrox.rag.ranker import Ranker
from ferrox.rag.retrieval import Source, fuse, mmr, page_ranking
from ferrox.rag.sources import RUST_DOCS, SourceFile, find_files, rust_docs_files, rust_docs_root

__all__ = ["IngestReport", "KnowledgeBase", "SearchResult", "check_query"]

Progress = Callable[[str, int, int], None]
FILTER_FIELDS = ("kind", "crate", "version")
MODES = ("hybrid", "bm25", "dense")
COLLECTION = "chunks"
LEADS = "pages"
_COMMIT_FILES = 400
_DENSE_OPEN = threading.Lock()
PARSER_VERSION = "2"
"""Bumped when reading or chunking changes: files are then re-read even if unchanged."""


@dataclass
class IngestReport:
    """What an ingest did; times are seconds from its start."""

    files_seen: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    empty: int = 0
    chunks: int = 0
    leads: int = 0
    embedded: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    bm25_ready_s: float = 0.0
    dense_ready_s: float | None = None
    dense_note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        out = dict(self.__dict__)
        out["skipped"] = [{"path": k, "reason": r} for k, r in self.skipped]
        return out


@dataclass
class SearchResult:
    """Ranked sources and how strongly the knowledge base backs them."""

    query: str
    sources: list[Source]
    covered: bool
    evidence: float
    mode: str
    notes: list[str] = field(default_factory=list)


def _parse_task(task: tuple[str, str, str, str | None]) -> tuple:
    """Worker: read, hash and chunk one file. Returns (key, size, mtime_ns, sha, status,
    title or reason, chunks)."""
    key, path_s, _kind, known_sha = task
    path = Path(path_s)
    try:
        st = path.stat()
        data = path.read_bytes()
    except OSError as exc:
        return key, 0, 0, "", "error", f"cannot read: {exc.strerror or exc}", []
    sha = hashlib.sha256(data).hexdigest()
    if sha == known_sha:
        return key, st.st_size, st.st_mtime_ns, sha, "same", "", []
    try:
        doc = read_document(path, key, data)
    except FerroxError as exc:
        return key, st.st_size, st.st_mtime_ns, sha, "error", str(exc), []
    except Exception as exc:  # a parser bug must not stop a 6,000-file ingest
        return key, st.st_size, st.st_mtime_ns, sha, "error", f"{type(exc).__name__}: {exc}", []
    if doc is None:
        return key, st.st_size, st.st_mtime_ns, sha, "empty", "", []
    chunks = [(c.ordinal, c.title, c.heading, c.anchor, c.text) for c in chunk_document(doc)]
    lead = lead_of(doc)
    if lead is not None and chunks:
        chunks.append((lead.ordinal, lead.title, lead.heading, lead.anchor, lead.text))
    return key, st.st_size, st.st_mtime_ns, sha, "ok", doc.title, chunks


def check_query(query: object, top_k: object = 5, mode: object = "hybrid") -> None:
    """Raise :class:`InvalidInputError` for an empty question, a bad ``top_k`` or an
    unknown retrieval mode (callers check before opening anything)."""
    if not isinstance(query, str) or not query.strip():
        raise InvalidInputError("the question is empty")
    if mode not in MODES:
        raise InvalidInputError(f"unknown retrieval mode {mode!r} ({', '.join(MODES)})")
    if not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 100:
        raise InvalidInputError("top_k must be an integer from 1 to 100")


class KnowledgeBase:
    """A knowledge base in directory ``path`` (made on first use).

    ``embedder`` is an embedder spec for :func:`ferrox.infer.load_embedder`
    (default ``minilm``), an :class:`~ferrox.infer.Embedder`, or ``None`` for BM25 only.
    ``open_vectors`` gives the vector database of a directory when one process keeps
    it open for several knowledge-base objects (the server: its requests and its
    ingest share one); the knowledge base then leaves closing it to the caller.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        embedder: Any = "minilm",
        open_vectors: Callable[[Path], Any] | None = None,
    ) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self.catalog = Catalog(self.path / "catalog.sqlite")
        self.lexical = LexicalIndex(self.path / "bm25")
        self._embedder_spec = embedder
        self._embedder: Any = None
        self._db: Any = None
        self._col: Any = None
        self._leads: Any = None
        self._dense_error: str = ""
        self._open_vectors = open_vectors

    @classmethod
    def open(
        cls, data_dir: str | Path, name: str = "default", *, create: bool = True, **kw: Any
    ) -> KnowledgeBase:
        """The knowledge base ``name`` under ``<data_dir>/kb``; with ``create=False`` a
        missing one is a :class:`NotFoundError` instead of a new, empty one."""
        if not name or not name.replace("-", "").replace("_", "").isalnum():
            raise InvalidInputError(f"bad knowledge base name {name!r} (letters, digits, - and _)")
        path = Path(data_dir) / "kb" / name
        if not create and not (path / "catalog.sqlite").exists():
            raise NotFoundError(
                f"no knowledge base {name!r} in {data_dir}: run 'ferrox kb ingest --rust-docs'"
                " or 'ferrox kb ingest PATH'"
            )
        return cls(path, **kw)

    def close(self) -> None:
        """Release the indexes and files."""
        self.lexical.close()
        if self._db is not None:
            if self._open_vectors is None:
                self._db.close()
            self._db = self._col = self._leads = None
        if self._embedder is not None and hasattr(self._embedder, "close"):
            self._embedder.close()
        self.catalog.close()

    def __enter__(self) -> KnowledgeBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- dense side ---------------------------------------------------------------------
    def embedder(self):
        """The embedder (loaded on first use); None when dense retrieval is off or its
        model is missing (the reason is in :attr:`dense_note`)."""
        if self._embedder is None and self._embedder_spec is not None and not self._dense_error:
            from ferrox.infer import CachedEmbedder, Embedder, load_embedder

            try:
                spec = self._embedder_spec
                inner = (
                    spec
                    if isinstance(spec, Embedder)
                    else load_embedder(spec, cache_dir=self.path.parent.parent / "models")
                )
            except DependencyError as exc:
                self._dense_error = f"dense retrieval off: {exc}"
                return None
            stored = self.catalog.get_meta("embed_model")
            if stored and stored != f"{inner.name}/{inner.dim}":
                raise ConflictError(
                    f"this knowledge base was embedded with {stored}, not {inner.name}/{inner.dim}"
                    "; drop it or use the same model"
                )
            cache = self.path.parent.parent / "cache" / "embeddings.sqlite"
            self._embedder = CachedEmbedder(inner, cache)
        return self._embedder

    @property
    def dense_note(self) -> str:
        """Why dense retrieval is unavailable, or empty."""
        return self._dense_error

    def _collection(self, create: bool):
        if self._col is not None:
            return self._col
        emb = self.embedder()
        if emb is None:
            return None
        from ferrox import vectordb

        with _DENSE_OPEN:  # objects sharing one database create its collections once
            if self._col is not None:
                return self._col
            if self._db is None:
                try:
                    self._db = (self._open_vectors or vectordb.open)(self.path / "vectors")
                except LockedError:
                    self._dense_error = (
                        "dense index busy (another process is writing it); BM25 only"
                    )
                    return None
                self._dense_error = ""
            if not self._db.has_collection(COLLECTION):
                if not create:
                    return None
                self._db.create_collection(COLLECTION, size=emb.dim, distance="Cosine", ef=128)
                self.catalog.set_meta("embed_model", f"{emb.name}/{emb.dim}")
            if not self._db.has_collection(LEADS):
                self._db.create_collection(LEADS, size=emb.dim, distance="Cosine", ef=128)
            self._col = self._db.collection(COLLECTION)
            self._leads = self._db.collection(LEADS)
            return self._col

    # -- ingest -------------------------------------------------------------------------
    def ingest(
        self,
        paths: Iterable[str | Path] = (),
        *,
        rust_docs: bool = False,
        quick: bool = False,
        dense: bool = True,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Add or refresh sources: files/folders in ``paths`` and/or the local Rust docs.
        Unchanged files are skipped, changed ones replaced, vanished ones removed.
        BM25 is ready when the parse stage ends; the dense stage follows."""
        start = time.perf_counter()
        report = IngestReport()
        groups: list[tuple[str, str, str, list[SourceFile]]] = []
        if rust_docs:
            root = rust_docs_root()
            groups.append(
                (
                    str(root),
                    RUST_DOCS,
                    "quick" if quick else "default",
                    list(rust_docs_files(root, quick=quick)),
                )
            )
        for p in paths:
            target = Path(p).expanduser()
            groups.append(
                (str(target.resolve()), target.name or str(target), "all", list(find_files(target)))
            )
        if not groups:
            raise InvalidInputError("nothing to ingest: give files or folders, or --rust-docs")
        stored = self.catalog.get_meta("parser_version")
        if stored is None and self.catalog.counts()["files"] == 0:
            self.catalog.set_meta("parser_version", PARSER_VERSION)
            stored = PARSER_VERSION
        reparse = stored != PARSER_VERSION
        for root, label, subset, files in groups:
            self.catalog.add_source(root, label, subset)
            self._ingest_group(root, files, report, workers, progress, reparse)
        self.catalog.set_meta("parser_version", PARSER_VERSION)
        report.bm25_ready_s = time.perf_counter() - start
        if dense:
            self.embed_pending(report, progress)
            if not report.dense_note:
                report.dense_ready_s = time.perf_counter() - start
        return report

    def _ingest_group(
        self,
        root: str,
        files: list[SourceFile],
        report: IngestReport,
        workers: int | None,
        progress: Progress | None,
        reparse: bool = False,
    ) -> None:
        states = self.catalog.file_states(root)
        by_key = {f.key: f for f in files}
        report.files_seen += len(files)
        todo: list[tuple[str, str, str, str | None]] = []
        for f in files:
            prev = states.get(f.key)
            if prev is not None and not reparse:
                try:
                    st = f.path.stat()
                except OSError:
                    st = None
                if st is not None and (st.st_size, st.st_mtime_ns) == prev[:2]:
                    report.unchanged += 1
                    continue
            known_sha = prev[2] if prev and not reparse else None
            todo.append((f.key, str(f.path), f.kind, known_sha))
        gone = [k for k in states if k not in by_key]
        if gone:
            for key in gone:
                self.lexical.delete(key)
            self.lexical.commit()
            self.catalog.remove_files(gone)
            report.removed += len(gone)
        if progress:
            progress("parse", 0, len(todo))
        pending_files: list[dict] = []
        pending_chunks: list[tuple] = []
        done = 0

        def flush() -> None:
            if not pending_files:
                return
            n = sum(f["n_chunks"] for f in pending_files)
            next_id = self.catalog.reserve_ids(n)
            rows: list[tuple] = []
            for f, chunks in zip(pending_files, pending_chunks, strict=True):
                docs = []
                for ordinal, title, heading, anchor, text in chunks:
                    rows.append((next_id, f["key"], ordinal, title, heading, anchor, text))
                    if ordinal != LEAD_ORDINAL:  # leads are for the dense side only
                        docs.append(
                            {
                                "id": next_id,
                                "kind": f["kind"],
                                "crate": f["crate"],
                                "version": f["version"],
                                "title": title,
                                "heading": heading,
                                "body": text,
                            }
                        )
                    next_id += 1
                self.lexical.replace(f["key"], docs)
            self.lexical.commit()
            self.catalog.commit_files(pending_files, rows)
            n_leads = sum(1 for r in rows if r[2] == LEAD_ORDINAL)
            report.chunks += len(rows) - n_leads
            report.leads += n_leads
            pending_files.clear()
            pending_chunks.clear()

        for key, size, mtime_ns, sha, status, info, chunks in self._parse_all(todo, workers):
            done += 1
            if progress and (done % 25 == 0 or done == len(todo)):
                progress("parse", done, len(todo))
            if status == "error":
                self.catalog.skip(key, root, info)
                report.skipped.append((key, info))
                continue
            if status == "same":
                self.catalog.touch(key, size, mtime_ns)
                report.unchanged += 1
                continue
            meta = by_key[key]
            if key in states:
                report.updated += 1
            else:
                report.added += 1
            if status == "empty":
                report.empty += 1
            pending_files.append(
                {
                    "key": key,
                    "root": root,
                    "size": size,
                    "mtime_ns": mtime_ns,
                    "sha256": sha,
                    "kind": meta.kind,
                    "crate": meta.crate,
                    "version": meta.version,
                    "title": info,
                    "n_chunks": len(chunks),
                    "ingested_at": time.time(),
                }
            )
            pending_chunks.append(chunks)
            if len(pending_files) >= _COMMIT_FILES:
                flush()
        flush()

    @staticmethod
    def _parse_all(todo: list, workers: int | None) -> Iterable[tuple]:
        # Worker processes only with workers > 1: spawned children re-import the
        # caller's __main__, which scripts without a main guard do not survive.
        if not workers or workers <= 1 or len(todo) < 64:
            yield from map(_parse_task, todo)
            return
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
            yield from pool.map(_parse_task, todo, chunksize=16)

    def embed_pending(
        self,
        report: IngestReport | None = None,
        progress: Progress | None = None,
        batch: int = 512,
    ) -> int:
        """Embed every chunk not yet in the vector index; returns how many."""
        report = report or IngestReport()
        col = self._collection(create=True)
        if col is None:
            report.dense_note = self._dense_error
            return 0
        stale = self.catalog.stale_ids()
        if stale:
            col.delete(stale)
            self._leads.delete(stale)
            self.catalog.clear_stale(stale)
        total = self.catalog.n_pending()
        done = 0
        if progress:
            progress("embed", 0, total)
        emb = self.embedder()
        while True:
            rows = self.catalog.pending(batch)
            if not rows:
                break
            vecs = emb.embed([r[1] for r in rows])
            for target, is_lead in ((col, False), (self._leads, True)):
                picked = [i for i, r in enumerate(rows) if r[3] is is_lead]
                if picked:
                    target.upsert(
                        [rows[i][0] for i in picked], vecs[picked], [rows[i][2] for i in picked]
                    )
            self.catalog.mark_embedded([r[0] for r in rows])
            done += len(rows)
            if progress:
                progress("embed", done, total)
        if done:
            col.build_index()
            self._leads.build_index()
        report.embedded += done
        return done

    # -- reading ------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        """Counts, sources, the embedding model and the dense index state."""
        counts = self.catalog.counts()
        return {
            "path": str(self.path),
            **counts,
            "bm25_docs": self.lexical.num_docs(),
            "kinds": self.catalog.kinds(),
            "embed_model": self.catalog.get_meta("embed_model"),
            "dense_pending": counts["chunks"] - counts["embedded"],
            "sources": self.catalog.sources(),
        }

    def drop(self, root: str | None = None) -> int:
        """Forget one source root (by its path or label), or everything when None.
        Returns the number of files removed."""
        if root is None:
            n = self.catalog.counts()["files"]
            self.close()
            shutil.rmtree(self.path)
            return n
        match = [s for s in self.catalog.sources() if root in (s["root"], s["label"])]
        if not match:
            raise NotFoundError(f"no source {root!r} in this knowledge base")
        keys = self.catalog.drop_source(match[0]["root"])
        for key in keys:
            self.lexical.delete(key)
        self.lexical.commit()
        col = self._collection(create=False)
        if col is not None:
            stale = self.catalog.stale_ids()
            col.delete(stale)
            self._leads.delete(stale)
            self.catalog.clear_stale(stale)
        return len(keys)

    def search(
        self,
        query: str,
        top_k: int = 5,
        *,
        mode: str = "hybrid",
        filters: Mapping[str, str | Sequence[str]] | None = None,
        candidates: int = 200,
        diversity: float = 0.05,
        ranker: Ranker | None = None,
    ) -> SearchResult:
        """The ``top_k`` best pages for ``query`` (one source per page, best chunk),
        by ``mode`` ``hybrid`` (BM25 + dense fused), ``bm25`` or ``dense``, re-scored by
        ``ranker`` (default: the shipped learned ranker; ``Ranker()`` keeps the fused
        order); ``filters`` restrict kind / crate / version."""
        check_query(query, top_k, mode)
        analysis = analyze_query(query)
        ranker = _default_ranker() if ranker is None else ranker
        flt = self._filters(filters)
        if self.catalog.is_empty():
            raise NotFoundError(
                f"the knowledge base at {self.path} is empty: run 'ferrox kb ingest --rust-docs'"
                " or 'ferrox kb ingest PATH'"
            )
        notes: list[str] = []
        lists: dict[str, list[tuple[int, float]]] = {}
        qvec = None
        if mode in ("hybrid", "bm25"):
            lexical_query = f"{query} {analysis.expansion}".strip()
            lists["bm25"] = self.lexical.search(lexical_query, candidates, flt)
        if mode in ("hybrid", "dense"):
            col = self._collection(create=False)
            if col is None:
                notes.append(self._dense_error or "no dense index yet; BM25 only")
                if mode == "dense":
                    raise NotFoundError(notes[-1])
            else:
                qvec = self._embedder.inner.embed([query])[0]
                qfilter = None
                if flt:
                    qfilter = {"must": [{"key": k, "match": {"any": v}} for k, v in flt.items()]}
                hits = col.search(qvec, candidates, filter=qfilter, with_payload=False, ef=256)
                lists["dense"] = [(int(h.id), float(h.score)) for h in hits]
                hits = self._leads.search(
                    qvec, candidates, filter=qfilter, with_payload=False, ef=256
                )
                lists["lead"] = [(int(h.id), float(h.score)) for h in hits]
        fused = fuse(lists)[: max(150, 30 * top_k)]  # enough for top_k distinct pages
        rows = self.catalog.chunks([cid for cid, _ in fused])
        pages = ranker.rerank(analysis, page_ranking(fused, rows, lists))
        if qvec is not None and diversity > 0 and len(pages) > top_k:
            vectors = self._vectors([p.chunk_id for p in pages[: top_k * 4]])
            pages = mmr(pages, vectors, top_k, diversity)
        sources = pages[:top_k]
        for rank, s in enumerate(sources, start=1):
            s.rank = rank
        evidence, covered = self._evidence(query, sources, "dense" in lists)
        return SearchResult(query, sources, covered, evidence, mode, notes)

    def _vectors(self, ids: list[int]) -> dict[int, np.ndarray]:
        col = self._col
        if col is None:
            return {}
        return {
            int(r.id): np.asarray(r.vector, np.float32)
            for r in col.get(ids, with_payload=False, with_vectors=True)
        }

    @staticmethod
    def _filters(filters: Mapping[str, Any] | None) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for k, v in (filters or {}).items():
            if k not in FILTER_FIELDS:
                raise InvalidInputError(f"unknown filter {k!r} (use {', '.join(FILTER_FIELDS)})")
            values = [v] if isinstance(v, str) else list(v)
            if not all(isinstance(x, str) and x for x in values):
                raise InvalidInputError(f"filter {k!r} takes non-empty strings")
            out[k] = values
        return out

    @staticmethod
    def _evidence(query: str, sources: list[Source], dense: bool) -> tuple[float, bool]:
        """Dense: the best cosine against :data:`DENSE_COVERED`. BM25 only: the share
        of the query's terms that the best source contains."""
        if not sources:
            return 0.0, False
        if dense:
            best = max((s.dense or 0.0) for s in sources)
            return best, best >= DENSE_COVERED
        terms = {stem(t) for t in query_terms(query)}
        if not terms:
            return 0.0, False
        top = sources[0]
        have = {stem(t) for t in query_terms(f"{top.title} {top.heading} {top.text}")}
        share = len(terms & have) / len(terms)
        return share, share >= TERMS_COVERED


@functools.cache
def _default_ranker() -> Ranker:
    return Ranker.load()


DENSE_COVERED = 0.30
TERMS_COVERED = 0.6
