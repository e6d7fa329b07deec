# SPDX-License-Identifier: EUPL-1.2
"""The seed's published figures reproduced from the embedded counts and populations.

Every value here goes through the real path: embedded files -> ``bootstrap.initialise``
-> warehouse -> ``monitor.indicator_values`` (the session fixture ``values``). Rates are
computed from counts and the population on 1 January of the same year, then compared with
the published value rounded to one decimal. The per-1,000 columns of the raw files were
removed on purpose, so nothing here can echo a published rate.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from veiligstad.services import monitor
from veiligstad.sources.embedded import embedded_root, manifest, read_observations
from veiligstad.storage.warehouse import Warehouse

MAASTRICHT = "GM0935"

#: Maastricht on 1 January (37230NED: population at the end of the previous year).
POPULATION = {
    2013: 121_819,
    2014: 122_488,
    2015: 122_397,
    2016: 122_533,
    2017: 122_753,
    2018: 122_723,
    2019: 121_565,
    2020: 121_575,
    2021: 120_227,
}


def _row(values: pd.DataFrame, indicator: str, area: str, period: str) -> pd.Series:
    rows = values[(values.indicator_id == indicator) & (values.area_code == area) & (values.period == period)]
    assert len(rows) == 1, (indicator, area, period, len(rows))
    return rows.iloc[0]


def _file(source_id: str) -> pd.DataFrame:
    [entry] = [e for e in manifest() if e.id == source_id]
    return read_observations(embedded_root() / entry.file, entry.status)


def _value(frame: pd.DataFrame, area: str, period: str, measure: str) -> float:
    hits = frame[(frame.area_code == area) & (frame.period == period) & (frame.measure == measure)]
    assert len(hits) == 1, (area, period, measure, len(hits))
    return float(hits.value.iloc[0])


@pytest.mark.parametrize(
    ("indicator", "year", "count", "published"),
    [
        # CBS 83651NED CRI1137 Winkeldiefstal (stored as misdrijven:2.5.2)
        ("winkeldiefstallen", 2018, 380, 3.1),
        ("winkeldiefstallen", 2019, 415, 3.4),
        ("winkeldiefstallen", 2020, 290, 2.4),
        ("winkeldiefstallen", 2021, 270, 2.2),
        # CBS 83648NED group 3 Gewelds- en seksuele misdrijven (misdrijven-scm:CRI3000)
        ("geweldsmisdrijven", 2017, 785, 6.4),
    ],
)
def test_published_rates_are_reproduced_from_counts_and_population(
    values: pd.DataFrame, indicator: str, year: int, count: int, published: float
) -> None:
    row = _row(values, indicator, MAASTRICHT, str(year))
    assert (row.numerator, row.denominator, row.denominator_year) == (count, POPULATION[year], year)
    assert not bool(row.approximate)
    assert row.value == pytest.approx(count / POPULATION[year] * 1000)
    assert round(row.value, 1) == pytest.approx(published)
    assert row.published_value == pytest.approx(published)
    assert row.reconciliation == monitor.MATCH


@pytest.mark.parametrize(
    ("year", "count"),
    [(2013, 1055), (2014, 1060), (2015, 935), (2016, 810)],
)
def test_violent_crime_before_the_programme_is_computed_without_a_published_value(
    values: pd.DataFrame, year: int, count: int
) -> None:
    # The seed publishes 2017-2021 only: 2013-2016 are computed, with nothing to compare.
    row = _row(values, "geweldsmisdrijven", MAASTRICHT, str(year))
    assert (row.numerator, row.denominator, row.denominator_year) == (count, POPULATION[year], year)
    assert row.value == pytest.approx(count / POPULATION[year] * 1000)
    assert row.reconciliation == monitor.COMPUTED_ONLY


@pytest.mark.parametrize(
    ("indicator", "year", "published"),
    [
        ("winkeldiefstallen", "2017", 3.4),  # 83651NED starts in 2018; the IVA has no shop theft
        ("geweldsmisdrijven", "2018", 6.1),  # the 83648NED groups end in 2017
        ("geweldsmisdrijven", "2021", 5.0),
        # CBS CRI1134 is home AND shed burglary: never fed into 'diefstallen uit woning'
        ("diefstallen-uit-woning", "2020", 1.8),
        ("diefstallen-uit-woning", "2021", 1.1),
    ],
)
def test_years_the_new_data_do_not_cover_stay_published_only(
    values: pd.DataFrame, indicator: str, year: str, published: float
) -> None:
    row = _row(values, indicator, MAASTRICHT, year)
    assert row.published_value == pytest.approx(published)
    assert row.reconciliation == monitor.PUBLISHED_ONLY
    assert math.isnan(row.value)


def test_shop_theft_is_available_for_every_gemeente(values: pd.DataFrame) -> None:
    shop = values[(values.indicator_id == "winkeldiefstallen") & (values.level == "gemeente")]
    counted = shop[shop.numerator.notna()].groupby("period").area_code.nunique()
    # gemeente-indeling of each year (GM0000 'Onbekend' not embedded)
    assert counted.to_dict() == {"2018": 380, "2019": 355, "2020": 355, "2021": 352}
    rated = shop[shop.value.notna()]
    assert (rated.denominator_year == rated.year).all()
    # Every count has a rate. The new gemeenten that also received part of a split-up gemeente
    # (Waadhoeke 2018: part of Littenseradiel; Westerkwartier 2019: part of Winsum) get their
    # merger-year population as the sum of their whole predecessors, marked approximate since
    # the received part is missing (engine.territory).
    assert shop[shop.numerator.notna() & shop.value.isna()].empty
    split = shop[shop.area_code.isin(["GM1949", "GM1969"]) & shop.period.isin(["2018", "2019"])]
    merger_years = split[(split.area_code == "GM1949") & (split.period == "2018") | (
        (split.area_code == "GM1969") & (split.period == "2019"))]  # fmt: skip
    assert len(merger_years) == 2 and merger_years.approximate.all()


def test_cbs_thefts_agree_with_the_iva_police_registrations() -> None:
    """PROVENANCE.md: CBS 83651NED against the municipality's IVA figures, 2018 and 2019."""
    cbs = _file("cbs-83651ned-diefstallen-gemeenten-2018-2021")
    iva = _file("maastricht-iva-politieregistraties-2014-2020h1")
    pairs = [
        ("misdrijven-scm:CRI1122", ["iva:diefstal-fiets", "iva:diefstal-fiets-met-geweld"]),
        (
            "misdrijven-scm:CRI1123",
            ["iva:diefstal-brom-of-snorfiets", "iva:diefstal-brom-of-snorfiets-met-geweld"],
        ),
        ("misdrijven-scm:CRI1128", ["iva:diefstal-uit-of-vanaf-motorvoertuigen"]),
        (
            "misdrijven-scm:CRI1134",
            [
                "iva:diefstal-uit-of-inbraak-in-woning",
                "iva:diefstal-uit-of-inbraak-in-box-garage-schuur-of-tuin",
            ],
        ),
        ("misdrijven-scm:CRI1132", ["iva:straatroof"]),
        ("misdrijven-scm:CRI1133", ["iva:zakkenrollerij"]),
        ("misdrijven-scm:CRI1144", ["iva:overval-in-woning", "iva:overval-in-bedrijven"]),
    ]
    compared = []
    for year in ("2018", "2019"):
        for measure, categories in pairs:
            a = _value(cbs, MAASTRICHT, year, measure)
            b = sum(_value(iva, MAASTRICHT, year, c) for c in categories)
            # CBS rounds to multiples of 5: within 5, or within 5% for larger counts
            assert abs(a - b) <= max(5, 0.05 * max(a, b)), (year, measure, a, b)
            compared.append((year, measure, a, b))
    assert ("2018", "misdrijven-scm:CRI1122", 1005, 1007) in compared
    assert ("2019", "misdrijven-scm:CRI1134", 530, 530) in compared  # woning 357 + schuur 173


