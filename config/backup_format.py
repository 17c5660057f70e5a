"""The serialisation format of `intercoop backup`: Django's JSON, times kept whole.

Django's JSON encoder cuts datetimes and times to the millisecond; a restored row
must be the row that was saved, so they are written here in full ISO 8601. Read
back by Django's own JSON deserializer.
"""

from __future__ import annotations

import datetime as dt

from django.core.serializers import json

NAME = "intercoopjson"


class Serializer(json.Serializer):
    def _value_from_field(self, obj, field):
        value = super()._value_from_field(obj, field)
        if isinstance(value, (dt.datetime, dt.time)):
            return value.isoformat()
        return value


Deserializer = json.Deserializer
