"""Users, groups and their memberships, held in memory behind one lock.

Records are plain dicts in the emulator's own shape, not SCIM resources: rendering a page
of SCIM JSON from them is cheap, and every index (user names, group names, the groups of a
user) is updated in the same critical section as the record, so that concurrent writers
can neither lose an update nor create two users with one name.
"""

from __future__ import annotations

import copy
import datetime
import json
import os
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from .errors import ApiError

USER_FIELDS = (
    "userName",
    "formatted",
    "givenName",
    "familyName",
    "email",
    "title",
    "active",
    "roles",
    "externalId",
)
GROUP_FIELDS = ("displayName", "externalId", "members")


def timestamp() -> str:
    """Return now in UTC with nanosecond precision, the finest shape Datadog sends.

    Records keep this shape and rendering cuts it to the configured precision, so that the
    precision can change at runtime and a state file reads the same under either setting.
    """
    seconds, nanoseconds = divmod(time.time_ns(), 1_000_000_000)
    now = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{nanoseconds:09d}Z"


class DuplicateUserError(Exception):
    """A user with this userName already exists; it carries that user's record."""

    def __init__(self, existing: dict[str, Any]) -> None:
        super().__init__(existing["userName"])
        self.existing = existing


class Directory:
    """The state of one emulated organisation."""

    def __init__(self, *, case_sensitive_user_names: bool = False) -> None:
        self.lock = threading.RLock()
        self.case_sensitive_user_names = case_sensitive_user_names
        self.users: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self._user_ids_by_name: dict[str, str] = {}
        self._group_ids_by_name: dict[str, str] = {}
        self._group_ids_by_user: dict[str, set[str]] = {}
        # Counts every committed change, so the persister knows when to write.
        self.revision = 0

    # -- keys ----------------------------------------------------------------------------

    def user_name_key(self, user_name: str) -> str:
        return user_name if self.case_sensitive_user_names else user_name.casefold()

    def set_case_sensitivity(self, case_sensitive: bool) -> None:
        """Change how user names match, rebuilding the index (a later clash keeps the first)."""
        with self.lock:
            self.case_sensitive_user_names = case_sensitive
            self._user_ids_by_name = {}
            for user in self.users.values():
                self._user_ids_by_name.setdefault(self.user_name_key(user["userName"]), user["id"])

    # -- users ---------------------------------------------------------------------------

    def find_user_by_name(self, user_name: str) -> dict[str, Any] | None:
        with self.lock:
            user_id = self._user_ids_by_name.get(self.user_name_key(user_name))
            return self.users.get(user_id) if user_id else None

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.users.get(user_id)

    def create_user(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new user, or raise DuplicateUserError naming the one holding its name."""
        with self.lock:
            existing = self.find_user_by_name(fields["userName"])
            if existing is not None:
                raise DuplicateUserError(existing)
            now = timestamp()
            user = {"id": str(uuid.uuid4()), **fields, "created": now, "lastModified": now}
            self.users[user["id"]] = user
            self._user_ids_by_name[self.user_name_key(user["userName"])] = user["id"]
            self.revision += 1
            return user

    def modify_user(self, user_id: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Apply ``change`` to a copy of a user and commit it, or leave the user untouched.

        ``change`` runs under the lock, so it sees the current state and nothing can
        interleave between reading and writing. It may raise ApiError to refuse.
        """
        with self.lock:
            current = self._existing_user(user_id)
            candidate = copy.deepcopy(current)
            change(candidate)
            old_key = self.user_name_key(current["userName"])
            new_key = self.user_name_key(candidate["userName"])
            if new_key != old_key and new_key in self._user_ids_by_name:
                raise ApiError(409, f"User with userName {candidate['userName']} already exists")
            if candidate == current:
                return current
            candidate["lastModified"] = timestamp()
            self.users[user_id] = candidate
            del self._user_ids_by_name[old_key]
            self._user_ids_by_name[new_key] = user_id
            self._touch_groups_of(user_id, candidate["lastModified"])
            self.revision += 1
            return candidate

    def remove_user(self, user_id: str) -> None:
        """Forget a user for good, and take it out of every group it belonged to."""
        with self.lock:
            user = self._existing_user(user_id)
            now = timestamp()
            for group_id in self._group_ids_by_user.pop(user_id, set()):
                group = self.groups[group_id]
                group["members"].remove(user_id)
                group["lastModified"] = now
            del self._user_ids_by_name[self.user_name_key(user["userName"])]
            del self.users[user_id]
            self.revision += 1

    def list_users(self, *, include_inactive: bool) -> list[dict[str, Any]]:
        with self.lock:
            if include_inactive:
                return list(self.users.values())
            return [user for user in self.users.values() if user["active"]]

    def _existing_user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            raise ApiError(404, f"User {user_id} not found")
        return user

    def _touch_groups_of(self, user_id: str, now: str) -> None:
        # A member's display name is part of the group resource, so the group changes too.
        for group_id in self._group_ids_by_user.get(user_id, ()):
            self.groups[group_id]["lastModified"] = now

    # -- groups --------------------------------------------------------------------------

    def find_group_by_name(self, display_name: str) -> dict[str, Any] | None:
        with self.lock:
            group_id = self._group_ids_by_name.get(display_name)
            return self.groups.get(group_id) if group_id else None

    def get_group(self, group_id: str) -> dict[str, Any] | None:
        with self.lock:
            return self.groups.get(group_id)

    def groups_of_user(self, user_id: str) -> set[str]:
        with self.lock:
            return set(self._group_ids_by_user.get(user_id, ()))

    def create_group(self, fields: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """Store a new group, or return the existing one of that exact name (Datadog links it).

        Returns the group and whether it was created.
        """
        with self.lock:
            existing = self.find_group_by_name(fields["displayName"])
            if existing is not None:
                return existing, False
            self._check_members(fields["members"])
            now = timestamp()
            group = {"id": str(uuid.uuid4()), **fields, "created": now, "lastModified": now}
            group["members"] = list(dict.fromkeys(group["members"]))
            self.groups[group["id"]] = group
            self._group_ids_by_name[group["displayName"]] = group["id"]
            for user_id in group["members"]:
                self._group_ids_by_user.setdefault(user_id, set()).add(group["id"])
            self.revision += 1
            return group, True

    def modify_group(
        self, group_id: str, change: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        """Apply ``change`` to a copy of a group and commit it, as modify_user does."""
        with self.lock:
            current = self._existing_group(group_id)
            candidate = copy.deepcopy(current)
            change(candidate)
            candidate["members"] = list(dict.fromkeys(candidate["members"]))
            self._check_members(candidate["members"])
            name = candidate["displayName"]
            if self._group_ids_by_name.get(name, group_id) != group_id:
                raise ApiError(409, f"Group with displayName {name} already exists")
            if candidate == current:
                return current
            candidate["lastModified"] = timestamp()
            self.groups[group_id] = candidate
            del self._group_ids_by_name[current["displayName"]]
            self._group_ids_by_name[name] = group_id
            for user_id in set(current["members"]) - set(candidate["members"]):
                self._group_ids_by_user[user_id].discard(group_id)
            for user_id in set(candidate["members"]) - set(current["members"]):
                self._group_ids_by_user.setdefault(user_id, set()).add(group_id)
            self.revision += 1
            return candidate

    def remove_group(self, group_id: str) -> None:
        with self.lock:
            group = self._existing_group(group_id)
            for user_id in group["members"]:
                self._group_ids_by_user[user_id].discard(group_id)
            del self._group_ids_by_name[group["displayName"]]
            del self.groups[group_id]
            self.revision += 1

    def list_groups(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.groups.values())

    def _existing_group(self, group_id: str) -> dict[str, Any]:
        group = self.groups.get(group_id)
        if group is None:
            raise ApiError(404, f"Group {group_id} not found")
        return group

    def _check_members(self, member_ids: list[str]) -> None:
        for user_id in member_ids:
            if user_id not in self.users:
                raise ApiError(400, f"Member {user_id} is not an existing user")

    # -- whole state ---------------------------------------------------------------------

    def clear(self) -> None:
        with self.lock:
            self.users.clear()
            self.groups.clear()
            self._user_ids_by_name.clear()
            self._group_ids_by_name.clear()
            self._group_ids_by_user.clear()
            self.revision += 1

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "users": len(self.users),
                "active_users": sum(1 for user in self.users.values() if user["active"]),
                "groups": len(self.groups),
                "memberships": sum(len(group["members"]) for group in self.groups.values()),
            }

    def snapshot(self) -> dict[str, Any]:
        """Return a copy of the state that JSON can hold and that later writes don't change."""
        with self.lock:
            return {
                "users": [dict(user) for user in self.users.values()],
                "groups": [
                    {**group, "members": list(group["members"])} for group in self.groups.values()
                ],
            }

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the whole state with a snapshot, rebuilding every index."""
        with self.lock:
            self.clear()
            for user in state.get("users", []):
                self.users[user["id"]] = dict(user)
                self._user_ids_by_name[self.user_name_key(user["userName"])] = user["id"]
            for group in state.get("groups", []):
                members = [user_id for user_id in group["members"] if user_id in self.users]
                self.groups[group["id"]] = {**group, "members": members}
                self._group_ids_by_name[group["displayName"]] = group["id"]
                for user_id in members:
                    self._group_ids_by_user.setdefault(user_id, set()).add(group["id"])


class StatePersister:
    """Writes the directory to a JSON file whenever it changed, atomically.

    Writing on every request would make each write cost a dump of thousands of users; a
    background writer that runs every ``interval`` seconds keeps writes cheap, and
    ``flush`` on stop makes sure nothing committed is lost at a clean shutdown.
    """

    def __init__(self, directory: Directory, path: str, interval: float = 0.2) -> None:
        self.directory = directory
        self.path = path
        self.interval = interval
        self._written_revision: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._write_lock = threading.Lock()

    def load(self) -> bool:
        """Load the file into the directory when it exists; tell whether it did."""
        if not os.path.exists(self.path):
            return False
        with open(self.path, encoding="utf-8") as state_file:
            self.directory.restore(json.load(state_file))
        self._written_revision = self.directory.revision
        return True

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="state-persister", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.flush()

    def flush(self) -> None:
        with self._write_lock:
            with self.directory.lock:
                revision = self.directory.revision
                if revision == self._written_revision:
                    return
                state = self.directory.snapshot()
            folder = os.path.dirname(os.path.abspath(self.path))
            descriptor, temporary = tempfile.mkstemp(prefix=".state-", dir=folder)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as state_file:
                    json.dump(state, state_file)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
            self._written_revision = revision

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
