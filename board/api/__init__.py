"""The board's API: validate, call one service, serialize. Split by resource."""

from __future__ import annotations


def valid(serializer_class, request, data=None) -> dict:
    serializer = serializer_class(data=request.data if data is None else data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
