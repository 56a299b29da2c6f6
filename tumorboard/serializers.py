"""Serializer helpers shared by every app's API.

`StrictSerializer` (and `StrictModelSerializer`) are the one place where input is held
to the house rules, for every field they declare or map from a model:

- unknown or read-only fields are refused;
- text fields take text only (`12345` is not silently the string "12345"), are
  NFC-normalised, and refuse invisible characters (Unicode categories Cf and Cc: zero-width
  spaces, bidi controls, other control characters; tab, line feed and carriage return are
  allowed), so two identifiers that look the same are the same;
- date-times without an offset are read in the field's zone (the current zone, by default
  the server's `TIME_ZONE`): a local time that does not exist (the spring-forward gap) is
  refused naming the field; an ambiguous one (the fall-back hour) means the first.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils import timezone
from rest_framework import serializers

INVISIBLE_CATEGORIES = {"Cf", "Cc"}
ALLOWED_CONTROLS = {"\t", "\n", "\r"}


def clean_text(value: str) -> str:
    """`value` NFC-normalised; ValidationError if it holds an invisible character."""
    value = unicodedata.normalize("NFC", value)
    for char in value:
        if unicodedata.category(char) in INVISIBLE_CATEGORIES and char not in ALLOWED_CONTROLS:
            name = unicodedata.name(char, f"U+{ord(char):04X}")
            raise serializers.ValidationError(
                f"Remove the invisible character {name.lower()} (U+{ord(char):04X}): "
                "text here may not hold zero-width, direction or control characters."
            )
    return value


class StrictCharField(serializers.CharField):
    """Text only, NFC, no invisible characters (see the module's docstring)."""

    default_error_messages = {"not_text": "Must be text (in quotes), not {kind}."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            kind = {bool: "true or false", int: "a number", float: "a number"}.get(
                type(data), "a list or an object"
            )
            self.fail("not_text", kind=kind)
        return super().to_internal_value(clean_text(data))


def local_datetime(naive: dt.datetime, zone: dt.tzinfo) -> dt.datetime | None:
    """`naive` as a wall-clock time in `zone`: the first of two in the fall-back hour;
    None when it does not exist (skipped at the spring-forward change)."""
    aware = naive.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None)
    return aware if back == naive else None


class StrictDateTimeField(serializers.DateTimeField):
    """ISO 8601; with an offset, that instant; without one, a wall-clock time in the field's
    zone that must exist (the first of two in the fall-back hour)."""

    default_error_messages = {
        "nonexistent": "{value} does not exist in {zone}: the clocks jump forward over it. "
        "Give a time that exists, or an offset."
    }

    def enforce_timezone(self, value):
        zone = self.timezone if hasattr(self, "timezone") else self.default_timezone()
        if zone is None or timezone.is_aware(value):
            return super().enforce_timezone(value)
        aware = local_datetime(value, zone)
        if aware is None:
            self.fail("nonexistent", value=f"{value:%Y-%m-%d %H:%M}", zone=zone)
        return aware


# Exact DRF field classes replaced by their strict twins wherever a strict serializer
# declares or maps them (subclasses such as EmailField keep their own parsing).
STRICT_FIELDS = {
    serializers.CharField: StrictCharField,
    serializers.DateTimeField: StrictDateTimeField,
}


def _strict(field: serializers.Field) -> serializers.Field:
    strict = STRICT_FIELDS.get(type(field))
    if strict is None:
        return field
    return strict(*field._args, **field._kwargs)


class StrictSerializer(serializers.Serializer):
    """Rejects fields it does not know, so a typo is an error rather than silently ignored;
    its text and date-time fields are strict (see the module's docstring)."""

    def get_fields(self):
        return {name: _strict(field) for name, field in super().get_fields().items()}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            errors = {
                name: ["This field is computed and cannot be set."]
                if name in self.fields
                else ["This field is not part of this request."]
                for name in data
                if name not in self.fields or self.fields[name].read_only
            }
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializer, serializers.ModelSerializer):
    serializer_field_mapping = {
        model_field: STRICT_FIELDS.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
