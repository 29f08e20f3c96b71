"""The read-only /ResourceTypes and /Schemas documents.

They publish the attributes Datadog documents and no others, so that a generic client (or
a conformance checker) only exercises what Datadog is known to keep.
"""

from __future__ import annotations

from typing import Any

from .resources import GROUP_SCHEMA, USER_SCHEMA

RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"


def attribute(
    name: str,
    kind: str = "string",
    *,
    description: str,
    required: bool = False,
    multi_valued: bool = False,
    mutability: str = "readWrite",
    uniqueness: str = "none",
    case_exact: bool = False,
    sub_attributes: list[dict[str, Any]] | None = None,
    reference_types: list[str] | None = None,
) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "name": name,
        "type": kind,
        "multiValued": multi_valued,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub_attributes is not None:
        definition["subAttributes"] = sub_attributes
    if reference_types is not None:
        definition["referenceTypes"] = reference_types
    return definition


USER_ATTRIBUTES = [
    attribute(
        "userName",
        description="The user's email address, used to log in to Datadog.",
        required=True,
        uniqueness="server",
    ),
    attribute(
        "name",
        "complex",
        description="The user's name.",
        sub_attributes=[
            attribute("formatted", description="The full name shown in Datadog."),
        ],
    ),
    attribute("title", description="The user's job title."),
    attribute("active", "boolean", description="Whether the user may log in."),
    attribute(
        "emails",
        "complex",
        multi_valued=True,
        description="The user's work email address.",
        sub_attributes=[
            attribute("value", description="The address."),
            attribute("type", description="Always work.", mutability="readOnly"),
            attribute("primary", "boolean", description="Always true."),
        ],
    ),
    attribute(
        "roles",
        "complex",
        multi_valued=True,
        description="Datadog roles of the user; unknown role ids are dropped.",
        sub_attributes=[
            attribute("value", description="The role id."),
            attribute("display", description="The role name.", mutability="readOnly"),
        ],
    ),
]

GROUP_ATTRIBUTES = [
    attribute(
        "displayName",
        description="The team name, at most 200 characters.",
        required=True,
        uniqueness="server",
    ),
    attribute(
        "members",
        "complex",
        multi_valued=True,
        description="The users in the team.",
        sub_attributes=[
            attribute("value", description="The user id.", mutability="immutable"),
            attribute(
                "$ref",
                "reference",
                description="The URL of the user.",
                mutability="immutable",
                reference_types=["User"],
            ),
            attribute("display", description="The user's name.", mutability="readOnly"),
            attribute("type", description="Always User.", mutability="immutable"),
        ],
    ),
]

SCHEMAS = [
    {
        "schemas": [SCHEMA_SCHEMA],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "Datadog user",
        "attributes": USER_ATTRIBUTES,
    },
    {
        "schemas": [SCHEMA_SCHEMA],
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "Datadog team",
        "attributes": GROUP_ATTRIBUTES,
    },
]

RESOURCE_TYPES = [
    {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "Datadog users",
        "schema": USER_SCHEMA,
    },
    {
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Datadog teams",
        "schema": GROUP_SCHEMA,
    },
]


def with_meta(document: dict[str, Any], kind: str, url: str) -> dict[str, Any]:
    return {**document, "meta": {"resourceType": kind, "location": url}}
