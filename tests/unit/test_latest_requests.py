"""Which analyze requests the server drops: those a newer one of the same client and notebook
replaced before their turn came, in order of arrival (bodies are parsed in any order)."""

from __future__ import annotations

from nb2pkg.frontends.server.work_queue import LatestRequests


def test_a_newer_request_of_the_same_client_and_notebook_supersedes_an_older_one() -> None:
    latest = LatestRequests()
    key = ("panel-1", "work/a.ipynb")
    first, second = latest.ticket(), latest.ticket()
    latest.register(key, first)
    latest.register(key, second)
    assert latest.superseded(key, first)
    assert not latest.superseded(key, second)


def test_arrival_order_decides_even_when_the_older_body_is_parsed_last() -> None:
    latest = LatestRequests()
    key = ("panel-1", "work/a.ipynb")
    older, newer = latest.ticket(), latest.ticket()
    latest.register(key, newer)
    latest.register(key, older)
    assert latest.superseded(key, older)
    assert not latest.superseded(key, newer)


def test_other_clients_and_other_notebooks_are_not_superseded() -> None:
    latest = LatestRequests()
    mine, other_client, other_notebook = (
        ("panel-1", "a.ipynb"),
        ("panel-2", "a.ipynb"),
        ("panel-1", "b.ipynb"),
    )
    tickets = {key: latest.ticket() for key in (mine, other_client, other_notebook)}
    for key, ticket in tickets.items():
        latest.register(key, ticket)
    assert not any(latest.superseded(key, ticket) for key, ticket in tickets.items())


def test_a_finished_request_leaves_nothing_behind() -> None:
    latest = LatestRequests()
    key = ("panel-1", "a.ipynb")
    ticket = latest.ticket()
    latest.register(key, ticket)
    latest.finish(key, ticket)
    later = latest.ticket()
    latest.register(key, later)
    assert not latest.superseded(key, later)
    latest.finish(key, later)
    assert latest.pending() == 0
