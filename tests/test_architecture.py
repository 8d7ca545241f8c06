"""The architecture boundary: Qt only in tfsim.ui, and the import contract covers every module."""

from __future__ import annotations

import ast
import tomllib

from helpers import ROOT

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


def test_model_has_no_function_level_imports():
    # imports at module top only: a function-level import hides a cycle the layers would catch
    for path in (PACKAGE / "model").glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                nested = [n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom))]
                assert not nested, f"{path.name}:{nested[0].lineno if nested else ''} imports inside {node.name}"


def test_every_model_module_is_in_a_layer():
    layers = _contracts()["The model is layered: composition root, then statistics and components, then building blocks"]
    listed = {name.strip() for layer in layers["layers"] for name in layer.replace(":", "|").split("|")}
    modules = {p.stem for p in (PACKAGE / "model").glob("*.py") if p.stem != "__init__"}
    assert modules == listed
