"""The layer contracts of DESIGN.md, checked by import-linter and by the import graph."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_are_kept() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_sandbox_imports_only_the_contract_of_ours() -> None:
    graph = grimp.build_graph("sandbox", "kiosk_app", "drivers", "screens", "agent_mode")
    ours = ("kiosk_app", "drivers", "screens", "agent_mode")
    imported = {
        imp for mod in graph.find_children("sandbox") | {"sandbox"}
        for imp in graph.find_modules_directly_imported_by(mod) if imp.startswith(ours)
    }
    assert imported <= {"kiosk_app.contract"}


def test_nothing_but_screens_imports_kivy_even_at_run_time() -> None:
    code = ("import sys, kiosk_app.cli, kiosk_app.bootstrap, kiosk_app.diagnostics, "
            "kiosk_app.catalogues, drivers.registry; drivers.registry.builtin_registry(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('kivy', 'screens')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stderr
