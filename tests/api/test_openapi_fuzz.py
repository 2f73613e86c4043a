"""A bounded property-based fuzz of every operation in the OpenAPI document (schemathesis).

Each operation is fuzzed as several authenticated users (see ``RUNS``) with data generated from
the OpenAPI document itself: valid data ("positive") and, for operations that take input,
invalid data ("negative"). Path, query and body identifiers are mostly swapped for the ids of
REAL rows seeded for the test (a clinic, site and chair, a patient with history, an assessment,
a course with sessions, a measurement with the alert it raised, a note), so the fuzz reaches
the services' code paths and not only their 404s.

What every response must satisfy:

* never a 5xx (the TestClient also re-raises any unhandled exception);
* 2xx: the status code is documented and the body matches the operation's declared schema
  (schemathesis ``status_code_conformance``, ``content_type_conformance``,
  ``response_schema_conformance``);
* anything else: a handled error, i.e. one of ``HANDLED_ERRORS`` with a JSON body whose
  ``detail`` is a string (the app's error envelope, see ``ketapath.api.errors``);
* negative data: rejected with a 4xx (schemathesis ``negative_data_rejection``).

Requests go through the ``client`` fixture, so all fuzzed writes share the test's transaction
and are rolled back. Hypothesis runs derandomized with a small ``max_examples`` so the run is
deterministic and bounded (well under 90 s per database on two cores); it runs on SQLite always
and on PostgreSQL when ``KETAPATH_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import json
import tempfile
import uuid
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import CheckFunction
from schemathesis.core import NOT_SET
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.orm import Session
from tests.factories import (
    actor_for,
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_history import make_condition, make_medication, make_trial
from tests.factories_sessions import make_course

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db.models import Role
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.note import NoteCreate
from ketapath.services import measurements as measurement_service
from ketapath.services import notes as note_service

BASE_URL = "http://testserver"
# Error statuses answered on purpose: an unparseable body (400, FastAPI), auth, permission,
# scope, conflict, bad input.
HANDLED_ERRORS = frozenset({400, 401, 403, 404, 409, 422})
PHQ9_ITEM9_POSITIVE: list[int | None] = [1, 1, 1, 1, 1, 1, 1, 1, 1]

# The OpenAPI document does not depend on the database: build it once, at import.
SCHEMA = schemathesis.openapi.from_dict(
    create_app(
        Settings(data_dir=Path(tempfile.gettempdir()), database_url="sqlite://")
    ).openapi()
)
Operation = APIOperation[Any, Any, Any, Any]
AnyCase = Case[Any]


def _operations() -> list[Operation]:
    found: list[Operation] = []
    for result in SCHEMA.get_all_operations():
        assert isinstance(result, Ok), (
            f"an operation schemathesis cannot read: {result!r}"
        )
        found.append(result.ok())
    return found


OPERATIONS = _operations()


def takes_input(operation: Operation) -> bool:
    """Negative data needs something to break: a parameter or a body."""
    return bool(list(operation.iter_parameters())) or bool(operation.body)


# (role, generation mode, max_examples): prescribers reach the clinical routes, admins the
# admin ones, a patient user only their own record; invalid data is sent as a prescriber.
RUNS: list[tuple[Role, GenerationMode, int]] = [
    (Role.PRESCRIBER, GenerationMode.POSITIVE, 10),
    (Role.ADMIN, GenerationMode.POSITIVE, 5),
    (Role.PATIENT, GenerationMode.POSITIVE, 4),
    (Role.PRESCRIBER, GenerationMode.NEGATIVE, 6),
]
# Operations that ignore credentials are fuzzed once per generation mode, not once per role.
PUBLIC = frozenset({"POST /api/v1/auth/login", "GET /healthz"})
PARAMS = [
    pytest.param(
        operation,
        role,
        mode,
        examples,
        id=f"{operation.label}-{role.value}-{mode.value}",
    )
    for operation in OPERATIONS
    for role, mode, examples in RUNS
    if mode is GenerationMode.POSITIVE or takes_input(operation)
    if role is Role.PRESCRIBER or operation.label not in PUBLIC
]


@dataclass(frozen=True)
class World:
    """Seeded rows the fuzz aims at, and a bearer header per role."""

    ids: Mapping[str, uuid.UUID]
    headers: Mapping[Role, dict[str, str]]


@pytest.fixture
def world(session: Session) -> World:
    clinic = make_clinic(session)
    site, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    make_patient(session, clinic, given_name="Alan", family_name="Turing")
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    admin = make_user(session, clinic, role=Role.ADMIN)
    patient_user = make_user(session, clinic, role=Role.PATIENT, patient=patient)
    condition = make_condition(session, patient, code="hypertension")
    medication = make_medication(session, patient)
    trial = make_trial(session, patient)
    course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    recorded = measurement_service.record_measurement(
        session,
        actor=actor_for(prescriber),
        patient_id=patient.id,
        data=MeasurementCreate(instrument="phq9", responses=PHQ9_ITEM9_POSITIVE),
    )
    assert recorded.alerts, "the seeded PHQ-9 must raise an alert"
    note = note_service.create_note(
        session,
        actor=actor_for(prescriber),
        patient_id=patient.id,
        data=NoteCreate(kind="therapy", body="Less rumination since session 2."),
    )
    assert course.assessment_id is not None
    session.flush()
    ids = {
        "patient_id": patient.id,
        "condition_id": condition.id,
        "medication_id": medication.id,
        "trial_id": trial.id,
        "assessment_id": course.assessment_id,
        "course_id": course.id,
        "session_id": sessions[0].id,
        "site_id": site.id,
        "chair_id": chairs[1].id,
        "measurement_id": recorded.measurement.id,
        "baseline_measurement_id": recorded.measurement.id,
        "alert_id": recorded.alerts[0].id,
        "note_id": note.id,
    }
    headers = {
        Role.PRESCRIBER: bearer_for(session, prescriber),
        Role.ADMIN: bearer_for(session, admin),
        Role.PATIENT: bearer_for(session, patient_user),
    }
    return World(ids=ids, headers=headers)


def _aim(name: object, value: object, ids: Mapping[str, uuid.UUID]) -> object:
    """A generated UUID named like a seeded row becomes that row's id 3 times out of 4."""
    if not isinstance(name, str) or name not in ids or not isinstance(value, str):
        return value
    try:
        generated = uuid.UUID(value)
    except ValueError:
        return value
    # Deterministic: which values hit real rows depends only on the generated data.
    if zlib.crc32(generated.bytes) % 4 == 0:
        return value
    return str(ids[name])


