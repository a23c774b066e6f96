"""The request checks every page goes through, and the headers every answer carries.

- Host allow-list (against DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends
  ``Host: evil.example``); loopback names always, plus the names given with ``--allow-host``
  and, on an office network, this machine's name and addresses.
- On every POST: the ``Origin`` (or, without one, the ``Referer``) must be this site, and the
  form's CSRF token must equal the session's (a random per-session token compared with
  :func:`hmac.compare_digest`).
- Content-Security-Policy: the app's pages load only the app's own script and style files
  (``default-src 'self'``, no inline script); a stored report is shown with no script at all and
  no request of any kind (``default-src 'none'``, its inline ``<style>`` allowed).
- Passwords are hashed with werkzeug's scrypt (:func:`werkzeug.security.generate_password_hash`).
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import socket
from urllib.parse import urlsplit

from werkzeug.security import check_password_hash, generate_password_hash

APP_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
REPORT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
MIN_PASSWORD = 8
_DUMMY_HASH = generate_password_hash("dupcheck-not-a-password")


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts(bind_host: str, extra: tuple[str, ...] | list[str] = ()) -> frozenset[str]:
    """Host names (without port) the server answers to."""
    names = set(LOOPBACK_NAMES) | {h.strip().lower().strip("[]") for h in extra if h.strip()}
    if not is_loopback(bind_host):
        if bind_host not in ("0.0.0.0", "::"):
            names.add(bind_host.lower().strip("[]"))
        try:
            hostname = socket.gethostname()
            names |= {hostname.lower(), socket.getfqdn().lower()}
            names |= {str(info[4][0]) for info in socket.getaddrinfo(hostname, None)}
        except OSError:
            pass
    return frozenset(names)


def host_name(host_header: str) -> str:
    """``example.org:8000`` -> ``example.org``; ``[::1]:8000`` -> ``::1``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def same_origin(value: str, host_header: str) -> bool:
    """Whether an Origin/Referer URL points at the host the request was sent to."""
    if not value or value == "null":
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.strip().lower()


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, salted


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
