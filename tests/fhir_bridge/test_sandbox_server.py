"""The FHIR sandbox: Medplum's router behind our Node wrapper, driven over real HTTP.

Everything runs on 127.0.0.1; every person, identifier and reading here is invented.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fhir_test_keys import private_ca_files, public_jwk  # type: ignore[import-not-found]

from fhir_bridge import sandbox_server
from fhir_bridge.sandbox_server import (
    FhirSandbox,
    FhirSandboxError,
    FhirSandboxUnavailable,
    SandboxClient,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SD = "http://hl7.org/fhir/StructureDefinition/"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
VITAL_SIGNS = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "vital-signs",
            }
        ]
    }
]
ID_SYSTEM = "urn:example:station:resident"
OBS_SYSTEM = "urn:example:station:observation"
TAG_SYSTEM = "urn:example:station:tag"
SCOPE = "system/*.write system/*.read"


# ---------------------------------------------------------------- keys and clients


class Client:
    """A registered client: its private key, the kid and alg it signs with."""

    def __init__(self, client_id, key, alg, kid):
        self.client_id, self.key, self.alg, self.kid = client_id, key, alg, kid

    @property
    def public_jwk(self):
        return public_jwk(self.key, self.alg, self.kid)

    def sandbox_client(self):
        return SandboxClient(self.client_id, {"keys": [self.public_jwk]})

    def assertion(self, aud, *, exp_in=240, jti=None, key=None, kid=None, iss=None):
        now = int(time.time())
        claims = {
            "iss": iss or self.client_id,
            "sub": self.client_id,
            "aud": aud,
            "exp": now + exp_in,
            "iat": now,
            "jti": jti or str(uuid.uuid4()),
        }
        headers = {"kid": kid or self.kid, "typ": "JWT"}
        return jwt.encode(claims, key or self.key, algorithm=self.alg, headers=headers)


@pytest.fixture(scope="module")
def rsa_client():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return Client("station-rsa", key, "RS384", "rsa-1")


@pytest.fixture(scope="module")
def ec_client():
    return Client("station-ec", ec.generate_private_key(ec.SECP384R1()), "ES384", "ec-1")


def start_or_skip(**kwargs):
    try:
        return FhirSandbox.start(**kwargs)
    except FhirSandboxUnavailable as exc:
        pytest.skip(f"FHIR sandbox unavailable: {exc}")


@pytest.fixture(scope="module")
def fhir(rsa_client, ec_client):
    sandbox = start_or_skip(clients=[rsa_client.sandbox_client(), ec_client.sandbox_client()])
    yield sandbox
    sandbox.stop()


# ---------------------------------------------------------------- HTTP


def call(method, url, body=None, *, token=None, headers=None, context=None, form=None):
    """(status, headers, parsed JSON body) for one request; HTTP errors are answers too."""
    all_headers = dict(headers or {})
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        all_headers["Content-Type"] = "application/fhir+json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    # Only the sandbox's own http(s)://127.0.0.1 URLs come here.
    request = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as response:  # noqa: S310
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers, json.loads(exc.read() or b"null")


def request_token(sandbox, assertion, *, scope=SCOPE, context=None, **extra):
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **extra,
    }
    return call("POST", sandbox.token_url, form=form, context=context)


@pytest.fixture(scope="module")
def token(fhir, rsa_client):
    status, _, body = request_token(fhir, rsa_client.assertion(fhir.token_url))
    assert status == 200, body
    return body["access_token"]


# ---------------------------------------------------------------- invented resources


def patient(resident_id):
    return {
        "resourceType": "Patient",
        "identifier": [{"system": ID_SYSTEM, "value": resident_id}],
        "name": [{"family": "Thử", "given": ["Nghiệm"]}],
        "gender": "female",
        "birthDate": "1951-07-14",
        "meta": {"tag": [{"system": TAG_SYSTEM, "code": "sandbox-test"}]},
    }


def heart_rate(subject, observation_id, bpm=72):
    return {
        "resourceType": "Observation",
        "meta": {"profile": [SD + "heartrate"]},
        "identifier": [{"system": OBS_SYSTEM, "value": observation_id}],
        "status": "final",
        "category": VITAL_SIGNS,
        "code": {"coding": [{"system": LOINC, "code": "8867-4", "display": "Heart rate"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-03-04T05:06:07+07:00",
        "valueQuantity": {"value": bpm, "unit": "/min", "system": UCUM, "code": "/min"},
    }


def oxygen_saturation(subject):
    return {
        "resourceType": "Observation",
        "meta": {"profile": [SD + "oxygensat"]},
        "status": "final",
        "category": VITAL_SIGNS,
        "code": {
            "coding": [
                {"system": LOINC, "code": "2708-6"},
                {"system": LOINC, "code": "59408-5"},
            ]
        },
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-03-04T05:06:07+07:00",
        "valueQuantity": {"value": 97, "unit": "%", "system": UCUM, "code": "%"},
    }


def blood_pressure(subject):
    def component(code, value):
        return {
            "code": {"coding": [{"system": LOINC, "code": code}]},
            "valueQuantity": {"value": value, "unit": "mmHg", "system": UCUM, "code": "mm[Hg]"},
        }

    return {
        "resourceType": "Observation",
        "meta": {"profile": [SD + "bp"]},
        "status": "final",
        "category": VITAL_SIGNS,
        "code": {"coding": [{"system": LOINC, "code": "85354-9"}]},
        "subject": {"reference": subject},
        "effectiveDateTime": "2026-03-04T05:06:07+07:00",
        "component": [component("8480-6", 128), component("8462-4", 82)],
    }


def visit_bundle(resident_id, observation_id, *, encode_if_none_exist=False):
    """Patient + Observation, the Observation pointing at the Patient's urn:uuid."""
    patient_url = f"urn:uuid:{uuid.uuid4()}"
    criteria = f"identifier={ID_SYSTEM}|{resident_id}"
    if encode_if_none_exist:
        criteria = "identifier=" + urllib.parse.quote(f"{ID_SYSTEM}|{resident_id}", safe="")
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": patient_url,
                "resource": patient(resident_id),
                "request": {"method": "POST", "url": "Patient", "ifNoneExist": criteria},
            },
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": heart_rate(patient_url, observation_id),
                "request": {
                    "method": "POST",
                    "url": "Observation",
                    "ifNoneExist": f"identifier={OBS_SYSTEM}|{observation_id}",
                },
            },
        ],
    }


