# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils file is internal to the scimops.datadog collection. It is not a public API:
# it may change at any release without notice.

"""The engine every module shares: attribute mapping, lookup, comparison, check mode, diff, writes.

A module declares which options it manages; the engine knows how each option maps to a SCIM
attribute and to a PATCH path, how to compare a server's value with the wanted one, how to
predict a result in check mode, how to build the diff, and how to write. The same functions
serve the single-object modules and the bulk sync, so both compare and write alike.
"""

from __future__ import annotations

import math

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimError,
    ScimOptionError,
    scim_filter_eq,
)
from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    reject_empty,
    validate_email,
    validate_uuid,
)

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"

# Longest team name Datadog accepts.
MAX_DISPLAY_NAME = 200
# Longest user name (an email address, RFC 5321 path limit).
MAX_USER_NAME = 254

# What a member reference that names a user looks like: user names are email addresses,
# ids never hold an "@".
NAME_MARK = "@"


# --------------------------------------------------------------------------- validation


def check_email(value, option):
    """Fail before any request when ``value`` cannot be a login email."""
    if not isinstance(value, str) or not value.strip():
        raise ScimOptionError("%s must be a non-empty email address." % option, option)
    if len(value) > MAX_USER_NAME:
        raise ScimOptionError(
            "%s must be at most %d characters long, got %d characters."
            % (option, MAX_USER_NAME, len(value)),
            option,
        )
    validate_email(value, option)


def check_display_name(value, option):
    if not isinstance(value, str) or not value.strip():
        raise ScimOptionError("%s must be a non-empty team name." % option, option)
    if len(value) > MAX_DISPLAY_NAME:
        raise ScimOptionError(
            "%s must be at most %d characters long (Datadog's limit for a team name), "
            "got %d characters." % (option, MAX_DISPLAY_NAME, len(value)),
            option,
        )


def check_user_reference(value, option):
    """A member reference: a user name (with '@') or an id."""
    if not isinstance(value, str) or not value.strip():
        raise ScimOptionError("%s must not hold empty entries." % option, option)
    if NAME_MARK in value:
        check_email(value, option)


def is_user_name(reference):
    return NAME_MARK in reference


# --------------------------------------------------------------------------- attributes

MISSING = object()


def _name_part(part):
    def read(resource):
        name = resource.get("name")
        if not isinstance(name, dict) or part not in name:
            return MISSING
        return name[part]

    return read


def _primary_email(resource):
    emails = resource.get("emails")
    if not isinstance(emails, list) or not emails:
        return None
    entries = [entry for entry in emails if isinstance(entry, dict)]
    for test in (
        lambda entry: entry.get("primary") is True,
        lambda entry: entry.get("type") == "work",
        lambda entry: True,
    ):
        for entry in entries:
            if test(entry):
                return entry.get("value")
    return None


def _role_values(resource):
    roles = resource.get("roles")
    if not isinstance(roles, list):
        return []
    return [entry.get("value") for entry in roles if isinstance(entry, dict) and entry.get("value")]


def _plain(attribute):
    def read(resource):
        return resource.get(attribute, MISSING)

    return read


class Attribute:
    """One option of the contract and the SCIM attribute behind it.

    ``echoed`` is False for attributes that a server may accept and not return (Datadog does
    not document externalId, givenName or familyName in its answers): when such an attribute
    is absent from the server's resource, its value is unknown and is not compared, so that a
    re-run does not rewrite it forever.
    """

    def __init__(self, option, path, read, kind="str", casefold=False, echoed=True):
        self.option = option
        self.path = path
        self.read_resource = read
        self.kind = kind
        self.casefold = casefold
        self.echoed = echoed

    def read(self, resource):
        value = self.read_resource(resource)
        if value is MISSING and self.echoed:
            return None
        return value

    def comparable(self, value):
        if value is None or value is MISSING:
            return value
        if self.kind == "list":
            return sorted(str(item).lower() for item in value)
        if self.kind == "bool":
            return bool(value)
        if self.casefold and isinstance(value, str):
            return value.casefold()
        return value

    def differs(self, current, wanted):
        if current is MISSING:
            return False
        return self.comparable(current) != self.comparable(wanted)

    def diff_value(self, value):
        if value is MISSING:
            return None
        if self.kind == "list" and value is not None:
            return sorted(value)
        return value


