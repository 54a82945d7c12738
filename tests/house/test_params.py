"""core.params: strict query-parameter parsers, shared by every app's layers and filters."""

import pytest

from core import params
from core.errors import DomainError


@pytest.mark.parametrize("raw", ["99999999999999999999", "²", "١", "٣٤", "+5", " 5", "5_0", "-1", "1.0", "\x00", "0x10",
                                 "5\n"])
def test_parse_int_takes_ascii_digits_within_bounds_only(raw):
    with pytest.raises(DomainError) as caught:
        params.parse_int(raw, name="hours", minimum=0, maximum=1000)
    assert caught.value.status == 400 and "hours" in str(caught.value)


def test_parse_int_values_and_defaults():
    assert params.parse_int("24", name="hours") == 24
    assert params.parse_int(None, name="hours", default=7) == 7
    assert params.parse_int("", name="hours") is None
    assert params.parse_int(str(params.INT_MAX), name="id") == params.INT_MAX
    with pytest.raises(DomainError):
        params.parse_int(str(params.INT_MAX + 1), name="id")


def test_parse_int_list():
    assert params.parse_int_list("1,2,,3", name="grade", maximum=4) == [1, 2, 3]
    assert params.parse_int_list(",", name="grade") is None
    for raw in ["1,²", "1," + "9" * 20, "0", "5", "a"]:
        with pytest.raises(DomainError, match="grade"):
            params.parse_int_list(raw, name="grade", minimum=1, maximum=4)
    with pytest.raises(DomainError, match="at most"):
        params.parse_int_list(",".join(["1"] * (params.MAX_LIST + 1)), name="id")


def test_parse_choice_and_choice_list():
    assert params.parse_choice("b", name="x", choices=["a", "b"]) == "b"
    assert params.parse_choice(None, name="x", choices=["a"], default="a") == "a"
    assert params.parse_choice_list("a,b", name="x", choices=["a", "b"]) == ["a", "b"]
    for raw in ["\x00", "c", "a,\x00"]:
        with pytest.raises(DomainError) as caught:
            params.parse_choice_list(raw, name="status", choices=["a", "b"])
        assert "status" in str(caught.value) and "\x00" not in str(caught.value)
    with pytest.raises(DomainError):
        params.parse_choice("A", name="x", choices=["a"])


def test_parse_text_list_refuses_control_characters_and_long_values():
    assert params.parse_text_list("E01,E02", name="enterprise") == ["E01", "E02"]
    for raw in ["E01\x00", "a\x1fb", "x" * (params.MAX_TEXT + 1)]:
        with pytest.raises(DomainError, match="enterprise"):
            params.parse_text_list(raw, name="enterprise")


@pytest.mark.parametrize("raw", ["1,2,3", "a,b,c,d", "113.7,22.6,113.5,22.8", "0,-95,1,1", "nan,1,2,3",
                                 "inf,1,2,3", "1e999,1,2,3", "１,2,3,4", "1,2,3,4,5", "\x00,1,2,3",
                                 "9" * 401 + ",1,2,3"])
def test_parse_bbox_refuses_junk(raw):
    with pytest.raises(DomainError, match="bbox"):
        params.parse_bbox(raw)


def test_parse_bbox():
    assert params.parse_bbox("113.5,22.6,113.7,22.8") == (113.5, 22.6, 113.7, 22.8)
    assert params.parse_bbox("") is None and params.parse_bbox(None) is None
