"""The filing form's light markup: what a reporter types on a phone, and the HTML it becomes.

Reporters type plain text (a phone keyboard or dictation just works): a blank line starts a new
paragraph, a single line break stays a line break, ``**bold**``, ``_italic_``, ``[words](link)``
or a bare https:// address, ``- `` for a list, ``> `` for a quote, ``### `` for a subheading. It is
CommonMark (markdown-it-py), converted to HTML and then cleaned like every body (``clean_html``).

``to_markup`` goes the other way, so an update stored as HTML (from the admin, say) opens in the
filing form as the same markup the reporter would have typed.
"""


from html.parser import HTMLParser

from markdown_it import MarkdownIt

from .sanitize import clean_html

_markdown = MarkdownIt("commonmark", {"breaks": True, "linkify": True, "html": False}).enable(
    "linkify"
).disable("image")


def to_html(markup):
    """The clean HTML for what the reporter typed."""
    tokens = _markdown.parse(markup or "")
    for token in tokens:
        # Readers' pages use h1 and h2 for their own structure: any heading typed is a subheading.
        if token.type in ("heading_open", "heading_close"):
            token.tag = "h3" if token.tag in ("h1", "h2", "h3") else "h4"
    return clean_html(_markdown.renderer.render(tokens, _markdown.options, {}))


def to_markup(html):
    """The markup that ``to_html`` turns back into ``html`` (for the tags bodies may hold)."""
    return "\n\n".join(_blocks(_tree(html or "")))


# Characters that would mean something in markup where they sit in text.
_ESCAPED = str.maketrans({char: "\\" + char for char in "\\*_[]`<"})
_BLOCKS = {"p", "ul", "ol", "blockquote", "h3", "h4", "li"}
_VOID = {"br"}


class _Node:
    def __init__(self, tag, attrs=()):
        self.tag, self.attrs, self.children = tag, dict(attrs), []


class _TreeBuilder(HTMLParser):
    """Just enough of a tree for the few tags a clean body holds."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = _Node("root")
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, attrs)
        self.open[-1].children.append(node)
        if tag not in _VOID:
            self.open.append(node)

    def handle_endtag(self, tag):
        for depth in range(len(self.open) - 1, 0, -1):
            if self.open[depth].tag == tag:
                del self.open[depth:]
                break

    def handle_data(self, data):
        self.open[-1].children.append(data)


def _tree(html):
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def _blocks(node, indent=""):
    """The markup blocks (joined by blank lines) of a node holding block content."""
    blocks, loose = [], []

    def flush():
        if text := "".join(loose).strip():
            blocks.append(_escape_start(text))
        loose.clear()

    for child in node.children:
        if isinstance(child, str) or child.tag not in _BLOCKS:
            loose.append(_inline(child))
            continue
        flush()
        if child.tag == "p":
            blocks.append(_escape_start(_inline(child).strip()))
        elif child.tag in ("h3", "h4"):
            blocks.append(("### " if child.tag == "h3" else "#### ") + _inline(child).strip())
        elif child.tag == "blockquote":
            quoted = "\n\n".join(_blocks(child))
            blocks.append("\n".join(("> " + line).rstrip() for line in quoted.split("\n")))
        elif child.tag in ("ul", "ol"):
            blocks.append("\n".join(_items(child, indent)))
    flush()
    return [block for block in blocks if block.strip()]


def _items(listing, indent):
    lines, number = [], 1
    for item in listing.children:
        if isinstance(item, str) or item.tag != "li":
            continue
        marker = "- " if listing.tag == "ul" else f"{number}. "
        number += 1
        inner = " " * len(marker)
        text, nested = [], []
        for child in item.children:
            if not isinstance(child, str) and child.tag in ("ul", "ol"):
                nested.extend(_items(child, indent + inner))
            else:
                text.append(_inline(child))
        lines.append(indent + marker + "".join(text).strip().replace("\n", "\n" + indent + inner))
        lines.extend(nested)
    return lines


def _inline(node):
    if isinstance(node, str):
        return " ".join(node.split("\n")).translate(_ESCAPED)
    inner = "".join(_inline(child) for child in node.children)
    if node.tag == "br":
        return "\n"
    if node.tag in ("strong", "b"):
        return f"**{inner}**" if inner.strip() else inner
    if node.tag in ("em", "i"):
        return f"_{inner}_" if inner.strip() else inner
    if node.tag == "a":
        href = node.attrs.get("href") or ""
        if not href or inner == href.translate(_ESCAPED):
            return href or inner  # a bare address stays bare (linkify turns it back into a link)
        return f"[{inner}]({href})"
    return inner


def _escape_start(text):
    """Keep a line that happens to start like a list, quote or heading from becoming one."""
    lines = []
    for line in text.split("\n"):
        line = line.lstrip()
        head = line.split(" ", 1)[0]
        if line[:1] in ("#", ">", "-", "+") or (head[:-1].isdigit() and head[-1:] in ".)"):
            line = "\\" + line if line[:1] in "#>-+" else head[:-1] + "\\" + line[len(head) - 1:]
        lines.append(line)
    return "\n".join(lines)
