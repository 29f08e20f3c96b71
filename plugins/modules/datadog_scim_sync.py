#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_sync
short_description: Reconcile Datadog users and teams with a desired state, such as an HR export
version_added: 0.1.0
description:
  - Makes the users and teams (SCIM groups) of a Datadog organization match a desired state in
    one task, through Datadog's SCIM 2.0 API or any other service that follows RFC 7643 and
    RFC 7644. Made for scheduled jobs that apply an HR export of thousands of people.
  - Reads every user and every group named in the desired state once (one paged list each),
    computes the changes in memory, then sends only the writes they need. A run with nothing
    to change sends no write.
  - The source is authoritative for the users it lists. Each one is created when it does not
    exist, and updated when an attribute it sets differs. A listed user without O(users[].active)
    is made active; a user deactivated in Datadog and listed again is reactivated.
  - Users are matched by user name, compared case-insensitively (a name that differs only in
    case is not rewritten); groups by display name, compared exactly; group members are user
    ids.
  - Users that the source does not list are left alone, unless O(prune_users) is set.
  - Use M(scimops.datadog.datadog_scim_user) and M(scimops.datadog.datadog_scim_group) to
    change a single object.
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  users:
    description:
      - The desired users, one entry per user. Each O(users[].user_name) may appear once
        (compared case-insensitively).
      - Only the attributes an entry sets are managed; the others are left as they are on
        the server.
      - An empty list is a valid desired state; with O(prune_users) it asks to deactivate
        every user, which O(max_deactivations) stops.
    type: list
    elements: dict
    required: true
    suboptions:
      user_name:
        description:
          - The login of the user, an email address.
        type: str
        required: true
      display_name:
        description:
          - The full name shown in Datadog (SCIM C(name.formatted)).
        type: str
      given_name:
        description:
          - The first name (SCIM C(name.givenName)). Compared only when the server returns
            it, since Datadog does not document it in its answers.
        type: str
      family_name:
        description:
          - The last name (SCIM C(name.familyName)). Compared only when the server returns
            it.
        type: str
      email:
        description:
          - The primary work email. Defaults to O(users[].user_name) when the user is
            created; left as it is on an existing user unless set.
        type: str
      title:
        description:
          - The job title.
        type: str
      active:
        description:
          - Whether the user can log in. Not set means V(true), since the source is
            authoritative for the users it lists.
          - V(false) deactivates an active user; such deactivations count towards
            O(max_deactivations).
          - A user listed with V(false) that does not exist is not created, since creating
            it would send an invitation to someone who is not meant to log in.
          - A user in O(protected_users) listed with V(false) is not deactivated; the task
            warns.
        type: bool
      roles:
        description:
          - Datadog role UUIDs. When given, the roles of the user are exactly these.
        type: list
        elements: str
      external_id:
        description:
          - An identifier of the user in the source system, such as an employee number.
            Compared only when the server returns it.
        type: str
      groups:
        description:
          - Display names of the teams the user is a member of.
          - With O(exclusive_groups), every team named anywhere in the desired state has
            exactly the users that list it, so an entry that leaves this out is removed from
            those teams.
        type: list
        elements: str
  groups:
    description:
      - Teams to manage besides those named in O(users[].groups), for example to set their
        external id, or to empty a team that no user lists any more.
    type: list
    elements: dict
    default: []
    suboptions:
      display_name:
        description:
          - The team name, compared exactly. At most 200 characters.
        type: str
        required: true
      external_id:
        description:
          - An identifier of the team in the source system. Compared only when the server
            returns it.
        type: str
  create_groups:
    description:
      - Create the teams of the desired state that do not exist, with their members in the
        same request.
      - With V(false), a team that does not exist fails the task before any write.
    type: bool
    default: true
  exclusive_groups:
    description:
      - With V(true), the members of every team named in the desired state are exactly the
        users that list it; other members are removed. Teams that the desired state does not
        name are left alone.
      - With V(false), members are only added.
    type: bool
    default: true
  prune_users:
    description:
      - Deactivate the active users that O(users) does not list, except O(protected_users).
    type: bool
    default: false
  protected_users:
    description:
      - User names (compared case-insensitively) that are never deactivated, whatever the
        source says.
      - List the owner of the application key here. A key owned by a deactivated user stops
        working, and with it every later run.
    type: list
    elements: str
    default: []
  max_deactivations:
    description:
      - The most users one run may deactivate, counting both O(prune_users) and entries with
        O(users[].active=false). A plan that would deactivate more fails before any write,
        naming the users.
      - A guard against a truncated or wrong export; raise it for a planned mass offboarding.
    type: int
    default: 50
  concurrency:
    description:
      - How many write requests are in flight at once. The pages of the user list after the
        first are also read this many at a time.
      - The threads share the rate limit. When the server answers 429 or runs out of
        C(X-RateLimit-Remaining), all of them wait.
    type: int
    default: 8
