"""Start-up checks: a malformed operator token stops the process instead of failing at 3 a.m."""

from django.conf import settings
from django.core.checks import Error, register


@register()
def operator_tokens_have_scopes(app_configs, **kwargs):
    from .api import SCOPES, operator_tokens

    valid = len(operator_tokens())
    if valid == len(settings.OPERATOR_API_TOKENS):
        return []
    return [
        Error(
            "OPERATOR_API_TOKENS: every entry must read name:scopes:token, the scopes among "
            f"{' '.join(sorted(SCOPES))} joined by '+' (e.g. routage:urgence:<token>); "
            f"{len(settings.OPERATOR_API_TOKENS) - valid} entry(ies) do not.",
            id="lines.E001",
        )
    ]
