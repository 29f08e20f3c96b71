"""Fictional people and teams for the benchmark, the same ones on every run.

Every user is at example.com, a domain reserved for documentation, so a generated export can
never reach a real inbox. The generator is seeded: two runs of the benchmark reconcile the
same directory and their figures compare.
"""

from __future__ import annotations

import random
from typing import Any

GIVEN_NAMES = (
    "Ada", "Amara", "Ana", "Bilal", "Bruno", "Chen", "Chiara", "Dara", "Elif", "Emeka",
    "Farah", "Freya", "Goran", "Hana", "Ines", "Ivan", "Jonas", "Kai", "Kenji", "Lena",
    "Luca", "Maya", "Mateo", "Nadia", "Noor", "Oskar", "Priya", "Quinn", "Rafael", "Rosa",
    "Sami", "Sofia", "Tariq", "Tomas", "Uma", "Vera", "Wei", "Yara", "Yusuf", "Zoe",
)  # fmt: skip

FAMILY_NAMES = (
    "Abara", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Garcia", "Haddad", "Ito",
    "Jensen", "Kowalski", "Larsen", "Moreau", "Nakamura", "Okafor", "Petrov", "Quint", "Rossi",
    "Schmidt", "Tanaka", "Usman", "Varga", "Weber", "Xu", "Yilmaz", "Zhang", "Novak", "Silva",
    "Mensah", "Lindqvist",
)  # fmt: skip

TITLES = (
    "Software Engineer", "Senior Software Engineer", "Site Reliability Engineer",
    "Engineering Manager", "Product Manager", "Data Scientist", "Security Engineer",
    "Support Engineer", "Technical Writer", "Designer", "Solutions Architect", "Analyst",
)  # fmt: skip

TEAM_AREAS = (
    "Payments", "Search", "Billing", "Identity", "Platform", "Mobile", "Data", "Security",
    "Networking", "Storage",
)  # fmt: skip

TEAM_FUNCTIONS = ("Core", "Edge", "Insights", "Operations", "Tooling")


def team_names(count: int) -> list[str]:
    """Up to 50 distinct team names, in a fixed order."""
    names = [f"{area} {function}" for function in TEAM_FUNCTIONS for area in TEAM_AREAS]
    if count > len(names):
        raise ValueError(f"at most {len(names)} teams can be generated, not {count}")
    return names[:count]


def teams(count: int) -> list[dict[str, str]]:
    """Teams in the sync module's group format."""
    return [
        {"display_name": name, "external_id": f"team-{number:03d}"}
        for number, name in enumerate(team_names(count), start=1)
    ]


def people(
    count: int,
    *,
    team_count: int,
    role_ids: list[str],
    seed: int = 7,
    teams_per_person: tuple[int, int] = (2, 4),
) -> list[dict[str, Any]]:
    """``count`` users in the sync module's user format, each in 2 to 4 teams (3 on average)."""
    chooser = random.Random(seed)
    names = team_names(team_count)
    fewest, most = teams_per_person
    users = []
    for number in range(1, count + 1):
        given_name = chooser.choice(GIVEN_NAMES)
        family_name = chooser.choice(FAMILY_NAMES)
        # The number keeps user names unique however often a pair of names comes up.
        user_name = f"{given_name}.{family_name}.{number:05d}@example.com".lower()
        membership_count = min(chooser.randint(fewest, most), len(names))
        users.append(
            {
                "user_name": user_name,
                "display_name": f"{given_name} {family_name}",
                "given_name": given_name,
                "family_name": family_name,
                "title": chooser.choice(TITLES),
                "roles": [chooser.choice(role_ids)],
                "external_id": f"E{number:06d}",
                "groups": sorted(chooser.sample(names, membership_count)),
            }
        )
    return users


def drift(
    users: list[dict[str, Any]], share: float, *, team_count: int, seed: int = 11
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Change the title of half of ``share`` of the users and move the other half to a new team.

    Returns the changed export (the input is left as it is) and what changed: the user names
    whose title changed, the user names that moved, and the teams whose membership changed.
    """
    chooser = random.Random(seed)
    changed_count = max(2, round(len(users) * share))
    picked = sorted(chooser.sample(range(len(users)), changed_count))
    retitled, moved = picked[: changed_count // 2], picked[changed_count // 2 :]
    names = team_names(team_count)

    drifted = [dict(user, groups=list(user["groups"])) for user in users]
    touched_teams: set[str] = set()
    for index in retitled:
        user = drifted[index]
        user["title"] = next(title for title in TITLES if title != user["title"])
    for index in moved:
        user = drifted[index]
        candidates = [name for name in names if name not in user["groups"]]
        if not candidates:
            raise ValueError(f"{user['user_name']} is in every team; it cannot move")
        left, joined = chooser.choice(user["groups"]), chooser.choice(candidates)
        user["groups"] = sorted([name for name in user["groups"] if name != left] + [joined])
        touched_teams.update((left, joined))

    changes = {
        "retitled": sorted(drifted[index]["user_name"] for index in retitled),
        "moved": sorted(drifted[index]["user_name"] for index in moved),
        "teams": sorted(touched_teams),
    }
    return drifted, changes
