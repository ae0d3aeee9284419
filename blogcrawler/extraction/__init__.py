"""Finding a post's main content in a WordPress page, one idea per module:

- `parse`: bytes to a tree, and the one charset rule (the crawler's middleware uses it too);
- `index`: one walk that indexes the page's elements, and the tree helpers;
- `vocabulary`: the class names themes and plugins give the blocks around a post;
- `scorer`: the paragraph scorer, for themes that follow no naming convention;
- `main_content`: choosing the post body (naming conventions checked by the scorer);
- `noise`: removing what themes and plugins put inside the body;
- `link_lines`: removing "Read more:"/"Related" link lists, subscribe lines, disclosures;
- `edges`: the body's first and last lines that are not its text: "Tags:"/"Photo credit:"
  lines, and a heading, bare links or a highlighted box ending it;
- `lead`: the lead printed between the title and the body;
- `rules`: the switchable rules, for leave-one-site-out evaluation.

The main content is the post body only: not the title, byline, sidebar, comments, share buttons,
related-posts blocks or the author bio that some themes put inside `div.entry-content`.
"""

from blogcrawler.extraction.index import PageIndex, has_ancestor, text_content
from blogcrawler.extraction.main_content import find_main_content
from blogcrawler.extraction.parse import MarkupTooDeepError, page_encoding, parse_html
from blogcrawler.extraction.rules import DEFAULT_RULES, Rules

__all__ = ["DEFAULT_RULES", "MarkupTooDeepError", "PageIndex", "Rules", "find_main_content", "has_ancestor",
           "page_encoding", "parse_html", "text_content"]
