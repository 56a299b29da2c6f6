"""Run by Debian's /usr/bin/python3 (python3-gi, gir1.2-ical-3.0): libical's own checks
of each calendar file named on the command line. Prints JSON: {path: [problem, ...]}, the
problems being the X-LIC-ERROR properties libical adds while parsing and checking iTIP
restrictions (RFC 5546: which properties a METHOD allows, requires or forbids)."""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402


def problems(text: str) -> list[str]:
    try:
        calendar = ICalGLib.Component.new_from_string(text)
    except TypeError:  # the constructor returned NULL
        calendar = None
    if calendar is None:
        return ["libical could not parse it"]
    calendar.check_restrictions()
    found = []
    stack = [calendar]
    while stack:
        component = stack.pop()
        prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        while prop is not None:
            found.append(
                f"{ICalGLib.Component.kind_to_string(component.isa())}: {prop.get_xlicerror()}"
            )
            prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
        child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
        while child is not None:
            stack.append(child)
            child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    return found


if __name__ == "__main__":
    print(
        json.dumps({path: problems(open(path, encoding="utf-8").read()) for path in sys.argv[1:]})
    )
