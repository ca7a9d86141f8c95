"""The shared app fixture: one app serves the run, yet nothing one test changes reaches the next."""
from pathlib import Path

import pytest

from catalog.search.indexing import search_backend

FIRST: dict[str, object] = {}
KEYS = ("MEDIA_ROOT", "PRIVATE_MEDIA_ROOT", "SEARCH_INDEX_DIR")


def failed_sign_ins(client, email: str) -> list[int]:
    return [client.post("/api/v1/auth/tokens", json={"email": email, "password": "wrong password"}).status_code
            for _ in range(2)]


@pytest.mark.parametrize("turn", ["changes", "sees nothing of it"])
def test_config_directories_search_index_and_rate_limits_do_not_leak_to_the_next_test(app, app_config, client,
                                                                                      users, turn):
    account = users.buyer()
    if turn == "changes":
        FIRST.update(app=app, config={key: app.config[key] for key in ("LOGIN_FAILURES_PER_ACCOUNT_ADDRESS", *KEYS)})
        app_config(LOGIN_FAILURES_PER_ACCOUNT_ADDRESS=1)
        with app.app_context():
            search_backend()
        assert Path(app.config["SEARCH_INDEX_DIR"]).is_dir()
        assert failed_sign_ins(client, account.email) == [401, 429]
        return
    if not FIRST:
        pytest.skip("runs after its first turn")
    assert app is FIRST["app"]
    assert app.config["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"] == FIRST["config"]["LOGIN_FAILURES_PER_ACCOUNT_ADDRESS"]
    assert all(app.config[key] != FIRST["config"][key] for key in KEYS)
    assert "search_backend" not in app.extensions
    # The first turn's failure from this IP was forgotten: the same strict limit allows one failure again.
    app_config(LOGIN_FAILURES_PER_ACCOUNT_ADDRESS=1)
    assert failed_sign_ins(client, account.email) == [401, 429]