USER_ATTRIBUTES = (
    Attribute("user_name", "userName", _plain("userName"), casefold=True),
    Attribute("display_name", "name.formatted", _name_part("formatted")),
    Attribute("given_name", "name.givenName", _name_part("givenName"), echoed=False),
    Attribute("family_name", "name.familyName", _name_part("familyName"), echoed=False),
    Attribute("email", 'emails[type eq "work"].value', _primary_email, casefold=True),
    Attribute("title", "title", _plain("title")),
    Attribute("active", "active", _plain("active"), kind="bool"),
    Attribute("roles", "roles", _role_values, kind="list"),
    Attribute("external_id", "externalId", _plain("externalId"), echoed=False),
)

GROUP_ATTRIBUTES = (
    Attribute("display_name", "displayName", _plain("displayName")),
    Attribute("external_id", "externalId", _plain("externalId"), echoed=False),
)

USER_OPTIONS = tuple(attribute.option for attribute in USER_ATTRIBUTES)
GROUP_OPTIONS = tuple(attribute.option for attribute in GROUP_ATTRIBUTES)


def wanted_values(attributes, values):
    """The options a task sets (not None), in attribute order."""
    return {
        attribute.option: values[attribute.option]
        for attribute in attributes
        if values.get(attribute.option) is not None
    }


def current_values(attributes, resource, options=None):
    """The server's values of the given options (all when options is None)."""
    return {
        attribute.option: attribute.read(resource)
        for attribute in attributes
        if options is None or attribute.option in options
    }


def changed_options(attributes, resource, wanted):
    """Options whose wanted value differs from the server's, in attribute order."""
    changed = []
    for attribute in attributes:
        if attribute.option not in wanted:
            continue
        if attribute.differs(attribute.read(resource), wanted[attribute.option]):
            changed.append(attribute.option)
    return changed


def diff_view(attributes, values):
    """A diff side: the managed options only, lists sorted, unknown values as None."""
    return {
        attribute.option: attribute.diff_value(values[attribute.option])
        for attribute in attributes
        if attribute.option in values
    }


# --------------------------------------------------------------------------- user payloads


def validate_user_values(values, prefix=""):
    """Checks the user options a task or a sync row sets; raises ScimOptionError."""
    for option in ("user_name", "email"):
        if values.get(option) is not None:
            check_email(values[option], prefix + option)
    reject_empty(values, ("display_name",), prefix=prefix)
    for role in values.get("roles") or []:
        # Datadog names roles by UUID only; a role name would be dropped without an error.
        validate_uuid(role, prefix + "roles")


def user_create_payload(wanted):
    """A full SCIM user for POST; a new user is active unless told otherwise."""
    payload = {"schemas": [USER_SCHEMA], "userName": wanted["user_name"]}
    name = {}
    for option, part in (
        ("display_name", "formatted"),
        ("given_name", "givenName"),
        ("family_name", "familyName"),
    ):
        if wanted.get(option) is not None:
            name[part] = wanted[option]
    if name:
        payload["name"] = name
    payload["emails"] = [
        {"value": wanted.get("email") or wanted["user_name"], "type": "work", "primary": True}
    ]
    if wanted.get("title") is not None:
        payload["title"] = wanted["title"]
    payload["active"] = True if wanted.get("active") is None else bool(wanted["active"])
    if wanted.get("roles") is not None:
        payload["roles"] = [{"value": role} for role in wanted["roles"]]
    if wanted.get("external_id") is not None:
        payload["externalId"] = wanted["external_id"]
    return payload


def user_patch_operations(resource, wanted, options):
    """``replace`` operations for the changed options (Datadog refuses ``remove`` on users)."""
    by_option = {attribute.option: attribute for attribute in USER_ATTRIBUTES}
    operations = []
    for option in options:
        value = wanted[option]
        if option == "email" and _primary_email(resource) is None:
            # A filtered path has nothing to replace on a user without emails.
            operations.append(
                {
                    "op": "add",
                    "path": "emails",
                    "value": [{"value": value, "type": "work", "primary": True}],
                }
            )
            continue
        if option == "roles":
            value = [{"value": role} for role in value]
        elif option == "active":
            value = bool(value)
        operations.append({"op": "replace", "path": by_option[option].path, "value": value})
    return operations


