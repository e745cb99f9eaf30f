"""One stack per stage: everything minyi runs on in AWS, composed of its constructs.

==============  =====================================================================
construct       what (module)
==============  =====================================================================
``Data``        tables: keys, indexes, TTL, the timeline's stream; attachments (data.py)
``Messaging``   the topics' key, bus + archive, topics, queues + DLQs, rules, state
                machines (messaging.py)
``Identity``    staff pool or OIDC issuer, secrets, the functions' role, API Gateway's
                logging role (identity.py)
``Api``         the Chalice app and its environment, API Gateway, event sources (api.py)
``Monitoring``  alarms and the dashboard (monitoring.py)
==============  =====================================================================

Layers do not change logical ids (``base.LayeredStack``); cdk-nag acknowledgements: nag.py.
"""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from . import nag
from .api import Api
from .base import LayeredStack
from .data import Data
from .identity import TIMELINE_ACTIONS, Identity  # noqa: F401  (tests/infra)
from .messaging import OUTBOX_FAILED, Messaging  # noqa: F401  (tests/infra)
from .monitoring import Monitoring
from .stages import StageConfig, is_china, sms_mode


class MinyiStack(LayeredStack):
    def __init__(self, scope: Construct, stage: StageConfig, *, build_dir: Path,
                 alert_email: str | None = None, **kwargs) -> None:
        super().__init__(scope, stage.name, stack_name=stage.stack_name,
                         description=f"minyi 12345 citizen-request platform ({stage.name})",
                         **kwargs)
        self.stage = stage
        china = is_china(None if cdk.Token.is_unresolved(self.region) else self.region)
        sms = sms_mode(stage, china)

        self.data = Data(self, "Data", stage=stage)
        self.messaging = Messaging(self, "Messaging", stage=stage, china=china, data=self.data)
        self.identity = Identity(self, "Identity", stage=stage, china=china, sms_mode=sms,
                                 data=self.data, messaging=self.messaging)
        self.api = Api(self, "Api", stage=stage, sms_mode=sms, build_dir=build_dir,
                       data=self.data, messaging=self.messaging, identity=self.identity)
        self.monitoring = Monitoring(self, "Monitoring", stage=stage, messaging=self.messaging,
                                     api=self.api)
        if alert_email:
            self.messaging.topics["alerts"].add_subscription(
                subscriptions.EmailSubscription(alert_email))
        nag.acknowledge(self.data, self.messaging, self.identity)
        self._outputs()

    def _outputs(self) -> None:
        identity = self.identity
        if identity.user_pool is not None:
            cdk.CfnOutput(self, "UserPoolId", value=identity.user_pool.user_pool_id)
            cdk.CfnOutput(self, "StaffClientId",
                          value=identity.staff_client.user_pool_client_id)
        cdk.CfnOutput(self, "AttachmentsBucket", value=self.data.bucket.bucket_name)
        cdk.CfnOutput(self, "WechatSecretName", value=identity.wechat_secret.secret_name)
        if identity.sms_provider_secret is not None:
            cdk.CfnOutput(self, "SmsProviderSecretName",
                          value=identity.sms_provider_secret.secret_name)
