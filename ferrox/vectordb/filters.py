"""Qdrant's filter model: parse a filter once, then test it on one point or mask a whole
collection, using payload indexes where they exist.

A filter is ``{"must": [...], "should": [...], "must_not": [...], "min_should":
{"conditions": [...], "min_count": k}}``; a condition is a field condition (``key`` with
``match``, ``range`` or ``values_count``), ``has_id``, ``is_empty``, ``is_null``,
``nested`` or a filter itself. Keys are dotted paths into nested objects; ``a[].b``
(or plain ``a.b``) walks through arrays, and a condition on an array holds when any
element satisfies it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np

from ferrox.errors import FilterError, InvalidInputError, UnsupportedError, ValidationError
from ferrox.vectordb.models import PointId, normalize_id

__all__ = ["Condition", "Filter", "FilterTarget", "parse_filter", "values_at"]

_MISSING = object()
_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens: the full-text index and text match share this."""
    return _TOKEN.findall(text.lower())


_PART = re.compile(r"^(.*?)((?:\[\d*\])*)$")
_BRACKET = re.compile(r"\[(\d*)\]")


def values_at(payload: Mapping[str, Any], key: str) -> list[Any]:
    """Every value at dotted ``key`` (the last value's array flattened, nulls kept; missing
    gives []). As in Qdrant, a path goes into the objects of an array only through ``[]``
    (``cities[].population``), never implicitly (``cities.population`` finds nothing)."""
    current: list[Any] = [payload]
    for part in key.split("."):
        m = _PART.match(part)
        name, brackets = (m.group(1), _BRACKET.findall(m.group(2))) if m else (part, [])
        nxt: list[Any] = []
        for obj in current:
            if isinstance(obj, dict):
                v = obj.get(name, _MISSING)
                if v is not _MISSING:
                    nxt.append(v)
        for b in brackets:  # "[]" every element, "[i]" the i-th
            step: list[Any] = []
            for v in nxt:
                if isinstance(v, list):
                    if b == "":
                        step.extend(v)
                    elif int(b) < len(v):
                        step.append(v[int(b)])
            nxt = step
        current = nxt
    out: list[Any] = []
    for v in current:
        if isinstance(v, list):
            out.extend(v)
        else:
            out.append(v)
    return out


_DATETIME = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[Tt ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d+))?)?"
    r"(Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_datetime(value: Any) -> float | None:
    """POSIX seconds of an RFC 3339 / ISO 8601 string (naive means UTC), else None."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        m = _DATETIME.match(value.strip())
        if m is None:  # RFC 3339's extended form only (no basic, ordinal or RFC 2822 forms)
            return None
        date, time_, frac, zone = m.groups()
        text = date + ("T" + time_ if time_ else "")
        if frac:
            text += "." + frac[:6].ljust(6, "0")
        if zone in ("Z", "z"):
            zone = "+00:00"
        elif zone and ":" not in zone:
            zone = zone[:3] + ":" + zone[3:]
        try:
            dt = datetime.fromisoformat(text + (zone or ""))
        except ValueError:
            return None
    else:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _same(a: Any, b: Any) -> bool:
    """Match equality: bools only equal bools; ints and integral floats compare as numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    return type(a) is type(b) and a == b


class FilterTarget(Protocol):
    """What :meth:`Condition.mask` needs from a collection (all indexed by slot)."""

    n_slots: int
    live: np.ndarray
    payloads: list[dict[str, Any] | None]
    ids: list[PointId | None]
    slot_of: dict[PointId, int]
    payload_indexes: dict[str, Any]


class Condition:
    """One node of a parsed filter."""

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        """Whether the point with this id and payload satisfies the condition."""
        raise NotImplementedError

    def mask(self, target: FilterTarget) -> np.ndarray:
        """Bool mask over the target's slots (dead slots may be anything)."""
        return _scan(target, self.test)


def _scan(target: FilterTarget, test: Callable[[PointId, Mapping[str, Any]], bool]) -> np.ndarray:
    ids, payloads = target.ids, target.payloads
    return np.fromiter(
        (
            ids[s] is not None and test(ids[s], payloads[s] or {})  # type: ignore[arg-type]
            for s in range(target.n_slots)
        ),
        dtype=bool,
        count=target.n_slots,
    )


