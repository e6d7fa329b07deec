# SPDX-License-Identifier: EUPL-1.2
"""The public site as static files (``veiligstad publish --output DIR``).

Every public page is rendered by the app itself, in-process, as an anonymous visitor would
get it (the same disclosure control, no account), in Dutch and in English; the crawl starts
at ``/programma`` and the public API and follows every link. Links are rewritten to relative
file paths, so the folder works from any web server or a file share, without Python:

- a page ``/x/y`` becomes ``x/y/index.html``, its English version ``en/x/y/index.html``;
- a query becomes folders: ``/kaart?indicator=a`` → ``kaart/indicator-a/index.html``;
- a table download ``?download=t&format=csv`` becomes the file the server would name, in the
  page's folder (``indicatoren/x/veiligstad-indicator-x-trend.csv``);
- the API's JSON ``/api/v1/x`` becomes ``api/v1/x.json`` (links inside point to the files);
- static assets, the Atom feed and the PDF reports keep their names.

A form that asks the server (``method="get"``) cannot work without one: each of its choice
lists becomes a row of links, one per option (the other choices at their default), and each
of those pages is published. A choice list of more than ``MAX_OPTIONS`` options (the look-up
of every Dutch municipality) and free input (a date) are left out. Reports are published for
the newest year; the area profile for the stadsdelen and wijken.

Publishing is incremental: a file is written only when its bytes changed, and files of an
earlier publish that are no longer part of the site are removed (only those: the list is
kept in ``.veiligstad-site.json``). The figures' date on the pages is the date the data was
last loaded, so a publish without a data change writes nothing.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.sax.saxutils import escape

from fastapi.testclient import TestClient

from veiligstad.errors import VeiligstadError
from veiligstad.files import write_atomically
from veiligstad.progress import Progress, no_progress
from veiligstad.services import bootstrap, monitor
from veiligstad.services.snapshot import Snapshot, SnapshotCache
from veiligstad.services.snapshot_store import SnapshotStore
from veiligstad.services.warehouses import Warehouse
from veiligstad.settings import Settings, default_data_dir
from veiligstad.web import auth, i18n
from veiligstad.web.app import create_app

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
#: Never published: the internal pages and the log-in.
PRIVATE = re.compile(r"^/(intern(/|$)|inloggen|uitloggen)")
#: A choice list with more options than this is left out of the static site.
MAX_OPTIONS = 40
#: The list of files of the last publish, so that only those are ever removed.
MANIFEST = ".veiligstad-site.json"
#: The host the in-process client uses; absolute links to it are links into the site.
HOST = "http://testserver"
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

    def get(self, *args: Any, **kwargs: Any) -> Snapshot:
        if self._pinned is None:
            snapshot = super().get(*args, **kwargs)
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


class Site:
    """A crawl of the app, then the rewritten files."""

    def __init__(self, clients: dict[str, TestClient], progress: Progress, limit: int | None = None) -> None:
        self.clients = clients
        self.progress = progress
        self.limit = limit
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

    def crawl(self) -> None:
        for lang in self.clients:
            for url in START:
                self.add(lang, url)
        done = 0
        while self.queue and (self.limit is None or done < self.limit):
            lang, url = self.queue.pop(0)
            began = time.perf_counter()
            self.fetch(lang, url)
            self.timings.append((time.perf_counter() - began, f"{lang} {url}"))
            done += 1
            self.progress("pagina's", done, done + len(self.queue))

    def fetch(self, lang: str, url: str) -> None:
        path, query, _ = split(url)
        shared = _shared(path)
        if shared and lang != i18n.DEFAULT:  # one copy, fetched in Dutch
            self.aliases[(lang, url)] = (i18n.DEFAULT, url)
            self.add(i18n.DEFAULT, url)
            return
        response = self.clients[lang].get(url)
        if response.is_redirect:
            location = response.headers["location"]
            self.aliases[(lang, url)] = (lang, canonical(*split(location)[:2]))
            self.add(lang, location)
            return
        if response.status_code != 200:
            self.missing[(lang, url)] = response.status_code
            return
        media = response.headers.get("content-type", "").split(";")[0]
        name = _attachment(response.headers.get("content-disposition", ""))
        download = [(k, v) for k, v in query if k not in ("download", "format")]
        prefix = "" if lang == i18n.DEFAULT else f"{lang}/"
        if name and any(k == "download" for k, _ in query):
            folder = page_folder(path, download)
            target, kind = prefix + (f"{folder}/{name}" if folder else name), "file"
        elif media == "text/html" and not PurePosixPath(path).suffix:
            folder = page_folder(path, query)
            target, kind = prefix + (f"{folder}/index.html" if folder else "index.html"), "page"
        elif media == "application/json" and path.startswith("/api/") and not path.endswith("openapi.json"):
            suffix = "" if path.endswith(".json") else ".json"
            target, kind = file_path(path, query, suffix), "json"
        else:
            kind = "feed" if media == "application/atom+xml" else "file"
            target = file_path(path, query)
        self.found[(lang, url)] = Resource(lang, url, target, response.content, kind)
        if kind == "page":
            self.links(lang, response.text)
        elif kind == "json":
            for value in _strings(response.json()):
                if value.startswith("/api/"):
                    self.add(lang, value)

    def links(self, lang: str, text: str) -> None:
        for match in ATTRIBUTE.finditer(text):
            self.add(lang, match.group(2).split("#")[0])
        for form in GET_FORM.findall(text):
            for url in _choices(form):
                self.add(lang, url, choice=True)

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


def _shared(path: str) -> bool:
    """A resource with one copy for both languages: assets, API, feed, reports."""
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


def _previous(output: Path) -> set[str]:
    """The files of the last publish into ``output``; refuses a folder that holds other things."""
    manifest = output / MANIFEST
    if manifest.exists():
        try:
            return set(json.loads(manifest.read_text(encoding="utf-8"))["files"])
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
    return set()


def _put(body: bytes, raw: BinaryIO) -> None:
    raw.write(body)


def write(output: Path, files: dict[str, bytes], summary: Summary) -> None:
    """Write what changed, remove what is gone, keep the list."""
    previous = _previous(output)
    manifest = (json.dumps({"files": sorted(files)}, indent=0) + "\n").encode("utf-8")
    for name, body in [*sorted(files.items()), (MANIFEST, manifest)]:
        target = output / name
        try:
            same = target.is_file() and target.read_bytes() == body
        except OSError:
            same = False
        if same:
            summary.unchanged += 1
        else:
            write_atomically(target, functools.partial(_put, body))
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


def publish(
    settings: Settings,
    output: Path,
    base_url: str | None = None,
    progress: Progress = no_progress,
    limit: int | None = None,
) -> Summary:
    """Write the public site into ``output``; see the module docstring. With ``limit`` only the
    first that many URLs of the crawl (breadth first) are published, and links to the others
    are left out (their words kept): a quick partial site, for tests and trials."""
    started = time.perf_counter()
    base = check_base_url(base_url)
    output = output.resolve()
    _previous(output)  # refuse a foreign folder before the work
    url = settings.resolved_database_url()
    cache = PinnedCache(
        url,
        lambda: monitor.load_definitions(settings.programme, settings.catalogue),
        threshold=settings.disclosure_threshold,
        check_seconds=float("inf"),
        prepare=_prepare,
        store=SnapshotStore.for_url(url, default_data_dir()),  # the server's figures, when stored
    )
    app = create_app(settings, cache=cache)
    with TestClient(app, follow_redirects=False) as dutch, TestClient(app, follow_redirects=False) as english:
        english.cookies.set(auth.LANG_COOKIE, "en")
        site = Site({i18n.DEFAULT: dutch, "en": english}, progress, limit)
        site.crawl()
    summary = Summary(output=output)
    summary.slowest = sorted(site.timings, reverse=True)[:10]
    summary.sources = {r.path: (r.lang, r.url) for r in site.found.values()}
    summary.not_published = sorted(
        f"{url} ({status})"
        for key, status in site.missing.items()
        if key not in site.choices
        for url in key[1:]
    )
    progress("schrijven", 0, 1)
    write(output, site.files(base, cache.get().built_at), summary)
    summary.seconds = time.perf_counter() - started
    return summary