def predict_user(resource, wanted):
    """The user as the server should return it after the write (check mode, 204 answers)."""
    if resource is None:
        predicted = user_create_payload(wanted)
        predicted["id"] = None
        return predicted
    predicted = dict(resource)
    if "name" in predicted:
        predicted["name"] = dict(predicted["name"])
    for option, value in wanted.items():
        if option == "user_name":
            if value.casefold() != str(resource.get("userName", "")).casefold():
                predicted["userName"] = value
        elif option in ("display_name", "given_name", "family_name"):
            part = {"display_name": "formatted", "given_name": "givenName"}.get(
                option, "familyName"
            )
            predicted.setdefault("name", {})[part] = value
        elif option == "email":
            predicted["emails"] = [{"value": value, "type": "work", "primary": True}]
        elif option == "title":
            predicted["title"] = value
        elif option == "active":
            predicted["active"] = bool(value)
        elif option == "roles":
            predicted["roles"] = [{"value": role} for role in value]
        elif option == "external_id":
            predicted["externalId"] = value
    return predicted


# --------------------------------------------------------------------------- group payloads


def group_create_payload(wanted, member_ids):
    payload = {"schemas": [GROUP_SCHEMA], "displayName": wanted["display_name"]}
    if wanted.get("external_id") is not None:
        payload["externalId"] = wanted["external_id"]
    if member_ids:
        payload["members"] = [{"value": member_id} for member_id in member_ids]
    return payload


def group_rename_operations(wanted, options):
    """One ``replace`` without a path: Datadog and RFC servers both take a value object."""
    value = {}
    for option in options:
        value["displayName" if option == "display_name" else "externalId"] = wanted[option]
    return [{"op": "replace", "value": value}] if value else []


def member_operations(add_ids, remove_ids):
    """Membership changes as PATCH operations: one ``add`` with every new member, and one
    ``remove`` per leaving member with a ``members[value eq "..."]`` path, the form both
    Datadog and RFC-strict servers accept (scim2-server refuses ``remove`` with a value)."""
    operations = []
    if add_ids:
        operations.append(
            {"op": "add", "path": "members", "value": [{"value": i} for i in add_ids]}
        )
    for member_id in remove_ids:
        operations.append({"op": "remove", "path": "members[value eq %s]" % _quoted(member_id)})
    return operations


def _quoted(value):
    # The filter syntax of a PATCH path is the one of list filters: reuse its escaping.
    return scim_filter_eq("value", value)[len("value eq "):]


def member_ids(group):
    members = group.get("members") if isinstance(group, dict) else None
    if not isinstance(members, list):
        return []
    return [entry["value"] for entry in members if isinstance(entry, dict) and entry.get("value")]


# --------------------------------------------------------------------------- lookup


def _ambiguous(noun, option, value, matches):
    ids = ", ".join(sorted(str(match.get("id")) for match in matches))
    return ScimError(
        "%d %ss match %s %r (ids: %s); give the id instead." % (len(matches), noun, option, value, ids),
        operation="find %s" % noun,
    )


def find_user(client, user_name=None, user_id=None):
    """The user with this id, or with this user name compared case-insensitively, or None."""
    if user_id:
        return client.get_resource("Users", user_id)
    found = client.list_resources(
        "Users", filter=scim_filter_eq("userName", user_name), operation="find user"
    )
    # The server's filter is a hint; the match that counts is made here, as the contract says.
    matches = [
        user for user in found if str(user.get("userName", "")).casefold() == user_name.casefold()
    ]
    if len(matches) > 1:
        raise _ambiguous("user", "user_name", user_name, matches)
    return matches[0] if matches else None


def find_group(client, display_name=None, group_id=None, external_id=None):
    """The group with this id, exact display name, or external id, or None."""
    if group_id:
        return client.get_resource("Groups", group_id)
    if display_name is not None:
        option, attribute, value = "display_name", "displayName", display_name
    else:
        option, attribute, value = "external_id", "externalId", external_id
    found = client.list_resources(
        "Groups", filter=scim_filter_eq(attribute, value), operation="find group"
    )
    matches = [group for group in found if group.get(attribute) == value]
    if len(matches) > 1:
        raise _ambiguous("group", option, value, matches)
    return matches[0] if matches else None


