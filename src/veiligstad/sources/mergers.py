# SPDX-License-Identifier: EUPL-1.2
"""The embedded list of municipal mergers 2000–2025 (RvIG Tabel 33 Gemeententabel, with the
1 January 2023 merger added; see data/embedded/README.md) as ``Merger`` records."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import pandas as pd

from veiligstad.domain.mergers import Merger
from veiligstad.errors import DataError
from veiligstad.sources.embedded import embedded_root

COLUMNS = [
    "datum",
    "gm_code_nieuw",
    "gemeente_nieuw",
    "gm_code_oud",
    "gemeente_oud",
    "nieuw_bestond_al",
    "deels_ook_naar",
    "controle",
]


def read_mergers(path: Path) -> tuple[Merger, ...]:
    """One ``Merger`` per successor and date, from the long table (one row per absorbed code)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise DataError(f"{path.name}: kolommen ontbreken: {', '.join(missing)}")
    mergers = []
    names = dict(zip(frame["gm_code_oud"], frame["gemeente_oud"], strict=True))
    names.update(zip(frame["gm_code_nieuw"], frame["gemeente_nieuw"], strict=True))
    for (date, successor), rows in frame.groupby(["datum", "gm_code_nieuw"], sort=True):
        mergers.append(
            Merger(
                date=dt.date.fromisoformat(str(date)),
                successor=str(successor),
                successor_name=str(rows["gemeente_nieuw"].iloc[0]),
                absorbed=tuple(rows["gm_code_oud"]),
                absorbed_names=tuple(rows["gemeente_oud"]),
                successor_existed=bool((rows["nieuw_bestond_al"] == "ja").all()),
                split=tuple(rows.loc[rows["deels_ook_naar"] != "", "gm_code_oud"]),
                check=str(rows["controle"].iloc[0]),
            )
        )
        # The other gemeenten that received part of a split-up changed territory too.
        for row in rows[rows["deels_ook_naar"] != ""].itertuples():
            for code in str(row.deels_ook_naar).split():
                mergers.append(
                    Merger(
                        date=dt.date.fromisoformat(str(date)),
                        successor=code,
                        successor_name=names.get(code, "deze gemeente"),
                        absorbed=(),
                        absorbed_names=(),
                        successor_existed=True,
                        parts_of=(str(row.gemeente_oud),),
                    )
                )
    return tuple(mergers)


@cache
def embedded_mergers() -> tuple[Merger, ...]:
    """The mergers shipped with the package (read once)."""
    return read_mergers(embedded_root() / "areas" / "mergers.csv")
