"""The bundles against an independent FHIR R4 server that validates every write.

The sandbox (:mod:`fhir_bridge.sandbox_server`: Medplum's FHIR router, base R4 and
the vital-signs profiles named in ``meta.profile``) is someone else's reading of
the spec. Skipped when its node modules are not installed (``make deps``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from fhir_bridge import bundle_for_visit
from fhir_bridge.sandbox_server import FhirSandbox, FhirSandboxUnavailable


@pytest.fixture(scope="module")
def server():
    try:
        sandbox = FhirSandbox.start()
    except FhirSandboxUnavailable as exc:
        pytest.skip(f"FHIR sandbox unavailable: {exc}")
    yield sandbox
    sandbox.stop()


def post(base_url, body):
    request = urllib.request.Request(  # noqa: S310 - the sandbox's own http://127.0.0.1
        base_url, data=body, method="POST", headers={"Content-Type": "application/fhir+json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def statuses(answer):
    return [entry["response"]["status"] for entry in answer["entry"]]


@pytest.mark.parametrize("record", ["consult_record", "anonymous_record", "visit_record"])
def test_a_visit_is_accepted_once_and_a_retry_creates_nothing(server, record, request):
    server.reset()
    body = bundle_for_visit(request.getfixturevalue(record)).model_dump_json(exclude_none=True)
    status, answer = post(server.base_url, body.encode())
    assert status == 200, answer
    assert set(statuses(answer)) == {"201"}
    created = server.stats()["resources"]
    status, answer = post(server.base_url, body.encode())
    assert status == 200, answer
    assert set(statuses(answer)) == {"200"}
    assert server.stats()["resources"] == created


def test_the_server_holds_the_oxygensat_profile_to_its_code(server, visit_record):
    server.reset()
    bundle = json.loads(bundle_for_visit(visit_record).model_dump_json(exclude_none=True))
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource.get("meta", {}).get("profile") == [
            "http://hl7.org/fhir/StructureDefinition/oxygensat"
        ]:
            coding = resource["code"]["coding"]
            resource["code"]["coding"] = [c for c in coding if c["code"] != "2708-6"]
    status, answer = post(server.base_url, json.dumps(bundle).encode())
    assert status == 400
    assert "OxygenSatCode" in json.dumps(answer)
    assert server.stats()["resources"] == {}
