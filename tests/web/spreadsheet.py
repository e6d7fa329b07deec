# SPDX-License-Identifier: EUPL-1.2
"""Read a Dutch CSV download as Dutch Excel would: ``;`` between cells, decimal comma, BOM."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd


def dutch_csv(content: bytes, **options: Any) -> pd.DataFrame:
    """The table in a ``format=csv`` download of a Dutch page."""
    assert content.startswith(b"\xef\xbb\xbf"), "a CSV download starts with a UTF-8 BOM"
    return pd.read_csv(io.BytesIO(content), sep=";", decimal=",", encoding="utf-8-sig", **options)
