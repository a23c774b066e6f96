"""``dupcheck serve``: a local web application for filing clerks (docs/web.md).

``from dupcheck.web.app import WebConfig, create_app``. Nothing is imported here, so the CLI can
register ``serve`` without Flask installed (the ``web`` extra): the command says what to install.
"""
