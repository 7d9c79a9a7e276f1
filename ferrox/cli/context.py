"""State shared by CLI commands: the consoles and the lazily resolved settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ferrox.config import Settings, load_settings

__all__ = ["State", "console", "err_console"]

console = Console()
err_console = Console(stderr=True)


@dataclass
class State:
    """Global CLI options; settings are resolved on first use."""

    data_dir: Path | None = None
    _settings: Settings | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        """The resolved :class:`~ferrox.config.Settings` for this invocation."""
        if self._settings is None:
            self._settings = load_settings({"data_dir": self.data_dir})
        return self._settings
