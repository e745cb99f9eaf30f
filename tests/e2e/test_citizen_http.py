"""The mini-program's contract over HTTP against the real local stack."""

from __future__ import annotations

VILLAGE = "369902001001"


def submission(phone="13900001111", **over):
    body = {"type": "complaint", "description": "小区门口有人占道摆摊卖菜，影响通行",
            "region_code": VILLAGE, "phone": phone, "name": "李四", "category": "A0101"}
    body.update(over)
    return body


def test_idempotent_retry_yields_one_ticket_one_entry_one_sms(client, key):
    auth = client.login("e2e-retry")
    phone = "13900002222"
    # a request the duty list can't place goes to the review queue: one step, one SMS
    body = submission(phone=phone, category=None, type="consult",
                      description="你好，我有个问题想问一下，麻烦回电")
    responses = [client.post("/v1/tickets", headers={**auth, "Idempotency-Key": key}, json=body)
                 for _ in range(3)]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert len({r.json()["id"] for r in responses}) == 1
    ticket = responses[0].json()
    mine = client.get("/v1/me/tickets", headers=auth).json()["items"]
    assert [t["id"] for t in mine] == [ticket["id"]]
    detail = client.get(f"/v1/tickets/{ticket['id']}", headers=auth).json()
    assert [e["kind"] for e in detail["timeline"]] == ["submitted"]
    texts = client.sms_to("+86" + phone)
    assert len(texts) == 1 and ticket["code"] in texts[0]


def test_routed_ticket_retries_add_nothing(client, key):
    auth = client.login("e2e-routed")
    phone = "13900003333"
    first = client.post("/v1/tickets", headers={**auth, "Idempotency-Key": key},
                        json=submission(phone=phone))
    assert first.status_code == 201 and first.json()["status"] == "dispatched"
    before = client.get(f"/v1/tickets/{first.json()['id']}", headers=auth).json()["timeline"]
    sms_before = client.sms_to("+86" + phone)
    for _ in range(2):
        again = client.post("/v1/tickets", headers={**auth, "Idempotency-Key": key},
                            json=submission(phone=phone))
        assert again.json()["id"] == first.json()["id"]
    after = client.get(f"/v1/tickets/{first.json()['id']}", headers=auth).json()["timeline"]
    assert after == before and [e["kind"] for e in after] == ["submitted", "dispatched"]
    assert client.sms_to("+86" + phone) == sms_before
    conflict = client.post("/v1/tickets", headers={**auth, "Idempotency-Key": key},
                           json=submission(phone=phone, description="完全不同的另一件事情"))
    assert conflict.status_code == 409
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"


def test_someone_elses_ticket_is_404(client, key):
    alice = client.login("e2e-alice")
    bob = client.login("e2e-bob")
    ticket = client.post("/v1/tickets", headers={**alice, "Idempotency-Key": key},
                         json=submission()).json()
    r = client.get(f"/v1/tickets/{ticket['id']}", headers=bob)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.post(f"/v1/tickets/{ticket['id']}/withdraw", headers=bob).status_code == 404
    assert client.get(f"/v1/tickets/{ticket['id']}", headers=alice).status_code == 200


def test_bad_requests_are_4xx_with_one_shape(client, key):
    auth = client.login("e2e-bad")
    h = {**auth, "Idempotency-Key": key, "Content-Type": "application/json"}
    cases = [
        (client.post("/v1/tickets", headers=h, data=b"{not json"), 400, "bad_json"),
        (client.post("/v1/tickets", headers=h, data=b"\xff\xfe"), 400, "bad_json"),
        (client.post("/v1/tickets", headers=h, json=submission(phone="abc")), 400,
         "invalid_phone"),
        (client.post("/v1/tickets", headers=h, json=submission(region_code="110000000000")), 400,
         "unknown_region"),
        (client.post("/v1/tickets", headers=h, json=submission(description="长" * 4001)), 400,
         "too_long"),
        (client.post("/v1/tickets", headers=h, json=[1, 2]), 400, "wrong_type"),
        (client.post("/v1/tickets", headers=h, data=b'{"a":"' + b"x" * 70000 + b'"}'), 413,
         "payload_too_large"),
        (client.post("/v1/tickets", headers={"Idempotency-Key": key}, json=submission()), 401,
         "unauthorized"),
        (client.post("/v1/tickets", headers={"Authorization": "Bearer nope",
                                             "Idempotency-Key": key}, json=submission()), 401,
         "invalid_token"),
        (client.post("/v1/tickets", headers=auth, json=submission()), 400,
         "missing_idempotency_key"),
        (client.post("/v1/tickets", headers={**h, "Content-Type": "text/plain"}, data=b"hi"), 415,
         "unsupported_media_type"),
        (client.post("/v1/auth/wechat", json={"code": "bogus"}), 401, "invalid_wechat_code"),
        (client.get("/v1/places/999999999999"), 404, "unknown_region"),
        (client.get("/v1/me/tickets?cursor=garbage", headers=auth), 400, "invalid_cursor"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (code, response.text)
        error = response.json()["error"]
        assert error["code"] == code and error["message"], response.text
    assert client.get("/v1/me/tickets", headers=auth).json()["items"] == []


def test_reference_data_and_uploads(client):
    tree = client.get("/v1/categories").json()["categories"]
    assert len(tree) >= 15 and sum(len(c["children"]) for c in tree) >= 80
    place = client.get(f"/v1/places/{VILLAGE}").json()
    assert place["name"] == "红旗社区" and [p["level"] for p in place["chain"]] == [
        "village", "township", "county", "city"]
    auth = client.login("e2e-upload")
    up = client.post("/v1/attachments", headers=auth,
                     json={"content_type": "image/png", "size": 1000})
    assert up.status_code == 201 and up.json()["url"].startswith("http")
    assert up.json()["key"].endswith(".png")
