"""The `yiwang` command: Django's management commands under the project's own name.

`yiwang locate 113.08 22.60` is `manage.py locate 113.08 22.60`. Hyphenated command names
from PRODUCT.md (`verify-audit`) map to their Python module names (`verify_audit`).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yiwang.settings")
    if len(argv) > 1 and "-" in argv[1] and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    argv[0] = "yiwang"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
