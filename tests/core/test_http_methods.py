"""Every URL answers only the methods the portal uses (GET, HEAD, POST): anything else is
405, for a signed-in member as for a visitor, before any view runs (SECURITY.md D8)."""

import pytest

from tests.core.test_url_access import NAMED, _sample_kwargs, _url_for

REFUSED = ("TRACE", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT")


@pytest.mark.parametrize(("name", "pattern"), NAMED, ids=[name for name, _ in NAMED])
def test_methods_no_view_handles_get_405(member_client, name, pattern):
    url = _url_for(name, pattern, _sample_kwargs())
    for method in REFUSED:
        response = member_client.generic(method, url)
        assert response.status_code == 405, f"{method} {name} answered {response.status_code}"
        assert response["Allow"] == "GET, HEAD, POST"
        assert b"<html" not in response.content.lower()


def test_trace_of_the_front_page_echoes_nothing(client, db):
    response = client.generic("TRACE", "/", HTTP_X_CANARY="echo-me")
    assert response.status_code == 405
    assert b"echo-me" not in response.content


def test_the_methods_the_portal_uses_still_work(client, db):
    assert client.get("/").status_code == 200
    assert client.head("/").status_code == 200
    assert client.post("/accounts/login/", {}).status_code == 200