class UserDirectory:
    """Resolves user names to ids and back, once per run, at the lowest request cost.

    Resolving a few references costs one request each; resolving many costs the pages of the
    full user list. The directory asks the server how many users there are (one request for
    one object) and picks whichever of the two sends fewer requests.
    """

    def __init__(self, client):
        self.client = client
        self._by_id = {}
        self._by_name = {}
        self._complete = False
        self._total = None

    def remember(self, user):
        if isinstance(user, dict) and user.get("id"):
            self._by_id[user["id"]] = user
            if user.get("userName"):
                self._by_name[str(user["userName"]).casefold()] = user

    def load_all(self):
        if not self._complete:
            for user in self.client.list_resources("Users", operation="list users"):
                self.remember(user)
            self._complete = True
        return list(self._by_id.values())

    def _user_total(self):
        if self._total is None:
            body = self.client.request(
                "GET",
                self.client.collection_path("Users"),
                "count users",
                params={"startIndex": 1, "count": 1},
                ok=(200,),
            ).body or {}
            total = body.get("totalResults")
            self._total = total if isinstance(total, int) else 0
        return self._total

    def _known(self, reference):
        if is_user_name(reference):
            return self._by_name.get(reference.casefold())
        return self._by_id.get(reference)

    def resolve(self, references):
        """Maps each reference (user name or id) to its user; missing ones map to None."""
        unknown = [ref for ref in dict.fromkeys(references) if self._known(ref) is None]
        if unknown and not self._complete:
            pages = math.ceil(self._user_total() / 100.0) if len(unknown) > 1 else len(unknown)
            if len(unknown) > pages:
                self.load_all()
            else:
                for reference in unknown:
                    if is_user_name(reference):
                        user = find_user(self.client, user_name=reference)
                    else:
                        user = self.client.get_resource("Users", reference, operation="find user")
                    self.remember(user)
        return {ref: self._known(ref) for ref in references}

    def names_of(self, ids):
        """User names of the given ids; an id that names no user stays as it is."""
        resolved = self.resolve(list(ids))
        return {
            user_id: (user.get("userName") if user else user_id) for user_id, user in resolved.items()
        }


# --------------------------------------------------------------------------- outcome


class Outcome:
    """What one task did: the ``changed`` flag, the resource, and both sides of the diff."""

    def __init__(self):
        self.changed = False
        self.before = {}
        self.after = {}
        self.warnings = []
        self.extra = {}

    def result(self, diff_mode, **values):
        result = dict(changed=self.changed, **values)
        result.update(self.extra)
        if diff_mode:
            result["diff"] = {"before": self.before, "after": self.after}
        return result


def note_progress(err, changed, **details):
    """Marks a ScimError with what the task had already done when it failed."""
    err.changed = err.changed or changed
    err.details.update({key: value for key, value in details.items() if value is not None})
    return err


# --------------------------------------------------------------------------- user writes


