"""What the HTML tests read from a page: tags in order, attributes, text, h2 headings, figure labels."""
from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """A parsed page; the tests of the report and of the review both read it this way."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []
        self.h2: list[str] = []
        self.text = ""
        self._in_h2 = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]
        self._in_h2 = tag == "h2"
        if self._in_h2:
            self.h2.append("")

    def handle_endtag(self, tag):  # noqa: ANN001
        self._in_h2 = self._in_h2 and tag != "h2"

    def handle_data(self, data):  # noqa: ANN001
        self.text += data
        if self._in_h2:
            self.h2[-1] += data

    @property
    def figures(self) -> list[str]:
        """The text alternatives of the charts (a figure's aria-label)."""
        return [v for tag, k, v in self.attrs if tag == "figure" and k == "aria-label"]
