"""One blueprint per audience, each registered under its URL prefix (``app.py``); the modules
beside this one, one per capability, add their routes to the audience they serve:

- ``citizen`` (``/v1``): the WeChat mini-program (tickets, evaluation, the knowledge base,
  campaigns) and what anyone may read (categories, places, the OpenAPI document);
- ``staff`` (``/v1/staff``): units, the dispatch center and leaders, behind the staff authorizer
  (``api/staff.py``);
- ``public`` (``/v1/public``): the public face (disclosed tickets, tracking by code);
- ``providers`` (``/v1/webhooks``): SMS and voice providers' callbacks;
- ``open311`` (``/open311/v2``): Open311 GeoReport v2 clients;
- ``partners`` (``/v1/partners``): other platforms (12345, 人民网留言板, 信访), HMAC-signed.
"""

from __future__ import annotations

from chalice import Blueprint


class Audience(Blueprint):
    """A blueprint that knows the prefix it is registered under (``http.route`` keys its
    request models by the full path)."""

    def __init__(self, import_name: str, url_prefix: str):
        super().__init__(import_name)
        self.url_prefix = url_prefix


citizen = Audience(f"{__name__}.citizen", "/v1")
staff = Audience(f"{__name__}.staff", "/v1/staff")
public = Audience(f"{__name__}.public", "/v1/public")
providers = Audience(f"{__name__}.providers", "/v1/webhooks")
open311 = Audience(f"{__name__}.open311", "/open311/v2")
partners = Audience(f"{__name__}.partners", "/v1/partners")

ALL = (citizen, staff, public, providers, open311, partners)
