# SPDX-License-Identifier: EUPL-1.2
"""Freshness per source: newest period, refresh rules, Dutch warnings."""

from __future__ import annotations

import datetime as dt

from veiligstad.domain.periods import parse_period
from veiligstad.services.freshness import (
    add_months,
    load_refresh,
    months_between,
    period_end,
    source_status,
)
from veiligstad.storage.warehouse import Warehouse


def test_refresh_rules_per_table() -> None:
    config = load_refresh()
    assert config.rule_for("x", "47022NED", "cbs").allowed_months == 2
    assert config.rule_for("x", "47018NED", "cbs").allowed_months == 15
    assert config.rule_for("cbs-kwb2022-gemeenten", None, "embedded").allowed_months == 24
    assert config.rule_for("maastricht-veiligheidsmonitor-2014-2019", None, "embedded").allowed_months == 30
    assert config.rule_for("iets-anders", None, "embedded") == config.default


def test_dates() -> None:
    assert period_end(parse_period("2023Q4")) == dt.date(2023, 12, 31)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert months_between(dt.date(2023, 12, 31), dt.date(2025, 10, 30)) == 21


def test_status_of_the_embedded_data(warehouse: Warehouse) -> None:
    rows = {r.source_id: r for r in source_status(warehouse, today=dt.date(2025, 3, 15))}
    police = rows["politie-47013ned-gemeenten-2022-2024"]
    assert police.newest_period == "2024" and police.table_id == "47013NED"
    assert police.snapshot and not police.outdated  # due 31 March 2026 (12 + 3 months)
    assert police.due == dt.date(2026, 3, 31)
    assert police.warning == "momentopname: nieuwste periode 2024 is 2 maanden oud"
    assert police.rows > 0 and police.rows_rejected == 0
    vm = rows["maastricht-veiligheidsmonitor-2014-2019"]
    assert vm.outdated and "verouderd: een nieuwere periode werd verwacht vóór 30 juni 2022" in vm.warning
    assert rows["maastricht-iva-politieregistraties-2014-2020h1"].newest_period == "2020H1"
    assert rows["areas"].newest_period is None and not rows["areas"].outdated
    later = {r.source_id: r for r in source_status(warehouse, today=dt.date(2026, 4, 1))}
    assert later["politie-47013ned-gemeenten-2022-2024"].outdated
