from mailbridge.tests.inbound.conftest import (  # noqa: F401 - the same gateway fixtures
    _inbound_settings,
    eager_celery,
    gateway,
)
