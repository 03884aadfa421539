# The security suite's staff and cases serve the retention tests, which moved here with retention.
from yiwang.security.tests.conftest import new_case, staff  # noqa: F401