class UserEngine:
    """Ensures one user is present with given attributes, or absent."""

    def __init__(self, client, check_mode, warn):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn

    def find(self, user_name=None, user_id=None):
        return find_user(self.client, user_name=user_name, user_id=user_id)

    def ensure_present(self, resource, wanted, outcome):
        """Creates the user or PATCHes the options that differ; returns the user."""
        if resource is not None:
            return self._update(resource, wanted, outcome)
        outcome.changed = True
        outcome.before = {}
        outcome.after = diff_view(USER_ATTRIBUTES, self._created_values(wanted))
        if self.check_mode:
            return predict_user(None, wanted)
        return self._create(wanted, outcome)

    def _update(self, resource, wanted, outcome):
        managed = [option for option in USER_OPTIONS if option in wanted]
        outcome.before = diff_view(
            USER_ATTRIBUTES, current_values(USER_ATTRIBUTES, resource, managed)
        )
        changed = changed_options(USER_ATTRIBUTES, resource, wanted)
        after = dict(outcome.before)
        after.update({option: wanted[option] for option in changed})
        outcome.after = diff_view(USER_ATTRIBUTES, after)
        outcome.changed = bool(changed)
        if not changed:
            return resource
        if self.check_mode:
            return predict_user(resource, {option: wanted[option] for option in changed})
        operations = user_patch_operations(resource, wanted, changed)
        updated = self.client.patch_resource("Users", resource["id"], operations)
        if updated is None:
            updated = self.client.get_resource("Users", resource["id"]) or predict_user(
                resource, wanted
            )
        self._warn_unapplied_roles(wanted, updated)
        return updated

    def _created_values(self, wanted):
        values = dict(wanted)
        values.setdefault("email", wanted["user_name"])
        values.setdefault("active", True)
        return values

    def _create(self, wanted, outcome):
        user_name = wanted["user_name"]

        def find_existing():
            return self.find(user_name=user_name)

        try:
            # Not create_resource: whether the server made a user (201) or answered with one it
            # already had (200) decides between "created" and "compare and update".
            response = self.client.request(
                "POST",
                self.client.collection_path("Users"),
                "create user",
                json=user_create_payload(wanted),
                ok=(200, 201),
                find_existing=find_existing,
            )
        except ScimError as err:
            if err.status != 409:
                raise
            existing = self._find_after_conflict(user_name)
            if existing is None:
                return self._unlisted_user(wanted, outcome, err)
            return self._adopt(existing, wanted, outcome)

        if response.status == 200 and response.body and not (
            response.from_lookup or response.after_lost_answer
        ):
            return self._adopt(response.body, wanted, outcome)
        created = response.body or find_existing() or {}
        self._warn_unapplied_roles(wanted, created)
        return created

    def _find_after_conflict(self, user_name):
        """The user a 409 says exists, read from the full list when the filter misses it.

        The filter misses users that a server hides from filters only, or whose stored name
        differs in case on a server that compares names case-sensitively. Reading every page
        is costly on a large directory, so it is done only after a conflict.
        """
        found = self.find(user_name=user_name)
        if found is not None:
            return found
        matches = [
            user
            for user in self.client.list_resources("Users", operation="find user")
            if str(user.get("userName", "")).casefold() == user_name.casefold()
        ]
        if len(matches) > 1:
            raise _ambiguous("user", "user_name", user_name, matches)
        return matches[0] if matches else None

    def _adopt(self, existing, wanted, outcome):
        """Manages a user that the lookup missed and the create request revealed.

        ``active`` stays as the server has it unless the task sets it, as for a user the
        lookup finds; a deactivated user is not reactivated behind the task's back.
        """
        user = self._update(existing, wanted, outcome)
        if isinstance(user, dict) and user.get("active") is False:
            self.warn(
                "User %r is deactivated and the server hides deactivated users from lookups, "
                "so the module found it only by trying to create it, and will do so on every "
                "run. Set active to true to reactivate it, or give its id to manage it without "
                "a create request." % existing.get("userName", wanted["user_name"])
            )
        return user

    def _unlisted_user(self, wanted, outcome, err):
        """A 409 for a user that neither the filter nor the full list shows."""
        user_name = wanted["user_name"]
        if wanted.get("active") is False:
            # Servers hide deactivated users only, so this one is deactivated, which is
            # what the task asks; failing would make every later run fail.
            outcome.changed = False
            outcome.before = {}
            outcome.after = {}
            self.warn(
                "User %r exists but the server hides it from lists and filters, as it does "
                "with deactivated users; it was left as it is. Its other attributes could not "
                "be compared: give its id to manage them." % user_name
            )
            return None
        raise ScimError(
            "Could not create user %r: the server answered 409 (the user already exists) but "
            "neither a filter nor the full user list shows it, which is how a server that "
            "hides deactivated users treats them. Give the user's id to manage it (with "
            "active set to true to reactivate it)." % user_name,
            operation="create user",
            status=409,
            path=err.path,
            url=err.url,
            server_message=err.server_message,
        )

    def _warn_unapplied_roles(self, wanted, resource):
        if wanted.get("roles") is None or not isinstance(resource, dict) or "roles" not in resource:
            return
        applied = {role.lower() for role in _role_values(resource)}
        missing = sorted(role for role in wanted["roles"] if role.lower() not in applied)
        if missing:
            self.warn(
                "The server did not apply the roles %s to user %r; Datadog ignores role UUIDs "
                "that do not exist in the organisation and gives the default role instead."
                % (", ".join(missing), resource.get("userName"))
            )

    def ensure_absent(self, resource, action, outcome):
        """Deactivates (``active: false``) or DELETEs the user; returns what is left of it."""
        if resource is None:
            return None
        if action == "deactivate":
            outcome.before = {"active": resource.get("active") is not False}
            outcome.after = {"active": False}
            if resource.get("active") is False:
                return resource
            outcome.changed = True
            if self.check_mode:
                return predict_user(resource, {"active": False})
            updated = self.client.patch_resource(
                "Users", resource["id"], [{"op": "replace", "path": "active", "value": False}],
                operation="deactivate user",
            )
            return updated or self.client.get_resource("Users", resource["id"])
        outcome.before = diff_view(USER_ATTRIBUTES, current_values(USER_ATTRIBUTES, resource))
        if resource.get("active") is False:
            # Datadog's DELETE may only deactivate: a deleted user can stay listed, inactive,
            # and cannot be told apart from a deactivated one. Deleting it again on every run
            # would never converge, so an inactive user counts as deleted.
            outcome.after = dict(outcome.before)
            return resource
        outcome.changed = True
        outcome.after = {}
        if not self.check_mode:
            self.client.delete_resource("Users", resource["id"])
        return None


