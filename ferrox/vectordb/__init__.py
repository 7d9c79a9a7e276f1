"""ferrox.vectordb: an embedded, persistent vector database.

Collections of points (an unsigned-integer or UUID id, a float32 vector, a JSON
payload) with Qdrant's filter model, payload indexes, exact / HNSW (faiss) / LSH
search, a checksummed write-ahead log, snapshots and a process lock::

    import ferrox.vectordb as vdb

    db = vdb.open(path)                     # or vdb.open() for a temporary database
    col = db.create_collection("docs", size=384, distance="Cosine")
    col.upsert([1, 2], vectors, payloads=[{"lang": "rust"}, {"lang": "c"}])
    rust = {"must": [{"key": "lang", "match": {"value": "rust"}}]}
    hits = col.search(query, limit=5, filter=rust)
"""

from ferrox.vectordb.collection import Collection
from ferrox.vectordb.database import Database, open_database
from ferrox.vectordb.filters import Filter, parse_filter
from ferrox.vectordb.models import CollectionConfig, Distance, Record, ScoredPoint
from ferrox.vectordb.protocol import PointCollection, VectorStore

open = open_database

__all__ = [
    "Collection",
    "CollectionConfig",
    "Database",
    "Distance",
    "Filter",
    "PointCollection",
    "Record",
    "ScoredPoint",
    "VectorStore",
    "open",
    "open_database",
    "parse_filter",
]
