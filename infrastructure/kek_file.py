"""Where the key-encryption key comes from: the environment, or a file made once.

A file is created atomically (written aside, then linked into place), so processes that
start together on a fresh installation all end up with the same key.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from infrastructure.key_vault import KeyEncryptionKey

log = logging.getLogger("infrastructure.kek_file")


def load_or_create(path: Path) -> KeyEncryptionKey:
    """The key in ``path``; a new one, written there (mode 0600), if there is none yet."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        aside = path.with_name(f".{path.name}.{os.getpid()}.new")
        descriptor = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(KeyEncryptionKey.generate() + "\n")
        try:
            os.link(aside, path)
            log.warning("created a new key-encryption key in %s: keep it apart from the "
                        "database and its backups, and give every process the same", path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            aside.unlink(missing_ok=True)
    return KeyEncryptionKey.from_text(path.read_text())
