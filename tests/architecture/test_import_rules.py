"""The layer rules hold: checked on every run, so they cannot erode unnoticed.

The contracts themselves live in pyproject.toml (``[tool.importlinter]``); this test runs
them, and adds the one rule import-linter cannot express: which parts of the
``eventsourcing`` library the domain may use.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
DOMAIN_MAY_USE = ("eventsourcing.domain", "eventsourcing.utils", "domain")


def test_every_import_linter_contract_is_kept() -> None:
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True) == 0


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_the_domain_uses_only_the_standard_library_and_the_librarys_domain_model() -> None:
    outside = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in sorted((ROOT / "domain").glob("*.py"))
        for module in imported_modules(path)
        if module.split(".")[0] not in sys.stdlib_module_names
        and not module.startswith(DOMAIN_MAY_USE)
    }
    assert outside == set()


def test_the_domain_check_would_see_a_persistence_import(tmp_path: Path) -> None:
    module = tmp_path / "leaky.py"
    module.write_text("from eventsourcing.persistence import Mapper\nimport psycopg\n")
    assert imported_modules(module) == ["eventsourcing.persistence", "psycopg"]
