"""``{% fragment "name" %}…{% endfragment %}``: a block of a page stored once per scope and version.

The context's ``fragment_key`` (``core.fragments.key``) names the page, its version and its scope; the
view may prefetch the stored blocks in one round trip as ``fragment_cache`` (name → HTML). Without a
``fragment_key`` (no cache) the block renders every time. The block's HTML must depend only on what the
key names (never on the viewer's CSRF token, messages or the time of day).
"""

from django import template
from django.utils.safestring import mark_safe

from core import fragments

register = template.Library()


class FragmentNode(template.Node):
    def __init__(self, nodelist, name):
        self.nodelist = nodelist
        self.name = name

    def render(self, context):
        name = self.name.resolve(context)
        prefix = context.get("fragment_key")
        if not prefix:
            return self.nodelist.render(context)
        full_key = f"{prefix}:{name}"
        prefetched = context.get("fragment_cache")
        html = prefetched.get(full_key) if prefetched is not None else None
        if html is None and (prefetched is None or full_key not in (context.get("fragment_names") or ())):
            html = fragments.get(full_key)
        if html is None:
            html = self.nodelist.render(context)
            fragments.store(full_key, str(html))
        return mark_safe(html)  # noqa: S308 - it is this block's own rendered (escaped) output


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("{% fragment %} takes one argument: the block's name")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    return FragmentNode(nodelist, parser.compile_filter(bits[1]))
