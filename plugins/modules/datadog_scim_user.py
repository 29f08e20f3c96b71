#!/usr/bin/python
# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: datadog_scim_user
short_description: Ensure a Datadog user exists with given attributes, or is deactivated or deleted
version_added: 0.1.0
description:
  - Creates, updates, deactivates, reactivates or deletes one user of a Datadog organization
    through Datadog's SCIM 2.0 API, or of any other service that follows RFC 7643 and RFC 7644.
  - The user is found by O(id) when it is given, otherwise by O(user_name), compared
    case-insensitively. More than one match fails and names the ids of the matches.
  - Only the options the task sets are managed; every other attribute is left as it is.
  - An update is one C(PATCH) request of C(replace) operations for the attributes that differ
    (Datadog refuses C(remove) operations on users).
  - For many users at once, use M(scimops.datadog.datadog_scim_sync), which handles them in one task
    and one process instead of one module run per user.
author:
  - scimops.datadog contributors (@scimops)
extends_documentation_fragment:
  - scimops.datadog.connection
  - scimops.datadog.attributes
  - scimops.datadog.attributes.MODULE
  - scimops.datadog.attributes.ACTION_GROUP
options:
  user_name:
    description:
      - The login of the user, an email address (Datadog logs users in by email).
      - Required unless O(id) is given. With O(id), a different O(user_name) renames the user;
        one that differs only in case is left as it is.
    type: str
  id:
    description:
      - The SCIM id of the user. Wins over O(user_name) for the lookup.
    type: str
  display_name:
    description:
      - The full name shown in Datadog (SCIM C(name.formatted)).
    type: str
  given_name:
    description:
      - The first name (SCIM C(name.givenName)).
      - Datadog does not document this attribute in its answers. It is sent on create and
        update; when the server does not return it, it is not compared, so a change made
        elsewhere is not seen.
    type: str
  family_name:
    description:
      - The last name (SCIM C(name.familyName)). Compared only when the server returns it, as
        for O(given_name).
    type: str
  email:
    description:
      - The primary work email. Defaults to O(user_name) when the user is created; left as it
        is on an existing user unless set. Compared case-insensitively.
    type: str
  title:
    description:
      - The job title.
    type: str
  active:
    description:
      - Whether the user can log in.
      - Left as it is when not set; a new user is created active.
      - O(active=true) reactivates a deactivated user.
    type: bool
  roles:
    description:
      - Datadog role UUIDs. When given, the roles of the user are exactly these.
      - Datadog applies only the UUIDs of roles that exist in the organization and gives the
        default role (Standard) when none match; the module warns when the server did not apply
        a role it was given.
    type: list
    elements: str
  external_id:
    description:
      - An identifier of the user in the source system, such as an HR employee number.
      - Compared only when the server returns it, as for O(given_name).
    type: str
  state:
    description:
      - V(present) ensures the user exists with the given attributes.
      - V(absent) deactivates or deletes the user, as O(absent_action) says. A user that does
        not exist is not an error.
    type: str
    choices: [present, absent]
    default: present
  absent_action:
    description:
      - What O(state=absent) does.
      - V(deactivate) sets C(active) to false; the user and its history stay in Datadog and
        it can be reactivated later.
      - V(delete) sends C(DELETE). Datadog does not document what it does with a deleted user;
        it never hard-deletes users elsewhere, so the user may still be listed, inactive.
      - Setting it with O(state=present) is an error, since it would be silently ignored.
      - Defaults to V(deactivate) with O(state=absent).
    type: str
    choices: [deactivate, delete]
notes:
  - Creating a user makes Datadog send an invitation email; its link stays valid for two days.
  - In check mode, a user that would be created is returned with C(id) set to null.
  - Datadog may hide deactivated users from lists and filters. A task that gives only
    O(user_name) then does not find such a user and sends a create request, which the server
    answers with the existing user or with 409 (already exists). After a 409 the module reads
    the full user list once, in case only the filter hides the user.
  - A user that the create request reveals is managed like a user the lookup finds, with one
    C(PATCH) of the attributes that differ. Its C(active) stays as it is unless O(active) is
    set, so O(active=true) reactivates it. A user left deactivated stays hidden, so every later
    run sends the create request again to find it; the module warns about it.
  - When the server answers 409 and no lookup shows the user, the task fails and asks for the
    O(id), with which the user is read directly. With O(active=false), it reports no change
    instead, with a warning, since only deactivated users are hidden; its other attributes are
    not compared.
  - With O(absent_action=delete), a user that is already inactive counts as deleted and is left
    as it is. Datadog's C(DELETE) may only deactivate a user, and such a user cannot be told
    apart from a deactivated one; deleting it again would never converge. On a server that
    removes users, reactivate a deactivated user before deleting it.
  - On a server that hides deactivated users, O(state=absent) does not find a deactivated user
    by O(user_name) and reports no change; give O(id) to delete it.
