"""What the stack's constructs share: the ``Layer`` base, names, log retention.

A stage's resources are grouped into constructs (``Data``, ``Messaging``, ``Identity``, ``Api``,
``Monitoring``), each a ``Layer``. A layer groups; it does not rename: ``LayeredStack`` gives
every resource the logical id it would have as the stack's direct child, so a table is still
``TicketTable25B0D70D`` whether it sits at ``dev/TicketTable`` or ``dev/Data/TicketTable``.
CloudFormation replaces a resource whose logical id changes; for the retained tables, bucket
and user pool that would mean a second copy beside the first (and a failed deploy on their
fixed names).
"""

from __future__ import annotations

import hashlib
import re

from aws_cdk import CfnElement, Stack
from aws_cdk import aws_logs as logs
from constructs import Construct

# aws-cdk-lib core/lib/private/uniqueid.ts (makeUniqueId), which Stack.allocateLogicalId uses
_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"
_HASH_LEN = 8
_MAX_HUMAN_LEN = 240
_MAX_ID_LEN = 255


class Layer(Construct):
    """A group of the stack's resources that is invisible in their logical ids; the layers
    and settings it builds on (``stage=``, ``data=``, ...) become its attributes."""

    def __init__(self, scope, construct_id: str, **parts) -> None:
        super().__init__(scope, construct_id)
        _LAYER_PATHS.add(self.node.path)
        for name, value in parts.items():
            setattr(self, name, value)


# The construct paths of every Layer built in this process. A path names one construct in its
# app, and a path that is a layer in one app is a layer in every app built from this code, so
# one set serves every app a process synthesizes (the infra tests build several).
_LAYER_PATHS: set[str] = set()


class LayeredStack(Stack):
    """A stack whose ``Layer`` children do not take part in logical ids.

    CDK asks for every element's logical id through a jsii callback; the answer is computed from
    the element's path string (two jsii calls), not by walking its scopes (a dozen calls each,
    which made the synth of one stage take about 20 s longer)."""

    def _allocate_logical_id(self, cfn_element: CfnElement) -> str:
        stack = self.__dict__.get("_minyi_path")
        if stack is None:
            stack = self.__dict__["_minyi_path"] = self.node.path
        path = cfn_element.node.path
        if not path.startswith(stack + "/"):
            return super()._allocate_logical_id(cfn_element)
        components = path[len(stack) + 1:].split("/")
        prefixes = ["/".join([stack, *components[:i + 1]]) for i in range(len(components))]
        if not any(p in _LAYER_PATHS for p in prefixes):
            return super()._allocate_logical_id(cfn_element)
        return unique_id([c for c, p in zip(components, prefixes, strict=True)
                          if p not in _LAYER_PATHS])


def unique_id(components: list[str]) -> str:
    """CDK's logical id for a path below the stack (``makeUniqueId``): ``tests/infra`` checks
    it gives CDK's own answer for every resource of the synthesized stacks."""
    components = [c for c in components if c != _HIDDEN_ID]
    if not components:
        raise ValueError("no path components")
    if len(components) == 1:
        candidate = _alphanumeric(components[0])
        if len(candidate) <= _MAX_ID_LEN:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    human = "".join(_alphanumeric(c) for c in _without_dupes(components)
                    if c != _HIDDEN_FROM_HUMAN_ID)
    return human[:_MAX_HUMAN_LEN] + digest[:_HASH_LEN].upper()


def _alphanumeric(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]", "", text)


def _without_dupes(components: list[str]) -> list[str]:
    out: list[str] = []
    for component in components:
        if not out or not out[-1].endswith(component):
            out.append(component)
    return out


def pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", name) if part)


_RETENTION = {7: logs.RetentionDays.ONE_WEEK, 14: logs.RetentionDays.TWO_WEEKS,
              30: logs.RetentionDays.ONE_MONTH, 90: logs.RetentionDays.THREE_MONTHS,
              180: logs.RetentionDays.SIX_MONTHS, 365: logs.RetentionDays.ONE_YEAR,
              731: logs.RetentionDays.TWO_YEARS, 1827: logs.RetentionDays.FIVE_YEARS}


def retention(days: int) -> logs.RetentionDays:
    if days not in _RETENTION:
        raise ValueError(f"log retention {days} days: use one of {sorted(_RETENTION)}")
    return _RETENTION[days]
