from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from celery.schedules import crontab
from django.conf import settings

from directory.schedule import next_directory_update, sync_crontab

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 11, 26, 12, 0), datetime(2026, 12, 1, 3, 0)),
        (datetime(2026, 12, 1, 2, 59), datetime(2026, 12, 1, 3, 0)),
        (datetime(2026, 12, 1, 3, 0), datetime(2027, 1, 1, 3, 0)),
        (datetime(2026, 12, 31, 23, 30), datetime(2027, 1, 1, 3, 0)),
    ],
)
def test_the_next_update_is_the_first_of_the_month_at_three(now, expected):
    assert next_directory_update(now.replace(tzinfo=PARIS)) == expected.replace(tzinfo=PARIS)


def test_the_panel_date_comes_from_the_beat_schedule_itself():
    assert settings.CELERY_BEAT_SCHEDULE["directory-sync"]["task"] == "directory.sync_run"
    assert sync_crontab() is settings.CELERY_BEAT_SCHEDULE["directory-sync"]["schedule"]


def test_another_schedule_is_honoured_day_of_week_included():
    mondays = crontab(minute="30", hour="2", day_of_week="1")
    assert next_directory_update(datetime(2026, 11, 26, 12, 0, tzinfo=PARIS), mondays) == datetime(
        2026, 11, 30, 2, 30, tzinfo=PARIS
    )
