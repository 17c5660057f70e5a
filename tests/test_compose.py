"""The production files (docker-compose.yml, Dockerfile, deploy/Caddyfile) agree with
the code.

No Docker engine runs on the development and CI machines, so these tests read the
files and check them against what they name: the `intercoop` sub-commands and
options of config/cli.py, the ports the CLI listens on, the configuration variables
of docs/fixed-points.md, and the compose services that the URLs point at; and that
web and worker can be scaled behind the proxy (`docker compose config` too, where
the compose client is installed).
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from config import env
from config.cli import DEFAULT_SMTP_PORT, DEFAULT_WEB_PORT, _parser

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
CADDYFILE = ROOT / "deploy" / "Caddyfile"

# docs/fixed-points.md, "Configuration by environment": the variables a deployment sets.
DEPLOYMENT_VARIABLES = {
    "INTERCOOP_DATA_DIR",
    "DATABASE_URL",
    "REDIS_URL",
    "EMAIL_URL",
    "INTERCOOP_MAIL_DOMAIN",
    "INTERCOOP_SITE_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DEBUG",
    "INTERCOOP_S3_BUCKET",
    "INTERCOOP_S3_ENDPOINT_URL",
    "INTERCOOP_S3_ACCESS_KEY_ID",
    "INTERCOOP_S3_SECRET_ACCESS_KEY",
    "INTERCOOP_S3_REGION",
    "INTERCOOP_TRUSTED_PROXIES",
}
# Interpolated from the operator's .env but not read by the product itself.
COMPOSE_ONLY_VARIABLES = {"POSTGRES_PASSWORD", "MINIO_ROOT_PASSWORD"}

# Each long-running part of the product, and the sub-command that runs it.
APP_SERVICES = {"web": "web", "worker": "worker", "beat": "beat", "smtp": "smtp"}
# The parts that listen, with the port their command must use inside the container.
LISTENING = {"web": DEFAULT_WEB_PORT, "smtp": DEFAULT_SMTP_PORT}
# `docker compose up --scale web=2 --scale worker=2`: these run as several containers.
SCALED = ("web", "worker")
DATA_DIR = "/srv/intercoop"

INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)


def interpolate(value: str) -> str:
    """Resolve compose's ${VAR}, ${VAR:-default} and ${VAR:?error} as an operator
    who set only the required variables would get them."""

    def resolve(match: re.Match) -> str:
        if match["op"] and match["op"].endswith("-"):
            return match["arg"]
        return f"example-{match['name'].lower().replace('_', '-')}"

    return INTERPOLATION.sub(resolve, str(value))


def variables_in(value) -> set[str]:
    return {match["name"] for match in INTERPOLATION.finditer(str(value))}


def argv_of(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def parse_intercoop(argv: list[str]):
    assert argv and argv[0] == "intercoop", f"{argv} does not start with `intercoop`"
    try:
        return _parser().parse_args(argv[1:])
    except SystemExit as exc:  # argparse exits on an unknown command or option
        raise AssertionError(f"`{shlex.join(argv)}` is not a valid intercoop command") from exc


def environment_of(service: dict) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: str(value) for key, value in environment.items()}


def published(service: dict) -> list[tuple[int, int]]:
    """(host port, container port) pairs of a service's `ports`."""
    pairs = []
    for entry in service.get("ports", []):
        *host, container = str(entry).split(":")
        pairs.append((int(host[-1]) if host else int(container), int(container)))
    return pairs


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    instructions = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    return instructions


