# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad user add|list|remove|logout``: local accounts of the dashboard.

Replacing an account (``add`` on an existing name), removing it and ``logout`` end all its
sessions: a running server refuses the old cookies within a few seconds.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from veiligstad.cli.common import JsonOption, console, current_user, handled, open_warehouse, print_json
from veiligstad.domain.accounts import Role
from veiligstad.errors import ConfigError, NotFound

user_app = typer.Typer(help="Accounts voor de interne pagina's van het dashboard.", no_args_is_help=True)

ROLES = ", ".join(r.value for r in Role)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\n")
        if not text:
            raise ConfigError("Geen wachtwoord op standaardinvoer.")
        return text
    first = typer.prompt("Wachtwoord", hide_input=True)
    second = typer.prompt("Nogmaals", hide_input=True)
    if first != second:
        raise ConfigError("De wachtwoorden zijn niet gelijk. Er is niets gewijzigd.")
    return str(first)


@handled
def add(
    username: Annotated[str, typer.Argument(help="Gebruikersnaam (kleine letters, cijfers, . _ - @).")],
    role: Annotated[str, typer.Option("--role", help=f"Rol: {ROLES}.")] = Role.ANALIST.value,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Lees het wachtwoord van standaardinvoer (scripts).")
    ] = False,
) -> None:
    """Maak een account aan of vervang het wachtwoord en de rol van een bestaand account.

    Open sessies van een vervangen account vervallen.
    """
    from veiligstad.services import accounts
    from veiligstad.settings import Settings

    chosen = accounts.parse_role(role)
    password = _password(password_stdin)
    with open_warehouse(Settings(), quiet=True) as warehouse:
        user = accounts.add_user(warehouse, username, chosen, password, created_by=current_user())
    console().print(f"Account '{user.username}' opgeslagen met rol {user.role.value}.", highlight=False)


@handled
def listing(json_output: JsonOption = False) -> None:
    """Toon de accounts (nooit de wachtwoorden)."""
    from veiligstad.services import accounts
    from veiligstad.settings import Settings

    with open_warehouse(Settings(), quiet=True) as warehouse:
        found = accounts.users(warehouse)
    if json_output:
        print_json([{"username": u.username, "role": u.role.value, "disabled": u.disabled} for u in found])
        return
    if not found:
        console().print("Nog geen accounts. Maak er een met: veiligstad user add NAAM --role beheerder")
        return
    table = Table("gebruiker", "rol", "actief")
    for user in found:
        table.add_row(user.username, user.role.value, "nee" if user.disabled else "ja")
    console().print(table)


@handled
def remove(username: Annotated[str, typer.Argument(help="Gebruikersnaam.")]) -> None:
    """Verwijder een account; een open sessie vervalt direct."""
    from veiligstad.services import accounts
    from veiligstad.settings import Settings

    with open_warehouse(Settings(), quiet=True) as warehouse:
        accounts.remove_user(warehouse, username)
    console().print(f"Account '{username}' verwijderd.", highlight=False)


@handled
def logout(username: Annotated[str, typer.Argument(help="Gebruikersnaam.")]) -> None:
    """Beëindig alle sessies van een account (bijvoorbeeld na een verloren laptop)."""
    from veiligstad.services import accounts
    from veiligstad.settings import Settings

    with open_warehouse(Settings(), quiet=True) as warehouse:
        if accounts.end_sessions(warehouse, username) is None:
            raise NotFound(f"Onbekende gebruiker '{username}'.", hint="Zie `veiligstad user list`.")
    console().print(f"Alle sessies van '{username}' zijn beëindigd.", highlight=False)


user_app.command("add")(add)
user_app.command("list")(listing)
user_app.command("remove")(remove)
user_app.command("logout")(logout)


def register(app: typer.Typer) -> None:
    """Add the ``user`` command group to the main app."""
    app.add_typer(user_app, name="user")
