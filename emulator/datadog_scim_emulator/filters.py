"""The few SCIM filters Datadog documents, parsed exactly, and nothing more.

A full SCIM filter grammar would accept what Datadog refuses; the point of the emulator is
to refuse the same things, so this parser only knows ``attribute eq "value"`` joined by
``and``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from .errors import ApiError

_COMPARISON = re.compile(
    r"""\s*(?P<attribute>[A-Za-z][A-Za-z0-9_.$]*)\s+(?P<operator>[A-Za-z]+)\s+"""
    r"""(?:"(?P<string>(?:[^"\\]|\\.)*)"|(?P<bare>\S+))\s*""",
    re.DOTALL,
)
_AND = re.compile(r"and\s+", re.IGNORECASE)

USER_FILTERS = frozenset({("username",)})
GROUP_FILTERS = frozenset({("displayname",), ("externalid",), ("id", "members")})


@dataclass(frozen=True)
class Equality:
    """One ``attribute eq "value"`` comparison; the attribute name is lower-cased."""

    attribute: str
    value: str


def parse_filter(text: str, allowed: frozenset[tuple[str, ...]]) -> dict[str, str]:
    """Return the compared values by attribute, or refuse a filter Datadog does not take.

    ``allowed`` lists the accepted combinations of attributes, as sorted tuples.
    """
    comparisons = _parse_comparisons(text)
    by_attribute = {comparison.attribute: comparison.value for comparison in comparisons}
    combination = tuple(sorted(by_attribute))
    if len(by_attribute) != len(comparisons) or combination not in allowed:
        raise ApiError(400, f"Unsupported filter: {text}")
    return by_attribute


def _parse_comparisons(text: str) -> list[Equality]:
    comparisons = []
    position = 0
    while True:
        match = _COMPARISON.match(text, position)
        if match is None:
            raise ApiError(400, f"Invalid filter: {text}")
        if match.group("operator").lower() != "eq" or match.group("string") is None:
            raise ApiError(400, f"Unsupported filter: {text}")
        comparisons.append(
            Equality(match.group("attribute").lower(), _unescape(match.group("string"), text))
        )
        position = match.end()
        if position == len(text):
            return comparisons
        joiner = _AND.match(text, position)
        if joiner is None:
            raise ApiError(400, f"Unsupported filter: {text}")
        position = joiner.end()


def _unescape(quoted: str, text: str) -> str:
    # SCIM filter strings follow JSON string rules (RFC 7644 section 3.4.2.2).
    try:
        return json.loads(f'"{quoted}"', strict=False)
    except json.JSONDecodeError:
        raise ApiError(400, f"Invalid filter: {text}") from None