class Filter(Condition):
    """``must`` and ``should`` (at least one) and ``min_should`` and not ``must_not``."""

    def __init__(
        self,
        must: Sequence[Condition] = (),
        should: Sequence[Condition] = (),
        must_not: Sequence[Condition] = (),
        min_should: tuple[Sequence[Condition], int] | None = None,
    ) -> None:
        self.must = list(must)
        self.should = list(should)
        self.must_not = list(must_not)
        self.min_should = min_should

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        if not all(c.test(pid, payload) for c in self.must):
            return False
        if self.should and not any(c.test(pid, payload) for c in self.should):
            return False
        if self.min_should is not None:
            conds, k = self.min_should
            if sum(c.test(pid, payload) for c in conds) < k:
                return False
        return not any(c.test(pid, payload) for c in self.must_not)

    def mask(self, target: FilterTarget) -> np.ndarray:
        out = target.live[: target.n_slots].copy()
        for c in self.must:
            out &= c.mask(target)
        if self.should:
            any_ = np.zeros(target.n_slots, dtype=bool)
            for c in self.should:
                any_ |= c.mask(target)
            out &= any_
        if self.min_should is not None:
            conds, k = self.min_should
            counts = np.zeros(target.n_slots, dtype=np.int32)
            for c in conds:
                counts += c.mask(target)
            out &= counts >= k
        for c in self.must_not:
            out &= ~c.mask(target)
        return out


class HasId(Condition):
    """The point's id is one of ``ids``."""

    def __init__(self, ids: Sequence[Any]) -> None:
        self.ids = {normalize_id(i) for i in ids}

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        return pid in self.ids

    def mask(self, target: FilterTarget) -> np.ndarray:
        out = np.zeros(target.n_slots, dtype=bool)
        slots = [target.slot_of[i] for i in self.ids if i in target.slot_of]
        out[slots] = True
        return out


class Slice(Condition):
    """The point falls in part ``index`` of ``total`` disjoint parts that cover every
    point (by a stable hash of its id): parallel scans split a collection this way."""

    def __init__(self, total: int, index: int) -> None:
        self.total = total
        self.index = index

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        digest = hashlib.blake2b(str(pid).encode(), digest_size=8).digest()
        return int.from_bytes(digest, "little") % self.total == self.index


