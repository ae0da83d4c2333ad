"""The order in which the directory's vocabularies reach the lists people pick from."""

from __future__ import annotations

from typing import Any

from models.foundation.settings import Settings
from tests.graphql import GraphQLClient

VOCABULARIES_QUERY = "query { directoryVocabularies { facet values { key label } } }"


async def _labels(api: GraphQLClient) -> dict[str, list[str]]:
    data = await api.query(VOCABULARIES_QUERY)
    vocabularies: list[dict[str, Any]] = data["directoryVocabularies"]
    return {v["facet"]: [value["label"] for value in v["values"]] for v in vocabularies}


async def test_languages_locations_industries_and_products_come_in_alphabetical_order(
    api: GraphQLClient, db: Settings
) -> None:
    # When a client reads the vocabularies to fill its lists
    labels = await _labels(api)

    # Then languages read in the order of their names, not of their ISO codes
    languages = labels["LANGUAGE"]
    assert languages.index("Danish") < languages.index("Dutch") < languages.index("German")
    assert languages.index("German") < languages.index("Greek")
    assert languages[:3] == ["Arabic", "Chinese", "Czech"]

    # And so do the other lists, accented names among their plain neighbors
    for facet in ("LANGUAGE", "LOCATION", "INDUSTRY", "PRODUCT"):
        assert labels[facet] == sorted(labels[facet], key=str.casefold), facet
    locations = labels["LOCATION"]
    assert locations.index("Thailand") < locations.index("Türkiye") < locations.index("Ukraine")


async def test_organization_sizes_come_from_the_smallest_up(
    api: GraphQLClient, db: Settings
) -> None:
    # When a client reads the organization sizes
    sizes = (await _labels(api))["ORGANIZATION_SIZE"]

    # Then they are in the order of size, which is what a person scans for
    assert sizes[0] == "1 to 9 employees"
    assert sizes[-1] == "10,000 employees or more"
    assert sizes.index("50 to 249 employees") < sizes.index("1,000 to 9,999 employees")
