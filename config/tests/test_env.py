"""config.env (configuration from the environment) and config.mail (the .eml outbox)."""

from __future__ import annotations

import email
import importlib.util
import os
import stat
import subprocess
import sys
from email import policy
from pathlib import Path

import pytest
from django.core.mail import EmailMessage

from config import env
from config.mail import EmlFileBackend

VARIABLES = (
    "INTERCOOP_DATA_DIR",
    "DATABASE_URL",
    "EMAIL_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """Each test starts from the embedded defaults, whatever the CI run exports."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


# --- data dir ---------------------------------------------------------------------


def test_data_dir_is_created_where_the_variable_says(monkeypatch, tmp_path):
    monkeypatch.setenv("INTERCOOP_DATA_DIR", str(tmp_path / "data" / "intercoop"))
    assert env.data_dir() == tmp_path / "data" / "intercoop"
    assert (tmp_path / "data" / "intercoop").is_dir()


def test_data_dir_defaults_to_var_in_the_checkout():
    assert env.data_dir() == env.BASE_DIR / "var"


def test_a_data_dir_that_cannot_be_created_names_the_variable(monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    monkeypatch.setenv("INTERCOOP_DATA_DIR", str(tmp_path / "a-file" / "data"))
    with pytest.raises(env.ConfigError, match="INTERCOOP_DATA_DIR=.*writable directory"):
        env.data_dir()


# --- EMAIL_URL --------------------------------------------------------------------


def test_without_email_url_each_message_is_an_eml_file_in_the_outbox(tmp_path):
    settings = env.email(tmp_path)
    assert settings.backend == "config.mail.EmlFileBackend"
    assert Path(settings.file_path) == tmp_path / "outbox"


def test_smtp_url_with_quoted_password_port_and_starttls(monkeypatch, tmp_path):
    monkeypatch.setenv("EMAIL_URL", "smtp://user:p%40ss@relay:2525?tls=1")
    settings = env.email(tmp_path)
    assert settings.backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (settings.host, settings.port) == ("relay", 2525)
    assert (settings.user, settings.password) == ("user", "p@ss")
    assert settings.use_tls is True
    assert settings.use_ssl is False


def test_plain_smtp_url_uses_port_25_without_tls(monkeypatch, tmp_path):
    monkeypatch.setenv("EMAIL_URL", "smtp://relay.example.org")
    settings = env.email(tmp_path)
    assert (settings.host, settings.port, settings.use_tls, settings.use_ssl) == (
        "relay.example.org",
        25,
        False,
        False,
    )


def test_smtps_url_means_implicit_tls_on_port_465(monkeypatch, tmp_path):
    monkeypatch.setenv("EMAIL_URL", "smtps://host")
    settings = env.email(tmp_path)
    assert (settings.host, settings.port) == ("host", 465)
    assert settings.use_ssl is True
    assert settings.use_tls is False


def test_an_unsupported_email_scheme_says_what_to_use(monkeypatch, tmp_path):
    monkeypatch.setenv("EMAIL_URL", "http://relay:25")
    with pytest.raises(env.ConfigError) as raised:
        env.email(tmp_path)
    message = str(raised.value)
    assert "EMAIL_URL" in message
    assert "'http'" in message
    assert "smtp://" in message


def test_an_email_url_with_a_bad_port_is_a_config_error(monkeypatch, tmp_path):
    monkeypatch.setenv("EMAIL_URL", "smtp://relay:99999")
    with pytest.raises(env.ConfigError, match="EMAIL_URL has a bad port"):
        env.email(tmp_path)


# --- DATABASE_URL -----------------------------------------------------------------


def test_without_database_url_sqlite_is_tuned_for_several_writers(tmp_path):
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(config["NAME"]).parent == tmp_path
    options = config["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_a_postgres_url_is_parsed(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://intercoop:s3cret@db.example.org:5433/forum")
    config = env.database(tmp_path)
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.example.org", 5433, "forum")
    assert (config["USER"], config["PASSWORD"]) == ("intercoop", "s3cret")
    assert "transaction_mode" not in config.get("OPTIONS", {})


def test_a_sqlite_url_still_gets_the_sqlite_tuning(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/other.sqlite3")
    config = env.database(tmp_path)
    assert config["NAME"] == f"{tmp_path}/other.sqlite3"
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.parametrize(
    "url", ["postgres://user@host:notaport/db", "nonsense://host/db", "postgres//host/db"]
)
def test_a_malformed_database_url_is_a_config_error_with_an_example(monkeypatch, tmp_path, url):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(env.ConfigError, match="DATABASE_URL is not understood.*postgres://"):
        env.database(tmp_path)


# --- flags, lists, REDIS_URL ------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on"])
def test_flag_true_values(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    assert env.flag("DEBUG") is True


@pytest.mark.parametrize("value", ["0", "false", "No", "OFF"])
def test_flag_false_values(monkeypatch, value):
    monkeypatch.setenv("DEBUG", value)
    assert env.flag("DEBUG", default=True) is False


def test_flag_unset_or_empty_gives_the_default(monkeypatch):
    assert env.flag("DEBUG") is False
    assert env.flag("DEBUG", default=True) is True
    monkeypatch.setenv("DEBUG", "")
    assert env.flag("DEBUG", default=True) is True


def test_flag_refuses_anything_else_and_names_the_variable(monkeypatch):
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(env.ConfigError, match="DEBUG='maybe' is not a boolean"):
        env.flag("DEBUG")


def test_csv_list_splits_and_trims(monkeypatch):
    assert env.csv_list("ALLOWED_HOSTS", ["localhost"]) == ["localhost"]
    monkeypatch.setenv("ALLOWED_HOSTS", " forum.example.org, ,127.0.0.1 ")
    assert env.csv_list("ALLOWED_HOSTS", []) == ["forum.example.org", "127.0.0.1"]


def test_redis_url_is_none_when_unset_or_empty(monkeypatch):
    assert env.redis_url() is None
    monkeypatch.setenv("REDIS_URL", "")
    assert env.redis_url() is None
    monkeypatch.setenv("REDIS_URL", "redis://redis:6379/0")
    assert env.redis_url() == "redis://redis:6379/0"


# --- SECRET_KEY -------------------------------------------------------------------


def test_secret_key_is_generated_once_private_and_reused(tmp_path):
    first = env.secret_key(tmp_path)
    key_file = tmp_path / "secret_key"
    assert len(first) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert env.secret_key(tmp_path) == first
    assert key_file.read_text().strip() == first


def test_secret_key_differs_between_data_dirs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert env.secret_key(tmp_path / "a") != env.secret_key(tmp_path / "b")


def test_secret_key_from_the_environment_wins_and_writes_nothing(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert env.secret_key(tmp_path) == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


# --- EmlFileBackend ---------------------------------------------------------------


def test_eml_backend_writes_one_readable_file_per_message(tmp_path):
    outbox = tmp_path / "outbox"
    backend = EmlFileBackend(file_path=str(outbox))
    subject = "Journées d'été : l'ordre du jour évolue"
    body = "Bonjour à toutes et à tous,\nvoici le programme des réseaux coopératifs — à bientôt !"
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email="Intercoop <noreply@lists.localhost>",
        to=["Agnès Müller <agnes@example.org>"],
        connection=backend,
    )

    assert message.send() == 1

    files = list(outbox.iterdir())
    assert [path.suffix for path in files] == [".eml"], "one .eml, no partial file left"
    raw = files[0].read_bytes()
    assert b"\n" not in raw.replace(b"\r\n", b""), "lines end with CRLF, as on the wire"
    parsed = email.message_from_bytes(raw, policy=policy.default)
    # Django 5.2 (compat32) folds a long encoded Subject onto a continuation line,
    # "Subject: \r\n =?utf-8?b?...?=", and policy.default keeps the folding space.
    assert parsed["Subject"].lstrip() == subject
    (recipient,) = parsed["To"].addresses
    assert (recipient.display_name, recipient.addr_spec) == ("Agnès Müller", "agnes@example.org")
    text = parsed.get_body(preferencelist=("plain",)).get_content()
    assert text.replace("\r\n", "\n").rstrip("\n") == body


def test_eml_backend_writes_one_file_for_each_message_of_a_batch(tmp_path):
    backend = EmlFileBackend(file_path=str(tmp_path))
    messages = [
        EmailMessage(subject=f"Message {n}", body="Corps", to=[f"m{n}@example.org"])
        for n in range(3)
    ]
    assert backend.send_messages(messages) == 3
    subjects = sorted(
        email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"]
        for path in tmp_path.glob("*.eml")
    )
    assert subjects == ["Message 0", "Message 1", "Message 2"]


def test_eml_backend_skips_a_message_without_recipients(tmp_path):
    backend = EmlFileBackend(file_path=str(tmp_path / "outbox"))
    assert backend.send_messages([EmailMessage(subject="Personne", body="…", to=[])]) == 0
    assert list((tmp_path / "outbox").glob("*")) == []


def test_a_number_setting_that_is_not_a_number_is_a_config_error(monkeypatch):
    monkeypatch.setenv("INTERCOOP_POST_MAX_CHARS", "beaucoup")
    with pytest.raises(env.ConfigError, match="INTERCOOP_POST_MAX_CHARS='beaucoup' is not a whole"):
        env.integer("INTERCOOP_POST_MAX_CHARS", 50_000, minimum=1)


def test_a_number_setting_out_of_range_is_a_config_error(monkeypatch):
    monkeypatch.setenv("INTERCOOP_EDIT_WINDOW_MINUTES", "-5")
    with pytest.raises(env.ConfigError, match="out of range"):
        env.integer("INTERCOOP_EDIT_WINDOW_MINUTES", 60, minimum=0)


def test_an_unset_number_setting_takes_its_default(monkeypatch):
    monkeypatch.delenv("INTERCOOP_EDIT_WINDOW_MINUTES", raising=False)
    assert env.integer("INTERCOOP_EDIT_WINDOW_MINUTES", 60, minimum=0) == 60


# --- numbers read by config.settings ----------------------------------------------

NUMBER_SETTINGS = {
    "INTERCOOP_DIGEST_HOUR": 7,
    "INTERCOOP_BOUNCE_THRESHOLD": 5,
    "INTERCOOP_OUTBOX_BATCH_SIZE": 50,
    "INTERCOOP_OUTBOX_PARALLEL_SENDERS": 4,
    "INTERCOOP_OUTBOX_MAX_ATTEMPTS": 10,
    "INTERCOOP_CLAIM_LEASE_SECONDS": 30,
}


def _settings_module():
    """config/settings.py executed afresh under another name (the live settings stay)."""
    spec = importlib.util.spec_from_file_location(
        "settings_under_test", env.BASE_DIR / "config" / "settings.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_number_settings_keep_their_defaults(monkeypatch):
    for name in NUMBER_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings = _settings_module()
    assert {name: getattr(settings, name) for name in NUMBER_SETTINGS} == NUMBER_SETTINGS


@pytest.mark.parametrize("name", sorted(NUMBER_SETTINGS))
def test_a_number_setting_that_is_not_a_number_names_its_variable(monkeypatch, name):
    monkeypatch.setenv(name, "beaucoup")
    with pytest.raises(env.ConfigError, match=f"^{name}='beaucoup' is not a whole number$"):
        _settings_module()


def test_a_number_out_of_its_apps_bounds_is_left_to_the_apps_checks(monkeypatch):
    """Whether 24 suits the digests is mailbridge's to say (mailbridge/checks.py)."""
    monkeypatch.setenv("INTERCOOP_DIGEST_HOUR", "24")
    assert _settings_module().INTERCOOP_DIGEST_HOUR == 24


def _intercoop_seed(tmp_path, **variables) -> subprocess.CompletedProcess:
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("INTERCOOP_")
    }
    environment.update(INTERCOOP_DATA_DIR=str(tmp_path / "data"), **variables)
    return subprocess.run(
        [str(Path(sys.executable).parent / "intercoop"), "seed"],
        env=environment,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.slow
def test_the_intercoop_command_reports_a_bad_number_in_one_line(tmp_path):
    """INTERCOOP_DIGEST_HOUR is also read by config/celery.py, imported with the config
    package before the command can catch anything: still one line, exit status 2."""
    result = _intercoop_seed(tmp_path, INTERCOOP_DIGEST_HOUR="sept")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "intercoop: INTERCOOP_DIGEST_HOUR='sept' is not a whole number"
    ]


@pytest.mark.slow
def test_the_intercoop_command_stops_on_an_apps_check_in_one_line(tmp_path):
    """The apps' system checks run when a part starts, before it touches anything."""
    result = _intercoop_seed(tmp_path, INTERCOOP_DIGEST_HOUR="24")
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "intercoop: INTERCOOP_DIGEST_HOUR=24 is not a whole number from 0 to 23 "
        "(mailbridge.E001). Change or unset the environment variable INTERCOOP_DIGEST_HOUR."
    ]
    assert not (tmp_path / "data" / "intercoop.sqlite3").exists()
