# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: hr_export
short_description: Read an HR export into the user list of M(scimops.datadog.datadog_scim_sync)
version_added: 0.1.0
author: scimops.datadog contributors
description:
  - Turns the text of an HR export (CSV, YAML or JSON), or a list of users already in memory,
    into the list that O(scimops.datadog.datadog_scim_sync#module:users) takes.
  - Every row is checked before anything is returned, so that a bad export fails before any
    write. All problems are reported at once, each naming its row and its column.
  - A CSV export has a header row. Its columns are C(user_name), C(display_name),
    C(given_name), C(family_name), C(email), C(title), C(active), C(roles), C(groups) and
    C(external_id); only C(user_name) is required, and a column with any other name is an
    error, since it is most often a misspelt one. C(roles) and C(groups) hold several values
    separated by C(;). An empty cell leaves that attribute out.
  - A YAML or JSON export is a list of users with the same keys, or a mapping that holds that
    list under C(users). There, C(roles) and C(groups) are lists, or strings separated by C(;).
  - C(active) takes V(true), V(false), V(yes), V(no), V(1) or V(0), in any case.
  - Row numbers of a CSV export count the header as row 1, as a spreadsheet does. Row numbers
    of a YAML or JSON export are the 1-based positions in the list.
  - Two rows whose C(user_name) differ only in case are duplicates, since Datadog matches user
    names without regard to case.
  - The filter reads no file itself; pair it with P(ansible.builtin.file#lookup), which finds
    relative paths in the role's and the playbook's C(files) folders.
positional: format, source
options:
  _input:
    description:
      - The text of the export, or a list of users, or a mapping with the list under C(users).
    type: raw
    required: true
  format:
    description:
      - How to read text input. V(auto) reads text that starts with C([) or C({) as JSON, text
        whose first line names the C(user_name) column as CSV, and anything else as YAML.
      - Ignored when the input is already a list or a mapping.
    type: str
    choices: [auto, csv, yaml, json]
    default: auto
  source:
    description:
      - A name for the export (usually its path) that error messages start with.
    type: str
    default: the HR export
"""

EXAMPLES = r"""
- name: Read the HR export that ships next to the playbook
  ansible.builtin.set_fact:
    hr_users: >-
      {{ lookup('ansible.builtin.file', 'hr_export.csv') | scimops.datadog.hr_export('csv') }}

- name: Check a list given as a variable
  ansible.builtin.set_fact:
    hr_users: "{{ my_users | scimops.datadog.hr_export }}"

- name: Hand the rows to the sync module
  scimops.datadog.datadog_scim_sync:
    users: "{{ hr_users }}"
"""

RETURN = r"""
_value:
  description:
    - The users, in the order of the export, each with C(user_name) and those of the other
      keys that the row gives. C(active) is a boolean, C(roles) and C(groups) are lists of
      strings, every other value is a string.
  type: list
  elements: dict
"""

import csv
import io
import json
import re

import yaml
from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six import string_types

USER_KEYS = (
    "user_name",
    "display_name",
    "given_name",
    "family_name",
    "email",
    "title",
    "active",
    "roles",
    "groups",
    "external_id",
)
LIST_KEYS = ("roles", "groups")
EMAIL_KEYS = ("user_name", "email")
ACTIVE_WORDS = {
    "true": True,
    "yes": True,
    "1": True,
    "false": False,
    "no": False,
    "0": False,
}
# Datadog logs users in by email: a loose shape check catches a shifted column early, and the
# modules apply their own rule on top.
EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A broken export usually breaks every row; the first few problems say enough.
MAX_REPORTED_PROBLEMS = 20


class ExportProblems:
    """Collects what is wrong with an export, so that one run reports all of it."""

    def __init__(self, source):
        self.source = source
        self.messages = []

    def add(self, row_number, column, message):
        self.messages.append("row %d, column %s: %s" % (row_number, column, message))

    def add_row(self, row_number, message):
        self.messages.append("row %d: %s" % (row_number, message))

    def add_whole(self, message):
        self.messages.append(message)

    def raise_if_any(self):
        if not self.messages:
            return
        shown = self.messages[:MAX_REPORTED_PROBLEMS]
        hidden = len(self.messages) - len(shown)
        lines = ["%s has %d problem(s):" % (self.source, len(self.messages))]
        lines.extend("  - " + message for message in shown)
        if hidden:
            lines.append("  - and %d more" % hidden)
        raise AnsibleFilterError("\n".join(lines))


def detect_format(text):
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped.startswith(("[", "{")):
        return "json"
    first_line = stripped.split("\n", 1)[0]
    header_cells = [cell.strip().strip('"').strip().lower() for cell in first_line.split(",")]
    if "user_name" in header_cells:
        return "csv"
    return "yaml"


def split_values(text):
    return [value.strip() for value in text.split(";") if value.strip()]


def parse_active(value):
    """Returns True or False, or None when the value is not one of the accepted words."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, string_types):
        return ACTIVE_WORDS.get(value.strip().lower())
    return None


def read_csv_rows(text, problems):
    """Yields (row number, {column: cell}) for each non-blank data row of a CSV export."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        problems.add_row(1, "the header cannot be read as CSV: %s" % error)
        return

    columns = [cell.strip().lower() for cell in header]
    for index, column in enumerate(columns):
        if column not in USER_KEYS:
            problems.add(
                1,
                column or "%d" % (index + 1),
                "is not a known column; the columns are %s" % ", ".join(USER_KEYS),
            )
    for column in set(columns):
        if column and columns.count(column) > 1:
            problems.add(1, column, "appears more than once in the header")
    if "user_name" not in columns:
        problems.add(1, "user_name", "the header has no user_name column, which is required")
    if problems.messages:
        return

    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.add_row(reader.line_num, "cannot be read as CSV: %s" % error)
            return
        row_number = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(columns):
            extra = [cell for cell in cells[len(columns) :] if cell.strip()]
            if extra:
                problems.add_row(
                    row_number,
                    "has %d cells but the header has %d columns" % (len(cells), len(columns)),
                )
                continue
        row = {}
        for column, cell in zip(columns, cells):
            cell = cell.strip()
            if cell == "":
                continue
            if column in LIST_KEYS:
                values = split_values(cell)
                if values:
                    row[column] = values
            else:
                row[column] = cell
        yield row_number, row


def read_structured_rows(users, problems):
    """Yields (row number, entry) for a list of users, each entry checked to be a mapping."""
    if isinstance(users, dict):
        if "users" not in users:
            problems.add_whole("a mapping export must hold its list of users under 'users'")
            return
        users = users["users"]
    if users is None:
        return
    if not isinstance(users, list):
        problems.add_whole("the export must be a list of users, not %s" % type(users).__name__)
        return
    for index, entry in enumerate(users):
        row_number = index + 1
        if not isinstance(entry, dict):
            problems.add_row(row_number, "must be a mapping, not %s" % type(entry).__name__)
            continue
        yield row_number, entry


def normalise_entry(row_number, entry, problems):
    """Returns the user of one row in the module's format, or None when the row is unusable."""
    user = {}
    usable = True
    for key, value in entry.items():
        column = to_text(key)
        if column not in USER_KEYS:
            problems.add(
                row_number,
                column,
                "is not a known key; the keys are %s" % ", ".join(USER_KEYS),
            )
            usable = False
            continue
        if value is None:
            continue
        if column == "active":
            active = parse_active(value)
            if active is None:
                problems.add(
                    row_number,
                    "active",
                    "%r is not one of true, false, yes, no, 1, 0" % (value,),
                )
                usable = False
                continue
            user["active"] = active
        elif column in LIST_KEYS:
            if isinstance(value, string_types):
                values = split_values(value)
            elif isinstance(value, list) and all(isinstance(item, string_types) for item in value):
                values = [item.strip() for item in value if item.strip()]
            else:
                problems.add(
                    row_number,
                    column,
                    "must be a list of strings or a string separated by ';'",
                )
                usable = False
                continue
            if values:
                user[column] = values
        elif isinstance(value, bool) or isinstance(value, (dict, list)):
            problems.add(row_number, column, "must be a string, not %s" % type(value).__name__)
            usable = False
        else:
            # Employee numbers in external_id often come out of YAML as integers.
            text = to_text(value).strip()
            if text:
                user[column] = text

    for column in EMAIL_KEYS:
        if column in user and not EMAIL_SHAPE.match(user[column]):
            problems.add(row_number, column, "%r is not an email address" % user[column])
            usable = False
    if "user_name" not in user:
        problems.add(row_number, "user_name", "is missing; every user needs one")
        usable = False
    return user if usable else None


def hr_export(export, format="auto", source="the HR export"):
    """The filter: see DOCUMENTATION."""
    if format not in ("auto", "csv", "yaml", "json"):
        raise AnsibleFilterError(
            "hr_export: format must be one of auto, csv, yaml, json, not %r" % (format,)
        )
    problems = ExportProblems(to_text(source))

    if isinstance(export, string_types):
        text = to_text(export)
        chosen = detect_format(text) if format == "auto" else format
        if chosen == "csv":
            rows = list(read_csv_rows(text, problems))
        else:
            rows = list(read_structured_rows(load_structured(text, chosen, problems), problems))
    else:
        rows = list(read_structured_rows(export, problems))

    users = []
    first_row_by_name = {}
    for row_number, entry in rows:
        user = normalise_entry(row_number, entry, problems)
        if user is None:
            continue
        key = user["user_name"].lower()
        if key in first_row_by_name:
            problems.add(
                row_number,
                "user_name",
                "%s duplicates row %d" % (user["user_name"], first_row_by_name[key]),
            )
            continue
        first_row_by_name[key] = row_number
        users.append(user)

    problems.raise_if_any()
    return users


def load_structured(text, chosen, problems):
    text = text.lstrip("\ufeff")
    try:
        if chosen == "json":
            return json.loads(text) if text.strip() else []
        return yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as error:
        problems.add_whole("the export cannot be read as %s: %s" % (chosen.upper(), error))
        problems.raise_if_any()


class FilterModule(object):
    def filters(self):
        return {"hr_export": hr_export}
