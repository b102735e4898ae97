"""`python -m etl users …`: the built-in accounts, managed by an administrator on the
server. Every change is written to the audit trail; passwords are read from the terminal
(or stdin with --password-stdin) and never printed or logged."""

from __future__ import annotations

import argparse
import getpass
import socket
import sys
from pathlib import Path

from datastore import accounts, connect_readonly
from datastore.access import ROLES, region_level


def command_line_actor() -> tuple[str, str]:
    """Who runs a command on the server, for the audit trail: (actor, origin)."""
    return f"cli:{getpass.getuser()}", f"command line on {socket.gethostname()}"


def audit_command(
    db_path: Path, action: str, target: str, detail: str, region_code: str | None = None
) -> None:
    """An entry by whoever runs the command; `region_code` the jurisdiction it concerns
    (an account's), None for everything."""
    actor, origin = command_line_actor()
    with accounts.opened(accounts.access_path(db_path)) as con:
        accounts.audit(con, actor, "admin", action, target, detail, origin, region_code)


def note_real_load(db_path: Path, source: str) -> None:
    with accounts.opened(accounts.access_path(db_path)) as con:
        accounts.note_real_load(con, source)


def add_parser(commands) -> None:
    users = commands.add_parser("users", help="manage the built-in accounts")
    users.add_argument("--db", type=Path, help="database file (default $SUNSHINE_DB or data/)")
    actions = users.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="display name, e.g. 王某（区纪委监委）")
    add.add_argument("--role", required=True, choices=list(ROLES))
    add.add_argument(
        "--region",
        required=True,
        help="code of the district or street; `all` for everything loaded (a city or "
        "province install)",
    )
    add.add_argument("--oidc-email", help="sign in through the identity provider as this e-mail")
    add.add_argument("--no-password", action="store_true", help="identity provider only")
    add.add_argument("--password-stdin", action="store_true")
    for name, text in (
        ("disable", "stop an account signing in"),
        ("enable", "let a disabled account sign in again"),
        ("unlock", "lift a lockout after wrong passwords"),
    ):
        actions.add_parser(name, help=text).add_argument("username")
    password = actions.add_parser("password", help="set a new password")
    password.add_argument("username")
    password.add_argument("--password-stdin", action="store_true")
    actions.add_parser("list", help="list the accounts (never their passwords)")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise accounts.AccountError("the two passwords differ")
    return first


def _check_region(db_path: Path, role: str, region: str | None) -> None:
    if region is None:
        if ROLES[role].area == "street":
            raise accounts.AccountError(f"{role} needs the code of one street")
        return
    if not db_path.exists():
        return  # accounts can be prepared before the first load
    with connect_readonly(db_path) as con:
        level = region_level(con, region)
    wanted = ROLES[role].area
    if level != wanted:
        found = f"a {level}" if level else "not in the database"
        raise accounts.AccountError(f"{role} needs a {wanted} code; {region} is {found}")


def run(args: argparse.Namespace, db_path: Path) -> int:
    con = accounts.connect(accounts.access_path(db_path))
    region = None
    try:
        if args.action == "list":
            listing = accounts.accounts(con)
            for row in listing.iter_rows(named=True):
                state = "active" if row["active"] else "disabled"
                if row["locked_until"]:
                    state += f", locked until {row['locked_until']}"
                print(f"{row['username']:<20} {row['role']:<20} {row['region_code'] or 'all':<14} "
                      f"{state:<12} {row['name']} {row['oidc_email'] or ''}")  # fmt: skip
            return 0
        if args.action == "add":
            region = None if args.region == "all" else args.region
            _check_region(db_path, args.role, region)
            password = None if args.no_password else _read_password(args.password_stdin)
            accounts.add_account(
                con, args.username, args.name, args.role, region, password, args.oidc_email
            )
            detail = f"added {args.role} {args.region}" + (
                f" oidc {args.oidc_email}" if args.oidc_email else ""
            )
        elif args.action == "password":
            accounts.set_password(con, args.username, _read_password(args.password_stdin))
            detail = "password set"
        elif args.action in ("disable", "enable"):
            accounts.set_active(con, args.username, args.action == "enable")
            detail = f"{args.action}d"
        else:
            accounts.unlock(con, args.username)
            detail = "unlocked"
        region = accounts.account_region(con, args.username)
    except accounts.AccountError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        con.close()
    audit_command(db_path, "account", args.username, detail, region)
    print(f"{args.username}: {detail}")
    return 0
