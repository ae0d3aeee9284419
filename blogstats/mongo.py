"""One home for talking to MongoDB: the client factory and the rule that keeps secrets out of
every log line, page and error message.

`mask_uri` hides the password and any secret option of a MongoDB URI whatever characters the
password holds, percent-encoded or not (`+`, `/`, `=`, `?`, `#`, `@` and `:` included): where the
URI is ambiguous it hides more, never less. `scrub` removes a URI's secrets from any text (an
exception message, a log line). `make_client` builds a MongoClient with the project's time-outs,
or raises `ConfigError` with a sentence that never repeats the password.

`SharedClient` is how the processes' components hold a client: every holder of the same URI
(and time-out) in one process shares one MongoClient, its connection pool and its monitor
threads. A worker running many crawls at once, each with its pipeline's and its record's
storage, and its own jobs store, holds one client, not two per crawl. The client is counted:
it is closed when its last holder lets go, never while another uses it. It is fork-safe: a
child process never touches its parent's clients (PyMongo's clients must not cross a fork); it
gets new ones on first use.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass
from urllib.parse import quote, quote_plus, unquote_plus

from pymongo import MongoClient
from pymongo.errors import ConfigurationError, InvalidURI
from pymongo.uri_parser import parse_userinfo

from blogstats.config import ConfigError

HIDDEN = "***"
_SCHEME = re.compile(r"^(mongodb(?:\+srv)?://)", re.IGNORECASE)
# URI options whose values are secrets (pymongo's names; matched case-insensitively).
_SECRET_OPTIONS = re.compile(
    r"(?i)(?:password|passphrase|secret|token|authmechanismproperties|tlscertificatekeyfile"
    r"password|sslpemkeypassword|key)")


def _split(uri: str) -> tuple[str, str | None, str]:
    """(scheme, userinfo or None, the rest: hosts, path and options). The userinfo ends at the
    last "@" of the URI, so a password holding "/", "?", "#" or "@" stays inside it."""
    match = _SCHEME.match(uri)
    scheme = match.group(1) if match else ""
    rest = uri[len(scheme):]
    if "@" not in rest:
        return scheme, None, rest
    userinfo, _, after = rest.rpartition("@")
    return scheme, userinfo, after


def _mask_options(rest: str) -> str:
    head, sep, query = rest.partition("?")
    if not sep:
        return rest
    masked = []
    for option in re.split(r"([&;])", query):
        name, eq, _value = option.partition("=")
        if eq and _SECRET_OPTIONS.search(name):
            option = f"{name}={HIDDEN}"
        masked.append(option)
    return head + sep + "".join(masked)


def mask_uri(uri: str) -> str:
    """The URI with its password (and secret options) replaced by ***, safe for logs."""
    if not isinstance(uri, str):
        return "<not a URI>"
    scheme, userinfo, rest = _split(uri)
    if userinfo is None:
        return scheme + _mask_options(rest)
    user = HIDDEN
    if _valid_userinfo(userinfo):
        user = quote(parse_userinfo(userinfo)[0], safe="")
    else:
        # Not percent-encoded: the user name is what precedes the first ":" unless that is
        # ambiguous too, in which case nothing of the userinfo is shown.
        candidate = userinfo.split(":", 1)[0]
        if candidate and not re.search(r"[/?#\[\]@%]", candidate):
            user = candidate
    return f"{scheme}{user}:{HIDDEN}@{_mask_options(rest)}"


def secrets_of(uri: str) -> list[str]:
    """The secret strings a URI holds (its password as written and decoded, secret options)."""
    if not isinstance(uri, str):
        return []
    found: list[str] = []
    _scheme, userinfo, rest = _split(uri)
    if userinfo and ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        found += [password, unquote_plus(password), quote_plus(unquote_plus(password))]
    _head, _sep, query = rest.partition("?")
    for option in re.split(r"[&;]", query):
        name, eq, value = option.partition("=")
        if eq and value and _SECRET_OPTIONS.search(name):
            found += [value, unquote_plus(value)]
    # Longest first, so a secret that contains another is replaced whole.
    return sorted({s for s in found if len(s) >= 3}, key=len, reverse=True)


def scrub(text: str, *uris: str) -> str:
    """`text` with every secret of the given URIs replaced by ***."""
    text = str(text)
    for uri in uris:
        for secret in secrets_of(uri):
            text = text.replace(secret, HIDDEN)
        if uri and uri in text:
            text = text.replace(uri, mask_uri(uri))
    return text


def _valid_userinfo(userinfo: str) -> bool:
    """Percent-encoded as RFC 3986 asks: no "/", "?", "#", "@", "[" or "]", one ":" at most."""
    if re.search(r"[/?#@\[\]]", userinfo):
        return False
    try:
        parse_userinfo(userinfo)
    except (InvalidURI, ValueError):
        return False
    return True


def make_client(uri: str, *, timeout_seconds: float, appname: str, **options) -> MongoClient:
    """A MongoClient with the project's time-outs (connecting lazily), or ConfigError when the
    URI cannot be used. The sentence names the masked URI, never the password."""
    ms = max(1, int(timeout_seconds * 1000))
    settings = {"serverSelectionTimeoutMS": ms, "connectTimeoutMS": ms,
                "socketTimeoutMS": max(ms * 6, 30000), "tz_aware": True, "appname": appname,
                "connect": False, **options}
    try:
        return MongoClient(uri, **settings)
    except (InvalidURI, ConfigurationError, ValueError, TypeError) as exc:
        reason = scrub(str(exc), uri).rstrip(".")
        hint = ""
        _scheme, userinfo, _rest = _split(uri)
        if userinfo is not None and not _valid_userinfo(userinfo):
            hint = ("; percent-encode special characters of the user name and password "
                    "(python -c \"import urllib.parse; print(urllib.parse.quote_plus('PASSWORD'))\")")
        raise ConfigError(f"MONGODB_URI {mask_uri(uri)} cannot be used: {reason}{hint}") from None


# -- one client per URI and process ----------------------------------------------------------
@dataclass
class _Entry:
    client: MongoClient
    holders: int


_shared: dict[tuple, _Entry] = {}
# Connections a shared client opens at most, besides its two monitoring ones: a worker's many
# crawls (a writer thread each), its jobs and its records queue for them, so a worker holds
# at most this many + 2 connections whatever the number of its crawls (a cluster's connection
# limit is then workers x 10). The operations are short bulk writes and lookups: a handful at
# once keeps one server busy.
SHARED_POOL_SIZE = 8
_shared_lock = threading.Lock()


def _forget_parent_clients() -> None:
    """In a forked child: the parent's clients are the parent's (their sockets and threads do
    not survive a fork); forget them without closing them, and start with a fresh lock (the
    parent may have held it while forking)."""
    global _shared_lock
    _shared.clear()
    _shared_lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_parent_clients)


def shared_clients() -> int:
    """How many shared clients this process holds (what the tests and the benchmark count)."""
    with _shared_lock:
        return sum(1 for key in _shared if key[0] == os.getpid())


class SharedClient:
    """One holder's use of the process's shared MongoClient for a URI. `client` takes it on
    first use (created then, by `make_client`; ConfigError for a URI that cannot be used);
    `close()` lets go of it, closing it only when no other holder uses it. After a fork,
    `client` gives the child a client of its own."""

    def __init__(self, uri: str, *, timeout_seconds: float, appname: str):
        self.uri, self.timeout_seconds, self.appname = uri, timeout_seconds, appname
        self._key: tuple | None = None
        self._client: MongoClient | None = None

    @property
    def client(self) -> MongoClient:
        pid = os.getpid()
        if self._client is None or self._key[0] != pid:
            # The time-out is part of the key: a holder's error messages say "within N s" and
            # must be true. A process reads one MONGODB_TIMEOUT_SECONDS: one client per URI.
            key = (pid, self.uri, self.timeout_seconds)
            with _shared_lock:
                entry = _shared.get(key)
                if entry is None:
                    # The first holder's appname names the client in the server's logs.
                    entry = _shared[key] = _Entry(make_client(
                        self.uri, timeout_seconds=self.timeout_seconds, appname=self.appname,
                        maxPoolSize=SHARED_POOL_SIZE), 0)
                entry.holders += 1
            self._key, self._client = key, entry.client
        return self._client

    def close(self) -> None:
        key, self._key, self._client = self._key, None, None
        if key is None or key[0] != os.getpid():
            return  # never held, or held by the parent before a fork: not ours to close
        with _shared_lock:
            entry = _shared.get(key)
            if entry is None:
                return
            entry.holders -= 1
            if entry.holders > 0:
                return
            del _shared[key]
        entry.client.close()
