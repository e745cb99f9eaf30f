"""The Lambda bundle: ``chalice package``, then keep only what runs.

Chalice packages ``requirements.txt`` with every transitive dependency and no bytecode. This step
rewrites its ``deployment.zip`` in place (``sam.json`` and the CDK asset keep pointing at it):

* distributions the Lambda Python runtime already provides (boto3, botocore and their
  dependencies, pulled in by PynamoDB and Powertools) are removed, file by file from each
  distribution's ``RECORD``, so the app runs on the runtime's botocore, the version tests pin in
  requirements-dev.txt;
* optional provider SDKs (``[tool.minyi.bundle.optional]`` groups) are removed unless the stage
  asks for them (``[tool.minyi.bundle.stages]``, or ``--with GROUP``);
* parts of bundled distributions the app never imports (``drop``: jieba's paddle model,
  part-of-speech tagger and keyword extraction; phonenumbers' geocoder, carrier and time-zone
  data; type stubs) are removed;
* every module is precompiled (``__pycache__/*.cpython-311.pyc``, unchecked-hash: /var/task is
  read-only and its file times are not the build's, so Python would otherwise recompile every
  module on every cold start).

The settings are in ``pyproject.toml`` under ``[tool.minyi.bundle]``. Commands::

    .venv/bin/python scripts/bundle.py --stage dev --out .local/bundle-dev   # package + trim
    .venv/bin/python scripts/bundle.py --trim path/to/deployment.zip --stage dev

``infra/stack.py`` runs :func:`trim` on the package chalice builds for each CDK stage.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BUNDLE_PYTHON = "3.11"

_PACKAGE = """
import json, sys
from chalice.api import package_app
package_app(**json.loads(sys.stdin.read()))
"""


@dataclass(frozen=True)
class BundleConfig:
    python: str
    max_mb: float
    runtime_provided: tuple[str, ...]
    drop: tuple[str, ...]
    optional: dict[str, tuple[str, ...]] = field(default_factory=dict)
    stages: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def groups_for(self, stage: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
        groups = tuple(self.stages.get(stage, ())) + tuple(extra)
        unknown = [g for g in groups if g not in self.optional]
        if unknown:
            raise ValueError(f"unknown bundle group(s) {unknown}; known: {sorted(self.optional)}")
        return groups

    def excluded(self, groups: tuple[str, ...]) -> set[str]:
        """Normalized names of the distributions left out for these optional groups."""
        out = {normalize(n) for n in self.runtime_provided}
        for group, names in self.optional.items():
            if group not in groups:
                out.update(normalize(n) for n in names)
        return out


def load_config(path: Path = REPO / "pyproject.toml") -> BundleConfig:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["minyi"]["bundle"]
    return BundleConfig(
        python=raw["python"], max_mb=float(raw["max_mb"]),
        runtime_provided=tuple(raw["runtime_provided"]), drop=tuple(raw.get("drop", ())),
        optional={k: tuple(v) for k, v in raw.get("optional", {}).items()},
        stages={k: tuple(v) for k, v in raw.get("stages", {}).items()})


def normalize(name: str) -> str:
    """PEP 503 name normalization (dist-info directories use underscores, files any case)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist_name(dist_info: str) -> str:
    stem = dist_info.rsplit("/", 1)[0].removesuffix(".dist-info")
    return normalize(stem.rsplit("-", 1)[0])


_MARKER_ENV = {"python_version": BUNDLE_PYTHON, "python_full_version": BUNDLE_PYTHON + ".0",
               "sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
               "platform_machine": "x86_64", "platform_python_implementation": "CPython",
               "implementation_name": "cpython"}


def _requirements(metadata: str, extras: frozenset[str]) -> list[tuple[str, frozenset[str]]]:
    """(name, extras) a distribution's METADATA requires on the Lambda runtime (Python 3.11,
    Linux), with the given extras of it asked for."""
    from packaging.requirements import Requirement

    out = []
    for line in metadata.splitlines():
        if not line.strip():
            break                           # the headers end at the first blank line
        if not line.startswith("Requires-Dist:"):
            continue
        req = Requirement(line.split(":", 1)[1].strip())
        if req.marker is None or any(req.marker.evaluate({**_MARKER_ENV, "extra": e})
                                     for e in ("", *extras)):
            out.append((normalize(req.name), frozenset(req.extras)))
    return out


def _bundled_distributions(source: zipfile.ZipFile, requirements: list[str],
                           excluded_roots: set[str]) -> tuple[dict[str, str], set[str]]:
    """The distributions in chalice's zip ({name: dist-info dir}) and those to keep: reachable
    from requirements.txt without passing through an excluded root (the runtime's boto3 and its
    dependencies, the optional groups the stage does not use)."""
    from packaging.requirements import Requirement

    dists = {_dist_name(n): n.split("/", 1)[0] for n in source.namelist()
             if n.endswith(".dist-info/METADATA") and n.count("/") == 1}
    seen: set[tuple[str, frozenset[str]]] = set()
    todo = [(normalize(r.name), frozenset(r.extras)) for r in map(Requirement, requirements)]
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen or name in excluded_roots or name not in dists:
            continue
        seen.add((name, extras))
        todo.extend(_requirements(source.read(f"{dists[name]}/METADATA").decode("utf-8"),
                                  extras))
    return dists, {name for name, _ in seen}


