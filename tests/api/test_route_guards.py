"""Every route of the app is guarded: credentials, CSRF, the patient role, no PII in queries.

Routes are enumerated from the app itself (``app.routes``, included routers flattened), not
listed by hand, so a new endpoint is checked as soon as it exists:

* every /api/v1 route except ``POST /api/v1/auth/login`` answers 401 without credentials;
* every unsafe /api/v1 route answers 403 to a session cookie without ``X-CSRF-Token`` (and is
  not refused for CSRF once the header is sent);
* a ``patient`` user gets 403 or 404, never 2xx, on every staff-only route and on every route
  aimed at another patient's rows (a second patient with a full record is seeded);
* the OpenAPI document lists no operation these tests do not visit, every unsafe route has a
  valid body here (so the permission check, not validation, answers), and no query parameter
  carries a patient identifier (only patient search takes free text, as ``q``).
"""

from __future__ import annotations

import re
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.factories import (
    TEST_PASSWORD,
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
from ketapath.db.models import Clinic, Patient, Role, User
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.note import NoteCreate
from ketapath.services import measurements as measurement_service
from ketapath.services import notes as note_service

API = "/api/v1"
LOGIN = ("POST", f"{API}/auth/login")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PATH_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")

# Routes and OpenAPI built once, at import: neither depends on the database.
_APP = create_app(
    Settings(data_dir=Path(tempfile.gettempdir()), database_url="sqlite://")
)
OPENAPI: dict[str, Any] = _APP.openapi()


def app_routes() -> list[tuple[str, str]]:
    """(method, path) of every route the app serves, included routers flattened."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(_APP.routes):
        path, methods = route.path, route.methods
        assert path, f"a route without a path: {route!r}"
        for method in methods or ():
            if method != "HEAD":
                found.add((method, path))
    return sorted(found, key=lambda r: (r[1], r[0]))


ROUTES = app_routes()
API_ROUTES = [r for r in ROUTES if r[1].startswith(f"{API}/")]
GUARDED = [r for r in API_ROUTES if r != LOGIN]
UNSAFE_GUARDED = [r for r in GUARDED if r[0] in UNSAFE]
# Outside /api/v1, in or next to the OpenAPI document, public on purpose: the API docs,
# the OpenAPI document, liveness (and the root page).
PUBLIC_OUTSIDE_API = {
    ("GET", "/"),
    ("GET", "/api/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/openapi.json"),
    ("GET", "/healthz"),
}
# The routes a patient user may use at all: their own login, their own record (patient
# scope decides the rest, tested below with another patient's ids).
PATIENT_SELF_SERVICE = {
    ("GET", f"{API}/auth/me"),
    ("POST", f"{API}/auth/logout"),
    ("GET", f"{API}/patients"),
}

# A valid body for every unsafe route, so that the guards (not validation) answer.
TODAY = "2031-03-03"
VALID_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", f"{API}/auth/logout"): {},
    ("POST", f"{API}/staff"): {
        "email": "new.nurse@example.org",
        "display_name": "New Nurse",
        "role": "nurse",
        "password": "a long enough password",
    },
    ("POST", f"{API}/patients"): {
        "mrn": "GUARD-1",
        "given_name": "Grace",
        "family_name": "Hopper",
        "birth_date": "1980-12-09",
        "sex": "female",
    },
    ("PATCH", f"{API}/patients/{{patient_id}}"): {"address": "1 Main St"},
    ("POST", f"{API}/patients/{{patient_id}}/conditions"): {"code": "hypertension"},
    ("DELETE", f"{API}/patients/{{patient_id}}/conditions/{{condition_id}}"): {},
    ("POST", f"{API}/patients/{{patient_id}}/medications"): {
        "name": "lorazepam",
        "drug_class": "benzodiazepine",
    },
    ("PATCH", f"{API}/medications/{{medication_id}}"): {"active": False},
    ("POST", f"{API}/patients/{{patient_id}}/trials"): {
        "drug": "bupropion",
        "drug_class": "ndri",
    },
    ("PATCH", f"{API}/trials/{{trial_id}}"): {"drug": "bupropion"},
    ("POST", f"{API}/patients/{{patient_id}}/assessments"): {},
    ("POST", f"{API}/assessments/{{assessment_id}}/overrides"): {
        "route": "esketamine",
        "rule_id": "SOME-RULE",
        "reason": "Reviewed with cardiology; benefit outweighs risk.",
    },
    ("POST", f"{API}/patients/{{patient_id}}/courses"): {
        "protocol": "esketamine_trd",
        "start_date": TODAY,
    },
    ("PATCH", f"{API}/sessions/{{session_id}}/schedule"): {"time": "10:00"},
    ("POST", f"{API}/sessions/{{session_id}}/cancel"): {"reason": "Patient unwell"},
    ("POST", f"{API}/sessions/{{session_id}}/check-in"): {
        "systolic_mmhg": 120,
        "diastolic_mmhg": 80,
        "spo2_pct": 98,
        "hours_since_food": "3",
        "minutes_since_liquids": 45,
        "pulse_oximeter_available": True,
        "transport_arranged": True,
    },
    ("POST", f"{API}/sessions/{{session_id}}/doses"): {"dose_mg": "56"},
    ("POST", f"{API}/sessions/{{session_id}}/vitals"): {"spo2_pct": 97},
    ("POST", f"{API}/sessions/{{session_id}}/scales"): {
        "instrument": "moaas",
        "responses": [4],
    },
    ("POST", f"{API}/sessions/{{session_id}}/adverse-events"): {
        "kind": "nausea",
        "severity": "mild",
    },
    ("POST", f"{API}/sessions/{{session_id}}/ready"): {
        "sedation_resolved": True,
        "dissociation_resolved": True,
        "respiratory_ok": True,
    },
    ("POST", f"{API}/sessions/{{session_id}}/discharge"): {},
    ("POST", f"{API}/patients/{{patient_id}}/measurements"): {
        "instrument": "phq9",
        "responses": [1, 1, 1, 1, 1, 1, 1, 1, 0],
    },
    ("POST", f"{API}/alerts/{{alert_id}}/acknowledge"): {"note": "Called the patient."},
    ("POST", f"{API}/patients/{{patient_id}}/notes"): {
        "kind": "general",
        "body": "Checked in by phone.",
    },
    ("PATCH", f"{API}/notes/{{note_id}}"): {"body": "Checked in by phone, twice."},
    ("POST", f"{API}/notes/{{note_id}}/sign"): {},
    ("POST", f"{API}/patients/{{patient_id}}/questionnaire-links"): {
        "instruments": ["phq9"]
    },
    ("PUT", f"{API}/sessions/{{session_id}}/rems-form"): {"hcp_phone": "555-010-2000"},
    ("POST", f"{API}/sessions/{{session_id}}/rems-form/sign"): {},
    ("POST", f"{API}/sessions/{{session_id}}/rems-form/amend"): {"reason": "lot typo"},
    ("POST", f"{API}/sessions/{{session_id}}/rems-form/submitted"): {
        "submitted_on": "2025-03-03"
    },
    ("PUT", f"{API}/patients/{{patient_id}}/rems-enrolment"): {
        "rems_patient_id": "P-1"
    },
    ("PUT", f"{API}/sites/{{site_id}}/rems-certification"): {"certification_id": "S-1"},
    ("PUT", f"{API}/billing/fees/{{code}}"): {"fee": "400"},
    ("PUT", f"{API}/patients/{{patient_id}}/diagnosis-codes"): {"codes": ["F33.2"]},
    ("POST", f"{API}/patients/{{patient_id}}/payments"): {
        "amount": "100",
        "paid_on": "2025-03-03",
    },
    ("POST", f"{API}/ledger/products"): {
        "name": "Ketamine 50 mg/mL 10 mL",
        "substance": "ketamine",
        "ndc": "42023-113-10",
        "finished_form": "injection",
        "unit": "mg",
        "units_per_container": "500",
    },
    ("POST", f"{API}/ledger/lots"): {
        "product_id": "00000000-0000-4000-8000-000000000001",
        "lot_number": "L1",
        "expiry_date": "2030-01-01",
        "storage_location": "Safe A",
    },
    ("POST", f"{API}/ledger/receipts"): {
        "product_id": "00000000-0000-4000-8000-000000000001",
        "lot_number": "L1",
        "expiry_date": "2030-01-01",
        "storage_location": "Safe A",
        "containers": 1,
        "supplier_name": "Supplier",
        "supplier_address": "1 Road",
        "supplier_dea_number": "AB1234563",
    },
    ("POST", f"{API}/ledger/administrations"): {
        "lot_id": "00000000-0000-4000-8000-000000000001",
        "session_id": "00000000-0000-4000-8000-000000000001",
        "given_mg": "35",
    },
    ("POST", f"{API}/ledger/disposals"): {
        "lot_id": "00000000-0000-4000-8000-000000000001",
        "manner": "reverse distributor",
        "quantity_mg": "10",
    },
    ("POST", f"{API}/ledger/transfers"): {
        "lot_id": "00000000-0000-4000-8000-000000000001",
        "direction": "out",
        "counterparty_name": "Other Clinic",
        "counterparty_address": "2 Road",
        "counterparty_dea_number": "AB1234563",
        "quantity_mg": "10",
    },
    ("POST", f"{API}/ledger/counts"): {
        "lot_id": "00000000-0000-4000-8000-000000000001",
        "count_kind": "ad_hoc",
        "counted_mg": "400",
    },
    ("POST", f"{API}/ledger/corrections"): {
        "corrects_entry_id": "00000000-0000-4000-8000-000000000001",
        "reason": "entered on wrong lot",
        "change_mg": "-5",
    },
    ("POST", f"{API}/ledger/discrepancies/{{discrepancy_id}}/resolve"): {
        "reason": "recounted, found in safe B"
    },
    ("POST", f"{API}/ledger/theft-loss-reports"): {
        "kind": "loss",
        "discovered_at": "2025-01-01T00:00:00Z",
        "description": "vial missing at count",
    },
    ("POST", f"{API}/ledger/theft-loss-reports/{{report_id}}/notice-sent"): {},
    ("POST", f"{API}/ledger/theft-loss-reports/{{report_id}}/form-106-filed"): {},
}

# Query parameters the API may take; none of them may carry a patient identifier.
ALLOWED_QUERY = {
    "until",
    "since",
    "start",
    "end",
    "session_id",
    "as_of",
    "soon_days",
    "q",
    "limit",
    "offset",
    "role",
    "date",
    "site_id",
    "instrument",
    "baseline_measurement_id",
    "status",
    "kind",
    "patient_id",
}
PII_WORDS = ("name", "mrn", "email", "phone", "birth", "dob", "address", "ssn")
SEARCH = ("GET", f"{API}/patients")


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def fill(path: str, ids: Mapping[str, uuid.UUID] | None = None) -> str:
    """The path with its parameters set to ``ids`` (random UUIDs for unknown names)."""
    known = ids or {}
    return PATH_PARAM.sub(lambda m: str(known.get(m.group(1), uuid.uuid4())), path)


def call(
    client: TestClient,
    route: tuple[str, str],
    url: str,
    *,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> Any:
    method = route[0]
    if method in UNSAFE:
        return client.request(method, url, json=body or {}, headers=headers)
    return client.request(method, url, headers=headers)


@dataclass(frozen=True)
class Record:
    """One patient's record, one row of each kind, keyed by path parameter name."""

    patient: Patient
    ids: dict[str, uuid.UUID]


def seed_record(
    session: Session, clinic: Clinic, patient: Patient, prescriber: User
) -> Record:
    site, chairs = make_site_with_chairs(session, clinic)
    condition = make_condition(session, patient, code="hypertension")
    medication = make_medication(session, patient)
    trial = make_trial(session, patient)
    course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    recorded = measurement_service.record_measurement(
        session,
        actor=actor_for(prescriber),
        patient_id=patient.id,
        data=MeasurementCreate(instrument="phq9", responses=[1] * 9),
    )
    note = note_service.create_note(
        session,
        actor=actor_for(prescriber),
        patient_id=patient.id,
        data=NoteCreate(kind="therapy", body="Less rumination since session 2."),
    )
    assert course.assessment_id is not None
    assert recorded.alerts
    return Record(
        patient=patient,
        ids={
            "patient_id": patient.id,
            "condition_id": condition.id,
            "medication_id": medication.id,
            "trial_id": trial.id,
            "assessment_id": course.assessment_id,
            "course_id": course.id,
            "session_id": sessions[0].id,
            "measurement_id": recorded.measurement.id,
            "alert_id": recorded.alerts[0].id,
            "note_id": note.id,
            "site_id": site.id,
        },
    )


class TestInventory:
    def test_the_openapi_document_lists_no_route_these_tests_do_not_visit(self):
        documented = {
            (method.upper(), path)
            for path, item in OPENAPI["paths"].items()
            for method in item
        }
        visited = set(GUARDED) | {LOGIN} | PUBLIC_OUTSIDE_API
        assert documented - visited == set()
        # Every /api/v1 route served is visited, documented or not (GUARDED comes from
        # app.routes). The HTML web UI outside /api/v1 is covered by tests/web.
        assert set(API_ROUTES) - visited == set()

    def test_every_unsafe_route_has_a_valid_body_here(self):
        assert set(UNSAFE_GUARDED) - set(VALID_BODIES) == set()
        assert set(VALID_BODIES) - set(UNSAFE_GUARDED) == set(), "stale bodies"

    def test_no_query_parameter_carries_a_patient_identifier(self):
        for path, item in OPENAPI["paths"].items():
            for method, operation in item.items():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] != "query":
                        continue
                    name = parameter["name"].lower()
                    where = f"{method.upper()} {path} ?{name}"
                    assert name in ALLOWED_QUERY, f"new query parameter: {where}"
                    assert not any(word in name for word in PII_WORDS), where
                    if name == "q":
                        assert (method.upper(), path) == SEARCH, where

    def test_the_route_enumeration_sees_the_included_routers(self):
        assert len(GUARDED) > 40
        assert ("GET", f"{API}/alerts") in GUARDED