notes:
  - "Writes run in this order: creates, updates and reactivations of users; then new teams
    (with their members in the POST); then one PATCH per changed team, adding and removing
    members in the same request; deactivations last. A team can only list users that exist,
    and deactivations are the only writes that take access away, so a run cut short leaves
    too much access rather than too little, and the next run finishes the job."
  - A server that answers a team's POST or PATCH with HTTP 413 (too many members in one
    request) gets the team without members, then the members in PATCH requests halved until
    it takes them. A team created whose members then fail is listed in RV(errors), and counts
    as a change.
  - Every object is tried even when some fail. Failures are listed per object in RV(errors),
    and the task then fails with C(changed) telling whether anything was written and with the
    summary and lists of what did succeed. A re-run retries what failed.
  - A user whose create failed is left out of its teams (the task warns); a re-run adds it.
  - Bad entries (an invalid email, a role that is not a UUID, an unknown key), duplicate user
    names, too many deactivations and missing teams with O(create_groups=false) fail the task
    before any write, naming the entry, for example C(users[3].email).
  - In check mode only the two lists are read; the result holds the same summary and lists,
    as a plan, and C(summary.requests) counts the reads.
  - In diff mode, C(diff.before) and C(diff.after) hold only the changed objects, keyed by
    user name under C(users) and by team name under C(groups); a team shows only the members
    that leave (before) and join (after), not its whole membership.
  - Creating a user makes Datadog send an invitation email.
  - Datadog may hide deactivated users from lists. Such a user, listed in the source, looks
    new; its create is then answered as a conflict and is reported in RV(errors).
seealso:
  - module: scimops.datadog.datadog_scim_user
  - module: scimops.datadog.datadog_scim_group
  - module: scimops.datadog.datadog_scim_group_membership
"""

EXAMPLES = r"""
- name: Apply the nightly HR export (users and their teams)
  scimops.datadog.datadog_scim_sync:
    users: "{{ lookup('ansible.builtin.file', 'hr_export.csv') | scimops.datadog.hr_export('csv') }}"
  environment:
    DD_SITE: datadoghq.eu
    DD_APP_KEY: "{{ vault_datadog_service_account_app_key }}"
  register: sync

- name: Show what the sync did
  ansible.builtin.debug:
    var: sync.summary

- name: Reconcile a list given inline, keeping team membership additive
  scimops.datadog.datadog_scim_sync:
    users:
      - user_name: jane.doe@example.com
        display_name: Jane Doe
        title: Site Reliability Engineer
        roles:
          - bd28c0ad-4b1c-11ee-a6fa-da7ad0900002
        groups:
          - SRE
          - On-call
      - user_name: john.roe@example.com
        active: false
    groups:
      - display_name: SRE
        external_id: hr-team-0042
    exclusive_groups: false

- name: Deactivate everyone the export does not list, sparing the service account
  scimops.datadog.datadog_scim_sync:
    users: "{{ hr_users }}"
    prune_users: true
    protected_users:
      - datadog-provisioning@example.com
    max_deactivations: 20
    concurrency: 4

- name: Preview a prune without changing anything
  scimops.datadog.datadog_scim_sync:
    users: "{{ hr_users }}"
    prune_users: true
    protected_users:
      - datadog-provisioning@example.com
  check_mode: true
  diff: true
  register: preview
"""

RETURN = r"""
summary:
  description:
    - Counts of what the task did (in check mode, would do). A reactivated user is counted
      under C(reactivated), not also under C(updated); a user that is deactivated and changes
      other attributes in the same request is counted under C(deactivated).
  returned: always
  type: dict
  contains:
    created:
      description: Users created.
      returned: always
      type: int
      sample: 3
    updated:
      description: Existing users whose attributes were changed.
      returned: always
      type: int
      sample: 12
    deactivated:
      description: Users deactivated, by O(prune_users) or O(users[].active=false).
      returned: always
      type: int
      sample: 1
    reactivated:
      description: Deactivated users made active again.
      returned: always
      type: int
      sample: 0
    unchanged:
      description: Listed users that needed no write.
      returned: always
      type: int
      sample: 2984
    groups_created:
      description: Teams created.
      returned: always
      type: int
      sample: 1
    groups_updated:
      description: Existing teams changed (members or external id).
      returned: always
      type: int
      sample: 4
    members_added:
      description: Memberships added, the members of new teams included.
      returned: always
      type: int
      sample: 17
    members_removed:
      description: Memberships removed.
      returned: always
      type: int
      sample: 2
    requests:
      description: HTTP requests the task sent, reads and retries included.
      returned: always
      type: int
      sample: 52
  sample:
    created: 3
    updated: 12
    deactivated: 1
    reactivated: 0
    unchanged: 2984
    groups_created: 1
    groups_updated: 4
    members_added: 17
    members_removed: 2
    requests: 52
created:
  description: User names created, sorted.
  returned: always
  type: list
  elements: str
  sample: [jane.doe@example.com]
updated:
  description: User names updated, sorted.
  returned: always
  type: list
  elements: str
  sample: [ann.lee@example.com, bo.chen@example.com]
deactivated:
  description: User names deactivated, sorted.
  returned: always
  type: list
  elements: str
  sample: [john.roe@example.com]
