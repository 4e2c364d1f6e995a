"""Read the vmgenid daemon's state file (vmgenid-state(5)) from Python.

Standard library only (mmap, struct). It follows the reader's protocol of
docs/state-file.md: map the one-page file read-only, check the magic and the
version once, read the entropy epoch with one load, and a consistent record
with the seqlock, giving up when the writer stays mid-update.

    import vmgenid_state

    with vmgenid_state.open() as f:
        seen = 0
        ...
        now = f.epoch()          # 0: no valid state
        if now != seen:          # compare for equality: epochs wrap
            reseed_my_generators()
            seen = now
        s = f.current()          # State(epoch=..., flags=..., id=..., ...)

Python has no atomic loads; the seqlock catches a torn copy of the record,
and the epoch word is read by one aligned 8-byte copy.
"""

from __future__ import annotations

import builtins
import mmap
import os
import struct
import sys
import time
from dataclasses import dataclass
from typing import Optional

__all__ = [
    "DEFAULT_PATH",
    "FLAG_ID_KNOWN",
    "FLAG_ID_WITHHELD",
    "NoState",
    "State",
    "StateFile",
    "StuckWriter",
    "open",
]

#: Where the daemon publishes by default (vmgenid daemon --state).
DEFAULT_PATH = (
    "/var/run/vmgenid/state"
    if sys.platform.startswith(("netbsd", "freebsd", "openbsd", "dragonfly"))
    else "/run/vmgenid/state"
)

#: The id and paddr fields hold the VM generation ID.
FLAG_ID_KNOWN = 0x1
#: The daemon knows the ID but withholds it from this file.
FLAG_ID_WITHHELD = 0x2

#: How long current() retries while the writer seems stuck mid-update.
STUCK_SECONDS = 0.1

_PAGE = 4096
_MAGIC = b"VMGENID\0"
_VERSION = 1
_RECORD = struct.Struct("<8sIIQQ16sQQq")  # offsets 0..71
_U64 = struct.Struct("<Q")


class NoState(Exception):
    """No valid state is published (epoch 0)."""


class StuckWriter(Exception):
    """The writer stayed mid-update: it died there; the next daemon finishes."""


@dataclass(frozen=True)
class State:
    """A consistent record of the state file."""

    epoch: int  #: the entropy epoch; never 0 here
    flags: int  #: FLAG_* bits; unknown bits as published (ignore them)
    id: bytes  #: 16 bytes in guest-memory order; zeros unless ID known
    paddr: int  #: physical address of the ID; 0 if unknown
    changes: int  #: changes the daemon has seen since boot
    last_change_ns: int  #: Unix ns of the last change; 0 if none since boot

    @property
    def id_known(self) -> bool:
        """Whether id holds the VM generation ID."""
        return bool(self.flags & FLAG_ID_KNOWN)

    @property
    def id_withheld(self) -> bool:
        """Whether the daemon knows the ID but withholds it from this file."""
        return bool(self.flags & FLAG_ID_WITHHELD)


class StateFile:
    """An open state file; use open() to get one."""

    def __init__(self, m: mmap.mmap) -> None:
        self._m: Optional[mmap.mmap] = m

    def _page(self) -> mmap.mmap:
        if self._m is None:
            raise ValueError("vmgenid state file is closed")
        return self._m

    def epoch(self) -> int:
        """The published entropy epoch, one 8-byte read; 0 = no valid state."""
        if self._m is None:
            return 0
        e = _U64.unpack_from(self._m, 24)[0]
        return 0 if e == 2**64 - 1 else e

    def current(self) -> State:
        """A consistent record, read with the seqlock.

        Raises NoState when no valid state is published and StuckWriter when
        the writer stayed mid-update for STUCK_SECONDS.
        """
        m = self._page()
        deadline = time.monotonic() + STUCK_SECONDS
        while True:
            s1 = _U64.unpack_from(m, 16)[0]
            if not s1 & 1:
                _, _, flags, _, ep, idb, paddr, changes, last = _RECORD.unpack_from(m, 0)
                if _U64.unpack_from(m, 16)[0] == s1:
                    if ep == 0 or ep == 2**64 - 1:
                        raise NoState("vmgenid state: no valid state published")
                    if not flags & FLAG_ID_KNOWN:
                        idb, paddr = bytes(16), 0
                    return State(ep, flags, idb, paddr, changes, last)
            if time.monotonic() > deadline:
                raise StuckWriter("vmgenid state: seq stays odd (the writer died mid-update)")
            os.sched_yield()

    def close(self) -> None:
        """Unmap the file; epoch() then returns 0."""
        if self._m is not None:
            self._m.close()
            self._m = None

    def __enter__(self) -> "StateFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open(path: Optional[str] = None) -> StateFile:  # noqa: A001 (the API's name)
    """Map the state file at path (None: DEFAULT_PATH) and check it.

    Raises FileNotFoundError when no daemon has published (try again later,
    at a modest rate) and ValueError when the file is not a version 1
    vmgenid state file.
    """
    with builtins.open(path or DEFAULT_PATH, "rb") as f:
        if os.fstat(f.fileno()).st_size < _PAGE:
            raise ValueError("vmgenid state: file shorter than a page")
        m = mmap.mmap(f.fileno(), _PAGE, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
    if m[0:8] != _MAGIC or struct.unpack_from("<I", m, 8)[0] != _VERSION:
        m.close()
        raise ValueError("vmgenid state: not a version 1 vmgenid state file")
    return StateFile(m)