def _files_of(source: zipfile.ZipFile, dist_info: str) -> set[str]:
    """Every file a distribution installed (its RECORD), its dist-info and .data directories."""
    rows = source.read(f"{dist_info}/RECORD").decode("utf-8").splitlines()
    out = {row.split(",", 1)[0] for row in rows if row}
    prefixes = (dist_info + "/", dist_info.removesuffix(".dist-info") + ".data/")
    out.update(n for n in source.namelist() if n.startswith(prefixes))
    return out


def requirement_lines(path: Path = REPO / "requirements.txt") -> list[str]:
    """The requirements chalice packages (``name[extras]==version``), comments left out."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("-")]


def _dropped(name: str, patterns: tuple[str, ...]) -> bool:
    if "/__pycache__/" in f"/{name}" or name.endswith((".pyc", ".pyo")):
        return True
    for pattern in patterns:
        if pattern.startswith("*"):
            if name.endswith(pattern[1:]):
                return True
        elif name == pattern or (pattern.endswith("/") and name.startswith(pattern)):
            return True
    return False


def trim(zip_path: Path, stage: str, *, extra_groups: tuple[str, ...] = (),
         config: BundleConfig | None = None, requirements: list[str] | None = None) -> dict:
    """Rewrite ``zip_path`` keeping only what runs; returns a short report."""
    config = config or load_config()
    requirements = requirement_lines() if requirements is None else requirements
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if running != config.python or config.python != BUNDLE_PYTHON:
        raise RuntimeError(f"bytecode must be compiled by Python {config.python} (the Lambda "
                           f"runtime), not {running}")
    groups = config.groups_for(stage, extra_groups)
    before = zip_path.stat().st_size
    with zipfile.ZipFile(zip_path) as source:
        infos = source.infolist()
        dists, keep = _bundled_distributions(source, requirements, config.excluded(groups))
        left_out = sorted(set(dists) - keep)
        remove: set[str] = set()
        for name in left_out:
            remove |= _files_of(source, dists[name])
        with tempfile.TemporaryDirectory(prefix="minyi-bundle-") as tmp:
            root = Path(tmp)
            for info in infos:
                if info.is_dir() or info.filename in remove or \
                        _dropped(info.filename, config.drop):
                    continue
                target = root / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                with source.open(info) as src, open(target, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            ok = compileall.compile_dir(
                str(root), quiet=2, workers=1, ddir="/var/task",
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
            if not ok:
                raise RuntimeError("a bundled module does not compile")
            kept = sorted(p for p in root.rglob("*") if p.is_file())
            fd, tmp_zip = tempfile.mkstemp(suffix=".zip", dir=zip_path.parent)
            os.close(fd)
            with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as out:
                for path in kept:
                    info = zipfile.ZipInfo(path.relative_to(root).as_posix(),
                                           date_time=(2020, 1, 1, 0, 0, 0))
                    info.external_attr = 0o644 << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    out.writestr(info, path.read_bytes())
    os.replace(tmp_zip, zip_path)
    return {"zip": str(zip_path), "stage": stage, "groups": list(groups),
            "left_out": left_out, "bytes_before": before,
            "bytes": zip_path.stat().st_size, "max_bytes": int(config.max_mb * MB)}


def runtime_site(dest: Path, config: BundleConfig | None = None) -> Path:
    """A directory that holds only what the Lambda Python runtime adds to the standard library:
    boto3 and its dependencies, linked from this environment (where requirements-dev.txt pins
    them to the runtime's versions). With the unzipped bundle before it on ``sys.path`` and
    ``python -S`` (no site-packages), a process sees what a Lambda function sees."""
    from importlib import metadata

    config = config or load_config()
    dest.mkdir(parents=True, exist_ok=True)
    for name in config.runtime_provided:
        dist = metadata.distribution(name)
        tops = set()
        for file in dist.files or ():
            top = file.parts[0]
            if top.endswith((".dist-info", ".data")) or top in ("..", "__pycache__"):
                continue
            tops.add(top)
        for top in tops:
            link = dest / top
            if not link.exists():
                link.symlink_to(Path(dist.locate_file(top)))
    return dest


def package(stage: str, out_dir: Path, *, project_dir: Path = REPO) -> Path:
    """``chalice package --stage STAGE OUT_DIR`` in a child process (chalice imports app.py and
    sets the stage's variables in its own environment); returns the zip."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINYI_")}
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    args = {"project_dir": str(project_dir), "output_dir": str(out_dir), "stage": stage}
    result = subprocess.run([sys.executable, "-c", _PACKAGE], input=json.dumps(args), env=env,
                            cwd=project_dir, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"chalice package failed:\n{result.stdout}\n{result.stderr}")
    return out_dir / "deployment.zip"


def build(stage: str, out_dir: Path, extra_groups: tuple[str, ...] = ()) -> dict:
    return trim(package(stage, out_dir), stage, extra_groups=extra_groups)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", type=Path, default=REPO / ".local" / "bundle")
    parser.add_argument("--trim", type=Path, help="only trim this chalice deployment.zip")
    parser.add_argument("--with", dest="groups", action="append", default=[],
                        help="also bundle this optional group (pyproject [tool.minyi.bundle])")
    args = parser.parse_args(argv)
    if args.trim:
        report = trim(args.trim, args.stage, extra_groups=tuple(args.groups))
    else:
        report = build(args.stage, args.out, tuple(args.groups))
    print(json.dumps(report, indent=2))
    return 0 if report["bytes"] <= report["max_bytes"] else 1


if __name__ == "__main__":
    sys.exit(main())
