"""Reading a DynamoDB Stream the way Lambda's event source mapping does, for the places where no
event source mapping exists: the local pump (moto never invokes stream triggers) and the
integration tests. Records come back as Lambda-shaped ``Records`` events, in stream order; the
reader remembers, per shard, the last sequence number the handler accepted (a checkpoint that
can be saved and restored), so a restarted reader neither loses records nor replays more than
the last batch.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def _plain(value):
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class StreamReader:
    def __init__(self, client, stream_arn: str, checkpoint_file: Path | None = None):
        self._client = client
        self.stream_arn = stream_arn
        self._file = checkpoint_file
        self.checkpoints: dict[str, str] = {}
        if checkpoint_file is not None and checkpoint_file.exists():
            saved = json.loads(checkpoint_file.read_text(encoding="utf-8"))
            if saved.get("stream_arn") == stream_arn:
                self.checkpoints = dict(saved.get("shards") or {})

    def _shards(self) -> list[str]:
        description = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"]
        return [s["ShardId"] for s in description.get("Shards", [])]

    def _iterator(self, shard: str) -> str:
        after = self.checkpoints.get(shard)
        kwargs = ({"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": after}
                  if after else {"ShardIteratorType": "TRIM_HORIZON"})
        return self._client.get_shard_iterator(StreamArn=self.stream_arn, ShardId=shard,
                                               **kwargs)["ShardIterator"]

    def batches(self, limit: int = 100):
        """Yield ``(shard, event)`` for each shard with new records (at most ``limit`` each)."""
        for shard in self._shards():
            records = self._client.get_records(ShardIterator=self._iterator(shard),
                                               Limit=limit).get("Records", [])
            if records:
                event = {"Records": [{**_plain(r), "eventSourceARN": self.stream_arn}
                                     for r in records]}
                yield shard, event

    def accept(self, shard: str, event: dict, response) -> int:
        """Advance the shard's checkpoint past what the handler accepted: everything, or the
        records before the first ``batchItemFailures`` entry. Returns how many were accepted."""
        records = event["Records"]
        failures = (response or {}).get("batchItemFailures") or [] if isinstance(
            response, dict) else []
        accepted = records
        if failures:
            first = failures[0]["itemIdentifier"]
            seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
            accepted = records[:seqs.index(first)] if first in seqs else []
        if accepted:
            self.checkpoints[shard] = accepted[-1]["dynamodb"]["SequenceNumber"]
            self._save()
        return len(accepted)

    def _save(self) -> None:
        if self._file is None:
            return
        self._file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"stream_arn": self.stream_arn, "shards": self.checkpoints}),
                       encoding="utf-8")
        tmp.replace(self._file)
