"""jieba's prefix dictionary in SQLite, read word by word.

jieba loads its whole dictionary (about 350,000 entries) into memory before the first cut, which
costs most of a second per process; a one-shot ``prbot ask`` segments a dozen characters. The
dictionary is written once per machine to an SQLite file beside jieba's own cache; later processes
look up only the fragments they meet (each answer remembered), and segment exactly as before, since
jieba reads the same frequencies.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import sys
import tempfile
import threading
from pathlib import Path
from types import ModuleType
from typing import Any


def _import_jieba() -> ModuleType:
    """jieba finds its bundled files through pkg_resources when that imports (deprecated, and a tenth
    of a second to load); without it, jieba opens the same files from its own folder. So pkg_resources
    is unavailable for this one import, and whatever was there before is put back."""
    if "jieba" in sys.modules:
        return sys.modules["jieba"]
    before = sys.modules.get("pkg_resources")
    sys.modules["pkg_resources"] = None  # type: ignore[assignment]  # makes `import pkg_resources` fail
    try:
        import jieba
    finally:
        if before is None:
            del sys.modules["pkg_resources"]
        else:
            sys.modules["pkg_resources"] = before
    return jieba


jieba = _import_jieba()

log = logging.getLogger(__name__)

_install_lock = threading.Lock()


class DiskFrequencies:
    """The mapping jieba's tokenizer reads (``in``, ``[]``, ``get``) backed by the SQLite file;
    words added at run time (``jieba.add_word``) live in memory on top."""

    def __init__(self, path: Path) -> None:
        self._connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        self._lock = threading.Lock()
        self._known: dict[str, int | None] = {}

    def _lookup(self, word: str) -> int | None:
        try:
            return self._known[word]
        except KeyError:
            pass
        with self._lock:
            row = self._connection.execute("SELECT freq FROM freq WHERE word = ?", (word,)).fetchone()
        value = None if row is None else int(row[0])
        self._known[word] = value
        return value

    def __contains__(self, word: object) -> bool:
        return isinstance(word, str) and self._lookup(word) is not None

    def __getitem__(self, word: str) -> int:
        value = self._lookup(word)
        if value is None:
            raise KeyError(word)
        return value

    def get(self, word: str, default: int | None = None) -> int | None:
        value = self._lookup(word)
        return default if value is None else value

    def __setitem__(self, word: str, freq: int) -> None:
        self._known[word] = freq

    def total(self) -> int:
        with self._lock:
            row = self._connection.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        return int(row[0])


def dictionary_file(folder: Path | None = None) -> Path:
    """Where this machine keeps the SQLite copy (beside jieba's own cache), named for jieba's version
    and dictionary."""
    source = Path(str(jieba.__file__)).parent / jieba.DEFAULT_DICT_NAME
    stamp = f"{jieba.__version__}:{source.stat().st_size}".encode()
    folder = folder or Path(jieba.dt.tmp_dir or tempfile.gettempdir())
    return folder / f"prbot-jieba-{hashlib.md5(stamp).hexdigest()[:12]}.sqlite"


def _write(path: Path, frequencies: dict[str, int], total: int) -> None:
    """Write to a temporary file and rename it into place, so a reader never sees half a dictionary."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".partial")
    os.close(fd)
    try:
        with sqlite3.connect(temporary) as connection:
            connection.execute("CREATE TABLE freq (word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID")
            connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
            connection.executemany("INSERT INTO freq VALUES (?, ?)", frequencies.items())
            connection.execute("INSERT INTO meta VALUES ('total', ?)", (total,))
        connection.close()
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def install(tokenizer: Any = None, folder: Path | None = None) -> None:
    """Point the tokenizer (a ``jieba.Tokenizer``; jieba's default one if none) at the SQLite copy,
    writing it first if this machine has none. Does nothing once the tokenizer has a dictionary; any
    failure leaves jieba's own loading in place."""
    tokenizer = tokenizer or jieba.dt
    with _install_lock:
        if tokenizer.initialized:
            return
        try:
            path = dictionary_file(folder)
            if not path.exists():
                tokenizer.initialize()  # jieba's own load, once per machine
                _write(path, tokenizer.FREQ, tokenizer.total)
                return
            frequencies = DiskFrequencies(path)
            tokenizer.total = frequencies.total()
            tokenizer.FREQ = frequencies
            tokenizer.initialized = True
        except (OSError, sqlite3.Error) as exc:
            log.info("jieba's dictionary stays in memory (%s)", exc)