# --------------------------------------------------------------------------- membership


MISSING_USERS_CHOICES = ("fail", "warn", "ignore")


class MembershipPlan:
    """Which members to add and remove, in ids, with the names the diff and result show."""

    def __init__(self):
        self.add_ids = []
        self.remove_ids = []
        self.added = []
        self.removed = []
        self.predicted_names = []
        self.before_names = []
        self.after_names = []

    @property
    def changes(self):
        return bool(self.add_ids or self.remove_ids or self.predicted_names)


class MembershipEngine:
    """Plans and writes membership changes of one group, resolving users once per run."""

    def __init__(self, client, check_mode, warn, directory=None):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn
        self.directory = directory or UserDirectory(client)

    def resolve(self, references, missing_users, option, adding=True):
        """Ids of the referenced users, and the user names that are missing.

        In check mode a missing user name is not an error whatever ``missing_users`` says:
        an earlier task of the same play (not run, because of check mode) would have created
        it; it is predicted as an addition (``adding``) or as a user that is not a member,
        with a warning.
        """
        resolved = self.directory.resolve(references)
        ids = []
        missing = []
        for reference in dict.fromkeys(references):
            user = resolved.get(reference)
            if user is None:
                missing.append(reference)
            elif user["id"] not in ids:
                ids.append(user["id"])
        predicted = []
        if missing and self.check_mode:
            predicted = [ref for ref in missing if is_user_name(ref)]
            if predicted:
                self.warn(
                    "Users not found: %s. In check mode they are shown as %s, on the "
                    "assumption that an earlier task creates them."
                    % (", ".join(sorted(predicted)), "added" if adding else "not members")
                )
            missing = [ref for ref in missing if not is_user_name(ref)]
        if missing:
            if missing_users == "fail":
                raise ScimOptionError(
                    "%s names users that do not exist: %s. Create them first, or set "
                    "missing_users to warn or ignore." % (option, ", ".join(sorted(missing))),
                    option,
                )
            if missing_users == "warn":
                self.warn("Users not found, left out: %s." % ", ".join(sorted(missing)))
        return ids, predicted

    def plan(self, current_ids, wanted_ids, state, predicted_names=()):
        plan = MembershipPlan()
        current = list(dict.fromkeys(current_ids))
        current_set = set(current)
        wanted_set = set(wanted_ids)
        if state in ("present", "exact"):
            plan.add_ids = [i for i in dict.fromkeys(wanted_ids) if i not in current_set]
        if state == "absent":
            plan.remove_ids = [i for i in current if i in wanted_set]
        elif state == "exact":
            plan.remove_ids = [i for i in current if i not in wanted_set]
        plan.predicted_names = sorted(set(predicted_names))

        names = self.directory.names_of(current + plan.add_ids)
        plan.before_names = sorted(names[i] for i in current)
        removed = set(plan.remove_ids)
        after = [names[i] for i in current if i not in removed]
        after += [names[i] for i in plan.add_ids] + list(plan.predicted_names)
        plan.after_names = sorted(after)
        plan.added = sorted([names[i] for i in plan.add_ids] + list(plan.predicted_names))
        plan.removed = sorted(names[i] for i in plan.remove_ids)
        return plan

    def plan_references(self, current_ids, references, state, missing_users, option):
        """Resolves the referenced users and plans the change: the step every caller shares."""
        adding = state != "absent"
        wanted_ids, predicted = self.resolve(references, missing_users, option, adding=adding)
        return self.plan(current_ids, wanted_ids, state, predicted if adding else ())

    def apply(self, group, plan, extra_operations=()):
        """Writes the plan in one PATCH (split only when the server refuses its size).

        ``extra_operations`` (a rename) travel in the same PATCH, ahead of the members.
        """
        operations = list(extra_operations) + member_operations(plan.add_ids, plan.remove_ids)
        if not operations or self.check_mode:
            return group
        answer = self.patch_in_chunks(group["id"], operations)
        return answer if answer is not None else self.client.get_resource("Groups", group["id"])

    def create_group(self, wanted, add_ids, find_existing):
        """POSTs a new group with its members; returns it and whether the members went along.

        A server that takes fewer members per request than ``add_ids`` answers the POST with
        413 and creates nothing. The group is then created without members, and the caller adds
        them in PATCHes, which patch_in_chunks splits as far as the server needs.
        """
        try:
            created = self.client.create_resource(
                "Groups", group_create_payload(wanted, add_ids), find_existing
            )
            return created, True
        except ScimError as err:
            if err.status != 413 or not add_ids:
                raise
        created = self.client.create_resource(
            "Groups", group_create_payload(wanted, []), find_existing
        )
        return created, False

    def patch_in_chunks(self, group_id, operations):
        """Sends the operations in one PATCH, halving them only while the server answers 413.

        Returns the server's answer (None for a 204); reads nothing back.
        """
        try:
            return self.client.patch_resource(
                "Groups", group_id, operations, operation="update group members"
            )
        except ScimError as err:
            # 413: the server takes fewer operations or members per request than were sent.
            if err.status != 413 or not _splittable(operations):
                raise
        first, second = _split(operations)
        answer = self.patch_in_chunks(group_id, first)
        try:
            return self.patch_in_chunks(group_id, second) or answer
        except ScimError as err:
            # The first part is written: the failed task must say so, so that a re-run converges.
            raise note_progress(err, True, group_id=group_id) from None


