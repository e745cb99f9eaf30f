"""Step Functions state transitions of the escalation sweep: per ticket handled on time, per
escalation, and the fixed cost of a sweep.

    python bench/escalation.py --tickets 20 --late 5

Submits ``--tickets`` tickets; all but ``--late`` are signed for and replied to in time. Then it
runs sweeps (explicit clock, as the tests do) until the late ones are parked at the top of their
ladder, and reads every execution's history: a state transition is one ``*StateEntered`` event
(what AWS bills a Standard machine for). Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
from collections import Counter

import _harness  # noqa: F401 - sets the environment before chalicelib is imported
from _harness import calls, demo_city, quiet_stdout


def transitions(sfn, execution_arn: str) -> tuple[int, Counter]:
    events, token = [], None
    while True:
        kwargs = {"executionArn": execution_arn, "maxResults": 1000}
        if token:
            kwargs["nextToken"] = token
        page = sfn.get_execution_history(**kwargs)
        events += page["events"]
        token = page.get("nextToken")
        if not token:
            break
    entered = [e for e in events if e["type"].endswith("StateEntered")]
    return len(entered), Counter(e["stateEnteredEventDetails"]["name"] for e in entered)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=20)
    ap.add_argument("--late", type=int, default=5)
    args = ap.parse_args()
    with quiet_stdout(), demo_city(sms="record", execute_state_machines=True) as city:
        import boto3

        from chalicelib.adapters.models import TicketModel
        from chalicelib.services import escalation, intake, staff
        from chalicelib.services.staff_auth import StaffUser

        handler = StaffUser("h_vil_hongqi_chen", "u-vil-hongqi", frozenset({"handler"}))
        body = {"type": "complaint", "description": "小区物业不作为，楼道垃圾一周没人清理",
                "region_code": "369902001001", "phone": "13812345678", "category": "A1001"}
        with calls.paused():
            ids = [intake.submit(body, citizen_id=f"wx:b{i}", channel="wechat",
                                 idempotency_key=f"bench-esc-{i:04d}")["id"]
                   for i in range(args.tickets)]
            on_time, late = ids[args.late:], ids[:args.late]
            for tid in on_time:
                staff.perform(handler, tid, "sign", {})
                staff.perform(handler, tid, "reply", {"text": "已处理", "grade": "A"})
        calls.reset()
        sfn = boto3.client("stepfunctions")
        sweeps, escalations, per_state = [], 0, Counter()
        empty = escalation.sweep_now(city.clock())           # nothing due yet
        base, _ = transitions(sfn, empty.execution_arn)
        touched_on_time = 0
        while True:
            due = [TicketModel.get(t) for t in late]
            due = [t.deadline_at for t in due if t.deadline_shard.startswith("D#")]
            if not due:
                break
            city.clock.t = max(city.clock.t, min(due))
            rep = escalation.sweep_now(city.clock.t)
            if not rep.escalated:
                raise SystemExit(f"a sweep at a due deadline moved nothing: {rep}")
            with calls.paused():      # the outbox stores each moved ticket's next step
                city.drain_outbox()
            n, states = transitions(sfn, rep.execution_arn)
            sweeps.append((len(rep.escalated), n))
            escalations += len(rep.escalated)
            per_state += states
            touched_on_time += len(set(rep.escalated + rep.skipped) & set(on_time))
        starts = sum(v for (svc, op, _), v in calls.counts.items()
                     if svc == "stepfunctions" and op == "StartExecution")
    extra = sum(n - base for _, n in sweeps)
    print(f"tickets: {args.tickets} ({len(on_time)} handled on time, {len(late)} late)")
    print(f"sweeps run: {len(sweeps) + 1}; StartExecution calls: {starts} (one per sweep)")
    print(f"transitions of a sweep that finds nothing (8 shards): {base}")
    print(f"transitions per ticket handled on time: {touched_on_time} "
          f"(sweeps that touched one: {touched_on_time})")
    print(f"escalation steps applied: {escalations} "
          f"(climbs + top-of-ladder overdue marks)")
    print(f"transitions per escalation step, above the empty sweep: "
          f"{extra / max(escalations, 1):.2f}")
    print("per escalation step, by state: " + ", ".join(
        f"{k} {v / max(escalations, 1):.2f}" for k, v in sorted(per_state.items())
        if k in ("ReadPlan", "HasPlan", "DecodeStep", "ApplyStep", "Applied", "Skipped")))


if __name__ == "__main__":
    main()
