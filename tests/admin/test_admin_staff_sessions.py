"""Staff sessions over HTTP: Basic login, refresh rotation, reuse detection revoking the
whole family, and a staff token that opens nothing but staff routes."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from admin_support import basic, bearer, configure_cheaply

LOGIN = "/admin/staff-sessions"


def _staff(engine) -> None:
    configure_cheaply(engine).staff.create_staff_user(
        "acme", "ann@example.test", "correct horse", full_name="Ann", roles={"shop-1": "manager"}
    )


def _login(http, password: str = "correct horse", scope: str = "shop-1"):
    return http.post(LOGIN, json={"tenant": "acme", "scope": scope}, headers=basic("ann@example.test", password))


def test_login_refresh_rotation_and_reuse_revoking_the_family(http, engine):
    _staff(engine)
    first = _login(http)
    assert first.status_code == 201
    tokens = first.json()
    assert tokens["email"] == "ann@example.test"
    assert http.get(f"{LOGIN}/me", headers=bearer(tokens["access_token"])).json() == {
        "tenant": "acme",
        "user_id": tokens["user_id"],
        "scope": "shop-1",
        "role": "manager",
    }

    rotated = http.post(
        f"{LOGIN}/refresh", json={"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    )
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh_token"] != tokens["refresh_token"] and new["access_token"] != tokens["access_token"]
    assert http.get(f"{LOGIN}/me", headers=bearer(new["access_token"])).status_code == 200

    # The old refresh token again: a thief's copy or a replay. The whole family is revoked.
    reused = http.post(
        f"{LOGIN}/refresh", json={"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    )
    assert reused.status_code == 401 and reused.json()["code"] == "unauthorized"
    assert http.get(f"{LOGIN}/me", headers=bearer(new["access_token"])).status_code == 401
    assert (
        http.post(
            f"{LOGIN}/refresh", json={"access_token": new["access_token"], "refresh_token": new["refresh_token"]}
        ).status_code
        == 401
    )
    assert _login(http).status_code == 201  # a fresh login starts a new family


def test_parallel_refreshes_with_one_token_rotate_at_most_once_and_revoke_the_family(http, engine):
    _staff(engine)
    tokens = _login(http).json()
    body = {"access_token": tokens["access_token"], "refresh_token": tokens["refresh_token"]}
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: http.post(f"{LOGIN}/refresh", json=body), range(8)))
    assert sorted(a.status_code for a in answers)[1:] == [401] * 7  # at most one rotation
    # Seven reuses of one refresh token: the family is revoked, the winner's new tokens too.
    for won in (a.json() for a in answers if a.status_code == 200):
        assert http.get(f"{LOGIN}/me", headers=bearer(won["access_token"])).status_code == 401
    assert http.get(f"{LOGIN}/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_bad_logins_are_uniform_401s(http, engine):
    _staff(engine)
    for response in (
        _login(http, password="wrong"),
        _login(http, scope="shop-2"),
        http.post(LOGIN, json={"tenant": "acme", "scope": "shop-1"}),
        http.post(LOGIN, json={"tenant": "acme", "scope": "shop-1"}, headers={"Authorization": "Basic !!!"}),
    ):
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"


def test_a_staff_token_is_not_an_admin_token_and_logout_ends_it(http, engine):
    _staff(engine)
    tokens = _login(http).json()
    assert http.get("/admin/tenant", headers=bearer(tokens["access_token"])).status_code == 401
    assert http.post(f"{LOGIN}/logout", headers=bearer(tokens["access_token"])).status_code == 200
    assert http.get(f"{LOGIN}/me", headers=bearer(tokens["access_token"])).status_code == 401
