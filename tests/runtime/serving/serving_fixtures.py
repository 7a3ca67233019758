"""Constants and handles shared by the serving tests and their fixtures (see conftest)."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ideko.runtime.baseline import data_config

SEED = 2
MODEL_NAME = "tiny"
SERVE_CONFIG = {
    **data_config(["f3", "f4", "f5"], SEED),
    "scaling": "standard",
    "padding": {"value": -1.0, "side": "pre"},
}


@dataclass(frozen=True)
class Packaged:
    root: Path  # raw data tree
    model_dir: Path  # the compare step's best_model (a servable package)
    train: Path
    test: Path
    evaluation: dict[str, Any]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    url: str
    model_dir: Path  # the registry's copy the server loads (the fault tests may damage it)
    process: Any  # subprocess.Popen of the model server
    registry_uri: str  # the embedded registry the server resolves NAME@champion in

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """(status, parsed JSON body) of one HTTP request; error statuses included."""
        data = None if body is None else (body if isinstance(body, bytes) else
                                          json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
