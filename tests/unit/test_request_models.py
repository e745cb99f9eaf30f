"""Typed request models at the edge (issue 10 point 3): one parse function turns a body into its
model, or into the project's ValidationError exactly as clients saw it before the models."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.api import models
from chalicelib.domain.errors import ValidationError
from chalicelib.domain.intake import Location, Submission

GOOD = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜",
        "region_code": "369902001001", "phone": "13812345678"}


def refused(model, body) -> dict:
    with pytest.raises(ValidationError) as info:
        models.parse(model, body)
    assert info.value.status == 400
    return info.value.to_dict()


@pytest.mark.parametrize("body,expected", [
    ([1, 2], {"code": "wrong_type", "message": "请求内容应为 JSON 对象"}),
    ({**GOOD, "zzz": 1, "aaa": 2, "type": "bad"},       # unknown fields first, by name
     {"code": "unknown_field", "message": "不认识的字段：aaa", "field": "aaa"}),
    ({k: v for k, v in GOOD.items() if k != "type"},
     {"code": "missing_field", "message": "缺少必填项：type", "field": "type"}),
    ({**GOOD, "type": "praise", "phone": "1"},          # the first field in order is reported
     {"code": "invalid_type", "field": "type",
      "message": "诉求类型应为 咨询/投诉/求助/建议/举报 之一"}),
    ({**GOOD, "description": "  短  "},
     {"code": "missing_field", "message": "description 不能为空", "field": "description"}),
    ({**GOOD, "description": "长" * 4001},
     {"code": "too_long", "message": "description 不能超过 4000 个字", "field": "description"}),
    ({**GOOD, "region_code": "abc"},
     {"code": "unknown_region", "message": "地区编码不正确", "field": "region_code"}),
    ({**GOOD, "phone": "12345"},
     {"code": "invalid_phone", "message": "手机号码格式不正确", "field": "phone"}),
    ({**GOOD, "name": 7}, {"code": "wrong_type", "message": "name 应为文字", "field": "name"}),
    ({**GOOD, "location": {"lat": 91, "lng": 1}},
     {"code": "invalid_location", "message": "位置坐标不正确", "field": "location.lat"}),
    ({**GOOD, "anonymous": 1},
     {"code": "wrong_type", "message": "anonymous 应为 true 或 false", "field": "anonymous"}),
    ({**GOOD, "attachments": ["x"] * 10},
     {"code": "too_many_attachments", "message": "附件最多 9 个", "field": "attachments"}),
    ({**GOOD, "kb_entry_id": "nope"},
     {"code": "invalid_reference", "message": "kb_entry_id 不正确", "field": "kb_entry_id"}),
])
def test_a_submission_is_refused_as_before(body, expected):
    assert refused(models.SubmissionBody, body) == expected


def test_a_good_submission_is_the_domain_submission():
    body = models.parse(models.SubmissionBody, {**GOOD, "location": {"lat": 25.8, "lng": 114.9},
                                                "anonymous": True})
    submission = body.to_domain()
    assert isinstance(submission, Submission)
    assert submission.phone == "+8613812345678"
    assert submission.location == Location(25.8, 114.9, None)
    assert submission.anonymous is True and submission.public is False
    assert submission.attachments == ()


@pytest.mark.parametrize("action,body,expected", [
    ("reply", {"grade": "A"},
     {"code": "missing_field", "message": "缺少必填项：text", "field": "text"}),
    ("reply", {"text": "已处理", "grade": "E"},
     {"code": "invalid_grade", "field": "grade",
      "message": "grade 应为 A（已解决）/B（已解释）/C（暂不能解决）/D（不认可）"}),
    ("reply", {"text": "已处理", "grade": "C", "plan": 3},
     {"code": "wrong_type", "message": "plan 应为文字", "field": "plan"}),
    ("contact", {}, {"code": "invalid_outcome", "field": "outcome",
                     "message": "outcome 应为 reached / unreachable / refused"}),
    ("extension", {"reason": "需协调", "new_due_at": "tomorrow"},
     {"code": "invalid_datetime", "message": "new_due_at 不是有效的日期时间",
      "field": "new_due_at"}),
    ("extension/decision", {"approve": "yes"},
     {"code": "wrong_type", "message": "approve 应为 true 或 false", "field": "approve"}),
    ("co-units", {"units": "u-1"},
     {"code": "wrong_type", "message": "units 应为单位编号列表（最多 10 个）", "field": "units"}),
    ("reject", {"channel": "法院", "reason": "x"},
     {"code": "invalid_channel", "field": "channel",
      "message": "channel 应为：110报警、119火警、120急救、人民法院、仲裁机构、信访部门、"
                 "纪检监察机关、公安机关、其他"}),
    ("supervise", {"note": "x" * 1001},
     {"code": "too_long", "message": "note 不能超过 1000 个字", "field": "note"}),
    ("sign", {"version": True}, {"code": "wrong_type", "message": "version 应为整数",
                                 "field": "version"}),
    ("return", {"reason": 1, "version": "x"},         # fields before the version, as before
     {"code": "wrong_type", "message": "reason 应为文字", "field": "reason"}),
])
def test_staff_action_bodies_are_refused_as_before(action, body, expected):
    assert refused(models.ACTIONS[action], body) == expected


def test_staff_action_models_carry_typed_values():
    ext = models.parse(models.Extension, {"reason": " 需协调 ", "new_due_at": "2026-12-01",
                                          "version": 4})
    shanghai = dt.timezone(dt.timedelta(hours=8))
    assert ext.reason == "需协调" and ext.version == 4
    assert ext.new_due_at == dt.datetime(2026, 12, 1, 18, tzinfo=shanghai).timestamp()
    units = models.parse(models.CoUnits, {"units": ["u-a", "u-b", "u-a"]})
    assert units.units == ("u-a", "u-b") and units.version is None
    assert models.parse(models.CallerFlag, {"reason": "骚扰"}).flag is True


@pytest.mark.parametrize("model,body,expected", [
    (models.Login, [], {"code": "missing_field", "message": "缺少微信登录凭证 code",
                        "field": "code"}),
    (models.AttachmentBody, {"content_type": "image/gif", "size": 1},
     {"code": "unsupported_file_type", "message": "只能上传 JPG、PNG 图片或 PDF 文件",
      "field": "content_type"}),
    (models.AttachmentBody, {"content_type": "image/png", "size": True},
     {"code": "wrong_type", "message": "size 应为文件字节数", "field": "size"}),
    (models.EvaluationBody, {"resolved": True, "satisfaction": 6},
     {"code": "invalid_satisfaction", "field": "satisfaction",
      "message": "satisfaction 应为 1-5 的整数（1 非常满意 … 5 非常不满意）"}),
    (models.EvaluationBody, {"resolved": True, "satisfaction": 1, "x": 1},
     {"code": "unknown_field", "message": "不认识的字段：x", "field": "x"}),
    (models.WithdrawBody, {"reason": "x" * 501},
     {"code": "wrong_type", "message": "撤回原因应为 500 字以内的文字", "field": "reason"}),
    (models.ReviewDecision, {"reasonable": 1, "note": "x"},
     {"code": "wrong_type", "message": "reasonable 应为 true（诉求合理）或 false（诉求不合理）",
      "field": "reasonable"}),
])
def test_other_bodies_are_refused_as_before(model, body, expected):
    assert refused(model, body) == expected


def test_a_lenient_body_reads_anything_but_an_object_as_empty():
    assert models.parse(models.WithdrawBody, "text").reason is None
    assert models.parse(models.Sign, None).version is None          # a staff action: null is {}
    assert refused(models.SubmissionBody, None) == {"code": "wrong_type",
                                                    "message": "请求内容应为 JSON 对象"}
    assert refused(models.ReviewDecision, None)["field"] == "reasonable"


def test_query_models_read_aliases_and_drop_empty_values():
    q = models.query(models.MeasuresQuery, {"from": "2026-11-01", "to": "", "scope": "unit"})
    assert (q.start, q.end, q.scope, q.rank_by) == ("2026-11-01", None, "unit", None)
