"""Issue 15's pure rules: partner signatures and replay window, QR places, import rows,
retention's redaction; and the partner callback client's real adapter against a local server."""

from __future__ import annotations

import http.server
import threading

import pytest

from chalicelib.adapters.partner_http import CallbackFailed, UrllibCallbacks
from chalicelib.domain import imports, partners, places, retention
from chalicelib.domain.errors import ValidationError

KEY = "k" * 32


# ------------------------------------------------------------------ partner signatures
def test_a_signature_binds_the_time_the_method_the_path_and_the_body():
    sig = partners.sign(KEY, "1796000000", "POST", "/v1/partners/renmin/tickets", b'{"a":1}')
    partners.verify(KEY, "1796000000", sig, "POST", "/v1/partners/renmin/tickets", b'{"a":1}')
    for args in (("1796000001", "POST", "/v1/partners/renmin/tickets", b'{"a":1}'),
                 ("1796000000", "GET", "/v1/partners/renmin/tickets", b'{"a":1}'),
                 ("1796000000", "POST", "/v1/partners/xinfang/tickets", b'{"a":1}'),
                 ("1796000000", "POST", "/v1/partners/renmin/tickets", b'{"a":2}')):
        with pytest.raises(partners.BadSignature):
            partners.verify(KEY, args[0], sig, *args[1:])
    with pytest.raises(partners.BadSignature):
        partners.verify("x" * 32, "1796000000", sig, "POST", "/v1/partners/renmin/tickets",
                        b'{"a":1}')


@pytest.mark.parametrize("timestamp,ok", [("1000", True), ("1300", True), ("700", True),
                                          ("1301", False), ("699", False), ("", False),
                                          (None, False), ("12a", False), ("-5", False)])
def test_the_replay_window(timestamp, ok):
    if ok:
        assert partners.check_timestamp(timestamp, 1000.0, 300) == int(timestamp)
    else:
        with pytest.raises(partners.StaleRequest):
            partners.check_timestamp(timestamp, 1000.0, 300)


def test_which_steps_a_partner_is_told_and_the_backoff():
    assert partners.reported("signed", True) and partners.reported("replied", True)
    assert not partners.reported("submitted", True)         # it made that one itself
    assert not partners.reported("signed", False)            # staff-only entries
    assert not partners.reported("anonymized", True)
    assert [partners.backoff(n) for n in (1, 2, 3, 10, 20)] == [60, 120, 240, 21600, 21600]


