"""The board's API: validate, call one service, serialize. Split by resource."""

from __future__ import annotations

import json

from rest_framework.renderers import BaseRenderer


def valid(serializer_class, request, data=None) -> dict:
    serializer = serializer_class(data=request.data if data is None else data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class CalendarRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/calendar`; the views return the bytes."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()  # an error
