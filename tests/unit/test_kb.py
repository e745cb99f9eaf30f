"""Knowledge-base ranking and entry rules (pure)."""

import pytest

from chalicelib.domain import kb
from chalicelib.domain.classify import tokenize
from chalicelib.domain.errors import ValidationError


def entry(i, question, answer, **kw):
    kw.setdefault("status", kb.APPROVED)
    kw.setdefault("valid_until", "2026-12-31")
    return kb.Entry(f"E{i:025d}", question, answer, "u-x", **kw)


ENTRIES = [
    entry(1, "城乡居民医保怎么缴费", "可通过微信、支付宝或社区服务中心缴纳城乡居民医疗保险费。",
          category="B0101"),
    entry(2, "异地就医如何备案", "登录国家医保服务平台，填写异地就医备案申请。"),
    entry(3, "公积金提取需要什么材料", "身份证、银行卡和购房合同，到公积金中心办理。"),
    entry(4, "路灯不亮找谁", "由城市管理局路灯所负责维修，一般三个工作日内修复。",
          region_scope="369902000000"),
    entry(5, "医保卡丢了怎么补办", "携带身份证到医保经办窗口补办。", status=kb.PENDING),
    entry(6, "医保缴费截止时间", "每年12月31日前缴纳次年医保费。", valid_until="2026-11-01"),
]


@pytest.fixture(scope="module")
def index():
    return kb.Index(ENTRIES, tokenize)


def ids(results):
    return [e.entry_id[-1] for e, _ in results]


def test_the_best_match_comes_first(index):
    assert ids(index.search("我想交城乡居民医保，怎么缴费？", today="2026-11-23"))[0] == "1"
    assert ids(index.search("去外地看病要备案吗 异地就医", today="2026-11-23"))[0] == "2"
    assert ids(index.search("提取公积金", today="2026-11-23")) == ["3"]


def test_pending_and_expired_entries_never_show(index):
    found = ids(index.search("医保 缴费 补办 截止", today="2026-11-23"))
    assert "5" not in found and "6" not in found
    assert "6" in ids(index.search("医保缴费截止时间", today="2026-10-31"))


def test_place_scope(index):
    city_wide = ["369921200201", "369921200000", "369921000000", "369900000000"]
    in_scope = ["369902001001", "369902001000", "369902000000", "369900000000"]
    assert ids(index.search("路灯不亮", today="2026-11-23", chain=city_wide)) == []
    assert ids(index.search("路灯不亮", today="2026-11-23", chain=in_scope)) == ["4"]


def test_nothing_for_unrelated_text(index):
    assert index.search("今天天气不错", today="2026-11-23") == []


def test_parse_entry_rules():
    good = {"question": "问题是什么", "answer": "答案", "valid_until": "2026-12-31"}
    assert kb.parse_entry(good, "2026-11-23")["category"] is None
    for bad, field in [({**good, "valid_until": "2026-11-22"}, "valid_until"),
                       ({**good, "valid_until": "2026-02-30"}, "valid_until"),
                       ({**good, "question": ""}, "question"),
                       ({**good, "answer": "x" * 4001}, "answer"),
                       ({**good, "category": "bad"}, "category"),
                       ({**good, "extra": 1}, "extra")]:
        with pytest.raises(ValidationError) as info:
            kb.parse_entry(bad, "2026-11-23")
        assert info.value.field == field
