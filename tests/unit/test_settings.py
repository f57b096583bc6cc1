import pytest

from supportdesk.settings import ConfigurationError, load_settings


def test_defaults_apply_when_the_environment_is_empty():
    settings = load_settings({})
    assert settings.default_language == "zh-CN"
    assert settings.token_ttl_seconds == 3600


def test_integers_are_parsed_and_bad_values_fail_at_cold_start():
    assert load_settings({"TOKEN_TTL_SECONDS": "600"}).token_ttl_seconds == 600
    with pytest.raises(ConfigurationError, match="TOKEN_TTL_SECONDS"):
        load_settings({"TOKEN_TTL_SECONDS": "ten minutes"})


def test_an_unsupported_default_language_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        load_settings({"DEFAULT_LANGUAGE": "fr"})


def test_a_missing_table_names_the_variable():
    with pytest.raises(ConfigurationError, match="ACCOUNTS_TABLE"):
        load_settings({}).require("accounts_table")
