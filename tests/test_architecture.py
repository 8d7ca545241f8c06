"""The architecture boundary: Qt only in tfsim.ui, and the import contract covers every module."""

from __future__ import annotations

import ast
import tomllib

from conftest import ROOT

PACKAGE = ROOT / "tfsim"


def _contracts():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    return {c["name"]: c for c in config}


def test_every_module_outside_ui_is_under_the_qt_contract():
    listed = set(_contracts()["Only tfsim.ui may import Qt"]["source_modules"])
    top = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()
           if (p.suffix == ".py" and p.stem != "__init__") or (p.is_dir() and (p / "__init__.py").exists())}
    assert {f"tfsim.{name}" for name in top} - {"tfsim.ui"} <= listed


def test_no_module_outside_ui_imports_qt_or_the_model_imports_matplotlib():
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith("tfsim/ui/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        assert not names & {"PySide6", "PyQt5", "PyQt6", "shiboken6"}, rel
        if rel.startswith("tfsim/model/"):
            assert not names & {"matplotlib", "pandas", "PySide6"}, rel
