"""Files known to the emulator: uploaded by the bot or sent by simulated users."""

from __future__ import annotations

import mimetypes

from .state import StoredFile

PREFIXES = {"photos": "AgAC", "documents": "BQAC", "stickers": "CAAC", "voice": "AwAC"}


class FileStore:
    """Files by file_id and by download path (``/file/bot{token}/{file_path}``)."""

    def __init__(self, owner_id: int) -> None:
        self.owner_id = owner_id
        self.by_id: dict[str, StoredFile] = {}
        self.by_path: dict[str, StoredFile] = {}
        self._seq = 0

    def get(self, file_id: str) -> StoredFile | None:
        return self.by_id.get(file_id)

    def add(
        self,
        data: bytes,
        folder: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int = 0,
        height: int = 0,
    ) -> StoredFile:
        """Store bytes under a new file_id and a path in ``folder``."""
        self._seq += 1
        seq = self._seq
        ext = mimetypes.guess_extension(mime_type or "") or ""
        if file_name and "." in file_name:
            ext = file_name[file_name.rindex(".") :]
        stored = StoredFile(
            file_id=f"{PREFIXES.get(folder, 'BAAC')}{self.owner_id}x{seq:010d}",
            file_unique_id=f"AQAD{seq:08d}",
            data=data,
            file_path=f"{folder}/file_{seq}{ext}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.by_id[stored.file_id] = stored
        self.by_path[stored.file_path] = stored
        return stored