def counts(sandbox):
    return sandbox.stats()["resources"]


def search(sandbox, token, query):
    status, _, bundle = call("GET", f"{sandbox.base_url}/{query}", token=token)
    assert status == 200, bundle
    return [entry["resource"] for entry in bundle.get("entry") or []]


def new_id():
    return uuid.uuid4().hex[:12]


# ---------------------------------------------------------------- transactions


@pytest.mark.parametrize("encode", [False, True], ids=["plain", "percent-encoded"])
def test_transaction_creates_once_and_a_resend_creates_nothing(fhir, token, encode):
    resident, obs = new_id(), new_id()
    before = counts(fhir)

    status, _, response = call(
        "POST", fhir.base_url, visit_bundle(resident, obs, encode_if_none_exist=encode), token=token
    )
    assert status == 200, response
    assert response["type"] == "transaction-response"
    assert [e["response"]["status"] for e in response["entry"]] == ["201", "201"]
    created_patient, created_obs = (e["resource"] for e in response["entry"])
    assert created_obs["subject"]["reference"] == f"Patient/{created_patient['id']}"
    after = counts(fhir)
    assert after.get("Patient", 0) == before.get("Patient", 0) + 1
    assert after.get("Observation", 0) == before.get("Observation", 0) + 1

    status, _, again = call(
        "POST", fhir.base_url, visit_bundle(resident, obs, encode_if_none_exist=encode), token=token
    )
    assert status == 200, again
    assert [e["response"]["status"] for e in again["entry"]] == ["200", "200"]
    assert [e["resource"]["id"] for e in again["entry"]] == [
        created_patient["id"],
        created_obs["id"],
    ]
    assert counts(fhir) == after


