"""Postcode and city -> commune (INSEE code), arrondissement and département, from the shipped data."""

import pytest
from django.core.management import call_command
from django.db import connection

from lines.communes import LocationError, communes_for_postcode, normalise_place_name, resolve_location
from lines.models import Commune, PostalCode

pytestmark = pytest.mark.django_db


def test_the_migration_loaded_every_commune():
    assert Commune.objects.filter(parent__isnull=True).count() > 34_000
    assert Commune.objects.filter(parent__isnull=False).count() == 45  # Paris 20, Lyon 9, Marseille 16


def test_paris_11_resolves_to_paris_and_its_arrondissement():
    location = resolve_location("75011", "Paris")
    assert (location.insee_code, location.departement) == ("75056", "75")
    assert location.arrondissement.code == "75111"


@pytest.mark.parametrize("city", ["PARIS", "paris 11e", "Paris 11e arrondissement", "Paris 11"])
def test_paris_may_be_written_with_its_arrondissement(city):
    assert resolve_location("75011", city).arrondissement.code == "75111"


def test_the_second_postcode_of_paris_16_gives_the_same_arrondissement():
    assert resolve_location("75116", "Paris").arrondissement.code == "75116"
    assert resolve_location("75016", "Paris").arrondissement.code == "75116"


def test_a_corsican_commune_has_its_2a_code():
    location = resolve_location("20090", "Ajaccio")
    assert (location.insee_code, location.departement, location.arrondissement) == ("2A004", "2A", None)


def test_an_overseas_commune_has_its_three_digit_departement():
    location = resolve_location("97400", "Saint-Denis")
    assert (location.insee_code, location.departement) == ("97411", "974")


def test_a_postcode_shared_by_several_communes_lists_them_all():
    names = [commune.name for commune in communes_for_postcode("51300")]
    assert len(names) > 40
    assert "Vitry-le-François" in names
    assert resolve_location("51300", "vitry le francois").insee_code == "51649"


def test_the_city_must_belong_to_the_postcode():
    with pytest.raises(LocationError) as error:
        resolve_location("75011", "Lyon")
    assert [commune.code for commune in error.value.candidates] == ["75056"]


def test_an_unknown_or_cedex_postcode_is_not_a_place():
    with pytest.raises(LocationError) as error:
        resolve_location("75700", "Paris Cedex 07")
    assert error.value.candidates == []


@pytest.mark.parametrize(
    ("typed", "normalised"),
    [
        ("Saint-Étienne", "SAINT ETIENNE"),
        ("ST ETIENNE", "SAINT ETIENNE"),
        ("L'Haÿ-les-Roses", "L HAY LES ROSES"),
        ("  Cœuvres-et-Valsery ", "COEUVRES ET VALSERY"),
    ],
)
def test_place_names_compare_without_case_accents_or_abbreviations(typed, normalised):
    assert normalise_place_name(typed) == normalised


def test_reloading_the_reference_data_changes_nothing():
    before = (Commune.objects.count(), PostalCode.objects.count())
    call_command("load_communes")
    assert (Commune.objects.count(), PostalCode.objects.count()) == before


@pytest.mark.postgres
def test_the_postcode_lookup_is_an_index_scan():
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lines_postalcode")
        cursor.execute("EXPLAIN SELECT commune_id FROM lines_postalcode WHERE code = '75011'")
        plan = " ".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "Seq Scan" not in plan