class HasVector(Condition):
    """The point holds a vector named ``name`` (``""``: the unnamed one)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        raise UnsupportedError("has_vector is answered over a collection, not one payload")

    def mask(self, target: FilterTarget) -> np.ndarray:
        return target.vector_mask(self.name)  # type: ignore[attr-defined, no-any-return]


class IsEmpty(Condition):
    """The key is missing, null or an empty array."""

    def __init__(self, key: str) -> None:
        self.key = key

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        return all(v is None for v in values_at(payload, self.key))


class IsNull(Condition):
    """The key is present with the value null."""

    def __init__(self, key: str) -> None:
        self.key = key

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        return any(v is None for v in values_at(payload, self.key))


class Nested(Condition):
    """Some element of the array at ``key`` satisfies the whole inner filter."""

    def __init__(self, key: str, inner: Filter) -> None:
        self.key = key[:-2] if key.endswith("[]") else key
        self.inner = inner

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        return any(
            isinstance(el, dict) and self.inner.test(pid, el) for el in values_at(payload, self.key)
        )


class FieldCondition(Condition):
    """A condition on the values at one key: any value satisfying ``check`` matches."""

    def __init__(self, key: str, kind: str, params: dict[str, Any]) -> None:
        self.key = key
        # value | any | except | text | text_any | phrase | prefix | range | datetime |
        # count | geo_radius | geo_bounding_box | geo_polygon
        self.kind = kind
        self.params = params
        self.check = self._checker()

    def _checker(self) -> Callable[[list[Any]], bool]:
        p = self.params
        if self.kind == "value":
            want = p["value"]
            return lambda vs: any(_same(v, want) for v in vs)
        if self.kind == "any":
            wants = p["any"]
            return lambda vs: any(_same(v, w) for v in vs for w in wants)
        if self.kind == "except":
            excluded = p["except"]
            return lambda vs: any(
                v is not None and not any(_same(v, w) for w in excluded) for v in vs
            )
        if self.kind == "text":
            sub = p["text"]
            return lambda vs: any(isinstance(v, str) and sub in v for v in vs)
        if self.kind == "text_any":
            tokens = set(tokenize(p["text_any"]))
            return lambda vs: any(isinstance(v, str) and tokens & set(tokenize(v)) for v in vs)
        if self.kind == "phrase":
            phrase = tokenize(p["phrase"])
            return lambda vs: (
                bool(phrase)
                and any(isinstance(v, str) and _has_run(tokenize(v), phrase) for v in vs)
            )
        if self.kind == "prefix":
            head = p["prefix"]
            return lambda vs: any(isinstance(v, str) and v.startswith(head) for v in vs)
        if self.kind in _GEO:
            inside = _geo_test(self.kind, p)
            return lambda vs: any(_geo_point(v) is not None and inside(_geo_point(v)) for v in vs)
        if self.kind in ("range", "datetime"):
            lo_hi = _bounds(p)
            convert = parse_datetime if self.kind == "datetime" else _number
            return lambda vs: any(_in_range(convert(v), lo_hi) for v in vs)
        if self.kind == "count":
            lo_hi = _bounds(p)
            return lambda vs: _in_range(float(sum(v is not None for v in vs)), lo_hi)
        raise AssertionError(self.kind)

    def test(self, pid: PointId, payload: Mapping[str, Any]) -> bool:
        return self.check(values_at(payload, self.key))

    def mask(self, target: FilterTarget) -> np.ndarray:
        # with a full-text index, ``text`` matches all query tokens (the index answers);
        # without one, a substring (the scan below), as in Qdrant
        index = target.payload_indexes.get(self.key)
        if index is not None:
            result = index.mask(self, target.n_slots)
            if result is not None:
                return result
        return super().mask(target)


def _has_run(tokens: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(tokens[i : i + n] == run for i in range(len(tokens) - n + 1))


def _geo_point(v: Any) -> tuple[float, float] | None:
    """(lon, lat) of a payload geo point ``{"lon": .., "lat": ..}``."""
    if isinstance(v, dict) and _is_number(v.get("lon")) and _is_number(v.get("lat")):
        return float(v["lon"]), float(v["lat"])
    return None


EARTH_RADIUS_M = 6_371_008.8


def _haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _in_ring(pt: tuple[float, float], ring: list[tuple[float, float]]) -> bool:
    x, y = pt
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def _geo_test(kind: str, p: dict[str, Any]) -> Callable[[tuple[float, float]], bool]:
    if kind == "geo_radius":
        center, radius = p["center"], float(p["radius"])
        return lambda pt: _haversine(center, pt) <= radius
    if kind == "geo_bounding_box":
        (west, north), (east, south) = p["top_left"], p["bottom_right"]

        def in_box(pt: tuple[float, float]) -> bool:
            lon, lat = pt
            if not south <= lat <= north:
                return False
            return west <= lon <= east if west <= east else lon >= west or lon <= east

        return in_box
    exterior, interiors = p["exterior"], p["interiors"]
    return lambda pt: _in_ring(pt, exterior) and not any(_in_ring(pt, r) for r in interiors)


def _number(v: Any) -> float | None:
    return float(v) if _is_number(v) else None


def _in_range(v: float | None, bounds: tuple[float, float, bool, bool]) -> bool:
    if v is None or math.isnan(v):
        return False
    lo, hi, lo_open, hi_open = bounds
    if v < lo or (lo_open and v == lo):
        return False
    return not (v > hi or (hi_open and v == hi))


def _bounds(p: Mapping[str, Any]) -> tuple[float, float, bool, bool]:
    """(low, high, low exclusive, high exclusive) from gt/gte/lt/lte (tightest wins)."""
    lo, hi, lo_open, hi_open = -math.inf, math.inf, False, False
    if p.get("gte") is not None:
        lo = p["gte"]
    if p.get("gt") is not None and p["gt"] >= lo:
        lo, lo_open = p["gt"], True
    if p.get("lte") is not None:
        hi = p["lte"]
    if p.get("lt") is not None and p["lt"] <= hi:
        hi, hi_open = p["lt"], True
    return lo, hi, lo_open, hi_open


# ----------------------------------------------------------------------------- parsing
_FILTER_KEYS = {"must", "should", "must_not", "min_should"}


def parse_filter(data: Any) -> Filter | None:
    """A :class:`Filter` from Qdrant's JSON form (None or {} give None: no filter)."""
    if data is None:
        return None
    if isinstance(data, Filter):
        return data
    if hasattr(data, "model_dump"):  # a qdrant_client model
        data = data.model_dump(exclude_none=True, by_alias=True)
    if not isinstance(data, dict):
        raise FilterError(f"a filter must be a JSON object, not {type(data).__name__}")
    if not data or all(v is None for v in data.values()):
        return None
    try:
        key = json.dumps(data, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):  # not JSON (a tuple key, NaN...): parsed, not kept
        return _filter(data, "filter")
    parsed = _PARSED.get(key)
    if parsed is None:
        parsed = _filter(data, "filter")
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)), None)
        _PARSED[key] = parsed
    return parsed


