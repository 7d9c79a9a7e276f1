"""The universal query: Qdrant's QueryRequest parsed into typed nodes and run over a
collection — nearest neighbours in any space, recommend (average vector, best score, sum of
scores), discover, context, order by a payload field, random sample, and fusion (RRF,
DBSF) of nested prefetches, whose results become the candidates of the query above them.

Nearest queries without prefetch take the collection's index path; every other query
scores its candidates exactly, under one read lock.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ferrox.errors import InvalidInputError, NotFoundError, UnsupportedError, ValidationError
from ferrox.vectordb.bm25 import BM25_MODELS, Bm25
from ferrox.vectordb.filters import Filter, parse_datetime, parse_filter, values_at
from ferrox.vectordb.formula import Formula, evaluate, parse_formula
from ferrox.vectordb.models import PointId, ScoredPoint, normalize_id
from ferrox.vectordb.spaces import DenseSpace, SparseSpace, SparseVector, ranked

__all__ = [
    "Context",
    "Discover",
    "Fusion",
    "Nearest",
    "OrderBy",
    "Query",
    "Recommend",
    "RelevanceFeedback",
    "Sample",
    "distance_matrix",
    "parse_query",
    "run_query",
]


@dataclass(frozen=True, slots=True)
class Nearest:
    """The points nearest to ``vector`` (a vector, a sparse vector, a multi-vector or a
    point id); with ``mmr`` (diversity in [0, 1], candidates), re-ranked by maximal
    marginal relevance among the ``candidates`` nearest."""

    vector: Any
    mmr: tuple[float, int | None] | None = None


@dataclass(frozen=True, slots=True)
class Recommend:
    """Like the ``positive`` examples and unlike the ``negative`` ones."""

    positive: tuple[Any, ...]
    negative: tuple[Any, ...]
    strategy: str = "average_vector"


@dataclass(frozen=True, slots=True)
class Discover:
    """Near ``target`` within the zones the (positive, negative) pairs mark out."""

    target: Any
    pairs: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Within the zones of the (positive, negative) pairs, no target."""

    pairs: tuple[tuple[Any, Any], ...]


@dataclass(frozen=True, slots=True)
class OrderBy:
    """Points ordered by the payload value at ``key``."""

    key: str
    direction: str = "asc"
    start_from: float | None = None


@dataclass(frozen=True, slots=True)
class Fusion:
    """Rank fusion of the prefetches' results: ``rrf`` (with ``k`` and per-prefetch
    ``weights``) or ``dbsf`` (scores normalised by mean ± 3σ, summed)."""

    method: str
    k: int = 2
    weights: tuple[float, ...] | None = None


@dataclass(frozen=True, slots=True)
class Sample:
    """A random sample of the candidates."""


@dataclass(frozen=True, slots=True)
class RelevanceFeedback:
    """Near ``target``, corrected by scored examples (Qdrant's naive strategy): the score is
    ``a * sim(target)`` plus, for every ordered pair of examples whose scores differ by
    ``conf > 0``, ``conf**b * c * (sim(better) - sim(worse))``."""

    target: Any
    feedback: tuple[tuple[Any, float], ...]
    a: float
    b: float
    c: float


Node = (
    Nearest
    | Recommend
    | Discover
    | Context
    | OrderBy
    | Fusion
    | Sample
    | Formula
    | RelevanceFeedback
)


@dataclass(frozen=True, slots=True)
class Query:
    """One (possibly nested) query request."""

    query: Node | None = None
    prefetch: tuple[Query, ...] = ()
    using: str | None = None
    filter: Filter | None = None
    score_threshold: float | None = None
    limit: int = 10
    offset: int = 0
    exact: bool = False
    ef: int | None = None
    lookup_from: tuple[str, str | None] | None = None
    idf_corpus: Filter | None = None
    with_payload: Any = False
    with_vector: Any = False


# ----------------------------------------------------------------------------- parsing
def _int(value: Any, name: str, default: int, low: int = 0) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise InvalidInputError(f"Validation error in JSON body: [{name}: value {value} invalid]")
    return value


def _pairs(value: Any, where: str) -> tuple[tuple[Any, Any], ...]:
    items = value if isinstance(value, list) else [] if value is None else [value]
    out = []
    for item in items:
        if not isinstance(item, dict) or "positive" not in item or "negative" not in item:
            raise InvalidInputError(f"{where}: each context pair needs positive and negative")
        out.append((item["positive"], item["negative"]))
    return tuple(out)


