"""The SMS template catalogue: typed parameters, provider rules, and the only place wording
lives."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from chalicelib.domain import messages as m

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
CATALOGUE_DIR = ROOT / "domain" / "messages"
CODE = "3699020261123"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _example(cls: type[m.Message]) -> m.Message:
    values = {"code": CODE, "due": "11月23日10:00", "unit": "红旗村村委会", "channel": "110报警",
              "note": "经调查已依法处理", "summary": "路灯坏了", "count": "1",
              "comment": "还是没修好", "phase": "签收", "query": CODE, "primary": CODE,
              "track": CODE, "status": "办理中", "step": "已派单", "question": "如何办理居住证",
              "until": "2026-12-31", "title": "红旗街道11月月报", "url": "https://r.example/m1",
              "place": "红旗街道", "category": "市政设施", "detail": "占本月12%",
              "agency": "消防救援（119）", "number": "119"}
    import dataclasses
    return cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})


@pytest.mark.parametrize("name", sorted(m.CATALOGUE))
def test_every_template_renders_and_has_provider_texts(name):
    cls = m.CATALOGUE[name]
    msg = _example(cls)
    text = msg.render("12345")
    assert text.startswith("【12345】") and "{" not in text and CJK.search(text)
    assert list(msg.params()) == cls.variables()
    assert re.findall(r"\{(\d+)\}", cls.tencent_text()) == [
        str(i + 1) for i in range(len(cls.variables()))]
    assert re.findall(r"\$\{(\w+)\}", cls.aliyun_text()) == cls.variables()
    # the same template, rendered through the provider syntax, is the same SMS
    filled = cls.tencent_text()
    for i, value in enumerate(msg.param_list()):
        filled = filled.replace(f"{{{i + 1}}}", value)
    assert f"【12345】{filled}" == text


def test_parameters_are_typed_and_checked():
    with pytest.raises(ValueError):
        m.Replied("12345")                                   # not a ticket code
    with pytest.raises(ValueError):
        m.UnitOverdue(CODE, "红旗村", "处理")                  # not one of the phases
    with pytest.raises(TypeError):
        m.Replied(None)
    assert m.UnitLookAgain(CODE, 2).count == "2"
    assert m.UnitNewTicket(CODE, "11月23日10:00", "很" * 80).summary == "很" * 29 + "…"


def test_provider_length_rules():
    note = "经核查，该路段的占道经营已由街道执法中队依法劝离，并设置了固定的便民摊点。" * 3
    msg = m.ReviewExplained(CODE, note)
    # Aliyun: 35 characters a variable: free text is shortened, the code is kept whole
    fitted = msg.fit(m.ALIYUN)
    assert len(fitted.note) == 35 and fitted.note.endswith("…") and fitted.code == CODE
    # Tencent, individually verified account: 12 characters a variable; a 13-digit code can't
    # be shortened, so the template can't be sent from such an account
    with pytest.raises(m.ParameterTooLong) as err:
        msg.fit(m.TENCENT_INDIVIDUAL)
    assert (err.value.name, err.value.length, err.value.limit) == ("code", 13, 12)
    # an organisation's Tencent account: no per-variable limit, 500 characters in all
    assert msg.fit(m.TENCENT_ORGANISATION) is msg
    with pytest.raises(m.ParameterTooLong):
        m.ReviewExplained(CODE, "长" * 200).fit(m.VariableRules("x", None, max_message=100))
    # Aliyun refuses empty variables
    with pytest.raises(m.ParameterTooLong):
        m.UnitEscalated(CODE, "").fit(m.ALIYUN)


def test_send_takes_only_catalogue_messages():
    from chalicelib.services import notify
    with pytest.raises(TypeError):
        notify.send_now("+8613800138000", "【12345】任意文字", kind="x")


# --- the wording lives in exactly one place ---------------------------------------------------
def _sources():
    return [p for p in ROOT.rglob("*.py") if p.parent != CATALOGUE_DIR]


def _fragments() -> set[str]:
    out = set()
    for cls in m.CATALOGUE.values():
        for piece in re.split(r"\{[a-z_]+\}", cls.wording):
            for run in re.findall(r"[\u4e00-\u9fff，。：（）“”]{6,}", piece):
                out.add(run)
    return out


def test_no_sms_wording_outside_the_catalogue():
    fragments = _fragments()
    assert len(fragments) > 30
    problems = []
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if re.search(r"【[^】]+】", node.value):
                    problems.append(f"{path.name}:{node.lineno}: a signature outside the catalogue")
                problems += [f"{path.name}:{node.lineno}: {frag!r}" for frag in fragments
                             if frag in node.value]
            if isinstance(node, ast.Call):
                name = (node.func.attr if isinstance(node.func, ast.Attribute) else
                        getattr(node.func, "id", ""))
                if name in ("send", "clarify_once", "deliver"):
                    for arg in node.args:
                        if isinstance(arg, ast.JoinedStr) or (
                                isinstance(arg, ast.Constant) and isinstance(arg.value, str)
                                and CJK.search(arg.value)):
                            problems.append(f"{path.name}:{node.lineno}: text passed to {name}")
        if re.search(r"notify\.PREFIX|^PREFIX\s*=\s*\"【", source, re.M):
            problems.append(f"{path.name}: SMS prefix outside the catalogue")
    assert problems == []


def test_shortening_never_cuts_a_redaction_placeholder():
    # the unit's summary is redacted first (notify.excerpt), then the template may shorten it
    # again (its own cap, or Aliyun's 35 characters): a placeholder is dropped, never cut
    msg = m.UnitNewTicket(CODE, "11月23日10:00", "很" * 25 + "[身份证号]反映路灯坏了")
    assert msg.summary == "很" * 25 + "…"
    fitted = m.ReviewExplained(CODE, "经" * 32 + "[电话]" + "核" * 20).fit(m.ALIYUN)
    assert fitted.note == "经" * 32 + "…" and len(fitted.note) <= 35


def test_a_placeholder_is_used_once():
    # Tencent numbers each variable once ({1}, {2}...): a repeated value is its own parameter
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Twice(m.Message):
        name = "twice_test"
        wording = "工单{code}，请回复“查询 {code}”"
        code: str = m.param(m.CODE)

    with pytest.raises(ValueError, match="used twice"):
        m.template(Twice)
    assert "twice_test" not in m.CATALOGUE


def test_acceptance_tells_how_to_track_with_or_without_a_deadline():
    from chalicelib.services import notify
    dated = notify.accepted(CODE, 1795485600, "红旗村村委会").render()
    undated = notify.accepted(CODE, None).render()       # answered at once: no deadline
    for text in (dated, undated):
        assert "手机号后4位" in text and f"查询 {CODE}" in text
    assert "前答复" in dated and "前答复" not in undated and "红旗村村委会" in dated
