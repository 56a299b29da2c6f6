"""The Content Security Policy: no inline script on any page, nothing from a CDN."""

import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src-attr")[0]
    )
    assert "frame-ancestors 'none'" in policy
    page = response.content.decode()
    assert "<script>" not in page and "<script src=" in page


def test_the_api_docs_load_swagger_from_our_own_static_files(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "<script>" not in page  # its start-up script is a separate request