def _splittable(operations):
    return len(operations) > 1 or (
        len(operations) == 1 and operations[0]["op"] == "add" and len(operations[0]["value"]) > 1
    )


def _split(operations):
    if len(operations) > 1:
        middle = len(operations) // 2
        return operations[:middle], operations[middle:]
    values = operations[0]["value"]
    middle = len(values) // 2
    return (
        [dict(operations[0], value=values[:middle])],
        [dict(operations[0], value=values[middle:])],
    )


# --------------------------------------------------------------------------- groups


def predict_group(group, wanted, plan=None):
    """The group as the server should return it after the write (check mode).

    A user that does not exist yet (check mode of an onboarding play) is predicted as a member
    whose ``value`` is null and whose ``display`` is the user name.
    """
    if group is None:
        predicted = group_create_payload(wanted, [])
        predicted["id"] = None
    else:
        predicted = dict(group)
        if "display_name" in wanted:
            predicted["displayName"] = wanted["display_name"]
        if "external_id" in wanted:
            predicted["externalId"] = wanted["external_id"]
    if plan is not None and plan.changes:
        leaving = set(plan.remove_ids)
        members = [
            entry
            for entry in (predicted.get("members") or [])
            if isinstance(entry, dict) and entry.get("value") not in leaving
        ]
        members += [{"value": user_id} for user_id in plan.add_ids]
        members += [{"value": None, "display": name} for name in plan.predicted_names]
        predicted["members"] = members
    return predicted


def complete_group(client, group):
    """The group with its members: a list answer may leave them out, its own GET has them."""
    if isinstance(group, dict) and "members" not in group and group.get("id"):
        return client.get_resource("Groups", group["id"]) or group
    return group


def with_member_user_names(groups, directory):
    """Each group with ``member_user_names``, every group's members resolved in one pass."""
    every_id = [user_id for group in groups for user_id in member_ids(group)]
    names = directory.names_of(every_id) if every_id else {}
    return [
        dict(group, member_user_names=sorted(names[user_id] for user_id in member_ids(group)))
        for group in groups
    ]


