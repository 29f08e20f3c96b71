#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_user_info
short_description: Read Datadog users through SCIM
version_added: 0.1.0
description:
  - Reads one user, the users that match a SCIM filter, or every user of a Datadog organization
    through Datadog's SCIM 2.0 API, or of any other service that follows RFC 7643 and RFC 7644.
  - Never changes anything, and runs the same way in check mode.
  - O(user_name), O(id) and O(filter) are mutually exclusive, since each one is a complete way of
    choosing users. With none of them, every user is returned.
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.INFO_MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  user_name:
    description:
      - Return the user with this login email, compared case-insensitively, as
        M(scimops.datadog.datadog_scim_user) matches users.
      - More than one match fails and names the ids of the matches.
      - No match returns an empty list.
    type: str
  id:
    description:
      - Return the user with this SCIM id. An id that names no user returns an empty list.
    type: str
  filter:
    description:
      - A raw SCIM filter (RFC 7644 section 3.4.2.2), sent as it is, for example
        V(title eq "Engineer").
      - Datadog documents only C(userName eq "...") for users and refuses other filters with an
        error, which the task reports; use it with servers that support more.
      - The users are returned as the server matched them.
    type: str
notes:
  - Datadog may hide deactivated users from lists and filters. On such a server, a deactivated
    user is found only by O(id).
  - Every user of a large organization takes one request per page of 100 users.
seealso:
  - module: scimops.datadog.datadog_scim_user
  - module: scimops.datadog.datadog_scim_group_info
"""

EXAMPLES = r"""
- name: Look up one user before offboarding
  scimops.datadog.datadog_scim_user_info:
    user_name: john.roe@example.com
  register: leaver

- name: Show whether the user can still log in
  ansible.builtin.debug:
    msg: "{{ leaver.users[0].active if leaver.users else 'no such user' }}"

- name: Read a user by its SCIM id
  scimops.datadog.datadog_scim_user_info:
    id: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f

- name: List every user, for an access review
  scimops.datadog.datadog_scim_user_info:
  environment:
    DD_SITE: datadoghq.eu
    DD_APP_KEY: "{{ vault_datadog_service_account_app_key }}"
  register: directory

- name: Names of the active users
  ansible.builtin.debug:
    msg: "{{ directory.users | selectattr('active') | map(attribute='userName') | list }}"

- name: Users with a given title, on a server that supports richer filters
  scimops.datadog.datadog_scim_user_info:
    api_url: https://scim.example.com/scim/v2
    filter: title eq "Site Reliability Engineer"
"""

RETURN = r"""
users:
  description:
    - The users that were asked for, as SCIM resources, in the order the server listed them.
    - Empty when no user matches.
  returned: always
  type: list
  elements: dict
  sample:
    - schemas:
        - urn:ietf:params:scim:schemas:core:2.0:User
      id: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f
      userName: jane.doe@example.com
      name:
        formatted: Jane Doe
      emails:
        - value: jane.doe@example.com
          type: work
          primary: true
      title: Site Reliability Engineer
      active: true
      roles:
        - value: bd28c0ad-4b1c-11ee-a6fa-da7ad0900002
          display: Datadog Standard Role
      meta:
        resourceType: User
        created: "2026-01-05T10:00:00.000000Z"
        lastModified: "2026-01-05T10:00:00.000000Z"
"""

from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    reject_empty,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    check_email,
    find_user,
)


def argument_spec():
    return dict(
        user_name=dict(type="str"),
        id=dict(type="str"),
        filter=dict(type="str"),
    )


def validate(params):
    if params["user_name"] is not None:
        check_email(params["user_name"], "user_name")
    reject_empty(params, ("id", "filter"), hint="; leave it out to read every user")


def read_users(scim):
    params = scim.params
    validate(params)
    client = scim.client

    if params["id"] is not None:
        user = client.get_resource("Users", params["id"])
        users = [user] if user is not None else []
    elif params["user_name"] is not None:
        user = find_user(client, user_name=params["user_name"])
        users = [user] if user is not None else []
    else:
        users = client.list_resources("Users", filter=params["filter"], operation="list users")

    return {"changed": False, "users": users}


def main():
    scim = ScimModule(
        argument_spec(),
        mutually_exclusive=[("user_name", "id", "filter")],
    )
    scim.run(read_users)


if __name__ == "__main__":
    main()
