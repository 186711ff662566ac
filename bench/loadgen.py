"""Drive an HTTP endpoint with ``wrk`` (Debian's package) and read its figures.

wrk is a C load generator: at 64 connections it needs a fraction of a core, where a Python
client would need more CPU than the server it measures. Each request body (and the header that
names the caller) comes from a small Lua script this module writes, so many members, tokens or
order ids can rotate through one run. wrk runs pinned to its own CPU (``taskset``) when the
machine has more than one, so it does not compete with the server it loads.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WRK = shutil.which("wrk")
CPUS = os.cpu_count() or 1
SERVER_CPU = "0"
CLIENT_CPU = "1" if CPUS > 1 else "0"


def pinned(cpu: str) -> list[str]:
    """The command prefix that keeps a process on ``cpu`` (nothing without taskset or a 2nd CPU)."""
    return ["taskset", "-c", cpu] if CPUS > 1 and shutil.which("taskset") else []


@dataclass
class Result:
    """One wrk run: throughput and latency percentiles (milliseconds)."""

    requests: int
    seconds: float
    rps: float
    p50: float
    p90: float
    p99: float
    errors: int  # socket errors plus non-2xx answers

    def row(self) -> dict:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.p50, 2), "p99_ms": round(self.p99, 2),
                "requests": self.requests, "errors": self.errors}


def _lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal for our ASCII/UTF-8 bodies


def script(
    *,
    method: str = "POST",
    template: str | None = None,
    values: dict[str, list[str]] | None = None,
    headers: list[dict[str, str]] | None = None,
) -> str:
    """A wrk Lua script: request i sends ``template`` with its placeholders filled, and ``headers[i % m]``.

    ``%COUNTER%`` becomes a value unique to the request (wrk's thread id and a sequence: order
    ids, idempotency keys, e-mail addresses); ``%NAME%`` becomes ``values["NAME"][i % len]``.
    """
    values = values or {}
    # Globals on purpose: setup() runs in wrk's main Lua state and hands each thread its ``tid``.
    lines = [f"wrk.method = {_lua_string(method)}", "threads = 0", "n = 0", "tid = 1"]
    lines.append("function setup(thread) threads = threads + 1; thread:set('tid', threads) end")
    for name, items in values.items():
        lines.append(f"local v_{name} = {{" + ",".join(_lua_string(v) for v in items) + "}")
    rows = ["{" + ",".join(f"[{_lua_string(k)}]={_lua_string(v)}" for k, v in h.items()) + "}"
            for h in (headers or [{}])]
    lines.append("local headers = {" + ",".join(rows) + "}")
    parts: list[str] = []
    if template is not None:
        for piece in re.split(r"(%[A-Z_]+%)", template):
            name = piece.strip("%")
            if piece == "%COUNTER%":
                parts.append("tostring(tid) .. '-' .. tostring(n)")
            elif piece.startswith("%") and piece.endswith("%") and name in values:
                parts.append(f"v_{name}[(n % #v_{name}) + 1]")
            elif piece:
                parts.append(_lua_string(piece))
    lines.append("function request()")
    lines.append("  n = n + 1")
    lines.append("  local h = headers[(n % #headers) + 1]")
    lines.append(f"  local b = {' .. '.join(parts) if parts else 'nil'}")
    lines.append("  return wrk.format(nil, nil, h, b)")
    lines.append("end")
    return "\n".join(lines) + "\n"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> Result:
    """Read ``wrk --latency`` output."""
    pct = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (pct and total and rps):
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", output))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors += int(non2xx.group(1)) if non2xx else 0
    return Result(
        requests=int(total.group(1)),
        seconds=_ms(total.group(2) + total.group(3)) / 1000,
        rps=float(rps.group(1)),
        p50=_ms(pct["50"]),
        p90=_ms(pct["90"]),
        p99=_ms(pct["99"]),
        errors=errors,
    )


def run(url: str, lua: str, *, connections: int, seconds: float, timeout: float = 10) -> Result:
    """Load ``url`` for ``seconds`` with ``connections`` open connections (one wrk thread)."""
    if WRK is None:
        raise SystemExit("bench: wrk is missing; install it with 'apt-get install wrk' (make bench does, as root).")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(lua)
        path = Path(handle.name)
    try:
        command = [*pinned(CLIENT_CPU), WRK, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                   f"--timeout={max(1, round(timeout))}s",
                   "--latency", "-s", str(path), url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return parse(done.stdout)
    finally:
        path.unlink(missing_ok=True)