def test_an_invalid_entry_rolls_back_the_whole_transaction(fhir, token):
    resident = new_id()
    bundle = visit_bundle(resident, new_id())
    bundle["entry"][1]["resource"]["effectiveDateTime"] = "yesterday"
    before = counts(fhir)

    status, headers, outcome = call("POST", fhir.base_url, bundle, token=token)

    assert status == 400
    assert headers["Content-Type"].startswith("application/fhir+json")
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["severity"] == "error"
    assert counts(fhir) == before
    assert search(fhir, token, f"Patient?identifier={ID_SYSTEM}|{resident}") == []


def test_create_answers_201_with_location_and_etag(fhir, token):
    status, headers, created = call(
        "POST", f"{fhir.base_url}/Patient", patient(new_id()), token=token
    )
    assert status == 201
    version = created["meta"]["versionId"]
    assert headers["Location"] == f"{fhir.base_url}/Patient/{created['id']}/_history/{version}"
    assert headers["ETag"] == f'W/"{version}"'
    status, _, read = call("GET", f"{fhir.base_url}/Patient/{created['id']}", token=token)
    assert (status, read["id"]) == (200, created["id"])


# ---------------------------------------------------------------- validation


def post_observation(sandbox, token, observation):
    return call("POST", f"{sandbox.base_url}/Observation", observation, token=token)


def test_base_r4_validation_refuses_a_malformed_resource(fhir, token):
    status, _, outcome = call(
        "POST",
        f"{fhir.base_url}/Patient",
        {"resourceType": "Patient", "birthDate": "14/07/1951"},
        token=token,
    )
    assert status == 400
    assert outcome["issue"][0]["expression"] == ["Patient.birthDate"]


def test_correct_vital_signs_observations_are_accepted(fhir, token):
    subject = f"Patient/{new_id()}"
    for observation in (
        oxygen_saturation(subject),
        blood_pressure(subject),
        heart_rate(subject, new_id()),
    ):
        status, _, body = post_observation(fhir, token, observation)
        assert status == 201, body


def test_oxygensat_without_its_loinc_code_is_refused(fhir, token):
    observation = oxygen_saturation(f"Patient/{new_id()}")
    observation["code"]["coding"] = [{"system": LOINC, "code": "59408-5"}]
    status, _, outcome = post_observation(fhir, token, observation)
    assert status == 400
    assert any("OxygenSatCode" in i["details"]["text"] for i in outcome["issue"])


def test_bp_without_components_is_refused(fhir, token):
    observation = blood_pressure(f"Patient/{new_id()}")
    del observation["component"]
    status, _, outcome = post_observation(fhir, token, observation)
    assert status == 400
    assert "Observation.component" in {i["expression"][0] for i in outcome["issue"]}


def test_bp_without_a_diastolic_component_is_refused(fhir, token):
    observation = blood_pressure(f"Patient/{new_id()}")
    observation["component"][1]["code"]["coding"][0]["code"] = "8867-4"
    status, _, outcome = post_observation(fhir, token, observation)
    assert status == 400
    assert any("DiastolicBP" in i["details"]["text"] for i in outcome["issue"])


def test_vital_signs_need_their_category(fhir, token):
    observation = heart_rate(f"Patient/{new_id()}", new_id())
    del observation["category"]
    status, _, _ = post_observation(fhir, token, observation)
    assert status == 400


def test_an_unknown_profile_is_ignored(fhir, token):
    observation = heart_rate(f"Patient/{new_id()}", new_id())
    observation["meta"]["profile"].append("https://example.org/fhir/StructureDefinition/made-up")
    status, _, body = post_observation(fhir, token, observation)
    assert status == 201, body


# ---------------------------------------------------------------- search


