"""The OpenAPI schema and its Swagger UI: complete, warning-free, and served from our own
static files under the project's Content-Security-Policy."""

import re

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.conftest import login

from .conftest import api_as


def test_the_schema_generates_without_warnings_and_validates(db, tmp_path):
    # --fail-on-warn raises on any warning or error (an endpoint it could not describe).
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))


def test_every_operation_documents_its_errors(demo):
    schema = api_as("viewer1").get("/api/schema/?format=json").json()
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) > 40
    for path, method, op in operations:
        codes = set(op["responses"])
        # Every operation documents its success (202 for readings accepted, 204 for a token revoked).
        assert codes & {"200", "201", "202", "204"}, (path, method)
        if path != "/api/v1/alerts/{id}/cap/" and not path.endswith("/auth/token/"):
            assert {"401", "403"} <= codes, (path, method)
        if "{" in path:
            assert "404" in codes, (path, method)
        if method in ("post", "patch"):
            assert {"400", "413"} <= codes, (path, method)
            body = op.get("requestBody", {}).get("content", {})
            # JSON bodies only, except file uploads (a hidden danger's photos), which are multipart.
            allowed = {"application/json", "multipart/form-data"} if path.endswith("/photos/") else {"application/json"}
            assert set(body) <= allowed, (path, method)
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    for path in ("/api/v1/plans/", "/api/v1/plans/{id}/", "/api/v1/activations/", "/api/v1/tasks/",
                 "/api/v1/shifts/", "/api/v1/layers/{name}/", "/api/v1/releases/", "/api/v1/me/"):
        assert path in schema["paths"], path


def test_the_schema_and_docs_need_a_signed_in_user(db):
    assert APIClient().get("/api/schema/").status_code in (401, 403)


@pytest.mark.e2e
def test_swagger_ui_loads_from_our_own_files_under_the_csp(browser, logged_daphne, demo_users_for_browser):
    page = browser.new_page()
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: problems.append(r.url) if not r.url.startswith(logged_daphne) else None)
    login(page, logged_daphne, "viewer_t")
    response = page.goto(f"{logged_daphne}/api/docs/")
    assert "'unsafe-inline'" not in re.search(r"script-src[^;]*", response.headers["content-security-policy"])[0]
    page.wait_for_selector(".opblock-summary-path", timeout=20000)
    # Swagger UI draws a large spec as a virtual list (only the operations in view are in the
    # page): scrolled to the end, the contract's last operation is drawn, so every one is reachable.
    paths = page.evaluate("""async () => Object.keys((await (await fetch('/api/schema/?format=json',
        {credentials: 'same-origin'})).json()).paths)""")
    assert "/api/v1/incidents/" in paths and "/api/v1/gates/" in paths
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function("""last => [...document.querySelectorAll('.opblock-summary-path')]
        .some(e => e.textContent.replace(/\u200b/g, '') === last)""", arg=paths[-1], timeout=20000)
    assert not problems, problems
    page.close()


@pytest.fixture
def demo_users_for_browser(viewer):
    return viewer
