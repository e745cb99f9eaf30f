"""A real Open311 client (PyPI ``georeport``) against the running stack: list the services,
read a service definition, post a request, read it back, and list it.

georeport 0.3.1 only reads (it has no create method), so the request is posted the way the
spec says any client does: a form-encoded POST to ``requests.json``.
"""

from __future__ import annotations

import subprocess
import sys

import requests
from georeport import GeoReport

from scripts.local_stack import ROOT

HONGQI = "369902001001"


def register_client(live) -> str:
    """What an admin does with the admin_open311_client function, against the same tables."""
    out = subprocess.run(
        [sys.executable, "-c", "from chalicelib.services import open311; "
         "print(open311.register_client({'name': 'e2e georeport'})['api_key'])"],
        cwd=ROOT, env=live.env, capture_output=True, text=True, check=True, timeout=60)
    return out.stdout.strip().splitlines()[-1]


def test_georeport_lists_posts_and_reads_back(live):
    root = f"{live.api}/open311/v2"
    api_key = register_client(live)
    for fmt in ("json", "xml"):
        client = GeoReport(root, api_key=api_key, output_format=fmt)
        services = client.get_service_list()
        assert "A1001" in {s["service_code"] for s in services}
        definition = client.get_service_definition("A1001")
        attributes = definition["attributes"]
        if fmt == "xml":
            attributes = attributes["attribute"]
        assert "region_code" in {a["code"] for a in attributes}

    r = requests.post(f"{root}/requests.json", timeout=30, data={
        "api_key": api_key, "service_code": "A1001", "lat": "25.83", "long": "114.93",
        "description": "红旗社区垃圾站满了三天没人清运，气味很大", "phone": "13800001111",
        "attribute[region_code]": HONGQI})
    assert r.status_code == 201, r.text
    code = r.json()[0]["service_request_id"]

    client = GeoReport(root, api_key=api_key, output_format="json")
    item = client.get_service_request(code)
    assert item["service_request_id"] == code and item["status"] == "open"
    assert item["service_code"] == "A1001" and item["agency_responsible"]
    assert "13800001111" not in str(item)
    assert code in {i["service_request_id"] for i in client.get_service_requests()}
    xml_item = GeoReport(root, output_format="xml").get_service_request(code)
    assert xml_item["service_request_id"] == code and xml_item["status"] == "open"
    assert xml_item["expected_datetime"] == item["expected_datetime"]
