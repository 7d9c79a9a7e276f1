from __future__ import annotations

from pathlib import Path

import pytest

from ferrox.config import default_data_dir, load_settings
from ferrox.errors import ConfigError


def test_defaults_without_anything(tmp_path: Path) -> None:
    s = load_settings(environ={})
    assert s.data_dir == default_data_dir()
    assert s.port == 6333 and s.host == "127.0.0.1"
    assert s.sources["port"] == "default"


def test_precedence_file_then_env_then_override(tmp_path: Path) -> None:
    (tmp_path / "ferrox.toml").write_text('port = 7000\nllm_model = "from-file"\n')
    env = {"FERROX_DATA_DIR": str(tmp_path), "FERROX_LLM_MODEL": "from-env"}
    s = load_settings(environ=env)
    assert s.data_dir == tmp_path
    assert s.port == 7000 and s.sources["port"] == "file"
    assert s.llm_model == "from-env" and s.sources["llm_model"] == "env"
    s = load_settings({"port": 7100, "data_dir": None}, environ=env)
    assert s.port == 7100 and s.sources["port"] == "override"


def test_override_data_dir_beats_env(tmp_path: Path) -> None:
    s = load_settings({"data_dir": tmp_path / "a"}, environ={"FERROX_DATA_DIR": "/nope"})
    assert s.data_dir == tmp_path / "a"
    assert s.config_file == tmp_path / "a" / "ferrox.toml"


@pytest.mark.parametrize(
    ("text", "message"),
    [("port = 0\n", "port"), ("bogus = 1\n", "unknown setting"), ("port = [\n", "cannot parse")],
)
def test_bad_config_file_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "ferrox.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_settings(environ={"FERROX_DATA_DIR": str(tmp_path)})


def test_bad_env_value_names_its_origin(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"port.*env"):
        load_settings(environ={"FERROX_DATA_DIR": str(tmp_path), "FERROX_PORT": "http"})