def test_search_by_identifier_code_subject_and_tag(fhir, token):
    resident, obs = new_id(), new_id()
    status, _, response = call("POST", fhir.base_url, visit_bundle(resident, obs), token=token)
    assert status == 200, response
    patient_id, obs_id = (e["resource"]["id"] for e in response["entry"])

    found = search(fhir, token, f"Patient?identifier={ID_SYSTEM}|{resident}")
    assert [p["id"] for p in found] == [patient_id]
    encoded = urllib.parse.quote(f"{ID_SYSTEM}|{resident}", safe="")
    assert [p["id"] for p in search(fhir, token, f"Patient?identifier={encoded}")] == [patient_id]
    by_code = search(fhir, token, f"Observation?code={LOINC}|8867-4&subject=Patient/{patient_id}")
    assert [o["id"] for o in by_code] == [obs_id]
    assert obs_id in {o["id"] for o in search(fhir, token, f"Observation?code={LOINC}|8867-4")}
    assert (
        search(fhir, token, f"Observation?code={LOINC}|2708-6&subject=Patient/{patient_id}") == []
    )
    tagged = search(fhir, token, f"Patient?_tag={TAG_SYSTEM}|sandbox-test")
    assert patient_id in {p["id"] for p in tagged}
    assert search(fhir, token, f"Patient?_tag={TAG_SYSTEM}|another-tag") == []


# ---------------------------------------------------------------- auth


def test_smart_configuration_and_metadata_need_no_token(fhir):
    status, _, config = call("GET", f"{fhir.base_url}/.well-known/smart-configuration")
    assert status == 200
    assert config["token_endpoint"] == fhir.token_url
    assert config["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert config["token_endpoint_auth_signing_alg_values_supported"] == ["RS384", "ES384"]
    assert config["grant_types_supported"] == ["client_credentials"]
    assert config["capabilities"] == ["client-confidential-asymmetric"]
    assert config["scopes_supported"]
    status, _, capability = call("GET", f"{fhir.base_url}/metadata")
    assert (status, capability["fhirVersion"]) == (200, "4.0.1")


@pytest.mark.parametrize("which", ["rsa_client", "ec_client"])
def test_a_correctly_signed_assertion_gets_a_token(fhir, request, which):
    client = request.getfixturevalue(which)
    status, headers, body = request_token(fhir, client.assertion(fhir.token_url))
    assert status == 200, body
    assert body["token_type"] == "bearer"  # noqa: S105
    assert body["expires_in"] == 300
    assert body["scope"] == SCOPE
    assert len(body["access_token"]) >= 32
    assert headers["Cache-Control"] == "no-store"
    status, _, _ = call("GET", f"{fhir.base_url}/Patient?_count=1", token=body["access_token"])
    assert status == 200


def test_fhir_calls_without_a_valid_token_are_refused(fhir):
    for token in (None, "not-a-token"):
        status, headers, outcome = call("GET", f"{fhir.base_url}/Patient", token=token)
        assert status == 401
        assert headers["WWW-Authenticate"].startswith("Bearer")
        assert outcome["resourceType"] == "OperationOutcome"


def refused(sandbox, assertion, **extra):
    status, _, body = request_token(sandbox, assertion, **extra)
    assert status in (400, 401), body
    return body["error"]


def test_an_assertion_signed_with_another_key_is_refused(fhir, rsa_client):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert refused(fhir, rsa_client.assertion(fhir.token_url, key=stranger)) == "invalid_client"


def test_an_assertion_with_an_unknown_kid_is_refused(fhir, rsa_client):
    assert refused(fhir, rsa_client.assertion(fhir.token_url, kid="rsa-2")) == "invalid_client"


def test_an_assertion_for_another_audience_is_refused(fhir, rsa_client):
    assertion = rsa_client.assertion(fhir.base_url)
    assert refused(fhir, assertion) == "invalid_client"


def test_an_assertion_expiring_more_than_five_minutes_ahead_is_refused(fhir, ec_client):
    assert refused(fhir, ec_client.assertion(fhir.token_url, exp_in=600)) == "invalid_client"


def test_an_expired_assertion_is_refused(fhir, ec_client):
    assert refused(fhir, ec_client.assertion(fhir.token_url, exp_in=-60)) == "invalid_client"


def test_an_assertion_from_an_unknown_client_is_refused(fhir, rsa_client):
    assertion = rsa_client.assertion(fhir.token_url, iss="someone-else")
    assert refused(fhir, assertion) == "invalid_client"


def test_a_replayed_jti_is_refused(fhir, ec_client):
    jti = str(uuid.uuid4())
    status, _, body = request_token(fhir, ec_client.assertion(fhir.token_url, jti=jti))
    assert status == 200, body
    assert refused(fhir, ec_client.assertion(fhir.token_url, jti=jti)) == "invalid_client"


def test_token_request_errors_follow_rfc_6749(fhir, rsa_client):
    assertion = rsa_client.assertion(fhir.token_url)
    assert refused(fhir, assertion, grant_type="password") == "unsupported_grant_type"
    assert refused(fhir, assertion, client_assertion_type="urn:example") == "invalid_client"
    assert refused(fhir, assertion, scope="user/*.read") == "invalid_scope"


def test_an_expired_token_is_refused_and_reset_empties_the_repository(rsa_client):
    with start_or_skip(clients=[rsa_client.sandbox_client()], token_lifetime=1) as short:
        status, _, body = request_token(short, rsa_client.assertion(short.token_url))
        assert (status, body["expires_in"]) == (200, 1)
        token = body["access_token"]
        status, _, _ = call("POST", f"{short.base_url}/Patient", patient(new_id()), token=token)
        assert status == 201
        assert short.stats()["resources"] == {"Patient": 1}
        short.reset()
        assert short.stats() == {
            "requests": 1,
            "transactions": 0,
            "tokens_issued": 0,
            "resources": {},
        }

        time.sleep(1.2)
        status, headers, _ = call("GET", f"{short.base_url}/Patient", token=token)
        assert status == 401
        assert "invalid_token" in headers["WWW-Authenticate"]
    assert not short.running


# ---------------------------------------------------------------- TLS


def test_https_with_a_private_ca(tmp_path):
    cert_path, key_path, ca_path = private_ca_files(tmp_path)

    with start_or_skip(tls=(cert_path, key_path)) as secure:
        assert secure.base_url.startswith("https://127.0.0.1:")
        trusting = ssl.create_default_context(cafile=str(ca_path))
        status, _, capability = call("GET", f"{secure.base_url}/metadata", context=trusting)
        assert (status, capability["resourceType"]) == (200, "CapabilityStatement")
        with pytest.raises(urllib.error.URLError) as caught:
            call("GET", f"{secure.base_url}/metadata", context=ssl.create_default_context())
        assert isinstance(caught.value.reason, ssl.SSLCertVerificationError)
        assert secure.stats()["requests"] == 2  # the refused handshake never became a request


# ---------------------------------------------------------------- the launcher


def test_missing_node_modules_say_run_make_deps(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox_server, "SANDBOX_DIR", tmp_path)
    with pytest.raises(FhirSandboxUnavailable, match="make deps"):
        FhirSandbox.start()


def test_missing_node_says_run_make_deps(monkeypatch):
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FhirSandboxUnavailable, match="make deps"):
        FhirSandbox.start()


