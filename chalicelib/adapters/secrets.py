"""Provider credentials from AWS Secrets Manager, cached for a few minutes (Powertools
parameters), so a rotated secret is picked up without a redeploy."""

from __future__ import annotations

from aws_lambda_powertools.utilities.parameters import SecretsProvider


class Secrets:
    def __init__(self, client, max_age: int = 300):
        self._provider = SecretsProvider(boto3_client=client)
        self._max_age = max_age

    def json(self, secret_id: str) -> dict:
        value = self._provider.get(secret_id, transform="json", max_age=self._max_age)
        if not isinstance(value, dict):
            raise ValueError(f"secret {secret_id!r} is not a JSON object")
        return value