@pytest.mark.parametrize("route", GUARDED, ids=route_id)
def test_no_credentials_is_401(client, route):
    response = call(client, route, fill(route[1]))
    assert response.status_code == 401, response.text
    assert response.headers.get("www-authenticate") == "Bearer"


@pytest.fixture
def cookie_client(client, session):
    """The client holding a prescriber's session cookie; its CSRF token is returned."""
    clinic = make_clinic(session)
    user = make_user(session, clinic, role=Role.PRESCRIBER)
    response = client.post(
        f"{API}/auth/login",
        json={"email": user.email, "password": TEST_PASSWORD, "kind": "session"},
    )
    assert response.status_code == 200, response.text
    assert client.cookies.get("ketapath_session")
    return client, response.json()["csrf_token"]


@pytest.mark.parametrize("route", UNSAFE_GUARDED, ids=route_id)
def test_cookie_without_csrf_header_is_403(cookie_client, route):
    client, csrf = cookie_client
    url = fill(route[1])
    body = VALID_BODIES[route]
    refused = call(client, route, url, body=body)
    assert refused.status_code == 403, refused.text
    assert "X-CSRF-Token" in refused.json()["detail"]
    wrong = call(client, route, url, body=body, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403, wrong.text
    # The same request with the token is not refused for CSRF (nor as unauthenticated).
    accepted = call(client, route, url, body=body, headers={"X-CSRF-Token": csrf})
    assert accepted.status_code != 401, accepted.text
    assert "X-CSRF-Token" not in accepted.text


@pytest.fixture
def patient_world(session):
    """A patient user, their own record, and another patient's full record."""
    clinic = make_clinic(session)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    own = seed_record(session, clinic, make_patient(session, clinic), prescriber)
    other = seed_record(
        session,
        clinic,
        make_patient(session, clinic, given_name="Alan", family_name="Turing"),
        prescriber,
    )
    user = make_user(session, clinic, role=Role.PATIENT, patient=own.patient)
    return bearer_for(session, user), own, other


@pytest.mark.parametrize(
    "route",
    [r for r in GUARDED if r not in PATIENT_SELF_SERVICE],
    ids=route_id,
)
def test_patient_user_is_refused_other_patients_and_staff_routes(
    client, patient_world, route
):
    headers, _own, other = patient_world
    url = fill(route[1], other.ids)
    response = call(client, route, url, headers=headers, body=VALID_BODIES.get(route))
    assert response.status_code in (403, 404), f"{route_id(route)}: {response.text}"
    if response.status_code == 404:
        # A 404 must not tell the patient that the other record exists.
        assert other.patient.family_name not in response.text


def test_patient_user_searching_patients_finds_only_themselves(client, patient_world):
    headers, own, other = patient_world
    for query in (None, other.patient.family_name, other.patient.mrn):
        params = {"q": query} if query else None
        response = client.get(f"{API}/patients", params=params, headers=headers)
        assert response.status_code == 200, response.text
        found = {item["id"] for item in response.json()["items"]}
        assert found <= {str(own.patient.id)}, query
