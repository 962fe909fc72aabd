import pytest

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_part_as_json(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    for name in ("database", "cache", "storage", "worker_lag"):
        assert body["checks"][name]["ok"] is True


def test_healthz_is_503_when_a_check_fails(client, monkeypatch):
    from cms import health

    def broken():
        raise ConnectionError("down")

    monkeypatch.setitem(health._checks, "cache", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {
        "ok": False,
        "error": "ConnectionError",
        "ms": response.json()["checks"]["cache"]["ms"],
    }
