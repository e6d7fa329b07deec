# SPDX-License-Identifier: EUPL-1.2
"""Accounts and roles: who may see what on the dashboard."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """Roles, least privileged first; every role may do what the ones before it may."""

    PUBLIEK = "publiek"
    RAAD = "raad"
    ANALIST = "analist"
    BEHEERDER = "beheerder"

    @property
    def rank(self) -> int:
        """Position in the order publiek < raad < analist < beheerder."""
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """Whether this role may do what ``needed`` may.

        >>> Role.ANALIST.allows(Role.RAAD), Role.RAAD.allows(Role.ANALIST)
        (True, False)
        """
        return self.rank >= needed.rank

    @property
    def label(self) -> str:
        """Dutch description for people."""
        return _LABELS[self]


_LABELS = {
    Role.PUBLIEK: "publiek (alleen openbare gegevens)",
    Role.RAAD: "raadslid (interne overzichten lezen)",
    Role.ANALIST: "analist (ruwe aantallen, uploads)",
    Role.BEHEERDER: "beheerder (bronnen en accounts)",
}

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._\-@]{1,63}$")


def normalise_username(text: str) -> str:
    """A user name as it is stored, checked and counted: trimmed and in lower case.

    >>> normalise_username("  Analist "), normalise_username("BEHEERDER")
    ('analist', 'beheerder')
    """
    return text.strip().lower()


#: Shortest password an account may have.
MIN_PASSWORD_LENGTH = 12


@dataclass(frozen=True)
class User:
    """A local account; the password is kept only as an argon2 hash.

    ``session_generation`` changes on logout, password change and role change; a session
    cookie is valid only while it names the account's current generation.
    """

    username: str
    role: Role
    password_hash: str
    disabled: bool = False
    session_generation: int = 0
