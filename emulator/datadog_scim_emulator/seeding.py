"""Bulk loading of users and groups, for benchmarks and fixtures that need thousands fast.

Everything is validated before anything is written, so a bad seed leaves the directory as
it was.
"""

from __future__ import annotations

from typing import Any

from .config import EmulatorConfig
from .directory import Directory
from .errors import ApiError
from .resources import RoleTable, display_name, text_or_none, user_fields

# The collection's own option names, so a seed can be written like a sync source.
_SHORT_USER_KEYS = {
    "user_name",
    "display_name",
    "given_name",
    "family_name",
    "email",
    "title",
    "active",
    "roles",
    "external_id",
}


def scim_user_body(user: Any) -> dict[str, Any]:
    """Turn a seed entry (a user name, a short dict or a SCIM user) into a SCIM user body."""
    if isinstance(user, str):
        return {"userName": user}
    if not isinstance(user, dict):
        raise ApiError(400, f"seed users must be user names or objects, not {user!r}")
    if not (_SHORT_USER_KEYS & set(user)):
        return user
    unknown = set(user) - _SHORT_USER_KEYS
    if unknown:
        raise ApiError(400, f"unknown seed user keys: {', '.join(sorted(unknown))}")
    body: dict[str, Any] = {
        "userName": user.get("user_name"),
        "name": {
            "formatted": user.get("display_name"),
            "givenName": user.get("given_name"),
            "familyName": user.get("family_name"),
        },
        "title": user.get("title"),
        "active": user.get("active", True),
        "roles": user.get("roles") or [],
        "externalId": user.get("external_id"),
    }
    if user.get("email"):
        body["emails"] = [{"value": user["email"], "type": "work", "primary": True}]
    return body


def seed_directory(
    directory: Directory,
    roles: RoleTable,
    config: EmulatorConfig,
    users: list[Any],
    groups: list[Any],
) -> dict[str, Any]:
    """Add users and groups; answer with their ids by userName and by displayName."""
    if not isinstance(users, list) or not isinstance(groups, list):
        raise ApiError(400, "seed users and groups must be lists")
    with directory.lock:
        new_users = _validated_users(directory, roles, config, users)
        new_user_keys = {directory.user_name_key(fields["userName"]) for fields in new_users}
        new_groups = _validated_groups(directory, groups, new_user_keys)

        user_ids = {}
        for fields in new_users:
            user_ids[fields["userName"]] = directory.create_user(fields)["id"]
        group_ids = {}
        for group in new_groups:
            members = [_existing_user_id(directory, member) for member in group["members"]]
            created, _ = directory.create_group({**group, "members": members})
            group_ids[group["displayName"]] = created["id"]
    return {
        "users": len(user_ids),
        "groups": len(group_ids),
        "user_ids": user_ids,
        "group_ids": group_ids,
    }


def _validated_users(
    directory: Directory, roles: RoleTable, config: EmulatorConfig, users: list[Any]
) -> list[dict[str, Any]]:
    validated = []
    seen = set()
    for user in users:
        fields = user_fields(scim_user_body(user), roles, config)
        key = directory.user_name_key(fields["userName"])
        if key in seen or directory.find_user_by_name(fields["userName"]) is not None:
            raise ApiError(409, f"seed user {fields['userName']} already exists")
        seen.add(key)
        validated.append(fields)
    return validated


def _validated_groups(
    directory: Directory, groups: list[Any], new_user_keys: set[str]
) -> list[dict[str, Any]]:
    validated = []
    seen = set()
    for group in groups:
        if not isinstance(group, dict):
            raise ApiError(400, f"seed groups must be objects, not {group!r}")
        name = display_name(group.get("displayName"))
        if name in seen or directory.find_group_by_name(name) is not None:
            raise ApiError(409, f"seed group {name} already exists")
        seen.add(name)
        members = group.get("members") or []
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            raise ApiError(400, f"members of seed group {name} must be a list of user names")
        for member in members:
            if directory.user_name_key(member) in new_user_keys:
                continue
            if _existing_user_id(directory, member) is None:
                raise ApiError(400, f"member {member} of seed group {name} is not a user")
        validated.append(
            {
                "displayName": name,
                "externalId": text_or_none("externalId", group.get("externalId")),
                "members": members,
            }
        )
    return validated


def _existing_user_id(directory: Directory, member: str) -> str | None:
    # A member is a user name when it holds an @, an id otherwise (as in the collection).
    if "@" in member:
        user = directory.find_user_by_name(member)
        return user["id"] if user else None
    return member if directory.get_user(member) else None
