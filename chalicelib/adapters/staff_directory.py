"""The staff directory an admin edits (``admin_staff``): the Cognito user pool the staff sign in
with. A person's unit is the ``custom:unit`` attribute (set by an admin only), their roles are
the pool's groups (``handler``, ``dispatcher``, ``leader``, ``admin``)."""

from __future__ import annotations


class CognitoStaffDirectory:
    def __init__(self, client, user_pool_id: str):
        self._client = client
        self._pool = user_pool_id

    def get(self, user: str) -> dict | None:
        try:
            found = self._client.admin_get_user(UserPoolId=self._pool, Username=user)
        except self._client.exceptions.UserNotFoundException:
            return None
        attrs = {a["Name"]: a["Value"] for a in found.get("UserAttributes", [])}
        groups = self._client.admin_list_groups_for_user(UserPoolId=self._pool, Username=user)
        return {"user": user, "name": attrs.get("name"), "unit": attrs.get("custom:unit"),
                "phone": attrs.get("phone_number"), "enabled": found.get("Enabled", True),
                "roles": sorted(g["GroupName"] for g in groups.get("Groups", []))}

    @staticmethod
    def _attributes(name: str | None, unit: str | None, phone: str | None) -> list[dict]:
        pairs = (("name", name), ("custom:unit", unit), ("phone_number", phone))
        return [{"Name": k, "Value": v} for k, v in pairs if v is not None]

    def create(self, user: str, *, name: str, unit: str, roles: list[str],
               phone: str | None) -> None:
        """A new account; Cognito sends the temporary password (to the phone or by the admin)."""
        self._client.admin_create_user(UserPoolId=self._pool, Username=user,
                                       UserAttributes=self._attributes(name, unit, phone))
        self.set_roles(user, roles, [])

    def update(self, user: str, *, name: str | None, unit: str | None,
               phone: str | None) -> None:
        attributes = self._attributes(name, unit, phone)
        if attributes:
            self._client.admin_update_user_attributes(UserPoolId=self._pool, Username=user,
                                                      UserAttributes=attributes)

    def set_roles(self, user: str, roles: list[str], current: list[str]) -> None:
        for role in sorted(set(roles) - set(current)):
            self._client.admin_add_user_to_group(UserPoolId=self._pool, Username=user,
                                                 GroupName=role)
        for role in sorted(set(current) - set(roles)):
            self._client.admin_remove_user_from_group(UserPoolId=self._pool, Username=user,
                                                      GroupName=role)

    def set_enabled(self, user: str, enabled: bool) -> None:
        call = self._client.admin_enable_user if enabled else self._client.admin_disable_user
        call(UserPoolId=self._pool, Username=user)
