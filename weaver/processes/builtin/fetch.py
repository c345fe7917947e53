"""Staging of file references into a job's working directory, for the builtins that read remote files."""
from __future__ import annotations

import os
import shutil
from typing import Optional, Sequence
from urllib.parse import unquote, urlparse
from urllib.request import url2pathname

import requests

FETCH_TIMEOUT = 30  # seconds, for connecting and between received bytes
CHUNK_SIZE = 1024 * 1024
DEFAULT_NAME = "download"


def _file_name(path: str) -> str:
    return os.path.basename(unquote(path).rstrip("/")) or DEFAULT_NAME


def _local_path(href: str) -> str:
    parsed = urlparse(href)
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise ValueError(f"Reference '{href}' names a remote host in a file URL.")
        return url2pathname(unquote(parsed.path))
    return href


def _check_allowed(path: str, allowed_dirs: Optional[Sequence[str]]) -> None:
    if allowed_dirs is None:
        return
    real = os.path.realpath(path)
    for allowed in allowed_dirs:
        root = os.path.realpath(allowed)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return
    raise ValueError(f"Reference '{path}' is outside the directories allowed for local inputs.")


def fetch_reference(href: str, dest_dir: str, allowed_dirs: Optional[Sequence[str]] = None) -> str:
    """Put the file at ``href`` into ``dest_dir`` and return its local path.

    ``http(s)`` references are downloaded (streamed, ``FETCH_TIMEOUT`` seconds); ``file://`` references and plain
    paths are copied, and when ``allowed_dirs`` is given they must lie inside one of those directories. Any other
    scheme raises ``ValueError``, as does a missing local file; HTTP errors raise ``requests`` exceptions.
    """
    parsed = urlparse(href)
    os.makedirs(dest_dir, exist_ok=True)
    if parsed.scheme in ("http", "https"):
        dest = os.path.join(dest_dir, _file_name(parsed.path))
        with requests.get(href, stream=True, timeout=FETCH_TIMEOUT) as resp:
            resp.raise_for_status()
            with open(dest, "wb") as out:
                for chunk in resp.iter_content(chunk_size=CHUNK_SIZE):
                    out.write(chunk)
        return dest
    if parsed.scheme not in ("", "file"):
        raise ValueError(f"Reference '{href}' has an unsupported scheme '{parsed.scheme}' (http, https or file).")
    source = _local_path(href)
    _check_allowed(source, allowed_dirs)
    if not os.path.isfile(source):
        raise ValueError(f"Reference '{href}' is not an existing file.")
    dest = os.path.join(dest_dir, _file_name(source))
    if os.path.abspath(source) != os.path.abspath(dest):
        shutil.copyfile(source, dest)
    return dest
