"""Serializer helpers shared by every app's API."""

from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Rejects fields it does not know, so a typo is an error rather than silently ignored."""

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
    pass
