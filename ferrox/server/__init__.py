"""``ferrox serve``: one local HTTP service over ferrox's parts (FastAPI + uvicorn).

Today it serves the vector database's Qdrant-compatible REST API.
"""

from ferrox.server.app import ServerConfig, create_app

__all__ = ["ServerConfig", "create_app"]
