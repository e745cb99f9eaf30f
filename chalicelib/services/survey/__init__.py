"""Callback surveys (回访) and evaluations (评价): the loop closes when the citizen says so.

After a reply the ticket carries a sparse ``by_callback`` key (``callback_at``, set by the reply).
The survey job (every 10 minutes, acting only in the daytime window) asks the citizen, by SMS
or by a voice call, at most once a day and at most ``survey_max_attempts`` times; after the last
attempt goes unanswered the ticket closes as not evaluated. The answer (SMS, voice keypresses or
the mini-program) closes the ticket (办结), reopens it to the same unit (重办, 回头看), or, after
the last reopening, sends it to social review (社会评议, ``services/review.py``).

State:
- on the ticket: ``survey`` (the current reply's survey: round = ``replied_at``, attempts,
  last day, channel, open), the evaluation fields, the callback keys;
- the open survey per number (``adapters/survey_repo.py``): the one ticket whose survey is open
  for a number, so an inbound "4" maps to the right ticket;
- the opt-outs (same module): numbers that sent 退订 / TD: never surveyed again;
- the outbound SMS records (``adapters/sms_records.py``): each survey SMS sent, for delivery
  receipts.

Races: every ticket change is a versioned transaction (``tickets.save``); the per-number claim
is a conditional write. Two job runs racing for the same ticket send one survey: the loser's
ticket save fails its version check before anything is sent.
"""

from ...adapters import keys
from ...domain import survey as rules
from ...domain.ticket import SYSTEM
from .answers import apply_answer, evaluate_in_app, note_message, record_answer
from .calls import handle_voice_callback, outbound_status, voice_result
from .optout import clarify_once, is_opted_out, opt_out
from .schedule import deliver, run_due
from .state import claim, current_survey, open_survey_ticket, release, survey_open, window

OPEN_PK = keys.SURVEY_OPEN
OPTOUT_PK = keys.OPTOUT

__all__ = ["SYSTEM", "rules", "OPEN_PK", "OPTOUT_PK", "claim", "apply_answer", "clarify_once",
           "current_survey", "deliver", "evaluate_in_app", "handle_voice_callback",
           "is_opted_out", "note_message", "open_survey_ticket", "opt_out", "outbound_status",
           "record_answer", "release", "run_due", "survey_open", "voice_result", "window"]