class GroupEngine:
    """Ensures one group exists with given attributes and members, or is gone."""

    def __init__(self, client, check_mode, warn, directory=None):
        self.client = client
        self.check_mode = check_mode
        self.warn = warn
        self.members = MembershipEngine(client, check_mode, warn, directory=directory)

    def find(self, display_name=None, group_id=None, external_id=None):
        group = find_group(
            self.client, display_name=display_name, group_id=group_id, external_id=external_id
        )
        return self.complete(group)

    def complete(self, group):
        return complete_group(self.client, group)

    def list_groups(self):
        return [self.complete(group) for group in self.client.list_resources("Groups")]

    def find_target(self, display_name=None, group_id=None):
        """The group a membership task changes.

        In check mode a group named by display name that does not exist yet is predicted as
        new and empty, with a warning: an earlier task of the play would have created it.
        """
        group = self.find(display_name=display_name, group_id=group_id)
        if group is not None:
            return group
        if self.check_mode and group_id is None:
            self.warn(
                "Group %r not found. In check mode it is taken as a new, empty group, on the "
                "assumption that an earlier task creates it." % display_name
            )
            return predict_group(None, {"display_name": display_name})
        if group_id is not None:
            raise ScimOptionError("No group has id %r." % group_id, "group_id")
        raise ScimOptionError(
            "No group has display name %r. Create it first, for example with "
            "scimops.datadog.datadog_scim_group." % display_name,
            "group",
        )

    def ensure_members(self, group, references, state, missing_users, outcome, option="users"):
        """Adds, removes or sets the members of an existing group in one PATCH."""
        plan = self.members.plan_references(
            member_ids(group), references, state, missing_users, option
        )
        outcome.changed = plan.changes
        outcome.before = {"members": plan.before_names}
        outcome.after = {"members": plan.after_names}
        outcome.extra.update(added=plan.added, removed=plan.removed)
        if self.check_mode:
            return predict_group(group, {}, plan)
        return self.members.apply(group, plan)

    def ensure_present(self, group, wanted, references, missing_users, outcome):
        """Creates the group, or renames it and sets its members; returns the group.

        ``references`` None leaves the members as they are; a list makes them exactly these.
        """
        plan = None
        if references is not None:
            # Resolved before any write, so that a missing user fails the task untouched.
            plan = self.members.plan_references(
                member_ids(group), references, "exact", missing_users, "members"
            )
        if plan is not None and plan.changes:
            outcome.extra.update(added=plan.added, removed=plan.removed)
        if group is None:
            return self._create(wanted, plan, outcome)

        managed = [option for option in GROUP_OPTIONS if option in wanted]
        changed = changed_options(GROUP_ATTRIBUTES, group, wanted)
        outcome.before = diff_view(
            GROUP_ATTRIBUTES, current_values(GROUP_ATTRIBUTES, group, managed)
        )
        after = dict(outcome.before)
        after.update({option: wanted[option] for option in changed})
        outcome.after = diff_view(GROUP_ATTRIBUTES, after)
        if plan is not None:
            outcome.before["members"] = plan.before_names
            outcome.after["members"] = plan.after_names
        outcome.changed = bool(changed) or bool(plan is not None and plan.changes)
        if not outcome.changed:
            return group
        if self.check_mode:
            return predict_group(group, {option: wanted[option] for option in changed}, plan)
        rename = group_rename_operations(wanted, changed)
        return self.members.apply(group, plan or MembershipPlan(), extra_operations=rename)

    def _create(self, wanted, plan, outcome):
        outcome.changed = True
        outcome.before = {}
        outcome.after = diff_view(GROUP_ATTRIBUTES, wanted)
        if plan is not None:
            outcome.after["members"] = plan.after_names
        if self.check_mode:
            return predict_group(None, wanted, plan)

        member_ids_wanted = plan.add_ids if plan is not None else []
        created, members_sent = self.members.create_group(
            wanted, member_ids_wanted, lambda: self.find(display_name=wanted["display_name"])
        )
        if plan is None or (members_sent and not isinstance(created.get("members"), list)):
            return created
        # Datadog links an existing team of the same name instead of creating one, and that
        # team may already have members; a server that refused the members in the POST has
        # none of them yet. Either way, bring them to exactly the list asked for.
        follow_up = self.members.plan(member_ids(created), member_ids_wanted, "exact")
        if not (follow_up.add_ids or follow_up.remove_ids):
            return created
        outcome.extra.update(added=plan.added, removed=follow_up.removed)
        try:
            return self.members.apply(created, follow_up)
        except ScimError as err:
            raise note_progress(err, True, group_id=created.get("id")) from None

    def ensure_absent(self, group, outcome):
        """DELETEs the group; a group already gone is not an error."""
        if group is None:
            return
        outcome.before = diff_view(GROUP_ATTRIBUTES, current_values(GROUP_ATTRIBUTES, group))
        outcome.after = {}
        outcome.changed = True
        if not self.check_mode:
            outcome.changed = self.client.delete_resource("Groups", group["id"])