def _aim_body(body: object, ids: Mapping[str, uuid.UUID]) -> object:
    if isinstance(body, dict):
        return {
            key: _aim(key, _aim_body(value, ids), ids) for key, value in body.items()
        }
    if isinstance(body, list):
        return [_aim_body(item, ids) for item in body]
    return body


def aim_at_real_rows(case: AnyCase, ids: Mapping[str, uuid.UUID]) -> None:
    """Point the case's identifiers at seeded rows (in place; only valid UUIDs are swapped)."""
    for container in (case.path_parameters, case.query):
        if container:
            for name, value in list(container.items()):
                container[name] = _aim(name, value, ids)
    if isinstance(case.body, dict | list):
        aimed = _aim_body(case.body, ids)
        if isinstance(case.body, dict) and isinstance(aimed, dict):
            case.body.clear()
            case.body.update(aimed)
        elif isinstance(case.body, list) and isinstance(aimed, list):
            case.body[:] = aimed


def _is_free_text(subschema: Mapping[str, Any]) -> bool:
    """An unconstrained ``string`` (or a union with one): any text, NUL included, is valid."""
    branches = subschema.get("anyOf", [subschema])
    return any(
        isinstance(branch, dict)
        and branch.get("type") == "string"
        and not any(key in branch for key in ("enum", "const", "format", "pattern"))
        for branch in branches
    )


def free_text_names(subschema: object, seen: frozenset[str] = frozenset()) -> set[str]:
    """Names of properties (at any depth) whose schema admits arbitrary text."""
    if isinstance(subschema, list):
        return set().union(*(free_text_names(item, seen) for item in subschema))
    if not isinstance(subschema, dict):
        return set()
    reference = subschema.get("$ref")
    if isinstance(reference, str):
        if reference in seen:
            return set()
        name = reference.rsplit("/", 1)[-1]
        target = SCHEMA.raw_schema["components"]["schemas"][name]
        return free_text_names(target, seen | {reference})
    names: set[str] = set()
    for prop, prop_schema in subschema.get("properties", {}).items():
        if _is_free_text(prop_schema):
            names.add(prop)
        names |= free_text_names(prop_schema, seen)
    for key in ("items", "anyOf", "allOf", "oneOf"):
        names |= free_text_names(subschema.get(key), seen)
    return names


