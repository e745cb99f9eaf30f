"""No 500 for anything a client can send: every endpoint, fed mutated bodies, answers 2xx or a
4xx in the one error shape. Deterministic mutations of valid requests, run in-process through
Chalice's test client (API Gateway's behaviour, authorizer included) against moto."""

from __future__ import annotations

import itertools
import json
import random

import app as app_module
from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"
VALID_TICKET = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜，影响通行",
                "region_code": HONGQI, "phone": "13812345678", "category": "A0101",
                "location": {"lat": 25.8, "lng": 114.9, "address": "红旗大道"}}
ODD_VALUES = [None, True, 0, -1, 1e308, "", " ", "x" * 5000, "😀" * 50, "\u0000", [], {},
              [None], {"a": {"b": {"c": []}}}, "2026-13-45", "NaN", 12345678901234567890]


def mutations(body: dict, seed: int, n: int):
    rng = random.Random(seed)
    keys = list(body)
    yield {}
    for key in keys:
        yield {k: v for k, v in body.items() if k != key}               # a field missing
    for key, value in itertools.product(keys, ODD_VALUES):
        yield {**body, key: value}                                       # a field of odd type
    for _ in range(n):
        mutated = dict(body)
        for key in rng.sample(keys, k=rng.randint(1, len(keys))):
            mutated[key] = rng.choice(ODD_VALUES)
        mutated[f"extra{rng.randint(0, 9)}"] = rng.choice(ODD_VALUES)
        yield mutated


RAW_BODIES = [b"", b"null", b"[]", b"\"text\"", b"{", b"\xff\xfe\x00", b"{\"a\":" * 500,
              json.dumps({"k": "v" * 70000}).encode()]


def assert_client_error_shape(response, what):
    assert response.status_code < 500, (what, response.status_code, response.body[:300])
    if response.status_code >= 400 and response.body:
        body = json.loads(response.body)
        error = body.get("error") or {}
        assert error.get("code") and error.get("message"), (what, body)


def login(client, openid="fuzz"):
    r = client.http.post("/v1/auth/wechat", headers={"Content-Type": "application/json"},
                         body=json.dumps({"code": f"test-{openid}"}))
    return {"Authorization": "Bearer " + json.loads(r.body)["token"],
            "Content-Type": "application/json"}


def test_citizen_endpoints_never_500(stack, client):
    auth = login(client)
    created = json.loads(client.http.post(
        "/v1/tickets", headers={**auth, "Idempotency-Key": "fuzz-base-0001"},
        body=json.dumps(VALID_TICKET)).body)
    ticket_id = created["id"]
    targets = [
        ("/v1/tickets", VALID_TICKET),
        (f"/v1/tickets/{ticket_id}/supplements", {"text": "补充", "attachments": []}),
        (f"/v1/tickets/{ticket_id}/evaluation", {"resolved": True, "satisfaction": 1}),
        ("/v1/attachments", {"content_type": "image/png", "size": 100}),
        ("/v1/auth/wechat", {"code": "test-someone"}),
    ]
    for i, (path, valid) in enumerate(targets):
        for j, body in enumerate(mutations(valid, seed=i, n=25)):
            headers = {**auth, "Idempotency-Key": f"fuzz-{i}-{j:04d}"}
            r = client.http.post(path, headers=headers, body=json.dumps(body))
            assert_client_error_shape(r, (path, body))
        for raw in RAW_BODIES:
            r = client.http.post(path, headers={**auth, "Idempotency-Key": f"fuzz-raw-{i}"},
                                 body=raw)
            assert_client_error_shape(r, (path, raw[:40]))
    for path in (f"/v1/tickets/{ticket_id}", "/v1/tickets/%00", "/v1/tickets/" + "A" * 26,
                 "/v1/me/tickets?limit=0", "/v1/me/tickets?limit=abc", "/v1/me/tickets?cursor=%",
                 "/v1/me/tickets?limit=%C2%B2",
                 "/v1/places/abc", "/v1/places/" + "9" * 40):
        assert_client_error_shape(client.http.get(path, headers=auth), path)


