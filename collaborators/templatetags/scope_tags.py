"""``{{ request.user|scope_unit }}``: the unit whose subtree a staff member's figures cover, for the words
that say whose a figure is ("in <unit> and the units under it"); None when that is the whole city (or the
person has no staff scope), where no such words are needed."""

from django import template

from collaborators.access import home_unit

register = template.Library()


@register.filter
def scope_unit(user):
    unit = home_unit(user)
    return unit if unit is not None and unit.depth > 1 else None