def test_a_server_that_cannot_start_names_its_log():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(FhirSandboxError, match=r"server\.log") as caught:
            start_or_skip(port=taken.getsockname()[1])
    assert not isinstance(caught.value, FhirSandboxUnavailable)
    log = Path(re.search(r"see (\S+server\.log)", str(caught.value)).group(1))
    assert "EADDRINUSE" in log.read_text(encoding="utf-8")
    shutil.rmtree(log.parent)


def test_stop_is_idempotent():
    sandbox = start_or_skip()
    assert sandbox.running
    assert sandbox.log_path.exists()
    sandbox.stop()
    sandbox.stop()
    assert not sandbox.running
    assert not sandbox.log_path.exists()


def test_the_server_ends_when_its_launcher_is_killed():
    code = (
        "from fhir_bridge.sandbox_server import FhirSandbox\n"
        "import time\n"
        "sandbox = FhirSandbox.start()\n"
        "print(sandbox.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    launcher = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        line = launcher.stdout.readline()
        if not line:
            pytest.skip("the FHIR sandbox cannot run here")
        node = int(line)
        launcher.kill()  # SIGKILL: no chance to stop the server politely
        launcher.wait(10)
        deadline = time.monotonic() + 10
        while _alive(node) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(node)
    finally:
        launcher.kill()
        launcher.wait(10)
        launcher.stdout.close()


def _alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
