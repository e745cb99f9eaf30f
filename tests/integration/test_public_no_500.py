"""No 500 from the public face either: the public, tracking, knowledge-base, campaign and Open311
endpoints, fed mutated requests, answer 2xx or a 4xx (Open311: in its own list shape)."""

from __future__ import annotations

import itertools
import json
from urllib.parse import urlencode

import pytest
from test_no_500 import RAW_BODIES, assert_client_error_shape, mutations

from chalicelib.services import open311
from chalicelib.services.staff_auth import issue_dev_token

HONGQI = "369902001001"

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


def test_public_and_staff_endpoints_never_500(stack, client):
    json_headers = {"Content-Type": "application/json"}
    dispatcher = {"Authorization": "Bearer " + issue_dev_token("disp_liumin", "u-center",
                                                               ["dispatcher"]), **json_headers}
    handler = {"Authorization": "Bearer " + issue_dev_token("h_vil_hongqi_chen", "u-vil-hongqi",
                                                            ["handler"]), **json_headers}
    targets = [
        ("/v1/public/track", json_headers, {"code": "2611230000017", "phone_last4": "5678"}),
        ("/v1/kb/suggest", json_headers, {"description": "助餐点在哪", "region_code": HONGQI}),
        ("/v1/staff/kb", handler, {"question": "q", "answer": "a", "valid_until": "2026-12-31",
                                   "category": "A1001", "region_scope": HONGQI}),
        ("/v1/staff/campaigns", dispatcher, {"title": "t", "starts_on": "2026-11-20",
                                             "ends_on": "2026-12-20",
                                             "owner_unit": "u-twp-hongqi"}),
        ("/v1/staff/tickets/01M81G1DTHJVM9XW8QPESJG34R/withhold", dispatcher, {"reason": "r"}),
        ("/v1/staff/kb/01M81G1DTHJVM9XW8QPESJG34R/decision", dispatcher, {"approve": True}),
    ]
    for i, (path, headers, valid) in enumerate(targets):
        for body in itertools.islice(mutations(valid, seed=i, n=15), 60):
            r = client.http.post(path, headers=headers, body=json.dumps(body))
            assert_client_error_shape(r, (path, body))
        for raw in RAW_BODIES:
            assert_client_error_shape(client.http.post(path, headers=headers, body=raw), path)
    for path in ("/v1/public/tickets?limit=0", "/v1/public/tickets?cursor=%25",
                 "/v1/public/tickets?from=2026-02-30", "/v1/public/tickets?township=1",
                 "/v1/public/tickets?category=%00", "/v1/public/tickets/%00",
                 "/v1/public/tickets/" + "9" * 40, "/v1/kb/search?q=" + "x" * 5000,
                 "/v1/kb/search?q=a&region_code=zz", "/v1/kb/search?q=a&limit=%C2%B2",
                 "/v1/staff/campaigns/nope", "/v1/staff/campaigns/nope/suggestions",
                 "/v1/staff/kb?status=odd"):
        assert_client_error_shape(client.http.get(path, headers=dispatcher), path)


def test_open311_never_500(stack, client):
    api_key = open311.register_client({"name": "fuzz"})["api_key"]
    valid = {"api_key": api_key, "service_code": "A1001", "lat": "25.8", "long": "114.9",
             "description": "路灯不亮已经一个星期了", "phone": "13812345678",
             "attribute[region_code]": HONGQI}
    odd = ["", " ", "x" * 3000, "nan", "1e999", "-91", "%00", "😀", "2026-13-45"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    for key, value in itertools.product(valid, odd):
        for fmt in ("json", "xml"):
            r = client.http.post(f"/open311/v2/requests.{fmt}", headers=form,
                                 body=urlencode({**valid, key: value}))
            assert r.status_code < 500, (key, value, r.body[:200])
    for raw in RAW_BODIES + [b"a=%ZZ&&=", b"attribute[=1"]:
        r = client.http.post("/open311/v2/requests.json", headers=form, body=raw)
        assert r.status_code < 500, raw[:40]
        if r.status_code >= 400:
            assert json.loads(r.body)[0]["code"] == r.status_code
    for path in ("/open311/v2/requests.json?start_date=x", "/open311/v2/requests.json?status=x",
                 "/open311/v2/requests.json?end_date=2026-02-30T00:00:00Z",
                 "/open311/v2/requests.json?service_request_id=,,,%00",
                 "/open311/v2/services/..json", "/open311/v2/requests/abc.json",
                 "/open311/v2/tokens/" + "Z" * 26 + ".xml", "/open311/v2/x.pdf",
                 "/open311/v2/requests"):
        assert client.http.get(path).status_code < 500, path
