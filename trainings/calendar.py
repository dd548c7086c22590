"""iCalendar files for sessions (icalendar), with times in the federation's time zone."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from trainings.models import SessionStatus

PRODID = "-//Opinion Network//Trainings//VI"


def _event(session, *, site_url: str) -> Event:
    tz = ZoneInfo(settings.TIME_ZONE)
    event = Event()
    event.add("uid", f"training-{session.pk}@{site_url.split('://')[-1].split('/')[0] or 'opinion-network'}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at.astimezone(tz))
    event.add("dtend", session.ends_at.astimezone(tz))
    event.add("summary", session.title)
    location = session.venue or session.online_link
    if location:
        event.add("location", vText(location))
    url = f"{site_url.rstrip('/')}/trainings/{session.pk}/"
    event.add("url", url)
    description = "\n".join(filter(None, [session.programme, session.speakers, session.online_link, url]))
    event.add("description", description)
    event.add("last-modified", session.updated_at)
    event.add("status", "CANCELLED" if session.status == SessionStatus.CANCELLED else "CONFIRMED")
    return event


def calendar_bytes(sessions, *, name: str, site_url: str | None = None) -> bytes:
    site_url = site_url or settings.SITE_URL
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    for session in sessions:
        cal.add_component(_event(session, site_url=site_url))
    cal.add_missing_timezones()
    return cal.to_ical()
