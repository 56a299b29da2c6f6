"""OpenAPI post-processing for drf-spectacular."""

from __future__ import annotations

LOCAL_TIME = {"pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$", "example": "08:00"}


def local_times(result, generator, request, public):
    """Clinic hours are wall-clock times in a location's zone ("08:00"), with no offset;
    OpenAPI's `format: time` is RFC 3339's full-time, which requires one. Describe them
    as what they are."""

    def walk(node):
        if isinstance(node, dict):
            if node.get("format") == "time" and node.get("type") == "string":
                del node["format"]
                node.update(LOCAL_TIME)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(result.get("components", {}))
    walk(result.get("paths", {}))
    return result
