"""Inbound citizen answers that do not come over HTTP.

- ``inbound_sms``: AWS End User Messaging two-way SMS publishes each reply to the
  ``inbound-sms`` topic. moto does not deliver SNS to Lambda: tests invoke the handler with an
  SNS-shaped event, and the local pump bridges the topic through an SQS queue.
- ``voice_survey_result``: the Amazon Connect contact flow of the survey call invokes this
  function with the keypresses (Details.Parameters) and answers with its flat string map.
"""

from __future__ import annotations

from chalice import Blueprint

from ..adapters.topology import resource_prefix
from ..config import settings
from ..lazy import lazy

inbound_sms = lazy("chalicelib.services.inbound_sms")
survey = lazy("chalicelib.services.survey")


bp = Blueprint(__name__)
INBOUND_TOPIC = f"{resource_prefix(settings.table_prefix)}inbound-sms"


@bp.on_sns_message(topic=INBOUND_TOPIC, name="inbound_sms")
def on_inbound_sms(event):
    inbound_sms.handle_sns(event.message)


@bp.lambda_function(name="voice_survey_result")
def voice_survey_result(event, context):
    return survey.voice_result(event)