# ------------------------------------------------------------------ the real callback client
class _Handler(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        _Handler.seen.append((self.path, dict(self.headers), body))
        self.send_response(500 if self.path == "/broken" else 204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    _Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_the_urllib_adapter_posts_and_raises_on_failure(server):
    client = UrllibCallbacks(timeout=2)
    assert client.post(server + "/steps", b'{"x":1}', {"X-Minyi-Delivery": "d-1"}) == 204
    path, headers, body = _Handler.seen[0]
    assert (path, body, headers["X-Minyi-Delivery"]) == ("/steps", b'{"x":1}', "d-1")
    assert headers["Content-Type"].startswith("application/json")
    with pytest.raises(CallbackFailed, match="HTTP 500"):
        client.post(server + "/broken", b"{}", {})
    with pytest.raises(CallbackFailed):
        client.post("http://127.0.0.1:9/closed", b"{}", {})


# ------------------------------------------------------------------ QR places
def test_a_place_row_is_checked():
    place = places.parse_place({"place_id": "hq-b12", "name": " 12栋 ", "kind": "building",
                                "region_code": "369902001001", "lat": 25.8, "lng": 114.9})
    assert place.name == "12栋" and place.to_dict()["kind_label"] == "楼栋"
    assert places.Place.from_record("hq-b12", place.record()) == place
    for bad, field in (({"place_id": "HQ"}, "place_id"), ({"kind": "tower"}, "kind"),
                       ({"region_code": "3699"}, "region_code"), ({"lat": 1.0}, "lat"),
                       ({"name": ""}, "name")):
        row = {"place_id": "hq-b12", "name": "12栋", "kind": "building",
               "region_code": "369902001001", **bad}
        with pytest.raises(ValidationError) as info:
            places.parse_place(row)
        assert info.value.field == field


# ------------------------------------------------------------------ imports
def test_duty_rows_name_their_row_and_column():
    rows = [(2, {"category": "A10", "region_code": "1", "lead": "u-a", "co_units": "u-b、u-c"}),
            (5, {"category": "A10", "region_code": "2", "lead": "u-a", "co_units": "u-a"})]
    known = {"categories": {"A10"}, "regions": {"1", "2"},
             "units": {"u-a": True, "u-b": True, "u-c": True}}
    assert imports.parse_duty_list(rows[:1], **known) == {
        ("A10", "1"): {"lead": "u-a", "co_units": ["u-b", "u-c"]}}
    with pytest.raises(ValidationError) as info:
        imports.parse_duty_list(rows, **known)
    assert info.value.message == "第 5 行：协办单位重复或与主办单位相同"
    assert info.value.field == "co_units"


def test_diff_of_two_lists():
    current = {"a": 1, "b": 2, "c": 3}
    new = {"a": 1, "b": 20, "d": 4}
    assert imports.diff(current, new, replace=True) == {
        "added": [{"key": "d", "after": 4}], "changed": [{"key": "b", "before": 2, "after": 20}],
        "removed": [{"key": "c", "before": 3}], "unchanged": 1}
    assert imports.diff(current, new, replace=False)["removed"] == []


# ------------------------------------------------------------------ retention
def test_redaction_keeps_codes_and_numbers_and_drops_free_text():
    data = {"snap": {"code": "2611230000001", "status": "closed"}, "satisfaction": 1,
            "resolved": True, "outcome": "satisfied", "unit_id": "u-vil-hongqi",
            "comment": "王师傅很好", "plan": "明年整改", "public": {"text": "联系了张三"},
            "agent": "disp_liumin", "phone": "+8613812345678", "channel": "wechat"}
    assert retention.redact_data(data) == {
        "snap": {"code": "2611230000001", "status": "closed"}, "satisfaction": 1,
        "resolved": True, "outcome": "satisfied", "unit_id": "u-vil-hongqi",
        "agent": "disp_liumin", "channel": "wechat"}
    assert retention.redact_reporters([{"ticket_id": "t", "citizen_id": "wx:a", "at": 1}]) == [
        {"ticket_id": "t", "at": 1}]
    order = {"status": "closed", "due_at": 5, "response": {"text": "已联系张三整改", "by": "h1",
                                                          "unit_id": "u-vil-hongqi"},
             "history": [{"note": "请尽快处理", "level": "township"}]}
    assert retention.redact_record(order) == {
        "status": "closed", "due_at": 5, "response": {"by": "h1", "unit_id": "u-vil-hongqi"},
        "history": [{"level": "township"}]}


# ------------------------------------------------------------------ the console's catalogue
def test_every_admin_function_has_a_sample_event_and_a_line_in_docs_admin_md():
    import json
    from pathlib import Path

    import app as app_module

    root = Path(__file__).resolve().parents[2]
    samples = {p.stem: json.loads(p.read_text(encoding="utf-8"))
               for p in (root / "events" / "admin").glob("*.json")}
    functions = {f.name for f in app_module.app.pure_lambda_functions
                 if f.name.startswith("admin_")}
    # functions older than docs/admin.md, documented where they were built
    older = {"admin_calendar_override", "admin_sla_policy", "admin_load_reference",
             "admin_holiday_notice", "admin_open311_client", "admin_recompute_measures"}
    assert set(samples) == functions - older
    doc = (root / "docs" / "admin.md").read_text(encoding="utf-8")
    for name in functions:
        assert f"`{name}`" in doc, name
    for name in samples:
        assert f"`events/admin/{name}.json`" in doc, name
