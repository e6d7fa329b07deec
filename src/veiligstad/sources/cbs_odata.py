# SPDX-License-Identifier: EUPL-1.2
"""CBS / Politie open data over OData: table definitions (YAML), a small client, normalisation.

- **Table definitions** live in ``data/sources/cbs/<TABLE>.yaml``: host, dimensions, which
  topics (measures) to take, the warehouse measure-id template, period types, units and the
  code lists per year. A new year or table is a data change.
- **The client** talks OData v3 (``ODataApi``: ``TableInfos``, ``DataProperties``, dimension
  lists, ``TypedDataSet``) over httpx with explicit timeouts and follows ``odata.nextLink``.
  The transport is injectable, so tests serve recorded responses (``httpx.MockTransport``).
  ``observations_v4`` reads the cell-based v4 ``Observations`` shape (``Measure``/``Value``).
- **Normalisation**: keys are stripped (CBS pads them with spaces), topic keys are found in
  ``DataProperties`` by their name without the ``_<n>`` suffix, periods are parsed
  (``2023JJ00`` → year, ``2023MM03`` → month, ``2023KW01`` → quarter: separate rows, never
  summed), an empty cell is *withheld* (null), never zero, and the newest months of a monthly
  table are marked ``voorlopig``.
- **Streaming** (``veiligstad update``): ``ODataClient.probe`` fails fast without network;
  ``PageParser`` turns one page of rows into a compact Arrow table (text columns
  dictionary-encoded) with the same rules, so a national table is never a Python list of
  dicts as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import httpx
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from veiligstad import yamlfile
from veiligstad.domain.periods import Period, PeriodType, parse_period
from veiligstad.errors import DataError, VeiligstadError

#: Connect quickly or give up; a slow page may take a little longer.
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
#: The probe before an update: a missing network shows within seconds.
PROBE_TIMEOUT = httpx.Timeout(5.0, connect=3.0)
#: Withheld / missing markers in untyped data sets (CBS symbol convention).
_WITHHELD = {"", ".", "x", "-", "?"}
_SUFFIX = re.compile(r"_\d+$")


class SourceUnavailable(VeiligstadError):
    """The open-data service could not be reached (no network, timeout, server error)."""

    exit_code = 3


# --------------------------------------------------------------------------- definitions


class MeasureSpec(BaseModel):
    """One topic of a table and the warehouse measure id it becomes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    topic: str = Field(description="Topic key without its _<n> suffix, e.g. GeregistreerdeMisdrijven.")
    measure: str = Field(description="Measure-id template; {Dimension} and {margin} are filled in.")
    unit: str
    metadata_units: tuple[str, ...] = Field(
        default=(), description="Units the table's DataProperties may state for this topic."
    )
    optional: bool = Field(
        default=False, description="Skip (and report) instead of failing when the table lacks the topic."
    )


class CodeList(BaseModel):
    """The category codes a table publishes in a range of years (inclusive; open-ended if null)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_year: int
    until_year: int | None = None
    codes: tuple[str, ...]

    def covers(self, year: int) -> bool:
        return self.from_year <= year and (self.until_year is None or year <= self.until_year)


class TableDefinition(BaseModel):
    """Everything the importer needs to know about one CBS / Politie table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    table_id: str
    title: str
    publisher: Literal["CBS", "Politie"]
    attribution: str
    licence: str = "CC BY 4.0"
    api: Literal["v3"] = "v3"
    base_url: str
    region_dimension: str
    region_levels: tuple[Literal["GM", "WK", "BU"], ...] = ("GM", "WK", "BU")
    period_dimension: str | None = "Perioden"
    period_types: tuple[PeriodType, ...] = (PeriodType.YEAR,)
    fixed_period: str | None = Field(
        default=None, description="Period of a table without a time dimension (KWB: 1 January)."
    )
    category_dimension: str | None = None
    code_lists: tuple[CodeList, ...] = ()
    margin_dimension: str | None = None
    margins: dict[str, str] = Field(default_factory=dict)
    measures: tuple[MeasureSpec, ...]
    provisional_months: int = 0
    notes: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> TableDefinition:
        if (self.period_dimension is None) == (self.fixed_period is None):
            raise ValueError("geef precies één van period_dimension en fixed_period")
        if self.margin_dimension and not self.margins:
            raise ValueError("margin_dimension vraagt om margins (code → achtervoegsel)")
        return self

    @property
    def host(self) -> str:
        return urlparse(self.base_url).netloc

    def code_list(self, year: int) -> CodeList | None:
        for candidate in self.code_lists:
            if candidate.covers(year):
                return candidate
        return None


