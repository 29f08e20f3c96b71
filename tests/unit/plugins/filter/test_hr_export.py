# Copyright (c) 2026, scimops.datadog contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest
from ansible.errors import AnsibleFilterError
from ansible_collections.scimops.datadog.plugins.filter.hr_export import FilterModule, hr_export

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SAMPLE_DIR = os.path.join(COLLECTION_ROOT, "playbooks", "files")

HEADER = "user_name,display_name,given_name,family_name,email,title,active,roles,groups,external_id"


def problems_of(export, *arguments, **options):
    with pytest.raises(AnsibleFilterError) as caught:
        hr_export(export, *arguments, **options)
    return str(caught.value)


def test_filter_is_registered_under_its_name():
    assert FilterModule().filters()["hr_export"] is hr_export


def test_csv_row_becomes_a_user_in_the_sync_format():
    text = (
        HEADER + "\n"
        "ada@example.com,Ada Lovelace,Ada,Lovelace,ada.l@example.com,Analyst,yes,"
        "role-a; role-b,Engineering;Research,E100\n"
    )

    users = hr_export(text, "csv")

    assert users == [
        {
            "user_name": "ada@example.com",
            "display_name": "Ada Lovelace",
            "given_name": "Ada",
            "family_name": "Lovelace",
            "email": "ada.l@example.com",
            "title": "Analyst",
            "active": True,
            "roles": ["role-a", "role-b"],
            "groups": ["Engineering", "Research"],
            "external_id": "E100",
        }
    ]


def test_csv_empty_cells_leave_attributes_out_and_blank_rows_are_skipped():
    text = "user_name,title,groups,active\n\nbob@example.com,,,\n,,,\ncy@example.com,CTO,,0\n"

    users = hr_export(text, "csv")

    assert users == [
        {"user_name": "bob@example.com"},
        {"user_name": "cy@example.com", "title": "CTO", "active": False},
    ]


@pytest.mark.parametrize(
    "word, expected",
    [("true", True), ("YES", True), ("1", True), ("False", False), ("no", False), ("0", False)],
)
def test_csv_active_words(word, expected):
    users = hr_export("user_name,active\nd@example.com,%s\n" % word, "csv")

    assert users[0]["active"] is expected


def test_csv_bad_active_names_row_column_and_value():
    message = problems_of("user_name,active\na@example.com,yes\nb@example.com,maybe\n", "csv")

    assert "row 3, column active" in message
    assert "'maybe'" in message


def test_csv_missing_user_name_names_the_row():
    message = problems_of("user_name,title\na@example.com,CEO\n,CFO\n", "csv")

    assert "row 3, column user_name: is missing" in message


def test_csv_without_user_name_column_fails():
    message = problems_of("email,title\na@example.com,CEO\n", "csv")

    assert "column user_name" in message
    assert "no user_name column" in message


def test_csv_unknown_column_is_named():
    message = problems_of("user_name,departmnet\na@example.com,Sales\n", "csv")

    assert "row 1, column departmnet: is not a known column" in message


def test_csv_duplicate_rows_name_both_rows_whatever_the_case():
    text = "user_name\na@example.com\nb@example.com\nA@Example.com\n"

    message = problems_of(text, "csv")

    assert "row 4, column user_name: A@Example.com duplicates row 2" in message


def test_csv_too_many_cells_names_the_row():
    message = problems_of("user_name,title\na@example.com,CEO,extra\n", "csv")

    assert "row 2: has 3 cells but the header has 2 columns" in message


def test_every_problem_is_reported_at_once_with_the_source_name():
    text = "user_name,active\n,yes\nnot-an-email,no\nc@example.com,perhaps\n"

    message = problems_of(text, "csv", source="people.csv")

    assert message.startswith("people.csv has 3 problem(s):")
    assert "row 2, column user_name" in message
    assert "row 3, column user_name: 'not-an-email' is not an email address" in message
    assert "row 4, column active" in message


def test_many_problems_are_capped_and_counted():
    text = "user_name\n" + "".join("user%d\n" % number for number in range(30))

    message = problems_of(text, "csv")

    assert "has 30 problem(s)" in message
    assert "and 10 more" in message
    assert message.count("is not an email address") == 20


def test_csv_quoted_cells_and_byte_order_mark():
    text = '\ufeffuser_name,display_name,groups\n"e@example.com","Doe, Jane","A;B"\n'

    users = hr_export(text)

    assert users == [
        {"user_name": "e@example.com", "display_name": "Doe, Jane", "groups": ["A", "B"]}
    ]


def test_yaml_list_and_mapping_with_users_give_the_same_result():
    listed = "- user_name: f@example.com\n  groups: [Sales]\n  active: false\n"
    mapped = "users:\n  - user_name: f@example.com\n    groups: Sales\n    active: 'no'\n"

    expected = [{"user_name": "f@example.com", "groups": ["Sales"], "active": False}]
    assert hr_export(listed, "yaml") == expected
    assert hr_export(mapped) == expected


def test_json_text_is_detected_and_numbers_become_strings():
    text = json.dumps({"users": [{"user_name": "g@example.com", "external_id": 4711}]})

    assert hr_export(text) == [{"user_name": "g@example.com", "external_id": "4711"}]


def test_list_input_is_validated_too():
    message = problems_of([{"user_name": "h@example.com"}, {"user_name": "h@example.com"}])

    assert "row 2, column user_name: h@example.com duplicates row 1" in message


def test_structured_unknown_key_and_wrong_types_are_named():
    message = problems_of(
        [
            {"user_name": "i@example.com", "team": "X"},
            {"user_name": "j@example.com", "groups": [1, 2]},
            {"user_name": "k@example.com", "title": ["a"]},
            "l@example.com",
        ]
    )

    assert "row 1, column team: is not a known key" in message
    assert "row 2, column groups: must be a list of strings" in message
    assert "row 3, column title: must be a string, not list" in message
    assert "row 4: must be a mapping, not str" in message


def test_structured_export_that_is_not_a_list_fails():
    assert "must be a list of users, not str" in problems_of("just text", "yaml")
    assert "under 'users'" in problems_of({"people": []})


def test_unreadable_json_fails_with_the_format_named():
    assert "cannot be read as JSON" in problems_of("[{", "json")


def test_empty_exports_give_no_users():
    assert hr_export("", "csv") == []
    assert hr_export("", "yaml") == []
    assert hr_export([]) == []


def test_unknown_format_is_refused():
    assert "format must be one of" in problems_of("user_name\n", "xml")


@pytest.mark.parametrize("name", ["hr_export.csv", "hr_export.yml", "hr_export.json"])
def test_shipped_samples_read_cleanly_and_agree(name):
    with open(os.path.join(SAMPLE_DIR, name), encoding="utf-8") as sample:
        users = hr_export(sample.read(), source=name)

    with open(os.path.join(SAMPLE_DIR, "hr_export.csv"), encoding="utf-8") as sample:
        assert users == hr_export(sample.read(), "csv")
    assert len(users) >= 40
    assert all(user["user_name"].endswith("@example.com") for user in users)
    assert any(user.get("active") is False for user in users)
