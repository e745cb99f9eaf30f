"""The Lambda bundle, built once per session the way `scripts/bundle.py --stage dev` builds it
(`chalice package` + trim), and unzipped beside a directory holding only the runtime's boto3."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts import bundle


@dataclass(frozen=True)
class Bundle:
    zip: Path
    report: dict
    root: Path           # the unzipped bundle: /var/task
    runtime: Path        # boto3 and its dependencies only: /var/runtime

    def names(self) -> list[str]:
        with zipfile.ZipFile(self.zip) as z:
            return z.namelist()


@pytest.fixture(scope="session")
def dev_bundle(tmp_path_factory) -> Bundle:
    base = tmp_path_factory.mktemp("bundle")
    report = bundle.build("dev", base / "out")
    zip_path = Path(report["zip"])
    root = base / "task"
    with zipfile.ZipFile(zip_path) as z:
        z.extractall(root)
    return Bundle(zip_path, report, root, bundle.runtime_site(base / "runtime"))
