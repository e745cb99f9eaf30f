"""The whole backend on one machine: moto_server, resources from the shared definitions,
the demo city, the local API server (scripts/local_api.py) and the pump.

    python scripts/local_stack.py run          # what `make run` does
    python scripts/local_stack.py bootstrap --endpoint http://127.0.0.1:5055
    python scripts/local_stack.py token disp_liumin

The e2e tests use the same functions (``start_stack``) on free ports.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}

BASE_ENV = {
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
    "MINYI_STAGE": "local",
    "MINYI_TABLE_PREFIX": "minyi-local-",
    "MINYI_EVENT_BUS": "minyi-local",
    "MINYI_ATTACHMENTS_BUCKET": "minyi-local-attachments",
    "MINYI_WECHAT_MODE": "fake",
    "MINYI_SMS_MODE": "sns",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "PYTHONUNBUFFERED": "1",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return          # it answers: that is all we wait for
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer in {timeout}s")


# The survey's timing may be set for `make run` from the caller's environment (every other MINYI_*
# of a developer's shell is dropped: the local stack's own settings win)
PASSED_THROUGH = ("MINYI_CALLBACK_DELAY", "MINYI_SURVEY_START_HOUR", "MINYI_SURVEY_END_HOUR",
                  "MINYI_SURVEY_MAX_ATTEMPTS", "MINYI_SURVEY_BUSY_RETRY")


def stack_env(endpoint: str, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINYI_", "AWS_")) or k in PASSED_THROUGH}
    env.update(BASE_ENV)
    env["AWS_ENDPOINT_URL"] = endpoint
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    demo = int(env.get("DEMO_SLA_SECONDS") or 0)
    if demo > 0 and "MINYI_PUMP_SCHEDULE_SCALE" not in env:
        # demo deadlines are seconds away: fire the minute sweep every `demo` s (and the other
        # schedules proportionally faster) so escalation shows up live
        env["MINYI_PUMP_SCHEDULE_SCALE"] = str(min(1.0, demo / 60))
    callback = int(env.get("DEMO_CALLBACK_SECONDS") or 0)
    if callback > 0:
        # the survey schedule (every 10 minutes) fires at least every `callback` seconds, so the
        # callback shows up live (`make run DEMO_CALLBACK_SECONDS=60`)
        scale = float(env.get("MINYI_PUMP_SCHEDULE_SCALE") or 1.0)
        env["MINYI_PUMP_SCHEDULE_SCALE"] = str(min(scale, callback / 600))
    return env


def start_moto(port: int, log) -> subprocess.Popen:
    # moto_server with DynamoDB atomic per operation (scripts/moto_server.py)
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "moto_server.py"),
                             "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                            env={**os.environ, "MOTO_PORT": str(port), "TZ": "UTC"})
    # moto's Wait state compares deadlines with the naive local clock: keep it on UTC
    endpoint = f"http://127.0.0.1:{port}"
    wait_http(f"{endpoint}/moto-api/", proc=proc)
    request = urllib.request.Request(f"{endpoint}/moto-api/config",
                                     data=json.dumps(MOTO_CONFIG).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).read()
    return proc


def bootstrap(endpoint: str) -> dict:
    """Provision and seed in a child process (env must be set before chalicelib is imported);
    returns the extra env (ARNs) the API and the pump need."""
    out = subprocess.run([sys.executable, str(Path(__file__)), "bootstrap", "--endpoint", endpoint],
                         env=stack_env(endpoint), cwd=ROOT, capture_output=True, text=True,
                         check=False)
    if out.returncode != 0:
        raise RuntimeError(f"bootstrap failed:\n{out.stdout}\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _bootstrap_here(endpoint: str) -> None:
    os.environ.update(stack_env(endpoint))
    from chalicelib import config
    from chalicelib.adapters.provision import provision
    from chalicelib.services.seed import seed

    settings = config.reload()
    resources = provision(settings)
    counts = seed()
    print(json.dumps(counts, ensure_ascii=False), file=sys.stderr)
    print(json.dumps(resources.env()))


@dataclass
class Stack:
    moto_port: int
    api_port: int
    env: dict
    procs: list = field(default_factory=list)
    log_dir: Path | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.moto_port}"

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def outbox_caught_up(self) -> bool:
        """True when the pump has handled every timeline entry committed so far (its saved
        shard position is the stream's last record)."""
        import boto3
        streams = boto3.client("dynamodbstreams", endpoint_url=self.endpoint,
                               region_name=BASE_ENV["AWS_DEFAULT_REGION"],
                               aws_access_key_id="local", aws_secret_access_key="local")
        arn = self.env["MINYI_TIMELINE_STREAM_ARN"]
        state = Path(self.env["MINYI_PUMP_STATE"])
        saved = state.with_name(f"{state.stem}-outbox.json")
        shards = json.loads(saved.read_text()).get("shards", {}) if saved.exists() else {}
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            after = shards.get(shard["ShardId"])
            kwargs = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                      if after else {"ShardIteratorType": "TRIM_HORIZON"})
            iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"],
                                                  **kwargs)["ShardIterator"]
            if streams.get_records(ShardIterator=iterator, Limit=1).get("Records"):
                return False
        return True

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_stack(moto_port: int | None = None, api_port: int | None = None, *, log_dir: Path,
                pump: bool = True, extra_env: dict | None = None) -> Stack:
    log_dir.mkdir(parents=True, exist_ok=True)
    moto_port = moto_port or free_port()
    api_port = api_port or free_port()
    stack = Stack(moto_port, api_port, {}, log_dir=log_dir)
    try:
        stack.procs.append(start_moto(moto_port, open(log_dir / "moto.log", "wb")))
        resources = bootstrap(stack.endpoint)
        stack.env = stack_env(stack.endpoint, {
            **resources, "MINYI_PUMP_STATE": str(log_dir / "pump-state.json"),
            **(extra_env or {})})
        # chalice's local gateway with the gateway responses, a redacted access log and a
        # backlog for many clients (scripts/local_api.py)
        api = subprocess.Popen(
            [sys.executable, str(ROOT / "scripts" / "local_api.py"), "--stage", "local",
             "--host", "127.0.0.1", "--port", str(api_port)],
            cwd=ROOT, env=stack.env, stdout=open(log_dir / "api.log", "wb"),
            stderr=subprocess.STDOUT)
        stack.procs.append(api)
        wait_http(f"{stack.api}/v1/categories", timeout=90, proc=api)
        if pump:
            pump_log = log_dir / "pump.log"
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "pump.py")], cwd=ROOT, env=stack.env,
                stdout=open(pump_log, "wb"), stderr=subprocess.STDOUT)
            stack.procs.append(proc)
            _wait_ready(pump_log, proc)
    except BaseException:
        stack.stop()
        raise
    return stack


