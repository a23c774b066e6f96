"""``dupcheck serve``: start the web application (waitress), or add a user account."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from dupcheck.errors import DupcheckError


def data_dir(value: str | None) -> Path:
    if value:
        return Path(value)
    if os.environ.get("DUPCHECK_WEB_DATA"):
        return Path(os.environ["DUPCHECK_WEB_DATA"])
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "dupcheck" / "web"


def add_parser(sub) -> None:
    p = sub.add_parser("serve", help="start the web page for filing clerks (http://127.0.0.1:8000)")
    p.add_argument("--db", help="an index to use as the built-in library (default: the shipped corpus)")
    p.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1; 0.0.0.0 needs accounts)"
    )
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--data",
        help="folder of web.db, libraries and the session key ($DUPCHECK_WEB_DATA, "
        "default ~/.local/share/dupcheck/web)",
    )
    p.add_argument("--allow-host", action="append", default=[], help="another host name clients use (repeatable)")
    p.add_argument("--max-file-mb", type=float, default=20, help="size cap of one uploaded file (default 20)")
    p.add_argument("--max-request-mb", type=float, default=100, help="size cap of one upload request (default 100)")
    p.add_argument("--workers", type=int, default=2, help="checks run at once (default 2)")
    p.add_argument("--add-user", metavar="NAME", help="create a user (or reset the password) and exit")
    p.add_argument("--role", choices=("clerk", "admin"), default="clerk", help="role of --add-user (default clerk)")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        import flask  # noqa: F401
        import waitress  # noqa: F401
    except ImportError:
        raise DupcheckError('网页界面需要 web 扩展：请运行 pip install "dupcheck[web]"') from None
    from dupcheck.web import security
    from dupcheck.web.db import AppDB

    folder = data_dir(args.data)
    folder.mkdir(parents=True, exist_ok=True)
    if args.add_user:
        name = args.add_user.strip()
        if not name or len(name) > 40:
            raise DupcheckError("用户名须为 1–40 个字符")
        if sys.stdin.isatty():
            password = getpass.getpass(f"{name} 的密码：")
            if getpass.getpass("再输入一次：") != password:
                raise DupcheckError("两次输入的密码不一致")
        else:
            password = sys.stdin.readline().rstrip("\n")
        if len(password) < security.MIN_PASSWORD:
            raise DupcheckError(f"密码至少 {security.MIN_PASSWORD} 个字符")
        new = AppDB(folder / "web.db").set_user(name, security.hash_password(password), args.role)
        print(
            f"{'已创建' if new else '已更新'}用户 {name}（{'管理员' if args.role == 'admin' else '经办人'}）",
            file=sys.stderr,
        )
        return 0
    from waitress import serve

    from dupcheck.web.app import WebConfig, create_app

    mb = 2**20
    config = WebConfig(
        data_dir=folder,
        db=args.db,
        host=args.host,
        port=args.port,
        allow_hosts=tuple(args.allow_host),
        max_file_bytes=int(args.max_file_mb * mb),
        max_request_bytes=int(args.max_request_mb * mb),
        workers=args.workers,
    )
    app = create_app(config)  # refuses an office-network address without accounts (DupcheckError)
    print(
        f"dupcheck 网页已启动：http://{args.host}:{args.port}/ （数据目录 {folder}；按 Ctrl-C 停止）", file=sys.stderr
    )
    try:
        serve(app, host=args.host, port=args.port, threads=8, max_request_body_size=config.max_request_bytes * 4)
    finally:
        app.extensions["dupcheck"].close()
    return 0
