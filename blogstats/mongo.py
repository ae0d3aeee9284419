"""One home for talking to MongoDB: the client factory and the rule that keeps secrets out of
every log line, page and error message.

`mask_uri` hides the password and any secret option of a MongoDB URI whatever characters the
password holds, percent-encoded or not (`+`, `/`, `=`, `?`, `#`, `@` and `:` included): where the
URI is ambiguous it hides more, never less. `scrub` removes a URI's secrets from any text (an
exception message, a log line). `make_client` builds a MongoClient with the project's time-outs,
or raises `ConfigError` with a sentence that never repeats the password.
"""

from __future__ import annotations

import re
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
