"""The blogstats dashboard: a Dash app reading the crawler's `posts` and `crawls` collections.

`gunicorn dashboard.app:server` serves it; see dashboard/app.py.
"""
