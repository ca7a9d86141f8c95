from sqlalchemy import select

from marketplace.auth.models import User
from marketplace.extensions import db


def test_create_admin_with_a_password_option_lets_the_admin_sign_in(app, client):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "Root@Souk.ma", "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    response = client.post("/api/v1/auth/tokens", json={"email": "root@souk.ma", "password": "long enough pw"})
    assert response.status_code == 201 and response.json["user"]["role"] == "admin"


def test_create_admin_reads_the_password_from_the_environment(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "env@souk.ma"],
                                          env={"ADMIN_PASSWORD": "from the environment"})
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.email == "env@souk.ma")) == "admin"


def test_create_admin_refuses_a_short_password(app):
    result = app.test_cli_runner().invoke(args=["users", "create-admin", "x@souk.ma", "--password", "short"])
    assert result.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "x@souk.ma")) is None

