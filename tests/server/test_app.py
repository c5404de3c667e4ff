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


async def test_switching_to_an_unknown_language_is_not_found(client) -> None:
    response = await client.get("/lang/xx")  # no such language: a page, not JSON

    assert response.status == 404


def test_catalogs_merge_every_po_file_of_a_language() -> None:
    from server.i18n import load_catalogs

    catalogs = load_catalogs()

    assert catalogs["zh_CN"].gettext("Yunhui") == "云会"
    assert catalogs["en"].gettext("Yunhui") == "Yunhui"


def test_settings_refuse_private_media_candidates_by_default_in_production(tmp_path) -> None:
    base = {"DATA_DIR": str(tmp_path), "REDIS_URL": "redis://x", "SECRET_KEY": "k" * 40}

    production = Settings.from_env({**base, "YUNHUI_MODE": "production"})
    lan = Settings.from_env({**base, "YUNHUI_MODE": "production", "MEDIA_REFUSE_PRIVATE": "no"})
    dev = Settings.from_env({**base, "MEDIA_HOST_ADDRESSES": "10.1.2.3, 10.1.2.4"})

    assert (production.media_refuse_private, lan.media_refuse_private) == (True, False)
    assert (dev.media_refuse_private, dev.media_host_addresses) == (False, ("10.1.2.3", "10.1.2.4"))


def test_settings_refuse_a_media_host_address_that_is_not_an_ip(tmp_path) -> None:
    import pytest

    from server.settings import SettingsError

    with pytest.raises(SettingsError, match="MEDIA_HOST_ADDRESSES"):
        Settings.from_env({"DATA_DIR": str(tmp_path), "MEDIA_HOST_ADDRESSES": "example.org"})


def test_settings_of_edges_default_to_none_on_one_machine_and_refuse_a_relay_name(
    tmp_path,
) -> None:
    import pytest

    from server.settings import SettingsError

    base = {"DATA_DIR": str(tmp_path)}
    default = Settings.from_env(base)
    edge = Settings.from_env(
        {**base, "EDGE": "yes", "EDGE_PLACE_AFTER": "0", "RELAY_HOST": "10.0.0.7"}
    )

    assert (default.edge, default.edge_place_after, default.relay_host) == (
        False, 100, "127.0.0.1",
    )  # fmt: skip
    assert (edge.edge, edge.edge_place_after, edge.relay_host) == (True, 0, "10.0.0.7")
    with pytest.raises(SettingsError, match="RELAY_HOST"):
        Settings.from_env({**base, "RELAY_HOST": "edge.example.org"})


def test_settings_trust_no_proxy_unless_told(tmp_path) -> None:
    import ipaddress

    import pytest

    from server.settings import SettingsError

    base = {"DATA_DIR": str(tmp_path)}

    default = Settings.from_env(base)
    told = Settings.from_env({**base, "TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8, ::1"})
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES"):
        Settings.from_env({**base, "TRUSTED_PROXIES": "proxy.example.org"})

    assert default.trusted_proxies == ()
    assert told.trusted_proxies == tuple(
        ipaddress.ip_network(n) for n in ("127.0.0.1/32", "10.0.0.0/8", "::1/128")
    )


def test_processes_starting_at_once_on_a_new_data_folder_share_one_whole_secret_key(
    tmp_path,
) -> None:
    """The web process, the scheduler and workers may all start on a fresh data folder:
    none fails on the others' key file and none reads it half written."""
    import subprocess
    import sys

    program = (
        "import sys; from server.settings import Settings; "
        "print(Settings.from_env({'DATA_DIR': sys.argv[1], 'REDIS_URL': 'redis://x'}).secret_key)"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", program, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(8)
    ]
    results = [process.communicate(timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0] * 8, results
    keys = {out.decode().strip() for out, _ in results}
    assert len(keys) == 1 and len(keys.pop()) >= 32
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
