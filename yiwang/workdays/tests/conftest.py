import pytest


@pytest.fixture(autouse=True)
def _fresh_calendar_snapshot(settings):
    # Re-check the shared revision on every call and start/end each test without a cached snapshot,
    # so a calendar edit rolled back with one test never leaks into the next.
    from yiwang.workdays.snapshot import invalidate

    settings.WORKDAY_CALENDAR_CHECK_SECONDS = 0
    invalidate()
    yield
    invalidate()
