"""What the emulator tests share: a SCIM session and a way to start an emulator."""

from __future__ import annotations

import requests
from datadog_scim_emulator import Emulator, EmulatorConfig

APP_KEY = "test-app-key"
API_KEY = "test-api-key"


class ScimSession:
    """A requests session aimed at one emulator's SCIM root, with the bearer key set."""

    def __init__(self, root_url: str, app_key: str | None = APP_KEY) -> None:
        self.root_url = root_url
        self.http = requests.Session()
        if app_key is not None:
            self.http.headers["Authorization"] = f"Bearer {app_key}"

    def request(self, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        return self.http.request(method, f"{self.root_url}{path}", **kwargs)

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.request("POST", path, json=body, **kwargs)

    def put(self, path: str, body: dict, **kwargs) -> requests.Response:
        return self.request("PUT", path, json=body, **kwargs)

    def patch(self, path: str, operations: list[dict], **kwargs) -> requests.Response:
        body = {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": operations,
        }
        return self.request("PATCH", path, json=body, **kwargs)

    def delete(self, path: str, **kwargs) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_user(self, user_name: str, **attributes) -> dict:
        response = self.post("/Users", {"userName": user_name, **attributes})
        assert response.status_code == 201, response.text
        return response.json()

    def create_group(self, display_name: str, member_ids: list[str] = (), **attributes) -> dict:
        body = {
            "displayName": display_name,
            "members": [{"value": member_id} for member_id in member_ids],
            **attributes,
        }
        response = self.post("/Groups", body)
        assert response.status_code == 201, response.text
        return response.json()


def start_emulator(**options) -> Emulator:
    options.setdefault("app_keys", [APP_KEY])
    options.setdefault("api_keys", [API_KEY])
    return Emulator(EmulatorConfig(**options)).start()