def definitions_root() -> Path:
    """The folder of the table definitions shipped with the package."""
    return Path(str(resources.files("veiligstad") / "data" / "sources" / "cbs"))


def known_tables(root: Path | None = None) -> list[str]:
    """The table ids that have a definition."""
    return sorted(p.stem for p in (root or definitions_root()).glob("*.yaml"))


def load_definition(table_id: str, root: Path | None = None) -> TableDefinition:
    """The definition of one table; DataError (Dutch) if unknown or invalid."""
    table = table_id.strip().upper()
    base = root or definitions_root()
    path = base / f"{table}.yaml"
    if not path.is_file():
        raise DataError(
            f"Tabel '{table_id}' is niet bekend.",
            hint=f"Bekende tabellen: {', '.join(known_tables(base))}. "
            f"Een nieuwe tabel is een YAML-bestand in data/sources/cbs/.",
        )
    try:
        definition = TableDefinition.model_validate(yamlfile.read(path))
    except (yaml.YAMLError, ValidationError) as exc:
        raise DataError(f"{path.name}: ongeldige tabeldefinitie: {exc}") from exc
    if definition.table_id.upper() != table:
        raise DataError(f"{path.name}: table_id '{definition.table_id}' past niet bij de bestandsnaam.")
    return definition


# --------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class DataProperty:
    """One entry of a table's ``DataProperties``: a dimension or a topic (measure)."""

    key: str
    title: str
    type: str
    unit: str | None = None
    datatype: str | None = None

    @property
    def stem(self) -> str:
        """The key without its ``_<n>`` suffix (``GeregistreerdeMisdrijven_1`` → ``…Misdrijven``)."""
        return _SUFFIX.sub("", self.key)


@dataclass(frozen=True)
class DimensionCode:
    """One code of a dimension list, key stripped."""

    key: str
    title: str
    status: str | None = None


@dataclass(frozen=True)
class TableMetadata:
    """What the service says about a table: infos, properties and the period list."""

    table_id: str
    title: str
    modified: str
    explanatory_text: str
    properties: tuple[DataProperty, ...]
    periods: tuple[DimensionCode, ...] = ()
    categories: tuple[DimensionCode, ...] = ()

    def topic(self, stem: str) -> DataProperty | None:
        for prop in self.properties:
            if prop.type == "Topic" and prop.stem.lower() == stem.lower():
                return prop
        return None

    def topics(self) -> list[str]:
        return [p.key for p in self.properties if p.type == "Topic"]


# --------------------------------------------------------------------------- client


