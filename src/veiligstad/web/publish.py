# SPDX-License-Identifier: EUPL-1.2
"""The public site as static files (``veiligstad publish --output DIR``).

Every public page is rendered by the app itself, in-process, as an anonymous visitor would
get it (the same disclosure control, no account), in Dutch and in English; the crawl starts
at ``/programma`` and the public API and follows every link. The app is called as an ASGI
application (``Renderer``: no HTTP, no test client); the figures are computed once and stored
(``services.snapshot_store``), and with ``workers`` > 1 that many processes read them once and
render URLs side by side while this process takes their answers in the order of the queue.
Links are rewritten to relative file paths, so the folder works from any web server or a file
share, without Python:

- a page ``/x/y`` becomes ``x/y/index.html``, its English version ``en/x/y/index.html``;
- a query becomes folders: ``/kaart?indicator=a`` → ``kaart/indicator-a/index.html``;
- a table download ``?download=t&format=csv`` becomes the file the server would name, in the
  page's folder (``indicatoren/x/veiligstad-indicator-x-trend.csv``); another download whose
  path has no extension, in the folder of its query (``/invulsjabloon?formaat=xlsx&indicator=x``
  → ``invulsjabloon/formaat-xlsx/indicator-x/<the server's file name>.xlsx``);
- the API's JSON ``/api/v1/x`` becomes ``api/v1/x.json`` (links inside point to the files);
- static assets, the Atom feed and the reports (PDF and web page) keep their names; an English
  report goes under ``en/`` like the English pages (``en/rapporten/publieksversie.pdf``).

A form that asks the server (``method="get"``) cannot work without one: each of its choice
lists becomes a row of links, one per option (the other choices at their default), and each
of those pages is published. A choice list of more than ``MAX_OPTIONS`` options (the look-up
of every Dutch municipality) and free input (a date) are left out. Reports are published for
the newest year; the area profile for the stadsdelen and wijken.

Publishing is incremental: a file is written only when its bytes changed, and files of an
earlier publish that are no longer part of the site are removed (only those: the list is
kept in ``.veiligstad-site.json``). The figures' date on the pages is the date the data was
last loaded, so a publish without a data change writes nothing.

The list also holds the site's key (``site_key``: the warehouse state, with the day, the
definitions, the code, the settings, the base URL) and a hash of every file. A publish whose
key is that of the folder's last publish and whose files are all still as written renders
nothing: the site would come out the same, byte for byte. ``rerender`` renders every URL
anyway (and still writes only what differs).
"""

from __future__ import annotations

import asyncio
import collections
import datetime as dt
import errno
import functools
import hashlib
import html
import io
import json
import multiprocessing
import os
import queue
import re
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field, replace
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit
from xml.sax.saxutils import escape

from veiligstad import __version__
from veiligstad.errors import VeiligstadError
from veiligstad.files import write_atomically
from veiligstad.progress import Progress, no_progress
from veiligstad.services import bootstrap, monitor, warehouses
from veiligstad.services.answers import code_stamp
from veiligstad.services.snapshot import Snapshot, SnapshotCache
from veiligstad.services.snapshot_store import SnapshotStore, definitions_hash
from veiligstad.services.warehouses import Warehouse
from veiligstad.settings import Settings, default_data_dir
from veiligstad.web import auth, i18n
from veiligstad.web.api import areas as api_areas
from veiligstad.web.app import create_app

if TYPE_CHECKING:
    from starlette.types import ASGIApp

