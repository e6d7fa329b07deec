# SPDX-License-Identifier: EUPL-1.2
"""Files written whole or not at all: beside the target, then renamed over it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from veiligstad.errors import VeiligstadError


def write_atomically(output: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let ``write`` fill a temporary file beside ``output``, then rename it: a reader never
    sees half a file, and a failure leaves the old file (if any) as it was. The file gets the
    usual permissions (umask), not the temporary file's 0600. Disk errors in plain Dutch.

    >>> import tempfile as t
    >>> target = Path(t.mkdtemp()) / "a.txt"
    >>> write_atomically(target, lambda raw: raw.write(b"klaar"))
    >>> target.read_bytes()
    b'klaar'
    """
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{output.stem}-", suffix=output.suffix, dir=output.parent
        )
        try:
            with os.fdopen(handle, "wb") as raw:
                write(raw)
            mask = os.umask(0)
            os.umask(mask)
            os.chmod(temporary, 0o666 & ~mask)
            os.replace(temporary, output)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise VeiligstadError(
            f"Kan {output} niet schrijven: {exc.strerror}.",
            hint="Controleer de map en de vrije schijfruimte.",
        ) from exc
