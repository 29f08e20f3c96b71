"""How users and groups look on the wire: reading request bodies and rendering resources."""

from __future__ import annotations

import json
import re
from typing import Any

from .config import EmulatorConfig
from .errors import ApiError

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"

# Datadog's real role ids differ per organisation; these fixed ones let tests and demos
# name roles without discovering them first.
DEFAULT_ROLES = {
    "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad01": "Datadog Admin Role",
    "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad02": "Datadog Standard Role",
    "5d8a6a1e-0c3b-4c4e-9f6e-00000000ad03": "Datadog Read Only Role",
}
DEFAULT_ROLE_NAME = "Datadog Standard Role"

MAX_DISPLAY_NAME = 200
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FRACTION_DIGITS = {"ms": 3, "ns": 9}


class RoleTable:
    """The roles of the emulated organisation, and which one a user gets by default."""

    def __init__(self, names_by_id: dict[str, str]) -> None:
        if not names_by_id:
            raise ValueError("the role table needs at least one role")
        self.names_by_id = {role_id.lower(): name for role_id, name in names_by_id.items()}
        standard = [
            role_id for role_id, name in self.names_by_id.items() if "standard" in name.lower()
        ]
        self.default_role_id = standard[0] if standard else next(iter(self.names_by_id))

    @classmethod
    def from_file(cls, path: str) -> RoleTable:
        with open(path, encoding="utf-8") as roles_file:
            names_by_id = json.load(roles_file)
        if not isinstance(names_by_id, dict) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in names_by_id.items()
        ):
            raise ValueError(f"{path} must hold a JSON object mapping role ids to role names")
        return cls(names_by_id)

    def resolve(self, requested_ids: list[str]) -> list[str]:
        """Keep the ids of roles that exist; with none left, give the default role (Datadog)."""
        known = [
            role_id.lower() for role_id in requested_ids if role_id.lower() in self.names_by_id
        ]
        return list(dict.fromkeys(known)) or [self.default_role_id]

    def render(self, role_ids: list[str]) -> list[dict[str, str]]:
        return [
            {"value": role_id, "display": self.names_by_id.get(role_id, role_id)}
            for role_id in role_ids
        ]


# -- reading ---------------------------------------------------------------------------


def read_json_object(raw_body: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw_body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError(400, f"Request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Request body must be a JSON object")
    return body


def text_or_none(attribute: str, value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    raise ApiError(400, f"{attribute} must be a string, not {json.dumps(value)}")


def boolean(attribute: str, value: Any) -> bool:
    # Entra ID sends booleans as the strings "True" and "False".
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ApiError(400, f"{attribute} must be a boolean, not {json.dumps(value)}")


def user_name(value: Any, config: EmulatorConfig) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "userName is required and must be a non-empty string")
    if config.require_email_user_name and not _EMAIL.match(value):
        raise ApiError(400, f"userName must be an email address, not {value}")
    return value


def role_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, 'roles must be a list of {"value": role id} objects')
    ids = []
    for role in value:
        role_id = role.get("value") if isinstance(role, dict) else role
        if not isinstance(role_id, str):
            raise ApiError(400, f"roles entries need a string value, not {json.dumps(role)}")
        ids.append(role_id)
    return ids


def primary_email(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(email, dict) for email in value):
        raise ApiError(400, 'emails must be a list of {"value": address} objects')
    if not value:
        return None
    chosen = next((email for email in value if email.get("primary") is True), value[0])
    return text_or_none("emails.value", chosen.get("value"))


def user_fields(body: dict[str, Any], roles: RoleTable, config: EmulatorConfig) -> dict[str, Any]:
    """Return the stored fields of a user from a POST or PUT body."""
    name = body.get("name") or {}
    if not isinstance(name, dict):
        raise ApiError(400, "name must be an object")
    fields = {
        "userName": user_name(body.get("userName"), config),
        "formatted": text_or_none("name.formatted", name.get("formatted")),
        "givenName": text_or_none("name.givenName", name.get("givenName")),
        "familyName": text_or_none("name.familyName", name.get("familyName")),
        "email": primary_email(body.get("emails")),
        "title": text_or_none("title", body.get("title")),
        "active": boolean("active", body.get("active", True)),
        "roles": roles.resolve(role_ids(body.get("roles"))),
        "externalId": text_or_none("externalId", body.get("externalId")),
    }
    if fields["email"] is None:
        fields["email"] = fields["userName"]
    return fields


