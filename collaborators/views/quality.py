"""The quality page (/roster/quality/): collaborators' figures per person or per unit over chosen periods."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from collaborators.access import home_unit, staff_or_404
from collaborators.forms.quality import QualityFilterForm
from collaborators.selectors import quality as selectors

PAGE_SIZE = 100


@staff_or_404
def quality(request):
    home = home_unit(request.user)
    form = QualityFilterForm(request.GET or None, user=request.user, default_unit=home)
    if form.is_bound and not form.is_valid() and "unit" in form.errors:
        raise Http404  # out of the viewer's scope (or no such unit): never confirm it exists
    context = selectors.quality_context(
        request.user, form.value_of("unit", home), *form.periods(), sort=form.value_of("sort", "-sent")
    )
    context["by"] = form.value_of("by", "people")
    context["page"] = Paginator(context["people"], PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("sort", None)
    query.pop("page", None)
    sorted_query = request.GET.copy()
    sorted_query.pop("page", None)
    context.update({"form": form, "query_string": query.urlencode(), "page_query": sorted_query.urlencode()})
    return render(request, "collaborators/quality.html", context)
