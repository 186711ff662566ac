"""Password hashing with argon2id at OWASP's recommended cost, off the event loop and behind it.

Hashing takes tens of milliseconds of CPU on purpose. It runs in a small pool of its own threads
(argon2-cffi releases the GIL), so the server keeps answering meanwhile; and those threads run
at a lower CPU priority (nice 10, per thread on Linux), so when cores are scarce the event loop
serving everyone else gets them first: a burst of log-ins slows log-ins, not dashboards. The
pool's size also caps the 19 MiB each hash allocates.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 degree of parallelism.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, type=Type.ID)
# Verified against when the e-mail is unknown, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("patron-timing-equaliser")
HASHING_NICE = 10


def _behind_the_event_loop() -> None:
    """Lower this worker thread's scheduling priority (Linux applies nice per thread)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASHING_NICE)


_pool = ThreadPoolExecutor(
    max_workers=max(2, os.cpu_count() or 1), thread_name_prefix="argon2", initializer=_behind_the_event_loop
)


async def _in_pool(fn, *args):  # type: ignore[no-untyped-def]
    return await asyncio.get_running_loop().run_in_executor(_pool, fn, *args)


async def hash_password(password: str) -> str:
    return await _in_pool(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def _verify() -> bool:
        try:
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await _in_pool(_verify)


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