def member_ids(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, 'members must be a list of {"value": user id} objects')
    ids = []
    for member in value:
        member_id = member.get("value") if isinstance(member, dict) else None
        if not isinstance(member_id, str) or not member_id:
            raise ApiError(400, f"members entries need a user id value, not {json.dumps(member)}")
        ids.append(member_id)
    return ids


def display_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, "displayName is required and must be a non-empty string")
    if len(value) > MAX_DISPLAY_NAME:
        raise ApiError(
            400, f"displayName must be at most {MAX_DISPLAY_NAME} characters, not {len(value)}"
        )
    return value


def group_fields(body: dict[str, Any]) -> dict[str, Any]:
    """Return the stored fields of a group from a POST or PUT body."""
    return {
        "displayName": display_name(body.get("displayName")),
        "externalId": text_or_none("externalId", body.get("externalId")),
        "members": member_ids(body.get("members")),
    }


# -- rendering -------------------------------------------------------------------------


def location(kind: str, resource_id: str, root_url: str, config: EmulatorConfig) -> str:
    # Datadog answers with URLs on its app host and outside the SCIM root; a client that
    # follows them instead of building URLs from the id breaks, which is the point.
    if config.foreign_locations:
        return f"https://app.datadoghq.com/api/v2/{kind}/{resource_id}"
    return f"{root_url}/{kind}/{resource_id}"


def wire_timestamp(stored: str, config: EmulatorConfig) -> str:
    """Render a stored timestamp with the configured number of fractional digits.

    Stored timestamps have nine digits, but a state file from an older emulator holds three;
    either is cut or padded with zeros, so both read under either precision.
    """
    seconds, _, fraction = stored[:-1].partition(".")
    if not stored.endswith("Z") or not (fraction.isdigit() or not fraction):
        # Not a shape the emulator writes (a state file edited by hand): pass it on as it is
        # rather than answer 500 for every request that touches the record.
        return stored
    digits = FRACTION_DIGITS[config.timestamp_precision]
    return f"{seconds}.{fraction[:digits].ljust(digits, '0')}Z"


def render_user(
    user: dict[str, Any], roles: RoleTable, config: EmulatorConfig, root_url: str
) -> dict[str, Any]:
    name: dict[str, Any] = {}
    if user["formatted"] is not None:
        name["formatted"] = user["formatted"]
    if config.return_undocumented:
        for part in ("givenName", "familyName"):
            if user[part] is not None:
                name[part] = user[part]
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": user["id"],
        "userName": user["userName"],
        "name": name,
        "emails": [{"value": user["email"], "type": "work", "primary": True}],
        "title": user["title"],
        "active": user["active"],
        "roles": roles.render(user["roles"]),
        "meta": {
            "resourceType": "User",
            "created": wire_timestamp(user["created"], config),
            "lastModified": wire_timestamp(user["lastModified"], config),
            "location": location("Users", user["id"], root_url, config),
        },
    }
    if config.return_undocumented and user["externalId"] is not None:
        resource["externalId"] = user["externalId"]
    return resource


def render_group(
    group: dict[str, Any],
    users: dict[str, dict[str, Any]],
    config: EmulatorConfig,
    root_url: str,
) -> dict[str, Any]:
    members = []
    for user_id in group["members"]:
        user = users.get(user_id)
        members.append(
            {
                "value": user_id,
                "$ref": location("Users", user_id, root_url, config),
                "display": (user["formatted"] or user["userName"]) if user else None,
                "type": "User",
            }
        )
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": group["id"],
        "displayName": group["displayName"],
        "members": members,
        "meta": {
            "resourceType": "Group",
            "created": wire_timestamp(group["created"], config),
            "lastModified": wire_timestamp(group["lastModified"], config),
            "location": location("Groups", group["id"], root_url, config),
        },
    }
    if group["externalId"] is not None:
        resource["externalId"] = group["externalId"]
    return resource