# the same filter text parses to the same (immutable) Filter object, which lets a
# collection keep the masks of the filters its queries repeat (a tenant's, a category's)
_PARSED: dict[str, Filter] = {}
_PARSED_MAX = 512


def _as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return value
    raise FilterError(f"{where} must be a condition or a list of conditions")


def _filter(data: dict[str, Any], where: str) -> Filter:
    unknown = set(data) - _FILTER_KEYS
    if unknown:
        raise FilterError(f"{where}: unknown filter key(s) {', '.join(sorted(unknown))}")
    must = [_condition(c, f"{where}.must") for c in _as_list(data.get("must"), f"{where}.must")]
    should = [
        _condition(c, f"{where}.should") for c in _as_list(data.get("should"), f"{where}.should")
    ]
    must_not = [
        _condition(c, f"{where}.must_not")
        for c in _as_list(data.get("must_not"), f"{where}.must_not")
    ]
    min_should = None
    ms = data.get("min_should")
    if ms is not None:
        if not isinstance(ms, dict) or "conditions" not in ms or "min_count" not in ms:
            raise FilterError(f"{where}.min_should needs 'conditions' and 'min_count'")
        k = ms["min_count"]
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise FilterError(f"{where}.min_should.min_count must be a non-negative integer")
        conds = [_condition(c, f"{where}.min_should") for c in _as_list(ms["conditions"], where)]
        min_should = (conds, k)
    return Filter(must, should, must_not, min_should)


def _key(data: Any, where: str) -> str:
    key = data.get("key") if isinstance(data, dict) else None
    if not isinstance(key, str) or not key:
        raise FilterError(f"{where}: a condition needs a non-empty string 'key'")
    return key


def _condition(data: Any, where: str) -> Condition:
    if not isinstance(data, dict):
        raise FilterError(f"{where}: a condition must be a JSON object, not {data!r}")
    if set(data) & _FILTER_KEYS and "key" not in data:
        return _filter(data, where)
    if "has_id" in data:
        ids = data["has_id"]
        if not isinstance(ids, list):
            raise FilterError(f"{where}: has_id must be a list of point ids")
        try:
            return HasId(ids)
        except InvalidInputError as exc:
            raise FilterError(f"{where}: {exc}") from exc
    # {"is_empty": {"key": k}}; the flag form {"key": k, "is_empty": true} is a field's
    if "is_empty" in data and not isinstance(data["is_empty"], bool):
        return IsEmpty(_key(data["is_empty"] or {}, f"{where}.is_empty"))
    if "is_null" in data and not isinstance(data["is_null"], bool):
        return IsNull(_key(data["is_null"] or {}, f"{where}.is_null"))
    if "slice" in data:
        s = data["slice"]
        total, index = (s or {}).get("total"), (s or {}).get("index")
        if not isinstance(total, int) or isinstance(total, bool) or total < 1:
            raise FilterError(
                f"Format error in JSON body: {where}.slice.total: invalid value {total!r},"
                " expected a nonzero u32"
            )
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (total, index)) or not (
            0 <= index < total
        ):
            raise ValidationError(
                f"Validation error in JSON body: [{where}.slice: needs integers total >= 1 and"
                " 0 <= index < total]"
            )
        return Slice(total, index)
    if "nested" in data:
        nested = data["nested"]
        if not isinstance(nested, dict) or not isinstance(nested.get("filter"), dict):
            raise FilterError(f"{where}.nested needs 'key' and 'filter'")
        return Nested(_key(nested, f"{where}.nested"), _filter(nested["filter"], f"{where}.nested"))
    if "has_vector" in data:
        name = data["has_vector"]
        if not isinstance(name, str):
            raise FilterError(f"{where}: has_vector takes a vector name")
        return HasVector(name)
    if "key" in data:
        return _field(data, where)
    raise FilterError(f"{where}: unknown condition {sorted(data)}")


_GEO = ("geo_bounding_box", "geo_radius", "geo_polygon")


def _field(data: dict[str, Any], where: str) -> Condition:
    key = _key(data, where)
    for flag, cls in (("is_empty", IsEmpty), ("is_null", IsNull)):
        if isinstance(data.get(flag), bool):  # {"key": k, "is_empty": true}: the flag form
            cond = cls(key)
            return cond if data[flag] else Filter(must_not=[cond])
    present = [k for k in ("match", "range", "values_count", *_GEO) if data.get(k) is not None]
    if len(present) != 1:
        raise ValidationError(
            f"Validation error in JSON body: [{where}: At least one field condition must be"
            f" specified (the condition on {key!r} needs exactly one of match, range,"
            " values_count, geo_radius, geo_bounding_box, geo_polygon)]"
        )
    kind = present[0]
    body = data[kind]
    if not isinstance(body, dict):
        raise FilterError(f"{where} on {key!r}: {kind} must be an object")
    if kind in _GEO:
        return FieldCondition(key, kind, _geo_params(kind, body, f"{where}.{kind}"))
    if kind == "match":
        return _match(key, body, where)
    if kind == "range":
        return _range(key, body, where)
    return FieldCondition(key, "count", _checked_bounds(key, body, where, datetimes=False)[1])


