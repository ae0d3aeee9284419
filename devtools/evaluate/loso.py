"""Leave-one-site-out for hand-written rules: a rule justified by one site must help the others.

For each held-out site, each rule of `Rules` is decided alone from its net effect on all the
OTHER sites (the checks passed with the rule as it is by default, less those passed with it
switched), and the held-out site is then scored with the rules so decided. A rule is kept for a
site only when it strictly helps the other sites; one that changes nothing elsewhere is dropped,
so a rule written for a single site earns nothing here. Rules are decided one at a time against
the default set (their interactions are not searched), which is what the default set's authors
could have known without the held-out site.
"""

from __future__ import annotations

from collections import defaultdict

from blogcrawler.extraction import Rules


def page_points(checks: dict[str, bool]) -> int:
    return sum(checks.values())


def rule_effects(sites: list[str], points: dict[str, list[int]],
                 default_points: list[int]) -> dict[str, dict[str, int]]:
    """rule -> site -> net checks the rule's default setting gains on that site's pages
    (`points[rule]` are the pages' points with that one rule switched)."""
    effects: dict[str, dict[str, int]] = {}
    for rule, switched in points.items():
        per_site: dict[str, int] = defaultdict(int)
        for site, kept, changed in zip(sites, default_points, switched, strict=True):
            per_site[site] += kept - changed
        effects[rule] = dict(per_site)
    return effects


def site_rules(default: Rules, effects: dict[str, dict[str, int]],
               sites: list[str]) -> dict[str, Rules]:
    """The rules each held-out site is scored with: each rule's default setting where it
    strictly helps the other sites, else the rule switched."""
    totals = {rule: sum(per_site.values()) for rule, per_site in effects.items()}
    chosen = {}
    for site in dict.fromkeys(sites):
        rules = default
        for rule, per_site in effects.items():
            if totals[rule] - per_site.get(site, 0) <= 0:
                rules = rules.switched(rule)
        chosen[site] = rules
    return chosen