def _wait_ready(log: Path, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    """The pump prints its banner once its queues, topic bridges and streams are in place: an
    SNS message published before that would find no subscriber."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the pump exited with {proc.returncode}; see {log}")
        if log.exists() and b"pump: " in log.read_bytes():
            return
        time.sleep(0.2)
    raise TimeoutError(f"the pump did not start in {timeout}s; see {log}")


def staff_token(user: str) -> str:
    from chalicelib.services import staff_auth
    return staff_auth.dev_token_for(user)


def _run(args) -> None:
    log_dir = ROOT / ".local" / "logs"
    print("starting moto_server, provisioning, seeding the demo city, starting the API ...")
    stack = start_stack(args.moto_port, args.port, log_dir=log_dir)
    print(f"""
minyi is running.
  API          {stack.api}          (chalice's local gateway, stage 'local')
  moto_server  {stack.endpoint}          (AWS emulator; sent SMS: {stack.endpoint}/moto-api/data.json)
  logs         {log_dir}/

Try it (a citizen logs in with the local WeChat fake, then submits a request):
  TOKEN=$(curl -s -X POST {stack.api}/v1/auth/wechat -d '{{"code":"test-alice"}}' \\
          -H 'Content-Type: application/json' | python3 -c 'import sys,json;print(json.load(sys.stdin)["token"])')
  curl -s -X POST {stack.api}/v1/tickets -H "Authorization: Bearer $TOKEN" \\
       -H 'Content-Type: application/json' -H 'Idempotency-Key: demo-0000001' \\
       -d '{{"type":"complaint","description":"小区门口有人占道摆摊卖菜，影响通行","region_code":"369902001001","phone":"13812345678","category":"A0101"}}'
  curl -s {stack.api}/v1/me/tickets -H "Authorization: Bearer $TOKEN"

Staff token for the dispatcher:  make token USER=disp_liumin
Press Ctrl-C to stop.
""", flush=True)
    try:
        while all(p.poll() is None for p in stack.procs):
            time.sleep(1)
        print("a process exited; see the logs above", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run")
    run.add_argument("--port", type=int, default=int(os.environ.get("MINYI_API_PORT", 8000)))
    run.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 5055)))
    boot = sub.add_parser("bootstrap")
    boot.add_argument("--endpoint", required=True)
    tok = sub.add_parser("token")
    tok.add_argument("user")
    args = parser.parse_args(argv)
    if args.cmd == "run":
        _run(args)
    elif args.cmd == "bootstrap":
        _bootstrap_here(args.endpoint)
    elif args.cmd == "token":
        os.environ.update({k: v for k, v in BASE_ENV.items() if k not in os.environ})
        sys.path.insert(0, str(ROOT))
        print(staff_token(args.user))


if __name__ == "__main__":
    main()
