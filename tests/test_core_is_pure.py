"""core/ never imports streamlit: checked in the source and at import time."""

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[1] / "core"


def test_no_module_under_core_imports_streamlit():
    offenders = []
    for path in CORE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(path.name)
    assert offenders == []


def test_importing_every_core_module_loads_no_streamlit():
    modules = [f"core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__"]
    code = f"import sys, importlib; [importlib.import_module(m) for m in {modules!r}]; " \
           "print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=CORE.parent, check=True)
    assert out.stdout.strip() == "False"
