"""The scope walk: EVERY URL of every app and of the Django admin, as six actors, GET and POST.

The actors: a collaborator of the union (who owns the union's objects), another collaborator of the same
union, the union's staff, the staff of another union, a staff account without a unit, and an anonymous
visitor. Each union has its own objects of every kind (reports, rumours, guidance notes, requests for
opinion, trainings, registrations, summaries, people, units, decisions, imports, notifications, files).

The URL patterns are read from the resolver, so a URL that is not in ``TABLE`` fails the walk: a new
URL must come with its scope case. The table maps each URL (its name, or its route when unnamed) to the
object it is called with and what each actor gets, GET then POST, in the order

    collaborator  peer  staff  other_staff  unitless  anonymous

``L`` is a redirect to the login page (the admin's own login page for admin URLs), ``3`` a redirect
elsewhere, a number a status code, ``a|b`` either. Out of scope is 404; in scope 200, or a redirect
after a POST; a POST-only URL answers GET with 405.

Then the other union's objects are walked by the union's three people: every answer must be the same
as for an object that does not exist (nothing confirms it exists), no page may show them and no request
may change them (their rows and history are read after each request); the other union's staff must get
on them what the union's staff get on the union's own.

Each request runs in a transaction rolled back afterwards, so a POST that succeeds (accepting a
report, deleting a draft) does not change what the next actor meets.
"""

import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from api.services import token_create
from collaborators.models import DecisionKind, Role, UnitKind
from collaborators.services import imports as import_services
from collaborators.services import people as people_services
from collaborators.services.exports import export_job_build, export_job_request
from collaborators.services.incidents import incident_record
from guidance.services import guidance_publish, guidance_save, note_attachment_add
from guidance.services.pulse import pulse_create, pulse_open
from notifications.services import notify
from privacy.services import retention_run
from reports.models import ReportKind, Topic
from reports.services import report_save, rumour_create, rumour_link
from reports.services.attachments import attachment_add
from summaries.models import ReportingPeriod
from summaries.services.summaries import summary_compile, summary_schedule
from tests.clock import frozen_clock
from tests.collaborators.test_import import person as import_row
from tests.collaborators.test_import import xlsx_file
from tests.factories import UnitFactory, UserFactory
from tests.reports.conftest import make_report, report_data
from trainings import services as trainings

pytestmark = pytest.mark.django_db
_clock = frozen_clock()  # the tests build their dates from "now"

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
MISSING = "999999999"
ACTORS = ("collaborator", "peer", "staff", "other_staff", "unitless", "anonymous")
SECRET = "HK-SECRET"  # in the titles of the other union's objects


# --- the table ---------------------------------------------------------------------------------------
#
# name or route: (object, GET expectations, POST expectations). ``object`` names the kwargs builder below
# (None: no kwargs; "token": a credential in the URL, walked only with the union's own objects).

