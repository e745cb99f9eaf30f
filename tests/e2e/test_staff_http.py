"""One ticket from the mini-program through dispatch, sign-in, contact and reply, over HTTP."""

from __future__ import annotations

from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"


def staff(user: str, unit: str, roles) -> dict:
    return {"Authorization": f"Bearer {issue_dev_token(user, unit, roles)}"}


DISPATCHER = staff("disp_liumin", "u-center", ["dispatcher"])
HANDLER = staff("h_vil_hongqi_chen", "u-vil-hongqi", ["handler"])
STRANGER = staff("h_vil_longgang_zeng", "u-vil-longgang", ["handler"])


def test_walk_a_ticket_to_reply(client, key):
    citizen = client.login("e2e-walk")
    phone = "13900005555"
    t = client.post("/v1/tickets", headers={**citizen, "Idempotency-Key": key}, json={
        "type": "consult", "description": "你好，我有个问题想问一下，麻烦回电",
        "region_code": HONGQI, "phone": phone}).json()
    assert t["status"] == "submitted"                           # the review queue (研判)
    queue = client.get("/v1/staff/queue", headers=DISPATCHER).json()
    assert t["id"] in [i["id"] for i in queue["items"]]
    assert client.get(f"/v1/staff/tickets/{t['id']}", headers=HANDLER).status_code == 404

    r = client.post(f"/v1/staff/tickets/{t['id']}/dispatch", headers=DISPATCHER,
                    json={"unit_id": "u-vil-hongqi", "category": "A1001"})
    assert r.status_code == 200 and r.json()["status"] == "dispatched", r.text
    r = client.post(f"/v1/staff/tickets/{t['id']}/reply", headers=HANDLER,
                    json={"text": "已处理", "grade": "A"})
    assert r.status_code == 409 and "签收" in r.json()["error"]["message"]
    r = client.post(f"/v1/staff/tickets/{t['id']}/sign", headers=HANDLER)
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    version = r.json()["version"]
    r = client.post(f"/v1/staff/tickets/{t['id']}/contact", headers=HANDLER,
                    json={"outcome": "reached", "note": "已电话联系诉求人", "version": version})
    assert r.status_code == 200
    stale = client.post(f"/v1/staff/tickets/{t['id']}/reply", headers=HANDLER,
                        json={"text": "答复", "grade": "A", "version": version})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "version_conflict"
    r = client.post(f"/v1/staff/tickets/{t['id']}/reply", headers=HANDLER,
                    json={"text": "已联系物业，本周内完成清理", "grade": "A"})
    assert r.status_code == 200 and r.json()["status"] == "replied"

    mine = client.get(f"/v1/tickets/{t['id']}", headers=citizen).json()
    assert mine["status"] == "replied" and mine["reply"]["text"].startswith("已联系物业")
    assert [e["kind"] for e in mine["timeline"]] == [
        "submitted", "dispatched", "signed", "contacted", "replied"]
    texts = client.sms_to("+86" + phone)
    assert any("已转交" in s for s in texts) and any("已办理答复" in s for s in texts)


def test_staff_auth_and_scope(client, key):
    citizen = client.login("e2e-scope")
    t = client.post("/v1/tickets", headers={**citizen, "Idempotency-Key": key}, json={
        "type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
        "region_code": HONGQI, "phone": "13900006666", "category": "A1001"}).json()
    assert client.get("/v1/staff/queue").status_code == 401
    assert client.get("/v1/staff/queue",
                      headers={"Authorization": "Bearer garbage"}).status_code == 403
    assert client.get("/v1/staff/queue", headers=citizen).status_code == 403   # citizen token
    assert client.get(f"/v1/staff/tickets/{t['id']}", headers=STRANGER).status_code == 404
    assert client.post(f"/v1/staff/tickets/{t['id']}/sign",
                       headers=STRANGER).status_code == 404
    r = client.post(f"/v1/staff/tickets/{t['id']}/sign", headers=DISPATCHER)
    assert r.status_code == 403 and r.json()["error"]["code"] == "role_required"
    r = client.post(f"/v1/staff/tickets/{t['id']}/reply", headers=HANDLER, data=b"{oops",
                    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "bad_json"
    r = client.post("/v1/staff/tickets", headers={**DISPATCHER, "Idempotency-Key": key + "-p"},
                    json={"type": "help", "description": "老人摔倒了需要社区帮忙联系家属",
                          "region_code": HONGQI, "phone": "13900007777"})
    assert r.status_code == 201 and r.json()["channel"] == "phone"
