"""Every Lambda function's handler string (what Lambda imports and calls) names a callable
attribute of its module: the admin functions are registered through one helper, so a name that
drifted from its handler would deploy a function that cannot start."""

from __future__ import annotations

import importlib

import app as app_module


def test_every_function_handler_resolves():
    functions = list(app_module.app.pure_lambda_functions)
    assert len(functions) >= 15
    for function in functions:
        module, attr = function.handler_string.rsplit(".", 1)
        assert callable(getattr(importlib.import_module(module), attr, None)), \
            function.handler_string


def test_an_admin_function_answers_a_domain_error_in_its_result():
    from chalicelib.jobs import admin

    result = admin.sla_policy({"jurisdiction": "default", "policy": "not an object"}, None)
    assert result["ok"] is False and result["error"]["code"]
