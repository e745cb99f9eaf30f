"""The local API server: chalice's own local gateway (``chalice.local``), closer to API Gateway
than ``chalice local`` is in three ways.

- The gateway's own refusals (the staff authorizer's 401/403, an unknown route) answer with the
  gateway responses infra/stack.py configures in AWS: the app's error shape, from the one table
  ``chalicelib.api.http.GATEWAY_ERRORS`` (``chalice local`` answers ``{"message": ...}``).
- The access log never carries a secret from the query string (the SMS webhooks'
  ``?token=``): values of secret-named parameters are written as ``***``.
- It holds many concurrent clients: a thread per connection and a listen backlog of
  :data:`BACKLOG` (``socketserver``'s default of 5 refuses connections under load).

    python scripts/local_api.py --host 127.0.0.1 --port 8000 --stage local
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chalice.local import (  # noqa: E402
    ChaliceRequestHandler,
    CustomLocalChalice,
    LocalChalice,
    LocalDevServer,
    LocalGatewayException,
    ThreadedHTTPServer,
)

BACKLOG = 1024
SECRET_PARAMS = re.compile(r"([?&](?:token|access_token|secret|signature|sign|key)=)[^&\s\"]*",
                           re.IGNORECASE)


def redact_query(text: str) -> str:
    """``/hook?token=abc&x=1`` -> ``/hook?token=***&x=1``."""
    return SECRET_PARAMS.sub(r"\1***", text)


def gateway_response_type(error: LocalGatewayException) -> str:
    """Which API Gateway response type chalice's local gateway is imitating."""
    body = error.body or b""
    if b"Missing Authentication Token" in body or b"Credential" in body:
        return "MISSING_AUTHENTICATION_TOKEN"   # no such route (API Gateway says it this way)
    if error.CODE == 401:
        return "UNAUTHORIZED"
    if error.CODE == 403:
        return "ACCESS_DENIED"
    return "DEFAULT_5XX"


class MinyiRequestHandler(ChaliceRequestHandler):
    def _send_error_response(self, error: LocalGatewayException) -> None:
        from chalicelib.api.http import gateway_error_body

        headers = {k: v for k, v in (error.headers or {}).items()
                   if k.lower() != "content-type"}
        headers["Content-Type"] = "application/json; charset=utf-8"
        body = gateway_error_body(gateway_response_type(error)).encode("utf-8")
        self._send_http_response(error.CODE, headers, body)

    def log_message(self, format: str, *args) -> None:   # noqa: A002 (BaseHTTPRequestHandler)
        args = tuple(redact_query(a) if isinstance(a, str) else a for a in args)
        super().log_message(format, *args)


class MinyiHTTPServer(ThreadedHTTPServer):
    request_queue_size = BACKLOG
    daemon_threads = True


def build_server(host: str, port: int, stage: str = "local") -> LocalDevServer:
    """What ``chalice local --stage <stage>`` builds, with the handler and server above."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_routes

    os.environ["AWS_CHALICE_CLI_MODE"] = "true"
    factory = CLIFactory(project_dir=str(ROOT), environ=os.environ)
    config = factory.create_config_obj(chalice_stage_name=stage)
    app_obj = config.chalice_app
    validate_routes(app_obj.routes)
    CustomLocalChalice.__bases__ = (LocalChalice, app_obj.__class__)
    app_obj.__class__ = CustomLocalChalice
    return LocalDevServer(app_obj, config, host, port, handler_cls=MinyiRequestHandler,
                          server_cls=MinyiHTTPServer)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--stage", default="local")
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(message)s")
    build_server(args.host, args.port, args.stage).serve_forever()


if __name__ == "__main__":
    main()
