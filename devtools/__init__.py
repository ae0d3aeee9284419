"""Development tools (not shipped to the crawler's runtime): the extractor's evaluation."""
