"""Attachment uploads: presigned S3 PUT URLs bound to a content type and exact length."""

from __future__ import annotations


class S3Uploads:
    def __init__(self, client, bucket: str, expires_in: int = 900):
        self._client = client
        self._bucket = bucket
        self._expires_in = expires_in

    def presign_put(self, key: str, content_type: str, size: int) -> dict:
        url = self._client.generate_presigned_url(
            "put_object",
            Params={"Bucket": self._bucket, "Key": key, "ContentType": content_type,
                    "ContentLength": size},
            ExpiresIn=self._expires_in,
        )
        return {"url": url, "method": "PUT", "expires_in": self._expires_in,
                "headers": {"Content-Type": content_type, "Content-Length": str(size)}}

    def delete(self, keys: list[str]) -> None:
        """Remove uploaded objects (retention, erasure); a missing key is not an error."""
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            if batch:
                self._client.delete_objects(Bucket=self._bucket, Delete={
                    "Objects": [{"Key": k} for k in batch], "Quiet": True})
