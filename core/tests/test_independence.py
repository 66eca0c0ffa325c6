"""`core` imports no app of ours: every app depends on core, never the other way round
(apps plug in through core.registry). Permission names in strings ("feeds.add_importjob")
are fine; imports are not."""

import ast
from pathlib import Path

from django.conf import settings

CORE = Path(__file__).resolve().parents[1]


def _local_apps():
    """Every top-level package of the repository (apps present or future, demo included),
    except core itself."""
    base = Path(settings.BASE_DIR)
    return {
        path.parent.name
        for path in base.glob("*/__init__.py")
        if path.parent.name not in ("core",) and not path.parent.name.startswith(".")
    } | {"accounts", "customers", "feeds", "backoffice", "demo", "sportello"}


def _imports(source, filename="<source>"):
    tree = ast.parse(source, filename=filename)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.lineno, node.args[0].value


def test_core_imports_no_other_app_of_the_project():
    local = _local_apps()
    offending = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE)
        if relative.parts[0] == "tests":
            continue  # tests may use factories and personas of other apps
        for line, module in _imports(path.read_text(), str(path)):
            if module.split(".")[0] in local:
                offending.append(f"core/{relative}:{line}: imports {module}")
    assert offending == []


def test_the_check_sees_every_form_of_import():
    source = (
        "import os\nfrom accounts.services import touch_session\nimport customers.models\n"
        "def f():\n    from demo.personas import PERSONAS\n"
        "importlib.import_module('feeds.importer')\nfrom . import policy\n"
    )
    modules = [m for _, m in _imports(source)]
    assert modules == ["os", "accounts.services", "customers.models", "demo.personas",
                       "feeds.importer"]  # fmt: skip
