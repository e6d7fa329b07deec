# SPDX-License-Identifier: EUPL-1.2
"""Local dashboard accounts: add, list, remove and check passwords (argon2id)."""

from __future__ import annotations

import datetime as dt
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from veiligstad.domain.accounts import MIN_PASSWORD_LENGTH, USERNAME, Role, User
from veiligstad.errors import ConfigError, NotFound
from veiligstad.storage.warehouse import USERS, Warehouse


@functools.cache
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the account does not exist, so timing does not reveal names."""
    return _hasher().hash("veiligstad-no-such-account")


def parse_role(text: str) -> Role:
    """A role from its name; the error lists the roles."""
    try:
        return Role(text)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ConfigError(f"Onbekende rol '{text}'.", hint=f"Kies uit: {names}.") from None


def add_user(warehouse: Warehouse, username: str, role: Role, password: str, created_by: str = "") -> User:
    """Create or replace an account; the password is stored only as an argon2 hash."""
    if not USERNAME.match(username):
        raise ConfigError(
            f"Ongeldige gebruikersnaam '{username}'.",
            hint="Gebruik 2–64 tekens: kleine letters, cijfers en . _ - @.",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"Het wachtwoord is te kort: minstens {MIN_PASSWORD_LENGTH} tekens.")
    warehouse.ensure_schema()
    user = User(username=username, role=role, password_hash=_hasher().hash(password))
    warehouse.save_user(
        {
            "username": user.username,
            "role": user.role.value,
            "password_hash": user.password_hash,
            "disabled": False,
            "created_at": dt.datetime.now(dt.UTC),
            "created_by": created_by,
        }
    )
    return user


def users(warehouse: Warehouse) -> list[User]:
    """All accounts, by name."""
    if USERS not in warehouse.con.list_tables():
        return []
    frame = warehouse.users().order_by("username").to_pandas()
    return [
        User(str(r["username"]), Role(str(r["role"])), str(r["password_hash"]), bool(r["disabled"]))
        for r in frame.to_dict(orient="records")
    ]


def remove_user(warehouse: Warehouse, username: str) -> None:
    """Delete an account."""
    if USERS not in warehouse.con.list_tables() or not warehouse.remove_user(username):
        raise NotFound(f"Onbekende gebruiker '{username}'.", hint="Zie `veiligstad user list`.")


def authenticate(known: list[User], username: str, password: str) -> User | None:
    """The account if the password is right and the account is active; else None."""
    user = next((u for u in known if u.username == username), None)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return user