class ODataClient:
    """A small OData v3 client for one catalogue host (e.g. dataderden.cbs.nl)."""

    def __init__(
        self,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        max_pages: int = 1000,
    ) -> None:
        self.base_url = base_url if base_url.endswith("/") else base_url + "/"
        self.host = urlparse(self.base_url).netloc
        self.max_pages = max_pages
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            follow_redirects=True,
        )

    def __enter__(self) -> ODataClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(self, url: str, params: Mapping[str, str] | None = None) -> dict[str, Any]:
        """GET one resource as JSON; network trouble → SourceUnavailable, bad answers → DataError."""
        return self._decode(self._body(url, params), url)

    def _decode(self, body: bytes, url: str) -> dict[str, Any]:
        try:
            payload = orjson.loads(body)  # ~60 % of the CPU of json.loads on 1 MB pages
        except ValueError as exc:
            raise DataError(f"{self.host} stuurde geen geldige JSON voor '{url}'.") from exc
        if not isinstance(payload, dict):
            raise DataError(f"{self.host} stuurde een onverwacht antwoord voor '{url}'.")
        return payload

    def _body(self, url: str, params: Mapping[str, str] | None = None) -> bytes:
        """The body of one GET (status checked); network trouble → SourceUnavailable."""
        query = {"$format": "json", **(params or {})}
        try:
            # Streamed and joined here: a Response sits in a reference cycle (httpx), so a
            # body kept on it (``response.content``) would outlive the page until a full
            # garbage collection; national updates read thousands of 1 MB pages.
            with self._http.stream(
                "GET", url, params=query if "$format=json" not in url else params
            ) as response:
                body = b"".join(response.iter_bytes())
        except httpx.TransportError as exc:
            raise SourceUnavailable(
                f"Geen verbinding met CBS/Politie open data ({self.host}): "
                f"{_describe(exc)}. Er is niets gewijzigd.",
                hint="Controleer de netwerkverbinding (of proxy) en probeer het later opnieuw.",
            ) from exc
        if response.status_code == 404:
            raise DataError(
                f"{self.host} kent '{url}' niet (HTTP 404). Er is niets gewijzigd.",
                hint="Controleer het tabelnummer en de host in de tabeldefinitie (data/sources/cbs/).",
            )
        if response.status_code >= 400:
            raise SourceUnavailable(
                f"CBS/Politie open data ({self.host}) antwoordt met HTTP {response.status_code}. "
                "Er is niets gewijzigd.",
                hint="Probeer het later opnieuw.",
            )
        return body

    def collection(self, url: str, params: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """All rows of a collection, following ``odata.nextLink`` (v3) / ``@odata.nextLink`` (v4)."""
        return [row for page in self.pages(url, params) for row in page]

    def pages(self, url: str, params: Mapping[str, str] | None = None) -> Iterator[list[dict[str, Any]]]:
        """The pages of a collection, one list of rows each."""
        payload = self.get(url, params)
        for _ in range(self.max_pages):
            rows = payload.get("value")
            if not isinstance(rows, list):
                raise DataError(f"{self.host}: antwoord op '{url}' heeft geen 'value'-lijst.")
            yield rows
            next_link = payload.get("odata.nextLink") or payload.get("@odata.nextLink")
            if not next_link:
                return
            payload = self.get(str(next_link))
        raise DataError(f"{self.host}: meer dan {self.max_pages} pagina's voor '{url}'; afgebroken.")

    def page_tables(
        self, url: str, params: Mapping[str, str] | None, fields: pa.StructType
    ) -> Iterator[pa.Table | list[dict[str, Any]]]:
        """The pages of a collection as Arrow tables of the row keys in ``fields`` (other keys
        are not read), following ``odata.nextLink``.

        Pyarrow's JSON reader turns each page body into columns without a Python object per
        row and without holding the GIL (a prefetching thread runs beside the parser). A
        page it cannot read as typed (text in a number field, a body that is not one object
        with a ``value`` list) is decoded as in ``pages``: a list of rows, or a ``DataError``.
        """
        schema = pa.schema(
            [("value", pa.list_(fields)), ("odata.nextLink", pa.string()), ("@odata.nextLink", pa.string())]
        )
        body = self._body(url, params)
        for _ in range(self.max_pages):
            page, next_link = self._page_table(body, schema, fields)
            if page is None:
                payload = self._decode(body, url)
                rows = payload.get("value")
                if not isinstance(rows, list):
                    raise DataError(f"{self.host}: antwoord op '{url}' heeft geen 'value'-lijst.")
                yield rows
                next_link = payload.get("odata.nextLink") or payload.get("@odata.nextLink")
            else:
                yield page
            if not next_link:
                return
            body = self._body(str(next_link))
        raise DataError(f"{self.host}: meer dan {self.max_pages} pagina's voor '{url}'; afgebroken.")

    @staticmethod
    def _page_table(
        body: bytes, schema: pa.Schema, fields: pa.StructType
    ) -> tuple[pa.Table | None, str | None]:
        """One page body → (rows as a table, next link); ``(None, None)`` when the typed reader
        cannot take it."""
        options = pajson.ParseOptions(
            explicit_schema=schema,
            unexpected_field_behavior="ignore",
            newlines_in_values=b"\n" in body,  # recorded pages are indented
        )
        read = pajson.ReadOptions(use_threads=False, block_size=max(len(body) + 64, 1 << 16))
        try:
            whole = pajson.read_json(pa.BufferReader(body), read_options=read, parse_options=options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None, None
        values = whole.column("value")
        if whole.num_rows != 1 or values.null_count:
            return None, None
        rows = pc.list_flatten(values)
        if rows.null_count:  # a null row in the list
            return None, None
        row_schema = pa.schema([fields.field(i) for i in range(fields.num_fields)])
        table = pa.Table.from_batches(
            [pa.RecordBatch.from_struct_array(chunk) for chunk in rows.chunks], schema=row_schema
        )
        link = whole.column("odata.nextLink")[0].as_py() or whole.column("@odata.nextLink")[0].as_py()
        return table, link

    def probe(self) -> None:
        """One short request to the service root: SourceUnavailable when the host cannot be reached.

        Any HTTP answer (even an error status) means the network works; only a transport
        failure (refused, no route, DNS, timeout) counts as offline.
        """
        try:
            self._http.get("", params={"$format": "json"}, timeout=PROBE_TIMEOUT)
        except httpx.TransportError as exc:
            raise SourceUnavailable(
                f"Geen netwerk: CBS/Politie open data ({self.host}) is niet bereikbaar: "
                f"{_describe(exc)}. Er is niets gewijzigd.",
                hint="Controleer de netwerkverbinding (of proxy) en start de opdracht opnieuw.",
            ) from exc

    def metadata(self, definition: TableDefinition) -> TableMetadata:
        """TableInfos, DataProperties and the period and category lists of a table."""
        table = definition.table_id
        infos = self.collection(f"{table}/TableInfos")
        info = infos[0] if infos else {}
        properties = tuple(
            DataProperty(
                key=str(p.get("Key") or "").strip(),
                title=str(p.get("Title") or ""),
                type=str(p.get("Type") or ""),
                unit=p.get("Unit"),
                datatype=p.get("Datatype"),
            )
            for p in self.collection(f"{table}/DataProperties")
        )
        periods: tuple[DimensionCode, ...] = ()
        if definition.period_dimension:
            periods = self.dimension(table, definition.period_dimension)
        categories: tuple[DimensionCode, ...] = ()
        if definition.category_dimension:
            categories = self.dimension(table, definition.category_dimension)
        return TableMetadata(
            table_id=table,
            title=str(info.get("Title") or definition.title),
            modified=str(info.get("Modified") or ""),
            explanatory_text=str(info.get("ExplanatoryText") or "").strip(),
            properties=properties,
            periods=periods,
            categories=categories,
        )

    def dimension(self, table: str, name: str) -> tuple[DimensionCode, ...]:
        """A dimension list with stripped keys."""
        return tuple(
            DimensionCode(
                key=str(row.get("Key") or "").strip(),
                title=str(row.get("Title") or "").strip(),
                status=row.get("Status"),
            )
            for row in self.collection(f"{table}/{name}")
        )


def _describe(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "geen antwoord binnen de tijdslimiet"
    if isinstance(exc, httpx.ConnectError):
        return f"verbinding mislukt ({exc})"
    return f"{type(exc).__name__}: {exc}"


# --------------------------------------------------------------------------- requests


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def region_filter(definition: TableDefinition, municipality: str) -> str:
    """Select one gemeente and its wijken/buurten (the form of CBS's own DefaultSelection).

    ``substring(<dim>,2,4) eq '0935'`` matches ``GM0935``, ``WK0935xx`` and ``BU0935xxxx``
    whatever the padding; rows of other levels are dropped when normalising.
    """
    number = municipality[2:]
    dim = definition.region_dimension
    if definition.region_levels == ("GM",):
        return f"startswith({dim},{_quote(municipality)})"
    return f"substring({dim},2,4) eq {_quote(number)}"


def period_chunks(
    definition: TableDefinition, metadata: TableMetadata, since: int | None
) -> list[list[DimensionCode]]:
    """The wanted periods, listed explicitly (never ``ge``), grouped per year."""
    by_year: dict[int, list[DimensionCode]] = {}
    for code in metadata.periods:
        period = _period_or_none(code.key)
        if period is None or period.type not in definition.period_types:
            continue
        if since is not None and period.year < since:
            continue
        by_year.setdefault(period.year, []).append(code)
    return [by_year[year] for year in sorted(by_year)]


def _period_or_none(key: str) -> Period | None:
    try:
        return parse_period(key)
    except DataError:
        return None


def dataset_requests(
    definition: TableDefinition, metadata: TableMetadata, municipality: str, since: int | None
) -> list[tuple[str, dict[str, str]]]:
    """The TypedDataSet requests for a table: one per year (a few hundred characters of filter)."""
    region = region_filter(definition, municipality)
    columns = [definition.region_dimension]
    for dim in (definition.category_dimension, definition.margin_dimension, definition.period_dimension):
        if dim:
            columns.append(dim)
    for spec in definition.measures:
        prop = metadata.topic(spec.topic)
        if prop is not None:
            columns.append(prop.key)
    select = ",".join(columns)
    url = f"{definition.table_id}/TypedDataSet"
    if definition.period_dimension is None:
        return [(url, {"$filter": region, "$select": select})]
    requests = []
    for chunk in period_chunks(definition, metadata, since):
        periods = " or ".join(f"{definition.period_dimension} eq {_quote(c.key)}" for c in chunk)
        requests.append((url, {"$filter": f"({region}) and ({periods})", "$select": select}))
    return requests


# --------------------------------------------------------------------------- normalisation


@dataclass
class Normalised:
    """Observations of one table in warehouse columns, plus what was noticed on the way."""

    frame: pd.DataFrame
    provisional: list[str] = field(default_factory=list)
    withheld: int = 0
    missing_topics: list[str] = field(default_factory=list)


def check_metadata(
    definition: TableDefinition, metadata: TableMetadata
) -> list[tuple[MeasureSpec, DataProperty]]:
    """Find the topics of the definition in DataProperties, each with a unit it may have."""
    found = []
    for spec in definition.measures:
        prop = metadata.topic(spec.topic)
        if prop is None and spec.optional:
            continue
        if prop is None:
            raise DataError(
                f"Tabel {definition.table_id} heeft geen onderwerp '{spec.topic}'. Er is niets gewijzigd.",
                hint=f"Beschikbaar: {', '.join(metadata.topics())}. Pas data/sources/cbs/"
                f"{definition.table_id}.yaml aan.",
            )
        if spec.metadata_units and prop.unit is not None and prop.unit.strip() not in spec.metadata_units:
            raise DataError(
                f"Tabel {definition.table_id}: onderwerp {prop.key} heeft eenheid '{prop.unit}', "
                f"verwacht {' of '.join(spec.metadata_units)}. Er is niets gewijzigd.",
                hint="CBS heeft de tabel gewijzigd; controleer de tabeldefinitie.",
            )
        found.append((spec, prop))
    return found


def _value(raw: Any) -> float | None:
    """A cell: JSON number, or untyped right-aligned text; empty/null/'.'/'x' = withheld."""
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    text = str(raw).strip()
    if text in _WITHHELD:
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise DataError(f"Onverwachte waarde '{raw}' in het antwoord van CBS/Politie.") from exc


def _in_municipality(code: str, municipality: str, levels: Sequence[str]) -> bool:
    number = municipality[2:]
    return any(code.startswith(f"{level}{number}") for level in levels) and (
        not code.startswith("GM") or code == municipality
    )


def normalise(
    definition: TableDefinition,
    metadata: TableMetadata,
    rows: Sequence[Mapping[str, Any]],
    municipality: str,
) -> Normalised:
    """Raw TypedDataSet rows → warehouse observation columns (validated; DataError on problems)."""
    pairs = check_metadata(definition, metadata)
    found = {spec.topic for spec, _ in pairs}
    missing = [spec.topic for spec in definition.measures if spec.topic not in found]
    records: list[dict[str, Any]] = []
    unknown: dict[int, set[str]] = {}
    withheld = 0
    for row in rows:
        area = str(row.get(definition.region_dimension) or "").strip()
        if not _in_municipality(area, municipality, definition.region_levels):
            continue
        if definition.period_dimension:
            period_text = str(row.get(definition.period_dimension) or "").strip()
        else:
            period_text = str(definition.fixed_period)
        period = parse_period(period_text)
        if period.type not in definition.period_types:
            continue
        codes = {
            dim: str(row.get(dim) or "").strip()
            for dim in (definition.category_dimension, definition.margin_dimension)
            if dim
        }
        if definition.category_dimension:
            code = codes[definition.category_dimension]
            allowed = definition.code_list(period.year)
            if allowed is not None and code not in allowed.codes:
                unknown.setdefault(period.year, set()).add(code)
                continue
            if allowed is None and definition.code_lists:
                unknown.setdefault(period.year, set()).add(code)
                continue
        margin = ""
        if definition.margin_dimension:
            margin_code = codes[definition.margin_dimension]
            if margin_code not in definition.margins:
                continue
            margin = definition.margins[margin_code]
        for spec, prop in pairs:
            value = _value(row.get(prop.key))
            withheld += value is None
            records.append(
                {
                    "area_code": area,
                    "period": period.code,
                    "period_type": period.type.value,
                    "year": period.year,
                    "measure": spec.measure.format(margin=margin, **codes),
                    "value": value,
                    "unit": spec.unit,
                    "status": "definitief",
                }
            )
    if unknown:
        listing = "; ".join(f"{year}: {', '.join(sorted(codes))}" for year, codes in sorted(unknown.items()))
        raise DataError(
            f"Tabel {definition.table_id} levert codes die niet in de codelijst staan ({listing}). "
            "Er is niets gewijzigd.",
            hint=f"Voeg de codes (of een nieuwe jaarversie) toe aan code_lists in "
            f"data/sources/cbs/{definition.table_id}.yaml.",
        )
    frame = pd.DataFrame.from_records(
        records,
        columns=["area_code", "period", "period_type", "year", "measure", "value", "unit", "status"],
    )
    frame["value"] = frame["value"].astype("float64")
    frame["year"] = frame["year"].astype("int32")
    duplicated = frame.duplicated(["measure", "area_code", "period"])
    if duplicated.any():
        first = frame[duplicated].iloc[0]
        raise DataError(
            f"Tabel {definition.table_id}: dubbele cijfers voor {first['measure']} {first['area_code']} "
            f"{first['period']}. Er is niets gewijzigd."
        )
    provisional = _provisional_periods(definition, metadata, frame)
    frame.loc[frame["period"].isin(provisional), "status"] = "voorlopig"
    frame = frame.sort_values(["measure", "area_code", "period"], kind="stable").reset_index(drop=True)
    return Normalised(frame=frame, provisional=sorted(provisional), withheld=withheld, missing_topics=missing)


def _provisional_periods(
    definition: TableDefinition, metadata: TableMetadata, frame: pd.DataFrame
) -> set[str]:
    """Periods the service marks provisional, plus the newest N months of a monthly table."""
    marked = {
        parse_period(code.key).code
        for code in metadata.periods
        if (code.status or "").strip().lower().startswith("voorlopig") and _period_or_none(code.key)
    }
    months = sorted(set(frame.loc[frame["period_type"] == PeriodType.MONTH.value, "period"]))
    if definition.provisional_months and months:
        marked.update(months[-definition.provisional_months :])
    return marked & set(frame["period"])


# --------------------------------------------------------------------------- OData v4


def observations_v4(
    payload: Mapping[str, Any],
    measures: Mapping[str, str],
    period_dimension: str = "Perioden",
    region_dimension: str | None = None,
) -> pd.DataFrame:
    """Read a v4 ``Observations`` page (``Measure``/``Value``/``ValueAttribute``) into long rows.

    ``measures`` maps a v4 ``Measure`` code (``M001924``) to a warehouse measure id; other
    measures are skipped. A null value or a ``ValueAttribute`` other than ``None`` (e.g.
    ``Impossible``, ``Confidential``) is withheld.
    """
    rows = payload.get("value")
    if not isinstance(rows, list):
        raise DataError("Het v4-antwoord heeft geen 'value'-lijst.")
    records = []
    for row in rows:
        measure = str(row.get("Measure") or "").strip()
        if measure not in measures:
            continue
        period = parse_period(str(row.get(period_dimension) or ""))
        attribute = str(row.get("ValueAttribute") or "None")
        value = _value(row.get("Value")) if attribute == "None" else None
        records.append(
            {
                "area_code": str(row.get(region_dimension) or "").strip() if region_dimension else "",
                "period": period.code,
                "period_type": period.type.value,
                "year": period.year,
                "measure": measures[measure],
                "value": value,
                "status": "voorlopig" if attribute.lower().startswith("provisional") else "definitief",
            }
        )
    frame = pd.DataFrame.from_records(
        records, columns=["area_code", "period", "period_type", "year", "measure", "value", "status"]
    )
    frame["value"] = frame["value"].astype("float64")
    return frame


# --------------------------------------------------------------------------- streaming (Arrow)

_TEXT = pa.dictionary(pa.int32(), pa.string())
#: The normalised columns of a page; text is dictionary-encoded (a few bytes per row).
PAGE_SCHEMA = pa.schema(
    [
        ("measure", _TEXT),
        ("area_code", _TEXT),
        ("period", _TEXT),
        ("period_type", _TEXT),
        ("year", pa.int32()),
        ("value", pa.float64()),
        ("unit", _TEXT),
        ("status", _TEXT),
    ]
)


def period_requests(
    definition: TableDefinition,
    metadata: TableMetadata,
    municipality: str | None,
    periods: Sequence[str],
) -> list[tuple[str, dict[str, str]]]:
    """TypedDataSet requests for the given period keys (``2023JJ00``), listed explicitly.

    For one gemeente: one request per year with its region filter. For the whole country
    (``municipality=None``): one request per period without a region filter, so no single
    request runs into the page limit.
    """
    columns = [definition.region_dimension]
    for dim in (definition.category_dimension, definition.margin_dimension, definition.period_dimension):
        if dim:
            columns.append(dim)
    columns.extend(prop.key for _, prop in check_metadata(definition, metadata))
    select = ",".join(columns)
    url = f"{definition.table_id}/TypedDataSet"
    region = region_filter(definition, municipality) if municipality else ""
    if definition.period_dimension is None:
        params = {"$select": select}
        if region:
            params["$filter"] = region
        return [(url, params)]
    groups: dict[str, list[str]] = {}
    for key in periods:
        groups.setdefault(key if municipality is None else key[:4], []).append(key)
    requests = []
    for group in groups.values():
        clause = " or ".join(f"{definition.period_dimension} eq {_quote(key)}" for key in group)
        text = f"({region}) and ({clause})" if region else clause
        requests.append((url, {"$filter": text, "$select": select}))
    return requests


def provisional_keys(definition: TableDefinition, metadata: TableMetadata) -> set[str]:
    """Period codes (``2025-11``) that are provisional: marked so, or the newest N months."""
    marked = {
        period.code
        for code in metadata.periods
        if (code.status or "").strip().lower().startswith("voorlopig")
        and (period := _period_or_none(code.key)) is not None
    }
    months = sorted(
        period.code
        for code in metadata.periods
        if (period := _period_or_none(code.key)) is not None
        and period.type is PeriodType.MONTH
        and period.type in definition.period_types
    )
    if definition.provisional_months and months:
        marked.update(months[-definition.provisional_months :])
    return marked


class PageParser:
    """Normalise TypedDataSet pages into Arrow, column by column (no per-row Python work
    beyond reading the JSON values out of their dicts).

    The rules are those of ``normalise``: stripped keys, rows outside the gemeente (or, for
    the whole country, outside the table's region levels) dropped, periods parsed and
    filtered to ``wanted``, category codes checked against the year's code list, margins
    mapped, withheld cells null. Unknown codes are collected in ``unknown`` (the caller
    stops before storing); ``withheld`` counts null cells.
    """

    def __init__(
        self,
        definition: TableDefinition,
        metadata: TableMetadata,
        municipality: str | None,
        wanted: set[str] | None = None,
        provisional: set[str] | None = None,
    ) -> None:
        self.definition = definition
        self.pairs = check_metadata(definition, metadata)
        self.wanted = wanted
        self.provisional = provisional or set()
        levels = definition.region_levels
        if municipality:
            number = municipality[2:]
            alternatives = [f"GM{number}$" if level == "GM" else f"{level}{number}" for level in levels]
        else:
            alternatives = [rf"{level}\d" for level in levels]
        self.area_pattern = "^(?:" + "|".join(alternatives) + ")"
        self.withheld = 0
        self.rows = 0
        self.unknown: dict[int, set[str]] = {}
        self._combos: dict[tuple[str, ...], tuple[str, str, int, str, tuple[str, ...]] | None] = {}

    def _combo(self, key: tuple[str, ...]) -> tuple[str, str, int, str, tuple[str, ...]] | None:
        """(period, period type, year, status, measure per topic) of a dimension combination."""
        if key in self._combos:
            return self._combos[key]
        definition = self.definition
        raw_period, raw_category, raw_margin = key
        result: tuple[str, str, int, str, tuple[str, ...]] | None = None
        period = _period_or_none(raw_period.strip())
        category = raw_category.strip()
        margin_code = raw_margin.strip()
        if (
            period is not None
            and period.type in definition.period_types
            and (self.wanted is None or period.code in self.wanted)
        ):
            result = self._measures(period, category, margin_code)
        self._combos[key] = result
        return result

    def _measures(
        self, period: Period, category: str, margin_code: str
    ) -> tuple[str, str, int, str, tuple[str, ...]] | None:
        definition = self.definition
        codes: dict[str, str] = {}
        if definition.category_dimension:
            allowed = definition.code_list(period.year)
            if (allowed is None and definition.code_lists) or (
                allowed is not None and category not in allowed.codes
            ):
                self.unknown.setdefault(period.year, set()).add(category)
                return None
            codes[definition.category_dimension] = category
        margin = ""
        if definition.margin_dimension:
            if margin_code not in definition.margins:
                return None
            codes[definition.margin_dimension] = margin_code
            margin = definition.margins[margin_code]
        status = "voorlopig" if period.code in self.provisional else "definitief"
        names = tuple(spec.measure.format(margin=margin, **codes) for spec, _ in self.pairs)
        return period.code, period.type.value, period.year, status, names

    @property
    def fields(self) -> pa.StructType:
        """The row keys a page is read for (``ODataClient.page_tables``): dimensions as text,
        topics as numbers."""
        definition = self.definition
        dims = (
            definition.region_dimension,
            definition.period_dimension,
            definition.category_dimension,
            definition.margin_dimension,
        )
        columns = [pa.field(dim, pa.string()) for dim in dims if dim]
        columns += [pa.field(prop.key, pa.float64()) for _, prop in self.pairs]
        return pa.struct(columns)

    def parse(self, rows: Sequence[Mapping[str, Any]] | pa.Table) -> pa.Table:
        """One page (rows, or a table of ``fields`` from ``ODataClient.page_tables``) →
        observations in ``PAGE_SCHEMA`` (possibly empty)."""
        definition = self.definition
        if isinstance(rows, pa.Table):
            table: pa.Table | None = rows
            count = rows.num_rows
        else:
            table, count = None, len(rows)
        if not count:
            return PAGE_SCHEMA.empty_table()

        def text_column(name: str) -> pa.Array:
            if table is None:
                return pa.array([row.get(name) for row in rows], pa.string())
            if name not in table.column_names:
                return pa.nulls(count, pa.string())
            return table.column(name).combine_chunks().cast(pa.string())

        def number_column(name: str) -> pa.Array:
            if table is None:
                return _float_column([row.get(name) for row in rows])
            if name not in table.column_names:
                return pa.nulls(count, pa.float64())
            column = table.column(name).combine_chunks()
            if (
                pa.types.is_floating(column.type)
                or pa.types.is_integer(column.type)
                or column.null_count == count
            ):
                return column.cast(pa.float64())
            return _float_column(column.to_pylist())

        areas = pc.utf8_trim_whitespace(text_column(definition.region_dimension))
        keep = pc.fill_null(pc.match_substring_regex(areas, self.area_pattern), False)
        encoded = []
        for dim, constant in (
            (definition.period_dimension, definition.fixed_period),
            (definition.category_dimension, ""),
            (definition.margin_dimension, ""),
        ):
            if dim:
                column = text_column(dim).fill_null("")
                encoded.append(column.dictionary_encode())
            else:
                encoded.append(
                    pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(count, dtype=np.int32)), pa.array([constant or ""])
                    )
                )
        sizes = [len(e.dictionary) for e in encoded]
        combined = np.zeros(count, dtype=np.int64)
        for e, size in zip(encoded, sizes, strict=True):
            combined = combined * size + e.indices.to_numpy(zero_copy_only=False)
        unique, inverse = np.unique(combined, return_inverse=True)
        dictionaries = [e.dictionary.to_pylist() for e in encoded]
        infos = []
        for value in unique.tolist():
            parts = []
            for size in reversed(sizes):
                value, index = divmod(value, size)
                parts.append(index)
            p, c, m = reversed(parts)
            infos.append(self._combo((dictionaries[0][p], dictionaries[1][c], dictionaries[2][m])))
        valid = np.array([info is not None for info in infos], dtype=bool)
        mask = np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool) & valid[inverse]
        if not mask.any():
            return PAGE_SCHEMA.empty_table()
        selected = pa.array(mask)
        indices = pa.array(inverse.astype(np.int32)).filter(selected)
        filled = [info or ("", "", 0, "", ("",) * len(self.pairs)) for info in infos]
        area_column = areas.filter(selected).dictionary_encode()
        period = pa.DictionaryArray.from_arrays(indices, pa.array([i[0] for i in filled]))
        period_type = pa.DictionaryArray.from_arrays(indices, pa.array([i[1] for i in filled]))
        year = pa.array(np.array([i[2] for i in filled], dtype=np.int32)).take(indices)
        status = pa.DictionaryArray.from_arrays(indices, pa.array([i[3] for i in filled]))
        pieces = []
        for number, (spec, prop) in enumerate(self.pairs):
            values = number_column(prop.key).filter(selected)
            self.withheld += values.null_count
            measure = pa.DictionaryArray.from_arrays(indices, pa.array([i[4][number] for i in filled]))
            unit = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(len(indices), dtype=np.int32)), pa.array([spec.unit])
            )
            pieces.append(
                pa.Table.from_arrays(
                    [measure, area_column, period, period_type, year, values, unit, status],
                    schema=PAGE_SCHEMA,
                )
            )
        result = pa.concat_tables(pieces)
        self.rows += result.num_rows
        return result


def _float_column(raw: list[Any]) -> pa.Array:
    """JSON numbers as float64 (fast path); untyped text cells through ``_value``."""
    try:
        return pa.array(raw, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([_value(v) for v in raw], pa.float64())
