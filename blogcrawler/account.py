"""The account of a run's posts: every post URL discovery listed, and what became of it (pure).

Each listed post is in exactly one state. While the run goes on a post is `pending` (listed, not
answered yet) or `measured` (its page was read, the database has not answered yet); when the run
ends, each is one of the final states below, and the counts add up to the posts listed.

| state         | meaning                                                                 |
|---------------|-------------------------------------------------------------------------|
| stored_new    | the database acknowledged it as a new document                          |
| updated       | an existing document changed and was rewritten                          |
| unchanged     | the stored document already held these figures (not rewritten)          |
| dropped       | measured, but not a post of the year (reason: other_year, no_date, ...) |
| failed        | never measured or not stored (reason: HTTP 404, size limit, ...)        |
| not_reached   | the run stopped before the post was answered or stored                  |

Two listed URLs that turn out to be one page (a redirect from one to the other) are one post:
the second is kept as an alias, not counted twice. Nothing here does I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

PENDING, MEASURED = "pending", "measured"
STORED = ("stored_new", "updated", "unchanged")
FINAL = (*STORED, "dropped", "failed", "not_reached")
COUNTED = ("listed", *FINAL)
# A post fetched by an earlier run of the same job (Scrapy's JOBDIR) is not fetched again; the
# database says at the end whether it is there.
SEEN_BEFORE = "seen_before"


@dataclass
class Entry:
    state: str = PENDING
    reason: str = ""
    kind: str = "post"  # what failed: the post's page, or storing it ("store")
    doc: str | None = None  # the document URL it was measured as


@dataclass
class Account:
    posts: dict[str, Entry] = field(default_factory=dict)  # listed URL -> what became of it
    by_doc: dict[str, str] = field(default_factory=dict)  # document URL -> listed URL
    aliases: dict[str, str] = field(default_factory=dict)  # listed URL -> the post it is

    # -- discovery ---------------------------------------------------------------------------
    def listed(self, url: str) -> bool:
        """A post URL a route lists; True when it is new to the account or asked again (a
        later route listing a post an earlier one failed to measure)."""
        if url in self.aliases:
            return False
        entry = self.posts.get(url)
        if entry is None:
            self.posts[url] = Entry()
            return True
        if entry.state in STORED or entry.state in (MEASURED, "dropped"):
            return False
        self.posts[url] = Entry()
        return True

    def alias(self, url: str, target: str) -> None:
        """`url` turned out to be the page `target` (a redirect to a post already asked for)."""
        if url in self.posts and url != target:
            del self.posts[url]
            self.aliases[url] = target

    # -- pages -------------------------------------------------------------------------------
    def failed(self, url: str, reason: str, kind: str = "post") -> None:
        entry = self.posts.setdefault(url, Entry())
        entry.state, entry.reason, entry.kind = "failed", reason, kind

    def seen_before(self, url: str) -> None:
        entry = self.posts.get(url)
        if entry is not None and entry.state == PENDING:
            entry.state = SEEN_BEFORE

    def measured(self, listed: str, doc: str) -> str | None:
        """The page listed as `listed` was measured as document `doc`. Returns the listed URL
        that already claimed `doc` (two URLs, one document), else None."""
        owner = self.by_doc.get(doc)
        if owner is not None and owner != listed and owner in self.posts:
            self.alias(listed, owner)
            return owner
        entry = self.posts.setdefault(listed, Entry())
        entry.state, entry.reason, entry.doc = MEASURED, "", doc
        self.by_doc[doc] = listed
        return None

    # -- pipelines ---------------------------------------------------------------------------
    def _entry_of(self, doc: str) -> Entry:
        listed = self.by_doc.get(doc, doc)
        entry = self.posts.get(listed)
        if entry is None:  # measured without being listed (e.g. resumed from a JOBDIR queue)
            entry = self.posts[listed] = Entry(doc=doc)
            self.by_doc[doc] = listed
        return entry

    def dropped(self, doc: str, reason: str) -> None:
        entry = self._entry_of(doc)
        entry.state, entry.reason = "dropped", reason

    def stored(self, doc: str, state: str) -> None:
        """What the database acknowledged. The same page reached twice in a run (an alias) is
        written twice; the first write says what this run did to it (new beats unchanged)."""
        entry = self._entry_of(doc)
        if entry.state in STORED and STORED.index(entry.state) < STORED.index(state):
            return
        entry.state, entry.reason = state, ""

    def not_stored(self, doc: str, reason: str) -> None:
        entry = self._entry_of(doc)
        entry.state, entry.reason, entry.kind = "failed", reason, "store"

    # -- the end -----------------------------------------------------------------------------
    def unsettled(self, *states: str) -> list[str]:
        """Listed URLs still in one of `states`."""
        return [url for url, e in self.posts.items() if e.state in states]

    def close(self, ended_normally: bool) -> None:
        """Every post gets a final state: what was not answered is not reached when the run was
        stopped; after a normal end, a post without an outcome is a failure (it was lost)."""
        for entry in self.posts.values():
            if entry.state in (PENDING, MEASURED, SEEN_BEFORE):
                if ended_normally:
                    entry.state = "failed"
                    entry.reason = entry.reason or "no outcome recorded: the page was asked for " \
                                                   "but never answered or stored"
                else:
                    entry.state = "not_reached"

    def counts(self) -> dict[str, int]:
        """{listed, stored_new, updated, unchanged, dropped, failed, not_reached}: they add up.
        While running, `not_reached` counts the posts not answered yet."""
        states = Counter(e.state for e in self.posts.values())
        counts = {"listed": len(self.posts), **{s: states.get(s, 0) for s in FINAL}}
        counts["not_reached"] += sum(states.get(s, 0) for s in (PENDING, MEASURED, SEEN_BEFORE))
        return counts

    def dropped_by_reason(self) -> dict[str, int]:
        return dict(Counter(e.reason for e in self.posts.values() if e.state == "dropped"))

    def failures(self) -> list[dict]:
        return [{"url": url, "kind": e.kind, "reason": e.reason}
                for url, e in self.posts.items() if e.state == "failed"]

    def not_reached(self) -> list[str]:
        return self.unsettled("not_reached")
