"""What the API answers and accepts, as pydantic models: the OpenAPI document is generated from them,
and a PUT's body is checked against the same model it documents (types first, then the panel's own
form rules, customer_api.directory_info). Names and types are OVHcloud's (contract 3.4 to 3.7)."""

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

_READ_ONLY = {"readOnly": True}


# Every error answer: the superset of OVHcloud's two shapes, so that the official client raises its
# specific exception (it reads `errorCode` on a 403). Built with create_model: `class` is a keyword.
Error = create_model(
    "Error",
    __doc__="Toute réponse d'erreur.",
    **{
        "class": (str, Field(examples=["Client::Forbidden"])),
        "errorCode": (str, Field(examples=["NOT_GRANTED_CALL"])),
        "httpCode": (str, Field(examples=["403 Forbidden"])),
        "message": (str, Field()),
        "details": (
            dict[str, Any] | None,
            Field(None, description="Indices sans secret : l'URL signée attendue, l'heure du serveur."),
        ),
    },
)


class AccessRule(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    method: Literal["GET", "POST", "PUT", "DELETE"]
    path: str = Field(max_length=500, description="`*` couvre n'importe quels caractères, `/` compris.")


class CredentialRequest(BaseModel):
    """POST /auth/credential (auth.ApiCredentialRequestParams)."""

    model_config = ConfigDict(strict=True, extra="forbid")
    accessRules: list[AccessRule] = Field(min_length=1, max_length=100)
    redirection: str | None = Field(None, max_length=2000, description="URL http(s) après le consentement.")
    allowedIPs: list[str] | None = Field(None, max_length=50, description="Blocs CIDR autorisés.")


class CredentialRequestAnswer(BaseModel):
    validationUrl: str
    consumerKey: str
    state: Literal["pendingValidation"]


class Credential(BaseModel):
    """GET /auth/currentCredential (auth.ApiCredential)."""

    credentialId: int
    applicationId: int
    status: Literal["pendingValidation", "validated", "refused", "expired"]
    rules: list[AccessRule]
    creation: str
    expiration: str | None
    lastUse: str | None
    ovhSupport: bool
    allowedIPs: list[str] | None


class BillingAccountInfo(BaseModel):
    billingAccount: str
    description: str
    status: Literal["enabled"]


class TelephonyService(BaseModel):
    serviceName: str = Field(description="Le numéro au format international 00 (0033…).")
    serviceType: Literal["alias", "line"]
    featureType: Literal["sip", "redirect"]
    description: str
    country: str = Field(description="Le pays du numéro, en minuscules (fr).")
    countryCode: int
    hasFaxCapabilities: bool
    simultaneousLines: int
    offers: list[str]
    properties: list[str]
    rio: str = Field(description="Le RIO, pour porter le numéro ; vide pour un numéro qui n'en a pas.")
    associatedDeviceMac: str | None


# telephony.DirectoryInfo's 38 properties: (type, read-only, description). The GET answers them all;
# a PUT accepts any subset, ignores the read-only and derived ones, refuses any other name.
_DERIVED = "Calculé par le serveur ; ignoré dans un PUT."
DIRECTORY_PROPERTIES: dict[str, tuple[Any, bool, str]] = {
    "PJSocialNomination": (str, False, "Dénomination Pages Jaunes : non proposée, toujours vide."),
    "address": (str, False, "L'adresse sur une ligne, calculée : un PUT la renvoie telle quelle ou vide."),
    "addressExtra": (str, False, "Complément d'adresse (bâtiment, escalier…)."),
    "ape": (str, False, "Code APE/NAF (6201Z ou 62.01Z) ; professionnels et entreprises."),
    "areaCode": (int, True, "Zone de numérotation (1 à 5 pour un numéro géographique, sinon 0)."),
    "birthDate": (date | None, False, "Non conservée : toujours null."),
    "cedex": (str, False, "Refusé : une adresse CEDEX ne situe pas une ligne. Toujours vide."),
    "city": (str, False, "Ville (commune) de l'adresse d'installation."),
    "country": (str, False, "Pays de l'adresse d'installation : fr."),
    "directoryServiceCode": (str, False, "Rubrique Pages Jaunes : non proposée, toujours vide."),
    "displayFirstName": (bool, False, "Prénom complet (true) ou initiale (false) ; particuliers."),
    "displayMarketingDirectory": (bool, False, "Prospection acceptée."),
    "displayOnlyCity": (bool, False, "Ville seule (true) ou adresse complète (false) ; particuliers."),
    "displaySearchReverse": (bool, False, "Publication dans l'annuaire inversé."),
    "displayUniversalDirectory": (bool, False, "Publication dans les annuaires."),
    "email": (str, False, "E-mail de contact (jamais publié)."),
    "firstName": (str, False, "Prénom ; particuliers."),
    "gender": (Literal["female", "male"] | None, False, "Non conservé : toujours null."),
    "inseeCode": (int, True, "Code INSEE de la commune (0 pour la Corse, 2A/2B). " + _DERIVED),
    "legalForm": (str, False, "individual, professional ou corporation."),
    "lineDescription": (str, False, "Désignation de la ligne (Standard, Accueil…)."),
    "modificationDate": (str, True, "Date de la dernière demande de parution (ISO 8601)."),
    "modificationType": (str, True, "creation ou deletion pendant une synchronisation programmée."),
    "name": (str, False, "Nom ; particuliers."),
    "number": (str, True, "Le numéro au format 00."),
    "occupation": (str, False, "Profession ; professionnels."),
    "postBox": (str, False, "Refusée : une boîte postale ne situe pas une ligne. Toujours vide."),
    "postCode": (str, False, "Code postal (5 chiffres)."),
    "receivePJDirectory": (bool, False, "Annuaire papier : non proposé, toujours false."),
    "siret": (str, False, "SIRET (14 chiffres) ; professionnels et entreprises."),
    "socialNomination": (str, False, "Dénomination ; professionnels et entreprises."),
    "socialNominationExtra": (str, False, "Complément de désignation (sigle, forme sociale)."),
    "status": (str, True, "'' (non demandée), todo (programmée), done (synchronisé) ou error."),
    "urbanDistrict": (
        str,
        False,
        "Arrondissement de Paris, Lyon ou Marseille (01), déduit du code postal "
        "et de la ville : un PUT le renvoie tel quel ou vide.",
    ),
    "wayName": (str, False, "Nom de la voie."),
    "wayNumber": (str, False, "Numéro dans la voie (12, ou 12 bis)."),
    "wayNumberExtra": (str, False, "bis, ter, quater, quinquies, A, B, C ou D."),
    "wayType": (str, False, "Type de voie : abréviation ou nom (getWayTypes)."),
}
READ_ONLY = frozenset(name for name, (_, read_only, _) in DIRECTORY_PROPERTIES.items() if read_only)


def _model(name: str, *, for_update: bool) -> type[BaseModel]:
    fields = {}
    for prop, (kind, read_only, description) in DIRECTORY_PROPERTIES.items():
        extra = _READ_ONLY if read_only else None
        if for_update:
            # Absent is not null: `x: bool = None` refuses an explicit null on a non-nullable one.
            kind = Any if read_only else kind
            fields[prop] = (kind, Field(None, description=description, json_schema_extra=extra))
        else:
            fields[prop] = (kind, Field(description=description, json_schema_extra=extra))
    return create_model(name, __config__=ConfigDict(strict=True, extra="forbid"), **fields)


DirectoryInfo = _model("DirectoryInfo", for_update=False)
DirectoryInfoUpdate = _model("DirectoryInfoUpdate", for_update=True)


class WayType(BaseModel):
    abbreviatedName: str
    wayName: str


class DirectoryHeading(BaseModel):
    apeCode: str
    apeDescription: str
    directoryServiceCode: int
    directoryServiceDescription: str
    notification: str


class EntrepriseLookup(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    entrepriseNumber: str = Field(max_length=40)


class EntrepriseInformations(BaseModel):
    entrepriseNumber: str
    isValid: bool
    name: str
    ape: str | None
    siren: str | None
    brand: str | None
    address: str | None
    message: str = Field(description="Ce que nous savons de ce numéro, en français.")


class EntrepriseTask(BaseModel):
    status: Literal["done"]
    informations: EntrepriseInformations


class City(BaseModel):
    name: str
    zipCode: str
    administrationCode: str | None
