"""The SCIM endpoints, as Datadog serves them, without any HTTP plumbing.

``ScimApi.handle`` takes a method, a path under the SCIM root, the query and the raw body,
and returns a status and a JSON body. Everything Datadog refuses raises ApiError.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import Any

from . import discovery
from .config import EmulatorConfig
from .directory import Directory, DuplicateUserError
from .errors import ApiError
from .filters import GROUP_FILTERS, USER_FILTERS, parse_filter
from .resources import (
    LIST_SCHEMA,
    RoleTable,
    boolean,
    display_name,
    group_fields,
    member_ids,
    primary_email,
    read_json_object,
    render_group,
    render_user,
    role_ids,
    text_or_none,
    user_fields,
    user_name,
)

Answer = tuple[int, dict[str, Any] | None]

TEAMS_DISABLED_MESSAGE = (
    "Team provisioning through SCIM is not enabled for this organization; "
    "contact Datadog support to enable it"
)
_MEMBER_VALUE_PATH = "members[value eq "


class ScimApi:
    """Serves /Users, /Groups, /ResourceTypes and /Schemas over one directory."""

    def __init__(
        self,
        directory: Directory,
        roles: RoleTable,
        current_config: Callable[[], EmulatorConfig],
    ) -> None:
        self.directory = directory
        self.roles = roles
        self.current_config = current_config
        # Only shapes the totalResults drift; any varying sequence would do.
        self._drift = itertools.cycle((1, -1, 2, 0))

    def handle(
        self, method: str, path: str, query: dict[str, str], raw_body: bytes, root_url: str
    ) -> Answer:
        config = self.current_config()
        segments = [segment for segment in path.split("/") if segment]
        if not segments or len(segments) > 2:
            raise ApiError(404, f"No SCIM endpoint at {path or '/'}")
        collection, resource_id = segments[0], (segments[1] if len(segments) == 2 else None)
        endpoint = _ENDPOINTS.get(collection)
        if endpoint is None:
            raise ApiError(404, f"No SCIM endpoint at {path}")
        if collection == "Groups" and not config.teams_enabled:
            raise ApiError(config.teams_disabled_status, TEAMS_DISABLED_MESSAGE)
        handler_name = endpoint.get((method, resource_id is not None))
        if handler_name is None:
            raise ApiError(405, f"{method} is not allowed on {path}")
        handler = getattr(self, handler_name)
        context = _Request(config, query, raw_body, root_url)
        return handler(context, resource_id) if resource_id is not None else handler(context)

    # -- users ---------------------------------------------------------------------------

    def list_users(self, request: _Request) -> Answer:
        include_inactive = request.config.inactive_users == "listed"
        if "filter" in request.query:
            values = parse_filter(request.query["filter"], USER_FILTERS)
            user = self.directory.find_user_by_name(values["username"])
            matches = [user] if user and (include_inactive or user["active"]) else []
        else:
            matches = self.directory.list_users(include_inactive=include_inactive)
        return self._page(request, matches, self._user_resource)

    def get_user(self, request: _Request, user_id: str) -> Answer:
        return 200, self._user_resource(request, self._user(user_id))

    def create_user(self, request: _Request) -> Answer:
        fields = user_fields(request.body(), self.roles, request.config)
        try:
            user = self.directory.create_user(fields)
        except DuplicateUserError as duplicate:
            if request.config.duplicate_user_post == "existing":
                return 200, self._user_resource(request, duplicate.existing)
            raise ApiError(409, f"User with userName {fields['userName']} already exists") from None
        return 201, self._user_resource(request, user)

    def replace_user(self, request: _Request, user_id: str) -> Answer:
        fields = user_fields(request.body(), self.roles, request.config)
        user = self.directory.modify_user(user_id, lambda candidate: candidate.update(fields))
        return 200, self._user_resource(request, user)

    def patch_user(self, request: _Request, user_id: str) -> Answer:
        operations = _patch_operations(request.body())

        def apply(candidate: dict[str, Any]) -> None:
            for operation in operations:
                self._apply_user_operation(request.config, candidate, operation)

        user = self.directory.modify_user(user_id, apply)
        return 200, self._user_resource(request, user)

    def delete_user(self, request: _Request, user_id: str) -> Answer:
        if request.config.delete_user == "remove":
            self.directory.remove_user(user_id)
        else:
            self.directory.modify_user(user_id, lambda candidate: candidate.update(active=False))
        return 204, None

    def _apply_user_operation(
        self, config: EmulatorConfig, user: dict[str, Any], operation: dict[str, Any]
    ) -> None:
        kind, path, value = _operation_parts(operation)
        if kind == "remove":
            raise ApiError(400, "Patch operation remove is not supported on users")
        if path is None:
            if not isinstance(value, dict):
                raise ApiError(400, f"A {kind} without path needs an object value")
            for attribute, attribute_value in value.items():
                if attribute not in ("schemas", "id", "meta"):
                    self._set_user_path(config, user, kind, attribute, attribute_value)
            return
        self._set_user_path(config, user, kind, path, value)

    def _set_user_path(
        self, config: EmulatorConfig, user: dict[str, Any], kind: str, path: str, value: Any
    ) -> None:
        lowered = path.lower()
        if lowered == "name" and isinstance(value, dict):
            for part, part_value in value.items():
                self._set_user_path(config, user, kind, f"name.{part}", part_value)
        elif lowered == "username":
            user["userName"] = user_name(value, config)
        elif lowered in _USER_NAME_PARTS:
            user[_USER_NAME_PARTS[lowered]] = text_or_none(path, value)
        elif lowered == "title":
            user["title"] = text_or_none(path, value)
        elif lowered == "externalid":
            user["externalId"] = text_or_none(path, value)
        elif lowered == "active":
            user["active"] = boolean(path, value)
        elif lowered in ('emails[type eq "work"].value', "emails.value"):
            email = text_or_none(path, value)
            user["email"] = email if email is not None else user["userName"]
        elif lowered == "emails":
            user["email"] = primary_email(value) or user["userName"]
        elif lowered == "roles":
            requested = role_ids(value if isinstance(value, list) else [value])
            if kind == "add":
                requested = user["roles"] + requested
            user["roles"] = self.roles.resolve(requested)
        else:
            raise ApiError(400, f"Unsupported patch path for users: {path}")

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.directory.get_user(user_id)
        if user is None:
            raise ApiError(404, f"User {user_id} not found")
        return user

    def _user_resource(self, request: _Request, user: dict[str, Any]) -> dict[str, Any]:
        return render_user(user, self.roles, request.config, request.root_url)

    # -- groups --------------------------------------------------------------------------

    def list_groups(self, request: _Request) -> Answer:
        if "filter" not in request.query:
            return self._page(request, self.directory.list_groups(), self._group_resource)
        values = parse_filter(request.query["filter"], GROUP_FILTERS)
        if "displayname" in values:
            group = self.directory.find_group_by_name(values["displayname"])
            matches = [group] if group else []
        elif "externalid" in values:
            matches = [
                group
                for group in self.directory.list_groups()
                if group["externalId"] == values["externalid"]
            ]
        else:
            group = self.directory.get_group(values["id"])
            member_of = group is not None and values["members"] in group["members"]
            matches = [group] if member_of else []
        return self._page(request, matches, self._group_resource)

    def get_group(self, request: _Request, group_id: str) -> Answer:
        group = self.directory.get_group(group_id)
        if group is None:
            raise ApiError(404, f"Group {group_id} not found")
        return 200, self._group_resource(request, group)

    def create_group(self, request: _Request) -> Answer:
        fields = group_fields(request.body())
        _check_member_count(request.config, len(fields["members"]))
        group, created = self.directory.create_group(fields)
        return (201 if created else 200), self._group_resource(request, group)

    def replace_group(self, request: _Request, group_id: str) -> Answer:
        fields = group_fields(request.body())
        _check_member_count(request.config, len(fields["members"]))
        group = self.directory.modify_group(group_id, lambda candidate: candidate.update(fields))
        return 200, self._group_resource(request, group)

    def patch_group(self, request: _Request, group_id: str) -> Answer:
        operations = _patch_operations(request.body())
        _check_member_count(request.config, _members_in_operations(operations))

        def apply(candidate: dict[str, Any]) -> None:
            for operation in operations:
                _apply_group_operation(candidate, operation)

        group = self.directory.modify_group(group_id, apply)
        return 200, self._group_resource(request, group)

    def delete_group(self, request: _Request, group_id: str) -> Answer:
        self.directory.remove_group(group_id)
        return 204, None

    def _group_resource(self, request: _Request, group: dict[str, Any]) -> dict[str, Any]:
        return render_group(group, self.directory.users, request.config, request.root_url)

    # -- discovery -----------------------------------------------------------------------

    def list_resource_types(self, request: _Request) -> Answer:
        return self._discovery_list(request, discovery.RESOURCE_TYPES, "ResourceTypes")

    def get_resource_type(self, request: _Request, resource_type_id: str) -> Answer:
        return self._discovery_item(
            request, discovery.RESOURCE_TYPES, "ResourceTypes", resource_type_id
        )

    def list_schemas(self, request: _Request) -> Answer:
        return self._discovery_list(request, discovery.SCHEMAS, "Schemas")

    def get_schema(self, request: _Request, schema_id: str) -> Answer:
        return self._discovery_item(request, discovery.SCHEMAS, "Schemas", schema_id)

    def _discovery_list(
        self, request: _Request, documents: list[dict[str, Any]], collection: str
    ) -> Answer:
        kind = "ResourceType" if collection == "ResourceTypes" else "Schema"
        resources = [
            discovery.with_meta(document, kind, f"{request.root_url}/{collection}/{document['id']}")
            for document in documents
        ]
        return 200, _list_response(resources, len(resources), 1)

    def _discovery_item(
        self,
        request: _Request,
        documents: list[dict[str, Any]],
        collection: str,
        document_id: str,
    ) -> Answer:
        kind = "ResourceType" if collection == "ResourceTypes" else "Schema"
        for document in documents:
            if document["id"] == document_id:
                url = f"{request.root_url}/{collection}/{document_id}"
                return 200, discovery.with_meta(document, kind, url)
        raise ApiError(404, f"{kind} {document_id} not found")

    # -- paging --------------------------------------------------------------------------

    def _page(
        self,
        request: _Request,
        matches: list[dict[str, Any]],
        render: Callable[[_Request, dict[str, Any]], dict[str, Any]],
    ) -> Answer:
        config = request.config
        start_index = max(1, _integer_parameter(request.query, "startIndex", 1))
        count = min(max(0, _integer_parameter(request.query, "count", 20)), config.max_page_size)
        if config.uneven_pages and count > 1:
            # Shorter by an amount that depends only on where the page starts, so that the
            # same request gets the same page, and a client that steps by its own count
            # instead of by itemsPerPage skips users.
            count = max(1, count - 1 - (start_index % 7))
        page = matches[start_index - 1 : start_index - 1 + count]
        total = len(matches)
        if config.total_drift:
            total = max(0, total + next(self._drift))
        return 200, _list_response([render(request, item) for item in page], total, start_index)


class _Request:
    """What a handler needs from one request: the config at its start, query, body, root."""

    def __init__(
        self, config: EmulatorConfig, query: dict[str, str], raw_body: bytes, root_url: str
    ) -> None:
        self.config = config
        self.query = query
        self.raw_body = raw_body
        self.root_url = root_url

    def body(self) -> dict[str, Any]:
        return read_json_object(self.raw_body)


_ENDPOINTS: dict[str, dict[tuple[str, bool], str]] = {
    "Users": {
        ("GET", False): "list_users",
        ("POST", False): "create_user",
        ("GET", True): "get_user",
        ("PUT", True): "replace_user",
        ("PATCH", True): "patch_user",
        ("DELETE", True): "delete_user",
    },
    "Groups": {
        ("GET", False): "list_groups",
        ("POST", False): "create_group",
        ("GET", True): "get_group",
        ("PUT", True): "replace_group",
        ("PATCH", True): "patch_group",
        ("DELETE", True): "delete_group",
    },
    "ResourceTypes": {("GET", False): "list_resource_types", ("GET", True): "get_resource_type"},
    "Schemas": {("GET", False): "list_schemas", ("GET", True): "get_schema"},
}

_USER_NAME_PARTS = {
    "name.formatted": "formatted",
    "name.givenname": "givenName",
    "name.familyname": "familyName",
}


def _list_response(resources: list[dict[str, Any]], total: int, start_index: int) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _integer_parameter(query: dict[str, str], name: str, default: int) -> int:
    if name not in query:
        return default
    try:
        return int(query[name])
    except ValueError:
        raise ApiError(400, f"{name} must be an integer, not {query[name]}") from None


def _patch_operations(body: dict[str, Any]) -> list[dict[str, Any]]:
    operations = body.get("Operations", body.get("operations"))
    if not isinstance(operations, list) or not operations:
        raise ApiError(400, "PATCH body needs a non-empty Operations list")
    for operation in operations:
        if not isinstance(operation, dict):
            raise ApiError(
                400, f"Each patch operation must be an object, not {json.dumps(operation)}"
            )
    return operations


def _operation_parts(operation: dict[str, Any]) -> tuple[str, str | None, Any]:
    kind = str(operation.get("op", "")).lower()
    if kind not in ("add", "replace", "remove"):
        raise ApiError(400, f"Unsupported patch operation: {operation.get('op')}")
    path = operation.get("path")
    if path is not None and (not isinstance(path, str) or not path.strip()):
        raise ApiError(400, f"Invalid patch path: {json.dumps(path)}")
    return kind, (path.strip() if path else None), operation.get("value")


def _apply_group_operation(group: dict[str, Any], operation: dict[str, Any]) -> None:
    kind, path, value = _operation_parts(operation)
    lowered = path.lower() if path else None
    if kind == "add" and lowered == "members":
        group["members"] = group["members"] + member_ids(value)
    elif kind == "remove" and lowered is not None and lowered.startswith(_MEMBER_VALUE_PATH):
        removed = _member_in_path(path)
        group["members"] = [user_id for user_id in group["members"] if user_id != removed]
    elif kind == "remove" and lowered == "members" and value is not None:
        removed_ids = set(member_ids(value))
        group["members"] = [user_id for user_id in group["members"] if user_id not in removed_ids]
    elif kind in ("add", "replace") and path is None and isinstance(value, dict):
        for attribute, attribute_value in value.items():
            if attribute not in ("schemas", "id", "meta"):
                _set_group_path(group, attribute, attribute_value)
    elif kind == "replace" and lowered in ("displayname", "externalid", "members"):
        _set_group_path(group, path, value)
    else:
        raise ApiError(400, f"Unsupported patch operation on groups: {kind} {path or '(no path)'}")


def _check_member_count(config: EmulatorConfig, count: int) -> None:
    # Called before the directory is touched, so a refused request changes nothing.
    limit = config.max_members_per_request
    if limit is not None and count > limit:
        raise ApiError(413, f"Too many members in one request: {count} (at most {limit})")


def _members_in_operations(operations: list[dict[str, Any]]) -> int:
    """Count the members a group PATCH names: every value added, replaced or removed.

    A remove by path (members[value eq "<id>"]) names one member; operations on other
    attributes name none.
    """
    count = 0
    for operation in operations:
        kind, path, value = _operation_parts(operation)
        lowered = path.lower() if path else None
        if lowered == "members" and isinstance(value, list):
            count += len(value)
        elif kind == "remove" and lowered is not None and lowered.startswith(_MEMBER_VALUE_PATH):
            count += 1
        elif kind != "remove" and path is None and isinstance(value, dict):
            members = value.get("members")
            count += len(members) if isinstance(members, list) else 0
    return count


def _set_group_path(group: dict[str, Any], path: str, value: Any) -> None:
    lowered = path.lower()
    if lowered == "displayname":
        group["displayName"] = display_name(value)
    elif lowered == "externalid":
        group["externalId"] = text_or_none(path, value)
    elif lowered == "members":
        group["members"] = member_ids(value)
    else:
        raise ApiError(400, f"Unsupported patch path for groups: {path}")


def _member_in_path(path: str) -> str:
    # The path carries its own small filter: members[value eq "<id>"].
    inner = path[len(_MEMBER_VALUE_PATH) :]
    if not inner.endswith("]"):
        raise ApiError(400, f"Invalid patch path: {path}")
    quoted = inner[:-1].strip()
    try:
        member_id = json.loads(quoted)
    except json.JSONDecodeError:
        member_id = None
    if not isinstance(member_id, str):
        raise ApiError(400, f"Invalid patch path: {path}")
    return member_id
