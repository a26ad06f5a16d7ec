"""Configuration: secrets, production refusals, the office file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.config import ConfigError, load
from storage.crypto import new_secret


def test_local_secrets_are_made_once_and_readable_only_by_the_owner(tmp_path: Path) -> None:
    """Check that without secrets in the environment a private secrets file is made and reused."""
    first = load({"COMEHOME_DATA_DIR": str(tmp_path)})
    second = load({"COMEHOME_DATA_DIR": str(tmp_path)})
    assert (tmp_path / "secrets.toml").stat().st_mode & 0o777 == 0o600
    assert first.keyring == second.keyring
    assert first.database_url == f"sqlite:///{tmp_path / 'comehome.db'}"


def test_production_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    """Check that production mode never falls back to generated secrets."""
    with pytest.raises(ConfigError, match="COMEHOME_PEPPER"):
        load({"COMEHOME_ENV": "production", "COMEHOME_DATA_DIR": str(tmp_path)})
    assert not (tmp_path / "secrets.toml").exists()


def test_production_refuses_debug_logging(tmp_path: Path) -> None:
    """Check that DEBUG logging, which could reveal personal data, is refused in production."""
    env = {
        "COMEHOME_ENV": "production",
        "COMEHOME_PEPPER": new_secret(),
        "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}",
        "COMEHOME_LOG_LEVEL": "debug",
    }
    with pytest.raises(ConfigError, match="DEBUG"):
        load(env)
    env["COMEHOME_LOG_LEVEL"] = "INFO"
    assert load(env).production


def test_malformed_secrets_are_named(tmp_path: Path) -> None:
    """Check that a malformed key is refused with a message naming it."""
    with pytest.raises(ConfigError, match="pepper"):
        load({"COMEHOME_PEPPER": "short", "COMEHOME_CHAT_KEYS": f"k1:{new_secret()}"})


def test_the_office_file_sets_address_hours_and_staff_chats(tmp_path: Path) -> None:
    """Check that an office TOML file replaces the default office."""
    office = tmp_path / "office.toml"
    office.write_text(
        '[office]\nid = "augsburg"\nname = "Rückkehrberatung Augsburg"\n'
        'address = ["Musterstr. 1", "86150 Augsburg"]\nphone = "+49 821 000000"\n'
        "staff_chat_ids = [-1001]\n"
        '[[office.hours]]\nweekdays = [0, 2]\nstart = "08:30"\nend = "12:00"\n',
        encoding="utf-8",
    )
    settings = load({"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_OFFICE_FILE": str(office)})
    assert settings.office.id == "augsburg" and settings.office.staff_chat_ids == (-1001,)
    assert settings.office.hours[0].weekdays == (0, 2)


def test_a_broken_office_file_names_the_file(tmp_path: Path) -> None:
    """Check that an unreadable office file fails at start with the file named."""
    office = tmp_path / "office.toml"
    office.write_text("[office\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"office\.toml"):
        load({"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_OFFICE_FILE": str(office)})


def offices_file(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "offices.toml"
    path.write_text(text, encoding="utf-8")
    return {"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_OFFICE_FILE": str(path)}


def test_an_office_file_can_list_several_offices_the_first_being_the_default(
    tmp_path: Path,
) -> None:
    """Check that [[offices]] gives each office its staff, mailbox, places and postcodes."""
    env = offices_file(
        tmp_path,
        '[[offices]]\nid = "muenchen"\npostcodes = ["80331-81929", "85221"]\n'
        "staff_chat_ids = [-1001]\n"
        '[[offices]]\nid = "augsburg"\nname = "Rückkehrberatung Augsburg"\n'
        'short_name = "Augsburg"\ndistricts = ["Augsburg", "Aichach-Friedberg"]\n'
        'address = ["Beispielweg 2", "86150 Augsburg"]\n'
        'hours = [{weekdays = [0, 1], start = "09:00", end = "12:00"}]\n'
        'postcodes = ["86150-86199"]\nstaff_chat_ids = [-1002]\nstaff_user_ids = [7]\n'
        'mailbox = "augsburg@example.org"\nsupport_file = "support-augsburg.toml"\n',
    )
    settings = load({**env, "COMEHOME_STAFF_CHAT_IDS": "-1003"})
    munich, augsburg = settings.offices
    assert settings.office is munich and munich.name.startswith("Coming Home")
    assert munich.staff_chat_ids == (-1003,)  # the environment sets the default office's staff
    assert munich.postcodes == ((80331, 81929), (85221, 85221))
    assert "Dachau" in munich.districts and munich.address  # Munich's own defaults
    assert augsburg.staff_chat_ids == (-1002,) and augsburg.address[0] == "Beispielweg 2"
    assert augsburg.support_file == tmp_path / "support-augsburg.toml"
    assert munich.support_file is None  # the installation's catalogue
    assert settings.office_of_staff(7) is augsburg and settings.office_of_staff(8) is None
    assert settings.office_named("augsburg") is augsburg
    with pytest.raises(ConfigError, match="no office 'nuernberg'"):
        settings.office_named("nuernberg")


OWN = 'name = "B"\naddress = ["x"]\nhours = [{weekdays = [0], start = "09:00", end = "12:00"}]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[office]\nid = "a"\n[[offices]]\nid = "b"\n', "either"),
        ('[[offices]]\nid = "muenchen"\n[[offices]]\nid = "b"\nname = "B"\n', "own address, hours"),
        ('[[offices]]\nid = "b"\n' + OWN + '[[offices]]\nid = "b"\n' + OWN, "must differ"),
        ('[[offices]]\nid = "muenchen"\npostcodes = ["8033"]\n', "office 1: postcodes: '8033'"),
        (
            '[[offices]]\nid = "muenchen"\n[[offices]]\nid = "b"\npostcodes = ["86199-86150"]\n'
            + OWN,
            "office 2",
        ),
        ('[[offices]]\nid = "Mün chen"\n', "id must be"),
        (
            '[office]\nlanguages_without_interpreter = ["de", "Deutsch"]\n',
            "office 1: languages_without_interpreter: 'Deutsch' is not a language code",
        ),
        ('[office]\nlanguages_without_interpreter = "de"\n', "must be a list"),
        (
            '[office]\nlanguages_without_interpreter = ["de", "xx"]\n',
            r"office 1: languages_without_interpreter: 'xx' is not a language of "
            r"locales/languages\.toml \(known: de, tr, ar, en, ru, fa, fa_AF, ",
        ),
        (
            '[[offices]]\nid = "muenchen"\n[[offices]]\nid = "b"\nstaff_locale = "deu"\n' + OWN,
            "office 2: staff_locale: 'deu' is not a language of locales/languages.toml",
        ),
    ],
)
def test_a_broken_office_file_is_refused_with_the_place_named(
    tmp_path: Path, text: str, message: str
) -> None:
    """Check that mistakes in the office file stop the start with a message that says where."""
    with pytest.raises(ConfigError, match=message):
        load(offices_file(tmp_path, text))


def test_the_example_offices_file_loads() -> None:
    """Check that the shipped offices.example.toml is a valid office file."""
    from bot.config import ROOT, load_offices

    offices = load_offices(ROOT / "offices.example.toml")
    assert len(offices) >= 2 and offices[0].id == "muenchen"


def test_pacing_can_be_switched_off_only_for_a_test_bot_api_on_this_machine(
    tmp_path: Path,
) -> None:
    """Check that Telegram's limits can be left out only against a Bot API on loopback."""
    off = {"COMEHOME_DATA_DIR": str(tmp_path), "COMEHOME_TELEGRAM_PACING": "0"}
    with pytest.raises(ConfigError, match="only for a test Bot API"):
        load(off)
    with pytest.raises(ConfigError, match="only for a test Bot API"):
        load({**off, "TELEGRAM_API_BASE_URL": "https://botapi.example.org"})
    local = load({**off, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081"})
    assert not local.telegram_pacing
    assert load({"COMEHOME_DATA_DIR": str(tmp_path)}).telegram_pacing


@pytest.mark.parametrize(
    "name", ["COMEHOME_RETENTION_DAYS", "COMEHOME_AUDIT_DAYS", "COMEHOME_WEBHOOK_PORT"]
)
def test_a_number_that_is_not_one_names_its_variable(tmp_path: Path, name: str) -> None:
    """Check that a mistyped number in the environment stops the start with the variable named,
    not with a bare "invalid literal for int()"."""
    with pytest.raises(ConfigError, match=f"{name} must be a whole number, not '30 days'"):
        load({"COMEHOME_DATA_DIR": str(tmp_path), name: "30 days"})


def test_yes_and_no_settings_are_read_the_same_way_everywhere(tmp_path: Path) -> None:
    """Check that every yes/no setting reads on/off and yes/no alike, and that a value that is
    neither is refused with the variable named (before, anything but 0/false/no meant yes)."""
    smtp = {"COMEHOME_SMTP_HOST": "mail.example", "COMEHOME_SMTP_TO": "office@example.org"}
    env = {"COMEHOME_DATA_DIR": str(tmp_path), **smtp}
    off = load({**env, "COMEHOME_SMTP_STARTTLS": "off"}).smtp
    on = load({**env, "COMEHOME_SMTP_STARTTLS": "Yes"}).smtp
    assert off is not None and on is not None and not off.starttls and on.starttls
    local = {"COMEHOME_DATA_DIR": str(tmp_path), "TELEGRAM_API_BASE_URL": "http://127.0.0.1:1"}
    assert load({**local, "COMEHOME_TELEGRAM_PACING": "off"}).telegram_pacing is False
    with pytest.raises(ConfigError, match="COMEHOME_TELEGRAM_PACING must be 1, true"):
        load({**local, "COMEHOME_TELEGRAM_PACING": "maybe"})


def test_the_languages_without_interpreter_default_once_and_follow_the_office_file(
    tmp_path: Path,
) -> None:
    """Check that an office without the setting counsels German and English without an
    interpreter, and one that sets it gets exactly its own list."""
    from bot.config import ROOT, load_offices

    assert load_offices(ROOT / "office.example.toml")[0].languages_without_interpreter == (
        "de",
        "en",
    )
    text = '[office]\nlanguages_without_interpreter = ["tr", "de"]\n'
    settings = load(offices_file(tmp_path, text))
    assert settings.office.languages_without_interpreter == ("tr", "de")


def test_an_office_language_is_known_by_the_configured_locales(tmp_path: Path) -> None:
    """Check that the office file's languages are checked against the languages.toml of
    COMEHOME_LOCALES_DIR: a language listed there (offered to clients or not yet) is accepted."""
    from bot.config import ROOT

    locales = tmp_path / "locales"
    locales.mkdir()
    listing = (ROOT / "locales" / "languages.toml").read_text(encoding="utf-8")
    (locales / "languages.toml").write_text(
        listing + '\n[[language]]\ncode = "it"\nname = "Italiano"\n', encoding="utf-8"
    )
    env = offices_file(tmp_path, '[office]\nlanguages_without_interpreter = ["it", "de"]\n')
    with pytest.raises(ConfigError, match="'it' is not a language"):
        load(env)
    settings = load({**env, "COMEHOME_LOCALES_DIR": str(locales)})
    assert settings.office.languages_without_interpreter == ("it", "de")


@pytest.mark.parametrize("command", [["run"], ["agenda"], ["appointments", "list"]])
def test_an_unknown_office_language_stops_each_command_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """Check that starting the assistant, or an office command reading the office file, with an
    unknown language there ends with exit status 2 and one line naming the code and the known
    ones, before any database is opened."""
    from bot.cli import main

    env = offices_file(tmp_path, '[office]\nlanguages_without_interpreter = ["de", "xx"]\n')
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("COMEHOME_LOCALES_DIR", raising=False)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a terminal chat started would end at once
    assert main(command) == 2
    printed = capsys.readouterr()
    [line] = printed.err.splitlines()
    assert "languages_without_interpreter: 'xx' is not a language" in line
    assert "(known: de, tr, ar, en," in line and "uk)" in line
    assert printed.out == ""
    assert not (tmp_path / "comehome.db").exists()
