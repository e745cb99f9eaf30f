"""Report files in S3 (``reports/<granularity>/<period start>/<unit>.xlsx|.csv``), handed out
as presigned GET links."""

from __future__ import annotations


class S3Reports:
    def __init__(self, client, bucket: str, link_seconds: int):
        self._client = client
        self._bucket = bucket
        self._link_seconds = link_seconds

    def put(self, key: str, body: bytes, content_type: str) -> str:
        """Store the file; returns a presigned link to it."""
        self._client.put_object(Bucket=self._bucket, Key=key, Body=body,
                                ContentType=content_type)
        return self._client.generate_presigned_url(
            "get_object", Params={"Bucket": self._bucket, "Key": key},
            ExpiresIn=self._link_seconds)

    def get(self, key: str) -> bytes:
        return self._client.get_object(Bucket=self._bucket, Key=key)["Body"].read()
