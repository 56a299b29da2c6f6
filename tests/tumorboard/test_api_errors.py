"""Everything under /api/ answers in JSON, its errors too: an address without its trailing
slash names the right one (no HTML 500 under DEBUG, no redirect), an unknown path is a
JSON 404, a method an endpoint does not take a JSON 405."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_a_post_without_its_trailing_slash_names_the_right_address(as_navigator, settings):
    settings.DEBUG = True  # where Django's APPEND_SLASH raised a RuntimeError (an HTML 500)
    response = as_navigator.post("/api/v1/patients", {"mrn": "X"}, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "code": "trailing_slash",
        "message": "No endpoint at /api/v1/patients: the address ends with a slash, "
        "/api/v1/patients/ (nothing was done).",
        "fields": {},
    }


def test_a_get_without_its_trailing_slash_is_not_redirected(as_navigator):
    response = as_navigator.get("/api/v1/referrals")
    assert response.status_code == 404
    assert "/api/v1/referrals/" in response.json()["message"]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here/", "/api/v2/patients/", "/api/"])
def test_an_unknown_api_path_is_a_json_404(as_navigator, path):
    response = as_navigator.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"
    assert path in response.json()["message"]


def test_a_method_the_api_docs_do_not_take_is_a_json_405(as_navigator):
    response = as_navigator.post("/api/docs/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["message"].startswith("POST is not allowed at /api/docs/; it takes GET")


def test_pages_outside_the_api_keep_their_html_404(as_navigator):
    response = as_navigator.get("/no-such-page/")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_a_token_write_to_a_mistyped_api_path_is_a_json_404_not_a_csrf_403(nina, method):
    client = APIClient(enforce_csrf_checks=True)  # as a real client: no test-client exemption
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=nina).key}")
    response = getattr(client, method)(
        "/api/v1/patients/abc/distress-screenings/", {"score": 4}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
