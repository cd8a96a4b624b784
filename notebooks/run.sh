#!/usr/bin/env bash
# Executes notebooks/btyd_demo.ipynb headless and fails on any cell error.
#
# A venv (notebooks/.venv, git-ignored; or $BTYD_NOTEBOOK_VENV) gets the pinned packages of
# requirements.txt from PyPI. The notebook runs `cargo run --release -- demo` itself unless
# BTYD_DEMO_DIR names an existing `btyd demo` output folder. The executed copy is written to
# $BTYD_NOTEBOOK_OUT when set (the committed notebook is never modified).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="${BTYD_NOTEBOOK_VENV:-$here/.venv}"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

"$venv/bin/python" - "$here/btyd_demo.ipynb" <<'PY'
import os
import sys
import time

import nbformat
from nbclient import NotebookClient

path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
started = time.monotonic()
client = NotebookClient(
    nb,
    timeout=900,
    kernel_name="python3",
    resources={"metadata": {"path": os.path.dirname(path)}},
)
client.execute()  # raises CellExecutionError on the first failing cell
out = os.environ.get("BTYD_NOTEBOOK_OUT")
if out:
    nbformat.write(nb, out)
print(f"{os.path.basename(path)}: {len(nb.cells)} cells executed in {time.monotonic() - started:.1f} s")
PY
