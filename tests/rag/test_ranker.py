"""Query analysis (error codes, identifiers, topics, compared sides) and the learned
page ranker (features, re-scoring, the shipped weights file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ferrox.errors import InvalidInputError
from ferrox.rag import Source
from ferrox.rag.query import analyze_query
from ferrox.rag.ranker import WEIGHTS_FILE, Ranker, page_features


def _source(path: str, score: float, crate: str, kind: str, title: str = "") -> Source:
    return Source(path, title or path, "", "", "", score, 1, kind, crate, 1.0, 0.5)


def test_error_codes_are_normalised_and_added_to_the_lexical_query() -> None:
    a = analyze_query("Fresh install of speki yields error 106 at compile time")
    assert a.error_codes == ("E0106",) and a.expansion == "E0106"
    assert "compile-error" in a.topics
    b = analyze_query("E0716: confusing reference to borrow, see also error[E0502]")
    assert b.error_codes == ("E0716", "E0502") and b.expansion == ""


def test_identifiers_topics_and_sides() -> None:
    a = analyze_query(
        "Use `BufRead::lines` on std::fs::File with read_to_string and BufReader? --nocapture"
        " in Cargo.toml"
    )
    assert a.identifiers == (
        "BufRead::lines",
        "std::fs::File",
        "read_to_string",
        "BufReader",
        "--nocapture",
        "Cargo.toml",
    )
    assert {"cargo", "testing", "code"} <= a.topics
    d = analyze_query("What is the difference between iter and into_iter?")
    assert d.sides == ("iter", "into_iter") and "difference" in d.topics
    assert analyze_query("Box<dyn Trait> vs impl Trait").sides == ("Box<dyn Trait>", "impl Trait")
    assert analyze_query("plain words").topics == frozenset()


def test_features_cross_the_question_with_the_page() -> None:
    a = analyze_query("cargo test: what does error E0499 mean for BufReader")
    err = page_features(a, _source("error_codes/E0499.html", 1, "error_codes", "error-code"), 1)
    assert err["names-error-code"] == 1 and err["compile-error&kind:error-code"] == 1
    item = page_features(a, _source("std/io/struct.BufReader.html", 1, "std", "api"), 2.0)
    assert item["names-item"] == 1 and item["item"] == 1 and item["bm25"] == 0.5
    assert item["cargo&set:std"] == 1 and "names-error-code" not in item


def test_ranker_rescores_and_an_empty_ranker_keeps_the_order() -> None:
    a = analyze_query("how do I add a dependency")
    pages = [
        _source("std/a.html", 1.0, "std", "api"),
        _source("cargo/b.html", 0.8, "cargo", "guide"),
    ]
    assert [p.path for p in Ranker().rerank(a, list(pages))] == ["std/a.html", "cargo/b.html"]
    ranked = Ranker({"cargo&set:cargo": 0.5}).rerank(a, list(pages))
    assert [p.path for p in ranked] == ["cargo/b.html", "std/a.html"]
    assert ranked[0].score == pytest.approx(0.8 * 2.718281828**0.5)
    with pytest.raises(TypeError):
        Ranker({"x": 1.0}).weights["x"] = 2.0  # type: ignore[index]


def test_weights_files(tmp_path: Path) -> None:
    shipped = json.loads(WEIGHTS_FILE.read_text())
    assert shipped["questions"] >= 100 and 0 < shipped["cross_validated_recall@5"] <= 1
    assert Ranker.load().weights == shipped["weights"]
    bad = tmp_path / "w.json"
    bad.write_text('{"weights": [1, 2]}')
    with pytest.raises(InvalidInputError, match="not a ranker weights file"):
        Ranker.load(bad)