PUBLIC = "200 200 200 200 200 200"
STAFF_ONLY = "404 404 200 200 404 L"  # pages of one's own scope; the list is narrowed, never refused
OWN = "200 404 200 404 404 L"  # the owner and their union's staff
API_LIST = "200 200 200 200 200 401"  # an API list: narrowed to the caller's scope, never refused
API_READ_ONLY = "405 405 405 405 405 401"  # a method the API URL does not take
API_UNION = "200 200 200 404 404 401"  # what the union's people see (the pages' detail rule)
TABLE = {
    # the shell
    "home": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "healthz": (None, PUBLIC, "405 405 405 405 405 405"),
    "set_language": (None, "3 3 3 3 3 3", "3 3 3 3 3 3"),
    "javascript-catalog": (None, PUBLIC, "405 405 405 405 405 405"),
    # the installable web app: the same for everyone, signed in or not
    "manifest": (None, PUBLIC, "405 405 405 405 405 405"),
    "service_worker": (None, PUBLIC, "405 405 405 405 405 405"),
    "offline": (None, PUBLIC, "405 405 405 405 405 405"),
    # accounts
    "login": (None, "3 3 3 3 3 200", "3 3 3 3 3 200"),
    "logout": (None, "405 405 405 405 405 405", "3 3 3 3 3 3"),
    "password_change": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "password_change_done": (None, "200 200 200 200 200 L", "405 405 405 405 405 L"),
    "password_reset": (None, PUBLIC, PUBLIC),  # junk data: the form again
    "password_reset_done": (None, PUBLIC, "405 405 405 405 405 405"),
    "password_reset_confirm": ("reset", PUBLIC, PUBLIC),
    "password_reset_complete": (None, PUBLIC, "405 405 405 405 405 405"),
    "activate_code": (None, PUBLIC, PUBLIC),
    # the second factor and the person's own sign-in page (the walk's sign-in counts the second factor as
    # passed and nobody has an app set up: the code page sends to the set-up page)
    "two_factor_verify": (None, "3 3 3 3 3 L", "3 3 3 3 3 L"),
    "two_factor_enrol": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "account_security": (None, "200 200 200 200 200 L", "405 405 405 405 405 L"),
    "consent_renew": (None, "200 200 200 200 200 L", "400 400 400 400 400 L"),
    "recovery_codes_renew": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "two_factor_remove": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "sessions_sign_out": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    # An activation link with an unknown token: "this link is not valid" (400), whoever asks.
    "activate_link": ("token", "400 400 400 400 400 400", "400 400 400 400 400 400"),
    # notifications: each person's own
    "notifications:list": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "notifications:open": ("notification", "405 405 405 405 405 L", "3 404 404 404 404 L"),
    "notifications:read_all": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "notifications:preferences": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "notifications:phone_code_send": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "notifications:phone_code_verify": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "notifications:push_subscribe": (None, "405 405 405 405 405 L", "400 400 400 400 400 L"),
    # providers' delivery reports: refused without a valid signature, whoever sends them
    "notifications:sms_callback": (None, "405 405 405 405 405 405", "403 403 403 403 403 403"),
    "notifications:zalo_callback": (None, "405 405 405 405 405 405", "403 403 403 403 403 403"),
    "notifications:deliveries": (None, STAFF_ONLY, STAFF_ONLY),
    # follows: each staff member's own
    "follows:list": (None, STAFF_ONLY, "404 404 3 3 404 L"),
    "follows:remove": (None, "404 404 405 405 404 L", "404 404 3 3 404 L"),
    # roster: units
    "roster:unit_tree": (None, STAFF_ONLY, STAFF_ONLY),
    "roster:unit_create": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_pick": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_options": (None, STAFF_ONLY, "404 404 405 405 404 L"),
    "roster:unit_detail": ("unit", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "roster:unit_children": ("unit", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "roster:unit_edit": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_move": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_dissolve": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_merge": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_split": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:unit_history": ("unit", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    # roster: imports (administrators)
    "roster:import_upload": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:import_template": ("fmt", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:import_preview": ("import", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:import_confirm": ("import", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    # roster: people
    "roster:export": ("fmt", STAFF_ONLY, STAFF_ONLY),
    "roster:export_job_new": (None, "404 404 405 405 404 L", "404 404 3 3 404 L"),
    # an export job (of any kind) is its asker's alone (the union's staff asked for this one)
    "roster:export_job": ("export_job", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    "roster:export_job_file": ("export_job", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    "roster:person_list": (None, STAFF_ONLY, STAFF_ONLY),
    "roster:person_create": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_detail": ("person", "200 404 200 404 404 L", "200 404 200 404 404 L"),
    "roster:person_edit": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_status": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_invite": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_anonymise": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_history": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:person_two_factor_reset": ("person", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:quality": (None, STAFF_ONLY, STAFF_ONLY),
    "roster:read_log": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:my_reads": (None, "200 200 200 200 200 L", "405 405 405 405 405 L"),
    "roster:my_data_page": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "roster:retention": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:retention_dry_run": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:retention_confirm": ("retention", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:retention_run": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:incident_list": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:incident_detail": ("incident", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:incident_told": ("incident", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:my_data": (None, "200 200 200 200 200 L", "200 200 200 200 200 L"),
    "roster:consent_withdraw": (None, "405 405 405 405 405 L", "3 3 3 3 3 L"),
    "roster:decision_list": (None, STAFF_ONLY, STAFF_ONLY),
    "roster:decision_create": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "roster:decision_detail": ("decision", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "roster:decision_apply": ("decision", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    # reports: collaborators
    "reports:new": (None, "200 200 404 404 404 L", "400 400 404 404 404 L"),
    "reports:nothing_new": (None, "405 405 404 404 404 L", "3 3 404 404 404 L"),
    "reports:mine": (None, "200 200 404 404 404 L", "405 405 404 404 404 L"),
    "reports:edit": ("draft", "200 404 404 404 404 L", "400 404 404 404 404 L"),
    "reports:discard": ("draft", "405 405 405 405 405 L", "3 404 404 404 404 L"),
    "reports:attachment": ("attachment", "200 404 200 404 404 L", "405 405 405 405 405 L"),
    # reports: staff
    "reports:list": (None, "3 3 200 200 404 L", "3 3 200 200 404 L"),
    "reports:detail": ("report", OWN, OWN),
    "reports:history": ("report", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "reports:accept": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:return": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:reject": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:alert": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:assign": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:escalate": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:comment": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:link_rumour": ("report", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:bulk_accept": (None, "404 404 405 405 404 L", "404 404 3 3 404 L"),
    "reports:export": ("fmt", "404 404 200 200 404 L", "404 404 200 200 404 L"),
    "reports:export_job_new": (None, "404 404 405 405 404 L", "404 404 3 3 404 L"),
    # the export jobs' former addresses lead to their page (which then decides)
    "reports:export_job_moved": ("export_job", "3 3 3 3 3 3", "3 3 3 3 3 3"),
    "reports:export_job_file_moved": ("export_job", "3 3 3 3 3 3", "3 3 3 3 3 3"),
    "reports:rumour_list": (None, "200 200 200 200 404 L", "200 200 200 200 404 L"),
    "reports:rumour_detail": ("rumour", "200 200 200 404 404 L", "200 200 200 404 404 L"),
    "reports:rumour_verify": ("rumour", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "reports:rumour_merge": ("rumour", "404 404 405 405 404 L", "404 404 404 404 404 L"),
    # guidance
    "guidance:list": (None, "200 200 200 200 404 L", "200 200 200 200 404 L"),
    "guidance:new": (None, "404 404 200 200 404 L", "404 404 200 200 404 L"),
    "guidance:answers": (None, "200 200 200 200 404 L", "200 200 200 200 404 L"),
    "guidance:detail": ("note", "200 200 200 404 404 L", "200 200 200 404 404 L"),
    "guidance:edit": ("note", "404 404 3 404 404 L", "404 404 3 404 404 L"),
    "guidance:publish": ("note", "405 405 405 405 405 405", "404 404 3 404 404 L"),
    "guidance:acknowledge": ("note", "405 405 405 405 405 405", "3 3 3 404 404 L"),
    "guidance:effect": ("note", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "guidance:history": ("note", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    "guidance:file": ("note_file", "200 200 200 404 404 L", "405 405 405 405 404 L"),
    "guidance:file_remove": ("note_file", "405 405 405 405 405 405", "404 404 3 404 404 L"),
    "guidance:pulse_list": (None, "200 200 200 200 404 L", "405 405 405 405 404 L"),
    "guidance:pulse_new": (None, "404 404 200 200 404 L", "404 404 400 400 404 L"),
    "guidance:pulse_detail": ("pulse", "200 200 200 404 404 L", "405 405 405 405 404 L"),
    "guidance:pulse_open": ("pulse", "405 405 405 405 405 405", "404 404 3 404 404 L"),
    "guidance:pulse_stats": ("pulse", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    "guidance:pulse_answers": ("pulse", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    "guidance:pulse_answers_in_periods": (None, STAFF_ONLY, "404 404 405 405 404 L"),
    "guidance:pulse_edit": ("pulse", "404 404 3 404 404 L", "404 404 3 404 404 L"),
    "guidance:pulse_cancel": ("pulse", "405 405 405 405 405 405", "404 404 3 404 404 L"),
    "guidance:pulse_history": ("pulse", "404 404 200 404 404 L", "404 404 405 405 404 L"),
    # trainings
    "trainings:list": (None, "200 200 200 200 404 L", "200 200 200 200 404 L"),
    "trainings:month": (None, "200 200 200 200 404 L", "200 200 200 200 404 L"),
    "trainings:create": (None, "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "trainings:feed_page": (None, "200 200 200 200 200 L", "3 3 3 3 3 L"),
    "trainings:feed": ("token", PUBLIC, PUBLIC),
    "trainings:detail": ("session", "200 200 200 404 404 L", "200 200 200 404 404 L"),
    "trainings:edit": ("session", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "trainings:publish": ("session", "405 405 405 405 405 405", "404 404 404 404 404 L"),
    "trainings:history": ("session", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "trainings:cancel": ("session", "405 405 405 405 405 405", "404 404 404 404 404 L"),
    "trainings:ics": ("session", "200 200 200 404 404 L", "200 200 200 404 404 L"),
    "trainings:register": ("session", "405 405 405 405 405 405", "3 3 3 404 404 L"),
    "trainings:unregister": ("session", "405 405 405 405 405 405", "3 3 404 404 404 L"),
    "trainings:attendance": ("session", "404 404 200 404 404 L", "404 404 404 404 404 L"),
    "trainings:attendance_sheet": ("session", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "trainings:attendance_mark": ("registration", "405 405 405 405 405 405", "404 404 3 404 404 L"),
    "trainings:registration_remove": ("registration", "405 405 405 405 405 405", "404 404 404 404 404 L"),
    "trainings:checkin": ("session", "200 200 200 404 404 L", "200 200 200 404 404 L"),
    "trainings:checkin_display": ("session", "404 404 200 404 404 L", "404 404 404 404 404 L"),
    "trainings:checkin_qr": ("session", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "trainings:material_add": ("session", "405 405 405 405 405 405", "404 404 404 404 404 L"),
    "trainings:material_download": ("material", "200 404 200 404 404 L", "200 404 200 404 404 L"),
    "trainings:material_delete": ("material", "405 405 405 405 405 405", "404 404 404 404 404 L"),
    "trainings:feedback": ("session", "405 405 405 405 405 405", "3 3 404 404 404 L"),
    "trainings:results": ("session", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "trainings:certificate": ("session", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "trainings:certificate_for": ("certificate", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    # summaries and the dashboard: staff pages of one's own scope
    "summaries:list": (None, STAFF_ONLY, STAFF_ONLY),
    "summaries:compliance": (None, STAFF_ONLY, STAFF_ONLY),
    "summaries:compile_new": (None, "404 404 405 405 404 L", "404 404 400 400 404 L"),
    "summaries:detail": ("summary", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "summaries:progress": ("summary", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "summaries:history": ("summary", "404 404 200 404 404 L", "404 404 200 404 404 L"),
    "summaries:edit": ("summary", "404 404 200 404 404 L", "404 404 3 404 404 L"),
    "summaries:recompile": ("summary", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "summaries:approve": ("summary", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "summaries:issue": ("summary", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "summaries:correct": ("summary", "404 404 405 405 404 L", "404 404 3 404 404 L"),
    "summaries:download": ("summary_file", "404 404 404 404 404 L", "404 404 404 404 404 L"),
    "dashboard:dashboard": (None, STAFF_ONLY, STAFF_ONLY),
    # the API (/api/v1/): JSON; anonymous gets 401, an unsupported method 405 once signed in; lists are
    # narrowed to the caller's scope (never refused); the walk's form posts reach the API's JSON parser as
    # an empty body, so in scope they answer what the service says of empty input
    "api:schema": (None, PUBLIC, "405 405 405 405 405 405"),
    "api:docs": (None, PUBLIC, "405 405 405 405 405 405"),
    "api:reports": (None, API_LIST, "400 400 403 403 403 401"),
    "api:report": ("report", "200 404 200 404 404 401", API_READ_ONLY),
    "api:report_accept": ("report", API_READ_ONLY, "404 404 200 404 404 401"),
    "api:report_return": ("report", API_READ_ONLY, "404 404 400 404 404 401"),
    "api:report_reject": ("report", API_READ_ONLY, "404 404 400 404 404 401"),
    "api:rumours": (None, API_LIST, API_READ_ONLY),
    "api:rumour": ("rumour", API_UNION, API_READ_ONLY),
    "api:notes": (None, API_LIST, API_READ_ONLY),
    "api:note": ("note", API_UNION, API_READ_ONLY),
    "api:note_acknowledge": ("note", API_READ_ONLY, API_UNION),
    "api:pulses": (None, API_LIST, API_READ_ONLY),
    "api:pulse": ("pulse", API_UNION, API_READ_ONLY),
    "api:pulse_answer": ("pulse", API_READ_ONLY, "400 400 404 404 404 401"),
    "api:sessions": (None, API_LIST, API_READ_ONLY),
    "api:session": ("session", API_UNION, API_READ_ONLY),
    "api:session_register": ("session", API_READ_ONLY, "400 201 201|400 404 404 401"),
    "api:units": (None, API_LIST, API_READ_ONLY),
    "api:unit": ("unit", API_UNION, API_READ_ONLY),
    "api:people": (None, API_LIST, API_READ_ONLY),
    "api:person": ("person", "200 404 200 404 404 401", API_READ_ONLY),
    "api:dashboard": (None, "404 404 200 200 404 401", API_READ_ONLY),
    "api:summaries": (None, API_LIST, API_READ_ONLY),
    "api:summary_download": ("summary_file", "404 404 404 404 404 401", API_READ_ONLY),
    # the person's API access tokens: each person's own
    "api_tokens:list": (None, "200 200 200 200 200 L", "400 400 400 400 400 L"),
    "api_tokens:revoke": ("api_token", "405 405 405 405 405 L", "3 404 404 404 404 L"),
}

# The admin: none of the six actors is a Django ``is_staff`` account (the app gives that only to
# superusers), so every admin URL sends them to the admin's login page, whose form they may see.
ADMIN = "L L L L L L"
ADMIN_TABLE = {
    "admin:login": (None, "200 200 200 200 200 200", "200 200 200 200 200 200"),
    "admin:logout": (None, "3 3 3 3 3 3", "3 3 3 3 3 3"),
    "admin:index": (None, ADMIN, ADMIN),
    "admin:password_change": (None, ADMIN, ADMIN),
    "admin:password_change_done": (None, ADMIN, ADMIN),
    "admin:autocomplete": (None, ADMIN, ADMIN),
    "admin:jsi18n": (None, ADMIN, ADMIN),
    # The tree admin's translations for its script: public text, as /jsi18n/.
    "admin:javascript-catalog": (None, "200 200 200 200 200 200", "405 405 405 405 405 405"),
    "admin:view_on_site": ("view_on_site", ADMIN, ADMIN),
    "admin:app_list": ("app_label", ADMIN, ADMIN),
    "admin/collaborators/unit/move/": (None, ADMIN, ADMIN),
    "admin/collaborators/unit/children/<str:parent_id>/": ("parent_id", ADMIN, ADMIN),
    "admin/(?P<url>.*)$": ("catch_all", ADMIN, ADMIN),
}
ADMIN_MODEL_VIEWS = ("changelist", "add", "change", "history", "delete")


# --- reading the URLconf -----------------------------------------------------------------------------


def url_patterns(patterns=None, namespace="", prefix=""):
    """(key, pattern, full route) for every URL pattern, the admin's included."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from url_patterns(pattern.url_patterns, inner, route)
        elif isinstance(pattern, URLPattern):
            key = f"{namespace}{pattern.name}" if pattern.name else route
            yield key, pattern, route


def admin_model_routes():
    """{key: (model, view)} for the admin views of every registered model."""
    routes = {}
    for model in admin.site._registry:
        meta = model._meta
        for view in ADMIN_MODEL_VIEWS:
            routes[f"admin:{meta.app_label}_{meta.model_name}_{view}"] = (model, view)
        # The old-style change URL (``<id>/``) redirects to the change page, behind the same login.
        routes[f"admin/{meta.app_label}/{meta.model_name}/<path:object_id>/"] = (model, "legacy")
        if isinstance(admin.site._registry[model], SimpleHistoryAdmin):
            routes[f"admin:{meta.app_label}_{meta.model_name}_simple_history"] = (model, "past version")
    # The people's admin (Django's UserAdmin) sets a password on its own page.
    routes["admin:auth_user_password_change"] = (get_user_model(), "password")
    return routes


def test_every_url_has_its_scope_case():
    """A new URL without its line in the table fails here, with the line to write."""
    admin_routes = admin_model_routes()
    missing = [
        key for key, _p, _r in url_patterns() if key not in TABLE and key not in ADMIN_TABLE and key not in admin_routes
    ]
    assert not missing, "New URLs without their scope case (add them to TABLE): " + ", ".join(missing)
    known = {key for key, _p, _r in url_patterns()}
    stale = [key for key in [*TABLE, *ADMIN_TABLE] if key not in known]
    assert not stale, "Cases for URLs that no longer exist: " + ", ".join(stale)
    assert len(known) > 300  # the walk sees the admin's URLs too, not only the apps'


# --- the two unions' objects -------------------------------------------------------------------------


def build_side(*, unit, sub, owner, staff, admin_user, marker):
    """One union's objects of every kind, made through the services as people make them."""
    side = SimpleNamespace(unit=unit, sub=sub, owner=owner)
    people_services.profile_of(owner)
    topic, _ = Topic.objects.get_or_create(code="wages", defaults={"name": "Tiền lương"})
    draft = make_report(owner, submit=False, kind=ReportKind.RUMOUR, title=f"Tin đồn {marker}")
    side.attachment = attachment_add(
        report=draft,
        uploaded_file=SimpleUploadedFile("bien-ban.pdf", PDF, content_type="application/pdf"),
        actor=owner,
    )
    side.report, _ = report_save(
        author=owner,
        token=draft.client_token,
        data=report_data(kind=ReportKind.RUMOUR, title=f"Tin đồn {marker}"),
        submit=True,
    )
    side.draft = make_report(owner, submit=False, title=f"Bản nháp {marker}")
    side.rumour = rumour_create(actor=staff, title=f"Tin đồn theo dõi {marker}")
    rumour_link(actor=staff, report=side.report, rumour=side.rumour)

    note = guidance_save(
        author=staff,
        data={"title": f"Định hướng {marker}", "body": "<p>Nội dung.</p>", "target_units": [unit]},
    )
    side.note_file = note_attachment_add(
        note=note,
        uploaded_file=SimpleUploadedFile("van-ban.pdf", PDF, content_type="application/pdf"),
        actor=staff,
    )
    side.note = guidance_publish(actor=staff, note=note)
    pulse = pulse_create(
        author=staff,
        data={
            "question": f"Ý kiến {marker}?",
            "topic": topic,
            "target_units": [unit],
            "mode": "all",
            "deadline": timezone.now() + timedelta(days=3),
        },
    )
    side.pulse = pulse_open(actor=staff, pulse=pulse)

    starts_at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    session = trainings.session_create(
        actor=admin_user,
        unit=unit,
        target_units=[unit],
        title=f"Tập huấn {marker}",
        venue="Hội trường",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=3),
        capacity=20,
    )
    trainings.session_publish(actor=admin_user, session=session)
    side.session = session
    side.registration = trainings.registration_register(session=session, person=owner)
    side.material = trainings.material_add(
        actor=admin_user,
        session=session,
        title=f"Tài liệu {marker}",
        file=SimpleUploadedFile("tai-lieu.pdf", PDF, content_type="application/pdf"),
    )
    side.token = trainings.feed_token_for(user=owner).token

    side.summary, _ = summary_schedule(scope=unit, period=ReportingPeriod.objects.month_of(date(2026, 10, 1)))
    assert summary_compile(summary_id=side.summary.pk)
    side.incident = incident_record(
        actor=admin_user, what=f"Lộ danh sách {marker}", found_at=timezone.now() - timedelta(hours=2), people_affected=3
    )
    side.retention = retention_run(apply=False, started_by=admin_user)
    side.decision = people_services.decision_create(
        actor=admin_user,
        unit=unit,
        number=f"1/QĐ-{marker}",
        issued_on=date(2026, 1, 1),
        signer="Chủ tịch",
        kind=DecisionKind.RECOGNISE,
        people=[owner],
    )
    side.batch = import_services.import_preview(
        actor=admin_user, uploaded_file=xlsx_file([import_row(unit_code=sub.code, phone="", email="")])
    )
    side.notification = notify(
        recipient=owner,
        about=side.report,
        kind="report_comment",
        subject=f"Thông báo {marker}",
        link=reverse("reports:detail", args=[side.report.pk]),
    )
    assert side.notification is not None
    side.export_job, _ = export_job_request(actor=staff, kind="reports", parameters={"status": ""})
    export_job_build(side.export_job.pk)
    side.export_job.refresh_from_db()
    assert side.export_job.status == "done"
    side.api_token, _key = token_create(user=owner, name=f"Hệ thống {marker}", scopes=["read"], days=30)
    return side


def kwargs_for(kind, side, *, missing=False):
    """The URL kwargs for an object of ``kind`` of a side (or for an object that does not exist)."""

    def pk(obj):
        return MISSING if missing else obj.pk

    builders = {
        None: lambda: {},
        "fmt": lambda: {"fmt": "csv"},
        "reset": lambda: {"uidb64": "MQ", "token": "set-password"},
        "token": lambda: {"token": "no-such-token" if missing else side.token},
        "notification": lambda: {"pk": pk(side.notification)},
        "unit": lambda: {"pk": pk(side.sub)},
        "import": lambda: {"pk": pk(side.batch)},
        "person": lambda: {"pk": pk(side.owner)},
        "decision": lambda: {"pk": pk(side.decision)},
        "incident": lambda: {"pk": pk(side.incident)},
        "retention": lambda: {"pk": pk(side.retention)},
        "draft": lambda: {"pk": pk(side.draft)},
        "report": lambda: {"pk": pk(side.report)},
        "attachment": lambda: {"pk": side.report.pk, "attachment_pk": pk(side.attachment)},
        "rumour": lambda: {"pk": pk(side.rumour)},
        "export_job": lambda: {"pk": pk(side.export_job)},
        "note": lambda: {"pk": pk(side.note)},
        "note_file": lambda: {"pk": side.note.pk, "file_pk": pk(side.note_file)},
        "pulse": lambda: {"pk": pk(side.pulse)},
        "session": lambda: {"pk": pk(side.session)},
        "registration": lambda: {"pk": side.session.pk, "registration_id": pk(side.registration)},
        "material": lambda: {"pk": side.session.pk, "material_id": pk(side.material)},
        "certificate": lambda: {"pk": side.session.pk, "person_id": pk(side.owner)},
        "summary": lambda: {"pk": pk(side.summary)},
        "summary_file": lambda: {"pk": pk(side.summary), "kind": "docx"},
        "api_token": lambda: {"pk": pk(side.api_token)},
    }
    return builders[kind]()


def post_data(side, actor):
    """Data that would make most forms valid, were the object in scope."""
    return {
        "accept-note": "ok",
        "return-reason": "Thiếu thông tin",
        "reject-reason": "Không đúng",
        "alert-level": "hot_spot",
        "assign-assignee": getattr(actor, "pk", ""),
        "escalate-note": "Lên trên",
        "comment-text": "Bình luận",
        "rumour-new_title": "Tin đồn mới",
        "verification": "false",
        "note": "Đã kiểm tra",
        "reports": [side.report.pk],
        "reason": "Lý do",
        "status": "active",
        "language": "en",
        "next": "/",
    }


# --- the actors --------------------------------------------------------------------------------------


@pytest.fixture
def world(city, union, grassroots, other_union, collaborator, unit_staff, other_staff, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    settings.REPORTING_PERIOD_START_DAY = 1
    other_grassroots = UnitFactory(
        parent=other_union, kind=UnitKind.GRASSROOTS, code="WARD-B-01", name="Công đoàn cơ sở phường B"
    )
    other_owner = UserFactory(
        username="collab-b", full_name=f"Người {SECRET}", unit=other_grassroots, role=Role.COLLABORATOR
    )
    admin_a = UserFactory(username="admin-a", unit=union, role=Role.ADMIN)
    admin_b = UserFactory(username="admin-b", unit=other_union, role=Role.ADMIN)
    actors = {
        "collaborator": collaborator,
        "peer": UserFactory(username="peer", full_name="Đặng Văn Sơn", unit=grassroots, role=Role.COLLABORATOR),
        "staff": unit_staff,
        "other_staff": other_staff,
        "unitless": UserFactory(username="nounit", full_name="Cán bộ chưa có đơn vị", unit=None, role=Role.STAFF),
        "anonymous": None,
    }
    ours = build_side(
        unit=union, sub=grassroots, owner=collaborator, staff=unit_staff, admin_user=admin_a, marker="Ba Đình"
    )
    theirs = build_side(
        unit=other_union, sub=other_grassroots, owner=other_owner, staff=other_staff, admin_user=admin_b, marker=SECRET
    )
    return SimpleNamespace(ours=ours, theirs=theirs, actors=actors)


def fingerprint(side) -> tuple:
    """Everything the union's people could change on one side's objects, read afresh."""

    def row(obj, *fields):
        values = type(obj)._default_manager.filter(pk=obj.pk).values_list(*fields)
        return tuple(values.first() or ("gone",))

    return (
        row(side.report, "status", "alert_level", "assignee", "escalated_to", "rumour", "verification"),
        side.report.events.count(),
        side.report.attachments.count(),
        type(side.draft).objects.filter(pk=side.draft.pk).exists(),
        row(side.rumour, "title", "verification", "sighting_count"),
        side.rumour.history.count(),
        row(side.note, "status", "title"),
        side.note.attachments.count(),
        side.note.receipts.count(),
        row(side.pulse, "status"),
        side.pulse.recipients.filter(answered_at__isnull=False).count(),
        row(side.session, "status", "cancelled_at", "capacity"),
        row(side.registration, "status"),
        side.session.materials.count(),
        row(side.summary, "status", "version"),
        side.summary.history.count(),
        row(side.decision, "applied_at"),
        row(side.batch, "status"),
        row(side.sub, "path", "valid_to", "name"),
        row(side.owner, "is_active", "unit", "full_name", "password"),
        side.owner.history.count(),
        row(side.notification, "read_at"),
        row(side.api_token, "revoked_at", "name"),
    )


def call(client, actor, method, url, data, *, unchanged=None):
    """One request in a transaction rolled back afterwards; logged in again when a logout ended the session."""
    if actor is None:
        client.logout()
    elif client.session.get("_auth_user_id") != str(actor.pk):
        client.force_login(actor)
    with transaction.atomic():
        response = client.get(url) if method == "get" else client.post(url, data)
        if getattr(response, "streaming", False):
            # Read a streamed body (the roster and reports CSVs, downloads) while the request's data stands.
            # The test client closes the response once its iterator is exhausted, with the database
            # connection kept; closing it here again would end the connection (request_finished).
            response.streamed = b"".join(response.streaming_content)
        if unchanged is not None:
            side, before = unchanged
            response.changed = fingerprint(side) != before
        transaction.set_rollback(True)
    return response


def outcome(response, *, admin_url) -> str:
    if response.status_code in (301, 302):
        login = reverse("admin:login") if admin_url else resolve_url(settings.LOGIN_URL)
        return "L" if response["Location"].startswith(login) else "3"
    return str(response.status_code)


def matches(got: str, expected: str) -> bool:
    return got in expected.split("|")


def shows_secret(response) -> bool:
    """Whether a page or a file shows the other union's objects; streamed responses (the roster and
    reports CSVs, file downloads) are read too."""
    if response.status_code != 200:
        return False
    if getattr(response, "streaming", False):
        body = getattr(response, "streamed", None)
        if body is None:
            body = b"".join(response.streaming_content)
    else:
        body = response.content
    return SECRET in body.decode("utf-8", errors="replace")


def admin_case(key, world):
    """The object and expectations of an admin URL: its own line, or the rule for a registered model."""
    if key in ADMIN_TABLE:
        return ADMIN_TABLE[key]
    model, view = admin_model_routes()[key]
    return (("admin_object", model) if view not in ("changelist", "add") else None, ADMIN, ADMIN)


def admin_kwargs(kind, pattern, world):
    params = set(pattern.pattern.regex.groupindex)
    if kind is None:
        return {}
    if isinstance(kind, tuple):  # an object of a registered model: one of the union's, or any
        model = kind[1]
        row = model._default_manager.order_by("pk").first()
        if row is None and model is Group:
            row = Group.objects.create(name="walk")
        object_id = str(row.pk) if row is not None else "1"
        values = {"object_id": object_id, "id": object_id, "history_id": "1"}
        if not params:  # a pattern with positional groups (a past version: object, history row)
            return {"object_id": object_id, "history_id": "1"}
        return {name: values[name] for name in params}
    if kind == "view_on_site":
        return {"content_type_id": "1", "object_id": str(world.ours.report.pk)}
    if kind == "app_label":
        return {"app_label": "reports"}
    if kind == "parent_id":
        return {"parent_id": str(world.ours.unit.pk)}
    if kind == "catch_all":
        return {"url": "no-such-page/"}
    raise AssertionError(f"unknown admin kwargs {kind} for {params}")


def url_for(key, pattern, route, kwargs):
    if pattern.name:
        if pattern.pattern.regex.groups > len(pattern.pattern.regex.groupindex):
            return reverse(key, args=list(kwargs.values()))
        return reverse(key, kwargs=kwargs)
    # Unnamed patterns: fill the route's parameters by hand.
    url = "/" + route
    for name, value in kwargs.items():
        url = re.sub(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", str(value), url)
    return url.replace("$", "").replace("^", "")


# --- the walk ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor_name", ACTORS)
def test_the_walk_over_every_url_as_each_actor(actor_name, world):
    actor = world.actors[actor_name]
    column = ACTORS.index(actor_name)
    client = Client()
    failures = []
    for key, pattern, route in url_patterns():
        is_admin = key.startswith("admin")
        kind, get_spec, post_spec = admin_case(key, world) if is_admin else TABLE[key]
        kwargs = admin_kwargs(kind, pattern, world) if is_admin else kwargs_for(kind, world.ours)
        url = url_for(key, pattern, route, kwargs)
        for method, spec in (("get", get_spec), ("post", post_spec)):
            expected = spec.split()[column]
            response = call(client, actor, method, url, post_data(world.ours, actor))
            got = outcome(response, admin_url=is_admin)
            if not matches(got, expected):
                failures.append(f"{method.upper()} {key} ({url}): {got}, expected {expected}")
    assert not failures, f"As {actor_name}:\n" + "\n".join(failures)


@pytest.mark.parametrize("actor_name", ["collaborator", "peer", "staff"])
def test_the_other_unions_objects_answer_as_missing_ones(actor_name, world):
    """Nothing the union's people get says the other union's objects exist, and no page shows them."""
    actor = world.actors[actor_name]
    client = Client()
    failures = []
    before = fingerprint(world.theirs)
    for key, pattern, route in url_patterns():
        if key.startswith("admin"):
            continue
        kind = TABLE[key][0]
        if kind == "token":
            continue  # the token is the credential: whoever holds it reads its owner's feed (see below)
        url = url_for(key, pattern, route, kwargs_for(kind, world.theirs))
        for method in ("get", "post"):
            data = post_data(world.theirs, actor)
            response = call(client, actor, method, url, data, unchanged=(world.theirs, before))
            where = f"{method.upper()} {key} ({url})"
            if shows_secret(response):
                failures.append(f"{where}: shows the other union's object")
            if response.changed:
                failures.append(f"{where}: changed the other union's objects")
            if kind in (None, "fmt", "reset"):
                continue
            missing_url = url_for(key, pattern, route, kwargs_for(kind, world.theirs, missing=True))
            missing = call(client, actor, method, missing_url, data)
            if (response.status_code, outcome(response, admin_url=False)) != (
                missing.status_code,
                outcome(missing, admin_url=False),
            ):
                failures.append(f"{where}: {response.status_code}, a missing object gets {missing.status_code}")
    assert not failures, f"As {actor_name}:\n" + "\n".join(failures)


def test_the_other_unions_staff_reach_their_objects_as_the_unions_staff_reach_theirs(world):
    """The control: the 404s above are about scope, not broken pages."""
    actor = world.actors["other_staff"]
    column = ACTORS.index("staff")
    client = Client()
    failures = []
    for key, pattern, route in url_patterns():
        if key.startswith("admin"):
            continue
        kind, get_spec, post_spec = TABLE[key]
        if kind in (None, "fmt", "reset", "token"):
            continue
        url = url_for(key, pattern, route, kwargs_for(kind, world.theirs))
        for method, spec in (("get", get_spec), ("post", post_spec)):
            got = outcome(call(client, actor, method, url, post_data(world.theirs, actor)), admin_url=False)
            if not matches(got, spec.split()[column]):
                failures.append(f"{method.upper()} {key}: {got}, expected {spec.split()[column]}")
    assert not failures, "\n".join(failures)


def test_a_calendar_feed_exists_only_for_its_token(client, world):
    good = reverse("trainings:feed", kwargs={"token": world.ours.token})
    bad = reverse("trainings:feed", kwargs={"token": world.ours.token[:-2] + "xx"})
    assert client.get(bad).status_code == 404
    feed = client.get(good)
    assert feed.status_code == 200 and "Ba Đình" in feed.content.decode()
    assert SECRET not in feed.content.decode()


# --- the admin ---------------------------------------------------------------------------------------


def test_the_app_makes_only_superusers_django_staff(world):
    assert not any(actor.is_staff for actor in world.actors.values() if actor is not None)
    made = [
        people_services.user_create(username=f"u-{role}", full_name="Người mới", unit=world.ours.unit, role=role)
        for role in Role.values
    ]
    assert [person.is_staff for person in made] == [False] * len(made)
    root = people_services.user_create(username="root", full_name="Quản trị", unit=None, is_superuser=True)
    assert root.is_staff


@pytest.fixture
def django_staff_of_the_union(world, union):
    """An account an administrator let into the admin (``is_staff``) with every model permission,
    but scoped, like any staff, to its union."""
    person = UserFactory(username="adminsite", unit=union, role=Role.STAFF, is_staff=True)
    person.user_permissions.set(Permission.objects.all())
    return person


SCOPED_CHANGELISTS = [
    "reports_report",
    "reports_rumour",
    "guidance_guidancenote",
    "guidance_pulserequest",
    "trainings_trainingsession",
    "collaborators_user",
    "collaborators_collaboratorprofile",
    "collaborators_recognitiondecision",
]


@pytest.mark.parametrize("changelist", SCOPED_CHANGELISTS)
def test_a_scoped_django_staff_account_sees_only_its_unions_rows_in_the_admin(
    client, world, django_staff_of_the_union, changelist
):
    client.force_login(django_staff_of_the_union)
    page = client.get(reverse(f"admin:{changelist}_changelist"))
    assert page.status_code == 200
    text = page.content.decode()
    assert SECRET not in text
    assert page.context["cl"].result_count >= 1  # the union's own rows are there


def test_a_scoped_django_staff_account_reaches_no_object_of_another_union_in_the_admin(
    client, world, django_staff_of_the_union
):
    client.force_login(django_staff_of_the_union)
    theirs, ours = world.theirs.report, world.ours.report
    assert client.get(reverse("admin:reports_report_change", args=[ours.pk])).status_code == 200
    # Out of scope answers as a missing object (the change page sends back to the admin's index; reports
    # are never deleted there), and its history is a 404.
    for view in ("change", "delete"):
        answers = [client.get(reverse(f"admin:reports_report_{view}", args=[pk])) for pk in (theirs.pk, MISSING)]
        assert len({(answer.status_code, answer.get("Location")) for answer in answers}) == 1, view
    assert answers[0].status_code == 403
    change = client.get(reverse("admin:reports_report_change", args=[theirs.pk]))
    assert (change.status_code, change["Location"]) == (302, reverse("admin:index"))
    assert client.get(reverse("admin:reports_report_history", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:reports_rumour_history", args=[world.theirs.rumour.pk])).status_code == 404
    # The rumour's verdict cannot be changed through the admin by someone whose scope does not cover it.
    response = client.post(
        reverse("admin:reports_rumour_change", args=[world.theirs.rumour.pk]), {"title": "Đổi", "summary": ""}
    )
    assert response.status_code == 302
    world.theirs.rumour.refresh_from_db()
    assert world.theirs.rumour.title.endswith(SECRET)


@pytest.mark.parametrize(
    "changelist", ["reports_topic", "reports_focuspolicy", "collaborators_exportrecord", "collaborators_exportjob"]
)
def test_models_without_a_scope_rule_are_for_superusers_only(client, world, django_staff_of_the_union, changelist):
    client.force_login(django_staff_of_the_union)
    assert client.get(reverse(f"admin:{changelist}_changelist")).status_code == 403


def test_the_units_admin_opens_and_shows_the_tree(client, world, city):
    root = UserFactory(username="root", unit=None, role=Role.ADMIN, is_superuser=True, is_staff=True)
    client.force_login(root)
    page = client.get(reverse("admin:collaborators_unit_changelist"))
    assert page.status_code == 200 and city.name in page.content.decode()
    children = client.get(reverse("admin:collaborators_unit_changelist"), {"q": "WARD-B"})
    assert children.status_code == 200 and world.theirs.unit.name in children.content.decode()


def test_the_units_admin_shows_a_scoped_account_only_its_units(client, world, django_staff_of_the_union):
    client.force_login(django_staff_of_the_union)
    found = client.get(reverse("admin:collaborators_unit_changelist"), {"q": "WARD"})
    assert found.status_code == 200
    names = {unit.name for unit in found.context["cl"].result_list}
    assert names == {world.ours.unit.name, world.ours.sub.name}


def test_the_leak_check_reads_streamed_files_too():
    """The exports stream (the roster and reports CSVs): the check above reads them as it reads pages."""
    from django.http import StreamingHttpResponse

    assert shows_secret(StreamingHttpResponse(iter([b"ma,ten\r\n", f"1,{SECRET}\r\n".encode()])))
    assert not shows_secret(StreamingHttpResponse(iter([b"ma,ten\r\n", b"1,Ba Dinh\r\n"])))