seealso:
  - module: scimops.datadog.datadog_scim_user_info
  - module: scimops.datadog.datadog_scim_sync
  - module: scimops.datadog.datadog_scim_group_membership
"""

EXAMPLES = r"""
- name: Onboard a new hire
  scimops.datadog.datadog_scim_user:
    user_name: jane.doe@example.com
    display_name: Jane Doe
    given_name: Jane
    family_name: Doe
    title: Site Reliability Engineer
    roles:
      - bd28c0ad-4b1c-11ee-a6fa-da7ad0900002
  environment:
    DD_SITE: datadoghq.eu
    DD_APP_KEY: "{{ vault_datadog_service_account_app_key }}"

- name: Offboard a leaver, keeping the account for audit (deactivate)
  scimops.datadog.datadog_scim_user:
    user_name: john.roe@example.com
    state: absent

- name: Delete a user created by mistake
  scimops.datadog.datadog_scim_user:
    user_name: typo@example.com
    state: absent
    absent_action: delete

- name: Rename a user found by id
  scimops.datadog.datadog_scim_user:
    id: 9f8c6a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f
    user_name: jane.smith@example.com
    email: jane.smith@example.com

- name: Reactivate a returning employee
  scimops.datadog.datadog_scim_user:
    user_name: jane.doe@example.com
    active: true
"""

RETURN = r"""
user:
  description:
    - The user as the server returned it after the task.
    - In check mode, the predicted user; C(id) is null for a user that would be created.
    - Absent when the user does not exist (any more).
  returned: when the user exists or would exist
  type: dict
  sample:
    schemas:
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
diff:
  description: The managed attributes before and after, in the option names of this module.
  returned: in diff mode
  type: dict
  sample:
    before:
      title: Engineer
    after:
      title: Site Reliability Engineer
"""

from ansible_collections.scimops.datadog.plugins.module_utils._client import ScimOptionError
from ansible_collections.scimops.datadog.plugins.module_utils._common import (
    ScimModule,
    reject_empty,
)
from ansible_collections.scimops.datadog.plugins.module_utils._engine import (
    USER_ATTRIBUTES,
    Outcome,
    UserEngine,
    validate_user_values,
    wanted_values,
)


def argument_spec():
    return dict(
        user_name=dict(type="str"),
        id=dict(type="str"),
        display_name=dict(type="str"),
        given_name=dict(type="str"),
        family_name=dict(type="str"),
        email=dict(type="str"),
        title=dict(type="str"),
        active=dict(type="bool"),
        roles=dict(type="list", elements="str"),
        external_id=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        absent_action=dict(type="str", choices=["deactivate", "delete"]),
    )


def validate(params):
    if params["state"] == "present" and params["absent_action"] is not None:
        raise ScimOptionError(
            "absent_action=%s only applies with state=absent; remove it or set state=absent."
            % params["absent_action"],
            "absent_action",
        )
    reject_empty(params, ("id",))
    validate_user_values(params)


def ensure_user(scim):
    params = scim.params
    validate(params)
    engine = UserEngine(scim.client, scim.check_mode, scim.warn)
    outcome = Outcome()
    current = engine.find(user_name=params["user_name"], user_id=params["id"])

    if params["state"] == "absent":
        user = engine.ensure_absent(current, params["absent_action"] or "deactivate", outcome)
    else:
        if current is None and params["id"] is not None:
            # A user is created by user name; an id that names nobody is a mistake to report.
            raise ScimOptionError(
                "No user has id %r; to create a user, give user_name without id." % params["id"],
                "id",
            )
        user = engine.ensure_present(current, wanted_values(USER_ATTRIBUTES, params), outcome)

    values = {"user": user} if user is not None else {}
    return outcome.result(scim.diff_mode, **values)


def main():
    scim = ScimModule(
        argument_spec(),
        required_one_of=[("user_name", "id")],
    )
    scim.run(ensure_user)


if __name__ == "__main__":
    main()
