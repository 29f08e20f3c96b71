# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# This module_utils file is internal to the scimops.datadog collection. It is not a public API:
# it may change at any release without notice.

"""Bulk reconciliation of a directory with a desired state: a pure planner and its executor.

``plan_sync`` compares the desired users and groups with the lists read from the server, in
memory, and returns the writes that are needed; every comparison and payload comes from the
shared engine, so a sync and the single-object modules agree on what "changed" means.
``SyncRunner`` sends those writes, several at a time, and reports what succeeded and what
failed, object by object.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.scimops.datadog.plugins.module_utils._client import (
    ScimError,
    ScimOptionError,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    GROUP_ATTRIBUTES,
    USER_ATTRIBUTES,
    USER_OPTIONS,
    MembershipEngine,
    Outcome,
    UserEngine,
    changed_options,
    check_display_name,
    check_email,
    current_values,
    diff_view,
    find_group,
    group_rename_operations,
    member_ids,
    member_operations,
    note_progress,
    user_patch_operations,
    validate_user_values,
    wanted_values,
)

CREATE = "create"
UPDATE = "update"
REACTIVATE = "reactivate"
DEACTIVATE = "deactivate"

# How many names an error or warning spells out before it only gives the count: enough to
# recognise the problem, short enough to read when an export of thousands goes wrong.
NAMES_SHOWN = 10


def _some(names):
    names = list(names)
    shown = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        shown += " and %d more" % (len(names) - NAMES_SHOWN)
    return shown


# --------------------------------------------------------------------------- plan


class UserWrite:
    """One request for one user: a POST (create) or a PATCH of the options that differ."""

    __slots__ = ("user_name", "action", "resource", "wanted", "operations", "before", "after")

    def __init__(self, user_name, action, resource, wanted, operations, before, after):
        self.user_name = user_name
        self.action = action
        self.resource = resource
        self.wanted = wanted
        self.operations = operations
        self.before = before
        self.after = after


class GroupWrite:
    """One request for one group: a POST with its members, or one PATCH of its changes.

    ``add_members`` holds (user name, id) pairs; the id is None for a user that the same run
    creates, and is known only once that create has succeeded.
    """

    __slots__ = ("display_name", "group", "wanted", "add_members", "remove_members", "operations")

    def __init__(self, display_name, group, wanted, add_members, remove_members, operations):
        self.display_name = display_name
        self.group = group
        self.wanted = wanted
        self.add_members = add_members
        self.remove_members = remove_members
        self.operations = operations

    @property
    def is_create(self):
        return self.group is None


class SyncPlan:
    """The writes a sync needs, in the order they run, and what the result reports."""

    def __init__(self):
        self.user_writes = []
        self.group_writes = []
        self.unchanged = 0
        self.warnings = []

    def writes(self, action):
        return [write for write in self.user_writes if write.action == action]

    @property
    def deactivations(self):
        return self.writes(DEACTIVATE)

    def diff(self):
        """Before and after of the changed objects only, keyed by user and group name."""
        before = {"users": {}, "groups": {}}
        after = {"users": {}, "groups": {}}
        for write in self.user_writes:
            if write.action != CREATE:
                before["users"][write.user_name] = write.before
            after["users"][write.user_name] = write.after
        for write in self.group_writes:
            if write.is_create:
                view = diff_view(GROUP_ATTRIBUTES, write.wanted)
                view["members"] = sorted(name for name, _user_id in write.add_members)
                after["groups"][write.display_name] = view
                continue
            # Only the members that leave and join: a team of thousands stays a few lines.
            before["groups"][write.display_name] = {
                "members": sorted(name for name, _user_id in write.remove_members)
            }
            after["groups"][write.display_name] = {
                "members": sorted(name for name, _user_id in write.add_members)
            }
            for option in changed_options(GROUP_ATTRIBUTES, write.group, write.wanted):
                before["groups"][write.display_name][option] = write.group.get("externalId")
                after["groups"][write.display_name][option] = write.wanted[option]
        return {"before": before, "after": after}


# The type of each key of a row. The module declares no sub-options for its lists: the
# checks are done here instead, so that an error names the row (users[3].active), which
# Ansible's own sub-option check does not do for unknown keys, and so that 10,000 rows are
# checked in a fraction of the time the generic sub-option validation takes.
USER_ROW_TYPES = {option: "str" for option in USER_OPTIONS}
USER_ROW_TYPES.update(active="bool", roles="list", groups="list")
GROUP_ROW_TYPES = {"display_name": "str", "external_id": "str"}
USER_ROW_KEYS = frozenset(USER_ROW_TYPES)
GROUP_ROW_KEYS = frozenset(GROUP_ROW_TYPES)


def _as_str(value, field):
    if isinstance(value, str):
        return value
    # Numbers are what YAML makes of employee numbers and similar ids; anything else is a
    # mistake in the source.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ScimOptionError("%s must be a string, got %r." % (field, value), field)


def _as_bool(value, field):
    try:
        return boolean(value, strict=True)
    except TypeError:
        raise ScimOptionError("%s must be true or false, got %r." % (field, value), field) from None


def _as_list(value, field):
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",")]
    if not isinstance(value, (list, tuple)):
        raise ScimOptionError("%s must be a list of strings, got %r." % (field, value), field)
    return [_as_str(item, field) for item in value]


_CONVERTERS = {"str": _as_str, "bool": _as_bool, "list": _as_list}


def _check_row(rows, index, list_name, types, required_key):
    """Checks one row in place (known keys, values converted to their type); its prefix."""
    row = rows[index]
    name = "%s[%d]" % (list_name, index)
    if not isinstance(row, dict):
        raise ScimOptionError("%s must be a dictionary, got %r." % (name, row), name)
    unknown = sorted(str(key) for key in row if key not in types)
    if unknown:
        raise ScimOptionError(
            "%s is not a known key; known keys are: %s."
            % (", ".join("%s.%s" % (name, key) for key in unknown), ", ".join(sorted(types))),
            "%s.%s" % (name, unknown[0]),
        )
    for key, value in row.items():
        if value is not None:
            converted = _CONVERTERS[types[key]](value, "%s.%s" % (name, key))
            if converted is not value:
                row[key] = converted
    if row.get(required_key) is None:
        field = "%s.%s" % (name, required_key)
        raise ScimOptionError("%s is required." % field, field)
    return "%s." % name


def _check_user_rows(users):
    """Every row must be a known set of keys with valid values; names must be unique."""
    if not isinstance(users, list):
        raise ScimOptionError("users must be a list of dictionaries.", "users")
    rows_by_name = {}
    for index in range(len(users)):
        prefix = _check_row(users, index, "users", USER_ROW_TYPES, "user_name")
        row = users[index]
        validate_user_values(row, prefix=prefix)
        for group_name in row.get("groups") or []:
            check_display_name(group_name, prefix + "groups")
        rows_by_name.setdefault(row["user_name"].casefold(), []).append(index)

    duplicates = [
        "%s (%s)" % (users[indexes[0]]["user_name"], ", ".join("users[%d]" % i for i in indexes))
        for indexes in rows_by_name.values()
        if len(indexes) > 1
    ]
    if duplicates:
        raise ScimOptionError(
            "users lists the same user_name more than once (compared case-insensitively): "
            "%s. Each user must appear once." % _some(duplicates),
            "users",
        )


def _check_group_rows(groups):
    if not isinstance(groups, list):
        raise ScimOptionError("groups must be a list of dictionaries.", "groups")
    seen = {}
    for index in range(len(groups)):
        prefix = _check_row(groups, index, "groups", GROUP_ROW_TYPES, "display_name")
        display_name = groups[index]["display_name"]
        check_display_name(display_name, prefix + "display_name")
        if display_name in seen:
            raise ScimOptionError(
                "groups lists the display_name %r twice (groups[%d] and groups[%d])."
                % (display_name, seen[display_name], index),
                prefix + "display_name",
            )
        seen[display_name] = index


def check_desired_state(users, groups, protected_users):
    """Fails on the first bad row, naming it, before any request is sent."""
    _check_user_rows(users)
    _check_group_rows(groups or [])
    for index, name in enumerate(protected_users or []):
        check_email(name, "protected_users[%d]" % index)


def named_groups(users, groups):
    """Display names of every group the desired state names, in order of appearance."""
    names = {row["display_name"]: None for row in groups or []}
    for row in users:
        for group_name in row.get("groups") or []:
            names.setdefault(group_name, None)
    return list(names)


def _index_unique(resources, key, noun, wanted_keys):
    """Resources by key; fails when a key the plan needs matches more than one resource."""
    index = {}
    clashes = {}
    for resource in resources:
        value = key(resource)
        if value is None:
            continue
        if value in index:
            clashes.setdefault(value, [index[value]]).append(resource)
        else:
            index[value] = resource
    ambiguous = sorted(value for value in clashes if value in wanted_keys)
    if ambiguous:
        described = [
            "%r (ids %s)" % (value, ", ".join(sorted(str(r.get("id")) for r in clashes[value])))
            for value in ambiguous
        ]
        raise ScimError(
            "More than one %s on the server matches %s; nothing was changed. Remove or rename "
            "the duplicates first." % (noun, _some(described)),
            operation="plan sync",
        )
    return index


def _user_key(user):
    name = user.get("userName") if isinstance(user, dict) else None
    return name.casefold() if isinstance(name, str) else None


def _group_key(group):
    name = group.get("displayName") if isinstance(group, dict) else None
    return name if isinstance(name, str) else None


def plan_sync(
    users,
    groups,
    current_users,
    current_groups,
    create_groups=True,
    exclusive_groups=True,
    prune_users=False,
    protected_users=(),
    max_deactivations=50,
    checked=False,
):
    """The writes that make the server match the desired state, computed in memory.

    ``users`` and ``groups`` are the rows of the desired state (the module's options);
    ``current_users`` and ``current_groups`` are the full lists read from the server. Raises
    ScimOptionError or ScimError, before anything is written, for a desired state that cannot
    be applied as a whole: bad or duplicate rows, too many deactivations, missing groups
    with ``create_groups`` off, or names that match several objects on the server.
    ``checked`` says that check_desired_state has already passed on these rows.
    """
    groups = groups or []
    if not checked:
        check_desired_state(users, groups, protected_users)
    protected = {name.casefold() for name in protected_users or []}

    plan = SyncPlan()
    source_names = {row["user_name"].casefold() for row in users}
    users_by_name = _index_unique(current_users, _user_key, "user", source_names)

    # Users first: the members of each group are known only once each row is planned.
    members_by_group = {}
    group_order = {row["display_name"]: None for row in groups}
    for row in users:
        member = _plan_user(plan, row, users_by_name.get(row["user_name"].casefold()), protected)
        for group_name in row.get("groups") or []:
            group_order.setdefault(group_name, None)
            if member is not None:
                members_by_group.setdefault(group_name, {})[member[0].casefold()] = member

    if prune_users:
        _plan_prune(plan, current_users, source_names, protected)

    deactivations = plan.deactivations
    if len(deactivations) > max_deactivations:
        raise ScimOptionError(
            "The sync would deactivate %d users, more than max_deactivations=%d; nothing was "
            "changed. Users that would be deactivated: %s. Check the source, or raise "
            "max_deactivations if this is intended."
            % (
                len(deactivations),
                max_deactivations,
                _some(sorted(write.user_name for write in deactivations)),
            ),
            "max_deactivations",
        )

    groups_by_name = _index_unique(current_groups, _group_key, "group", set(group_order))
    missing = [name for name in group_order if name not in groups_by_name]
    if missing and not create_groups:
        raise ScimOptionError(
            "create_groups is false and these groups do not exist: %s; nothing was changed. "
            "Create them first, or set create_groups to true." % _some(missing),
            "create_groups",
        )

    external_ids = {row["display_name"]: row.get("external_id") for row in groups}
    names_by_id = {}
    if exclusive_groups:
        names_by_id = {user["id"]: user.get("userName") for user in current_users if "id" in user}
    for group_name in group_order:
        wanted = {"display_name": group_name}
        if external_ids.get(group_name) is not None:
            wanted["external_id"] = external_ids[group_name]
        _plan_group(
            plan,
            group_name,
            groups_by_name.get(group_name),
            wanted,
            list(members_by_group.get(group_name, {}).values()),
            exclusive_groups,
            names_by_id,
        )

    plan.user_writes.sort(key=lambda write: _ACTION_ORDER[write.action])
    return plan


# Deactivations run last; see SyncRunner.run for why.
_ACTION_ORDER = {CREATE: 0, UPDATE: 1, REACTIVATE: 1, DEACTIVATE: 2}


def _plan_user(plan, row, resource, protected):
    """Plans one row; returns its (user name, id) as a group member, or None if it has none."""
    user_name = row["user_name"]
    wanted = wanted_values(USER_ATTRIBUTES, row)
    # The source is authoritative for the users it lists: not saying "inactive" means active.
    wanted.setdefault("active", True)
    if wanted["active"] is False and user_name.casefold() in protected:
        del wanted["active"]
        plan.warnings.append(
            "%s is listed with active: false but is in protected_users; it was not "
            "deactivated." % user_name
        )

    if resource is None:
        if wanted.get("active") is False:
            # A leaver who never had an account: creating one would send an invitation.
            plan.unchanged += 1
            return None
        created = dict(wanted)
        created.setdefault("email", user_name)
        plan.user_writes.append(
            UserWrite(
                user_name, CREATE, None, wanted, None, {}, diff_view(USER_ATTRIBUTES, created)
            )
        )
        return (user_name, None)

    member = (user_name, resource["id"])
    changed = changed_options(USER_ATTRIBUTES, resource, wanted)
    if not changed:
        plan.unchanged += 1
        return member
    was_active = resource.get("active") is not False
    action = UPDATE
    if "active" in changed:
        action = DEACTIVATE if was_active else REACTIVATE
    plan.user_writes.append(
        UserWrite(
            user_name,
            action,
            resource,
            wanted,
            user_patch_operations(resource, wanted, changed),
            diff_view(USER_ATTRIBUTES, current_values(USER_ATTRIBUTES, resource, changed)),
            diff_view(USER_ATTRIBUTES, {option: wanted[option] for option in changed}),
        )
    )
    return member


def _plan_prune(plan, current_users, source_names, protected):
    wanted = {"active": False}
    for resource in current_users:
        key = _user_key(resource)
        if key is None or key in source_names or key in protected:
            continue
        if resource.get("active") is False or not resource.get("id"):
            continue
        plan.user_writes.append(
            UserWrite(
                resource["userName"],
                DEACTIVATE,
                resource,
                wanted,
                user_patch_operations(resource, wanted, ["active"]),
                {"active": True},
                {"active": False},
            )
        )


def _plan_group(plan, group_name, group, wanted, members, exclusive, names_by_id):
    if group is None:
        plan.group_writes.append(GroupWrite(group_name, None, wanted, members, [], []))
        return

    current = member_ids(group)
    current_set = set(current)
    add_members = [
        (name, user_id)
        for name, user_id in members
        if user_id is None or user_id not in current_set
    ]
    remove_members = []
    if exclusive:
        kept = {user_id for _name, user_id in members if user_id is not None}
        remove_members = [
            (names_by_id.get(user_id) or user_id, user_id)
            for user_id in dict.fromkeys(current)
            if user_id not in kept
        ]
    operations = group_rename_operations(wanted, changed_options(GROUP_ATTRIBUTES, group, wanted))
    if add_members or remove_members or operations:
        plan.group_writes.append(
            GroupWrite(group_name, group, wanted, add_members, remove_members, operations)
        )


# --------------------------------------------------------------------------- report


class SyncReport:
    """What a sync did (or, in check mode, would do): counts, names and failures."""

    def __init__(self):
        self.names = {CREATE: [], UPDATE: [], DEACTIVATE: [], REACTIVATE: []}
        self.unchanged = 0
        self.groups_created = 0
        self.groups_updated = 0
        self.members_added = 0
        self.members_removed = 0
        self.errors = []
        self.partly_written = False

    @property
    def changed(self):
        return bool(
            self.partly_written
            or any(self.names.values())
            or self.groups_created
            or self.groups_updated
            or self.members_added
            or self.members_removed
        )

    def note_user(self, write):
        self.names[write.action].append(write.user_name)

    def note_group(self, write, added):
        if write.is_create:
            self.groups_created += 1
        else:
            self.groups_updated += 1
        self.members_added += added
        self.members_removed += len(write.remove_members)

    def note_error(self, kind, name, operation, err):
        # A write that failed halfway (a group created, its members refused) changed something.
        self.partly_written = self.partly_written or bool(getattr(err, "changed", False))
        self.errors.append(
            {
                "object": kind,
                "name": name,
                "operation": operation,
                "msg": str(err),
                "status": getattr(err, "status", None),
            }
        )

    def result(self, request_count):
        summary = {
            "created": len(self.names[CREATE]),
            "updated": len(self.names[UPDATE]),
            "deactivated": len(self.names[DEACTIVATE]),
            "reactivated": len(self.names[REACTIVATE]),
            "unchanged": self.unchanged,
            "groups_created": self.groups_created,
            "groups_updated": self.groups_updated,
            "members_added": self.members_added,
            "members_removed": self.members_removed,
            "requests": request_count,
        }
        return {
            "changed": self.changed,
            "summary": summary,
            "created": sorted(self.names[CREATE], key=str.casefold),
            "updated": sorted(self.names[UPDATE], key=str.casefold),
            "deactivated": sorted(self.names[DEACTIVATE], key=str.casefold),
            "reactivated": sorted(self.names[REACTIVATE], key=str.casefold),
            "errors": sorted(self.errors, key=lambda error: (error["object"], error["name"])),
        }


def predicted_report(plan):
    """The report of a check-mode run: every planned write counted as if it succeeded."""
    report = SyncReport()
    report.unchanged = plan.unchanged
    for write in plan.user_writes:
        report.note_user(write)
    for write in plan.group_writes:
        report.note_group(write, len(write.add_members))
    return report


# --------------------------------------------------------------------------- execution


class SyncRunner:
    """Sends the writes of a plan, ``concurrency`` at a time over one shared client."""

    def __init__(self, client, concurrency, warn):
        self.client = client
        self.concurrency = max(1, int(concurrency))
        self.warn = warn
        self.role_warnings = []
        self.users = UserEngine(client, False, self.role_warnings.append)
        self.memberships = MembershipEngine(client, False, warn)

    def run(self, plan):
        """Runs every write of the plan and returns the SyncReport; never stops at a failure.

        Order, chosen so that a run cut short at any point leaves a state the next run
        finishes: users are written first, because a group can only list users that exist;
        new groups next, with their members in the POST; then the PATCHes of existing groups.
        Deactivations come last: they are the only writes that take access away, so when
        anything before them fails the directory is left with too much access rather than
        too little, and removing a user from its groups never depends on a user that Datadog
        may already hide from lists because it is inactive.
        """
        report = SyncReport()
        report.unchanged = plan.unchanged
        created_ids = {}
        failed_creates = set()

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            early = [write for write in plan.user_writes if write.action != DEACTIVATE]
            for write, outcome in self._each(pool, self._write_user, early):
                if isinstance(outcome, Exception):
                    report.note_error("user", write.user_name, _user_operation(write), outcome)
                    if write.action == CREATE:
                        failed_creates.add(write.user_name.casefold())
                    continue
                report.note_user(write)
                if write.action == CREATE:
                    created_ids[write.user_name.casefold()] = outcome

            for is_create in (True, False):
                batch = [write for write in plan.group_writes if write.is_create is is_create]
                self._run_groups(pool, batch, created_ids, failed_creates, report)

            for write, outcome in self._each(pool, self._write_user, plan.deactivations):
                if isinstance(outcome, Exception):
                    report.note_error("user", write.user_name, _user_operation(write), outcome)
                else:
                    report.note_user(write)

        if self.role_warnings:
            # One warning for the run, not one per user: an export with a stale role UUID
            # would otherwise print thousands of them.
            self.warn(
                "%d new users did not get every role they were given. %s"
                % (len(self.role_warnings), _some(self.role_warnings))
            )
        return report

    def _each(self, pool, write_function, writes):
        """Yields (write, id or exception) in plan order, once every write has run."""
        futures = [(write, pool.submit(_attempt, write_function, write)) for write in writes]
        for write, future in futures:
            yield write, future.result()

    def _run_groups(self, pool, writes, created_ids, failed_creates, report):
        jobs = []
        for write in writes:
            add_ids, left_out = [], []
            for name, user_id in write.add_members:
                if user_id is None:
                    user_id = created_ids.get(name.casefold())
                if user_id is None:
                    if name.casefold() in failed_creates:
                        left_out.append(name)
                    continue
                add_ids.append(user_id)
            if left_out:
                self.warn(
                    "Group %s: left out %s, whose create failed; a later run adds them."
                    % (write.display_name, _some(sorted(left_out)))
                )
            if write.is_create or add_ids or write.remove_members or write.operations:
                jobs.append((write, add_ids))

        for (write, add_ids), outcome in self._each(pool, self._write_group, jobs):
            if isinstance(outcome, Exception):
                report.note_error("group", write.display_name, _group_operation(write), outcome)
            else:
                report.note_group(write, len(add_ids))

    def _write_user(self, write):
        if write.action == CREATE:
            created = self.users.ensure_present(None, write.wanted, Outcome())
            return created.get("id") if isinstance(created, dict) else None
        self.client.patch_resource(
            "Users", write.resource["id"], write.operations, operation="%s user" % write.action
        )
        return write.resource["id"]

    def _write_group(self, job):
        write, add_ids = job
        if write.is_create:
            created, members_sent = self.memberships.create_group(
                write.wanted,
                add_ids,
                lambda: find_group(self.client, display_name=write.display_name),
            )
            if not members_sent:
                try:
                    self.memberships.patch_in_chunks(created["id"], member_operations(add_ids, []))
                except ScimError as err:
                    raise note_progress(err, True, group_id=created.get("id")) from None
            return created.get("id")
        operations = list(write.operations) + member_operations(
            add_ids, [user_id for _name, user_id in write.remove_members]
        )
        # The engine's chunked PATCH without MembershipEngine.apply, which reads the group
        # back after a 204: the sync needs no answer, and one request per group is the point.
        self.memberships.patch_in_chunks(write.group["id"], operations)
        return write.group["id"]


def _attempt(write_function, write):
    # One object's failure is recorded and the others still run; only errors that describe
    # a refused or lost request are caught, so a bug still stops the task with its traceback.
    try:
        return write_function(write)
    except (ScimError, ScimOptionError) as err:
        return err


def _user_operation(write):
    return "%s user" % write.action


def _group_operation(write):
    return "create group" if write.is_create else "update group"


def failure(report, request_count, diff=None):
    """The ScimError that fails a run with per-object errors, carrying everything it did."""
    result = report.result(request_count)
    errors = result["errors"]
    err = ScimError(
        "The sync failed for %d of its objects (%s); everything else was applied and a "
        "re-run retries what failed. See errors for each failure."
        % (len(errors), _some("%s %s" % (e["operation"], e["name"]) for e in errors)),
        operation="sync",
    )
    details = dict(result)
    details.pop("changed")
    if diff is not None:
        details["diff"] = diff
    return note_progress(err, result["changed"], **details)
