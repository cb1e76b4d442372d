"""The `agentpay` command: migrate, create organizations, run the local stack."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from agentpay.config import get_settings


def _database():
    from agentpay.db import get_database

    return get_database()


def cmd_migrate(args: argparse.Namespace) -> int:
    from agentpay.db.migrate import migrate

    with _database().connection() as conn:
        applied = migrate(conn)
    print(json.dumps({"applied": applied}))
    return 0


def cmd_org_create(args: argparse.Namespace) -> int:
    from agentpay.db.migrate import migrate
    from agentpay.organizations.service import create_organization

    db = _database()
    with db.connection() as conn:
        migrate(conn)
    with db.transaction() as conn:
        org, key = create_organization(conn, args.name)
    print(json.dumps({
        "organization_id": str(org["id"]),
        "name": org["name"],
        "api_key": key.secret,
        "api_key_prefix": key.prefix,
    }))
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from agentpay.devstack import run_dev

    return run_dev(host=args.host, port=args.port)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agentpay", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("migrate", help="apply database migrations")
    p.set_defaults(func=cmd_migrate)

    org = sub.add_parser("org", help="organizations").add_subparsers(dest="org_cmd", required=True)
    p = org.add_parser("create", help="create an organization and its first secret key")
    p.add_argument("name")
    p.set_defaults(func=cmd_org_create)

    p = sub.add_parser("dev", help="run the local stack")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(func=cmd_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    get_settings()
    try:
        return args.func(args)
    except Exception as exc:  # noqa: BLE001 - the CLI reports, it does not trace back
        from agentpay.kit.errors import AppError

        if isinstance(exc, AppError):
            print(json.dumps({"error": {"code": exc.code, "message": exc.message}}),
                  file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
