"""Guards a bot with upload rights needs: a private password file."""
from __future__ import annotations

from pathlib import Path

import pytest
from pywikibot import config

from commonscache.errors import UsageError
from commonscache.wikis.sites import check_password_file


@pytest.fixture
def password_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / 'user-password.py'
    path.write_text("('Bot', BotPassword('app', 'secret'))\n")
    monkeypatch.setattr(config, 'password_file', str(path))
    return path


def test_a_password_file_readable_by_others_stops_the_run(password_file: Path):
    password_file.chmod(0o644)
    with pytest.raises(UsageError, match=f'run: chmod 600 {password_file}'):
        check_password_file()
    assert password_file.stat().st_mode & 0o777 == 0o644  # reported, not silently changed


def test_a_private_password_file_passes(password_file: Path):
    password_file.chmod(0o600)
    check_password_file()
