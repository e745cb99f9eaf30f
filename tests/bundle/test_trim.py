"""scripts/bundle.py's trim step on a small synthetic chalice package (fast, no packaging)."""

from __future__ import annotations

import zipfile

import pytest

from scripts import bundle

CONFIG = bundle.BundleConfig(
    python=bundle.BUNDLE_PYTHON, max_mb=25, runtime_provided=("botocore",),
    drop=("big/unused/", "*.pyi"),
    optional={"sms-x": ("sdk-x",)}, stages={"dev": (), "cn": ("sms-x",)})

DISTS = {   # name: (top-level module, Requires-Dist)
    "pynamodb": ("pynamodb", ["botocore>=1.12"]),
    "botocore": ("botocore", ["urllib3<3", "jmespath"]),
    "urllib3": ("urllib3", []),
    "jmespath": ("jmespath", []),
    "sdk-x": ("sdk_x", ["sdk-core", "shared"]),
    "sdk-core": ("sdk_core", []),
    "shared": ("shared", []),
    "big": ("big", ["extra-only; extra == 'fast'"]),
    "extra-only": ("extra_only", []),
}
REQUIREMENTS = ["pynamodb==6.1.0", "sdk-x==1.0", "big==2.0", "shared==1"]


def _package(path):
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("app.py", "import pynamodb\n")
        for name, (module, requires) in DISTS.items():
            info = f"{name.replace('-', '_')}-1.0.dist-info"
            files = [f"{module}/__init__.py", f"{module}/__init__.pyi"]
            if name == "big":
                files.append("big/unused/model.bin")
            for file in files:
                z.writestr(file, "X = 1\n" if file.endswith(".py") else "data")
            meta = "".join(f"Requires-Dist: {r}\n" for r in requires)
            z.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\n{meta}\nbody")
            z.writestr(f"{info}/RECORD", "".join(f"{f},,\n" for f in files) + f"{info}/RECORD,,\n")
    return path


def _tops(path):
    with zipfile.ZipFile(path) as z:
        return {n.split("/", 1)[0] for n in z.namelist()}, set(z.namelist())


@pytest.mark.parametrize("stage, groups, sdk_kept", [("dev", (), False), ("cn", (), True),
                                                     ("dev", ("sms-x",), True)])
def test_optional_groups_and_the_runtime_are_left_out(tmp_path, stage, groups, sdk_kept):
    path = _package(tmp_path / "deployment.zip")
    report = bundle.trim(path, stage, extra_groups=groups, config=CONFIG,
                         requirements=REQUIREMENTS)
    tops, names = _tops(path)
    # the runtime's botocore and what only it needs are gone, though pynamodb requires it
    assert {"pynamodb", "shared", "big", "app.py"} <= tops
    assert not {"botocore", "urllib3", "jmespath"} & tops
    # an optional SDK goes with the dependencies nothing else needs, not with shared ones
    assert ("sdk_x" in tops) is sdk_kept and ("sdk_core" in tops) is sdk_kept
    # an extra nobody asked for is not bundled; dropped paths and stubs are gone
    assert "extra_only" not in tops
    assert "big/unused/model.bin" not in names and not any(n.endswith(".pyi") for n in names)
    assert "pynamodb/__pycache__/__init__.cpython-311.pyc" in names
    assert report["bytes"] == path.stat().st_size


def test_an_unknown_group_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="unknown bundle group"):
        bundle.trim(_package(tmp_path / "d.zip"), "dev", extra_groups=("sms-y",), config=CONFIG,
                    requirements=REQUIREMENTS)


def test_the_project_config_names_groups_that_exist():
    config = bundle.load_config()
    for stage in config.stages:
        config.groups_for(stage)
    assert "botocore" in config.runtime_provided and config.max_mb == 25
