# SPDX-License-Identifier: EUPL-1.2
"""What every command shares: the console, error rendering, JSON output, the warehouse."""

from __future__ import annotations

import functools
import getpass
import json
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from veiligstad.cli import render
from veiligstad.errors import VeiligstadError

if TYPE_CHECKING:  # pandas, Ibis and DuckDB load only when a command opens the warehouse
    import pandas as pd

    from veiligstad.definitions.validation import Definitions
    from veiligstad.services.warehouses import Warehouse

    # the settings (pydantic, pydantic-settings) load only when a command runs, not for --help
    from veiligstad.settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

#: Set by the ``--debug`` option of the main command.
state: dict[str, Any] = {"debug": False}

JsonOption = Annotated[bool, typer.Option("--json", help="Machineleesbare JSON-uitvoer.")]


def console() -> Console:
    """A console that does not wrap tables when output is not a terminal."""
    out = Console(soft_wrap=False)
    return out if out.is_terminal else Console(width=200, soft_wrap=False)


def handled(func: Callable[P, R]) -> Callable[P, R]:
    """Render veiligstad errors once: one Dutch line, non-zero exit; --debug adds the traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            configure_waiting()
            return func(*args, **kwargs)
        except VeiligstadError as exc:
            err = Console(stderr=True, width=200, soft_wrap=False)
            if state["debug"]:
                err.print(traceback.format_exc(), markup=False, highlight=False)
            err.print(f"Fout: {exc.message}", markup=False, highlight=False)
            for problem in getattr(exc, "problems", ()):
                err.print(f"  - {problem.render()}", markup=False, highlight=False)
            if exc.hint:
                err.print(exc.hint, markup=False, highlight=False)
            raise typer.Exit(exc.exit_code) from None

    return wrapper


def waiting_message(text: str) -> None:
    """Tell the user on stderr that the command waits for another process."""
    Console(stderr=True, width=200, soft_wrap=False).print(text, markup=False, highlight=False)


def configure_waiting(settings: Settings | None = None) -> None:
    """Every warehouse this command opens waits up to ``VEILIGSTAD_WRITE_WAIT_SECONDS`` for another
    process that holds it, saying so on stderr. A malformed setting is left to the command.

    Applied when the first warehouse is opened (``open_warehouse``), so that commands that
    never open one do not load the storage stack."""
    from pydantic import ValidationError

    from veiligstad.settings import Settings

    try:
        seconds = (settings or Settings()).write_wait_seconds
    except ValidationError:
        state.pop("wait_seconds", None)
        return
    state["wait_seconds"] = seconds


def current_user() -> str:
    """The OS user, recorded with every load; empty where the system has no user name."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # containers without a passwd entry
        return ""


def json_text(data: Any) -> str:
    """Machine output as text (without the final newline)."""
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def print_json(data: Any) -> None:
    """Machine output on stdout."""
    sys.stdout.write(json_text(data) + "\n")


class Answers:
    """What ``status`` and ``indicator`` printed for the warehouse and definitions in force,
    stored per data state (``services.answers``): a command that finds its answer prints it
    without loading pandas, Ibis or the figures; one that does not computes it and stores it.

    An answer is ``{"text": blocks for render.show, "json": the --json output}``."""

    def __init__(self, settings: Settings) -> None:
        from veiligstad.services import answers

        self._answers = answers
        self.url = settings.resolved_database_url()
        self.store = answers.AnswerStore.for_url(self.url)
        #: The data state when the command started; ``None``: not quickly readable (no answers).
        self.state = answers.data_state(self.url) if self.store is not None else None
        context = "\n".join(
            [
                answers.file_stamp(settings.programme),
                answers.file_stamp(settings.catalogue),
                str(settings.disclosure_threshold),
            ]
        )
        self.key = None if self.state is None else answers.AnswerStore.key(self.state, context)

    def get(self, name: str) -> dict[str, Any] | None:
        """The stored answer ``name``, if any."""
        if self.store is None or self.key is None:
            return None
        found = self.store.get(self.key, name)
        if not isinstance(found, dict):
            return None
        return found if isinstance(found.get("text"), list) and isinstance(found.get("json"), str) else None

    def save(self, answers: dict[str, dict[str, Any]]) -> None:
        """Store ``answers`` (name → answer) when the data did not change while they were computed."""
        if self.store is None or self.key is None:
            return
        if self._answers.data_state(self.url) != self.state:  # an import ran meanwhile
            return
        self.store.save(self.key, answers)


def print_answer(answer: dict[str, Any], json_output: bool) -> None:
    """Print a stored or just computed answer (see ``Answers``)."""
    if json_output:
        sys.stdout.write(answer["json"] + "\n")
        return
    render.show(console(), answer["text"])


@contextmanager
def open_warehouse(settings: Settings, quiet: bool = False) -> Iterator[Warehouse]:
    """Open the warehouse and load the embedded data on first use (a new, empty warehouse; a
    file that disappears while this process runs is an error, never a new warehouse)."""
    from veiligstad.services import bootstrap

    with connect(settings.resolved_database_url()) as warehouse:
        if warehouse.is_empty():
            if not quiet:
                console().print("Eerste gebruik: ingebouwde gegevens laden (veiligstad init)…")
            with render.progress(quiet) as step:
                bootstrap.initialise(warehouse, step)
        yield warehouse


@contextmanager
def connect(url: str) -> Iterator[Warehouse]:
    """The warehouse at ``url`` as it is (no first-use loading), waiting for another process
    as ``configure_waiting`` set."""
    from veiligstad.services import warehouses

    if "wait_seconds" in state:
        warehouses.set_wait(state["wait_seconds"], notify=waiting_message)
    with warehouses.opened(url) as warehouse:
        yield warehouse


def indicator_values(settings: Settings, definitions: Definitions, quiet: bool = False) -> pd.DataFrame:
    """Every indicator value (before disclosure control) of the warehouse in force: read from the
    snapshot stored for this warehouse state (``services.snapshot_store``) when a web worker or
    an earlier command computed it, otherwise computed once and stored for the next command."""
    from veiligstad.services import snapshot
    from veiligstad.settings import default_data_dir

    with open_warehouse(settings, quiet=quiet):
        pass  # first use: the embedded data are loaded first (with a progress bar)
    stored = snapshot.load_or_build(
        settings.resolved_database_url(),
        lambda: definitions,
        settings.disclosure_threshold,
        default_data_dir(),
    )
    return stored.values


def definitions(settings: Settings) -> Definitions:
    """The programme and catalogue in force, checked."""
    from veiligstad.services import monitor

    return monitor.load_definitions(settings.programme, settings.catalogue)
