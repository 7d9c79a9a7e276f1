"""What every vector store backend answers: the embedded :class:`~ferrox.vectordb.Database`
and :class:`~ferrox.vectordb.milvus.MilvusDatabase` (Milvus for scale-out) both satisfy
these protocols, so code written against them runs on either."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from ferrox.vectordb.models import PointId, Record, ScoredPoint

__all__ = ["PointCollection", "VectorStore"]


@runtime_checkable
class PointCollection(Protocol):
    """A collection of points: ids, one dense vector each, JSON payloads."""

    name: str
    dim: int

    def __len__(self) -> int:
        """How many points it holds."""
        ...

    def upsert(
        self,
        ids: Sequence[Any],
        vectors: Any,
        payloads: Sequence[Mapping[str, Any] | None] | None = None,
    ) -> int:
        """Insert or replace points."""
        ...

    def get(
        self, ids: Sequence[Any], *, with_payload: Any = True, with_vectors: Any = False
    ) -> list[Record]:
        """The points with these ids that exist, in the order asked."""
        ...

    def delete(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Delete points by ids or by a filter (Qdrant's filter model)."""
        ...

    def count(self, filter: Any = None) -> int:
        """How many points match ``filter``."""
        ...

    def scroll(
        self,
        filter: Any = None,
        *,
        limit: int = 10,
        offset: Any = None,
        with_payload: Any = True,
        with_vectors: Any = False,
    ) -> tuple[list[Record], PointId | None]:
        """Points in id order from ``offset`` on: (page, next offset)."""
        ...

    def set_payload(
        self, payload: Mapping[str, Any], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Merge ``payload`` into the points' payloads."""
        ...

    def overwrite_payload(
        self, payload: Mapping[str, Any], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Replace the points' payloads."""
        ...

    def delete_payload(
        self, keys: Sequence[str], ids: Sequence[Any] | None = None, *, filter: Any = None
    ) -> int:
        """Remove ``keys`` from the points' payloads."""
        ...

    def clear_payload(self, ids: Sequence[Any] | None = None, *, filter: Any = None) -> int:
        """Empty the points' payloads."""
        ...

    def search(
        self,
        vector: Any,
        limit: int = 10,
        *,
        filter: Any = None,
        score_threshold: float | None = None,
        offset: int = 0,
        with_payload: Any = True,
        with_vectors: Any = False,
        ef: int | None = None,
        exact: bool = False,
    ) -> list[ScoredPoint]:
        """The ``limit`` nearest points after ``offset``, best first."""
        ...

    def build_index(self) -> None:
        """Index what was written now rather than in the background."""
        ...


@runtime_checkable
class VectorStore(Protocol):
    """A set of named collections."""

    def list_collections(self) -> list[str]:
        """The collections' names, sorted."""
        ...

    def has_collection(self, name: str) -> bool:
        """Whether ``name`` exists."""
        ...

    def create_collection(self, name: str, size: int, distance: str = "Cosine") -> PointCollection:
        """A new, empty collection of ``size``-dimensional vectors."""
        ...

    def collection(self, name: str) -> PointCollection:
        """An existing collection (NotFoundError otherwise)."""
        ...

    def delete_collection(self, name: str) -> bool:
        """Remove a collection; whether it existed."""
        ...

    def close(self) -> None:
        """Release the store."""
        ...
