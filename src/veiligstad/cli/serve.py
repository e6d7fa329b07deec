# SPDX-License-Identifier: EUPL-1.2
"""``veiligstad serve``: the dashboard and API on http://127.0.0.1:8000.

With ``--workers N`` uvicorn runs N processes on one port. The figures are computed once
(here, before the workers start, or by the first worker after an import) and kept on disk
per warehouse state (``services.snapshot_store``); every worker reads them from there.

Where the system can fork (Linux, macOS), the workers are forked from this process after it has
imported the web app, instead of each starting a new Python that imports it again (tens of
seconds on a busy machine, long enough for uvicorn to kill a starting worker). This process
never connects to the warehouse itself: the startup checks and the figures run in a forked
child first, so no worker inherits a database connection or its threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import sys
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

import typer

from veiligstad.cli.common import console, handled, open_warehouse
from veiligstad.errors import ConfigError

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("veiligstad.web")

#: The app of each worker process (``--workers`` above 1): built from the environment.
WORKER_APP = "veiligstad.web.app:worker_app"

#: How long uvicorn's parent waits for a worker's answer before it kills and restarts it. Its
#: default (5 s) is shorter than a worker's start on a busy machine (imports, reading the
#: stored figures), which then ends in a loop of killed and restarted workers.
HEALTHCHECK_SECONDS = 60


def in_child(work: Callable[[], None], meanwhile: Callable[[], object]) -> None:
    """Run ``work`` in a forked child while this process runs ``meanwhile``, then wait for the
    child; its exit code (a Dutch error already shown by ``handled``) ends this command too."""
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            handled(work)()
        except typer.Exit as exc:
            code = exc.exit_code
        except KeyboardInterrupt:
            code = 130
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    try:
        meanwhile()
    finally:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code:
        raise typer.Exit(code)


def can_fork() -> bool:
    """Whether uvicorn's workers can be forked from this process (see the module docstring)."""
    from uvicorn import _subprocess

    return hasattr(os, "fork") and hasattr(_subprocess, "spawn")


def fork_workers() -> None:
    """Import the web app once, here, and let uvicorn fork its workers from this process instead
    of spawning new interpreters that each import it again."""
    import multiprocessing

    from uvicorn import _subprocess

    import veiligstad.web.app  # noqa: F401  (the forked workers have it)

    _subprocess.spawn = multiprocessing.get_context("fork")  # type: ignore[assignment]


def serve_command(
    host: Annotated[str, typer.Option("--host", help="Adres om op te luisteren.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Poort.")] = 8000,
    proxy: Annotated[
        str,
        typer.Option(
            "--trusted-proxy",
            help="Adres van een reverse proxy (HTTPS) waarvan X-Forwarded-headers vertrouwd worden.",
        ),
    ] = "127.0.0.1",
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Aantal serverprocessen; ze delen één keer berekende cijfers (opgeslagen per stand).",
        ),
    ] = 1,
) -> None:
    """Start het dashboard en de API (Ctrl+C stopt)."""
    import uvicorn  # the web stack is imported only by this command

    from veiligstad.services import monitor, warehouses
    from veiligstad.services.snapshot import load_or_build
    from veiligstad.settings import Settings, default_data_dir

    settings = Settings()

    def prepared() -> None:
        # Startup checks: a damaged or foreign file is reported here, in Dutch, and nothing starts.
        with open_warehouse(settings) as warehouse:  # first use: the embedded data, with a progress bar
            warehouse.verify()  # read every table once
        if workers > 1:
            load_or_build(  # computed once, here; the workers read the stored figures
                settings.resolved_database_url(),
                lambda: monitor.load_definitions(settings.programme, settings.catalogue),
                settings.disclosure_threshold,
                default_data_dir(),
            )

    settings.resolved_secret_key()  # made once here, not by N workers at the same time
    if workers > 1 and can_fork():  # this process stays without a warehouse connection
        in_child(prepared, meanwhile=fork_workers)  # checks and figures while the web app is imported
    else:
        prepared()
    out = console()
    address = f"veiligstad draait op http://{host}:{port}/"
    if workers == 1:
        from veiligstad.web.app import create_app

        app = create_app(settings, background=True)
        app.state.cache.get()  # the figures, computed (or read) before the server listens
        warehouses.set_wait(settings.write_wait_seconds, notify=log.warning)  # while serving: to the log
        out.print(f"{address} (Ctrl+C om te stoppen)", highlight=False)
        uvicorn.run(
            app, host=host, port=port, proxy_headers=True, forwarded_allow_ips=proxy, log_level="warning"
        )
        return
    config = tcp_config()(
        WORKER_APP,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=True,
        forwarded_allow_ips=proxy,
        log_level="warning",
        timeout_worker_healthcheck=HEALTHCHECK_SECONDS,
    )
    listening = config.bind_socket()
    out.print(f"{address} met {workers} processen (Ctrl+C om te stoppen)", highlight=False)
    from uvicorn.supervisors import Multiprocess

    with contextlib.suppress(KeyboardInterrupt):  # what uvicorn.run does with workers, on our socket
        Multiprocess(config, sockets=[listening]).run()


def tcp_config() -> type[uvicorn.Config]:
    """uvicorn's ``Config`` whose listening socket says it is TCP.

    uvicorn (0.54) creates the socket it hands its worker processes with ``proto`` 0; accepted
    connections inherit it, and asyncio then leaves Nagle's algorithm on (it sets TCP_NODELAY
    only for ``IPPROTO_TCP``). Every answer on a kept-alive connection then waited for the
    client's delayed ACK: 44 ms for any page with ``--workers 2``, 0.5 ms with one worker
    (Kludex/uvicorn#3149)."""
    import uvicorn

    class TcpConfig(uvicorn.Config):
        def bind_socket(self) -> socket.socket:
            if self.uds is not None or self.fd is not None:
                return super().bind_socket()
            family = socket.AF_INET6 if self.host and ":" in self.host else socket.AF_INET
            listening = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listening.bind((self.host, self.port))
            except OSError as exc:
                listening.close()
                raise ConfigError(
                    f"veiligstad kan niet luisteren op {self.host}:{self.port}: {exc.strerror}.",
                    hint="Kies een andere poort met --port, of stop het programma dat deze poort gebruikt.",
                ) from exc
            listening.set_inheritable(True)
            return listening

    return TcpConfig


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(handled(serve_command))
