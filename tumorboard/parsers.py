"""The JSON parser of every API view (REST and FHIR): hostile bodies are a clear 4xx.

A body nested deeper than Python's recursion limit allows used to escape as a
`RecursionError` (500); a body over `DATA_UPLOAD_MAX_MEMORY_SIZE` is refused by
`tumorboard.limits.BodySizeMiddleware` before any view runs.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body is nested too deeply.") from None
