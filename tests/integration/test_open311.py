"""Open311 GeoReport v2 through the HTTP API on moto, checked against the spec's example
documents (tests/integration/fixtures/open311: the spec's examples with our own values)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from public_support import w3

from chalicelib.adapters.models import TicketModel
from chalicelib.services import intake, open311, public
from chalicelib.services.staff_auth import StaffUser

EXAMPLES = Path(__file__).parent / "fixtures" / "open311"
HONGQI = "369902001001"
BASE = "/open311/v2"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

pytestmark = pytest.mark.usefixtures("no_escalation_timers")


@pytest.fixture
def api_key(stack):
    return open311.register_client({"name": "FixMyStreet 赣南"})["api_key"]


def shape(xml_text: str) -> set[str]:
    """Every element path of an XML document (the values don't matter)."""
    assert xml_text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    paths = set()

    def walk(element, prefix):
        path = f"{prefix}/{element.tag}"
        paths.add(path)
        for child in element:
            walk(child, path)

    walk(ET.fromstring(xml_text.encode()), "")
    return paths


def example(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def post(client, api_key, fmt="xml", **over):
    form = {"api_key": api_key, "service_code": "A1001", "lat": "25.83", "long": "114.93",
            "address_string": "红旗大道", "description": "小区物业不作为，楼道垃圾一周没人清理",
            "phone": "13812345678", "first_name": "建国", "last_name": "王",
            "attribute[region_code]": HONGQI}
    form.update(over)
    form = {k: v for k, v in form.items() if v is not None}
    return client.http.post(f"{BASE}/requests.{fmt}", headers=FORM, body=urlencode(form))


def test_documents_have_the_spec_examples_shapes(stack, client, api_key):
    r = client.http.get(f"{BASE}/discovery.xml")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/xml")
    assert shape(r.body.decode()) == shape(example("discovery.xml"))
    r = client.http.get(f"{BASE}/services.xml")
    assert shape(r.body.decode()) == shape(example("services.xml"))
    r = client.http.get(f"{BASE}/services/A1001.xml")
    assert shape(r.body.decode()) == shape(example("service_definition.xml"))
    r = post(client, api_key)
    assert r.status_code == 201
    ours = shape(r.body.decode())
    assert ours - shape(example("post_response.xml")) == {"/service_requests/request/token"}
    assert shape(example("post_response.xml")) <= ours
    code = ET.fromstring(r.body).find("request/service_request_id").text
    token = ET.fromstring(r.body).find("request/token").text
    r = client.http.get(f"{BASE}/requests.xml")
    assert shape(r.body.decode()) == shape(example("requests.xml"))
    r = client.http.get(f"{BASE}/requests/{code}.xml")
    assert shape(r.body.decode()) == shape(example("requests.xml"))
    r = client.http.get(f"{BASE}/tokens/{token}.xml")
    assert shape(r.body.decode()) == shape(example("token.xml"))
    r = client.http.get(f"{BASE}/requests.json")
    (item,) = json.loads(r.body)
    assert set(item) == set(json.loads(example("requests.json"))[0])


def test_a_posted_request_is_a_ticket_with_channel_open311(stack, client, api_key):
    r = post(client, api_key, fmt="json")
    assert r.status_code == 201
    (created,) = json.loads(r.body)
    ticket = TicketModel.by_code.query(created["service_request_id"]).next()
    ticket = TicketModel.get(ticket.ticket_id)
    assert ticket.channel == "open311" and ticket.public and ticket.category == "A1001"
    assert ticket.name == "王 建国" and ticket.location.lat == 25.83
    r = client.http.get(f"{BASE}/requests/{created['service_request_id']}.json")
    (item,) = json.loads(r.body)
    assert item["status"] == "open"
    assert item["agency_responsible"] == "红旗社区居民委员会"
    assert item["expected_datetime"] == public.public_ticket(ticket)["due_at"]
    assert item["address"] == "赣南市章水区红旗街道" and item["lat"] is None
    assert "13812345678" not in r.body.decode()


def test_errors_in_the_spec_shape(stack, client, api_key):
    r = post(client, "wrong-key")
    assert r.status_code == 403 and shape(r.body.decode()) == shape(example("errors.xml"))
    r = post(client, "wrong-key", fmt="json")
    assert r.status_code == 403
    assert json.loads(r.body) == json.loads(example("errors.json"))
    r = post(client, api_key, fmt="json", lat=None, long=None, address_string=None)
    assert r.status_code == 400 and json.loads(r.body)[0]["code"] == 400
    r = post(client, api_key, fmt="json", service_code=None)
    assert r.status_code == 400
    r = post(client, api_key, fmt="json", service_code="Z9999")
    assert r.status_code == 404
    r = post(client, api_key, fmt="json", phone="123")
    assert r.status_code == 400 and "phone" in json.loads(r.body)[0]["description"]
    r = client.http.get(f"{BASE}/services.yaml")
    assert r.status_code == 400 and shape(r.body.decode()) == shape(example("errors.xml"))
    r = client.http.get(f"{BASE}/requests/2612020000171.json")
    assert r.status_code == 404 and json.loads(r.body)[0]["code"] == 404
    r = client.http.get(f"{BASE}/requests.json?start_date=yesterday")
    assert r.status_code == 400
    r = client.http.get(f"{BASE}/requests.json?start_date=2026-01-01T00:00:00Z"
                        "&end_date=2026-11-01T00:00:00Z")
    assert r.status_code == 400 and "90" in json.loads(r.body)[0]["description"]


def test_only_disclosed_tickets_are_listed_with_the_90_day_default(stack, client, api_key):
    body = {"type": "complaint", "description": "路灯不亮已经一个星期了", "region_code": HONGQI,
            "phone": "13812345678", "category": "A1001"}
    hidden = intake.submit({**body, "public": False, "phone": "13812340001"},
                           citizen_id="wx:o1", channel="wechat", idempotency_key="o311-hidden-1")
    shown = intake.submit({**body, "public": True}, citizen_id="wx:o", channel="wechat",
                          idempotency_key="o311-shown-01")
    withheld = intake.submit({**body, "public": True, "phone": "13812340002"},
                             citizen_id="wx:o2", channel="wechat",
                             idempotency_key="o311-wh-0001")
    public.withhold(StaffUser("disp_liumin", "u-center", frozenset({"dispatcher"})),
                    withheld["id"], {"reason": "涉及隐私"})
    now = stack.clock.t
    stack.clock.t = now - 100 * 86400
    old = intake.submit({**body, "public": True, "phone": "13812340003"}, citizen_id="wx:o3",
                        channel="wechat", idempotency_key="o311-old-001")
    stack.clock.t = now
    codes = lambda r: {i["service_request_id"] for i in json.loads(r.body)}  # noqa: E731
    assert codes(client.http.get(f"{BASE}/requests.json")) == {shown["code"]}
    r = client.http.get(f"{BASE}/requests.json?start_date={quote(w3(stack, -105))}"
                        f"&end_date={quote(w3(stack, -95))}")
    assert codes(r) == {old["code"]}
    r = client.http.get(f"{BASE}/requests.json?service_request_id="
                        f"{hidden['code']},{shown['code']},{withheld['code']},{old['code']}")
    assert codes(r) == {shown["code"], old["code"]}
    assert codes(client.http.get(f"{BASE}/requests.json?status=closed")) == set()
    assert codes(client.http.get(f"{BASE}/requests.json?status=open&service_code=A1001")) == \
        {shown["code"]}
    assert codes(client.http.get(f"{BASE}/requests.json?service_code=A0101")) == set()
    assert client.http.get(f"{BASE}/requests/{hidden['code']}.xml").status_code == 404
    assert client.http.get(f"{BASE}/tokens/{hidden['id']}.json").status_code == 404


def test_service_attributes_come_from_the_category(stack, client):
    r = client.http.get(f"{BASE}/services/A1001.json")
    definition = json.loads(r.body)
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert attrs["region_code"]["required"] is True
    assert HONGQI in {v["key"] for v in attrs["region_code"]["values"]}
    assert {v["key"] for v in attrs["type"]["values"]} == {"consult", "complaint", "help",
                                                          "suggestion", "report"}
    services = json.loads(client.http.get(f"{BASE}/services.json").body)
    assert "A1001" in {s["service_code"] for s in services}
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)
    assert client.http.get(f"{BASE}/services/A10.json").status_code == 404
