"""docs/api.md lists every endpoint the app serves (and nothing it does not)."""

from __future__ import annotations

import re
from pathlib import Path

import app as app_module

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
HEADING = re.compile(r"^### (GET|POST|PUT|PATCH|DELETE) (/\S+)", re.M)


def test_every_route_is_documented_with_an_example():
    served = {(method, path) for path, methods in app_module.app.routes.items()
              for method in methods}
    text = DOC.read_text(encoding="utf-8")
    documented = set(HEADING.findall(text))
    assert served - documented == set(), "undocumented endpoints"
    assert documented - served == set(), "documented endpoints that do not exist"
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        assert "```" in section, f"no example for {section.splitlines()[0]}"


def test_staff_action_routes_are_the_service_actions():
    """api/staff.py names the action routes without importing the services (cold start)."""
    from chalicelib.api import staff as api_staff
    from chalicelib.services import staff as staff_service

    assert set(api_staff.ACTION_PATHS) == set(staff_service.ACTIONS)
def test_deploy_doc_china_section_is_complete():
    text = (DOC.parent / "deploy.md").read_text(encoding="utf-8")
    china = text.split("## AWS China regions", 1)[1]
    assert "not written yet" not in text.lower()
    for needed in ("sms_mode=tencent", "sms_templates", "voice_mode=tencent",
                   "staff_roles_claim", "sms-provider"):
        assert needed in china, needed
