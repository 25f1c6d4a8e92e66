"""The committed OpenAPI contract matches the code, and the sandbox honours it under generated requests."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lifer_desk.config import Secret
from lifer_desk.sandbox.app import create_app
from lifer_desk.sandbox.contract import CONTRACT_PATH, render
from tests.admin_api.admin_test_support import TOKEN, assert_no_stored_values, stored_forms

schema = schemathesis.openapi.from_path(CONTRACT_PATH)


def test_contract_file_matches_the_code() -> None:
    assert CONTRACT_PATH.read_text(encoding="utf-8") == render(), (
        "docs/admin-api.openapi.json is out of date: run `python -m lifer_desk.sandbox.contract`"
    )


def test_contract_covers_every_call() -> None:
    paths = set(schema.raw_schema["paths"])
    assert paths == {
        "/v1/users", "/v1/users/{user_id}", "/v1/users/{user_id}/verify", "/v1/users/{user_id}/images",
        "/v1/users/{user_id}/images/{image_id}", "/v1/users/{user_id}/erasure", "/v1/erasures/{erasure_id}",
        "/v1/feedback", "/v1/health", "/v1/users/{user_id}/notify",
    }  # fmt: skip


@pytest.fixture(scope="module")
def contract_db(sandbox_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contract") / "sandbox.db"
    shutil.copyfile(sandbox_template, path)
    return path


@pytest.fixture(scope="module")
def contract_app(contract_db: Path) -> FastAPI:
    return create_app(contract_db, Secret(TOKEN.reveal()))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_sandbox_honours_its_contract(case: schemathesis.Case, contract_app: FastAPI, contract_db: Path) -> None:
    response = case.call(app=contract_app, headers={"Authorization": f"Bearer {TOKEN.reveal()}"})
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
        transport_kwargs={"app": contract_app},
    )
    if case.path.endswith("/verify") and response.status_code == 200:
        user_id = case.path_parameters["user_id"]
        with sqlite3.connect(contract_db) as conn:
            row = conn.execute("SELECT email, username, birthday FROM user WHERE id = ?", (user_id,)).fetchone()
        assert_no_stored_values(response.text, stored_forms(*row))
