"""Issue 11, fix 4: free text that leaves by SMS is redacted like public text (domain.redaction)."""

from __future__ import annotations

import pytest

from chalicelib.services import notify

ID_NUMBER = "360702199001011234"
DESCRIPTION = f"身份证{ID_NUMBER}的业主反映，小区门口垃圾堆放一周没人清理，联系13912345678"


def test_the_units_sms_carries_no_id_number_nor_phone():
    text = notify.unit_new_ticket("2611230000016", 1795485600, DESCRIPTION).render()
    assert ID_NUMBER not in text and "13912345678" not in text
    assert "[身份证号]" in text and "2611230000016" in text
    assert ID_NUMBER[:10] not in text            # not cut first, leaving digits behind


@pytest.mark.parametrize("build", [
    lambda: notify.unit_look_again("2611230000016", 1, "我叫张建军，电话13912345678，还是很吵"),
    lambda: notify.review_explained("2611230000016", "经核实张建军（13912345678）所述不实"),
    lambda: notify.rejected("2611230000016", "联系陈女士13912345678"),
])
def test_other_free_text_in_sms_is_redacted(build):
    text = build().render()
    assert "13912345678" not in text and "张建军" not in text and "陈女士" not in text


def test_excerpt_never_cuts_a_placeholder():
    out = notify.excerpt("请联系" + "1" * 11 + "尽快处理", 5)
    assert out.count("[") == out.count("]")
    assert notify.excerpt(None, 30) == "" and notify.excerpt("路灯坏了", 30) == "路灯坏了"
