"""The fuzz walk: every URL of every app and of the admin, odd values in every parameter and form field.

The URLs and the objects they are called with come from the scope walk (``tests/test_scope_walk.py``), so a
URL added there is fuzzed here too. For each URL, as a superuser, a union's staff and a collaborator:

1. a plain GET (and a POST with the walk's data) is sent while every key the view reads from a query
   string or form is recorded (``request.GET`` / ``request.POST``: ``get``, ``getlist``, ``[]``, ``in``);
   the names of the inputs of the forms the pages render (to that URL), the fields of the forms in the
   page's context and the admin changelist's filter parameters are added to them;
2. odd values are sent to all of them at once, a few rounds, each value chosen by the field's kind
   (digits of other scripts, a number of 31 digits, impossible and out-of-range dates, 10,000 characters);
3. each one alone gets its most dangerous value (the largest number, the first and last dates Python
   knows, 10,000 characters; a list of 1,000 ids for a field read as a list), the rest of a form as the page
   rendered it, so a form that is otherwise valid saves it;
4. a NUL byte and bytes that are not UTF-8, in the query string and in a posted form (once per URL).

No answer may be a 5xx; a 4xx must carry a message. A 200 page, a redirect or a 405 the plain request
gets too are fine. Every request runs in a transaction rolled back afterwards (as in the scope walk).
"""

import os
import re
import sys
from html.parser import HTMLParser
from types import SimpleNamespace
from unittest import mock
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django import forms
from django.contrib.admin.helpers import AdminForm
from django.db import transaction
from django.forms.formsets import BaseFormSet
from django.http import QueryDict
from django.test import Client

from collaborators.models import Role
from tests.clock import frozen_clock
from tests.factories import UserFactory
from tests.test_scope_walk import (
    TABLE,
    admin_case,
    admin_kwargs,
    build_side,
    kwargs_for,
    post_data,
    url_for,
    url_patterns,
)

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"

# --- the odd values ----------------------------------------------------------------------------------

HUGE = str(10**30)
LONG = "ấ" * 10_000
IDS_1000 = [str(number) for number in range(1, 1001)]
NUL, NOT_UTF8 = "%00", "%FF%FE"

# Per kind of field: the values sent with all the others at once (round i takes the i-th), and the values
# sent alone, the rest of the form as the page rendered it (lists of 1,000 go alone: with the rest they would
# pass Django's limit on the number of fields).
ROUNDS = {
    "date": ["2026-02-30", "31/13/2026"],
    "time": ["25:61", "²"],
    "number": ["²", "٣"],
    "list": ["²", HUGE],
    "text": [LONG, "²"],
    "bool": ["²", LONG],
    "other": ["²", "99999-12-31"],
}
ALONE = {
    "date": ["9999-12-31"],
    "time": [],
    "number": [HUGE],
    "list": [IDS_1000],
    "text": [LONG],
    "bool": [],
    "other": [HUGE],
}
N_ROUNDS = 2
SKIP_KEYS = {"csrfmiddlewaretoken"}
INTERNAL = os.path.join("django", "utils", "datastructures.py")


def kind_of(field) -> str:
    if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
        return "list"
    if isinstance(field, forms.DateField | forms.DateTimeField):
        return "date"
    if isinstance(field, forms.TimeField):
        return "time"
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        return "number"
    if isinstance(field, forms.ModelChoiceField | forms.ChoiceField):
        return "number"
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        return "bool"
    if isinstance(field, forms.CharField):
        return "text"
    return "other"


# --- what a page reads and renders -------------------------------------------------------------------


class Reads:
    """The keys read from any query string or form during a request, and which were read as lists."""

    def __init__(self):
        self.keys: dict[str, str] = {}

    def __enter__(self):
        reads = self.keys

        def recording(name, as_list=False):
            original = getattr(QueryDict, name)

            def method(querydict, key, *args, **kwargs):
                # Reads by the dictionary's own methods (``lists()``, ``items()``) name no parameter.
                internal = sys._getframe(1).f_code.co_filename.endswith(INTERNAL)
                if isinstance(key, str) and key not in SKIP_KEYS and not internal:
                    reads[key] = "list" if as_list else reads.get(key, "other")
                return original(querydict, key, *args, **kwargs)

            return mock.patch.object(QueryDict, name, method)

        self.patches = [
            recording("__getitem__"),
            recording("get"),
            recording("getlist", as_list=True),
            recording("__contains__"),
        ]
        for patch in self.patches:
            patch.start()
        return self

    def __exit__(self, *exc):
        for patch in reversed(self.patches):
            patch.stop()


