"""The directory update schedule: one crontab line (settings.DIRECTORY_SYNC_SCHEDULE) that both
Celery beat and the panel's "next directory update" date read, so they can never disagree."""

from datetime import datetime, timedelta

from celery.schedules import crontab, crontab_parser
from django.conf import settings
from django.utils import timezone


def _fields(line: str) -> list[str]:
    fields = line.split()
    if len(fields) != 5:
        raise ValueError(f"DIRECTORY_SYNC_SCHEDULE needs 5 crontab fields, got {line!r}")
    return fields


def sync_crontab(line: str | None = None) -> crontab:
    """The Celery beat schedule of the directory sync."""
    minute, hour, day_of_month, month, day_of_week = _fields(line or settings.DIRECTORY_SYNC_SCHEDULE)
    return crontab(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month, day_of_week=day_of_week
    )


def next_directory_update(now: datetime | None = None, line: str | None = None) -> datetime:
    """The first scheduled run strictly after `now`, aware, in the project's time zone.

    Matches Celery's crontab: every field must match (day of month AND day of week).
    """
    minute, hour, day_of_month, month, day_of_week = _fields(line or settings.DIRECTORY_SYNC_SCHEDULE)
    minutes = sorted(crontab_parser(60).parse(minute))
    hours = sorted(crontab_parser(24).parse(hour))
    days = crontab_parser(31, 1).parse(day_of_month)
    months = crontab_parser(12, 1).parse(month)
    weekdays = crontab_parser(7).parse(day_of_week)  # 0 = Sunday, as in cron
    local_now = timezone.localtime(now or timezone.now())
    day = local_now.date()
    for _ in range(366 * 4 + 1):  # any valid schedule fires within four years (29 February)
        if day.month in months and day.day in days and (day.isoweekday() % 7) in weekdays:
            for h in hours:
                for m in minutes:
                    naive = datetime(day.year, day.month, day.day, h, m)
                    candidate = timezone.make_aware(naive, timezone.get_current_timezone())
                    if candidate > local_now:
                        return candidate
        day += timedelta(days=1)
    raise ValueError(f"DIRECTORY_SYNC_SCHEDULE never fires: {line or settings.DIRECTORY_SYNC_SCHEDULE!r}")
