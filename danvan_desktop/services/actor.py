"""Who is acting: the signed-in account, passed to every service so roles are enforced below the GUI."""

from __future__ import annotations

from dataclasses import dataclass

from danvan_desktop.domain.roles import Action, allowed, denial_message
from danvan_desktop.services.errors import PermissionDenied


@dataclass(frozen=True)
class Actor:
    """A signed-in account (or the system itself, for set-up and demo generation)."""

    username: str
    role: str
    full_name: str = ""
    religion_access: bool = False

    def can(self, action: Action) -> bool:
        """Whether this account may do the action."""
        return allowed(self.role, action, religion_access=self.religion_access)

    def require(self, action: Action) -> None:
        """Raise PermissionDenied unless this account may do the action."""
        if not self.can(action):
            raise PermissionDenied(denial_message(self.username, self.role, action))


SYSTEM = Actor(username="he_thong", role="admin", full_name="Hệ thống", religion_access=True)
