"""The reminder job's reads grow with the tickets due, not with the tickets stored.

    python bench/reminders.py --open 10000 --due 50

Stores ``--open`` open tickets whose deadlines are weeks away and ``--due`` whose reply deadline
is inside the 3-day reminder window, runs the job once, and prints the AWS calls it made, the
index items it read, the SMS it sent, and what a scan of the table would have read instead.
A second run shows each reminder is sent once. Results: docs/performance.md.
"""

from __future__ import annotations

import argparse
import random
import time

import _harness  # noqa: F401 - sets the environment before chalicelib is imported
from _harness import calls, demo_city, format_calls, quiet_stdout

DAY = 86400


def make_tickets(city, n_open: int, n_due: int) -> list[str]:
    from chalicelib.adapters.models import TicketModel
    from chalicelib.domain.ticket import deadline_shard, new_ticket_id

    now = city.clock()
    shards = city.container.settings.deadline_shards
    rng = random.Random(7)
    due_ids = []
    with TicketModel.batch_write() as batch:
        for i in range(n_open + n_due):
            due = i < n_due
            tid = new_ticket_id(now - i)
            deadline = int(now + 3 * DAY - 600 - i) if due else int(
                now + rng.uniform(6, 30) * DAY)
            batch.save(TicketModel(
                tid, code=f"{i:013d}", created_at=now - DAY, updated_at=now - DAY,
                type="complaint", region_code="369902001001", description="测试工单" * 20,
                citizen_id=f"wx:bench{i % 500}", phone="+8613812345678", channel="wechat",
                status="accepted", level="village", unit_id="u-vil-hongqi",
                unit_path=["u-vil-hongqi", "u-twp-hongqi", "u-gov-zhangshui", "u-gov-city"],
                sign_due_at=int(now), due_at=deadline, signed_at=now - DAY / 2,
                open_unit="u-vil-hongqi", deadline_at=deadline,
                deadline_shard=deadline_shard(tid, shards)))
            if due:
                due_ids.append(tid)
    return due_ids


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=10_000)
    parser.add_argument("--due", type=int, default=50)
    args = parser.parse_args()
    with demo_city(sms="record") as city:
        from chalicelib.adapters.models import TicketModel
        from chalicelib.services import reminders

        with calls.paused():
            t0 = time.perf_counter()
            due_ids = make_tickets(city, args.open, args.due)
            setup = time.perf_counter() - t0
        calls.reset()
        with quiet_stdout():
            first = reminders.run()
        counts = calls.snapshot()[0]
        calls.reset()
        with quiet_stdout():
            second = reminders.run()
        second_counts = calls.snapshot()[0]
        with calls.paused():
            stored = sum(1 for _ in TicketModel.scan(attributes_to_get=["ticket_id"]))

    print(f"stored tickets: {stored} ({args.open} not due, {args.due} due in 3 days; "
          f"set-up {setup:.1f}s, not measured)")
    print("\nfirst run:")
    print(format_calls(counts, per=1, per_label="per run"))
    print(f"\nindex items read: {first.queried_items}  (queries: {first.queries}; "
          f"a scan would read {stored})")
    print(f"reminders sent: {first.sent} (expected {len(due_ids)})")
    print(f"items read per due ticket: {first.queried_items / max(len(due_ids), 1):.2f}; "
          f"items read / items stored: {first.queried_items / stored:.4f}")
    print(f"\nsecond run: sent {second.sent}, already sent {second.duplicates}, "
          f"AWS calls {sum(second_counts.values())}")
    assert first.sent == len(due_ids) and second.sent == 0


if __name__ == "__main__":
    main()
