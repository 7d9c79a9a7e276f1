from __future__ import annotations

import pytest

from ferrox import errors


def test_every_error_derives_from_ferrox_error() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, errors.FerroxError)
        assert 400 <= cls.status_code < 600


def test_errors_keep_their_standard_bases() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.NotFoundError, LookupError)
    assert issubclass(errors.MissingRuleError, NotImplementedError)
    assert issubclass(errors.ExpressionError, errors.InvalidInputError)
    with pytest.raises(ValueError, match="bad"):
        raise errors.ShapeError("bad shape")


def test_name_is_the_class_name() -> None:
    assert errors.TraceError("x").name == "TraceError"
