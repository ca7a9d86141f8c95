"""Code run in other processes by the index sync tests (importable by a spawned interpreter)."""
from __future__ import annotations

import traceback
from typing import Any

# Holds `<index dir>/writer.lock` until its stdin closes: fcntl/flock locks belong to a process, so only
# another process can make the lock unavailable to the app under test.
HOLD_WRITER_LOCK = """
import sys
from whoosh.util.filelock import FcntlLock
lock = FcntlLock(sys.argv[1])
if not lock.acquire(blocking=True):
    sys.exit(3)
print("locked", flush=True)
sys.stdin.read()
lock.release()
"""


def product_name(worker: int, version: int, product_id: int) -> dict[str, str]:
    """A name whose last word is unique to (worker, version, product), so a search tells versions apart.

    The product id appears twice: two products' words then differ by at least two letters, while the two
    workers' words for one product differ by one, so a typo correction can only point to the same product."""
    return {"fr": f"Miel w{worker}v{version}p{product_id}q{product_id}"}


def rename_products(config: dict[str, Any], manager_id: int, product_ids: list[int], worker: int, rounds: int,
                    barrier: Any, errors: Any) -> None:
    """In an app of its own, rename the products `rounds` times through the catalog service."""
    try:
        from catalog import services
        from marketplace import create_app
        from marketplace.auth.models import User
        from marketplace.extensions import db

        app = create_app(config)
        with app.app_context():
            user = db.session.get(User, manager_id)
            barrier.wait()
            for version in range(rounds):
                for product_id in product_ids:
                    services.update_product(user, product_id, {"name": product_name(worker, version, product_id)})
            db.session.remove()
            db.engine.dispose()
    except Exception:  # reported to the parent, which asserts on it
        errors.put(traceback.format_exc())