def parse_node(value: Any) -> Node | None:
    """A query node from Qdrant's ``query`` value."""
    if value is None:
        return None
    if not isinstance(value, dict) or ({"indices", "values"} >= set(value) and value):
        return Nearest(value)
    if "model" in value and ("text" in value or "image" in value or "object" in value):
        return Nearest(value)  # a Document, embedded server-side
    if "formula" in value and set(value) <= {"formula", "defaults"}:
        return parse_formula(value["formula"], value.get("defaults"))
    if len(value) != 1 and not ("nearest" in value and set(value) <= {"nearest", "mmr"}):
        raise InvalidInputError(f"a query takes one kind, not {sorted(value)}")
    kind, body = next(iter(value.items()))
    if kind == "nearest":
        mmr = value.get("mmr")
        if mmr is None:
            return Nearest(body)
        if not isinstance(mmr, dict):
            raise InvalidInputError("mmr must be an object {diversity, candidates_limit}")
        diversity = mmr.get("diversity", 0.5)
        if not isinstance(diversity, (int, float)) or not 0.0 <= diversity <= 1.0:
            raise ValidationError(
                f"Validation error in JSON body: [mmr.diversity: value {diversity} invalid,"
                " must be from 0 to 1]"
            )
        cand = mmr.get("candidates_limit")
        return Nearest(
            body,
            (float(diversity), None if cand is None else _int(cand, "mmr.candidates_limit", 1, 1)),
        )
    if kind == "recommend":
        b = body if isinstance(body, dict) else {}
        strategy = b.get("strategy") or "average_vector"
        if strategy not in ("average_vector", "best_score", "sum_scores"):
            raise InvalidInputError(f"unknown recommend strategy {strategy!r}")
        return Recommend(tuple(b.get("positive") or ()), tuple(b.get("negative") or ()), strategy)
    if kind == "discover":
        b = body if isinstance(body, dict) else {}
        if "target" not in b:
            raise InvalidInputError("discover needs a target")
        return Discover(b["target"], _pairs(b.get("context"), "discover.context"))
    if kind == "context":
        return Context(_pairs(body, "context"))
    if kind == "order_by":
        if isinstance(body, str):
            return OrderBy(body)
        if not isinstance(body, dict) or not isinstance(body.get("key"), str):
            raise InvalidInputError("order_by needs a key")
        direction = body.get("direction") or "asc"
        if direction not in ("asc", "desc"):
            raise InvalidInputError(f"order_by direction must be asc or desc, not {direction!r}")
        start = body.get("start_from")
        if isinstance(start, str):
            start = parse_datetime(start)
        return OrderBy(body["key"], direction, start)
    if kind == "fusion":
        if body not in ("rrf", "dbsf"):
            raise InvalidInputError(f"unknown fusion {body!r}")
        return Fusion(body)
    if kind == "rrf":
        b = body if isinstance(body, dict) else {}
        weights = b.get("weights")
        return Fusion("rrf", _int(b.get("k"), "rrf.k", 2, 1), tuple(weights) if weights else None)
    if kind == "sample":
        return Sample()
    if kind == "relevance_feedback":
        return _feedback(body)
    raise InvalidInputError(f"unknown query kind {kind!r}")


