"""Eight clients at once: no lost updates, no duplicate user names."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from emulator_testing import ScimSession

CLIENTS = 8


def test_concurrent_posts_of_one_name_create_one_user(emulator):
    def post(_):
        return ScimSession(emulator.url).post("/Users", {"userName": "ada@example.com"})

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = sorted(response.status_code for response in pool.map(post, range(32)))
    assert statuses == [201] + [409] * 31
    assert emulator.state()["users"] == 1


def test_concurrent_creates_and_patches_lose_nothing(emulator):
    def work(client: int) -> list[str]:
        scim = ScimSession(emulator.url)
        ids = []
        for index in range(25):
            user = scim.create_user(f"c{client}-u{index}@example.com")
            response = scim.patch(
                f"/Users/{user['id']}",
                [{"op": "replace", "path": "title", "value": f"t{client}-{index}"}],
            )
            assert response.status_code == 200
            ids.append(user["id"])
        return ids

    with ThreadPoolExecutor(CLIENTS) as pool:
        all_ids = [user_id for ids in pool.map(work, range(CLIENTS)) for user_id in ids]
    assert len(set(all_ids)) == CLIENTS * 25
    scim = ScimSession(emulator.url)
    titles = {scim.get(f"/Users/{user_id}").json()["title"] for user_id in all_ids}
    assert titles == {f"t{c}-{i}" for c in range(CLIENTS) for i in range(25)}


def test_concurrent_member_adds_to_one_group_are_all_kept(emulator):
    seeded = emulator.seed(
        users=[f"m{index}@example.com" for index in range(80)], groups=[{"displayName": "SRE"}]
    )
    group_id = seeded["group_ids"]["SRE"]
    user_ids = list(seeded["user_ids"].values())

    def add(chunk: list[str]) -> int:
        return (
            ScimSession(emulator.url)
            .patch(
                f"/Groups/{group_id}",
                [{"op": "add", "path": "members", "value": [{"value": uid} for uid in chunk]}],
            )
            .status_code
        )

    chunks = [user_ids[start : start + 10] for start in range(0, 80, 10)]
    with ThreadPoolExecutor(CLIENTS) as pool:
        assert list(pool.map(add, chunks)) == [200] * CLIENTS
    group = ScimSession(emulator.url).get(f"/Groups/{group_id}").json()
    assert sorted(member["value"] for member in group["members"]) == sorted(user_ids)
