"""The check behind `make lint` that no app imports another inside a function."""

import textwrap
from pathlib import Path

from yiwang.platform.lint_imports import check, main


def plant(root: Path, files: dict[str, str]) -> Path:
    package = root / "yiwang"
    for name, source in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in [path.parent, *path.parent.parents]:
            if parent == root:
                break
            (parent / "__init__.py").touch()
        path.write_text(textwrap.dedent(source))
    return package


def test_an_import_of_another_app_inside_a_function_is_named_by_file_and_line(tmp_path, capsys):
    # given a tree where core reaches up into cases from a function, twice, once relatively
    package = plant(tmp_path, {
        "cases/models.py": "CASES = 1\n",
        "core/demo.py": """\
            from yiwang.cases.models import CASES  # module level: import-linter's contract judges it


            def load():
                from yiwang.cases import models

                return models


            class Loader:
                def run(self):
                    from ..cases.models import CASES

                    return CASES
            """,
    })
    # when the check runs on it
    status = main([str(package)])
    # then it fails and names both imports, file:line first
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    demo = package / "core" / "demo.py"
    assert out[0].startswith(f"{demo}:5: yiwang.core.demo imports yiwang.cases inside load()")
    assert out[1].startswith(f"{demo}:12: yiwang.core.demo imports yiwang.cases.models inside run()")
    assert len(out) == 3  # and the count


def test_ready_same_app_imports_and_tests_are_allowed(tmp_path):
    package = plant(tmp_path, {
        "notify/models.py": "",
        "notify/delivery.py": "",
        "notify/apps.py": """\
            from django.apps import AppConfig


            class NotifyConfig(AppConfig):
                def ready(self):
                    from yiwang.cases import receivers  # noqa: F401 - the one allowed place
            """,
        "notify/services.py": """\
            def deliver():
                from . import delivery
                from yiwang.notify.models import Outbox
                import json
            """,
        "notify/tests/test_x.py": "def test():\n    from yiwang.web import views\n",
        "notify/migrations/0001_initial.py": "def forwards(apps, schema):\n    from yiwang.geo import models\n",
        "conftest.py": "def fixture():\n    from yiwang.cases import models\n",
    })
    assert check(package) == []


def test_the_yiwang_package_has_none():
    package = Path(__file__).resolve().parents[2]
    assert check(package) == []