def free_text_fields(operation: Operation) -> set[str]:
    """Free-text query parameters and body properties of an operation."""
    raw = operation.definition.raw
    names = {
        p["name"]
        for p in raw.get("parameters", [])
        if p.get("in") == "query" and _is_free_text(p.get("schema", {}))
    }
    for content in raw.get("requestBody", {}).get("content", {}).values():
        names |= free_text_names(content.get("schema"))
    return names


def _salt(value: object, names: set[str]) -> object:
    if isinstance(value, dict):
        return {
            key: (
                item[:-1] + "\x00"
                if key in names and isinstance(item, str) and item
                else _salt(item, names)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_salt(item, names) for item in value]
    return value


def salt_free_text(case: AnyCase, names: set[str]) -> None:
    """Put a NUL byte into every free-text value of one example in three (positive data).

    NUL is valid JSON and valid for an unconstrained ``string``; PostgreSQL refuses it in
    text columns, so the app must answer 4xx or store it, never 500.
    """
    if not names or zlib.crc32(describe(case).encode()) % 3:
        return
    if case.query:
        for name, value in list(case.query.items()):
            if name in names and isinstance(value, str) and value:
                case.query[name] = value[:-1] + "\x00"
    if isinstance(case.body, dict):
        salted = _salt(case.body, names)
        assert isinstance(salted, dict)
        case.body.clear()
        case.body.update(salted)


def send(client: TestClient, case: AnyCase, headers: dict[str, str]) -> Any:
    """Serialize the case as schemathesis would and send it through the test's client."""
    kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers=headers)
    content: Any = None
    form: Any = None
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        content = data
    elif data is not None:
        form = data
    return client.request(
        kwargs["method"],
        kwargs["url"],
        params=kwargs.get("params") or None,
        headers=kwargs.get("headers"),
        cookies=kwargs.get("cookies") or None,
        json=kwargs.get("json"),
        content=content,
        data=form,
    )


def describe(case: AnyCase) -> str:
    """The request a case sends, for failure messages."""
    body: object = case.body if not isinstance(case.body, bytes) else repr(case.body)
    try:
        sent = "-" if body is NOT_SET else json.dumps(body, default=str)[:2000]
    except (TypeError, ValueError):
        sent = repr(body)[:2000]
    return f"{case.method} {case.formatted_path} query={case.query!r} body={sent}"


def reproduction(case: AnyCase, response: Any) -> str:
    return f"{describe(case)}\n-> {response.status_code} {response.text[:2000]}"


def check_response(case: AnyCase, response: Any, mode: GenerationMode) -> None:
    status = response.status_code
    where = reproduction(case, response)
    assert status < 500, f"server error\n{where}"
    checks: list[CheckFunction] = []
    if 200 <= status < 300:
        checks += [
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ]
    else:
        assert status in HANDLED_ERRORS, f"unexpected status {status}\n{where}"
        assert response.headers.get("content-type", "").startswith(
            "application/json"
        ), where
        error = response.json()
        assert isinstance(error, dict), where
        assert isinstance(error.get("detail"), str), where
        assert error["detail"], where
    if mode is GenerationMode.NEGATIVE:
        checks.append(negative_data_rejection)
    if checks:
        case.validate_response(response, checks=checks)


@pytest.mark.parametrize(("operation", "role", "mode", "examples"), PARAMS)
def test_operation_survives_fuzzing(
    client: TestClient,
    world: World,
    operation: Operation,
    role: Role,
    mode: GenerationMode,
    examples: int,
) -> None:
    headers = world.headers[role]
    free_text = (
        free_text_fields(operation) if mode is GenerationMode.POSITIVE else set()
    )

    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def fuzz(case: AnyCase) -> None:
        aim_at_real_rows(case, world.ids)
        salt_free_text(case, free_text)
        try:
            response = send(client, case, headers)
        except Exception as error:  # an unhandled server error, re-raised by the client
            error.add_note(f"as {role.value}: {describe(case)}")
            raise
        check_response(case, response, mode)

    fuzz()


def test_every_operation_is_fuzzed() -> None:
    labels = {operation.label for operation in OPERATIONS}
    documented = {
        f"{method.upper()} {path}"
        for path, item in SCHEMA.raw_schema["paths"].items()
        for method in item
    }
    assert labels == documented
    fuzzed = {param.values[0].label for param in PARAMS}  # type: ignore[union-attr]
    assert fuzzed == labels
