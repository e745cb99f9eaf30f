"""码上反映 (issue 15 point 3): QR place codes printed by an admin function carry a signed place
token; the mini-program reads the place from it and submits with it; a forged or altered token,
or a QR entry without one, is refused with a 4xx and a Chinese message."""

from __future__ import annotations

import base64
import json

import jwt
import pytest
from admin_support import invoke, sample

from chalicelib.adapters.models import TicketModel

pytestmark = pytest.mark.usefixtures("no_escalation_timers")
VILLAGE = "369902001001"


@pytest.fixture
def codes(client):
    result = invoke(client, "admin_qr_codes")
    assert result["ok"], result
    return {c["place_id"]: c for c in result["result"]["codes"]}


def login(client, who="qr-alice") -> dict:
    r = client.http.post("/v1/auth/wechat", headers={"Content-Type": "application/json"},
                         body=json.dumps({"code": f"test-{who}"}))
    return {"Authorization": f"Bearer {json.loads(r.body)['token']}",
            "Content-Type": "application/json"}


def submit(client, headers, *, token=None, qr=True, key="qr-key-0001", **over):
    body = {"type": "complaint", "description": "12栋楼道灯坏了一个星期没人修",
            "region_code": VILLAGE, "phone": "13812345678"}
    if token is not None:
        body["place_token"] = token
    body.update(over)
    extra = {"X-Minyi-Entry": "qr"} if qr else {}
    return client.http.post("/v1/tickets", headers={**headers, **extra, "Idempotency-Key": key},
                            body=json.dumps(body, ensure_ascii=False))


def error(response) -> dict:
    return json.loads(response.body)["error"]


def test_the_admin_function_prints_png_and_svg_codes_of_signed_tokens(client, codes):
    assert set(codes) == {p["place_id"] for p in sample("admin_qr_codes")["places"]}
    code = codes["hq-b12"]
    assert base64.b64decode(code["png_base64"]).startswith(b"\x89PNG\r\n\x1a\n")
    assert code["svg"].lstrip().startswith("<svg") and "</svg>" in code["svg"]
    claims = jwt.decode(code["token"], options={"verify_signature": False})
    assert claims == {"typ": "place", "p": "hq-b12", "r": VILLAGE}
    # the code's content is the token: the SVG is segno's code of exactly that text
    import io

    import segno
    svg = io.BytesIO()
    segno.make_qr(code["token"], error="m").save(svg, kind="svg", scale=8, xmldecl=False)
    assert svg.getvalue().decode() == code["svg"]


def test_the_scanned_token_prefills_the_place(client, codes):
    r = client.http.get(f"/v1/places/qr/{codes['hq-b12']['token']}")
    assert r.status_code == 200
    place = json.loads(r.body)
    assert place["name"] == "红旗社区12栋" and place["kind"] == "building"
    assert place["region_code"] == VILLAGE and "红旗社区" in place["region_name"]


def test_a_qr_submission_carries_the_verified_place(client, codes):
    headers = login(client)
    r = submit(client, headers, token=codes["hq-b12"]["token"])
    assert r.status_code == 201, r.body
    ticket = json.loads(r.body)
    assert ticket["channel"] == "qr"
    assert ticket["place"] == {"id": "hq-b12", "name": "红旗社区12栋", "kind": "building"}
    stored = TicketModel.get(ticket["id"])
    assert stored.location.lat == pytest.approx(25.851)       # the place's own position
    assert stored.location.address == "红旗大道12号"


def test_a_qr_entry_without_a_token_is_refused(client, codes):
    r = submit(client, login(client))
    assert r.status_code == 400 and error(r)["code"] == "place_token_required"
    assert "二维码" in error(r)["message"]
    assert TicketModel.count() == 0


@pytest.mark.parametrize("tamper", ["altered", "forged", "garbage", "other_type"])
def test_a_forged_or_altered_token_is_refused(client, codes, tamper):
    token = codes["hq-b12"]["token"]
    if tamper == "altered":             # the payload names another village, same signature
        head, payload, sig = token.split(".")
        claims = {"typ": "place", "p": "hq-b12", "r": "369902001002"}
        payload = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":"))
                                           .encode()).decode().rstrip("=")
        token = f"{head}.{payload}.{sig}"
    elif tamper == "forged":
        token = jwt.encode({"typ": "place", "p": "hq-b12", "r": VILLAGE}, "x" * 40,
                           algorithm="HS256")
    elif tamper == "garbage":
        token = "not-a-token-at-all"
    else:                               # a citizen token is not a place token
        from chalicelib.wiring import container
        token = jwt.encode({"p": "hq-b12", "r": VILLAGE}, container.settings.place_secret,
                           algorithm="HS256")
    headers = login(client)
    for r in (submit(client, headers, token=token),
              submit(client, headers, token=token, qr=False, key="qr-key-0002"),
              client.http.get(f"/v1/places/qr/{token}")):
        assert r.status_code == 400, r.body
        assert error(r)["code"] == "invalid_place_token"
        assert error(r)["message"] == "二维码无效或已被篡改，请扫描现场张贴的二维码"
    assert TicketModel.count() == 0


def test_the_client_cannot_move_the_place_to_another_region(client, codes):
    r = submit(client, login(client), token=codes["hq-b12"]["token"], region_code="369902001002")
    assert r.status_code == 400 and error(r)["code"] == "place_mismatch"


def test_a_deactivated_place_no_longer_takes_reports(client, codes):
    row = {**sample("admin_qr_codes")["places"][0], "active": False}
    assert invoke(client, "admin_qr_codes", {"places": [row]})["ok"]
    r = submit(client, login(client), token=codes["hq-b12"]["token"])
    assert r.status_code == 400 and error(r)["code"] == "place_inactive"


def test_one_bad_place_saves_none(client):
    rows = sample("admin_qr_codes")["places"] + [
        {"place_id": "bad", "name": "某地", "kind": "building", "region_code": "369902001000"}]
    result = invoke(client, "admin_qr_codes", {"places": rows})
    assert result["ok"] is False and result["error"]["code"] == "unknown_region"
    assert "第 4 个地点" in result["error"]["message"]
    from chalicelib.services import places
    assert places.get("hq-b12") is None
