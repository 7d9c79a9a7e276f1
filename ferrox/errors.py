"""The ferrox exception tree.

Every error ferrox raises on purpose derives from :class:`FerroxError`. Each class carries
an HTTP ``status_code`` (the server maps errors to responses in one place) and the CLI
prints any ``FerroxError`` as one line on stderr with exit code 2.

::

    FerroxError
    ├── ConfigError                 bad ferrox.toml / FERROX_* value
    ├── DependencyError             an optional extra or external tool is missing
    ├── InvalidInputError (ValueError)
    │   ├── ExpressionError         text outside the safe expression grammar
    │   ├── ShapeError              wrong length or dimension
    │   ├── FilterError             malformed vector-DB filter
    │   └── PayloadTooLargeError    request over the size limit
    ├── NotFoundError (LookupError)
    ├── ConflictError
    │   └── LockedError             database open in another process
    ├── ForbiddenError              a path outside what the caller may reach
    ├── StorageError                damaged stored data
    ├── UnsupportedError            valid request for an unimplemented feature
    │   └── StandaloneModeError     a cluster operation on this single-node server
    ├── GenerationError             an LLM server answered with garbage or an error
    │   └── LLMUnavailableError     no LLM server reachable / model file missing
    └── DifferentiationError        ferrox.ad
        ├── MissingRuleError (NotImplementedError)
        ├── NonFiniteError          NaN/inf where finiteness was asked for
        └── TraceError              compiled mode met value-dependent control flow
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "ConflictError",
    "DependencyError",
    "DifferentiationError",
    "ExpressionError",
    "FerroxError",
    "FilterError",
    "ForbiddenError",
    "GenerationError",
    "InvalidInputError",
    "LLMUnavailableError",
    "LockedError",
    "MissingRuleError",
    "NonFiniteError",
    "NotFoundError",
    "PayloadTooLargeError",
    "RateLimitedError",
    "ShapeError",
    "StandaloneModeError",
    "StorageError",
    "TraceError",
    "UnsupportedError",
    "ValidationError",
]


class FerroxError(Exception):
    """Root of every error ferrox raises on purpose."""

    status_code: int = 500

    @property
    def name(self) -> str:
        """The error's class name, as used in HTTP error bodies."""
        return type(self).__name__


class ConfigError(FerroxError):
    """A configuration value (ferrox.toml or FERROX_* variable) is invalid."""

    status_code = 500


class DependencyError(FerroxError):
    """An optional extra, model or external tool that the operation needs is missing."""

    status_code = 501


class InvalidInputError(FerroxError, ValueError):
    """The caller passed a value that ferrox cannot accept."""

    status_code = 400


class ExpressionError(InvalidInputError):
    """An expression is outside the safe grammar or cannot be parsed."""

    status_code = 422


class ValidationError(InvalidInputError):
    """A request breaks a rule of its schema (a zero where at least one is needed, a
    condition with no operator): Qdrant's 422."""

    status_code = 422


class RateLimitedError(FerroxError):
    """A rate limit is spent; ``retry_after`` says in how many seconds to retry (None:
    the operation can never fit the limit, so retrying will not help)."""

    status_code = 429

    def __init__(self, message: str, *, retry_after: int | None = 60) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ShapeError(InvalidInputError):
    """An array or sequence has the wrong length or dimension."""

    status_code = 400


class NotFoundError(FerroxError, LookupError):
    """A named thing (collection, point, source, file) does not exist."""

    status_code = 404


class ConflictError(FerroxError):
    """The operation conflicts with existing state (duplicate name, locked directory)."""

    status_code = 409


class LockedError(ConflictError):
    """A database directory is already open in another process; ``holder`` is what
    the lock file says about that process (``pid``, and ``address`` when it is a
    ``ferrox serve`` that takes the directory's operations over HTTP)."""

    status_code = 409

    def __init__(self, message: str, *, holder: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.holder: dict[str, Any] = dict(holder or {})


class FilterError(InvalidInputError):
    """A filter or condition is malformed (unknown operator, wrong value type)."""

    status_code = 400


class PayloadTooLargeError(InvalidInputError):
    """A request carries more data than the configured limit."""

    status_code = 413


class ForbiddenError(FerroxError):
    """The request names something the caller may not reach (a file outside the
    snapshots directory): Qdrant's 403."""

    status_code = 403


class StorageError(FerroxError):
    """Stored data is damaged or unreadable; nothing was guessed or silently repaired."""

    status_code = 500


class UnsupportedError(FerroxError):
    """A valid request for a feature ferrox does not implement."""

    status_code = 501


class StandaloneModeError(UnsupportedError):
    """A cluster operation (peer recovery or removal) on a server that runs standalone,
    with no consensus to act on: Qdrant's 405."""

    status_code = 405


class GenerationError(FerroxError):
    """A text generator failed: the LLM server returned an error or unreadable output."""

    status_code = 502


class LLMUnavailableError(GenerationError):
    """No LLM could be reached (server down, timed out) or loaded (model file)."""

    status_code = 503


class DifferentiationError(FerroxError):
    """ferrox.ad could not produce a derivative it can vouch for."""

    status_code = 422


class MissingRuleError(DifferentiationError, NotImplementedError):
    """No derivative rule is defined for a primitive with respect to an argument."""

    status_code = 501


class NonFiniteError(DifferentiationError):
    """An input or result is NaN or infinite and finiteness checks were requested."""


class TraceError(DifferentiationError):
    """A traced function's control flow depends on its input values."""