#: Where the crawl starts: the pages, the API's lists and the feed.
START = (
    "/programma",
    "/api/v1/programmas",
    "/api/v1/themas",
    "/api/v1/indicatoren",
    "/api/v1/gebieden",
    "/api/v1/bronnen",
    "/api/v1/signalen",
    "/api/v1/openapi.json",
    "/signalen.atom",
    "/static/favicon.svg",
    "/rapporten/publieksversie.pdf",
    "/rapporten/publieksversie.html",
)
#: The fill-in templates (a download by its own path).
TEMPLATES = "/invulsjabloon"
#: Reports: one copy per language (``en/rapporten/…``), unlike the other files with an extension.
REPORTS = "/rapporten/"
#: Never published: the internal pages and the log-in.
PRIVATE = re.compile(r"^/(intern(/|$)|inloggen|uitloggen)")
#: A choice list with more options than this is left out of the static site.
MAX_OPTIONS = 40
#: URLs sent to a rendering process before its first answer comes back.
AHEAD = 8
#: How long a rendering process waits for another that holds the DuckDB file (seconds).
WORKER_WAIT_SECONDS = 600.0
#: Settings that cannot change a published byte and must not enter a hash that is published
#: (the list sits in the site's folder): the session secret, the database URL (its password;
#: the data are in the key through the warehouse state).
SETTINGS_NOT_IN_KEY = {"secret_key", "database_url"}
#: The list of files of the last publish, so that only those are ever removed.
MANIFEST = ".veiligstad-site.json"
#: The host the in-process requests name; absolute links to it are links into the site.
HOST_NAME = "testserver"
HOST = f"http://{HOST_NAME}"
#: Link attributes in HTML (values are root-relative paths).
ATTRIBUTE = re.compile(r'(\s(?:href|src|action|formaction)=")(/[^"/][^"]*|/)(")')
ANCHOR = re.compile(r'<a\b[^>]*\shref="(/[^"]*)"[^>]*>(.*?)</a>', re.DOTALL)
GET_FORM = re.compile(r'<form\b[^>]*\smethod="get"[^>]*>.*?</form>', re.DOTALL | re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@dataclass
class Summary:
    """What a publish did."""

    output: Path
    written: int = 0
    unchanged: int = 0
    removed: int = 0
    files: int = 0
    bytes: int = 0
    pages: int = 0
    seconds: float = 0.0
    not_published: list[str] = field(default_factory=list)
    slowest: list[tuple[float, str]] = field(default_factory=list)  # seconds, URL
    sources: dict[str, tuple[str, str]] = field(default_factory=dict)  # file → language, URL
    stages: dict[str, float] = field(default_factory=dict)  # seconds per stage
    reused: bool = False  # the folder already held this site (same key, files intact)
    urls: int = 0  # URLs crawled (pages, downloads, files, redirects)
    workers: int = 1  # processes that rendered them


@dataclass
class Resource:
    """One fetched URL: where it goes and what it holds."""

    lang: str
    url: str
    path: str
    body: bytes
    kind: str  # "page", "json", "feed" or "file"


class PinnedCache(SnapshotCache):
    """The warehouse's snapshot, computed once, dated by the newest data load instead of the
    moment it was computed: two publishes of the same data give the same bytes."""

    _pinned: Snapshot | None = None
    #: The date to give the snapshot (a worker gets the one its parent read); ``None``: read it.
    stamp: dt.datetime | None = None

    def get(self, *args: Any, **kwargs: Any) -> Snapshot:
        if self._pinned is None:
            snapshot = super().get(*args, **kwargs)
            stamp = self.stamp
            if stamp is None:
                with Warehouse.open(self.url) as warehouse:
                    loaded = warehouse.batches().loaded_at.max().execute()
                stamp = _utc(loaded) if loaded is not None else snapshot.built_at
            self._pinned = replace(snapshot, built_at=stamp)
        return self._pinned


def _prepare(warehouse: Warehouse) -> None:
    """First use: load the embedded data, as the server does."""
    if warehouse.is_empty():
        bootstrap.initialise(warehouse)


def _utc(value: Any) -> dt.datetime:
    stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
    if not isinstance(stamp, dt.datetime):
        stamp = dt.datetime.fromisoformat(str(stamp))
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


def slug(value: str) -> str:
    """A query value as part of a file name: safe characters kept, others as ``_XX``.

    >>> slug("misdrijven-totaal"), slug("2023"), slug("a b/c")
    ('misdrijven-totaal', '2023', 'a_20b_2Fc')
    """
    return _UNSAFE.sub(lambda m: "".join(f"_{b:02X}" for b in m.group().encode()), value)


def split(url: str) -> tuple[str, list[tuple[str, str]], str | None]:
    """Path, sorted query (without ``lang``) and the language the URL asks for, if any.

    >>> split("/kaart?niveau=wijk&lang=en&indicator=x")
    ('/kaart', [('indicator', 'x'), ('niveau', 'wijk')], 'en')
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    lang = next((v for k, v in pairs if k == "lang" and v in i18n.LANGUAGES), None)
    return parts.path or "/", sorted((k, v) for k, v in pairs if k != "lang"), lang


def canonical(path: str, query: list[tuple[str, str]]) -> str:
    """The URL with its query in one order (the key of a resource)."""
    return path + (f"?{urlencode(query)}" if query else "")


def page_folder(path: str, query: list[tuple[str, str]]) -> str:
    """``/kaart`` + ``indicator=a`` → ``kaart/indicator-a`` (no leading or trailing slash).

    >>> page_folder("/kaart", [("indicator", "a"), ("niveau", "wijk")]), page_folder("/", [])
    ('kaart/indicator-a/niveau-wijk', '')
    """
    segments = [s for s in path.split("/") if s] + [f"{k}-{slug(v)}" for k, v in query]
    return "/".join(slug(s) if s not in (".", "..") else "_" for s in segments)


def file_path(path: str, query: list[tuple[str, str]], suffix: str = "") -> str:
    """A file that keeps its name, the query before the extension:
    ``/rapporten/a.pdf?jaar=2024`` → ``rapporten/a--jaar-2024.pdf``.

    >>> file_path("/api/v1/gebieden", [("pagina", "2")], ".json")
    'api/v1/gebieden--pagina-2.json'
    """
    pure = PurePosixPath(page_folder(path, []) + suffix)
    extra = "".join(f"--{k}-{slug(v)}" for k, v in query)
    return str(pure.with_name(pure.stem + extra + pure.suffix)) if extra else str(pure)


def relative(target: str, source: str) -> str:
    """The link from file ``source`` to file ``target`` (both relative to the site root).

    >>> relative("static/style.css", "en/kaart/index.html")
    '../../static/style.css'
    >>> relative("kaart/index.html", "index.html")
    'kaart/index.html'
    """
    up = len(PurePosixPath(source).parts) - 1
    return "../" * up + target


def _attachment(disposition: str) -> str | None:
    if not disposition:
        return None
    message = Message()
    message["content-disposition"] = disposition
    name = message.get_filename()
    return PurePosixPath(name).name if name else None


class Element:
    """A parsed element of a form (enough of a DOM for ``_rows``)."""

    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None) -> None:
        self.tag = tag
        self.attrs = attrs
        self.parent = parent
        self.children: list[Element | str] = []

    def get(self, name: str, default: str | None = None) -> str | None:
        if name not in self.attrs:
            return default
        return self.attrs[name] or ""

    def has_attr(self, name: str) -> bool:
        return name in self.attrs

    def find_all(self, tag: str) -> list[Element]:
        found = []
        for child in self.children:
            if isinstance(child, Element):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found

    def find(self, tag: str, **attrs: str) -> Element | None:
        return next(
            (e for e in self.find_all(tag) if all(e.attrs.get(k) == v for k, v in attrs.items())), None
        )

    def find_parent(self, tag: str) -> Element | None:
        node = self.parent
        while node is not None and node.tag != tag:
            node = node.parent
        return node

    def words(self) -> str:
        """The element's own text, without that of its children (a label around a select)."""
        return " ".join(c.strip() for c in self.children if isinstance(c, str) and c.strip())

    def text(self) -> str:
        parts = [c.strip() if isinstance(c, str) else c.text() for c in self.children]
        return " ".join(p for p in parts if p)


class _FormParser(HTMLParser):
    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#root", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, dict(attrs), self.current)
        self.current.children.append(element)
        if tag not in self.VOID:
            self.current = element

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse_form(text: str) -> Element | None:
    """The first ``<form>`` in ``text``, parsed.

    >>> years = '<select name="j"><option value="1" selected>1</option></select>'
    >>> form = parse_form(f'<form action="/k"><label>Jaar {years}</label></form>')
    >>> [(s.get("name"), s.find_parent("label").words()) for s in form.find_all("select")]
    [('j', 'Jaar')]
    """
    parser = _FormParser()
    parser.feed(text)
    parser.close()
    return parser.root.find("form")


@dataclass
class Answer:
    """What the app answered to one GET: status, headers (lower-case names) and body."""

    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    """One URL rendered and sorted: a redirect, a missing page or a resource with its links."""

    status: int
    location: str | None = None
    resource: Resource | None = None
    links: list[tuple[str, str, bool]] = field(default_factory=list)  # lang, URL, choice


class Renderer:
    """The app answering GET requests in this process as an anonymous visitor's browser would
    ask them (host, language cookie), without HTTP, a test client or a cookie jar.

    One event loop runs in a thread of its own for the renderer's life, under one root task:
    the app's synchronous parts run in anyio's worker threads, which live as long as the root
    task (one ``run_until_complete`` per request started and stopped a thread per request)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="publish-renderer", daemon=True)
        self._thread.start()
        ready.wait()

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self._stop = asyncio.Event()
        self.loop.call_soon(ready.set)
        self.loop.run_until_complete(self._stop.wait())  # the root task

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self._stop.set)
        self._thread.join()
        self.loop.close()

    def get(self, lang: str, url: str) -> Answer:
        return asyncio.run_coroutine_threadsafe(self._get(lang, url), self.loop).result()

    async def _get(self, lang: str, url: str) -> Answer:
        parts = urlsplit(url)
        headers = [(b"host", HOST_NAME.encode()), (b"accept", b"*/*"), (b"user-agent", b"veiligstad-publish")]
        if lang != i18n.DEFAULT:
            headers.append((b"cookie", f"{auth.LANG_COOKIE}={lang}".encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "path": unquote(parts.path or "/"),
            "raw_path": (parts.path or "/").encode(),
            "root_path": "",
            "scheme": "http",
            "query_string": parts.query.encode(),
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": (HOST_NAME, 80),
            "extensions": {},
            "state": {},
        }
        start: dict[str, Any] = {}
        chunks: list[bytes] = []
        asked = False
        complete = asyncio.Event()

        async def receive() -> dict[str, Any]:
            nonlocal asked
            if not asked:  # the request (no body), then nothing until the answer is complete
                asked = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    complete.set()

        try:
            await self.app(scope, receive, send)
        finally:
            complete.set()
        found = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in start.get("headers", [])}
        return Answer(int(start.get("status", 500)), found, b"".join(chunks))


def sort(lang: str, url: str, answer: Answer) -> Outcome:
    """Where a fetched URL goes in the site (its file and kind) and the links it holds."""
    path, query, _ = split(url)
    if 300 <= answer.status < 400 and "location" in answer.headers:
        return Outcome(answer.status, location=answer.headers["location"])
    if answer.status != 200:
        return Outcome(answer.status)
    media = answer.headers.get("content-type", "").split(";")[0]
    name = _attachment(answer.headers.get("content-disposition", ""))
    download = [(k, v) for k, v in query if k not in ("download", "format")]
    prefix = "" if lang == i18n.DEFAULT else f"{lang}/"
    if name and any(k == "download" for k, _ in query):
        folder = page_folder(path, download)
        target, kind = prefix + (f"{folder}/{name}" if folder else name), "file"
    elif name and not PurePosixPath(path).suffix:  # a download by its own path (a fill-in template)
        target, kind = prefix + f"{page_folder(path, query)}/{name}", "file"
    elif media == "text/html" and not PurePosixPath(path).suffix:
        folder = page_folder(path, query)
        target, kind = prefix + (f"{folder}/index.html" if folder else "index.html"), "page"
    elif media == "application/json" and path.startswith("/api/") and not path.endswith("openapi.json"):
        suffix = "" if path.endswith(".json") else ".json"
        target, kind = file_path(path, query, suffix), "json"
    else:
        kind = "feed" if media == "application/atom+xml" else "file"
        target = file_path(path, query) if _shared(path) else prefix + file_path(path, query)
    outcome = Outcome(200, resource=Resource(lang, url, target, answer.body, kind))
    if kind == "page":
        text = answer.body.decode("utf-8")
        forms = GET_FORM.findall(text)
        # A GET form becomes rows of links to its choices (``Site.form``): its own action (a
        # report without the area it asks for) is not a page of the site.
        bare = GET_FORM.sub("", text)
        outcome.links += [(lang, m.group(2).split("#")[0], False) for m in ATTRIBUTE.finditer(bare)]
        for form in forms:
            outcome.links += [(lang, choice, True) for choice in _choices(form)]
    elif kind == "json":
        outcome.links += [
            (lang, v, False) for v in _strings(json.loads(answer.body)) if v.startswith("/api/")
        ]
    return outcome


def affinity(url: str) -> int:
    """A number that is the same for a page, its downloads, its other language and the PDF and
    web page of one report, the fill-in templates of one indicator: they share what a worker
    computes once (charts, analyses, templates)."""
    path, query, _ = split(url)
    pure = PurePosixPath(path)
    stem = str(pure.with_suffix("")) if pure.suffix in (".pdf", ".html") else path
    # every fill-in template of one indicator: what the warehouse holds is read once per
    # indicator (~1 s of query compiling), by the worker that makes them all
    kept = ("indicator",) if path == TEMPLATES else None
    key = canonical(
        stem,
        [
            (k, v)
            for k, v in query
            if k not in ("download", "format", "formaat") and (kept is None or k in kept)
        ],
    )
    return zlib.crc32(key.encode())


class Site:
    """A crawl of the app, then the rewritten files.

    The crawl is breadth first from ``START``; URLs are rendered by ``render`` (in this process)
    or by a ``Workers`` pool, but their results are taken in the order of the queue, so the
    site (and a partial one, with ``limit``) is the same whichever renders it."""

    def __init__(
        self,
        languages: tuple[str, ...],
        progress: Progress,
        limit: int | None = None,
        direct: Callable[[str, str], Outcome | None] | None = None,
    ) -> None:
        self.languages = languages
        self.progress = progress
        self.limit = limit
        self.direct = direct or _nothing
        self.found: dict[tuple[str, str], Resource] = {}
        self.aliases: dict[tuple[str, str], tuple[str, str]] = {}
        self.missing: dict[tuple[str, str], int] = {}
        self.queue: list[tuple[str, str]] = []
        self.seen: set[tuple[str, str]] = set()
        self.timings: list[tuple[float, str]] = []
        self.choices: set[tuple[str, str]] = set()

    # --- crawl ---------------------------------------------------------------------------

    def add(self, lang: str, url: str, choice: bool = False) -> None:
        """Queue a URL; a ``choice`` (an option of a form) may fail without a broken link."""
        path, query, asked = split(html.unescape(url))
        key = (i18n.DEFAULT if _shared(path) else asked or lang, canonical(path, query))
        if choice:
            self.choices.add(key)
        if PRIVATE.match(path) or key in self.seen:
            return
        self.seen.add(key)
        self.queue.append(key)

    def start(self) -> None:
        for lang in self.languages:
            for url in START:
                self.add(lang, url)

    def _end(self) -> int:
        return len(self.queue) if self.limit is None else min(len(self.queue), self.limit)

    def crawl(self, render: Callable[[str, str], Outcome]) -> None:
        """Render every URL in this process."""
        self.start()
        done = 0
        while done < self._end():
            lang, url = self.queue[done]
            began = time.perf_counter()
            self.take(
                lang, url, None if self.alias(lang, url) else self.direct(lang, url) or render(lang, url)
            )
            self.timings.append((time.perf_counter() - began, f"{lang} {url}"))
            done += 1
            self.progress("pagina's", done, self._end())

    def crawl_with(self, workers: Workers, lookahead: int = 512, ahead: int = AHEAD) -> None:
        """Render the URLs in ``workers``, each worker at most ``ahead`` URLs ahead (most URLs take
        milliseconds: a worker that waited for the next one after each answer idled a third of
        the time); the results are taken in the order of the queue.

        URLs are given to a worker (by ``affinity``) in the order of the queue, at most
        ``lookahead`` of them not yet taken: that bounds the answers held in memory while a
        slow one (a PDF) is awaited. Aliases and what ``direct`` answers cost no place: 18,529
        area files between two pages would otherwise leave the workers without work."""
        self.start()
        done = cursor = 0
        results: dict[int, Outcome | None] = {}
        waiting: list[collections.deque[int]] = [collections.deque() for _ in range(workers.size)]
        busy = [0] * workers.size
        given: set[int] = set()  # URLs given to a worker whose answer is not taken yet
        began: dict[int, float] = {}
        while done < self._end():
            while cursor < self._end() and len(given) < lookahead:
                lang, url = self.queue[cursor]
                if self.alias(lang, url):
                    results[cursor] = None
                elif (answered := self.direct(lang, url)) is not None:  # made here: no round trip
                    results[cursor] = answered
                    self.timings.append((0.0, f"{lang} {url}"))
                else:
                    waiting[affinity(url) % workers.size].append(cursor)
                    given.add(cursor)
                cursor += 1
            for worker, positions in enumerate(waiting):
                while positions and busy[worker] < ahead:
                    position = positions.popleft()
                    workers.send(worker, position, *self.queue[position])
                    busy[worker] += 1
                    began[position] = time.perf_counter()
            if done not in results:  # wait for one answer, then send more
                worker, position, outcome = workers.receive()
                busy[worker] -= 1
                results[position] = outcome
                lang, url = self.queue[position]
                self.timings.append((time.perf_counter() - began.pop(position), f"{lang} {url}"))
            while done in results:
                lang, url = self.queue[done]
                self.take(lang, url, results.pop(done))
                given.discard(done)
                done += 1
                self.progress("pagina's", done, self._end())

    def alias(self, lang: str, url: str) -> bool:
        """A resource with one copy: not rendered again in another language."""
        return lang != i18n.DEFAULT and _shared(split(url)[0])

    def take(self, lang: str, url: str, outcome: Outcome | None) -> None:
        """Record what a URL gave (``None``: the one copy of a shared resource) and queue its links."""
        if outcome is None:
            self.aliases[(lang, url)] = (i18n.DEFAULT, url)
            self.add(i18n.DEFAULT, url)
        elif outcome.location is not None:
            self.aliases[(lang, url)] = (lang, canonical(*split(outcome.location)[:2]))
            self.add(lang, outcome.location)
        elif outcome.resource is None:
            self.missing[(lang, url)] = outcome.status
        else:
            self.found[(lang, url)] = outcome.resource
            for link_lang, link, choice in outcome.links:
                self.add(link_lang, link, choice)

    # --- output --------------------------------------------------------------------------

    def resolve(self, lang: str, url: str) -> Resource | None:
        """The published resource a link leads to, through redirects."""
        path, query, asked = split(html.unescape(url))
        key = (i18n.DEFAULT if _shared(path) else asked or lang, canonical(path, query))
        for _ in range(5):
            if key in self.found:
                return self.found[key]
            if key not in self.aliases:
                return None
            key = self.aliases[key]
        return None

    def link(self, lang: str, url: str, source: str) -> str | None:
        bare, _, fragment = url.partition("#")
        found = self.resolve(lang, bare or "/")
        if found is None:
            return None
        return relative(found.path, source) + (f"#{fragment}" if fragment else "")

    def page(self, resource: Resource) -> bytes:
        text = resource.body.decode("utf-8")
        source = resource.path
        text = GET_FORM.sub(lambda m: self.form(resource.lang, m.group(0), source), text)

        def anchor(match: re.Match[str]) -> str:
            url = match.group(1)
            if PRIVATE.match(url):
                return ""  # the log-in link: there is no server to log in to
            if self.link(resource.lang, url, source) is None:
                return match.group(2)  # keep the words, drop the dead link
            return match.group(0)

        text = ANCHOR.sub(anchor, text)

        def attribute(match: re.Match[str]) -> str:
            found = self.link(resource.lang, match.group(2), source)
            return match.group(1) + html.escape(found if found is not None else "#") + match.group(3)

        return ATTRIBUTE.sub(attribute, text).encode("utf-8")

    def form(self, lang: str, form: str, source: str) -> str:
        """A GET form as rows of links to the published choices."""
        tag = parse_form(form)
        if tag is None:
            return ""
        rows = []
        for label, options in _rows(tag):
            links = []
            for text, selected, url in options:
                target = self.link(lang, url, source)
                if target is None:
                    continue
                words = html.escape(text)
                links.append(
                    f'<a href="{html.escape(target)}" aria-current="true"><strong>{words}</strong></a>'
                    if selected
                    else f'<a href="{html.escape(target)}">{words}</a>'
                )
            if links:
                head = f"{html.escape(label)}: " if label else ""
                rows.append(f"<li>{head}{' · '.join(links)}</li>")
        if not rows:
            return ""
        name = str(tag.get("aria-label") or "")
        named = f' role="group" aria-label="{html.escape(name)}"' if name else ""
        return f'<div class="filters static-choices"{named}><ul>{"".join(rows)}</ul></div>'

    def json(self, resource: Resource) -> bytes:
        data = json.loads(resource.body)

        def walk(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: walk(v) for k, v in value.items()}
            if isinstance(value, list):
                return [walk(v) for v in value]
            if isinstance(value, str) and value.startswith("/"):
                found = self.link(resource.lang, value, resource.path)
                return found if found is not None else value
            return value

        return (json.dumps(walk(data), ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    def feed(self, resource: Resource, base_url: str | None) -> bytes:
        text = resource.body.decode("utf-8")

        def absolute(match: re.Match[str]) -> str:
            url = match.group(2)
            found = self.resolve(resource.lang, url)
            where = url.lstrip("/") if found is None else _pretty(found.path)
            if base_url:
                return match.group(1) + escape(f"{base_url}/{where}") + match.group(3)
            return (
                match.group(1)
                + escape(relative(found.path, resource.path) if found else where)
                + match.group(3)
            )

        text = re.sub(rf'(href="|<id>){re.escape(HOST)}(/[^"<]*)("|</id>)', absolute, text)
        host = urlsplit(base_url).hostname if base_url else "localhost"  # the tag: URIs of the entries
        return text.replace(f"tag:{urlsplit(HOST).hostname},", f"tag:{host},").encode("utf-8")

    def files(self, base_url: str | None, stamp: dt.datetime) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for resource in self.found.values():
            if resource.path.endswith(".xlsx"):
                body = stable_workbook(resource.body, stamp)
            elif resource.kind == "page":
                body = self.page(resource)
            elif resource.kind == "json":
                body = self.json(resource)
            elif resource.kind == "feed":
                body = self.feed(resource, base_url)
            else:
                body = resource.body
            out[resource.path] = body
            if resource.path == "programma/index.html":  # the start page of the folder
                out["index.html"] = self.page(replace(resource, path="index.html"))
            elif resource.path == "en/programma/index.html":
                out["en/index.html"] = self.page(replace(resource, path="en/index.html"))
        if base_url:
            out["sitemap.xml"] = sitemap(base_url, sorted(p for p in out if p.endswith(".html")))
        return out


def _nothing(lang: str, url: str) -> Outcome | None:  # noqa: ARG001 - a ``direct`` that answers nothing
    return None


def _shared(path: str) -> bool:
    """A resource with one copy for both languages: assets, API, feed. Not the reports: a report
    is written in the language it is asked in (``/rapporten/x.pdf?lang=en``)."""
    if path.startswith(REPORTS):
        return False
    return (path.startswith(("/static/", "/api/v1/")) and not path.startswith("/api/v1/docs")) or bool(
        PurePosixPath(path).suffix
    )


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, str):
        yield value


def _with_query(action: str, pairs: dict[str, str]) -> str:
    base, _, fragment = action.partition("#")
    return base + (f"?{urlencode(pairs)}" if pairs else "") + (f"#{fragment}" if fragment else "")


def _rows(form: Element) -> list[tuple[str, list[tuple[str, bool, str]]]]:
    """What a GET form offers, as rows of (text, selected, URL): one row per choice list, each
    option with the other choices at their default. A report form (its action a ``.pdf``) gets
    the newest year, as PDF and web page, and per stadsdeel and wijk for the area profile."""
    action = str(form.get("action") or "")
    if action.endswith((".pdf", ".html")):
        targets = [
            (b.words() or b.text(), str(b.get("formaction") or action)) for b in form.find_all("button")
        ]
        area = form.find("select", name="gebied")
        if area is None:
            return [("", [(text, False, url) for text, url in targets])]
        rows = []
        for group in area.find_all("optgroup")[:2]:  # stadsdelen and wijken; not every buurt
            for option in group.find_all("option"):
                code = str(option.get("value") or "")
                links = [(text, False, _with_query(url, {"gebied": code})) for text, url in targets]
                rows.append((option.text(), links))
        return rows
    rows = []
    for select in form.find_all("select"):
        name = str(select.get("name") or "")
        options = select.find_all("option")
        if not name or len(options) > MAX_OPTIONS:
            continue
        holder = select.find_parent("label")
        if holder is None and select.get("id"):
            holder = form.find("label", **{"for": str(select.get("id"))})
        label = (holder.words() or holder.text()) if holder is not None else name
        choices = []
        for option in options:
            value = str(option.get("value", option.text()))
            if value:
                url = _with_query(action, {name: value})
                choices.append((option.text(), option.has_attr("selected"), url))
        if len(choices) > 1:
            rows.append((label, choices))
    return rows


def _choices(form: str) -> list[str]:
    tag = parse_form(form)
    if tag is None:
        return []
    return [url for _, options in _rows(tag) for *_, url in options]


def stable_workbook(body: bytes, stamp: dt.datetime) -> bytes:
    """An XLSX with the data date instead of the moment it was written (in its properties and
    in the zip entries), so that the same table gives the same bytes.

    >>> import io, zipfile
    >>> buffer = io.BytesIO()
    >>> with zipfile.ZipFile(buffer, "w") as book:
    ...     book.writestr("docProps/core.xml", "<dcterms:created x>2026-12-02T18:00:00Z</dcterms:created>")
    >>> when = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    >>> again = stable_workbook(buffer.getvalue(), when)
    >>> zipfile.ZipFile(io.BytesIO(again)).read("docProps/core.xml")
    b'<dcterms:created x>2025-03-01T00:00:00Z</dcterms:created>'
    >>> again == stable_workbook(again, when)
    True
    """
    when = stamp.astimezone(dt.UTC)
    text = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(body))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    lambda m: m.group(1) + text.encode() + m.group(2),
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, data)
    return buffer.getvalue()


def _pretty(path: str) -> str:
    """``kaart/index.html`` → ``kaart/`` (what a web server shows for a folder)."""
    if path == "index.html":
        return ""
    return path[: -len("index.html")] if path.endswith("/index.html") else path


def sitemap(base_url: str, pages: list[str]) -> bytes:
    """``sitemap.xml``: every HTML page under ``base_url``."""
    rows = "".join(f"<url><loc>{escape(base_url + '/' + _pretty(p))}</loc></url>\n" for p in pages)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "</urlset>\n"
    ).encode("utf-8")


def check_base_url(base_url: str | None) -> str | None:
    """``https://host/pad`` without the trailing slash; a clear error otherwise.

    >>> check_base_url("https://www.gemeente.nl/veiligheid/")
    'https://www.gemeente.nl/veiligheid'
    """
    if not base_url:
        return None
    parts = urlsplit(base_url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise VeiligstadError(
            f"'{base_url}' is geen webadres voor de site.",
            hint="Geef het adres waar de map komt te staan, bijvoorbeeld https://www.gemeente.nl/veiligheid.",
        )
    return base_url.strip().rstrip("/")


def _manifest(output: Path) -> dict[str, Any] | None:
    """The list of the last publish into ``output`` (``None``: there is none); refuses a folder
    that holds other things, or a list that cannot be read."""
    manifest = output / MANIFEST
    if manifest.exists():
        try:
            found = json.loads(manifest.read_text(encoding="utf-8"))
            if not isinstance(found, dict) or not isinstance(found["files"], list | dict):
                raise TypeError("files")
            if not all(_inside(name) for name in found["files"]):  # never read or remove elsewhere
                raise ValueError("a file outside the folder")
            return found
        except (ValueError, KeyError, TypeError, OSError) as exc:
            raise VeiligstadError(
                f"De lijst van gepubliceerde bestanden {manifest} is onleesbaar.",
                hint="Verwijder de map of kies een lege map.",
            ) from exc
    if output.exists() and any(output.iterdir()):
        raise VeiligstadError(
            f"De map {output} is niet leeg en bevat geen eerder gepubliceerde site.",
            hint="Kies een lege of nieuwe map: publish verwijdert bestanden die niet meer bij de site horen.",
        )
    return None


def _inside(name: object) -> bool:
    """Whether a listed name is a relative path inside the site's folder.

    >>> _inside("kaart/index.html"), _inside("../elders.txt"), _inside("/etc/passwd"), _inside("")
    (True, False, False, False)
    """
    if not isinstance(name, str) or not name or "\\" in name or "\0" in name:
        return False
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts


def _previous(output: Path) -> set[str]:
    """The files of the last publish into ``output``; refuses a folder that holds other things."""
    found = _manifest(output)
    return set() if found is None else {str(name) for name in found["files"]}


def digest(body: bytes) -> str:
    """The hash of a file's bytes kept in the list (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(body, digest_size=16).hexdigest()


def site_key(
    settings: Settings, snapshot: Snapshot, state: str, base_url: str | None, limit: int | None
) -> str:
    """What the published bytes depend on: the figures' token (the data and the day: a source
    can be out of date tomorrow), the warehouse state (also the action programme), the
    definitions and threshold, the whole package's code and texts, the settings, the base URL
    and the limit."""
    parts = [
        "site-1",
        __version__,
        snapshot.token,
        state,
        definitions_hash(snapshot.definitions),
        code_stamp(skip=frozenset()),
        settings.model_dump_json(exclude=SETTINGS_NOT_IN_KEY),
        base_url or "",
        str(limit),
        ",".join(i18n.LANGUAGES),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def kept_site(output: Path, key: str) -> tuple[int, int, int] | None:
    """Files, bytes and pages of the folder's site when its last publish had ``key`` and every
    file is still as it was written (read and hashed); ``None`` otherwise."""
    found = _manifest(output)
    if found is None or found.get("key") != key or not isinstance(found["files"], dict):
        return None
    size = 0
    for name, expected in found["files"].items():
        try:
            body = (output / name).read_bytes()
        except OSError:
            return None
        if digest(body) != expected:
            return None
        size += len(body)
    files = found["files"]
    return len(files), size, sum(1 for name in files if name.endswith(".html"))


_WHY = {
    errno.EACCES: "geen schrijfrechten",
    errno.EPERM: "geen schrijfrechten",
    errno.EROFS: "het bestandssysteem is alleen-lezen",
    errno.ENOTDIR: "een deel van het pad is een bestand",
    errno.EEXIST: "een deel van het pad is een bestand",
    errno.ENOSPC: "de schijf is vol",
    errno.EDQUOT: "het schijfquotum is op",
}


def _cannot_write(where: Path, exc: OSError) -> VeiligstadError:
    why = _WHY.get(exc.errno or 0, exc.strerror or str(exc))
    return VeiligstadError(
        f"Kan niet schrijven in {where}: {why}.",
        hint="Kies met --output een map waarin u mag schrijven (leeg, of een eerder gepubliceerde site).",
    )


def check_writable(output: Path) -> None:
    """Refuse, in Dutch and before the work, an output that is a file or cannot be written.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as file:
    ...     check_writable(Path(file.name))
    Traceback (most recent call last):
    veiligstad.errors.VeiligstadError: ... is een bestand, geen map.
    """
    if output.exists() and not output.is_dir():
        raise VeiligstadError(
            f"{output} is een bestand, geen map.",
            hint="Geef met --output een map: een nieuwe, een lege of een eerder gepubliceerde site.",
        )
    probe = output / f".veiligstad-toets-{os.getpid()}"
    try:
        output.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise _cannot_write(output, exc) from exc


def _put(body: bytes, raw: BinaryIO) -> None:
    raw.write(body)


def write(output: Path, files: dict[str, bytes], summary: Summary, key: str = "") -> None:
    """Write what changed, remove what is gone, keep the list (with the site's ``key`` and the
    hash of every file)."""
    previous = _previous(output)
    listed = {"key": key, "files": {name: digest(files[name]) for name in sorted(files)}}
    manifest = (json.dumps(listed, indent=0) + "\n").encode("utf-8")
    for name, body in [*sorted(files.items()), (MANIFEST, manifest)]:
        target = output / name
        try:
            same = target.is_file() and target.read_bytes() == body
        except OSError:
            same = False
        if same:
            summary.unchanged += 1
        else:
            try:
                write_atomically(target, functools.partial(_put, body))
            except OSError as exc:
                raise _cannot_write(target.parent, exc) from exc
            summary.written += 1
    for name in sorted(previous - set(files)):
        target = output / name
        if target.is_file():
            target.unlink()
            summary.removed += 1
            for folder in target.parents:
                if folder == output or any(folder.iterdir()):
                    break
                folder.rmdir()
    summary.files = len(files)
    summary.bytes = sum(len(body) for body in files.values())
    summary.pages = sum(1 for name in files if name.endswith(".html"))


class PublishFailed(VeiligstadError):
    """A page of the site could not be rendered."""


#: An area's API JSON; ``direct`` writes these without asking the app (see there).
AREA_JSON = re.compile(r"/api/v1/gebieden/([A-Za-z0-9]{2,20})")


def direct(snapshot: Snapshot) -> Callable[[str, str], Outcome | None]:
    """The answers this process makes itself, with the function the API answers them with:
    the JSON of each area of the register (18,529 for the Netherlands, 84% of the site's
    files) costs ~1.5 ms through the app (its middleware, a worker thread, a worker process)
    and ~30 µs directly. ``None``: ask the app (any other URL, an unknown area's 404). The
    bytes are the app's (``tests/web/test_publish.py``)."""
    known = api_areas.index(snapshot).by_code

    def answer(lang: str, url: str) -> Outcome | None:
        match = AREA_JSON.fullmatch(url)
        if match is None or match.group(1) not in known:
            return None
        body = api_areas.detail(snapshot, match.group(1)).model_dump_json().encode()
        return sort(lang, url, Answer(200, {"content-type": "application/json"}, body))

    return answer


def _site_app(settings: Settings, stamp: dt.datetime | None) -> tuple[PinnedCache, ASGIApp]:
    """The app as the anonymous visitor gets it, over a snapshot dated ``stamp`` (or the newest
    data load), computed once or read from the snapshot store."""
    url = settings.resolved_database_url()
    cache = PinnedCache(
        url,
        lambda: monitor.load_definitions(settings.programme, settings.catalogue),
        threshold=settings.disclosure_threshold,
        check_seconds=float("inf"),
        prepare=_prepare,
        store=SnapshotStore.for_url(url, default_data_dir()),  # the server's figures, when stored
    )
    cache.stamp = stamp
    return cache, create_app(settings, cache=cache)


def _render(renderer: Renderer, lang: str, url: str) -> Outcome:
    try:
        return sort(lang, url, renderer.get(lang, url))
    except Exception as exc:  # the app's own error, with the URL that caused it
        raise PublishFailed(
            f"De pagina {url} ({lang}) kon niet worden gemaakt: {type(exc).__name__}: {exc}",
            hint="Dit is een fout in veiligstad; meld hem met de uitvoer van --debug.",
        ) from exc


def _work(settings: Settings, stamp: dt.datetime, inbox: Any, outbox: Any, index: int) -> None:
    """One worker process: the app over the stored snapshot; renders what ``inbox`` sends."""
    try:
        # The workers open the DuckDB file in turn (a fill-in template reads it): on a busy
        # machine one may hold it for seconds, and a publish has no visitor to answer quickly.
        warehouses.set_wait(max(settings.write_wait_seconds, WORKER_WAIT_SECONDS))
        cache, app = _site_app(settings, stamp)
        cache.get()
        renderer = Renderer(app)
    except BaseException as exc:
        outbox.put((index, -1, f"{type(exc).__name__}: {exc}"))
        return
    while (task := inbox.get()) is not None:
        position, lang, url = task
        try:
            outbox.put((index, position, _render(renderer, lang, url)))
        except VeiligstadError as exc:
            outbox.put((index, position, exc.message if hasattr(exc, "message") else str(exc)))
    renderer.close()


class Workers:
    """``size`` processes that each read the stored snapshot once and render URLs."""

    def __init__(self, size: int, settings: Settings, stamp: dt.datetime) -> None:
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self.size = size
        self.outbox = context.Queue()
        self.inboxes = [context.Queue() for _ in range(size)]
        self.processes = [
            context.Process(target=_work, args=(settings, stamp, inbox, self.outbox, i), daemon=True)
            for i, inbox in enumerate(self.inboxes)
        ]
        for process in self.processes:
            process.start()

    def send(self, worker: int, position: int, lang: str, url: str) -> None:
        self.inboxes[worker].put((position, lang, url))

    def receive(self) -> tuple[int, int, Outcome]:
        while True:
            try:
                worker, position, outcome = self.outbox.get(timeout=5)
            except queue.Empty:
                if not all(p.is_alive() for p in self.processes):
                    raise PublishFailed(
                        "Een van de processen die de pagina's maken is gestopt.",
                        hint="Probeer het opnieuw met --workers 1; meld het met de uitvoer van --debug.",
                    ) from None
                continue
            if isinstance(outcome, str):
                raise PublishFailed(f"Publiceren mislukt: {outcome}")
            return worker, position, outcome

    def close(self) -> None:
        for inbox in self.inboxes:
            inbox.put(None)
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()
                process.join()
        for inbox in [*self.inboxes, self.outbox]:
            inbox.close()
            inbox.join_thread()


def default_workers() -> int:
    """One rendering process per core the publish may use (at most 4)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(4, cores))


def publish(
    settings: Settings,
    output: Path,
    base_url: str | None = None,
    progress: Progress = no_progress,
    limit: int | None = None,
    workers: int | None = None,
    rerender: bool = False,
) -> Summary:
    """Write the public site into ``output``; see the module docstring. With ``limit`` only the
    first that many URLs of the crawl (breadth first) are published, and links to the others
    are left out (their words kept): a quick partial site, for tests and trials.

    The figures are computed once (or read from the snapshot store); with ``workers`` > 1 (the
    default: one per core) that many processes read them and render the pages side by side.
    When the folder already holds this site (``kept_site``), nothing is rendered unless
    ``rerender``."""
    started = time.perf_counter()
    base = check_base_url(base_url)
    output = output.resolve()
    check_writable(output)
    _previous(output)  # refuse a foreign folder before the work
    summary = Summary(output=output)
    progress("cijfers", 0, 1)
    cache, app = _site_app(settings, None)
    snapshot = cache.get()
    stamp = snapshot.built_at
    summary.stages["cijfers"] = time.perf_counter() - started
    began = time.perf_counter()
    progress("controle", 0, 1)
    with Warehouse.open(cache.url) as warehouse:
        key = site_key(settings, snapshot, warehouse.state(), base, limit)
    kept = None if rerender else kept_site(output, key)
    summary.stages["controle"] = time.perf_counter() - began
    if kept is not None:  # the same inputs gave these bytes: nothing to render or write
        summary.files, summary.bytes, summary.pages = kept
        summary.unchanged = summary.files + 1  # and the list
        summary.reused = True
        summary.seconds = time.perf_counter() - started
        return summary
    count = default_workers() if workers is None else max(1, workers)
    if cache.store is None:  # an in-memory warehouse: only this process can read it
        count = 1
    site = Site(i18n.LANGUAGES, progress, limit, direct(snapshot))
    began = time.perf_counter()
    if count == 1:
        renderer = Renderer(app)
        try:
            site.crawl(functools.partial(_render, renderer))
        finally:
            renderer.close()
    else:
        pool = Workers(count, settings, stamp)
        try:
            site.crawl_with(pool)
        finally:
            pool.close()
    summary.stages["pagina's"] = time.perf_counter() - began
    summary.slowest = sorted(site.timings, reverse=True)[:10]
    summary.urls = len(site.timings)
    summary.workers = count
    summary.sources = {r.path: (r.lang, r.url) for r in site.found.values()}
    summary.not_published = sorted(
        f"{url} ({status})"
        for key, status in site.missing.items()
        if key not in site.choices
        for url in key[1:]
    )
    progress("schrijven", 0, 1)
    began = time.perf_counter()
    files = site.files(base, stamp)
    summary.stages["herschrijven"] = time.perf_counter() - began
    began = time.perf_counter()
    write(output, files, summary, key)
    summary.stages["schrijven"] = time.perf_counter() - began
    summary.seconds = time.perf_counter() - started
    return summary
