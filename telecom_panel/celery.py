"""The Celery application: configured from Django settings (CELERY_* names), tasks autodiscovered.

Without REDIS_URL the settings make every task run in-process; with it, start a worker with
`celery -A telecom_panel worker` and the scheduler with `celery -A telecom_panel beat`.
"""

from celery import Celery

from telecom_panel.entrypoints import use_settings

use_settings()  # production unless DJANGO_SETTINGS_MODULE says otherwise

app = Celery("telecom_panel")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="telecom_panel.health_check", acks_late=True)
def health_check():
    """Prove that a worker is alive and reaches the database; idempotent, so acks_late is safe.

    Ops run it with `celery -A telecom_panel call telecom_panel.health_check` after a deploy.
    """
    import socket

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"worker": socket.gethostname(), "database": connection.vendor}
