"""Every queue, rule, topic, bucket and state machine minyi needs, in one list.

The local stack (``provision.py``) and the CDK app (``infra/``) both build from this module,
and ``app.py``'s consumers name their queues from it, so the three can't drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EVENT_SOURCE = "minyi.tickets"
ESCALATION_SOURCE = "minyi.escalation"
EVENT_TYPES = (
    "TicketSubmitted", "TicketDispatched", "TicketOverdue", "TicketEscalated", "TicketReplied",
    "TicketClosed", "TicketReopened",
)


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue fed by an EventBridge rule (or by SNS), with its dead-letter queue."""

    name: str                       # logical name; physical: f"{prefix}{name}"
    detail_types: tuple[str, ...] = ()
    visibility_timeout: int = 60
    max_receive_count: int = 5
    description: str = ""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    description: str = ""


@dataclass(frozen=True)
class StateMachineSpec:
    name: str                       # statemachines/{name}.asl.json
    substitutions: dict = field(default_factory=dict)   # placeholder -> resource reference
    # EXPRESS in AWS (cheaper for a short run every minute: see docs/escalation-asl.md); the
    # local stack and the tests create it STANDARD because moto only runs those (DescribeExecution)
    cloud_type: str = "STANDARD"


QUEUES: tuple[QueueSpec, ...] = (
    # the SMS and to-supervise entries of an overdue/escalated ticket are the outbox's effects
    # (services/outbox.py); the events still go to the bus for anyone else who subscribes
    QueueSpec("lifecycle", ("TicketSubmitted", "TicketDispatched", "TicketReplied",
                            "TicketClosed", "TicketReopened", "TicketOverdue",
                            "TicketEscalated"),
              description="audit and follow-ups of lifecycle events"),
    # records the outbox consumer gave up on (the stream's on-failure destination)
    QueueSpec("outbox-failed", description="timeline stream records the outbox gave up on",
              visibility_timeout=300),
)
TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec("alerts", "operational alerts (alarms)"),
    TopicSpec("inbound-sms", "two-way SMS from AWS End User Messaging"),
)
STATE_MACHINES: tuple[StateMachineSpec, ...] = (
    StateMachineSpec("sweep", {"TicketsTable": "table:tickets", "EventsTable": "table:events"},
                     cloud_type="EXPRESS"),
)
SCHEDULES = {
    "escalation": "rate(1 minute)",     # starts one escalation sweep (jobs/escalation.py)
    "reminders": "rate(15 minutes)",
    "gauges": "rate(15 minutes)",
    "surveys": "rate(10 minutes)",
    "kb_expiry": "rate(1 day)",
    "measures": "rate(1 hour)",        # reports, hotspots, pool digest, 三率 gauges
    "orders": "rate(15 minutes)",      # supervision orders' response deadlines (jobs/orders.py)
    "partner_callbacks": "rate(5 minutes)",     # partner callbacks' retries (issue 15)
    "retention": "rate(1 day)",         # anonymize final tickets past retention (issue 15)
}


def queue_name(prefix: str, name: str) -> str:
    return f"{prefix}{name}"


def dlq_name(prefix: str, name: str) -> str:
    return f"{prefix}{name}-dlq"


def resource_prefix(table_prefix: str) -> str:
    """Queues and topics share the tables' stage prefix (``minyi-local-``)."""
    return table_prefix
