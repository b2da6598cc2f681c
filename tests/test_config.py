"""Settings are structured field by field: one bad value costs only itself."""

from prosepy.server.config import Settings, parse_settings


def test_defaults_are_safe() -> None:
    settings, errors = parse_settings(None)
    assert errors == []
    assert settings.run.timeout_s == 10.0
    assert settings.run.memory_mb == 512
    assert settings.run.output_bytes == 1024 * 1024
    assert settings.run.allow_network is False
    assert settings.model.backend == "llama-cpp"
    assert settings.model.n_threads >= 1


def test_camel_case_keys_and_valid_values_apply() -> None:
    settings, errors = parse_settings(
        {
            "model": {"nThreads": 3, "backend": "openai", "baseUrl": "http://127.0.0.1:8000/v1"},
            "run": {"mode": "fresh"},
            "logLevel": "debug",
        }
    )
    assert errors == []
    assert settings.model.n_threads == 3
    assert settings.model.backend == "openai"
    assert settings.model.base_url == "http://127.0.0.1:8000/v1"
    assert settings.run.mode == "fresh"
    assert settings.log_level == "debug"


def test_bad_values_fall_back_to_defaults_and_are_named() -> None:
    settings, errors = parse_settings(
        {
            "model": {"backend": "gpt5", "nThreads": 2},
            "run": {"timeoutS": -1, "allowNetwork": "yes"},
            "explain": 5,
            "extra": True,
        }
    )
    defaults = Settings()
    assert settings.model.backend == defaults.model.backend
    assert settings.model.n_threads == 2
    assert settings.run.timeout_s == defaults.run.timeout_s
    assert settings.run.allow_network is False
    joined = "\n".join(errors)
    for fragment in [
        "model.backend",
        "timeout_s",
        "run.allowNetwork",
        "explain: expected an object",
        "extra: unknown setting",
    ]:
        assert fragment in joined
    assert len(errors) == 5