class FormInputs(HTMLParser):
    """The forms of a page: {(method, action path): {name: value or list of values}} as a browser would
    send them (checked boxes, selected options, text as rendered; no files, no buttons)."""

    def __init__(self, page_url):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: dict[tuple[str, str], dict] = {}
        self.current = None
        self.select = None
        self.textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = urlsplit(urljoin(self.page_url, attrs.get("action") or self.page_url)).path
            self.current = self.forms.setdefault(((attrs.get("method") or "get").lower(), action), {})
            return
        if self.current is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            values = self.current.setdefault(name, [])
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    values.append(attrs.get("value") or "on")
            else:
                values.append(attrs.get("value") or "")
        elif tag == "select":
            self.select = (name, "multiple" in attrs, [], [])
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select[3].append(value)
            if "selected" in attrs:
                self.select[2].append(value)
        elif tag == "textarea":
            self.textarea = name
            self.current.setdefault(name, []).append("")

    def handle_data(self, data):
        if self.textarea is not None and self.current is not None:
            self.current[self.textarea][-1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select" and self.select is not None:
            name, multiple, selected, options = self.select
            if self.current is not None:
                chosen = selected or ([] if multiple or not options else [options[0]])
                self.current.setdefault(name, []).extend(chosen)
            self.select = None


def rendered_forms(response, url) -> dict:
    if response.status_code != 200 or getattr(response, "streaming", False):
        return {}
    if "html" not in response.get("Content-Type", ""):
        return {}
    parser = FormInputs(url)
    parser.feed(response.content.decode("utf-8", errors="replace"))
    return parser.forms


def context_fields(response) -> dict[str, str]:
    """{key as sent: kind} for the fields of every form in the page's context (filters, formsets too)."""
    kinds = {}

    def forms_in(value):
        if isinstance(value, AdminForm):
            value = value.form
        if isinstance(value, forms.BaseForm):
            yield value
        elif isinstance(value, BaseFormSet):
            yield value.management_form
            yield from value.forms
        elif isinstance(getattr(type(value), "form", None), property):  # a django-filter FilterSet
            yield value.form

    for context in response.context or []:
        for layer in getattr(context, "dicts", []):
            for value in list(layer.values()):
                for form in forms_in(value):
                    for name, field in form.fields.items():
                        key = form.add_prefix(name)
                        kinds[key] = kind_of(field)
                        for index, part in enumerate(getattr(field, "fields", ())):  # split date and time
                            kinds[f"{key}_{index}"] = kind_of(part)
    cl = (response.context or {}).get("cl") if response.context else None
    if cl is not None:  # an admin changelist: its search, order, page and every filter's parameters
        for key in ("q", "o", "p"):
            kinds.setdefault(key, "other")
        for spec in cl.filter_specs:
            for key in spec.expected_parameters():
                kinds.setdefault(key, "other")
    return kinds


# --- sending -----------------------------------------------------------------------------------------


def send(client, method, url, data=None, *, raw=None, reads=None):
    """One request in a transaction rolled back afterwards; ``raw`` is a URL-encoded string sent as is."""
    with transaction.atomic():
        with reads or Reads():
            if method == "get":
                query = raw if raw is not None else urlencode(data or {}, doseq=True)
                response = client.get(f"{url}?{query}" if query else url)
            elif raw is not None:
                response = client.post(url, raw, content_type="application/x-www-form-urlencoded")
            else:
                response = client.post(url, data or {})
        transaction.set_rollback(True)
    return response


def has_message(response) -> bool:
    if getattr(response, "streaming", False):
        return True
    text = re.sub(r"<[^>]*>", " ", response.content.decode("utf-8", errors="replace"))
    return len(re.sub(r"\s+", " ", text).strip()) >= 10


class Walk:
    def __init__(self, client):
        self.client = client
        self.failures = []
        self.requests = 0
        self.forms_by_action: dict[tuple[str, str], dict] = {}

    def check(self, response, baseline_status, where):
        self.requests += 1
        status = response.status_code
        if status >= 500:
            self.failures.append(f"{where}: {status}")
        elif 400 <= status < 500 and status not in (405, baseline_status) and not has_message(response):
            self.failures.append(f"{where}: {status} without a message")

    def fuzz(self, method, url, key, base, kinds):
        """Rounds of odd values to every key at once, then each key alone with its dangerous values.

        A POST's keys go alone only when the plain POST succeeded (a redirect): only then is the rest of
        the form valid, so that the value reaches what the form saves.
        """
        base_status = base.status_code
        where = f"{method.upper()} {key} ({url})"
        for round_ in range(N_ROUNDS if kinds else 0):
            data = dict(self.form_values(method, url))
            for name, kind in kinds.items():
                data[name] = ROUNDS[kind][round_]
            self.check(send(self.client, method, url, data), base_status, f"{where} round {round_}: {data_repr(data)}")
        alone = method == "get" or base_status in (301, 302, 303)
        for name, kind in kinds.items():
            for value in ALONE[kind]:
                if isinstance(value, list):
                    data = {name: value}
                elif alone:
                    data = {**self.form_values(method, url), name: value}
                else:
                    continue
                self.check(send(self.client, method, url, data), base_status, f"{where} {name}={short(value)}")

    def form_values(self, method, url) -> dict:
        """What the page's own form sends (the walk's data for a POST when no page renders one)."""
        rendered = self.forms_by_action.get((method, urlsplit(url).path))
        if rendered is not None:
            return {name: values if len(values) != 1 else values[0] for name, values in rendered.items()}
        return dict(self.post_data) if method == "post" else {}

    def unreadable(self, url, key, method):
        """A NUL byte in the query string, bytes that are not UTF-8 in a posted form: 400 before any view."""
        junk = NUL if method == "get" else NOT_UTF8
        response = send(self.client, method, url, raw=f"q={junk}&next={junk}")
        if response.status_code != 400 or not has_message(response):
            self.failures.append(f"{method.upper()} {key} ({url}) with {junk}: {response.status_code}, not 400")
        self.requests += 1


def short(value) -> str:
    if isinstance(value, list):
        return f"[{len(value)} values]"
    value = str(value)
    return value if len(value) < 40 else f"{value[:8]}…({len(value)} chars)"


def data_repr(data) -> str:
    return ", ".join(f"{name}={short(value)}" for name, value in sorted(data.items()))[:300]


# --- the walk ----------------------------------------------------------------------------------------


# The admin's pages of a model share Django's code: its list, add and change pages (and a past version's
# form) read parameters and forms of their own; the history, delete confirmation and old-style address
# are sent the plain GET and POST only.
FUZZED_ADMIN_VIEWS = ("_changelist", "_add", "_change", "_simple_history")


def fuzzed_url(key) -> bool:
    return not key.startswith("admin") or key.endswith(FUZZED_ADMIN_VIEWS) or key.startswith("admin/")


@pytest.fixture
def fuzz_world(city, union, grassroots, collaborator, unit_staff, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTING_PERIOD_START_DAY = 1
    admin_user = UserFactory(username="admin-a", unit=union, role=Role.ADMIN)
    side = build_side(
        unit=union, sub=grassroots, owner=collaborator, staff=unit_staff, admin_user=admin_user, marker="Ba Đình"
    )
    actors = {
        "superuser": UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True),
        "staff": unit_staff,
        "collaborator": collaborator,
    }
    return SimpleNamespace(ours=side, actors=actors)


@pytest.mark.parametrize("actor_name", ["superuser", "staff", "collaborator"])
def test_no_odd_value_in_any_parameter_or_form_field_gets_a_500(actor_name, fuzz_world):
    actor = fuzz_world.actors[actor_name]
    client = Client(raise_request_exception=False)
    client.force_login(actor)
    walk = Walk(client)
    walk.post_data = post_data(fuzz_world.ours, actor)
    targets = []
    for key, pattern, route in url_patterns():
        is_admin = key.startswith("admin")
        if is_admin and not actor.is_staff:
            continue  # the admin sends anyone else to its login page before it reads anything (scope walk)
        if key in ("logout", "admin:logout"):
            continue  # it would end the session the walk runs in; it reads only ``next``
        kind = admin_case(key, fuzz_world)[0] if is_admin else TABLE[key][0]
        kwargs = admin_kwargs(kind, pattern, fuzz_world) if is_admin else kwargs_for(kind, fuzz_world.ours)
        targets.append((key, url_for(key, pattern, route, kwargs)))

    # The pages first: what they read, and the forms they render (to their own URL or another).
    gets = {}
    for key, url in targets:
        reads = Reads()
        response = send(client, "get", url, reads=reads)
        walk.check(response, None, f"GET {key} ({url})")
        for form_key, inputs in rendered_forms(response, url).items():
            walk.forms_by_action.setdefault(form_key, inputs)
        gets[key] = (response, {**reads.keys, **context_fields(response)})
    for index, (key, url) in enumerate(targets):
        fuzzed = fuzzed_url(key)
        response, kinds = gets[key]
        own = walk.forms_by_action.get(("get", urlsplit(url).path), {})
        kinds = {**dict.fromkeys(own, "other"), **kinds}
        if fuzzed:
            walk.fuzz("get", url, key, response, {k: v for k, v in kinds.items() if k not in SKIP_KEYS})
        reads = Reads()
        response = send(client, "post", url, walk.form_values("post", url), reads=reads)
        walk.check(response, None, f"POST {key} ({url})")
        own = walk.forms_by_action.get(("post", urlsplit(url).path), {})
        kinds = {**dict.fromkeys(own, "other"), **reads.keys, **context_fields(response)}
        if fuzzed:
            walk.fuzz("post", url, key, response, {k: v for k, v in kinds.items() if k not in SKIP_KEYS})
        if actor_name == "superuser" and not key.startswith("admin"):
            walk.unreadable(url, key, ("get", "post")[index % 2])
    assert walk.requests > 300
    assert not walk.failures, f"As {actor_name}, {len(walk.failures)} of {walk.requests}:\n" + "\n".join(
        walk.failures[:80]
    )
