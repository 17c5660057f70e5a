"""`intercoop --help` lists every command with what it runs."""

import pytest

from config.cli import main

COMMANDS = {
    "run": "everything in one process",
    "web": "ASGI server",
    "smtp": "SMTP gateway",
    "worker": "Celery worker",
    "beat": "Celery beat scheduler",
    "seed": "load the Intercoop 2007 programme",
    "dkim-keygen": "generate the DKIM key",
    "import-mbox": "import a list's archive",
}


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    lines = [" ".join(line.split()) for line in capsys.readouterr().out.splitlines()]
    for command, summary in COMMANDS.items():
        assert any(line.startswith(command) for line in lines), command
        assert any(summary in line for line in lines), summary


def test_no_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2
    assert "required: command" in capsys.readouterr().err
