import pytest

from chalicelib.domain.errors import ValidationError
from chalicelib.domain.paging import page_size


def test_page_size():
    assert page_size(None) == 20 and page_size(None, default=5) == 5
    assert page_size("1") == 1 and page_size("100") == 100


@pytest.mark.parametrize("raw", ["0", "101", "-1", "abc", "", "1.5", "²", "٣", " 5"])
def test_bad_page_sizes_are_400(raw):
    with pytest.raises(ValidationError) as info:
        page_size(raw)
    assert info.value.code == "invalid_limit" and info.value.status == 400