reactivated:
  description: User names reactivated, sorted.
  returned: always
  type: list
  elements: str
  sample: []
errors:
  description:
    - One entry per object whose write failed. Empty when everything succeeded; the task
      fails when it is not.
  returned: always
  type: list
  elements: dict
  contains:
    object:
      description: C(user) or C(group).
      returned: always
      type: str
      sample: user
    name:
      description: The user name or the team name.
      returned: always
      type: str
      sample: jane.doe@example.com
    operation:
      description: What was tried, such as C(create user), C(deactivate user), C(update group).
      returned: always
      type: str
      sample: create user
    msg:
      description: What went wrong, with the HTTP status and the server's own message.
      returned: always
      type: str
      sample: "Could not create user: POST /Users answered HTTP 400 Bad Request: invalid email."
    status:
      description: The HTTP status of the failed answer, or null when none came.
      returned: always
      type: int
      sample: 400
  sample:
    - object: user
      name: jane.doe@example.com
      operation: create user
      msg: "Could not create user: POST /Users answered HTTP 400 Bad Request: invalid email."
      status: 400
diff:
  description: The changed objects before and after, in the option names of this module.
  returned: in diff mode
  type: dict
  sample:
    before:
      users:
        ann.lee@example.com:
          title: Engineer
      groups:
        SRE:
          members: [john.roe@example.com]
    after:
      users:
        ann.lee@example.com:
          title: Staff Engineer
        jane.doe@example.com:
          user_name: jane.doe@example.com
          email: jane.doe@example.com
          active: true
      groups:
        SRE:
          members: [jane.doe@example.com]
"""

from ansible_collections.scimops.datadog.plugins.module_utils._client import ScimOptionError
from ansible_collections.scimops.datadog.plugins.module_utils._common import ScimModule
from ansible_collections.scimops.datadog.plugins.module_utils._engine import complete_group
from ansible_collections.scimops.datadog.plugins.module_utils._sync import (
    SyncRunner,
    check_desired_state,
    failure,
    named_groups,
    plan_sync,
    predicted_report,
)

# More threads than this only queue behind the server's rate limit and the connection pool.
MAX_CONCURRENCY = 64


def argument_spec():
    # The rows of users and groups have no sub-options here: _sync checks and converts them
    # (as documented above), naming the row of each error, and far faster for 10,000 rows.
    return dict(
        users=dict(type="list", elements="dict", required=True),
        groups=dict(type="list", elements="dict", default=[]),
        create_groups=dict(type="bool", default=True),
        exclusive_groups=dict(type="bool", default=True),
        prune_users=dict(type="bool", default=False),
        protected_users=dict(type="list", elements="str", default=[]),
        max_deactivations=dict(type="int", default=50),
        concurrency=dict(type="int", default=8),
    )


def validate(params):
    if not 1 <= params["concurrency"] <= MAX_CONCURRENCY:
        raise ScimOptionError(
            "concurrency must be between 1 and %d, got %d."
            % (MAX_CONCURRENCY, params["concurrency"]),
            "concurrency",
        )
    if params["max_deactivations"] < 0:
        raise ScimOptionError(
            "max_deactivations must be 0 or more, got %d." % params["max_deactivations"],
            "max_deactivations",
        )
    check_desired_state(params["users"], params["groups"], params["protected_users"])


def read_groups(client, names):
    """The server's groups, when the desired state names any, each with its members."""
    if not names:
        return []
    groups = client.list_resources("Groups", operation="list groups")
    wanted = set(names)
    # Only the groups the plan compares need their members, which a list answer may leave out.
    return [
        complete_group(client, group) if group.get("displayName") in wanted else group
        for group in groups
    ]


def sync_directory(scim):
    params = scim.params
    validate(params)
    # The pool must hold a connection per thread; it is sized when the client is built.
    scim.pool_size = params["concurrency"]
    client = scim.client

    # A directory of thousands of users is read `concurrency` pages at a time.
    current_users = client.list_resources(
        "Users", operation="list users", parallel=params["concurrency"]
    )
    current_groups = read_groups(client, named_groups(params["users"], params["groups"]))
    plan = plan_sync(
        params["users"],
        params["groups"],
        current_users,
        current_groups,
        create_groups=params["create_groups"],
        exclusive_groups=params["exclusive_groups"],
        prune_users=params["prune_users"],
        protected_users=params["protected_users"],
        max_deactivations=params["max_deactivations"],
        checked=True,
    )
    del current_users, current_groups
    for warning in plan.warnings:
        scim.warn(warning)
    diff = plan.diff() if scim.diff_mode else None

    if scim.check_mode:
        report = predicted_report(plan)
    else:
        report = SyncRunner(client, params["concurrency"], scim.warn).run(plan)
    if report.errors:
        raise failure(report, client.request_count, diff)

    result = report.result(client.request_count)
    if diff is not None:
        result["diff"] = diff
    return result


def main():
    scim = ScimModule(argument_spec())
    scim.run(sync_directory)


if __name__ == "__main__":
    main()
