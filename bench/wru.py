"""Write units (WRU) per submission and per staff action, by table and index.

    .venv/bin/python bench/wru.py [--text-len N]

One ticket walked through the usual steps on in-process moto (the demo city): a categorized
submission (routed to 红旗社区), sign-in, a phone contact, an extension request and its approval,
the reply; a second ticket returned (退单) by the unit and re-dispatched by the dispatcher. Each
write is priced from the item before and after it and the tables' real index projections
(bench/_wru.py states the rules). Idempotency records are part of the submission.
"""

from __future__ import annotations

import argparse
import json

import _harness  # noqa: F401  (first: environment, call counter)
from _harness import demo_city, quiet_stdout
from _wru import WriteMeter

TEXT = "小区物业不作为，楼道垃圾一周没人清理，业主多次反映没有结果"


def scenario(text_len: int) -> list[tuple[str, dict]]:
    with demo_city(sms="record") as city:
        from chalicelib.services import intake, staff
        from chalicelib.services.staff_auth import StaffUser

        handler = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
        dispatcher = StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"}))
        meter = WriteMeter()
        text = (TEXT * (text_len // len(TEXT) + 1))[:text_len] if text_len else TEXT
        body = {"type": "complaint", "description": text, "region_code": "369902001001",
                "phone": "13812345678", "category": "A1001"}
        out = []

        def step(label, fn):
            meter.reset()
            with quiet_stdout():
                result = fn()
            out.append((label, dict(meter.units)))
            city.clock.advance(600)
            return result

        with quiet_stdout():       # a first submission warms the caches, not counted
            intake.submit(dict(body), citizen_id="wx:warm", channel="wechat",
                          idempotency_key="k-wru-warm")
        t = step("submission", lambda: intake.submit(dict(body), citizen_id="wx:wru",
                                                     channel="wechat",
                                                     idempotency_key="k-wru-00001"))["id"]
        step("sign", lambda: staff.perform(handler, t, "sign", {}))
        step("contact", lambda: staff.perform(handler, t, "contact", {"outcome": "reached"}))
        step("extension request", lambda: staff.perform(
            handler, t, "extension", {"reason": "需协调多个部门", "new_due_at": "2026-12-15"}))
        step("extension approval", lambda: staff.perform(
            dispatcher, t, "extension/decision", {"approve": True}))
        step("reply", lambda: staff.perform(handler, t, "reply",
                                            {"text": "已联系城管清理", "grade": "A"}))
        t2 = intake.submit(dict(body), citizen_id="wx:wru2", channel="wechat",
                           idempotency_key="k-wru-00002")["id"]
        step("return (退单)", lambda: staff.perform(handler, t2, "return",
                                                  {"reason": "不属于本单位职责"}))
        step("re-dispatch", lambda: staff.perform(dispatcher, t2, "dispatch",
                                                  {"unit_id": "u-vil-hongqi"}))
        return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--text-len", type=int, default=0)
    args = parser.parse_args()
    rows = scenario(args.text_len)
    for label, units in rows:
        total = sum(units.values())
        detail = {f"{t}.{i}" if i != "table" else t: u for (t, i), u in sorted(units.items())}
        print(f"{label:<20} {total:>4} WRU  {json.dumps(detail, ensure_ascii=False)}")


if __name__ == "__main__":
    main()