def test_staff_endpoints_never_500(stack, client):
    citizen = login(client, "fuzz-staff")
    ticket_id = json.loads(client.http.post(
        "/v1/tickets", headers={**citizen, "Idempotency-Key": "fuzz-staff-base1"},
        body=json.dumps({**VALID_TICKET, "category": "A1001"})).body)["id"]
    tokens = {
        "handler": issue_dev_token("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"]),
        "dispatcher": issue_dev_token("disp_liumin", "u-center", ["dispatcher"]),
        "leader": issue_dev_token("lead_zs_wu", "u-gov-zhangshui", ["leader"]),
    }
    actions = {
        "sign": {}, "contact": {"outcome": "reached", "note": "n"},
        "reply": {"text": "t", "grade": "A"},
        "extension": {"reason": "r", "new_due_at": "2026-12-20"},
        "extension/decision": {"approve": True}, "return": {"reason": "r"},
        "co-units": {"units": ["u-zs-cgj"]}, "escalate": {"reason": "r"},
        "dispatch": {"unit_id": "u-vil-hongqi"}, "reject": {"channel": "110报警", "reason": "r"},
        "supervise": {"note": "n"}, "instruction": {"note": "n"},
        "merge": {"into": "A" * 26, "note": "n"}, "unmerge": {"note": "n"},
        "caller-flag": {"reason": "r", "flag": True},
    }
    for (role, token), (action, valid) in itertools.product(tokens.items(), actions.items()):
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in itertools.islice(mutations({**valid, "version": 1}, seed=len(action), n=4),
                                     12):
            r = client.http.post(f"/v1/staff/tickets/{ticket_id}/{action}", headers=headers,
                                 body=json.dumps(body))
            assert_client_error_shape(r, (role, action, body))
    headers = {"Authorization": f"Bearer {tokens['dispatcher']}",
               "Content-Type": "application/json"}
    for path in ("/v1/staff/queue?light=blue", "/v1/staff/queue?status=closed",
                 "/v1/staff/queue?unit=nope", "/v1/staff/queue?limit=-1",
                 "/v1/staff/queue?cursor=xyz", "/v1/staff/queue?limit=%C2%B2",
                 "/v1/staff/reviews?limit=%C2%B2", "/v1/staff/supervision", "/v1/staff/reviews",
                 "/v1/staff/reviews?limit=zz", f"/v1/staff/tickets/{ticket_id}",
                 "/v1/staff/tickets", "/v1/staff/tickets?code=abc", "/v1/staff/tickets?phone=x",
                 "/v1/staff/tickets?code=1&phone=2", "/v1/staff/tickets?phone=13812345678&cursor=z",
                 "/v1/staff/tickets?phone=13812345678&limit=%C2%B2",
                 f"/v1/staff/tickets/{ticket_id}/duplicates", "/v1/staff/tickets/%00/duplicates"):
        assert_client_error_shape(client.http.get(path, headers=headers), path)
    for body in mutations({"reasonable": True, "note": "n"}, seed=3, n=10):
        r = client.http.post(f"/v1/staff/reviews/{ticket_id}/decision", headers=headers,
                             body=json.dumps(body))
        assert_client_error_shape(r, ("review", body))


def test_webhooks_never_500(stack, client):
    headers = {"Content-Type": "application/json",
               "X-Minyi-Webhook-Token": stack.container.settings.webhook_secret("tencent")}
    valid = {"mobile": "13812345678", "nationcode": "86", "text": "1", "time": 1795399200}
    for body in itertools.chain(mutations(valid, seed=9, n=30), ([valid, 5, None],)):
        payload = body if isinstance(body, list) else [body]
        r = client.http.post("/v1/webhooks/sms/tencent", headers=headers,
                             body=json.dumps(payload))
        assert_client_error_shape(r, ("tencent", payload))
    for raw in RAW_BODIES:
        assert_client_error_shape(client.http.post("/v1/webhooks/sms/tencent", headers=headers,
                                                   body=raw), raw[:40])
    assert_client_error_shape(client.http.post("/v1/webhooks/sms/nope", headers=headers,
                                               body=b"[]"), "unknown provider")


DEEP = b"[" * 990 + b"]" * 990
SURROGATE = "\ud800"


def json_post_routes():
    """Every JSON POST route of the app, from Chalice's own route table (a new route is covered;
    Open311's POST is form-encoded by its spec, fuzzed in tests/integration/test_public_no_500)."""
    return sorted(path for path, methods in app_module.app.routes.items()
                  if "POST" in methods and not path.startswith("/open311/"))


