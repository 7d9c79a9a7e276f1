"""ferrox's configuration: one place that merges defaults, ``ferrox.toml`` and ``FERROX_*``.

Precedence, lowest first: built-in defaults, ``<data_dir>/ferrox.toml``, ``FERROX_*``
environment variables, then explicit overrides (CLI flags). The data directory itself
comes from an override, ``FERROX_DATA_DIR``, or the platform's user data directory.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ferrox.errors import ConfigError

__all__ = ["ENV_PREFIX", "Settings", "default_data_dir", "load_settings"]

ENV_PREFIX = "FERROX_"
CONFIG_FILE = "ferrox.toml"


def default_data_dir() -> Path:
    """The platform's user data directory for ferrox (e.g. ``~/.local/share/ferrox``)."""
    return Path(platformdirs.user_data_dir("ferrox", appauthor=False))


@dataclass(frozen=True)
class Settings:
    """Resolved ferrox settings. Build them with :func:`load_settings`."""

    data_dir: Path = field(default_factory=default_data_dir)
    host: str = "127.0.0.1"
    port: int = 6333
    api_key: str | None = None
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    embed_model: str = "all-MiniLM-L6-v2"
    sources: Mapping[str, str] = field(default_factory=dict)
    """Where each setting came from: ``default``, ``file``, ``env`` or ``override``."""

    @property
    def config_file(self) -> Path:
        """Path of the ``ferrox.toml`` read for these settings (it may not exist)."""
        return self.data_dir / CONFIG_FILE


_FIELDS = {f.name: f for f in dataclasses.fields(Settings) if f.name != "sources"}


def _coerce(name: str, value: Any, origin: str) -> Any:
    """Convert a raw value to the type of setting ``name`` or raise ConfigError."""
    if value is None:
        return None
    try:
        if name == "data_dir":
            return Path(str(value)).expanduser()
        if name == "port":
            port = int(value)
            if not 0 < port < 65536:
                raise ValueError("port must be in 1..65535")
            return port
        if not isinstance(value, str | int | float):
            raise ValueError(f"expected a string, got {type(value).__name__}")
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid setting {name!r} from {origin}: {exc}") from exc


def _read_file(path: Path) -> dict[str, Any]:
    """Read ferrox.toml; unknown keys are an error so typos do not pass silently."""
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot parse {path}: {exc}") from exc
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {path}: {', '.join(unknown)}")
    return data


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Resolve settings from defaults, ``ferrox.toml``, ``FERROX_*`` and ``overrides``.

    ``overrides`` entries whose value is ``None`` are ignored, so CLI options that were
    not given can be passed through as they are.
    """
    env = os.environ if environ is None else environ
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    unknown = sorted(set(overrides) - set(_FIELDS))
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")

    values: dict[str, Any] = {}
    sources: dict[str, str] = {}

    if "data_dir" in overrides:
        values["data_dir"], sources["data_dir"] = overrides["data_dir"], "override"
    elif env.get(ENV_PREFIX + "DATA_DIR"):
        values["data_dir"], sources["data_dir"] = env[ENV_PREFIX + "DATA_DIR"], "env"
    else:
        values["data_dir"], sources["data_dir"] = default_data_dir(), "default"
    data_dir = _coerce("data_dir", values["data_dir"], sources["data_dir"])

    for key, raw in _read_file(data_dir / CONFIG_FILE).items():
        if key != "data_dir":
            values[key], sources[key] = raw, "file"
    for key in _FIELDS:
        env_key = ENV_PREFIX + key.upper()
        if key != "data_dir" and env_key in env:
            values[key], sources[key] = env[env_key], "env"
    for key, raw in overrides.items():
        values[key], sources[key] = raw, "override"

    resolved = {k: _coerce(k, v, sources[k]) for k, v in values.items()}
    for key in _FIELDS:
        sources.setdefault(key, "default")
    return Settings(**resolved, sources=sources)
