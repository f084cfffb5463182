from django.core.wsgi import get_wsgi_application

from telecom_panel.entrypoints import use_settings

use_settings()  # production unless DJANGO_SETTINGS_MODULE says otherwise

application = get_wsgi_application()
