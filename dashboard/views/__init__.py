"""One module per view of the page: its layout, its callbacks (`register(app, repo)`) and the
pure function that builds its figure or text. `dashboard.layout` places them; `dashboard.app`
registers them.

- scope: site and year selectors, the controls kept in step with the URL, the database status;
- summary: the cards, and the last crawl of the site-year;
- weekly: the year week by week, one panel per metric;
- terms: mentions of the tracked terms;
- scatter: two metrics against each other, with Pearson's r;
- posts_table: the AG Grid table served page by page, and its CSV;
- lines and common: what the views share.
"""
