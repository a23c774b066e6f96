"""``dupcheck serve``: a local web application for filing clerks (docs/web.md)."""

from dupcheck.web.app import WebConfig, create_app

__all__ = ["WebConfig", "create_app"]
