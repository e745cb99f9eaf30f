"""Test environment: set before anything imports the app (PynamoDB reads table names at import)."""

import os
import time

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_SECURITY_TOKEN", "testing")
os.environ.setdefault("AWS_SESSION_TOKEN", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_ACCOUNT_ID_ENDPOINT_MODE"] = "disabled"
os.environ.setdefault("MINYI_STAGE", "test")
os.environ.setdefault("MINYI_TABLE_PREFIX", "minyi-test-")
os.environ.setdefault("MINYI_EVENT_BUS", "minyi-test")
os.environ.setdefault("MINYI_ATTACHMENTS_BUCKET", "minyi-test-attachments")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
os.environ.pop("AWS_ENDPOINT_URL", None)
# moto's Step Functions Wait compares deadlines with the naive local clock: run tests in UTC
os.environ["TZ"] = "UTC"
time.tzset()
