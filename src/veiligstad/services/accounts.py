# SPDX-License-Identifier: EUPL-1.2
"""Local dashboard accounts: add, list, remove and check passwords (argon2id).

Every account has a session generation: a session cookie names it, and is valid only while it
is the account's current one. Replacing an account (new password or role) and logging out
move it on (``end_sessions``), so every cookie issued before stops working. Generations are
microseconds since 1970 (at least one more than the last), so an account that is removed and
added again never takes back a generation an old cookie may still carry.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from veiligstad.domain.accounts import MIN_PASSWORD_LENGTH, USERNAME, Role, User, normalise_username
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


def next_generation(current: int) -> int:
    """A session generation after ``current``: the time in microseconds, or one more.

    >>> next_generation(5) > 1_700_000_000_000_000, next_generation(2**62) == 2**62 + 1
    (True, True)
    """
    return max(current + 1, time.time_ns() // 1000)


def generation_of(value: Any) -> int:
    """A stored generation; NULL (accounts from before generations existed) counts as 0.

    >>> generation_of(None), generation_of(float("nan")), generation_of(7)
    (0, 0, 7)
    """
    return 0 if value is None or pd.isna(value) else int(value)


def _record(warehouse: Warehouse, username: str) -> dict[str, Any] | None:
    if USERS not in warehouse.con.list_tables():
        return None
    table = warehouse.users()
    rows = table.filter(table.username == username).to_pyarrow().to_pylist()
    return rows[0] if rows else None


def add_user(warehouse: Warehouse, username: str, role: Role, password: str, created_by: str = "") -> User:
    """Create or replace an account; the password is stored only as an argon2 hash.

    Replacing an account ends its sessions (a new password or role must not leave an old
    cookie working).
    """
    username = normalise_username(username)
    if not USERNAME.match(username):
        raise ConfigError(
            f"Ongeldige gebruikersnaam '{username}'.",
            hint="Gebruik 2–64 tekens: kleine letters, cijfers en . _ - @.",
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigError(f"Het wachtwoord is te kort: minstens {MIN_PASSWORD_LENGTH} tekens.")
    warehouse.ensure_schema()
    old = _record(warehouse, username)
    generation = next_generation(generation_of(old["session_generation"]) if old else 0)
    user = User(username, role, _hasher().hash(password), session_generation=generation)
    warehouse.save_user(
        {
            "username": user.username,
            "role": user.role.value,
            "password_hash": user.password_hash,
            "disabled": False,
            "created_at": dt.datetime.now(dt.UTC),
            "created_by": created_by,
            "session_generation": generation,
        }
    )
    return user


def end_sessions(warehouse: Warehouse, username: str) -> int | None:
    """Move the account's session generation on, so every cookie issued so far is refused.

    Returns the new generation; None when there is no such account. The save stamps
    ``created_at`` (as every save does), which tells running servers the accounts changed.
    """
    record = _record(warehouse, normalise_username(username))
    if record is None:
        return None
    generation = next_generation(generation_of(record.get("session_generation")))
    warehouse.save_user({**record, "session_generation": generation, "created_at": dt.datetime.now(dt.UTC)})
    return generation


def users(warehouse: Warehouse) -> list[User]:
    """All accounts, by name."""
    if USERS not in warehouse.con.list_tables():
        return []
    frame = warehouse.users().order_by("username").to_pandas()
    return [
        User(
            str(r["username"]),
            Role(str(r["role"])),
            str(r["password_hash"]),
            bool(r["disabled"]),
            generation_of(r.get("session_generation")),
        )
        for r in frame.to_dict(orient="records")
    ]


def remove_user(warehouse: Warehouse, username: str) -> None:
    """Delete an account."""
    username = normalise_username(username)
    if USERS not in warehouse.con.list_tables() or not warehouse.remove_user(username):
        raise NotFound(f"Onbekende gebruiker '{username}'.", hint="Zie `veiligstad user list`.")


def authenticate(known: list[User], username: str, password: str) -> User | None:
    """The account if the password is right and the account is active; else None."""
    username = normalise_username(username)
    user = next((u for u in known if u.username == username), None)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return user
