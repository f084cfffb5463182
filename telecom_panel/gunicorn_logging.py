"""gunicorn's own logger, with what it writes masked like Django's logs (telecom_panel.logging)."""

from gunicorn.glogging import Logger

from telecom_panel.logging import mask


class MaskingLogger(Logger):
    """Every message of gunicorn's error log is formatted, then masked: a URL's query string and
    every run of four digits or more are gone before the line is written."""

    def _masked(self, msg, args):
        text = str(msg) % args if args else str(msg)
        return mask(text)

    def critical(self, msg, *args, **kwargs):
        super().critical(self._masked(msg, args), **kwargs)

    def error(self, msg, *args, **kwargs):
        super().error(self._masked(msg, args), **kwargs)

    def warning(self, msg, *args, **kwargs):
        super().warning(self._masked(msg, args), **kwargs)

    def info(self, msg, *args, **kwargs):
        super().info(self._masked(msg, args), **kwargs)

    def debug(self, msg, *args, **kwargs):
        super().debug(self._masked(msg, args), **kwargs)

    def exception(self, msg, *args, **kwargs):
        super().exception(self._masked(msg, args), **kwargs)
