"""The extractor's rules that are a judgement about how themes are built, each one switchable.

Every field is on by default: each was kept because, switched off, the extractor scores worse on
the sites of the real-page corpora other than any one site (leave-one-site-out, see
`python -m devtools.evaluate --loso`). The switches exist for that evaluation; the crawler always
runs with `DEFAULT_RULES`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace


@dataclass(frozen=True)
class Rules:
    # Finding the body
    spelled_names: bool = True  # "entry__content", "et_pb_post_content": WordPress names in
    #                             BEM / page-builder spelling match the content rules
    skip_teaser_matches: bool = True  # a content-named block inside a comment, widget, teaser
    #                                   or related-posts block is not the post's body
    widen: bool = True  # a post printed as several sibling sections is taken whole
    builder_names: bool = True  # page builders' names ("elementor-widget-share-buttons",
    #                             "so-panel widget") are read by the block's kind, not skipped
    br_text: bool = True  # text split by <br> only (no <p>) is scored like paragraphs
    # Cleaning the body
    form_wrapper: bool = True  # a <form> holding most of the body is a plugin's wrapper
    prose_blocks: bool = True  # a weak-named block holding paragraphs of prose is the post
    post_sections: bool = True  # weak-named blocks named alike holding half the text together
    #                             are the post's sections (a list post's cards)
    widget_noise: bool = True  # ratings, donation/pop-up boxes, credits and author boxes go
    link_lines: bool = True  # "Read more:"/"Related"/"See also" link lists and post navigation
    subscribe_lines: bool = True  # a one-link "subscribe to our newsletter" line
    labelled_lines: bool = True  # "Tags: ...", "Photo credit: ...", "Quelle: ..." lines at the
    #                              body's first or last lines
    trailing_lines: bool = True  # a heading or bare links ending the body introduce no text of
    #                              the post
    disclosures: bool = True  # an italic affiliate-commission paragraph
    own_title_links: bool = True  # a heading linking to the post's own URL is the post's title
    #                               (classic themes print it as a permalink), not its text
    # What belongs to the post besides its body
    lead: bool = True  # the lead/excerpt printed between the title and the body
    header_lead: bool = True  # a lead-named block inside the entry header the body holds
    # Dates
    own_post_dates: bool = True  # a <time> inside another post's teaser is not the post's date
    dates_in_words: bool = True  # <time datetime="23. Juni 2016"> is read as a date in words
    updated_labels: bool = True  # a <time class="published"> labelled "Last updated" is not
    #                              the publication date
    date_second_opinion: bool = True  # no date in the markup, URL or header: ask htmldate

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def without(self, *names: str) -> Rules:
        return replace(self, **dict.fromkeys(names, False))

    def switched(self, name: str) -> Rules:
        return replace(self, **{name: not getattr(self, name)})


DEFAULT_RULES = Rules()
