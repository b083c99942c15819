"""Files the bot posts in the console (PO and digest workbooks), saved for the user to open."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bot.console.local_slack_methods import Upload

FILES_ENV = "BACKORDER_CONSOLE_FILES"
DEFAULT_FOLDER = "console-files"


def files_folder(env: Mapping[str, str]) -> Path:
    """$BACKORDER_CONSOLE_FILES, else `console-files/` in the current directory."""
    return Path(env.get(FILES_ENV) or DEFAULT_FOLDER)


def save_upload(upload: Upload, folder: Path) -> Path:
    """Write a posted file under `folder`; a name already taken gets a number, never overwritten."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(upload.filename).name or upload.file_id  # the bot's name, never a path outside
    stem, suffix = Path(name).stem, Path(name).suffix
    path, copy = folder / name, 1
    while True:
        try:
            with path.open("xb") as file:  # exclusive: two posts never write the same file
                file.write(upload.content)
            return path
        except FileExistsError:
            copy += 1
            path = folder / f"{stem} ({copy}){suffix}"


def shown_path(path: Path) -> str:
    """The path as the user would type it: relative to the current directory when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


def posted_files(response: dict[str, Any], uploads: Mapping[str, Upload], folder: Path) -> str:
    """What files.completeUploadExternal shared, each with where its bytes were saved."""
    lines = []
    for shared in response.get("files") or []:
        upload = uploads.get(str(shared.get("id")))
        title = shared.get("title") or shared.get("name") or "a file"
        if upload is None:
            lines.append(f"file posted: {title}")
            continue
        try:
            where = f"saved to {shown_path(save_upload(upload, folder))}"
        except OSError as error:
            where = f"not saved in {folder}: {error.strerror}"
        lines.append(f"file posted: {title} ({where})")
    return "\n".join(lines) or "file posted"
