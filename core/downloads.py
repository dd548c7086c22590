"""One way to send a file to a browser: always as a download, never as a page that could run.

Every view that sends a stored upload or a generated file (an export, a template, a summary's DOCX) uses
these. The browser is told the file is a download (``Content-Disposition: attachment``, with the name in
RFC 5987 form so Vietnamese names survive), not to guess its type (``nosniff``), and to treat it, should it
ever be opened in a tab, as a sandboxed document that may load nothing (the CSP). The content type comes
from the kind checked on upload; an unknown one is sent as plain bytes, never as HTML or script.
"""

from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from core.text import fold
from core.uploads import SERVABLE_TYPES, safe_name

OCTET_STREAM = "application/octet-stream"
SANDBOX_POLICY = "sandbox; default-src 'none'"


def servable_type(content_type: str) -> str:
    """The content type to send: one of the checked kinds', otherwise plain bytes."""
    return content_type if content_type in SERVABLE_TYPES else OCTET_STREAM


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in RFC 5987 form."""
    name = safe_name(filename)
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in fold(name)) or "file"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def _protect(response, filename: str):
    response["Content-Disposition"] = content_disposition(filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def file_download_response(field, filename: str, content_type: str = "") -> FileResponse:
    """A stored file (a FieldFile) as a download named ``filename``; 404 when the file is gone."""
    if not field:
        raise Http404
    try:
        handle = field.open("rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=servable_type(content_type))
    return _protect(response, filename)


def bytes_download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """Generated content (an export, a template) as a download named ``filename``."""
    response = HttpResponse(content, content_type=servable_type(content_type))
    return _protect(response, filename)


def streaming_download_response(chunks, filename: str, content_type: str) -> StreamingHttpResponse:
    """Generated content sent while it is produced (``chunks``: an iterator of bytes), as a download."""
    response = StreamingHttpResponse(chunks, content_type=servable_type(content_type))
    return _protect(response, filename)