_SCALAR = (str, int, bool)


def _lonlat(v: Any, where: str) -> tuple[float, float]:
    pt = _geo_point(v)
    if pt is None or not (-180 <= pt[0] <= 180 and -90 <= pt[1] <= 90):
        raise FilterError(f"{where}: a geo point is {{lon: -180..180, lat: -90..90}}, not {v!r}")
    return pt


def _geo_params(kind: str, body: dict[str, Any], where: str) -> dict[str, Any]:
    if kind == "geo_radius":
        radius = body.get("radius")
        if not _is_number(radius) or radius < 0:
            raise FilterError(f"{where}: radius must be a non-negative number of meters")
        return {"center": _lonlat(body.get("center"), f"{where}.center"), "radius": radius}
    if kind == "geo_bounding_box":
        return {
            "top_left": _lonlat(body.get("top_left"), f"{where}.top_left"),
            "bottom_right": _lonlat(body.get("bottom_right"), f"{where}.bottom_right"),
        }

    def ring(r: Any, at: str) -> list[tuple[float, float]]:
        pts = (r or {}).get("points") if isinstance(r, dict) else None
        if not isinstance(pts, list) or len(pts) < 4:
            raise ValidationError(
                f"Validation error in JSON body: [{at}: a polygon ring needs at least 4 points]"
            )
        out = [_lonlat(p, at) for p in pts]
        if out[0] != out[-1]:
            raise ValidationError(
                f"Validation error in JSON body: [{at}: the first and the last points of a"
                " ring must be the same]"
            )
        return out[:-1]

    interiors = body.get("interiors") or []
    return {
        "exterior": ring(body.get("exterior"), f"{where}.exterior"),
        "interiors": [ring(r, f"{where}.interiors[{i}]") for i, r in enumerate(interiors)],
    }


def _match(key: str, body: dict[str, Any], where: str) -> FieldCondition:
    for name in ("value", "any", "except", "text", "text_any", "phrase", "prefix"):
        if name in body:
            arg = body[name]
            break
    else:
        raise FilterError(
            f"{where} on {key!r}: match needs value, any, except, text, text_any, phrase or prefix"
        )
    if name == "value" and not isinstance(arg, _SCALAR):
        raise FilterError(f"{where} on {key!r}: match value must be a string, integer or bool")
    if name in ("any", "except") and not (
        isinstance(arg, list) and all(isinstance(a, _SCALAR) for a in arg)
    ):
        raise FilterError(f"{where} on {key!r}: match {name} must be a list of strings or integers")
    if name in ("text", "text_any", "phrase", "prefix") and not isinstance(arg, str):
        raise FilterError(f"{where} on {key!r}: match {name} must be a string")
    return FieldCondition(key, name, {name: arg})


def _range(key: str, body: dict[str, Any], where: str) -> FieldCondition:
    datetimes = any(isinstance(body.get(k), (str, datetime)) for k in ("gt", "gte", "lt", "lte"))
    kind, bounds = _checked_bounds(key, body, where, datetimes=datetimes)
    return FieldCondition(key, kind, bounds)


def _checked_bounds(
    key: str, body: dict[str, Any], where: str, *, datetimes: bool
) -> tuple[str, dict[str, float]]:
    unknown = set(body) - {"gt", "gte", "lt", "lte"}
    if unknown:
        raise FilterError(f"{where} on {key!r}: unknown bound(s) {', '.join(sorted(unknown))}")
    out: dict[str, float] = {}
    for k in ("gt", "gte", "lt", "lte"):
        v = body.get(k)
        if v is None:
            continue
        if datetimes:
            ts = parse_datetime(v)
            if ts is None:
                raise FilterError(f"{where} on {key!r}: {k}={v!r} is not an RFC 3339 datetime")
            out[k] = ts
        elif _is_number(v) and math.isfinite(v):
            out[k] = float(v)
        else:
            raise FilterError(f"{where} on {key!r}: {k} must be a finite number, not {v!r}")
    return ("datetime" if datetimes else "range"), out
