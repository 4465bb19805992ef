"""Messages between the server and its analysis worker process: pickled values, each behind
its length, over a pipe.

Read and written with ``os.read``/``os.write`` on the file descriptor, no buffering: between
two messages nothing of the next one is held in this process, so a ``select`` on the
descriptor says truly whether one is waiting. Only the server and the worker it started
write to these pipes.
"""

from __future__ import annotations

import os
import pickle
import struct
from typing import Any

_HEADER = struct.Struct("!Q")


def write_frame(fd: int, value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    data = memoryview(_HEADER.pack(len(payload)) + payload)
    while data:
        written = os.write(fd, data)
        data = data[written:]


def read_frame(fd: int) -> Any:
    """The next message; ``EOFError`` when the other end closed the pipe."""
    (size,) = _HEADER.unpack(_read_exactly(fd, _HEADER.size))
    return pickle.loads(_read_exactly(fd, size))


def _read_exactly(fd: int, size: int) -> bytes:
    chunks: list[bytes] = []
    missing = size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError("the pipe was closed")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)
