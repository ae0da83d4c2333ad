"""PageInfo as Relay clients read it: both cursors and both directions, on every kind of list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.foundation.ids import encode_id
from models.foundation.settings import Settings
from tests import factories as f
from tests.graphql import GraphQLClient

PAGE = "edges { cursor } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }"


async def two_pages(
    api: GraphQLClient,
    query: str,
    page_of: Callable[[dict[str, Any]], dict[str, Any]],
    token: str | None,
    **variables: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A list's first page and the page after it; `query` takes `$after`."""
    first = page_of(await api.query(query, variables | {"after": None}, token))
    after = first["pageInfo"]["endCursor"]
    second = page_of(await api.query(query, variables | {"after": after}, token))
    return first, second


def cursors(page: dict[str, Any]) -> list[str]:
    return [edge["cursor"] for edge in page["edges"]]


async def test_a_top_level_list_tells_both_pages_where_they_stand(
    api: GraphQLClient, db: Settings
) -> None:
    # Given three invitations that a partner sent
    agent = await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT")
    for n in range(3):
        assert (await f.send(api, agent, customerEmail=f"it{n}@contoso.com"))["errors"] == []

    # When the partner reads them two at a time
    first, second = await two_pages(
        api,
        f"query($after: String) {{ invitations(first: 2, after: $after) {{ {PAGE} }} }}",
        lambda data: data["invitations"],
        agent.token,
    )

    # Then the first page has only a next page, the second only a previous one
    assert first["pageInfo"] == {
        "hasNextPage": True,
        "hasPreviousPage": False,
        "startCursor": cursors(first)[0],
        "endCursor": cursors(first)[1],
    }
    assert second["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": True,
        "startCursor": cursors(second)[0],
        "endCursor": cursors(second)[0],
    }


async def test_an_empty_page_has_no_cursors(api: GraphQLClient, db: Settings) -> None:
    # Given a partner that sent nothing
    agent = await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT")

    # When it reads its invitations
    data = await api.query(f"{{ invitations {{ {PAGE} }} }}", token=agent.token)

    # Then the page stands nowhere
    assert data["invitations"]["pageInfo"] == {
        "hasNextPage": False,
        "hasPreviousPage": False,
        "startCursor": None,
        "endCursor": None,
    }


async def test_nested_lists_tell_both_pages_where_they_stand(
    api: GraphQLClient, db: Settings
) -> None:
    # Given Contoso's two directory users, and its relationship with Fabrikam (whose history
    # holds the invitation's sending and its acceptance)
    agent = await f.person(await f.partner("Fabrikam"), "ADMIN_AGENT")
    contoso = await f.customer("Contoso")
    admin = await f.person(contoso, "GLOBAL_ADMINISTRATOR")
    relationship = await f.granted(agent, admin, ["USER_ADMINISTRATOR"])
    await f.tenant(contoso)

    # When the admin reads the users, and the agent the history, one at a time
    users = await two_pages(
        api,
        f"query($id: ID!, $after: String) {{ customer(id: $id) {{ "
        f"users(first: 1, after: $after) {{ {PAGE} }} }} }}",
        lambda data: data["customer"]["users"],
        admin.token,
        id=encode_id("Organization", contoso.id),
    )
    history = await two_pages(
        api,
        f"query($id: ID!, $after: String) {{ relationship(id: $id) {{ "
        f"activity(first: 1, after: $after) {{ {PAGE} }} }} }}",
        lambda data: data["relationship"]["activity"],
        agent.token,
        id=encode_id("Relationship", relationship.id),
    )

    # Then in both the first page has a next page only, and the next one a previous page
    for first, second in (users, history):
        assert first["pageInfo"]["hasNextPage"] is True
        assert first["pageInfo"]["hasPreviousPage"] is False
        assert second["pageInfo"]["hasPreviousPage"] is True
        for page in (first, second):
            assert page["pageInfo"]["startCursor"] == cursors(page)[0]
            assert page["pageInfo"]["endCursor"] == cursors(page)[-1]


async def test_the_directory_gives_its_start_cursor_and_never_a_previous_page(
    api: GraphQLClient, db: Settings
) -> None:
    # Given two listed partners
    await f.listed_partner("Fabrikam")
    await f.listed_partner("Northwind")

    # When a visitor reads the directory one partner at a time
    first, second = await two_pages(
        api,
        f"query($after: String) {{ partners(first: 1, after: $after) {{ {PAGE} }} }}",
        lambda data: data["partners"],
        None,
    )

    # Then each page starts at its first partner, and none says that one comes before it
    # (the field's description says so: the directory's search reads forward only)
    assert first["pageInfo"]["startCursor"] == cursors(first)[0]
    assert second["pageInfo"]["startCursor"] == cursors(second)[0]
    assert (first["pageInfo"]["hasNextPage"], second["pageInfo"]["hasNextPage"]) == (True, False)
    assert (first["pageInfo"]["hasPreviousPage"], second["pageInfo"]["hasPreviousPage"]) == (
        False,
        False,
    )
