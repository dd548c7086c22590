"""Links reversed once for many objects are the links ``reverse`` gives each."""

from django.urls import reverse
from django.utils import translation

from core.links import pk_url


def test_each_pk_gets_the_url_reverse_gives_it():
    for language in ("vi", "en"):
        with translation.override(language):
            url = pk_url("roster:person_detail")
            for pk in (1, 42, 987654321):
                assert url(pk) == reverse("roster:person_detail", args=[pk])
