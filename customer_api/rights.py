"""Access rules in plain French, for the consent page and the Accès API page.

A rule is {method, path} as the contract has it (../shared/reference/ovh-api-contract.md, 1.8):
`*` matches anything, `/` included. The customer reads a sentence per rule; the pages show the
exact rule beside it, so a sentence may simplify but never claims less than the rule grants.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The rules scripts commonly ask for (the contract's routes), each as one sentence.
KNOWN = {
    ("GET", "/telephony"): gettext_lazy("Lister vos comptes de facturation"),
    ("GET", "/telephony/*"): gettext_lazy(
        "Lire vos comptes de facturation, vos lignes et leurs coordonnées, y compris le RIO qui permet de "
        "demander la portabilité de vos numéros"
    ),
    ("PUT", "/telephony/*"): gettext_lazy(
        "Modifier tout ce qui concerne votre téléphonie : comptes de facturation, lignes et coordonnées"
    ),
    ("POST", "/telephony/*"): gettext_lazy(
        "Créer ou lancer une action sur tout ce qui concerne votre téléphonie : comptes de facturation, "
        "lignes et coordonnées"
    ),
    ("DELETE", "/telephony/*"): gettext_lazy(
        "Supprimer tout ce qui concerne votre téléphonie : comptes de facturation, lignes et coordonnées"
    ),
    ("GET", "/telephony/*/service"): gettext_lazy(
        "Lister les lignes et numéros de vos comptes de facturation"
    ),
    ("GET", "/telephony/*/service/*"): gettext_lazy(
        "Lire vos lignes et numéros, et leurs coordonnées, y compris le RIO qui permet de demander la "
        "portabilité de vos numéros"
    ),
    ("GET", "/telephony/*/service/*/directory"): gettext_lazy(
        "Lire les coordonnées et la parution dans les annuaires de vos lignes"
    ),
    ("GET", "/telephony/*/service/*/directory/*"): gettext_lazy(
        "Consulter les listes d'aide à la saisie des coordonnées (types de voie, rubriques des annuaires)"
    ),
    ("PUT", "/telephony/*/service/*/directory"): gettext_lazy(
        "Modifier les coordonnées et la parution dans les annuaires de vos lignes"
    ),
    ("POST", "/telephony/*/service/*/directory/*"): gettext_lazy(
        "Rechercher les informations d'une entreprise à partir de son SIRET"
    ),
    ("GET", "/auth/currentCredential"): gettext_lazy("Lire les informations de cette clé d'accès"),
    ("POST", "/auth/logout"): gettext_lazy("Mettre fin à cette clé d'accès"),
}
# `*` or `/*`: every path.
EVERYTHING = {
    "GET": gettext_lazy("Tout lire sur votre compte"),
    "PUT": gettext_lazy("Tout modifier sur votre compte"),
    "POST": gettext_lazy("Tout créer et lancer toute action sur votre compte"),
    "DELETE": gettext_lazy("Tout supprimer sur votre compte"),
}
# `/sms/*`: what lies below a path.
BELOW = {
    "GET": gettext_lazy("Lecture de tout ce qui se trouve sous %(path)s"),
    "PUT": gettext_lazy("Modification de tout ce qui se trouve sous %(path)s"),
    "POST": gettext_lazy("Création ou action sur tout ce qui se trouve sous %(path)s"),
    "DELETE": gettext_lazy("Suppression de tout ce qui se trouve sous %(path)s"),
}
# Any other path, as it is written.
GENERIC = {
    "GET": gettext_lazy("Lecture de %(path)s"),
    "PUT": gettext_lazy("Modification de %(path)s"),
    "POST": gettext_lazy("Création ou action sur %(path)s"),
    "DELETE": gettext_lazy("Suppression de %(path)s"),
}
_EVERY_PATH = re.compile(r"/?\*+")


def rule_described(rule) -> str:
    """One rule in plain French; something that is not a {method, path} rule says so."""
    if (
        not isinstance(rule, dict)
        or not isinstance(rule.get("method"), str)
        or not isinstance(rule.get("path"), str)
    ):
        return _("Droit non reconnu")
    method, path = rule["method"].upper(), rule["path"]
    if _EVERY_PATH.fullmatch(path):
        if method in EVERYTHING:
            return str(EVERYTHING[method])
        return _("Toute opération %(method)s sur votre compte") % {"method": method}
    if (method, path) in KNOWN:
        return str(KNOWN[(method, path)])
    if path.endswith("/*") and "*" not in path[:-1] and method in BELOW:
        return str(BELOW[method]) % {"path": path[:-1]}
    if method in GENERIC:
        return str(GENERIC[method]) % {"path": path}
    return _("Opération %(method)s sur %(path)s") % {"method": method, "path": path}


def rules_described(rules) -> list[str]:
    """Each rule of `rules` in plain French, in the same order: one sentence per rule, so that a
    page can show the exact rule beside its sentence."""
    if not isinstance(rules, list):
        return []
    return [rule_described(rule) for rule in rules]
