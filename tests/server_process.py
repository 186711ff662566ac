"""Run ``patron serve`` as a real process group: start, wait until it answers, stop or kill -9.

Used by the process tests and by ``bench/``. Each server gets its own session (process group)
so that stopping it also stops uvicorn's worker processes, and its output goes to a log file
that is shown when it fails to start.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path

import httpx

PATRON = str(Path(sys.executable).with_name("patron"))
# A server must not outlive a test run that is killed before its ``finally`` (a CI timeout):
# util-linux's setpriv makes the kernel SIGKILL it when the process that started it dies.
_DIE_WITH_PARENT = ("setpriv", "--pdeathsig", "KILL", "--") if shutil.which("setpriv") else ()
READY_QUERY = "{ __typename }"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """One ``patron serve`` on 127.0.0.1:<port> with the given environment."""

    def __init__(self, env: dict[str, str], log_path: Path, *, workers: int = 1, port: int | None = None) -> None:
        self.env = env
        self.log_path = log_path
        self.workers = workers
        self.port = port or free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def start(self, ready_within: float = 60) -> ServerProcess:
        log = self.log_path.open("ab")
        try:
            self.process = await asyncio.create_subprocess_exec(
                *_DIE_WITH_PARENT, PATRON, "serve", "--port", str(self.port), "--workers", str(self.workers),
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        finally:
            log.close()
        await self._wait_ready(ready_within)
        return self

    async def _wait_ready(self, within: float) -> None:
        deadline = time.monotonic() + within
        async with httpx.AsyncClient(timeout=2) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.returncode is not None:
                    raise RuntimeError(f"patron serve exited with {self.process.returncode}:\n{self.log_tail()}")
                try:
                    response = await client.get(f"{self.url}/graphql", params={"query": READY_QUERY})
                    if response.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.2)
        await self.kill()
        raise TimeoutError(f"patron serve did not answer within {within} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no log)"

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    async def kill(self) -> None:
        """``kill -9`` the whole process group: no shutdown, no flush, no goodbye."""
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            await asyncio.wait_for(self.process.wait(), 30)

    async def stop(self, grace: float = 15) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; safe to call twice."""
        if self.process is None or self.process.returncode is not None:
            self._signal_group(signal.SIGKILL)  # workers of a parent that already died
            return
        self._signal_group(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            await self.kill()
        self._signal_group(signal.SIGKILL)
