"""``/api`` routes over ferrox.rag: search, ask (JSON or a server-sent event stream),
knowledge-base status and the text analyzer."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from ferrox.errors import DependencyError

__all__ = ["RagService", "build_rag_router"]


class SearchBody(BaseModel):
    """``POST /api/search``."""

    query: str
    top_k: int = Field(5, ge=1, le=100)
    mode: str = "hybrid"
    filters: dict[str, str | list[str]] | None = None
    kb: str = "default"


class AskBody(SearchBody):
    """``POST /api/ask``: ``stream`` sends server-sent events."""

    query: str = Field(alias="question")
    llm: bool = True
    stream: bool = False


class AnalyzeBody(BaseModel):
    """``POST /api/analyze``."""

    text: str
    compare: str | None = None
    kb: str | None = "default"
    summary_sentences: int = Field(3, ge=1, le=20)


class RagService:
    """Knowledge bases and the embedder, opened on first use and shared by requests
    (one request at a time per knowledge base). Each knowledge base's vector database
    is opened once and shared by the requests and the server's own ingests, so that
    an ingest never finds the server's index busy."""

    def __init__(self, data_dir: Path, embed_model: str | None = None) -> None:
        self.data_dir = data_dir
        self.embed_model = embed_model
        self._kbs: dict[str, Any] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._embedder: Any = None
        self._vectors: dict[Path, Any] = {}
        self._vectors_guard = threading.Lock()

    def kb(self, name: str) -> tuple[Any, threading.Lock]:
        """The open knowledge base ``name`` and its lock."""
        try:
            from ferrox.rag import KnowledgeBase
        except ImportError as exc:
            raise DependencyError("the /api routes need: pip install 'ferrox[rag]'") from exc
        with self._guard:
            if name not in self._kbs:
                self._kbs[name] = KnowledgeBase.open(
                    self.data_dir,
                    name,
                    create=False,
                    embedder=self._load_embedder(),
                    open_vectors=self.vectors,
                )
                self._locks[name] = threading.Lock()
            return self._kbs[name], self._locks[name]

    def open_for_ingest(self, name: str, *, dense: bool = True) -> Any:
        """A knowledge base (made if new) for one ingest, on the shared embedder and
        vector database; the caller closes it (the shared objects stay open)."""
        from ferrox.rag import KnowledgeBase

        return KnowledgeBase.open(
            self.data_dir,
            name,
            create=True,
            embedder=self.embedder() if dense else None,
            open_vectors=self.vectors,
        )

    def vectors(self, path: Path) -> Any:
        """The vector database at ``path``, opened on first use and kept open until
        :meth:`close`."""
        from ferrox.vectordb import Database

        key = Path(path).resolve()
        with self._vectors_guard:
            db = self._vectors.get(key)
            if db is None:
                db = self._vectors[key] = Database(key)
            return db

    def embedder(self):
        """The embedder shared by analysis and every knowledge base's queries."""
        with self._guard:
            return self._load_embedder()

    def _load_embedder(self):  # the caller holds the guard
        if self._embedder is None:
            from ferrox.infer import load_embedder

            self._embedder = load_embedder(self.embed_model, cache_dir=self.data_dir / "models")
        return self._embedder

    def invalidate(self, name: str) -> None:
        """Forget the open knowledge base ``name`` (an ingest changed it): the next
        request reopens it and sees the new passages and vectors."""
        with self._guard:
            kb = self._kbs.pop(name, None)
            lock = self._locks.get(name)
        if kb is not None:
            if lock is not None:
                with lock:
                    kb.close()
            else:
                kb.close()

    def close(self) -> None:
        """Close every open knowledge base, then the vector databases they share."""
        with self._guard:
            for kb in self._kbs.values():
                kb.close()
            self._kbs.clear()
        with self._vectors_guard:
            for db in self._vectors.values():
                db.close()
            self._vectors.clear()


def _sse(events: Iterator[dict[str, Any]], lock: threading.Lock) -> Iterator[str]:
    with lock:
        try:
            for event in events:
                if event["type"] == "done":
                    event = {"type": "done", "answer": event["answer"].as_dict()}
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
        except Exception as exc:  # the stream has started: report in-band, then end
            name = type(exc).__name__
            yield f"event: error\ndata: {json.dumps({'error': f'{name}: {exc}'})}\n\n"


def build_rag_router(service: Callable[[], RagService]) -> APIRouter:
    """The routes; ``service`` returns the app's :class:`RagService`."""
    router = APIRouter(prefix="/api", tags=["rag"])

    @router.get("/kb/{name}")
    def kb_status(name: str) -> dict[str, Any]:
        """Files, passages, embedded vectors and sources of a knowledge base."""
        kb, lock = service().kb(name)
        with lock:
            return kb.status()

    @router.post("/search")
    def search(body: SearchBody) -> dict[str, Any]:
        """Ranked sources for a query."""
        from ferrox.rag.kb import check_query

        check_query(body.query, body.top_k, body.mode)
        kb, lock = service().kb(body.kb)
        with lock:
            result = kb.search(body.query, body.top_k, mode=body.mode, filters=body.filters)
        return {
            "query": result.query,
            "covered": result.covered,
            "evidence": result.evidence,
            "notes": result.notes,
            "sources": [s.as_dict() for s in result.sources],
        }

    @router.post("/ask", response_model=None)
    def ask(body: AskBody) -> dict[str, Any] | StreamingResponse:
        """An answer with citations; ``stream: true`` gives ``sources``, ``token`` and
        ``done`` events (text/event-stream)."""
        from ferrox.infer import load_generator
        from ferrox.rag.answer import stream_answer
        from ferrox.rag.kb import check_query

        check_query(body.query, body.top_k, body.mode)
        kb, lock = service().kb(body.kb)
        generator = load_generator() if body.llm else None
        events = stream_answer(
            kb,
            body.query,
            top_k=body.top_k,
            generator=generator,
            filters=body.filters,
            mode=body.mode,
        )
        if body.stream:
            return StreamingResponse(_sse(events, lock), media_type="text/event-stream")
        with lock:
            final = [e for e in events if e["type"] == "done"][-1]["answer"]
        return final.as_dict()

    @router.post("/analyze")
    def analyze(body: AnalyzeBody) -> dict[str, Any]:
        """Language, keywords, summary, embedding, nearest documents, similarity."""
        from ferrox.rag.analyze import analyze as run_analysis
        from ferrox.rag.analyze import similarity

        svc = service()
        emb = svc.embedder()
        kb = lock = None
        if body.kb and (svc.data_dir / "kb" / body.kb / "catalog.sqlite").exists():
            kb, lock = svc.kb(body.kb)
            if kb.catalog.is_empty():
                kb = lock = None
        if lock is not None:
            with lock:
                result = run_analysis(
                    body.text, embedder=emb, kb=kb, summary_sentences=body.summary_sentences
                )
        else:
            result = run_analysis(body.text, embedder=emb, summary_sentences=body.summary_sentences)
        out = result.as_dict()
        if body.compare is not None:
            out["similarity"] = similarity(body.text, body.compare, emb)
        return out

    return router