def test_compose_has_the_infrastructure_the_product_and_the_mail_catcher(services):
    assert {"postgres", "redis", "minio", "proxy", "mailpit", *APP_SERVICES} <= set(services)
    assert services["minio"]["image"].startswith("minio/minio")
    assert services["proxy"]["image"].startswith("caddy:")
    assert services["postgres"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"
    assert services["mailpit"]["image"].startswith("axllent/mailpit")


@pytest.mark.parametrize("name, subcommand", APP_SERVICES.items())
def test_each_part_runs_its_own_intercoop_subcommand(services, name, subcommand):
    service = services[name]
    args = parse_intercoop(argv_of(service["command"]))
    assert args.command == subcommand
    assert service.get("build") == ".", f"{name} is not built from this repository"


def test_every_app_service_runs_the_same_image(services):
    images = {services[name].get("image") for name in APP_SERVICES}
    assert len(images) == 1 and None not in images, images


@pytest.mark.parametrize("name, port", LISTENING.items())
def test_listening_parts_listen_on_all_interfaces_on_the_cli_port(services, name, port):
    args = parse_intercoop(argv_of(services[name]["command"]))
    # 127.0.0.1 inside a container cannot be reached from another container.
    assert args.host == "0.0.0.0"
    assert args.port == port


def test_the_proxy_is_published_on_8000_and_smtp_on_port_25(services):
    assert (8000, 80) in published(services["proxy"])
    assert (25, DEFAULT_SMTP_PORT) in published(services["smtp"])
    assert DEFAULT_SMTP_PORT in [container for _, container in published(services["smtp"])]


@pytest.mark.parametrize("name", SCALED)
def test_scaled_parts_have_no_fixed_name_nor_host_port(services, name):
    # Two containers cannot share a name or bind one host port.
    assert "container_name" not in services[name]
    assert not services[name].get("ports"), f"{name} publishes a host port"


def test_the_proxy_shares_requests_among_every_web_container():
    caddyfile = CADDYFILE.read_text()
    # `dynamic a`: the service name's addresses, one per container, looked up again.
    upstreams = re.search(r"dynamic a \{(?P<body>[^}]*)\}", caddyfile)
    assert upstreams, "the proxy does not look the web containers up by name"
    assert re.search(r"^\s*name web$", upstreams["body"], re.M)
    assert re.search(rf"^\s*port {DEFAULT_WEB_PORT}$", upstreams["body"], re.M)
    assert "lb_policy round_robin" in caddyfile


def test_the_proxy_mounts_its_config_and_is_the_trusted_proxy(services):
    proxy = services["proxy"]
    assert "./deploy/Caddyfile:/etc/caddy/Caddyfile:ro" in proxy["volumes"]
    address = ipaddress.ip_address(proxy["networks"]["default"]["ipv4_address"])
    trusted = environment_of(services["web"])["INTERCOOP_TRUSTED_PROXIES"].split(",")
    assert any(address in ipaddress.ip_network(network) for network in trusted)


def test_files_go_to_the_minio_bucket_the_setup_makes(services):
    environment = environment_of(services["web"])
    endpoint = urlsplit(environment["INTERCOOP_S3_ENDPOINT_URL"])
    assert endpoint.hostname == "minio" and endpoint.port == 9000
    assert (
        environment["INTERCOOP_S3_ACCESS_KEY_ID"]
        == environment_of(services["minio"])["MINIO_ROOT_USER"]
    )
    assert variables_in(environment["INTERCOOP_S3_SECRET_ACCESS_KEY"]) == {"MINIO_ROOT_PASSWORD"}
    setup = " ".join(argv_of(services["buckets"]["command"]))
    assert f"mc mb --ignore-existing store/{environment['INTERCOOP_S3_BUCKET']}" in setup
    assert services["minio"].get("healthcheck", {}).get("test")
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["buckets"]["condition"] == "service_completed_successfully"


def _compose_client() -> list[str] | None:
    """`docker compose` (v2), else Debian's `docker-compose`; None when neither is here."""
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


@pytest.mark.skipif(_compose_client() is None, reason="no `docker compose` client installed")
def test_docker_compose_accepts_the_file(tmp_path):
    environment = {
        **os.environ,
        "SECRET_KEY": "x" * 50,
        "POSTGRES_PASSWORD": "secret",
        "MINIO_ROOT_PASSWORD": "secret-secret",
    }
    result = subprocess.run(
        [*_compose_client(), "-f", str(COMPOSE_FILE), "config", "--quiet"],
        capture_output=True, text=True, env=environment, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_workers_publish_no_port(services):
    for name in ("worker", "beat", "buckets"):
        assert not services[name].get("ports"), f"{name} listens on nothing"


def test_mailpit_catches_mail_on_1025_and_shows_it_on_8025(services):
    containers = {container for _, container in published(services["mailpit"])}
    assert {1025, 8025} <= containers


def test_app_services_share_one_environment(services):
    environments = [environment_of(services[name]) for name in APP_SERVICES]
    assert all(environment == environments[0] for environment in environments)


def test_app_environment_uses_only_the_documented_variables(services):
    for name in [*APP_SERVICES, "migrate"]:
        environment = environment_of(services[name])
        unknown = set(environment) - DEPLOYMENT_VARIABLES
        assert not unknown, f"{name} sets variables docs/fixed-points.md does not name: {unknown}"
        interpolated = set().union(*(variables_in(value) for value in environment.values()))
        unknown = interpolated - DEPLOYMENT_VARIABLES - COMPOSE_ONLY_VARIABLES
        assert not unknown, f"{name} reads unknown variables from .env: {unknown}"


def test_app_environment_sets_the_production_configuration(services):
    environment = environment_of(services["web"])
    assert {
        "DATABASE_URL",
        "REDIS_URL",
        "EMAIL_URL",
        "INTERCOOP_MAIL_DOMAIN",
        "INTERCOOP_SITE_URL",
        "SECRET_KEY",
        "INTERCOOP_DATA_DIR",
    } <= set(environment)
    # No default secret: compose must refuse to start without one.
    assert re.fullmatch(r"\$\{SECRET_KEY:\?[^}]+\}", environment["SECRET_KEY"])


def test_database_url_points_at_the_postgres_service(services, monkeypatch):
    url = interpolate(environment_of(services["web"])["DATABASE_URL"])
    parts = urlsplit(url)
    postgres = environment_of(services["postgres"])
    assert parts.scheme in {"postgres", "postgresql"}
    assert parts.hostname == "postgres"
    assert parts.port in (None, 5432)
    assert parts.username == postgres["POSTGRES_USER"]
    assert parts.path == "/" + postgres["POSTGRES_DB"]
    # The password in the URL is the one the database was created with.
    assert variables_in(environment_of(services["web"])["DATABASE_URL"]) == variables_in(
        postgres["POSTGRES_PASSWORD"]
    )
    monkeypatch.setenv("DATABASE_URL", url)
    config = env.database(Path("/nonexistent"))
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["HOST"] == "postgres"


def test_redis_url_points_at_the_redis_service(services):
    parts = urlsplit(interpolate(environment_of(services["web"])["REDIS_URL"]))
    assert parts.scheme == "redis"
    assert parts.hostname == "redis"
    assert parts.port in (None, 6379)


def test_email_url_defaults_to_the_mail_catcher(services, monkeypatch, tmp_path):
    url = interpolate(environment_of(services["web"])["EMAIL_URL"])
    monkeypatch.setenv("EMAIL_URL", url)
    settings = env.email(tmp_path)
    assert settings.backend == "django.core.mail.backends.smtp.EmailBackend"
    assert settings.host == "mailpit"
    assert settings.port in [container for _, container in published(services["mailpit"])]


def test_data_dir_is_a_named_volume_shared_by_every_part(compose, services):
    for name in [*APP_SERVICES, "migrate"]:
        service = services[name]
        assert environment_of(service)["INTERCOOP_DATA_DIR"] == DATA_DIR
        mounts = dict(str(volume).split(":", 1) for volume in service.get("volumes", []))
        assert DATA_DIR in mounts.values(), f"{name} does not mount {DATA_DIR}"
        volume = next(source for source, target in mounts.items() if target == DATA_DIR)
        assert volume in (compose.get("volumes") or {}), f"{volume} is not a named volume"


def test_parts_wait_for_healthy_postgres_and_redis_and_the_migrations(services):
    for backing in ("postgres", "redis"):
        assert services[backing].get("healthcheck", {}).get("test"), f"{backing} has no check"
    for name in APP_SERVICES:
        depends_on = services[name]["depends_on"]
        assert depends_on["postgres"]["condition"] == "service_healthy"
        assert depends_on["redis"]["condition"] == "service_healthy"
        assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_migrate_service_applies_the_migrations_once(services):
    migrate = services["migrate"]
    assert argv_of(migrate["command"])[:3] == ["python", "manage.py", "migrate"]
    assert migrate.get("restart") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_dockerfile_is_python_311_slim_non_root_with_the_data_volume(dockerfile):
    assert dockerfile[0] == ("FROM", "python:3.11-slim")
    users = [argument for keyword, argument in dockerfile if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    volumes = [argument for keyword, argument in dockerfile if keyword == "VOLUME"]
    assert any(DATA_DIR in volume for volume in volumes)
    environment = " ".join(argument for keyword, argument in dockerfile if keyword == "ENV")
    assert f"INTERCOOP_DATA_DIR={DATA_DIR}" in environment


def test_dockerfile_exposes_the_cli_ports(dockerfile):
    exposed = {
        int(port.split("/")[0])
        for keyword, argument in dockerfile
        if keyword == "EXPOSE"
        for port in argument.split()
    }
    assert exposed == {DEFAULT_WEB_PORT, DEFAULT_SMTP_PORT}


def test_dockerfile_default_command_is_the_web_part_on_all_interfaces(dockerfile):
    commands = [argument for keyword, argument in dockerfile if keyword == "CMD"]
    assert commands, "the Dockerfile has no CMD"
    argv = json.loads(commands[-1])  # exec form: no shell between docker and intercoop
    args = parse_intercoop(argv)
    assert args.command == "web"
    assert args.host == "0.0.0.0"
    assert args.port in {DEFAULT_WEB_PORT}


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".venv", "var", ".git", ".env"} <= ignored


def test_the_checks_above_would_catch_a_wrong_command():
    with pytest.raises(AssertionError, match="not a valid intercoop command"):
        parse_intercoop(["intercoop", "webserver", "--host", "0.0.0.0"])
    with pytest.raises(AssertionError, match="not a valid intercoop command"):
        parse_intercoop(["intercoop", "worker", "--port", "8000"])
    with pytest.raises(AssertionError, match="does not start"):
        parse_intercoop(["celery", "worker"])
