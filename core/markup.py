"""Text people write with light formatting: paragraphs, lists, links, bold and italics (Markdown, as
typed in a plain text box), or the few HTML tags older texts were saved with.

One module renders it everywhere it is shown, so the page, the e-mail and the notification agree:
``render_html`` for pages (Markdown, then sanitised by nh3 with a whitelist of tags: whatever the text
holds, scripts, handlers and ``javascript:`` links never reach the page), ``render_text`` for e-mails and
notifications (plain text keeping the paragraphs, the list items and the links' addresses).
"""

import html
import re

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "a", "h3", "h4", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# CommonMark with a line break kept as typed and web addresses made links (linkify); HTML passes through to
# nh3, which keeps only the whitelist.
# Images and headings above h3 are not part of a note: an image would load from anywhere, a big heading
# would outrank the page's own.
_markdown = MarkdownIt("commonmark", {"html": True, "breaks": True, "linkify": True}).enable("linkify").disable("image")
_HEADING = re.compile(r"<(/?)h[12]>")


def sanitise(markup: str) -> str:
    """The whitelisted tags of ``markup``; everything else is removed (its text kept)."""
    return nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()


def render_html(text: str) -> str:
    """Safe HTML of a text written in Markdown (or in the whitelisted HTML)."""
    rendered = _HEADING.sub(r"<\1h3>", _markdown.render(text or ""))
    return sanitise(rendered)


_BLOCK_END = re.compile(r"</(p|li|h3|h4|blockquote|ul|ol)>|<br\s*/?>", re.IGNORECASE)
_ITEM = re.compile(r"<li[^>]*>", re.IGNORECASE)
_LINK = re.compile(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', re.IGNORECASE | re.DOTALL)


def render_text(text: str) -> str:
    """Plain text of the same: a blank line between paragraphs, "• " or "1. " before list items, a link
    as its words followed by its address in brackets (unless the words are the address)."""
    markup = render_html(text)
    counters: list[int | None] = []

    def item(match, out):
        kind = counters[-1] if counters else None
        if kind is None:
            out.append("• ")
        else:
            counters[-1] = kind + 1
            out.append(f"{kind + 1}. ")

    def link(match):
        address, words = html.unescape(match.group(1)), match.group(2)
        plain = html.unescape(re.sub(r"<[^>]+>", "", words)).strip()
        same = address in (plain, f"mailto:{plain}", f"http://{plain}", f"https://{plain}")
        return words if same else f"{words} ({address})"

    markup = _LINK.sub(link, markup)
    out: list[str] = []
    # Walk the tags in order: list openings set the numbering, ends of blocks become line breaks.
    for token in re.split(r"(<[^>]+>)", markup):
        tag = token.lower()
        if tag.startswith("<ol"):
            counters.append(0)
            out.append("\n")
        elif tag.startswith("<ul"):
            counters.append(None)
            out.append("\n")
        elif tag in ("<p>", "<h3>", "<h4>", "<blockquote>"):
            out.append("\n\n")
        elif tag in ("</ol>", "</ul>"):
            if counters:
                counters.pop()
            out.append("\n")
        elif _ITEM.fullmatch(token):
            item(token, out)
        elif _BLOCK_END.fullmatch(token):
            out.append("\n" if tag.startswith(("<br", "</li")) else "\n\n")
        elif token.startswith("<") or not token.strip():
            continue
        else:  # in HTML a line break inside a text is a space; the breaks are the tags above
            out.append(html.unescape(token.replace("\n", " ")))
    plain = "".join(out)
    plain = "\n".join(line.strip() for line in plain.splitlines())
    return re.sub(r"\n{3,}", "\n\n", plain).strip()