def _bearer(user, unit, roles) -> dict:
    return {"Authorization": "Bearer " + issue_dev_token(user, unit, roles),
            "Content-Type": "application/json"}


def _base_ticket(client, citizen, key) -> str:
    return json.loads(client.http.post(
        "/v1/tickets", headers={**citizen, "Idempotency-Key": key},
        body=json.dumps({**VALID_TICKET, "category": "A1001"})).body)["id"]


def _headers_for(path, citizen, staff, webhook):
    if path.startswith("/v1/staff/"):
        return staff
    if path.startswith("/v1/webhooks/"):
        return webhook
    return citizen


def test_deep_nesting_and_lone_surrogates_are_4xx_on_every_json_route(stack, client):
    """Issue 11, fix 2: ``[``*990 (RecursionError in body parsing) and ``"\\ud800"`` were 500s."""
    citizen = login(client, "fuzz-deep")
    ticket_id = _base_ticket(client, citizen, "fuzz-deep-base1")
    staff = _bearer("disp_liumin", "u-center", ["dispatcher"])
    webhook = {"Content-Type": "application/json",
               "X-Minyi-Webhook-Token": stack.container.settings.webhook_secret("tencent")}
    routes = json_post_routes()
    assert len(routes) >= 21
    for i, route_path in enumerate(routes):
        path = route_path.replace("{ticket_id}", ticket_id).replace("{provider}", "tencent")
        headers = {**_headers_for(route_path, citizen, staff, webhook),
                   "Idempotency-Key": f"fuzz-deep-{i:04d}"}
        for raw in (DEEP, b"{\"a\":" * 990 + b"1" + b"}" * 990,
                    json.dumps({"text": SURROGATE}).encode(),
                    json.dumps([{"mobile": "13812345678", "nationcode": "86", "text": SURROGATE,
                                 "time": 1795399200}]).encode()):
            r = client.http.post(path, headers=headers, body=raw)
            assert 400 <= r.status_code < 500, (route_path, raw[:30], r.status_code, r.body[:200])
            assert_client_error_shape(r, (route_path, raw[:30]))


def test_lone_surrogate_in_each_text_field_is_refused_and_nothing_written(stack, client):
    from chalicelib.adapters.models import TicketEventModel, TicketModel

    citizen = login(client, "fuzz-sur")
    ticket_id = _base_ticket(client, citizen, "fuzz-sur-base01")
    handler = _bearer("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"])
    leader = _bearer("lead_zs_wu", "u-gov-zhangshui", ["leader"])
    agent = _bearer("disp_liumin", "u-center", ["dispatcher"])
    client.http.post(f"/v1/staff/tickets/{ticket_id}/sign", headers=handler, body=b"{}")
    webhook = {"Content-Type": "application/json",
               "X-Minyi-Webhook-Token": stack.container.settings.webhook_secret("tencent")}
    cases = [
        ("/v1/tickets", citizen, {**VALID_TICKET, "name": SURROGATE}),
        ("/v1/staff/tickets", agent, {**VALID_TICKET, "name": SURROGATE}),
        (f"/v1/tickets/{ticket_id}/supplements", citizen, {"text": "补充" + SURROGATE}),
        (f"/v1/staff/tickets/{ticket_id}/contact", handler,
         {"outcome": "reached", "note": SURROGATE}),
        (f"/v1/staff/tickets/{ticket_id}/supervise", leader, {"note": SURROGATE}),
        (f"/v1/staff/tickets/{ticket_id}/instruction", leader, {"note": SURROGATE}),
        ("/v1/webhooks/sms/tencent", webhook,
         [{"mobile": "13812345678", "nationcode": "86", "text": "路灯坏了" + SURROGATE,
           "time": 1795399200}]),
    ]
    count_before = sum(1 for _ in TicketModel.scan())
    events_before = sum(1 for _ in TicketEventModel.scan())
    for n, (path, headers, body) in enumerate(cases):
        r = client.http.post(path, headers={**headers, "Idempotency-Key": f"fuzz-sur-{n:04d}"},
                             body=json.dumps(body))
        assert r.status_code == 400, (path, r.status_code, r.body[:200])
        assert json.loads(r.body)["error"]["code"] == "invalid_text", (path, r.body)
    assert sum(1 for _ in TicketModel.scan()) == count_before
    assert sum(1 for _ in TicketEventModel.scan()) == events_before
