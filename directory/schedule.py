"""The directory update schedule. Celery beat runs settings.CELERY_BEAT_SCHEDULE["directory-sync"];
the panel's "next directory update" date is computed here from that same crontab object, so the
two can never disagree."""

from datetime import datetime, timedelta

from celery.schedules import crontab
from django.conf import settings
from django.utils import timezone

BEAT_ENTRY = "directory-sync"


def sync_crontab() -> crontab:
    return settings.CELERY_BEAT_SCHEDULE[BEAT_ENTRY]["schedule"]


def next_directory_update(now: datetime | None = None, schedule: crontab | None = None) -> datetime:
    """The first scheduled run strictly after `now`, aware, in the project's time zone.

    Matches Celery's crontab as configured: every field must match (day of month AND day of week).
    """
    schedule = schedule or sync_crontab()
    local_now = timezone.localtime(now or timezone.now())
    day = local_now.date()
    for _ in range(366 * 4 + 1):  # any valid schedule fires within four years (29 February)
        if (
            day.month in schedule.month_of_year
            and day.day in schedule.day_of_month
            and (day.isoweekday() % 7) in schedule.day_of_week  # cron counts Sunday as 0
        ):
            for hour in sorted(schedule.hour):
                for minute in sorted(schedule.minute):
                    candidate = timezone.make_aware(
                        datetime(day.year, day.month, day.day, hour, minute), timezone.get_current_timezone()
                    )
                    if candidate > local_now:
                        return candidate
        day += timedelta(days=1)
    raise ValueError(f"the directory sync schedule never fires: {schedule}")