def test_one_figure_per_measure_where_cbs_and_iva_overlap(warehouse: Warehouse) -> None:
    # Maastricht 2018-2019: police codes 1.2.4/1.4.6/1.4.7 come from the IVA mapping only;
    # the CBS figures of those years stay under their CBS codes.
    obs = warehouse.observations()
    rows = (
        obs.filter(
            (obs.area_code == MAASTRICHT)
            & obs.period.isin(["2018", "2019"])
            & obs.measure.isin(["misdrijven:1.2.4", "misdrijven:1.4.6", "misdrijven:1.4.7"])
        )
        .to_pandas()
        .sort_values(["measure", "period"])
    )
    assert set(rows.source_id) == {"maastricht-iva-politiecodes"}
    assert not rows.duplicated(["measure", "period"]).any() and len(rows) == 6
    straatroof = rows[(rows.measure == "misdrijven:1.4.6") & (rows.period == "2018")]
    assert straatroof.value.iloc[0] == 22  # IVA; CBS CRI1132 says 20
    # Other gemeenten and Maastricht 2020-2021 do have the police codes from CBS.
    cbs = _file("cbs-83651ned-diefstallen-gemeenten-2018-2021")
    assert _value(cbs, MAASTRICHT, "2020", "misdrijven:1.4.6") == 35
    assert _value(cbs, "GM0363", "2019", "misdrijven:2.5.2") > 0


