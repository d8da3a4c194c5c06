"""Files that must survive a power cut whole: written at once, or made once.

    write_atomically(path, data)             # a reader sees the old file or the new one
    create_once(path, secret)                # made once; if another process won, theirs stays

Both write to a temporary file beside the target, fsync it, move it into place and fsync the
folder, so what they return after is on the disk. New files are owner-only unless ``mode``
says otherwise. Blocking (disk): call from a worker thread in the app.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _temporary(path: Path, data: bytes, mode: int) -> str:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mode 0600
    try:
        if mode != 0o600:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_atomically(path: Path, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` in one step. Raises OSError."""
    path = Path(path)
    tmp = _temporary(path, data, mode)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def create_once(path: Path, data: bytes) -> bool:
    """Make ``path`` (owner-only) holding ``data`` unless it exists; True when this call made
    it. Link, not rename: if another process made it meanwhile, theirs stays. Raises OSError."""
    path = Path(path)
    tmp = _temporary(path, data, 0o600)
    try:
        os.link(tmp, path)
        made = True
    except FileExistsError:
        made = False
    finally:
        os.unlink(tmp)
    fsync_dir(path.parent)
    return made
