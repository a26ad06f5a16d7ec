"""The `comehome` command: `run`, `chat`, `web`, `migrate`, `diagram`, `purge`, `readme`, and the groups
of the modules beside this one (keys, i18n, support, slots/interpreters/agenda, appointments, stats,
privacy)."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

from bot import config
from bot.logs import setup_logging


def cmd_run(args: argparse.Namespace) -> int:
    """Start on Telegram (long polling, or webhook when COMEHOME_WEBHOOK_URL is set) when a token is
    configured, otherwise as a chat in the terminal; with --web, the web door beside it."""
    settings = config.load()
    if not settings.telegram_token and getattr(args, "web", False):
        return cmd_web(args)
    if not settings.telegram_token:
        print(
            "No TELEGRAM_BOT_TOKEN set: starting the terminal chat with the demo office.",
            file=sys.stderr,
        )
        return cmd_chat(args)
    import asyncio

    from bot import destinations
    from bot.app import run_telegram
    from bot.assistant import Assistant
    from bot.webhook import run_webhook

    web = None
    if getattr(args, "web", False):
        from bot.web.app import WebSettings

        web = WebSettings.from_env()  # before anything is opened: a wrong number stops here
    setup_logging(settings.log_level)
    destinations.refuse_foreign_recipients(settings)
    destinations.log_at_start(settings)
    runner = run_webhook if settings.webhook_url else run_telegram
    assistant = Assistant.build(settings)
    if web is None:
        asyncio.run(runner(assistant))
        return 0

    from bot.web.serve import serve

    async def both() -> None:  # one process, one assistant: the Telegram door runs the jobs
        await asyncio.gather(runner(assistant), serve(assistant, web, False))

    asyncio.run(both())
    return 0


def cmd_web(args: argparse.Namespace) -> int:
    """Serve the web door (COMEHOME_WEB_LISTEN, default 127.0.0.1, COMEHOME_WEB_PORT, default
    8080); without production keys with the demo office on SQLite, like `comehome chat`."""
    import asyncio

    from bot.assistant import Assistant
    from bot.demo import seed_demo_office
    from bot.web.app import WebSettings
    from bot.web.serve import serve

    settings = config.load()
    web = WebSettings.from_env()  # before anything is opened: a wrong number stops here
    setup_logging(settings.log_level)
    assistant = Assistant.build(settings)
    if not settings.production:
        for number, office in enumerate(settings.offices, 1):
            seed_demo_office(assistant.db, office.id, f"c{number}")
    if getattr(args, "port", None):
        web = replace(web, port=args.port)
    asyncio.run(serve(assistant, web))
    return 0


def cmd_chat(args: argparse.Namespace) -> int:
    """Chat with the assistant in the terminal (reads a script from stdin when it is not a terminal)."""
    import asyncio

    from bot.assistant import Assistant
    from bot.demo import seed_demo_office
    from bot.terminal_door import GOODBYE, chat

    settings = config.load()
    setup_logging("WARNING")
    assistant = Assistant.build(settings)
    if not settings.production:
        for number, office in enumerate(settings.offices, 1):
            seed_demo_office(assistant.db, office.id, f"c{number}")
    try:
        asyncio.run(chat(assistant, getattr(args, "user", None)))
    except KeyboardInterrupt:
        # Each line is committed before its reply is shown: ending here loses no step.
        print(f"\n{GOODBYE}")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the database migrations."""
    from storage.db import Database

    settings = config.load()
    Database(settings.database_url).migrate()
    print("database is up to date")
    return 0


def cmd_diagram(args: argparse.Namespace) -> int:
    """Print the client journey as a Mermaid state diagram."""
    from flows.diagram import mermaid

    text = mermaid()
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Apply the retention schedule now (the bot does it hourly): delete what is past it."""
    from datetime import timedelta

    from storage.db import Database
    from storage.retention import Retention
    from storage.times import utc_now

    settings = config.load()
    db = Database(settings.database_url)
    db.migrate()
    retention = Retention(db, settings.office.id)
    before = utc_now() - timedelta(days=settings.retention_days)
    conversations = retention.purge_silent(before, dry_run=args.dry_run)
    appointments = retention.purge_appointments(before, dry_run=args.dry_run)
    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {conversations} conversations silent for {settings.retention_days} days and "
        f"{appointments} appointments held or cancelled before then"
    )
    if not db.erasure.wait(120):  # a reader (a backup?) keeps the old copies in the -wal file
        print(
            "a reader kept the database busy for two minutes: old copies of the deleted rows are "
            "still in the -wal file; run `comehome purge` again once it has finished",
            file=sys.stderr,
        )
        db.dispose()
        return 1
    db.dispose()
    return 0


def cmd_readme(args: argparse.Namespace) -> int:
    """Regenerate the README's journey diagram and terminal transcript (and docs/journey.mmd)."""
    from bot.readme import refresh

    refresh()
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="comehome", description=__doc__)
    sub = root.add_subparsers(dest="command")
    run = sub.add_parser("run", help=cmd_run.__doc__, description=cmd_run.__doc__)
    run.add_argument("--web", action="store_true", help="serve the web door in the same process")
    run.set_defaults(func=cmd_run)
    web = sub.add_parser("web", help=cmd_web.__doc__, description=cmd_web.__doc__)
    web.add_argument("--port", type=int, help="the port (default: COMEHOME_WEB_PORT or 8080)")
    web.set_defaults(func=cmd_web)
    chat = sub.add_parser("chat", help=cmd_chat.__doc__, description=cmd_chat.__doc__)
    chat.add_argument("--user", help="a name for the local client (default: your login)")
    chat.set_defaults(func=cmd_chat)
    migrate = sub.add_parser("migrate", help=cmd_migrate.__doc__, description=cmd_migrate.__doc__)
    migrate.set_defaults(func=cmd_migrate)
    diagram = sub.add_parser("diagram", help=cmd_diagram.__doc__, description=cmd_diagram.__doc__)
    diagram.add_argument("--output", "-o", help="write to this file instead of standard output")
    diagram.set_defaults(func=cmd_diagram)
    purge = sub.add_parser("purge", help=cmd_purge.__doc__, description=cmd_purge.__doc__)
    purge.add_argument("--dry-run", action="store_true", help="only count what would be deleted")
    purge.set_defaults(func=cmd_purge)
    readme = sub.add_parser("readme", help=cmd_readme.__doc__, description=cmd_readme.__doc__)
    readme.set_defaults(func=cmd_readme)
    # Each group's module imports only the standard library and bot.config at the top; what a
    # command needs (python-telegram-bot, SQLAlchemy, Babel's tools) it imports when it runs, so
    # that `comehome --help` stays fast.
    from bot.cli import appointments, i18n, keys, office, privacy, stats, support

    keys.add_group(sub)
    i18n.add_parser(sub)
    support.add_parser(sub)
    office.add_parser(sub)
    appointments.add_parser(sub)
    stats.add_parser(sub)
    privacy.add_parser(sub)
    return root


PRIVATE = 0o077  # whatever the service writes is for its own user only


def keep_files_private() -> None:
    """The database, its -wal and -shm, local secrets, exports: readable by the service's user
    only, whatever umask the shell or the service manager started it with."""
    os.umask(PRIVATE)


def main(argv: list[str] | None = None) -> int:
    keep_files_private()
    args = parser().parse_args(argv)
    if not getattr(args, "func", None):
        args.func = cmd_run
    try:
        return int(args.func(args))
    except config.ConfigError as error:
        print(f"comehome: configuration error: {error}", file=sys.stderr)
        return 2
