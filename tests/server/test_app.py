from server.settings import Settings


async def test_app_starts_and_answers_404_as_json_under_api(client) -> None:
    response = await client.get("/api/nothing-here")

    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


def test_settings_refuse_production_without_secret_key(tmp_path) -> None:
    import pytest

    from server.settings import SettingsError

    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env(
            {"YUNHUI_MODE": "production", "REDIS_URL": "redis://x", "DATA_DIR": str(tmp_path)}
        )
