"""Place names in an SMS matched against the region catalog (issue 15 point 11)."""

from __future__ import annotations

from chalicelib.domain.place_names import Place, match

CITY = Place("369900000000", "赣南市", "city", ("369900000000",))
TWP = Place("369902101000", "沙河镇", "township", ("369902101000", "369902000000", CITY.code))
ZHANGMU = Place("369902101201", "樟木村", "village", ("369902101201", TWP.code,
                                                     "369902000000", CITY.code))
HONGQI = Place("369902001001", "红旗社区", "village", ("369902001001", "369902001000",
                                                       "369902000000", CITY.code))
CATALOG = [CITY, TWP, ZHANGMU, HONGQI]


def test_the_deepest_place_on_one_chain_wins():
    assert match("沙河镇樟木村村口的桥塌了", CATALOG) == ZHANGMU
    assert match("沙河镇街上路灯不亮", CATALOG) == TWP


def test_nothing_named_or_two_chains_is_no_place():
    assert match("路灯坏了", CATALOG) is None
    assert match("赣南市的路灯坏了", CATALOG) is None          # the city alone is no place
    assert match("红旗社区和樟木村都停水", CATALOG) is None     # ambiguous
    assert match(None, CATALOG) is None
