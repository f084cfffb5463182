"""gunicorn's own logger, with what it writes masked like Django's logs (telecom_panel.logging)."""

from gunicorn.glogging import Logger

from telecom_panel.logging import PersonalDataFilter


class MaskingLogger(Logger):
    """gunicorn writes every line of its error log through one logger (`error_log`): the filter
    Django's loggers use masks it there, whatever method wrote the line. Set here, not in LOGGING:
    gunicorn's master never loads Django's settings."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(PersonalDataFilter())
