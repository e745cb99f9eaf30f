"""The tickets table (with its indexes) and the timeline table."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import (
    IncludeProjection,
    KeysOnlyProjection,
)
from pynamodb.models import Model

from .base import _meta, index

# What each list shows (services/views.py), projected into its index: an index entry is written
# only when its key or one of these attributes changes, and its size is what is projected.
# tests/unit/test_projections.py checks each view built from the projected attributes alone.
# DynamoDB allows 100 projected non-key attributes over all of a table's indexes.
CITIZEN_LIST_ATTRIBUTES = (
    "code", "status", "type", "category", "region_code", "description", "channel",
    "created_at", "due_at", "deadline_at", "clock_start_at", "attachments", "anonymous",
    "public", "location", "reply_text", "replied_at", "overdue", "merged_into", "merge_state")
STAFF_LIST_ATTRIBUTES = CITIZEN_LIST_ATTRIBUTES + (
    "phone", "name", "version", "level", "unit_id", "co_units", "route_reason",
    "category_source", "category_confidence", "emergency", "sign_due_at", "contact_due_at",
    "signed_at", "contacted_at", "grade", "overdue", "extension", "reopen_count", "supervised",
    "escalations", "duplicate_candidates", "merged_reporters", "repeat_of", "malicious_caller")


# what the public feed's filters (category, status) test on the disclosure indexes
DISCLOSURE_FILTER_ATTRIBUTES = ("category", "status")

# what the escalation sweep reads off the deadline index (plus what the reminder job reads); the
# next step itself (esc_plan, about 1.4 KB) is read by id when due: statemachines/sweep.asl.json
DEADLINE_INDEX_ATTRIBUTES = ("version", "esc_step", "status", "unit_id", "code")


class LocationMap(MapAttribute):
    lat = NumberAttribute()
    lng = NumberAttribute()
    address = UnicodeAttribute(null=True)


class TicketModel(Model):
    Meta = _meta("tickets")

    ticket_id = UnicodeAttribute(hash_key=True)
    code = UnicodeAttribute()
    version = VersionAttribute()
    created_at = NumberAttribute()
    updated_at = NumberAttribute()
    type = UnicodeAttribute()
    category = UnicodeAttribute(null=True)
    category_source = UnicodeAttribute(null=True)       # citizen | agent | classifier | dispatcher
    category_confidence = NumberAttribute(null=True)
    emergency = BooleanAttribute(default=False)
    region_code = UnicodeAttribute()
    description = UnicodeAttribute()
    citizen_id = UnicodeAttribute()                      # wx:<openid> | tel:<E.164>
    phone = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    channel = UnicodeAttribute()
    location = LocationMap(null=True)
    anonymous = BooleanAttribute(default=False)
    public = BooleanAttribute(default=False)
    attachments = ListAttribute(of=UnicodeAttribute, default=list)
    status = UnicodeAttribute()
    level = UnicodeAttribute(null=True)                  # village | township | county | city
    unit_id = UnicodeAttribute(null=True)                # lead unit (or the dispatch center)
    unit_path = ListAttribute(of=UnicodeAttribute, default=list)   # unit, its parent, ... top
    co_units = ListAttribute(of=UnicodeAttribute, default=list)
    route_reason = UnicodeAttribute(null=True)
    sign_due_at = NumberAttribute(null=True)
    due_at = NumberAttribute(null=True)                  # reply deadline
    contact_due_at = NumberAttribute(null=True)
    contact_missed = NumberAttribute(null=True)          # the contact deadline marked missed
    clock_start_at = NumberAttribute(null=True)          # when the current deadline's clock began
    signed_at = NumberAttribute(null=True)
    contacted_at = NumberAttribute(null=True)
    replied_at = NumberAttribute(null=True)
    closed_at = NumberAttribute(null=True)
    grade = UnicodeAttribute(null=True)                  # A | B | C | D
    reply_text = UnicodeAttribute(null=True)
    overdue = BooleanAttribute(default=False)
    extension = JSONAttribute(null=True)                 # pending/decided extension request
    reject_channel = UnicodeAttribute(null=True)
    merged_into = UnicodeAttribute(null=True)
    reopen_count = NumberAttribute(default=0)
    supervised = BooleanAttribute(default=False)
    excluded_from_scores = BooleanAttribute(default=False)
    esc_plan = UnicodeAttribute(null=True)               # JSON steps (domain/escalation)
    esc_step = NumberAttribute(null=True)                # the next step of esc_plan
    escalations = ListAttribute(default=list)            # appended by the sweep
    # sparse index keys: set while the ticket is open (or, for callbacks, while one is due)
    open_unit = UnicodeAttribute(null=True)
    deadline_at = NumberAttribute(null=True)
    deadline_shard = UnicodeAttribute(null=True)
    callback_shard = UnicodeAttribute(null=True)
    callback_at = NumberAttribute(null=True)
    # callback survey and evaluation (回访/评价): the current reply's survey, the latest result
    survey = JSONAttribute(null=True)                    # round, attempts, channel, open ...
    evaluation = UnicodeAttribute(null=True)             # satisfied | dissatisfied | not_evaluated
    satisfaction = NumberAttribute(null=True)            # 1 非常满意 .. 5 非常不满意
    resolved = BooleanAttribute(null=True)
    evaluated_at = NumberAttribute(null=True)
    review = JSONAttribute(null=True)                    # social review (社会评议) record
    review_queue = UnicodeAttribute(null=True)           # sparse: "pending" while in review
    review_at = NumberAttribute(null=True)
    # duplicates, merging (并单), repeat requests, caller lookup (issue 13; domain/duplicates.py)
    dup_cell = UnicodeAttribute(null=True)               # sparse: <category>#<H3 cell>
    dup_place = UnicodeAttribute(null=True)              # sparse: <category>#<region_code>
    phone_key = UnicodeAttribute(null=True)              # HMAC of the phone (by_phone)
    duplicate_candidates = JSONAttribute(null=True)      # found at submission: [{id, score, why}]
    merged_at = NumberAttribute(null=True)
    merge_state = JSONAttribute(null=True)               # what unmerge restores
    merged_reporters = JSONAttribute(null=True)          # on a primary: [{ticket_id, code, ...}]
    repeat_of = UnicodeAttribute(null=True)              # 重复件: the closed ticket it repeats
    malicious_caller = BooleanAttribute(default=False)   # caller marked malicious: not scored
    # public disclosure (三公开): sparse keys while disclosed; a dispatcher may withhold it
    pub_feed = UnicodeAttribute(null=True)               # "P" while disclosed
    pub_at = NumberAttribute(null=True)                  # = created_at
    pub_township = UnicodeAttribute(null=True)           # the township's region code
    withheld = JSONAttribute(null=True)                  # {"reason", "by", "at"}
    # knowledge base and people's suggestions
    kb_entry_id = UnicodeAttribute(null=True)            # answered from this entry (first contact)
    campaign_id = UnicodeAttribute(null=True)            # a suggestion under a topic campaign
    # sparse key of by_unit_status: "<status>#<deadline_at, 10 digits>" while open
    status_deadline = UnicodeAttribute(null=True)
    pool = JSONAttribute(null=True)                      # monitoring pool close-out (销号)
    # issue 15: supervision orders (督办), instructions (批示), co-unit tasks (协办), dispatch
    # objections (派单异议); services/orders.py, co_units.py, objections.py
    sup_order = JSONAttribute(null=True)                 # the current supervision order
    order_watch = UnicodeAttribute(null=True)            # sparse: "open" while a response is due
    order_due_at = NumberAttribute(null=True)            # the order's response deadline
    instructions = JSONAttribute(null=True)              # [{id, level, note, follow_up, ...}]
    co_tasks = JSONAttribute(null=True)                  # {unit id: {status, reply, rating}}
    objection = JSONAttribute(null=True)                 # the latest dispatch objection
    # issue 15: the QR place (码上反映) it was reported from, the partner platform it came
    # from, and when its personal data was removed (retention, 个人信息保护法)
    place = JSONAttribute(null=True)                     # {"id", "name", "kind"}
    partner_source = UnicodeAttribute(null=True)         # 12345 | renmin | xinfang ...
    partner_ref = UnicodeAttribute(null=True)            # the partner's own id of the matter
    anonymized_at = NumberAttribute(null=True)

    # A citizen's tickets, newest first.
    by_citizen = index("by_citizen", "citizen_id", "created_at",
                       projection=IncludeProjection(list(CITIZEN_LIST_ATTRIBUTES)))
    # A unit's open tickets by their next deadline (sparse: only open tickets have open_unit).
    by_unit_deadline = index("by_unit_deadline", "open_unit", "deadline_at",
                             projection=IncludeProjection(list(STAFF_LIST_ATTRIBUTES)))
    # Open tickets by deadline across the city: sparse and write-sharded (D#0..D#n-1). The
    # escalation sweep queries ``D#<n>`` for ``deadline_at <= now``; tickets marked overdue
    # at the top of their ladder are parked under ``O#<n>`` (counted as overdue, never swept
    # again).
    by_deadline = index("by_deadline", "deadline_shard", "deadline_at",
                        projection=IncludeProjection(list(DEADLINE_INDEX_ATTRIBUTES)))
    # The short code a citizen quotes on the phone -> the ticket id (read again by id).
    by_code = index("by_code", "code", projection=KeysOnlyProjection())
    # Replied tickets whose callback survey is due (sparse, sharded like the deadline index). The
    # survey job reads each due ticket again by id, so the index holds keys only.
    by_callback = index("by_callback", "callback_shard", "callback_at",
                        projection=KeysOnlyProjection())
    # The indexes below hold keys only (the disclosure feeds: and what their filters test):
    # each list reads its page's tickets by id (``tickets_repo.full_tickets``), so a ticket
    # change writes these indexes only when a key (or a filtered attribute) changes, not with
    # every version of the whole item.
    # Tickets waiting for social review (社会评议), oldest first (sparse: only while pending).
    by_review = index("by_review", "review_queue", "review_at", projection=KeysOnlyProjection())
    # Tickets by (category, H3 cell), newest first: the neighbours of a report are a query
    # per cell of its k-ring (sparse: only tickets with a category and a location).
    by_dup_cell = index("by_dup_cell", "dup_cell", "created_at", projection=KeysOnlyProjection())
    # Tickets by (category, village), newest first (sparse: only tickets with a category).
    by_dup_place = index("by_dup_place", "dup_place", "created_at",
                         projection=KeysOnlyProjection())
    # A caller's tickets by the HMAC of their phone number, newest first.
    by_phone = index("by_phone", "phone_key", "created_at", projection=KeysOnlyProjection())
    # Tickets disclosed to the public (三公开), newest first (sparse: only consented tickets
    # that nobody withheld have ``pub_feed``).
    by_disclosure = index("by_disclosure", "pub_feed", "pub_at",
                          projection=IncludeProjection(list(DISCLOSURE_FILTER_ATTRIBUTES)))
    # Disclosed tickets of one township, newest first (sparse like ``by_disclosure``).
    by_disclosure_place = index("by_disclosure_place", "pub_township", "pub_at",
                                projection=IncludeProjection(list(DISCLOSURE_FILTER_ATTRIBUTES)))
    # Suggestions submitted under a topic campaign (人民建议征集), newest first (sparse).
    by_campaign = index("by_campaign", "campaign_id", "created_at",
                        projection=KeysOnlyProjection())
    # A unit's open tickets of one status by their next deadline: the queue's ``?status=``
    # filter is a key condition (``begins_with(status_deadline, "<status>#")``), so a page
    # reads only tickets of that status (sparse: open tickets only, like
    # ``by_unit_deadline``). Keys only: the page's tickets are read by id (one
    # BatchGetItem), and the index is written only when a ticket's unit, status or deadline
    # changes, not on every change.
    by_unit_status = index("by_unit_status", "open_unit", "status_deadline",
                           projection=KeysOnlyProjection(), range_type=UnicodeAttribute)
    # Supervision orders (督办) awaiting the unit's written response, by deadline (sparse: only
    # while a response is due; services/orders.py steps a missed one up a level).
    by_order_due = index("by_order_due", "order_watch", "order_due_at",
                         projection=KeysOnlyProjection())


class TicketEventModel(Model):
    """The timeline: one item per step, written in the same transaction as the ticket change.

    ``sk`` = ``<ISO-8601 UTC time>#<suffix>`` so the timeline reads in order; the app's suffix is
    ``v<ticket version>`` (unique per ticket), the escalation sweep's ``sweep.<ticket version>``.
    """

    Meta = _meta("events")

    ticket_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    at = NumberAttribute()
    kind = UnicodeAttribute()
    actor = UnicodeAttribute(default="system")           # citizen | staff:<user> | system
    actor_unit = UnicodeAttribute(null=True)
    channel = UnicodeAttribute(null=True)
    text = UnicodeAttribute(null=True)
    data = JSONAttribute(null=True)
    citizen_visible = BooleanAttribute(default=True)
    feed = UnicodeAttribute(null=True)                   # sparse: a list this entry belongs to

    # Entries of one kind across tickets, oldest first (sparse: ``Step.feed``): a level's
    # instructions (``instruction#<level>``), dispatch objections (``objection``).
    by_feed = index("by_feed", "feed", "at")