def test_totals_of_two_83648ned_files_are_not_stored_twice() -> None:
    totals = _file("cbs-83648ned-gemeenten-2010-2020")
    groups = _file("cbs-83648ned-gemeenten-hoofdgroepen-2013-2017")
    measure = "misdrijven-scm:T001161"
    a = set(zip(*(totals.loc[totals.measure == measure, c] for c in ("area_code", "period")), strict=True))
    b = set(zip(*(groups.loc[groups.measure == measure, c] for c in ("area_code", "period")), strict=True))
    assert b and not a & b
    assert _value(totals, MAASTRICHT, "2013", measure) == 13195
    parts = groups[(groups.area_code == MAASTRICHT) & (groups.period == "2013")]
    assert parts.value.sum() == 13195  # the 8 groups add up to the total (within CBS rounding)


def test_buurt_rates_of_2023_use_the_population_of_2023(values: pd.DataFrame) -> None:
    row = _row(values, "misdrijven-totaal", "BU09350000", "2023")  # Binnenstad
    assert (row.numerator, row.denominator, row.denominator_year) == (1232, 2205, 2023)
    assert not bool(row.approximate)
    buurten = values[
        (values.indicator_id == "misdrijven-totaal") & (values.level == "buurt") & (values.period == "2023")
    ]
    assert len(buurten) == 44 and (buurten.denominator_year == 2023).all()
    wijk = _row(values, "misdrijven-totaal", "WK093500", "2023")
    assert wijk.denominator_year == 2023  # summed from the 2023 buurt populations


def test_national_nuisance_gives_the_overlast_score_for_the_netherlands(values: pd.DataFrame) -> None:
    row = _row(values, "schaalscore-overlast", "NL01", "2017")
    # 47021NED E33 + E35 + E38 + E41 for Nederland, population 1 January 2017
    assert (row.numerator, row.denominator, row.denominator_year) == (220_057, 17_081_507, 2017)
    assert row.value == pytest.approx(220_057 / 17_081_507 * 1000)
    assert bool(_row(values, "schaalscore-overlast", "NL01", "2023").provisional)
    # no gemeente figures: Maastricht stays published only
    assert _row(values, "schaalscore-overlast", MAASTRICHT, "2017").reconciliation == monitor.PUBLISHED_ONLY


def test_a_partly_covered_numerator_says_which_part_is_missing(values: pd.DataFrame) -> None:
    # HIC 2021 = 1.1.1 + 1.4.6 + 1.4.7: CBS 83651NED gives street robbery and robbery, but
    # no source has home burglary (1.1.1) for 2021, so no value and no partial sum.
    row = _row(values, "schaalscore-hic", MAASTRICHT, "2021")
    assert math.isnan(row.value) and math.isnan(row.numerator)
    assert row.reason == "numerator-incomplete"
    assert row.reconciliation == monitor.PUBLISHED_ONLY
