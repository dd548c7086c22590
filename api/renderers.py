"""A renderer for the file downloads: lets a client that asks for the file's bytes reach the view (which
answers with Django's file response); an error on the way is still JSON."""

import json

from rest_framework.renderers import BaseRenderer


class FileRenderer(BaseRenderer):
    media_type = "application/octet-stream"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes):
            return data
        return json.dumps(data, ensure_ascii=False, default=str).encode()
