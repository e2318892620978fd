"""A demo account for a first look: `scripts/serve` creates it on a new install.

Only in development mode and only while the app database has no user at all, so
a real deployment never gets an account with a published password.
"""

from __future__ import annotations

import sys

from playdeck.config import Settings, get_settings
from playdeck.kit.db import Database, upgrade_database
from playdeck.models import Role

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "playdeck-demo"


def ensure_demo_user(settings: Settings) -> bool:
    """Create the demo curator when there is no user yet; True if it exists now."""
    from playdeck.accounts import service as accounts

    if settings.env != "development":
        return False
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(settings.resolved_database_url)
    db = Database(settings.resolved_database_url)
    try:
        with db.session_scope() as session:
            users = accounts.list_users(session)
            if not users:
                accounts.create_user(
                    session,
                    username=DEMO_USERNAME,
                    password=DEMO_PASSWORD,
                    role=Role.curator,
                    display_name="Demo Curator",
                )
                return True
            return any(u.username == DEMO_USERNAME for u in users)
    finally:
        db.dispose()


def main() -> int:
    settings = get_settings()
    if ensure_demo_user(settings):
        print(f"\nSign in to the web app with the demo account {DEMO_USERNAME} / {DEMO_PASSWORD}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
