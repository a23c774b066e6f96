"""Fixtures of the web tests, and the route registry.

Every test that exercises a route says so with ``@pytest.mark.routes("endpoint", ...)``. The
autouse fixture :func:`_routes_requested` records the endpoint of every request the test makes
(Flask's ``request_finished`` signal) and fails the test when it claims a route it never
requested; ``test_routes.py::test_every_route_has_a_test`` fails when a route of the app's
``url_map`` is claimed by no test. So a new route without a test breaks the suite, and a claim
cannot outlive the request that backed it.
"""

from __future__ import annotations

import importlib
import inspect
import io
import re
import shutil
import time
from pathlib import Path

import pytest

pytest.importorskip("flask")

import flask

from dupcheck.api import Index

EXAMPLES = Path(__file__).resolve().parents[2] / "corpora" / "examples"
EXAMPLE = EXAMPLES / "henan-assembly-law.txt"
LAW = EXAMPLE.read_text(encoding="utf-8")
OTHER = (EXAMPLES / "beijing-school-safety.txt").read_text(encoding="utf-8")
PASSWORD = "correct horse 1"


def pytest_configure(config):
    config.addinivalue_line("markers", "routes(*endpoints): the Flask endpoints this test requests")


def declared_routes() -> dict[str, list[str]]:
    """endpoint -> the tests (module::name) that claim it, over every ``test_*.py`` here."""
    out: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        module = importlib.import_module(f"tests.web.{path.stem}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if not name.startswith("test_"):
                continue
            for mark in getattr(fn, "pytestmark", []):
                if mark.name == "routes":
                    for endpoint in mark.args:
                        out.setdefault(endpoint, []).append(f"{path.stem}::{name}")
    return out


@pytest.fixture(autouse=True)
def _routes_requested(request):
    seen: set[str] = set()

    def record(sender, response, **extra):
        if flask.request.endpoint:
            seen.add(flask.request.endpoint)

    flask.request_finished.connect(record)
    try:
        yield seen
    finally:
        flask.request_finished.disconnect(record)
    mark = request.node.get_closest_marker("routes")
    if mark is not None and not getattr(request.node, "rep_failed", True):
        missing = set(mark.args) - seen
        assert not missing, f"{request.node.name} claims routes it never requested: {sorted(missing)}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    if call.when == "call":
        item.rep_failed = rep.failed
    return rep


@pytest.fixture(scope="session")
def library_file(tmp_path_factory) -> Path:
    """A one-law index (the Henan example), built once per session and copied into each test."""
    path = tmp_path_factory.mktemp("library") / "x.db"
    with Index.open(path) as ix:
        ix.add_texts([("law.txt", LAW, "测试法")])
    return path


@pytest.fixture()
def make_app(tmp_path, library_file):
    """``make_app(**WebConfig fields)`` -> an app on a private copy of the one-law index."""
    from dupcheck.web.app import WebConfig, create_app

    made = []

    def make(**options):
        db = tmp_path / "x.db"
        if not db.exists():
            shutil.copy(library_file, db)
        options.setdefault("data_dir", tmp_path / "data")
        options.setdefault("max_file_bytes", 200_000)
        options.setdefault("max_request_bytes", 1_000_000)
        app = create_app(WebConfig(db=str(db), **options))
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["dupcheck"].close()


@pytest.fixture()
def app(make_app):
    return make_app()


def token(client, path="/") -> str:
    html = client.get(path).get_data(as_text=True)
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, f"no CSRF token on {path}"
    return m.group(1)


def wait(client, location: str, timeout: float = 30):
    """Poll a job's page until it redirects to the report (one file) or says it is finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = client.get(location)
        if r.status_code == 303 or 'data-finished="true"' in r.get_data(as_text=True):
            return r
        time.sleep(0.05)
    raise AssertionError(f"job {location} did not finish")


def submit(client, files, *, library="main", threshold="80", csrf=None, keep=None):
    """POST /check with ``files`` as [(bytes or str, name)]; returns the response."""
    parts = [(io.BytesIO(data.encode() if isinstance(data, str) else data), name) for data, name in files]
    data = {"csrf_token": csrf or token(client), "library": library, "threshold": threshold, "files": parts}
    if keep is not None:
        data["keep"] = keep  # the form sends "0", then "1" when the box is ticked
    return client.post("/check", data=data)


def check(client, files, *, timeout: float = 30, **kw) -> list[int]:
    """Check ``files`` and wait; the history ids of the checks, in upload order."""
    r = submit(client, files, **kw)
    assert r.status_code == 303, r.get_data(as_text=True)
    job_url = r.headers["Location"]
    wait(client, job_url, timeout)
    status = client.get(job_url + "/status").get_json()
    assert status["finished"]
    return [item["check_id"] for item in status["items"]]


def login(client, name: str, password: str = PASSWORD):
    r = client.post("/login", data={"csrf_token": token(client, "/login"), "name": name, "password": password})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r


def add_user(app, name: str, role: str = "clerk") -> None:
    from dupcheck.web import security

    app.extensions["dupcheck"].db.set_user(name, security.hash_password(PASSWORD), role)
