#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_group_info
short_description: Read Datadog teams (SCIM groups) with their members as user names
version_added: 0.1.0
description:
  - Reads one group of a Datadog organization by O(display_name), O(id) or O(external_id), or
    every group when none is given, through Datadog's SCIM 2.0 API or any other service that
    follows RFC 7643 and RFC 7644.
  - The members of every group returned are resolved to user names together, in one pass over
    the users, so that reading many large groups costs a few pages of users, not one request
    per member.
  - O(display_name), O(id) and O(external_id) are mutually exclusive, since each one names a
    single group on its own.
  - Never changes anything, and runs the same way in check mode.
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.INFO_MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  display_name:
    description:
      - The name of the group, compared exactly.
    type: str
  id:
    description:
      - The SCIM id of the group.
    type: str
  external_id:
    description:
      - The identifier of the group in the source system, compared exactly.
    type: str
notes:
  - A group that is not found gives an empty RV(groups) list, not an error.
  - Datadog answers every request on groups with an error until Datadog support enables team
    provisioning for the organization; the module then fails with a message that says so.
seealso:
  - module: scimops.datadog.datadog_scim_group
  - module: scimops.datadog.datadog_scim_group_membership
  - module: scimops.datadog.datadog_scim_user_info
"""

EXAMPLES = r"""
- name: Read the SRE team
  scimops.datadog.datadog_scim_group_info:
    display_name: SRE
  register: sre

- name: Show its members
  ansible.builtin.debug:
    msg: "{{ sre.groups[0].member_user_names }}"
  when: sre.groups | length > 0

- name: Read every team
  scimops.datadog.datadog_scim_group_info:
  register: every_team

- name: Find the team an HR system knows by its own id
  scimops.datadog.datadog_scim_group_info:
    external_id: hr-team-0042
"""

RETURN = r"""
groups:
  description:
    - The groups found, as the server returned them, each with C(member_user_names) added.
    - Empty when no group matches.
  returned: always
  type: list
  elements: dict
  contains:
    member_user_names:
      description:
        - The user names of the members, sorted. A member whose user cannot be found is shown
          by its id.
      type: list
      elements: str
      returned: always
      sample:
        - jane.doe@example.com
        - john.roe@example.com
  sample:
    - schemas:
        - urn:ietf:params:scim:schemas:core:2.0:Group
      id: 2a1b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d
      displayName: SRE
      externalId: hr-team-0042
      members:
        - value: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f
          display: Jane Doe
          type: User
      member_user_names:
        - jane.doe@example.com
      meta:
        resourceType: Group
        created: "2026-01-05T10:00:00.000000Z"
        lastModified: "2026-01-05T10:00:00.000000Z"
"""

from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    reject_empty,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    GroupEngine,
    UserDirectory,
    check_display_name,
    with_member_user_names,
)


def argument_spec():
    return dict(
        display_name=dict(type="str"),
        id=dict(type="str"),
        external_id=dict(type="str"),
    )


def validate(params):
    reject_empty(params, ("id", "external_id"))
    if params["display_name"] is not None:
        check_display_name(params["display_name"], "display_name")


def read_groups(scim):
    params = scim.params
    validate(params)
    directory = UserDirectory(scim.client)
    engine = GroupEngine(scim.client, scim.check_mode, scim.warn, directory=directory)
    if any(params[option] is not None for option in ("display_name", "id", "external_id")):
        group = engine.find(
            display_name=params["display_name"],
            group_id=params["id"],
            external_id=params["external_id"],
        )
        groups = [group] if group is not None else []
    else:
        groups = engine.list_groups()
    return {"changed": False, "groups": with_member_user_names(groups, directory)}


def main():
    scim = ScimModule(argument_spec(), mutually_exclusive=[("display_name", "id", "external_id")])
    scim.run(read_groups)


if __name__ == "__main__":
    main()
