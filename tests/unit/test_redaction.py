"""redact() on a fixture of real-looking texts written to tempt it (tests/unit/fixtures)."""

import pytest

from chalicelib.domain.redaction import redact
from chalicelib.domain.ticket import ticket_code
from tests.leaks import fixture_cases, leaks

CASES = fixture_cases()


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_nothing_personal_survives(case):
    out = redact(case["text"])
    assert leaks(out, case["secrets"]) == [], out


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_ordinary_text_survives(case):
    out = redact(case["text"])
    assert [k for k in case["keep"] if k not in out] == [], out


@pytest.mark.parametrize("case", CASES, ids=[str(i) for i in range(len(CASES))])
def test_idempotent(case):
    once = redact(case["text"])
    assert redact(once) == once


def test_the_fixture_tempts_every_rule():
    """Each kind of personal data is in the fixture, so a rule dropped would fail a case above."""
    text = "\n".join(c["text"] for c in CASES)
    markers = ("我叫", "本人", "姓名", "联系人", "+86", "0797-", "X", "赣B·", "京A", "单元",
               "号楼", "室", "@", "一三九", "１３８", "女士", "师傅")
    for marker in markers:
        assert marker in text, marker


@pytest.mark.parametrize("text, expected", [
    ("电话13812345678", "电话[电话]"),
    ("电话 138-1234-5678。", "电话 [电话]。"),
    ("+86 138 1234 5678", "[电话]"),
    ("座机(0797)8123456", "座机[电话]"),
    ("身份证36070219900101123X", "身份证[身份证号]"),
    ("赣B·12345", "[车牌]"),
    ("京A12345", "[车牌]"),
    ("粤BD12345", "[车牌]"),
    ("粤B12345F", "[车牌]"),
    ("幸福小区3栋2单元501", "幸福小区[地址]"),
    ("12号楼", "[地址]"),
    ("501室", "[地址]"),
    ("我叫王建国", "我叫[姓名]"),
    ("本人张三反映", "本人[姓名]反映"),
    ("联系人：李四", "联系人：[姓名]"),
    ("a.b@c.com", "[邮箱]"),
    ("陈女士", "某女士"),
])
def test_each_rule(text, expected):
    assert redact(text) == expected


def test_ticket_codes_dates_amounts_and_documents_survive():
    code = ticket_code("261202", 17)
    text = (f"工单{code}于2026年12月2日受理，2026-12-03 09:30答复，退还1500000元，"
            "依据国办发〔2020〕53号、GB/T 33358-2016，详询12345，地铁3号线2号口，两室一厅，三楼。")
    assert redact(text) == text


def test_an_invalid_thirteen_digit_number_is_not_taken_for_a_code():
    assert redact("编号2612020000171") == "编号[号码]"


def test_empty():
    assert redact("") == ""


def test_a_number_secret_is_found_as_written_not_inside_scores_or_ids():
    assert leaks("住在502室", ["502"]) == ["502"]
    assert leaks("Room 502, Bldg 3", ["502"]) == ["502"]
    assert leaks('{"score": 0.502, "id": "01KBX502AB", "n": 15020}', ["502"]) == []
