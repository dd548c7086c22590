import pytest

from core.ids import MAX_ID, parse_id, parse_ids


@pytest.mark.parametrize("value", ["1", " 42 ", "007", str(MAX_ID), 5])
def test_an_id_in_ascii_digits_is_read(value):
    assert parse_id(value) == int(str(value).strip())


@pytest.mark.parametrize(
    "value", ["", None, "²", "١٢", "-1", "0", "+3", "1.0", "1e3", str(MAX_ID + 1), str(10**30), "1\x00", True, [1]]
)
def test_anything_else_is_no_id(value):
    assert parse_id(value) is None


def test_a_list_of_ids_keeps_the_valid_distinct_ones_in_order_up_to_the_limit():
    assert parse_ids(["3", "²", "1", "3", str(10**30), "2"]) == [3, 1, 2]
    assert parse_ids([str(n) for n in range(1, 1001)], limit=10) == list(range(1, 11))
