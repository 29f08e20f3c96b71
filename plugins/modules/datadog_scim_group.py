#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_group
short_description: Ensure a Datadog team (SCIM group) exists with given members, or is gone
version_added: 0.1.0
description:
  - Creates, renames, sets the members of, or deletes one group of a Datadog organization
    through Datadog's SCIM 2.0 API, or of any other service that follows RFC 7643 and RFC 7644.
    In Datadog a SCIM group is a team that the identity provider owns from then on.
  - The group is found by O(id) when it is given, otherwise by O(display_name), compared
    exactly. More than one match fails and names the ids of the matches.
  - With both O(id) and O(display_name), the group found by O(id) is renamed to O(display_name).
  - With O(members), the members of the group are exactly that list. Every change of the group
    (name, external id, members added and removed) goes in one C(PATCH) request, split only when
    the server answers that the request is too large. A new group is created with its members
    in the C(POST) request; when the server answers that this request is too large (HTTP 413),
    the group is created without members and they are added in C(PATCH) requests, split in the
    same way.
  - To add or remove some members without naming all of them, use
    M(scimops.datadog.datadog_scim_group_membership).
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  display_name:
    description:
      - The name of the team, at most 200 characters.
      - Required unless O(id) is given. With O(id), a different O(display_name) renames the
        group.
    type: str
  id:
    description:
      - The SCIM id of the group. Wins over O(display_name) for the lookup.
    type: str
  external_id:
    description:
      - An identifier of the group in the source system.
      - Datadog does not document this attribute in its answers. It is sent on create and
        update; when the server does not return it, it is not compared, so a change made
        elsewhere is not seen.
    type: str
  members:
    description:
      - The members of the group, each a user name (an entry with C(@)) or a user id.
      - When given, the members are exactly these; V([]) removes every member. When not given,
        the members are left as they are.
      - Setting it with O(state=absent) is an error, since it would be silently ignored.
      - The users are looked up once per task, with the fewest requests the directory allows
        (the whole user list for many members, one lookup each for a few).
    type: list
    elements: str
  missing_users:
    description:
      - What an entry of O(members) that names no existing user causes.
      - V(fail) fails the task before any change. V(warn) leaves the user out with a warning.
        V(ignore) leaves the user out silently.
      - In check mode, a missing user name is a predicted member with a warning, whatever this
        option says, so that a play that creates the user in an earlier task can run in check
        mode.
    type: str
    choices: [fail, warn, ignore]
    default: fail
  state:
    description:
      - V(present) ensures the group exists with the given name, external id and members.
      - V(absent) deletes the group (C(DELETE)); Datadog removes its members and unlinks the
        team, which stays in Datadog. A group that does not exist is not an error.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Datadog answers every request on groups with an error until Datadog support enables team
    provisioning for the organization; the module then fails with a message that says so.
  - When Datadog is asked to create a group with the name of an existing team, it links that
    team instead; the module then brings the members of the team to exactly O(members).
  - In check mode, a group that would be created is returned with C(id) set to null, and a
    predicted member that does not exist yet has a C(value) of null.
seealso:
  - module: scimops.datadog.datadog_scim_group_membership
  - module: scimops.datadog.datadog_scim_group_info
  - module: scimops.datadog.datadog_scim_sync
"""

EXAMPLES = r"""
- name: Ensure the SRE team exists, leaving its members as they are
  scimops.datadog.datadog_scim_group:
    display_name: SRE
    external_id: hr-team-0042

- name: Make the members of the on-call team exactly these users
  scimops.datadog.datadog_scim_group:
    display_name: On-call
    members:
      - jane.doe@example.com
      - john.roe@example.com
  register: on_call

- name: Show who joined and who left
  ansible.builtin.debug:
    msg: "added {{ on_call.added | default([]) }}, removed {{ on_call.removed | default([]) }}"

- name: Rename a team found by id
  scimops.datadog.datadog_scim_group:
    id: 2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
    display_name: Site Reliability Engineering

- name: Stop provisioning a team (the team stays in Datadog, without its members)
  scimops.datadog.datadog_scim_group:
    display_name: Legacy Platform
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group as the server returned it after the task.
    - In check mode, the predicted group; C(id) is null for a group that would be created.
    - Absent after O(state=absent).
  returned: when the group exists or would exist
  type: dict
  sample:
    schemas:
      - urn:ietf:params:scim:schemas:core:2.0:Group
    id: 2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
    displayName: SRE
    externalId: hr-team-0042
    members:
      - value: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f
        display: Jane Doe
        type: User
    meta:
      resourceType: Group
      created: "2026-01-05T10:00:00.000000Z"
      lastModified: "2026-01-05T10:00:00.000000Z"
added:
  description: User names of the members the task added (or would add), sorted.
  returned: when O(members) is given and the members changed, a new group's members included
  type: list
  elements: str
  sample:
    - jane.doe@example.com
removed:
  description: User names of the members the task removed (or would remove), sorted.
  returned: when O(members) is given and the members changed
  type: list
  elements: str
  sample:
    - john.roe@example.com
diff:
  description:
    - The managed attributes before and after, in the option names of this module; members as
      sorted user names.
  returned: in diff mode
  type: dict
  sample:
    before:
      display_name: SRE
      members:
        - john.roe@example.com
    after:
      display_name: SRE
      members:
        - jane.doe@example.com
"""

from ansible_collections.scimops.datadog.plugins.module_utils._client import ScimOptionError
from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    reject_empty,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    GROUP_ATTRIBUTES,
    MISSING_USERS_CHOICES,
    GroupEngine,
    Outcome,
    check_display_name,
    check_user_reference,
    wanted_values,
)


def argument_spec():
    return dict(
        display_name=dict(type="str"),
        id=dict(type="str"),
        external_id=dict(type="str"),
        members=dict(type="list", elements="str"),
        missing_users=dict(type="str", choices=list(MISSING_USERS_CHOICES), default="fail"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
    )


def validate(params):
    if params["state"] == "absent" and params["members"] is not None:
        raise ScimOptionError(
            "members only applies with state=present; a deleted group has no members.",
            "members",
        )
    reject_empty(params, ("id",))
    if params["display_name"] is not None:
        check_display_name(params["display_name"], "display_name")
    for reference in params["members"] or []:
        check_user_reference(reference, "members")


def ensure_group(scim):
    params = scim.params
    validate(params)
    engine = GroupEngine(scim.client, scim.check_mode, scim.warn)
    outcome = Outcome()
    current = engine.find(display_name=params["display_name"], group_id=params["id"])

    if params["state"] == "absent":
        engine.ensure_absent(current, outcome)
        return outcome.result(scim.diff_mode)

    if current is None and params["id"] is not None:
        # A group is created by display name; an id that names nothing is a mistake to report.
        raise ScimOptionError(
            "No group has id %r; to create a group, give display_name without id." % params["id"],
            "id",
        )
    group = engine.ensure_present(
        current,
        wanted_values(GROUP_ATTRIBUTES, params),
        params["members"],
        params["missing_users"],
        outcome,
    )
    return outcome.result(scim.diff_mode, group=group)


def main():
    scim = ScimModule(argument_spec(), required_one_of=[("display_name", "id")])
    scim.run(ensure_group)


if __name__ == "__main__":
    main()
