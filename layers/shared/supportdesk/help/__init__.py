"""The help centre: articles kept as Markdown with front matter (articles/<id>.<lang>.md), a BM25 search over
character bigrams (Chinese has no spaces) and stemmed words (English), built into index.json at build time."""
