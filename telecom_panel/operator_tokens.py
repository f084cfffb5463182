"""The operator's API tokens (OPERATOR_API_TOKENS): `name:scopes:token`, scopes joined by `+`.

Parsed here, without Django, so that the settings refuse a malformed entry at start-up, for every
process (web, worker, command), and the API (lines.api) reads them by the same rule.
"""

from dataclasses import dataclass

# urgence: /api/urgence/ (emergency locations); portabilite: /api/portabilite/verifier/.
SCOPES = frozenset({"urgence", "portabilite"})


@dataclass(frozen=True)
class OperatorToken:
    name: str
    scopes: frozenset
    token: str


def parse(entry: str) -> OperatorToken | None:
    """One entry, or None when it is malformed (no name, no token, or a scope we do not know)."""
    name, scopes, token = [*entry.split(":", 2), "", ""][:3]
    scopes = frozenset(scopes.split("+"))
    if name and token and scopes <= SCOPES:
        return OperatorToken(name, scopes, token)
    return None
