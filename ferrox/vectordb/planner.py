"""The search planner: which path answers a k-nearest search, decided from the
collection's counts before anything is scored.

:func:`plan` reads a :class:`SearchShape` (what is asked, what the collection holds)
and tries the rules of :data:`RULES` in order; the first that applies names the
route. A graph walk also gets its beam width (widened when a filter leaves a share of
the points), how many candidates to fetch (more when they are re-scored on the floats
after an int8 walk), and whether the slots past the graph are scanned exactly."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FILTER_MIN_EF",
    "FILTER_SCAN_POINTS",
    "FILTER_SCAN_SHARE",
    "RULES",
    "Plan",
    "Route",
    "SearchShape",
    "plan",
]

# filtered searches scan the matches exactly below either bound (measured on 31k MiniLM
# vectors: the scan and the widened graph walk cost about the same around 2-5%)
FILTER_SCAN_POINTS = 1_000
FILTER_SCAN_SHARE = 0.02
# a filtered walk keeps fewer candidates per step: its beam starts at this width, below
# which filtered recall fell under 0.95 at 5% selectivity
FILTER_MIN_EF = 64
MAX_FILTER_EF = 4096
LSH_SCAN_POINTS = 256  # an LSH collection this small is scanned


class Route(StrEnum):
    """How a search is answered."""

    EXACT = "exact"
    """Every allowed slot scored (the oracle)."""
    GRAPH = "graph"
    """The HNSW walk, plus an exact scan of the slots the graph does not hold yet."""
    LSH = "lsh"
    """The buckets of the locality-sensitive hash, re-scored exactly."""


@dataclass(frozen=True)
class SearchShape:
    """What the planner looks at."""

    index: str
    """The collection's index kind: ``hnsw``, ``lsh`` or ``exact``."""
    k: int
    """Results wanted (limit plus offset, bounded by the collection)."""
    ef: int
    """The beam width asked for (or the collection's)."""
    live: int
    """Points in the collection."""
    allowed: int
    """Points a search may answer: live, with a vector, passing the filter."""
    masked: bool
    """Whether a mask restricts the slots (a filter, deleted slots, absent vectors)."""
    n_slots: int
    """Slots in use, dead ones included."""
    graph: int | None = None
    """Slots the graph holds (a prefix); None when there is no graph."""
    graph_growable: bool = True
    """Whether the graph is the current generation's (else a renumbered one)."""
    full_scan_threshold: int = 10_000
    """Collections of at most this many points are scanned (Qdrant's option)."""
    quantized: bool = False
    """Whether the graph walks int8 codes (candidates are re-scored on the floats)."""
    exact: bool = False
    """Whether the caller asked for an exact search."""

    @property
    def selectivity(self) -> float:
        """The share of the points a search may answer."""
        return self.allowed / max(self.live, 1)


@dataclass(frozen=True)
class Plan:
    """The planner's answer."""

    route: Route
    rule: str
    """The name of the rule that chose the route."""
    ef: int = 0
    """The graph walk's beam width."""
    fetch: int = 0
    """Candidates the graph returns."""
    tail: bool = False
    """Whether slots past the graph are scanned exactly and merged."""
    build: bool = False
    """Whether a (catch-up) graph build should be scheduled."""


def _small(s: SearchShape) -> bool:
    if s.index == "hnsw":
        return s.live <= max(s.full_scan_threshold, 1)
    return s.live <= LSH_SCAN_POINTS


def _few_matches(s: SearchShape) -> bool:
    # a graph walk would visit mostly filtered-out nodes
    return (
        s.index == "hnsw"
        and s.masked
        and (s.allowed <= FILTER_SCAN_POINTS or s.selectivity < FILTER_SCAN_SHARE)
    )


RULES: tuple[tuple[str, Callable[[SearchShape], bool], Route], ...] = (
    ("exact asked for", lambda s: s.exact, Route.EXACT),
    ("exact index", lambda s: s.index == "exact", Route.EXACT),
    ("small collection", _small, Route.EXACT),
    ("at most 4k points allowed", lambda s: s.allowed <= 4 * s.k, Route.EXACT),
    ("filter leaves few points", _few_matches, Route.EXACT),
    ("lsh index", lambda s: s.index == "lsh", Route.LSH),
    ("no graph yet", lambda s: s.graph is None, Route.EXACT),
    ("graph", lambda s: True, Route.GRAPH),
)
"""(name, applies, route), tried in order."""


def plan(shape: SearchShape) -> Plan:
    """The route for ``shape`` and, for the graph, how to walk it."""
    behind = shape.graph is None or shape.graph < shape.n_slots or not shape.graph_growable
    build = shape.index == "hnsw" and behind
    name, route = next((name, route) for name, applies, route in RULES if applies(shape))
    if route is Route.EXACT and name != "no graph yet":
        build = False  # decided before the graph mattered: leave the builds to the writes
    if route is not Route.GRAPH:
        return Plan(route, name, build=build)
    ef = max(shape.ef, shape.k)
    if shape.masked and shape.selectivity < 1.0:
        ef = int(min(max(ef, FILTER_MIN_EF) / math.sqrt(shape.selectivity), MAX_FILTER_EF))
    fetch = max(4 * shape.k, shape.k + 16) if shape.quantized else shape.k
    tail = shape.graph is not None and shape.graph < shape.n_slots
    return Plan(route, name, ef=ef, fetch=fetch, tail=tail, build=build)