def _feedback(body: Any) -> RelevanceFeedback:
    if not isinstance(body, dict) or not {"target", "feedback", "strategy"} <= set(body):
        raise InvalidInputError("relevance_feedback needs target, feedback and strategy")
    items = body["feedback"]
    if not isinstance(items, list):
        raise InvalidInputError("relevance_feedback.feedback must be a list")
    strategy = body["strategy"]
    naive = strategy.get("naive") if isinstance(strategy, dict) else None
    if not isinstance(naive, dict) or not {"a", "b", "c"} <= set(naive):
        raise InvalidInputError("relevance_feedback.strategy must be {naive: {a, b, c}}")
    coef = []
    for k in ("a", "b", "c"):
        v = naive[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise InvalidInputError(f"relevance_feedback.strategy.naive.{k} must be a number")
        coef.append(float(v))
    if coef[1] < 0:
        raise ValidationError(
            "Validation error in JSON body: [internal.query.relevance_feedback.strategy.naive.b:"
            f" value {coef[1]} invalid, must be 0.0 or larger]"
        )
    if not items:
        raise InvalidInputError("Bad request: feedback elements must be non-empty")
    feedback = []
    for it in items:
        if not isinstance(it, dict) or "example" not in it or "score" not in it:
            raise InvalidInputError("each feedback item needs example and score")
        sc = it["score"]
        if isinstance(sc, bool) or not isinstance(sc, (int, float)):
            raise InvalidInputError("a feedback score must be a number")
        feedback.append((it["example"], float(sc)))
    return RelevanceFeedback(body["target"], tuple(feedback), *coef)


def parse_query(body: dict[str, Any], *, default_limit: int = 10) -> Query:
    """A :class:`Query` from Qdrant's QueryRequest JSON."""
    if not isinstance(body, dict):
        raise InvalidInputError("a query request must be a JSON object")
    node = parse_node(body.get("query"))
    using = body.get("using")
    prefetch = body.get("prefetch")
    if isinstance(prefetch, dict):
        prefetch = [prefetch]
    subs = tuple(parse_query(p, default_limit=10) for p in (prefetch or []))
    if isinstance(node, Fusion) and not subs:
        if using is not None:
            raise InvalidInputError(
                "Bad request: Fusion queries cannot be combined with the 'using' field."
            )
        raise InvalidInputError("Bad request: Fusion queries require prefetches")
    if isinstance(node, OrderBy) and body.get("offset"):
        raise InvalidInputError(
            "Bad request: Offset is not supported with order_by; use start_from instead"
        )
    params = body.get("params") or {}
    lookup = body.get("lookup_from")
    threshold = body.get("score_threshold")
    if threshold is not None and (
        isinstance(threshold, bool) or not isinstance(threshold, (int, float))
    ):
        raise InvalidInputError("score_threshold must be a number")
    return Query(
        query=node,
        prefetch=subs,
        using=using,
        filter=parse_filter(body.get("filter")),
        score_threshold=threshold,
        limit=_int(body.get("limit", body.get("top")), "limit", default_limit),
        offset=_int(body.get("offset"), "offset", 0),
        exact=bool(params.get("exact", False)),
        ef=_ef(params.get("hnsw_ef")),
        lookup_from=(lookup["collection"], lookup.get("vector")) if lookup else None,
        idf_corpus=_idf_corpus(params.get("idf")),
        with_payload=_with_payload(body.get("with_payload", False)),
        with_vector=body.get("with_vector", body.get("with_vectors", False)) or False,
    )


def _idf_corpus(value: Any) -> Filter | None:
    """``params.idf``: "global" (every point) or ``{"corpus": filter}``."""
    if value is None:
        return None
    if value == "global":
        return Filter()  # every point
    if isinstance(value, dict) and "corpus" in value:
        return parse_filter(value["corpus"]) or Filter()
    raise InvalidInputError('params.idf must be "global" or {"corpus": filter}')


def _ef(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(
            f"Validation error in JSON body: [params.hnsw_ef: value {value} invalid,"
            " must be 1 or larger]"
        )
    return value


def _with_payload(value: Any) -> Any:
    if isinstance(value, dict) and value.get("include") is None and value.get("exclude") is None:
        return True
    return value


# ----------------------------------------------------------------------------- running
Resolver = Callable[[str], Any]


@dataclass
class _Hits:
    """Internal results: slots and scores, best first (scores as answered)."""

    slots: list[int]
    scores: list[float]


def _space(col: Any, using: str) -> DenseSpace | SparseSpace:
    if using == col.config.primary:
        return DenseSpace(using, col.dim, col.config.distance)
    space = col.spaces.get(using)
    if space is None:
        raise InvalidInputError(f"Wrong input: Not existing vector name error: {using}")
    return space


def _default_using(col: Any) -> str:
    if col.config.primary is not None:
        return col.config.primary
    return "" if "" in col.spaces else next(iter(col.spaces), "")


def _has(col: Any, using: str) -> np.ndarray:
    """Slots (live) that hold a vector in ``using`` (read lock held)."""
    return col.vector_mask(using)  # type: ignore[no-any-return]


def _stored(col: Any, using: str, slot: int) -> Any:
    if using == col.config.primary:
        return np.asarray(col._vectors[slot])
    return col.stores[using].values[slot]


class _Run:
    """One query's execution over a collection (read lock held throughout)."""

    def __init__(self, col: Any, resolve: Resolver) -> None:
        self.col = col
        self.resolve = resolve
        self.excluded: set[PointId] = set()

    # -- vector inputs
    def vector(self, value: Any, using: str, lookup: tuple[str, str | None] | None) -> Any:
        """A prepared vector in ``using``'s space; a point id is looked up (in
        ``lookup_from`` when given) and excluded from the results."""
        space = _space(self.col, using)
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            pid = normalize_id(value)
            source = self.col if lookup is None else self.resolve(lookup[0])
            name = using if lookup is None or lookup[1] is None else lookup[1]
            if lookup is None:
                self.excluded.add(pid)
            slot = source.slot_of.get(pid)
            if slot is None:
                raise NotFoundError(f"No point with id {pid} found")
            if name == source.config.primary:
                if slot in source.absent:
                    raise InvalidInputError(
                        f"Bad request: Vector with name `{name}` is not set for point {pid}"
                    )
                v = np.asarray(source._vectors[slot])
            else:
                if name not in source.stores:
                    raise InvalidInputError(f"Wrong input: Not existing vector name error: {name}")
                v = source.stores[name].values.get(slot)
                if v is None:
                    raise InvalidInputError(
                        f"Bad request: Vector with name `{name}` is not set for point {pid}"
                    )
            if lookup is not None:
                other = _space(source, name)
                if (
                    isinstance(other, DenseSpace)
                    and isinstance(space, DenseSpace)
                    and other.size != space.size
                ):
                    raise InvalidInputError(
                        f"Wrong input: Vector dimension error: expected dim: {space.size},"
                        f" got {other.size}"
                    )
            return v
        if isinstance(value, dict) and "text" in value and "indices" not in value:
            model = str(value.get("model", "")).lower()
            if model not in BM25_MODELS or not isinstance(space, SparseSpace):
                raise UnsupportedError(
                    f"no server-side inference for model {value.get('model')!r} into `{using}`"
                    f" (available: {', '.join(sorted(BM25_MODELS))} into sparse spaces)"
                )
            return Bm25.from_options(value.get("options")).query(str(value["text"]))
        if isinstance(value, dict) and "indices" not in value:
            raise InvalidInputError("a vector must be a list of numbers or {indices, values}")
        if isinstance(space, SparseSpace) and not isinstance(value, dict):
            raise InvalidInputError(
                f"Wrong input: Conversion between sparse and regular vectors failed for {using}"
            )
        if isinstance(space, DenseSpace) and isinstance(value, dict):
            raise InvalidInputError(
                f"Wrong input: Conversion between sparse and regular vectors failed for {using}"
            )
        if (
            isinstance(space, DenseSpace)
            and space.multivector
            and isinstance(value, list)
            and value
            and not isinstance(value[0], list)
        ):
            value = [value]
        return space.prepare(value, "query")

    # -- similarity of candidates to example vectors (higher is more similar)
    def sims(
        self, using: str, example: Any, slots: Sequence[int], *, elementwise: bool = False
    ) -> np.ndarray:
        space = _space(self.col, using)
        if not slots:
            return np.zeros(0, np.float32)
        if isinstance(space, SparseSpace):
            store = self.col.stores[using]
            q = dict(zip(example.indices.tolist(), example.values.tolist(), strict=True))
            out = []
            for s in slots:
                v: SparseVector = store.values[s]
                out.append(
                    sum(
                        q.get(i, 0.0) * x
                        for i, x in zip(v.indices.tolist(), v.values.tolist(), strict=True)
                    )
                )
            return np.asarray(out, np.float32)
        if space.multivector:
            sign = 1.0 if space.higher_is_better else -1.0
            return np.asarray(
                [sign * space.score(example, _stored(self.col, using, s)) for s in slots],
                np.float32,
            )
        if using == self.col.config.primary:
            mat = np.asarray(self.col._vectors[np.asarray(slots, dtype=np.int64)])
        else:
            mat = np.stack([_stored(self.col, using, s) for s in slots])
        d = space.distance.value
        if d in ("Cosine", "Dot") and elementwise:
            # f32 products summed in order: Qdrant's numbers to the last digit at small sizes
            return (mat * example[None, :]).sum(axis=1, dtype=np.float32)
        if d in ("Cosine", "Dot"):
            return (example[None, :] @ mat.T)[0]  # the product exact search uses
        if d == "Euclid":
            return -np.sqrt(((mat - example) ** 2).sum(axis=1))
        return -np.abs(mat - example).sum(axis=1)

    # -- the query tree
    def run(self, q: Query, top: bool) -> _Hits:
        col = self.col
        using = q.using if q.using is not None else _default_using(col)
        node = q.query
        allowed = col._mask(q.filter)
        if q.prefetch:
            subs = [self.run(_with_filter(p, q.filter), False) for p in q.prefetch]
            if isinstance(node, Fusion):
                if q.using is not None:  # checked after the prefetches resolved their examples
                    raise InvalidInputError(
                        "Bad request: Fusion queries cannot be combined with the 'using' field."
                    )
                hits = _fuse(node, subs, allowed)
            elif isinstance(node, Formula):
                hits = self.formula(node, subs, allowed)
            else:
                cand = np.zeros(col.n_slots, dtype=bool)
                for h in subs:
                    if h.slots:
                        cand[np.asarray(h.slots, dtype=np.int64)] = True
                if node is None:
                    merged = _Hits([], [])
                    seen: set[int] = set()
                    for h in subs:
                        for s, sc in zip(h.slots, h.scores, strict=True):
                            if s not in seen and allowed[s]:
                                seen.add(s)
                                merged.slots.append(s)
                                merged.scores.append(sc)
                    hits = merged
                else:
                    hits = self.score(node, q, using, allowed & cand, restricted=True)
        elif node is None:
            hits = self.scroll(allowed)
        elif isinstance(node, Formula):
            hits = self.formula(node, [], allowed)
        else:
            hits = self.score(node, q, using, allowed, restricted=False)
        hits = self.cut(hits, q, using, node)
        return hits

    def cut(self, hits: _Hits, q: Query, using: str, node: Node | None) -> _Hits:
        """Drop excluded ids, apply the score threshold, offset and limit."""
        slots, scores = hits.slots, hits.scores
        if self.excluded:
            ex = {self.col.slot_of[p] for p in self.excluded if p in self.col.slot_of}
            keep = [k for k, s in enumerate(slots) if s not in ex]
            slots, scores = [slots[k] for k in keep], [scores[k] for k in keep]
        if q.score_threshold is not None and not isinstance(node, OrderBy | Sample):
            higher = True
            if isinstance(node, Nearest):
                higher = _space(self.col, using).higher_is_better
            t = q.score_threshold
            keep = [k for k, sc in enumerate(scores) if (sc >= t if higher else sc <= t)]
            slots, scores = [slots[k] for k in keep], [scores[k] for k in keep]
        lo, hi = q.offset, q.offset + q.limit
        return _Hits(slots[lo:hi], scores[lo:hi])

    def scroll(self, allowed: np.ndarray) -> _Hits:
        order, _ = self.col._id_order()
        slots = [s for s in order.tolist() if allowed[s]]
        return _Hits(slots, [0.0] * len(slots))

    def score(
        self, node: Node, q: Query, using: str, allowed: np.ndarray, *, restricted: bool
    ) -> _Hits:
        col = self.col
        if isinstance(node, OrderBy):
            return self.order_by(node, allowed)
        if isinstance(node, Sample):
            slots = np.flatnonzero(allowed).tolist()
            random.shuffle(slots)
            return _Hits(slots, [0.0] * len(slots))
        if isinstance(node, Fusion):
            raise InvalidInputError("Bad request: Fusion queries require prefetches")
        space = _space(col, using)
        lookup = q.lookup_from
        if isinstance(node, Nearest) and node.mmr is None and isinstance(space, SparseSpace):
            v = self.vector(node.vector, using, None)
            corpus = None if q.idf_corpus is None else col._mask(q.idf_corpus)
            slots, scores = col.stores[using].sparse_scores(v, allowed, corpus)
            top, top_scores = ranked(slots, scores, q.limit + q.offset + len(self.excluded))
            return _Hits(top, top_scores)
        plain = isinstance(node, Nearest) and node.mmr is None
        if plain and using == col.config.primary and not restricted:
            v = self.vector(node.vector, using, None)
            k = min(q.limit + q.offset + len(self.excluded), max(len(col), 1))
            scores, slots = col._knn(
                v.reshape(1, -1), max(k, 1), q.filter, q.ef or col.config.ef, q.exact
            )
            pairs = [
                (s, x) for s, x in zip(slots[0].tolist(), scores[0].tolist(), strict=True) if s >= 0
            ]
            return _Hits([s for s, _ in pairs], [x for _, x in pairs])
        # every other kind scores the candidates the mask admits, one by one or at once
        cand = np.flatnonzero(allowed & _has(col, using)).tolist()
        if isinstance(node, Nearest) and node.mmr is not None:
            return self.mmr(node, q, using, allowed, cand)
        if isinstance(node, Nearest):
            v = self.vector(node.vector, using, None)
            sims = self.sims(using, v, cand)
            raw = sims if space.higher_is_better else -sims
            return _rank(cand, sims, raw.tolist())
        if isinstance(node, Recommend):
            if not node.positive and not (node.negative and node.strategy != "average_vector"):
                raise ValidationError(
                    "Validation error in JSON body: [positive: At least one positive vector ID"
                    " required]"
                )
            pos = [self.vector(v, using, lookup) for v in node.positive]
            neg = [self.vector(v, using, lookup) for v in node.negative]
            if node.strategy == "average_vector":
                if isinstance(space, SparseSpace) or space.multivector:
                    example = _average(pos, neg)
                    sims = self.sims(using, example, cand)
                    raw = sims if space.higher_is_better else -sims
                    return _rank(cand, sims, raw.tolist())
                avg = np.mean(pos, axis=0)
                if neg:
                    avg = avg + avg - np.mean(neg, axis=0)
                if space.distance.value == "Cosine":
                    norm = float(np.linalg.norm(avg))
                    avg = avg / norm if norm > 0 else avg
                sims = self.sims(using, avg.astype(np.float32), cand)
                raw = sims if space.higher_is_better else -sims
                return _rank(cand, sims, raw.tolist())
            ps = [self.sims(using, v, cand) for v in pos]
            ns = [self.sims(using, v, cand) for v in neg]
            if node.strategy == "sum_scores":
                total = sum(ps, np.zeros(len(cand))) - sum(ns, np.zeros(len(cand)))
                return _rank(cand, total, total.tolist())
            best_p = np.max(ps, axis=0) if ps else np.full(len(cand), -np.inf)
            best_n = np.max(ns, axis=0) if ns else np.full(len(cand), -np.inf)
            with np.errstate(invalid="ignore"):  # -inf (no examples on a side): unused branch
                score = np.where(best_p > best_n, _ssig(best_p), -_ssig(best_n))
            return _rank(cand, score, score.tolist())
        if isinstance(node, RelevanceFeedback):
            return self.feedback(node, using, lookup, cand)
        if isinstance(node, Discover | Context):
            pairs = [
                (self.vector(p, using, lookup), self.vector(n, using, lookup))
                for p, n in node.pairs
            ]
            if isinstance(node, Context):
                total = np.zeros(len(cand))
                for p, n in pairs:
                    diff = (
                        self.sims(using, p, cand)
                        - self.sims(using, n, cand)
                        - np.float32(1.1920929e-07)
                    )
                    total += _fsig(np.minimum(diff, 0.0))
                return _rank(cand, total, total.tolist())
            target = self.vector(node.target, using, lookup)
            rank = np.zeros(len(cand))
            for p, n in pairs:
                rank += np.sign(self.sims(using, p, cand) - self.sims(using, n, cand))
            score = rank + _ssig(self.sims(using, target, cand))
            return _rank(cand, score, score.tolist())
        raise InvalidInputError(f"unknown query {node!r}")

    def formula(self, node: Formula, subs: list[_Hits], allowed: np.ndarray) -> _Hits:
        """Rescore the prefetches' candidates (every allowed point without prefetches)."""
        per = [dict(zip(h.slots, h.scores, strict=True)) for h in subs]
        if subs:
            seen: dict[int, None] = {}
            for h in subs:
                for s in h.slots:
                    if allowed[s]:
                        seen.setdefault(s)
            cand = list(seen)
        else:
            cand = np.flatnonzero(allowed).tolist()
        masks: dict[int, np.ndarray] = {}

        def matches(flt: Filter, slot: int) -> bool:
            m = masks.get(id(flt))
            if m is None:
                m = masks[id(flt)] = self.col._mask(flt)
            return bool(m[slot])

        scores = [
            evaluate(
                node,
                self.col.payloads[s] or {},
                [p.get(s) for p in per],
                lambda flt, s=s: matches(flt, s),
            )
            for s in cand
        ]
        return _rank(cand, np.asarray(scores), scores)

    def feedback(self, node: RelevanceFeedback, using: str, lookup: Any, cand: list[int]) -> _Hits:
        target = self.vector(node.target, using, lookup)
        examples = [(self.vector(v, using, lookup), sc) for v, sc in node.feedback]
        score = np.float32(node.a) * self.sims(using, target, cand)
        for i, (pv, ps) in enumerate(examples):
            for j, (nv, ns) in enumerate(examples):
                conf = np.float32(ps) - np.float32(ns)
                if i == j or conf <= 0:
                    continue
                weight = np.float32(conf ** np.float32(node.b)) * np.float32(node.c)
                score = score + weight * (self.sims(using, pv, cand) - self.sims(using, nv, cand))
        space = _space(self.col, using)
        raw = score if space.higher_is_better else -score
        return _rank(cand, score, raw.tolist())

    def mmr(
        self, node: Nearest, q: Query, using: str, allowed: np.ndarray, cand: list[int]
    ) -> _Hits:
        """Maximal marginal relevance: greedily the candidate with the best
        ``(1 - diversity) * relevance - diversity * max similarity to those chosen``;
        scores stay the relevance to the query."""
        space = _space(self.col, using)
        diversity, limit = node.mmr  # type: ignore[misc]
        v = self.vector(node.vector, using, None)
        sims = self.sims(using, v, cand)
        order = np.argsort(-sims, kind="stable")[: limit or max(q.limit + q.offset, 1)]
        pool = [cand[k] for k in order]
        rel = sims[order]
        raw = rel if space.higher_is_better else -rel
        want = min(len(pool), q.limit + q.offset)
        chosen: list[int] = []
        best_to_chosen = np.full(len(pool), -np.inf)
        vectors = [_stored(self.col, using, s) for s in pool]
        while len(chosen) < want:
            gain = (1.0 - diversity) * rel - diversity * np.where(
                np.isfinite(best_to_chosen), best_to_chosen, 0.0
            )
            gain[chosen] = -np.inf
            k = int(np.argmax(gain))
            chosen.append(k)
            sims_k = self.sims(using, vectors[k], pool)
            best_to_chosen = np.maximum(best_to_chosen, sims_k)
        return _Hits([pool[k] for k in chosen], [float(raw[k]) for k in chosen])

    def order_by(self, node: OrderBy, allowed: np.ndarray) -> _Hits:
        col = self.col
        if node.key not in col.payload_indexes or col.payload_indexes[node.key].kind not in (
            "integer",
            "float",
            "datetime",
        ):
            raise InvalidInputError(
                f"Bad request: No range index for `order_by` key: `{node.key}`. Please create"
                " one to use `order_by`. Check https://qdrant.tech/documentation/concepts/"
                "indexing/#payload-index to see which payload schemas support Range conditions"
            )
        rows: list[tuple[float, int]] = []
        for s in np.flatnonzero(allowed).tolist():
            for v in values_at(col.payloads[s] or {}, node.key):
                x = parse_datetime(v) if isinstance(v, str) else v
                if isinstance(x, bool) or not isinstance(x, (int, float)):
                    continue
                if node.start_from is not None and (
                    x < node.start_from if node.direction == "asc" else x > node.start_from
                ):
                    continue
                rows.append((float(x), s))
        desc = node.direction == "desc"
        rows.sort(key=lambda r: ((-r[0] if desc else r[0]), r[1]))
        return _Hits([s for _, s in rows], [x for x, _ in rows])


def _average(pos: list[Any], neg: list[Any]) -> Any:
    """Qdrant's average example for sparse vectors (per-index mean, then ``2p - n``) and
    for multi-vectors (every positive row, then every negative row negated)."""
    if isinstance(pos[0], SparseVector):

        def mean(vs: list[SparseVector]) -> dict[int, float]:
            acc: dict[int, float] = {}
            for v in vs:
                for i, x in zip(v.indices.tolist(), v.values.tolist(), strict=True):
                    acc[i] = acc.get(i, 0.0) + x
            return {i: x / len(vs) for i, x in acc.items()}

        p = mean(pos)
        if neg:
            n = mean(neg)
            p = {i: p.get(i, 0.0) * 2 - n.get(i, 0.0) for i in sorted(set(p) | set(n))}
        idx = sorted(p)
        return SparseVector(np.asarray(idx, np.int64), np.asarray([p[i] for i in idx], np.float32))
    rows = [np.asarray(v, np.float32) for v in pos] + [-np.asarray(v, np.float32) for v in neg]
    return np.vstack(rows)


def _with_filter(q: Query, outer: Filter | None) -> Query:
    """``q`` restricted by its parent's filter too (a root filter applies to prefetches)."""
    if outer is None:
        return q
    combined = outer if q.filter is None else Filter(must=[outer, q.filter])
    return replace(q, filter=combined)


def _fsig(x: np.ndarray) -> np.ndarray:
    return x / (1.0 + np.abs(x))


def _ssig(x: np.ndarray) -> np.ndarray:
    return 0.5 * (_fsig(x) + 1.0)


def _rank(cand: list[int], key: np.ndarray, raw: list[float]) -> _Hits:
    order = sorted(range(len(cand)), key=lambda k: (-float(key[k]), cand[k]))
    return _Hits([cand[k] for k in order], [raw[k] for k in order])


def _fuse(node: Fusion, subs: list[_Hits], allowed: np.ndarray) -> _Hits:
    scores: dict[int, float] = {}
    if node.method == "rrf":
        weights = node.weights or (1.0,) * len(subs)
        if len(weights) != len(subs):
            raise InvalidInputError(
                f"Bad request: rrf weights ({len(weights)}) must match the prefetches ({len(subs)})"
            )
        for h, w in zip(subs, weights, strict=True):
            for rank, s in enumerate(h.slots):
                if w > 0:
                    scores[s] = scores.get(s, 0.0) + 1.0 / ((rank + 1) / w + node.k - 1)
                else:
                    scores.setdefault(s, 0.0)
    else:
        for h in subs:
            if not h.scores:
                continue
            n = len(h.scores)
            mean = sum(h.scores) / n
            var = sum((x - mean) ** 2 for x in h.scores) / (n - 1) if n > 1 else 0.0
            std = math.sqrt(var)
            lo, hi = mean - 3 * std, mean + 3 * std
            for s, x in zip(h.slots, h.scores, strict=True):
                norm = (x - lo) / (hi - lo) if hi > lo else 0.5
                scores[s] = scores.get(s, 0.0) + norm
    ranked = sorted(
        ((s, sc) for s, sc in scores.items() if allowed[s]), key=lambda kv: (-kv[1], kv[0])
    )
    return _Hits([s for s, _ in ranked], [sc for _, sc in ranked])


def distance_matrix(
    col: Any, sample: int, limit: int, filter: Any = None, using: str | None = None
) -> tuple[list[PointId], list[list[tuple[int, float]]]]:
    """Qdrant's search matrix: ``sample`` points (all when fewer; a random sample else,
    in id order) and, for each, its ``limit`` nearest among them (itself excluded), as
    (column index, score) pairs."""
    for name, v in (("sample", sample), ("limit", limit)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValidationError(
                f"Validation error in JSON body: [{name}: value {v} invalid, must be 1 or larger]"
            )
    name = using if using is not None else _default_using(col)
    flt = parse_filter(filter)
    with col._rw.read():
        space = _space(col, name)
        allowed = col._mask(flt) & _has(col, name)
        order, _ = col._id_order()
        slots = [s for s in order.tolist() if allowed[s]]
        if len(slots) > sample:
            picked = set(random.sample(slots, sample))
            slots = [s for s in slots if s in picked]  # still in id order
        run = _Run(col, lambda n: None)
        column = {slot: k for k, slot in enumerate(slots)}
        rows = []
        for s in slots:
            others = [t for t in slots if t != s]
            sims = run.sims(name, _stored(col, name, s), others, elementwise=True)
            raw = sims if space.higher_is_better else -sims
            ranked = sorted(range(len(others)), key=lambda k: (-float(sims[k]), others[k]))
            rows.append([(column[others[k]], float(raw[k])) for k in ranked[:limit]])
        return [col.ids[s] for s in slots], rows


def _resolve_lookups(q: Query, resolve: Resolver, into: dict[str, Any]) -> None:
    """Every ``lookup_from`` collection of the tree, opened before anything runs (a missing
    one is a 404 even when no example needs it)."""
    if q.lookup_from is not None and q.lookup_from[0] not in into:
        try:
            into[q.lookup_from[0]] = resolve(q.lookup_from[0])
        except NotFoundError:
            raise NotFoundError(f"Collection {q.lookup_from[0]} not found") from None
    for sub in q.prefetch:
        _resolve_lookups(sub, resolve, into)


def run_query(col: Any, q: Query, resolve: Resolver) -> list[ScoredPoint]:
    """Run ``q`` over ``col``; ``resolve(name)`` opens another collection (lookup_from)."""
    using = q.using if q.using is not None else _default_using(col)
    if q.idf_corpus is not None:
        space = _space(col, using)
        if not (isinstance(space, SparseSpace) and space.modifier == "idf"):
            raise InvalidInputError(
                f"Bad request: params.idf needs a sparse vector with the idf modifier;"
                f" `{using}` has none"
            )
    lookups: dict[str, Any] = {}
    _resolve_lookups(q, resolve, lookups)
    if (
        isinstance(q.query, Nearest)
        and q.query.mmr is None
        and not q.prefetch
        and not (isinstance(q.query.vector, (int, str)) and not isinstance(q.query.vector, bool))
        and using == col.config.primary
        and q.limit > 0
    ):
        return col.search(
            q.query.vector,
            q.limit,
            filter=q.filter,
            score_threshold=q.score_threshold,
            offset=q.offset,
            with_payload=q.with_payload,
            with_vectors=q.with_vector,
            ef=q.ef,
            exact=q.exact,
        )
    higher = True
    if isinstance(q.query, Nearest):
        higher = _space(col, using).higher_is_better
    with col._pin.read():
        with col._rw.read():
            r = _Run(col, lambda name: lookups[name] if name in lookups else resolve(name))
            hits = r.run(q, True)
        out = col.hits_in_slices(
            hits.scores, hits.slots, None, q.with_payload, q.with_vector, higher
        )
    if isinstance(q.query, OrderBy):
        for p in out:  # the "scores" were the order values
            v, p.score = p.score, 0.0
            p.order_value = int(v) if float(v).is_integer() else v
    return out
