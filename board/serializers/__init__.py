"""Input and output serializers of the board's API, split by resource."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

_NAMED: dict[str, type[serializers.ChoiceField]] = {}


def named_choices(choices, name: str, **kwargs) -> serializers.ChoiceField:
    """A choice field documented as its own schema component, `name`: several board
    models have a `status` or `kind` of their own, and the schema's automatic enum names
    (by field name) would collide."""
    if name not in _NAMED:
        values = [value for value, _ in choices] + ([""] if kwargs.get("allow_blank") else [])
        schema = {"type": "string", "enum": values}
        _NAMED[name] = extend_schema_field(schema, component_name=name)(
            type(f"{name}Field", (serializers.ChoiceField,), {})
        )
    return _NAMED[name](choices, **kwargs)
