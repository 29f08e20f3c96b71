#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_group_membership
short_description: Add users to a Datadog team (SCIM group), remove them, or set its members
version_added: 0.1.0
description:
  - Adds users to one existing group of a Datadog organization, removes them from it, or makes
    them its only members, through Datadog's SCIM 2.0 API or any other service that follows
    RFC 7643 and RFC 7644.
  - All the changes go in one C(PATCH) request, split into smaller ones only when the server
    answers that the request is too large. Members are added with one C(add) operation and
    removed with C(remove) operations whose path is C(members[value eq "<id>"]), the form both
    Datadog and RFC-strict servers accept.
  - The users are looked up once per task, with the fewest requests the directory allows (the
    whole user list for many users or a large group, one lookup each for a few), so a change of
    hundreds of members costs a few requests, not one per member.
  - To create or delete the group itself, use M(scimops.datadog.datadog_scim_group).
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  group:
    description:
      - The display name of the group, compared exactly.
      - One of O(group) and O(group_id) is required.
    type: str
  group_id:
    description:
      - The SCIM id of the group. Wins over O(group).
    type: str
  users:
    description:
      - The users to add, remove or keep, each a user name (an entry with C(@)) or a user id.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) adds the users that are not members yet.
      - V(absent) removes the users that are members.
      - V(exact) adds the users that are not members and removes every member that is not in
        O(users); V(exact) with O(users=[]) removes every member.
    type: str
    choices: [present, absent, exact]
    default: present
  missing_users:
    description:
      - What an entry of O(users) that names no existing user causes.
      - V(fail) fails the task before any change. V(warn) leaves the user out with a warning.
        V(ignore) leaves the user out silently.
      - In check mode, a missing user name is not an error whatever this option says, so that a
        play that creates the user in an earlier task can run in check mode. It is shown as
        added (O(state=present) or O(state=exact)) or as not a member (O(state=absent)), with a
        warning.
    type: str
    choices: [fail, warn, ignore]
    default: fail
notes:
  - In check mode, a group given by O(group) that does not exist is taken as a new, empty
    group, with a warning, so that a play that creates it in an earlier task can run in check
    mode. Outside check mode a missing group fails the task before any change.
  - Datadog answers every request on groups with an error until Datadog support enables team
    provisioning for the organization; the module then fails with a message that says so.
seealso:
  - module: scimops.datadog.datadog_scim_group
  - module: scimops.datadog.datadog_scim_group_info
  - module: scimops.datadog.datadog_scim_sync
"""

EXAMPLES = r"""
- name: Add the new hires to the SRE team
  scimops.datadog.datadog_scim_group_membership:
    group: SRE
    users:
      - jane.doe@example.com
      - john.roe@example.com

- name: Remove a leaver from a team found by id
  scimops.datadog.datadog_scim_group_membership:
    group_id: 2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
    users:
      - john.roe@example.com
    state: absent

- name: Make the on-call team exactly this week's rota, skipping users not provisioned yet
  scimops.datadog.datadog_scim_group_membership:
    group: On-call
    users: "{{ on_call_rota }}"
    state: exact
    missing_users: warn
  register: rota

- name: Show who joined and who left
  ansible.builtin.debug:
    msg: "added {{ rota.added }}, removed {{ rota.removed }}"
"""

RETURN = r"""
group:
  description:
    - The group as the server returned it after the task.
    - In check mode, the predicted group; a group that would be created by an earlier task has
      C(id) null, and a predicted member that does not exist yet has a C(value) of null.
  returned: always
  type: dict
  sample:
    schemas:
      - urn:ietf:params:scim:schemas:core:2.0:Group
    id: 2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
    displayName: SRE
    members:
      - value: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f
        display: Jane Doe
        type: User
added:
  description: User names of the members the task added (or would add), sorted.
  returned: always
  type: list
  elements: str
  sample:
    - jane.doe@example.com
removed:
  description: User names of the members the task removed (or would remove), sorted.
  returned: always
  type: list
  elements: str
  sample:
    - john.roe@example.com
diff:
  description: The members before and after, as sorted user names.
  returned: in diff mode
  type: dict
  sample:
    before:
      members:
        - john.roe@example.com
    after:
      members:
        - jane.doe@example.com
        - john.roe@example.com
"""

from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    reject_empty,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    MISSING_USERS_CHOICES,
    GroupEngine,
    Outcome,
    check_display_name,
    check_user_reference,
)


def argument_spec():
    return dict(
        group=dict(type="str"),
        group_id=dict(type="str"),
        users=dict(type="list", elements="str", required=True),
        state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
        missing_users=dict(type="str", choices=list(MISSING_USERS_CHOICES), default="fail"),
    )


def validate(params):
    reject_empty(params, ("group_id",))
    if params["group"] is not None:
        check_display_name(params["group"], "group")
    for reference in params["users"]:
        check_user_reference(reference, "users")


def ensure_membership(scim):
    params = scim.params
    validate(params)
    engine = GroupEngine(scim.client, scim.check_mode, scim.warn)
    outcome = Outcome()
    group = engine.find_target(display_name=params["group"], group_id=params["group_id"])
    group = engine.ensure_members(
        group, params["users"], params["state"], params["missing_users"], outcome
    )
    return outcome.result(scim.diff_mode, group=group)


def main():
    scim = ScimModule(argument_spec(), required_one_of=[("group", "group_id")])
    scim.run(ensure_membership)


if __name__ == "__main__":
    main()
