# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad update``: bring every CBS / Politie table the programme needs up to date.

Three steps, in this order:

1. **Probe** every host once with a short connect timeout (``ODataClient.probe``): without
   network the update stops within seconds, before anything is opened (``NoNetwork``).
2. **Plan**: the measures of the programme's indicators are matched against the measure
   templates of the table definitions (``data/sources/cbs/*.yaml``); each needed table's
   metadata (``DataProperties``, the period and category lists) is read and checked, and
   the periods to fetch are chosen: with ``since`` every period from that year, otherwise
   only periods newer than the newest the warehouse holds for the source, plus held
   periods that are still ``voorlopig``. A table whose metadata changed (a topic missing,
   another unit, new category codes) is skipped here, before any data is read.
3. **Load**, one table at a time: pages are streamed (``odata.nextLink``) and parsed into
   compact Arrow tables (``PageParser``), merged with the periods the source keeps, and
   stored with one atomic ``replace_source``. A table is either loaded completely or not
   at all; a rerun after a failure skips the tables that were loaded (nothing new for
   them) and fetches the rest.

Sources are those of ``veiligstad import cbs`` (``cbs-<table>-<gemeente>``); the whole
country (``municipality=None``) is ``cbs-<table>-nl``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass, field
from queue import Full, Queue
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from veiligstad.definitions.validation import Definitions
from veiligstad.domain.periods import Period, PeriodType, parse_period
from veiligstad.errors import DataError, VeiligstadError
from veiligstad.progress import Progress, no_progress
from veiligstad.services.cbs_import import check_municipality, table_batch
from veiligstad.services.freshness import period_end
from veiligstad.sources.cbs_odata import (
    PAGE_SCHEMA,
    ODataClient,
    PageParser,
    SourceUnavailable,
    TableDefinition,
    TableMetadata,
    check_metadata,
    known_tables,
    load_definition,
    period_requests,
    provisional_keys,
)
from veiligstad.storage.warehouse import Batch, Warehouse

NATIONAL = "NL"
#: No open boundary endpoint is defined in the project (no recorded PDOK/CBS answer to build
#: and test one against): update names the boundary import instead of fetching geometry.
BOUNDARIES_STEP = (
    "Gebiedsgrenzen per jaar haalt update niet op (er is geen open grenzenbron ingesteld): "
    "laad de CBS wijk- en buurtkaart met veiligstad import boundaries BESTAND --year JAAR "
    "(zie docs/how-to/update-the-data.md)."
)

T = TypeVar("T")
ClientFor = Callable[[TableDefinition], ODataClient]
HeldFor = Callable[[str], dict[str, str]]
ProgressFor = Callable[[str], contextlib.AbstractContextManager[Progress]]


class NoNetwork(VeiligstadError):
    """No open-data host could be reached: nothing was read or written."""

    exit_code = 1


class UpdateInterrupted(VeiligstadError):
    """The connection failed during loading; the tables loaded so far are kept."""

    exit_code = 1


# --------------------------------------------------------------------------- what is needed


@dataclass(frozen=True)
class Need:
    """A table definition and the programme measures and indicators it serves."""

    definition: TableDefinition
    measures: tuple[str, ...]
    indicators: tuple[str, ...]


def _template(measure: str) -> re.Pattern[str]:
    """``misdrijven:{SoortMisdrijf}`` → a pattern; ``{margin}`` may be empty."""
    parts = re.split(r"(\{[^}]+\})", measure)
    regex = []
    for part in parts:
        if part == "{margin}":
            regex.append(r"(?::[a-z]+)?")
        elif part.startswith("{"):
            regex.append(r"[^:]+")
        else:
            regex.append(re.escape(part))
    return re.compile("^" + "".join(regex) + "$")


def needed_tables(
    definitions: Definitions, tables: Iterable[str] | None = None
) -> tuple[list[Need], dict[str, list[str]]]:
    """The tables the programme's indicators read, and measures no table definition delivers.

    A measure matches a table when it fits one of the table's measure templates
    (``misdrijven:1.1.1`` fits ``misdrijven:{SoortMisdrijf}``); a measure can need several
    tables (yearly and monthly police figures; one KWB table per year).
    """
    wanted: dict[str, list[str]] = {}
    for item in definitions.programme.indicators:
        indicator = definitions.indicator(item.id)
        if indicator is None:
            continue
        for measure in indicator.all_measures:
            wanted.setdefault(measure, []).append(indicator.id)
    only = {t.strip().upper() for t in tables} if tables else None
    needs = []
    matched: set[str] = set()
    for table_id in known_tables():
        if only is not None and table_id not in only:
            continue
        definition = load_definition(table_id)
        patterns = [_template(spec.measure) for spec in definition.measures]
        measures = sorted(m for m in wanted if any(p.match(m) for p in patterns))
        if not measures and only is None:
            continue
        matched.update(measures)
        users = sorted({i for m in measures for i in wanted[m]})
        needs.append(Need(definition, tuple(measures), tuple(users)))
    if only is not None:
        unknown = only - {n.definition.table_id for n in needs}
        if unknown:
            load_definition(sorted(unknown)[0])  # raises the Dutch "niet bekend" error
    missing = {m: users for m, users in wanted.items() if m not in matched} if only is None else {}
    return needs, dict(sorted(missing.items()))


# --------------------------------------------------------------------------- the plan


@dataclass
class TablePlan:
    """What the update does with one table."""

    table_id: str
    title: str
    host: str
    source_id: str
    action: str  # laden | bijwerken | actueel | overslaan
    reason: str = ""
    measures: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    periods: list[str] = field(default_factory=list)  # period keys to fetch (2023JJ00)
    held: list[str] = field(default_factory=list)  # period codes the source holds now
    requests: int = 0
    definition: TableDefinition | None = None
    metadata: TableMetadata | None = None

    @property
    def fetches(self) -> bool:
        return self.action in ("laden", "bijwerken")

    @property
    def period_codes(self) -> list[str]:
        """The fetched periods as warehouse codes (2023, 2025-11)."""
        assert self.definition is not None
        if self.definition.period_dimension is None:
            return [str(self.definition.fixed_period)]
        return [_parse(key).code for key in self.periods]


@dataclass
class Plan:
    """The update plan for one gemeente or the whole country."""

    scope: str  # GM0935 or NL
    since: int | None
    tables: list[TablePlan]
    missing: dict[str, list[str]]
    next_steps: list[str]

    @property
    def municipality(self) -> str | None:
        return None if self.scope == NATIONAL else self.scope


def source_id(table_id: str, scope: str) -> str:
    """``cbs-47018ned-gm0935``; the whole country ``cbs-47018ned-nl``."""
    return f"cbs-{table_id}-{scope}".lower()


def _parse(key: str) -> Period:
    return parse_period(key.strip())


def _server_periods(definition: TableDefinition, metadata: TableMetadata) -> list[tuple[str, Period]]:
    found = []
    for code in metadata.periods:
        try:
            period = _parse(code.key)
        except DataError:
            continue
        if period.type in definition.period_types:
            found.append((code.key, period))
    return found


def _choose_periods(
    definition: TableDefinition,
    metadata: TableMetadata,
    held: dict[str, str],
    since: int | None,
) -> list[str]:
    """Period keys to fetch: from ``since``, or newer than held (per period type) plus held provisional."""
    periods = _server_periods(definition, metadata)
    if since is not None:
        return [key for key, period in periods if period.year >= since]
    newest: dict[PeriodType, dt.date] = {}
    for code in held:
        try:
            period = _parse(code)
        except DataError:
            continue
        end = period_end(period)
        if period.type not in newest or end > newest[period.type]:
            newest[period.type] = end
    chosen = []
    for key, period in periods:
        provisional = held.get(period.code) == "voorlopig"
        newer = period.type not in newest or period_end(period) > newest[period.type]
        if newer or provisional:
            chosen.append(key)
    return chosen


def _check_codes(definition: TableDefinition, metadata: TableMetadata, keys: list[str]) -> None:
    """New or renamed category codes in the server's dimension list stop the table here."""
    if not definition.category_dimension or not definition.code_lists or not metadata.categories:
        return
    listed = {code.key for code in metadata.categories}
    years = sorted({_parse(key).year for key in keys}) if definition.period_dimension else []
    if definition.fixed_period:
        years = [_parse(definition.fixed_period).year]
    for year in years:
        allowed = definition.code_list(year)
        extra = sorted(listed - set(allowed.codes)) if allowed else sorted(listed)
        if extra:
            raise DataError(
                f"Tabel {definition.table_id} kent codes die niet in de codelijst voor {year} staan: "
                f"{', '.join(extra[:10])}{' …' if len(extra) > 10 else ''}.",
                hint=f"Voeg ze toe aan code_lists in data/sources/cbs/{definition.table_id}.yaml.",
            )


def probe(clients: Iterable[ODataClient]) -> None:
    """One short request per host; NoNetwork (exit code 1) when any cannot be reached."""
    for client in clients:
        try:
            client.probe()
        except SourceUnavailable as exc:
            raise NoNetwork(exc.message, hint=exc.hint) from exc


def make_plan(
    definitions: Definitions,
    client_for: ClientFor,
    held_for: HeldFor,
    municipality: str | None,
    since: int | None = None,
    tables: Iterable[str] | None = None,
    progress: Progress = no_progress,
) -> Plan:
    """Probe, read and check every needed table's metadata, and choose the periods to fetch.

    Reads no data and writes nothing. ``municipality=None`` plans the whole country.
    """
    scope = check_municipality(municipality) if municipality else NATIONAL
    needs, missing = needed_tables(definitions, tables)
    clients: dict[int, ODataClient] = {}
    for need in needs:
        client = client_for(need.definition)
        clients.setdefault(id(client), client)
    probe(clients.values())
    planned = []
    for index, need in enumerate(needs):
        definition = need.definition
        progress(f"metadata {definition.table_id}", index, len(needs))
        plan = TablePlan(
            table_id=definition.table_id,
            title=definition.title,
            host=definition.host,
            source_id=source_id(definition.table_id, scope),
            action="overslaan",
            measures=need.measures,
            indicators=need.indicators,
            definition=definition,
        )
        planned.append(plan)
        if definition.fixed_period and since is not None and _parse(definition.fixed_period).year < since:
            plan.reason = f"ouder dan --since {since}"
            continue
        try:
            metadata = client_for(definition).metadata(definition)
            check_metadata(definition, metadata)
        except SourceUnavailable as exc:
            raise NoNetwork(exc.message, hint=exc.hint) from exc
        except DataError as exc:
            plan.reason = _reason(exc)
            continue
        plan.metadata = metadata
        plan.title = metadata.title or definition.title
        held = held_for(plan.source_id)
        plan.held = sorted(held)
        if definition.period_dimension is None:
            fixed = _parse(str(definition.fixed_period)).code
            fetch = since is not None or fixed not in held or held[fixed] == "voorlopig"
            keys = [str(definition.fixed_period)] if fetch else []
        else:
            keys = _choose_periods(definition, metadata, held, since)
        try:
            _check_codes(definition, metadata, keys)
        except DataError as exc:
            plan.reason = _reason(exc)
            continue
        if not keys:
            plan.action = "actueel"
            plan.reason = "geen nieuwe perioden" if held else "de tabel heeft geen perioden"
            continue
        plan.periods = keys
        plan.requests = len(period_requests(definition, metadata, plan_scope(scope), keys))
        plan.action = "bijwerken" if held else "laden"
    progress("metadata", len(needs), len(needs))
    steps = [BOUNDARIES_STEP]
    if missing:
        steps.append(
            "Geen tabeldefinitie voor: "
            + ", ".join(sorted(missing))
            + " (eigen bestand laden: veiligstad import file; zie docs/how-to/update-the-data.md)."
        )
    return Plan(scope=scope, since=since, tables=planned, missing=missing, next_steps=steps)


def _reason(exc: DataError) -> str:
    return " ".join(part for part in ("metadata gewijzigd:", exc.message, exc.hint) if part)


def plan_scope(scope: str) -> str | None:
    return None if scope == NATIONAL else scope


def held_periods(warehouse: Warehouse, source: str) -> dict[str, str]:
    """Period code → status of the observations a source holds now (``voorlopig`` wins)."""
    obs = warehouse.observations()
    rows = (
        obs.filter(obs.source_id == source)
        .group_by("period")
        .aggregate(provisional=(obs.status == "voorlopig").any())
        .to_pyarrow()
        .to_pylist()
    )
    return {str(r["period"]): "voorlopig" if r["provisional"] else "definitief" for r in rows}


# --------------------------------------------------------------------------- loading


@dataclass
class TableOutcome:
    """What happened to one table."""

    table_id: str
    source_id: str
    outcome: str  # geladen | ongewijzigd | actueel | overgeslagen | afgebroken | niet uitgevoerd
    message: str = ""
    rows_fetched: int = 0
    rows_total: int = 0
    periods: list[str] = field(default_factory=list)
    provisional: list[str] = field(default_factory=list)
    withheld: int = 0
    pages: int = 0
    seconds: float = 0.0
    batch_id: str = ""


@dataclass
class UpdateReport:
    """The result of an update."""

    scope: str
    tables: list[TableOutcome]
    next_steps: list[str]
    interrupted: bool = False

    @property
    def rows_fetched(self) -> int:
        return sum(t.rows_fetched for t in self.tables)


def _no_bar(table_id: str) -> contextlib.AbstractContextManager[Progress]:
    del table_id
    return contextlib.nullcontext(no_progress)


def run_update(
    plan: Plan,
    warehouse: Warehouse,
    client_for: ClientFor,
    loaded_by: str = "",
    progress_for: ProgressFor = _no_bar,
) -> UpdateReport:
    """Load the planned tables one by one; each is stored completely or not at all.

    A table with bad data (unknown codes, duplicate figures) is skipped and reported; a
    connection failure stops the update (the tables loaded so far stay; a rerun continues).
    """
    warehouse.ensure_schema()
    report = UpdateReport(scope=plan.scope, tables=[], next_steps=list(plan.next_steps))
    for table in plan.tables:
        if report.interrupted and table.fetches:
            report.tables.append(TableOutcome(table.table_id, table.source_id, "niet uitgevoerd"))
            continue
        if not table.fetches:
            status = "actueel" if table.action == "actueel" else "overgeslagen"
            report.tables.append(TableOutcome(table.table_id, table.source_id, status, table.reason))
            continue
        started = time.perf_counter()
        try:
            with progress_for(table.table_id) as progress:
                outcome = load_table(
                    table, plan, warehouse, client_for(_definition(table)), loaded_by, progress
                )
        except SourceUnavailable as exc:
            report.interrupted = True
            outcome = TableOutcome(table.table_id, table.source_id, "afgebroken", exc.message)
        except DataError as exc:
            outcome = TableOutcome(table.table_id, table.source_id, "overgeslagen", exc.message)
        outcome.seconds = time.perf_counter() - started
        report.tables.append(outcome)
    return report


def _definition(table: TablePlan) -> TableDefinition:
    assert table.definition is not None
    return table.definition


def fetch_pages(
    table: TablePlan, municipality: str | None, client: ODataClient, progress: Progress = no_progress
) -> tuple[list[pa.Table], int, int]:
    """Stream every page of the planned periods into Arrow; the raw pages are not kept.

    Each request asks for its own periods and only rows of those periods are kept, so
    figures of different requests cannot overlap; within a request every figure must be
    unique (a paging error would repeat rows). Returns the pieces, the withheld cells and
    the pages read.
    """
    definition = _definition(table)
    metadata = table.metadata
    assert metadata is not None
    provisional = provisional_keys(definition, metadata)
    requests = period_requests(definition, metadata, municipality, table.periods)
    parsers = [
        PageParser(
            definition,
            metadata,
            municipality,
            wanted=_request_periods(table, params),
            provisional=provisional,
        )
        for _, params in requests
    ]

    def every_page() -> Iterator[tuple[int, pa.Table | list[dict[str, Any]]]]:
        for index, (url, params) in enumerate(requests):
            for page in client.page_tables(url, params, parsers[index].fields):
                yield index, page

    pieces: list[pa.Table] = []
    mine: list[pa.Table] = []  # the current request's
    pages = rows = withheld = 0
    unknown: dict[int, set[str]] = {}
    current = 0

    def finish(index: int) -> None:
        """The request's pages are all read: its figures must be unique."""
        nonlocal rows, withheld
        parser = parsers[index]
        if mine:
            pieces.append(check_unique(mine, table.table_id))
            mine.clear()
        rows += parser.rows
        withheld += parser.withheld
        for year, codes in parser.unknown.items():
            unknown.setdefault(year, set()).update(codes)

    progress(f"{table.table_id}: deel 1/{len(requests)}", 0, len(requests))
    with contextlib.closing(prefetched(every_page())) as stream:
        for index, page in stream:
            while current < index:
                finish(current)
                current += 1
            parser = parsers[index]
            pages += 1
            piece = parser.parse(page)
            if piece.num_rows:
                mine.append(piece)
            progress(
                f"{table.table_id}: deel {index + 1}/{len(requests)}, pagina {pages}, "
                f"{rows + parser.rows:,} cijfers".replace(",", "."),
                index,
                len(requests),
            )
    while current < len(parsers):
        finish(current)
        current += 1
    progress(table.table_id, len(requests), len(requests))
    if unknown:
        listing = "; ".join(f"{year}: {', '.join(sorted(codes))}" for year, codes in sorted(unknown.items()))
        raise DataError(
            f"Tabel {table.table_id} levert codes die niet in de codelijst staan ({listing}). "
            "Deze tabel is niet gewijzigd.",
            hint=f"Voeg de codes toe aan code_lists in data/sources/cbs/{table.table_id}.yaml.",
        )
    return pieces, withheld, pages


#: Pages read ahead of the parser (each ~1 MB of JSON as columns; bounded memory).
PAGES_AHEAD = 2


def prefetched(items: Iterator[T], ahead: int = PAGES_AHEAD) -> Generator[T, None, None]:
    """``items`` produced by a thread, up to ``ahead`` in advance: the next page is fetched
    (the server's time, the network, the JSON reader, which releases the GIL) while the
    current one is parsed. An exception of the producer is raised here, at its place in the
    order; closing the generator stops the producer at its next item."""
    queue: Queue[tuple[str, Any]] = Queue(maxsize=ahead)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if not _offer(queue, ("item", item), stop):
                    return
        except BaseException as exc:  # handed to the consumer
            _offer(queue, ("error", exc), stop)
            return
        _offer(queue, ("done", None), stop)

    worker = threading.Thread(target=produce, name="veiligstad-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        worker.join()


def _offer(queue: Queue[tuple[str, Any]], entry: tuple[str, Any], stop: threading.Event) -> bool:
    """Put ``entry`` once there is room; ``False`` when the consumer has stopped meanwhile."""
    while not stop.is_set():
        try:
            queue.put(entry, timeout=0.1)
            return True
        except Full:
            continue
    return False


def _request_periods(table: TablePlan, params: dict[str, str]) -> set[str]:
    """The period codes one request asks for (all planned periods for a fixed-period table)."""
    definition = _definition(table)
    if definition.period_dimension is None:
        return set(table.period_codes)
    asked = re.findall(r"eq '([^']+)'", params.get("$filter", ""))
    return {_parse(key).code for key in asked if key in table.periods}


def load_table(
    table: TablePlan,
    plan: Plan,
    warehouse: Warehouse,
    client: ODataClient,
    loaded_by: str = "",
    progress: Progress = no_progress,
) -> TableOutcome:
    """Fetch, check and store one planned table (one atomic ``replace_source``)."""
    definition = _definition(table)
    retrieved_at = dt.datetime.now(dt.UTC)
    pieces, withheld, pages = fetch_pages(table, plan.municipality, client, progress)
    fetched = pa.concat_tables(pieces) if pieces else PAGE_SCHEMA.empty_table()
    del pieces
    if fetched.num_rows == 0:
        raise DataError(
            f"Tabel {table.table_id} heeft geen cijfers voor {plan.scope} in de gevraagde perioden. "
            "Deze tabel is niet gewijzigd.",
            hint="Controleer de gemeentecode en --since.",
        )
    codes = table.period_codes
    kept = kept_rows(warehouse, table.source_id, codes) if table.held else PAGE_SCHEMA.empty_table()
    combined = pa.concat_tables([kept, fetched]) if kept.num_rows else fetched
    digest = content_digest(combined)
    periods = sorted(distinct(fetched.column("period")))
    assert table.metadata is not None
    provisional = sorted(set(periods) & provisional_keys(definition, table.metadata))
    outcome = TableOutcome(
        table_id=table.table_id,
        source_id=table.source_id,
        outcome="ongewijzigd",
        rows_fetched=fetched.num_rows,
        rows_total=combined.num_rows,
        periods=periods,
        provisional=provisional,
        withheld=withheld,
        pages=pages,
        batch_id=f"{table.source_id}@{digest[:12]}",
    )
    if warehouse.has_batch(table.source_id, digest):
        outcome.message = "deze cijfers stonden al in het warehouse"
        return outcome
    notes = ["Heel Nederland" if plan.municipality is None else f"Gemeente {plan.scope}"]
    shown = ", ".join(periods[:3]) + (" …" if len(periods) > 3 else "")
    notes.append(f"bijgewerkt met veiligstad update: {shown}")
    if table.metadata.modified:
        notes.append(f"tabel gewijzigd {table.metadata.modified}")
    if table.metadata.explanatory_text:
        notes.append(table.metadata.explanatory_text)
    if provisional:
        notes.append(f"voorlopig: {', '.join(provisional)}")
    if definition.notes:
        notes.append(definition.notes.strip())
    batch = table_batch(
        definition,
        batch_id=outcome.batch_id,
        source_id=table.source_id,
        title=table.title,
        file_hash=digest,
        notes=". ".join(notes),
        rows=combined.num_rows,
        retrieved_at=retrieved_at,
        loaded_by=loaded_by,
    )
    progress(f"{table.table_id}: opslaan ({combined.num_rows:,} cijfers)".replace(",", "."), 1, 1)
    warehouse.replace_source(batch, with_provenance(combined, batch))
    outcome.outcome = "geladen"
    return outcome


def check_unique(pieces: list[pa.Table], table_id: str) -> pa.Table:
    """One figure per measure, area and period (a paging error would repeat rows).

    Returns the pieces as one table whose chunks share one dictionary per column: every page
    has its own dictionary of area codes (nearly one entry per row on a national page), so
    the request's rows keep 4 bytes of area code each instead of ~18.
    """
    names = ["measure", "area_code", "period"]
    table = pa.concat_tables(pieces).unify_dictionaries()
    keys = table.select(names)
    combined = np.zeros(keys.num_rows, dtype=np.int64)
    for name in names:
        column = keys.column(name)
        size = max(len(column.chunk(0).dictionary), 1) if column.num_chunks else 1
        indices = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in column.chunks])
        combined = combined * size + indices
    combined.sort()
    repeated = np.flatnonzero(combined[1:] == combined[:-1])
    if repeated.size:
        raise DataError(
            f"Tabel {table_id}: dubbele cijfers: {repeated.size} combinaties van maat, gebied en "
            "periode komen vaker voor. Deze tabel is niet gewijzigd.",
            hint="De server leverde rijen dubbel (paginering); probeer het later opnieuw.",
        )
    return table


def kept_rows(warehouse: Warehouse, source: str, refetched: list[str]) -> pa.Table:
    """The source's current rows outside the refetched periods, compact (dictionary-encoded)."""
    obs = warehouse.observations()
    query = obs.filter((obs.source_id == source) & ~obs.period.isin(refetched)).select(*PAGE_SCHEMA.names)
    pieces = [_compact(batch) for batch in query.to_pyarrow_batches(chunk_size=500_000)]
    return pa.concat_tables(pieces) if pieces else PAGE_SCHEMA.empty_table()


def _compact(batch: pa.RecordBatch) -> pa.Table:
    columns = []
    for name in PAGE_SCHEMA.names:
        column = batch.column(name)
        if pa.types.is_dictionary(PAGE_SCHEMA.field(name).type):
            column = pc.dictionary_encode(column)
        columns.append(column.cast(PAGE_SCHEMA.field(name).type))
    return pa.Table.from_arrays(columns, schema=PAGE_SCHEMA)


def with_provenance(table: pa.Table, batch: Batch) -> pa.Table:
    """Add the constant ``source_id`` and ``batch_id`` columns (one dictionary entry each)."""
    zeros = pa.array(np.zeros(table.num_rows, dtype=np.int8))
    for name, value in (("source_id", batch.source_id), ("batch_id", batch.batch_id)):
        table = table.append_column(name, pa.DictionaryArray.from_arrays(zeros, pa.array([value])))
    return table


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _text_hashes(values: list[str | None], known: dict[str | None, int]) -> np.ndarray:
    """64-bit hashes of a dictionary's entries; ``known`` keeps them across chunks (every page
    has its own dictionary, mostly of the same area codes)."""
    for v in values:
        if v not in known:
            known[v] = int.from_bytes(hashlib.blake2b((v or "").encode(), digest_size=8).digest(), "little")
    return np.array([known[v] for v in values], dtype=np.uint64)


def content_digest(table: pa.Table) -> str:
    """SHA-256 over an order-independent fingerprint of the observations.

    Each row hashes to 64 bits (its measure, area, period, status, unit and value); the
    rows' hashes are summed modulo 2^64, so the same figures give the same digest in any
    order, whether just fetched or partly read back from the warehouse.
    """
    total = 0
    known: dict[str | None, int] = {}
    with np.errstate(over="ignore"):
        for batch in table.to_batches(max_chunksize=1_000_000):
            row = np.zeros(batch.num_rows, dtype=np.uint64)
            for name in ("measure", "area_code", "period", "status", "unit"):
                column = batch.column(name)
                if not pa.types.is_dictionary(column.type):
                    column = pc.dictionary_encode(column)
                hashes = _text_hashes(column.dictionary.to_pylist(), known)
                row = (row ^ hashes[column.indices.to_numpy(zero_copy_only=False)]) * _MIX
            values = batch.column("value")
            bits = values.fill_null(np.nan).to_numpy(zero_copy_only=False).astype(np.float64).view(np.uint64)
            bits = np.where(values.is_null().to_numpy(zero_copy_only=False), np.uint64(1), bits)
            row = (row ^ bits) * _MIX
            row ^= row >> np.uint64(31)
            total = (total + int(row.sum(dtype=np.uint64))) % 2**64
    return hashlib.sha256(f"{total}:{table.num_rows}".encode()).hexdigest()


def distinct(column: pa.ChunkedArray) -> set[str]:
    """The values a dictionary-encoded column uses (unused dictionary entries left out)."""
    found: set[str] = set()
    for chunk in column.chunks:
        used = np.unique(chunk.indices.to_numpy(zero_copy_only=False))
        found.update(str(v) for v in chunk.dictionary.take(pa.array(used)).to_pylist())
    return found
