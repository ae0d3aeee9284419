"""What a public dashboard answers to anyone on the internet, before any of our code runs.

- Security headers on every response, by flask-talisman (maintained, and the library Dash's own
  `csp_hashes` documentation names): a Content-Security-Policy that allows our own scripts and
  the hashes of Dash's inline ones, nothing else; no framing (frame-ancestors 'none' and
  X-Frame-Options: DENY); nosniff; Referrer-Policy: same-origin (a post opened from the page
  never learns the dashboard's address); HSTS when the request came over https (directly or
  through the platform's router, X-Forwarded-Proto). Styles may be inline: plotly, the
  dropdowns and AG Grid set style attributes and inject style sheets at run time.
- A request body limit (Flask's MAX_CONTENT_LENGTH, 413) and a check of every callback
  request's shape before Dash reads it: JSON, not too deep, no list longer or string longer than
  any control can send (400). Each callback then keeps only the values that exist.
- Errors answer in one short line, never a traceback: an unknown asset is a 404.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, jsonify, request
from flask_talisman import Talisman
from werkzeug.exceptions import BadRequest, HTTPException, NotFound, RequestEntityTooLarge

logger = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
# The largest shape a page's callback request has: AG Grid's filter model nests deepest
# (inputs > value > filterModel > column > conditions > condition > filter).
MAX_DEPTH = 12
MAX_LIST = 200      # 14 metrics, a few dozen terms, a page of table rows
MAX_STRING = 20000  # the URL's query string (parse_query reads at most this)
MAX_NODES = 5000


def content_security_policy(inline_script_hashes: Iterable[str]) -> dict:
    return {
        "default-src": "'self'",
        "script-src": ["'self'", *inline_script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }


def shape_problem(payload: object) -> str | None:
    """Why a decoded callback request is not one a page sends (too deep, too long, too
    big), else None. Iterative: a deeply nested request must not exhaust the stack."""
    if not isinstance(payload, dict):
        return "the request is not a JSON object"
    stack = [(payload, 0)]
    nodes = 0
    while stack:
        value, depth = stack.pop()
        nodes += 1
        if nodes > MAX_NODES:
            return f"more than {MAX_NODES} values"
        if depth > MAX_DEPTH:
            return f"nested deeper than {MAX_DEPTH}"
        if isinstance(value, str):
            if len(value) > MAX_STRING:
                return f"a text longer than {MAX_STRING} characters"
        elif isinstance(value, list):
            if len(value) > MAX_LIST:
                return f"a list longer than {MAX_LIST} items"
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, dict):
            if len(value) > MAX_LIST:
                return f"an object with more than {MAX_LIST} keys"
            for key, item in value.items():
                if len(key) > MAX_STRING:
                    return f"a key longer than {MAX_STRING} characters"
                stack.append((item, depth + 1))
    return None


def callback_problem(payload: dict, callback_map: dict) -> str | None:
    """Why a callback request names no callback of this app, or not its inputs, else None."""
    spec = callback_map.get(payload.get("output")) if isinstance(payload.get("output"), str) \
        else None
    if spec is None:
        return "it names no callback of this page"
    for part in ("inputs", "state"):
        given = payload.get(part, [])
        declared = {(d["id"], d["property"]) for d in spec.get(part, [])}
        if not isinstance(given, list):
            return f"its {part} are not a list"
        for item in given:
            if not isinstance(item, dict) or (item.get("id"), item.get("property")) not in declared:
                return f"its {part} are not the callback's"
        if part == "inputs" and len(given) != len(declared):
            return "its inputs are not the callback's"
    return None


def _error(status: int, message: str) -> Response:
    if request.path == CALLBACK_PATH:
        response = jsonify(error=message)
    else:
        response = Response(message + "\n", mimetype="text/plain")
    response.status_code = status
    return response


def protect(app: Dash, max_request_bytes: int) -> None:
    """Headers, limits and error pages for the app's Flask server (call after every callback
    is registered: the CSP carries the hashes of Dash's inline scripts)."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes
    Talisman(server, force_https=False,  # the platform's router terminates TLS and redirects
             frame_options="DENY", strict_transport_security=True,
             strict_transport_security_include_subdomains=False,
             content_security_policy=content_security_policy(app.csp_hashes()),
             referrer_policy="same-origin", session_cookie_secure=True,
             x_content_type_options=True, x_xss_protection=False)

    @server.before_request
    def check_callback_request():
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        if not request.is_json:
            raise BadRequest("a callback request must be JSON")
        try:
            payload = json.loads(request.get_data(cache=True))  # 413 past the body limit
        except (ValueError, UnicodeDecodeError):
            raise BadRequest("the callback request is not valid JSON") from None
        problem = shape_problem(payload) or callback_problem(payload, app.callback_map)
        if problem:
            logger.warning("callback request refused from %s: %s", request.remote_addr, problem)
            raise BadRequest(f"the callback request is refused: {problem}")
        return None

    @server.errorhandler(RequestEntityTooLarge)
    def too_large(_exc):
        return _error(413, f"the request body is larger than {max_request_bytes // 1024} kB")

    @server.errorhandler(DependencyException)
    def unknown_asset(_exc):
        return _error(404, "not found")

    @server.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if isinstance(exc, NotFound):
            return _error(404, "not found")
        return _error(exc.code or 500, exc.description or exc.name)

    @server.errorhandler(Exception)
    def unexpected(exc: Exception):
        logger.exception("unexpected error on %s %s", request.method, request.path)
        return _error(500, "the dashboard met an unexpected error; it is in the server log")
