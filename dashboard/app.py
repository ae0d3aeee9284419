"""The Dash app: `gunicorn dashboard.app:server` serves it; `python -m dashboard.app` for a
local look (http://127.0.0.1:8050).

`create_app(config)` builds an app for any database (the tests and the benchmark make their own);
the module-level `app`/`server` read the environment.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from dash import Dash
from flask import jsonify

from blogstats.config import ConfigError
from dashboard import layout
from dashboard.config import Config
from dashboard.data import Repository
from dashboard.security import protect

ASSETS = Path(__file__).resolve().parent / "assets"
logger = logging.getLogger(__name__)


def create_app(config: Config | None = None) -> Dash:
    config = config or Config.from_env()
    repo = Repository(config)
    # Callbacks of the pages not shown have no components on the page: not an error.
    app = Dash(__name__, title="blogstats", assets_folder=str(ASSETS), compress=True,
               update_title=None, serve_locally=True, suppress_callback_exceptions=True,
               meta_tags=[
                   {"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": "A blog's year in numbers"}])
    # A re-check must outlast a failing ping, or the page drops each answer as stale.
    app.layout = layout.build_layout(max(config.status_interval_ms,
                                         config.server_selection_ms + 1000))
    app.repository = repo  # for tests and the benchmark
    layout.register(app, repo)

    @app.server.route("/healthz")
    def healthz():
        # Public: says only whether the page can read its data. Why not goes to the log.
        if repo.ping():
            return jsonify(status="ok")
        return jsonify(status="unavailable"), 503

    protect(app, config.max_request_bytes)
    logger.info("dashboard reading %s / %s", repo.masked_uri, config.database)
    return app


def _app_from_environment() -> Dash:
    """The app the environment configures, or one sentence and an exit: 2 as every process
    says a wrong setting, 3 under gunicorn, whose arbiter stops on that code instead of
    restarting workers that can never start."""
    try:
        return create_app()
    except ConfigError as exc:
        print(f"web: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(3 if "gunicorn" in sys.modules else 2) from None


app = _app_from_environment()
server = app.server

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8050, debug=False)
