"""The account of a run's posts (pure): every listed post ends in exactly one state."""

from __future__ import annotations

from blogcrawler.account import Account

A, B, C, D = (f"http://blog.test/2015/01/0{n}/p{n}/" for n in range(1, 5))


def totals_add_up(counts: dict) -> bool:
    return sum(v for k, v in counts.items() if k != "listed") == counts["listed"]


def test_each_listed_post_ends_in_one_state_and_the_counts_add_up():
    account = Account()
    for url in (A, B, C, D):
        account.listed(url)
    account.measured(A, A)
    account.stored(A, "stored_new")
    account.measured(B, B)
    account.dropped(B, "other_year")
    account.failed(C, "HTTP 404")
    assert account.counts() == {"listed": 4, "stored_new": 1, "updated": 0, "unchanged": 0,
                                "dropped": 1, "failed": 1, "not_reached": 1}  # D: not yet
    account.close(ended_normally=False)
    counts = account.counts()
    assert counts["not_reached"] == 1 and totals_add_up(counts)
    assert account.not_reached() == [D]
    assert account.dropped_by_reason() == {"other_year": 1}
    assert account.failures() == [{"url": C, "kind": "post", "reason": "HTTP 404"}]


def test_a_post_without_an_outcome_after_a_normal_end_is_a_failure_not_a_success():
    account = Account()
    account.listed(A)
    account.measured(A, A)  # measured, but the database never answered for it
    account.close(ended_normally=True)
    assert account.counts()["failed"] == 1
    assert "no outcome" in account.failures()[0]["reason"]


def test_two_urls_of_one_page_are_one_post_and_new_beats_unchanged():
    account = Account()
    account.listed(A)
    account.listed(A.rstrip("/"))
    account.measured(A, A)
    assert account.measured(A.rstrip("/"), A) == A  # the second URL is an alias
    account.stored(A, "stored_new")
    account.stored(A, "unchanged")  # the alias's write found it already there
    assert account.counts() == {"listed": 1, "stored_new": 1, "updated": 0, "unchanged": 0,
                                "dropped": 0, "failed": 0, "not_reached": 0}
    assert account.aliases == {A.rstrip("/"): A}


def test_a_later_route_may_retry_a_failed_post_but_not_a_stored_one():
    account = Account()
    account.listed(A)
    account.failed(A, "HTTP 500")
    assert account.listed(A) is True  # asked again
    account.measured(A, A)
    account.stored(A, "updated")
    assert account.listed(A) is False
    assert account.counts()["updated"] == 1 and account.counts()["failed"] == 0


def test_a_post_stored_under_another_url_is_counted_under_the_listed_one():
    account = Account()
    account.listed(A)
    account.measured(A, B)  # e.g. a redirect within the blog
    account.not_stored(B, "database gone")
    assert account.failures() == [{"url": A, "kind": "store", "reason": "database gone"}]
