"""`comehome keys new` prints fresh secrets; `comehome keys rotate`: stored chat ids under the newest
chat key, pseudonyms under a new pepper.

Prints counts only: never a chat id, pseudonym or secret.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import config
from storage.crypto import KeyError_, Keyring, new_secret

if TYPE_CHECKING:  # imported where used, so that `comehome --help` loads no database library
    from storage.db import Database
    from storage.keys import PepperReport, SealedCount

EPILOG = """\
New chat key (COMEHOME_CHAT_KEYS, the current key first):
  1. Give every instance the new key first and keep the old ones: "k2:NEW,k1:OLD".
     From now on new chat ids are sealed with k2; those sealed with k1 still open.
  2. Run `comehome keys rotate` (add --dry-run to see the counts first). Each batch is its own
     transaction: if it stops, everything still opens; run it again to finish.
  3. When it says every chat id is under k2, remove k1 ("k2:NEW") and restart the instances.

New pepper (COMEHOME_PEPPER): a pseudonym is HMAC(pepper, channel and user id), and the user id
is not stored, so the database cannot simply be recomputed. Instead:
  1. Set COMEHOME_PEPPER to the new pepper and COMEHOME_PEPPER_PREVIOUS to the old one on every
     instance. A client not found under the new pseudonym is looked up under the old one and
     moved, with their appointments and waiting-list entries, in the step's transaction.
  2. Run `comehome keys rotate --pepper`. It moves at once every conversation whose sealed chat
     id proves its user (a Telegram private chat's id is its user's id; the old HMAC must match
     exactly), re-keys the bot's remembered message ids per chat and the audit log of the staff
     on the allow-list, and reports how many conversations may still be under the old pepper.
  3. Those move when the client next writes, or retention deletes them after its days of
     silence. Run it again after the date it names; when it shows none left, remove
     COMEHOME_PEPPER_PREVIOUS and restart.

See docs/KEYS.md.
"""


def new(args: argparse.Namespace) -> int:
    """Print a fresh pepper and chat key for production (set them in the environment)."""
    print(f"COMEHOME_PEPPER={new_secret()}")
    print(f"COMEHOME_CHAT_KEYS=k1:{new_secret()}")
    print(f"COMEHOME_WEBHOOK_SECRET={new_secret()}")
    return 0


def rotate(args: argparse.Namespace) -> int:
    """Re-seal stored chat ids under the current chat key; --pepper: move clients to a new pepper."""
    from storage.db import Database
    from storage.keys import BATCH_SIZE, rekey_conversations

    batch_size = args.batch_size or BATCH_SIZE
    settings = config.load()
    keyring = with_previous_pepper(settings.keyring, os.environ)
    if args.pepper and keyring.previous() is None:
        raise config.ConfigError(
            "--pepper needs COMEHOME_PEPPER_PREVIOUS (the pepper used until now) beside the new "
            "COMEHOME_PEPPER"
        )
    db = Database(settings.database_url)
    try:
        status = _chat_keys(db, keyring, batch_size, args.dry_run)
        if args.pepper:
            report = rekey_conversations(
                db,
                keyring,
                staff_user_ids=tuple(u for o in settings.offices for u in o.staff_user_ids),
                staff_chat_ids=tuple(c for o in settings.offices for c in o.staff_chat_ids),
                batch_size=batch_size,
                dry_run=args.dry_run,
            )
            _print_pepper(report, settings.retention_days, args.dry_run)
        elif keyring.previous() is not None:
            print("COMEHOME_PEPPER_PREVIOUS is set: add --pepper to see who is still under it.")
    finally:
        db.dispose()
    return status


def with_previous_pepper(keyring: Keyring, env: Mapping[str, str]) -> Keyring:
    """The configured keyring, with COMEHOME_PEPPER_PREVIOUS if the configuration left it out."""
    text = env.get("COMEHOME_PEPPER_PREVIOUS", "")
    if keyring.previous_pepper is not None or not text:
        return keyring
    try:
        return keyring.with_previous_pepper(text)
    except KeyError_ as error:
        raise config.ConfigError(f"secrets: {error}") from error


def _chat_keys(db: Database, keyring: Keyring, batch_size: int, dry_run: bool) -> int:
    from storage.keys import rotate_chat_refs, stale_chat_refs

    current = keyring.chat_keys[0][0]
    older = [key_id for key_id, _ in keyring.chat_keys[1:]]
    print(
        f"chat ids: current key {current}" + (f", older keys {', '.join(older)}" if older else "")
    )
    counts = rotate_chat_refs(db, keyring, batch_size=batch_size, dry_run=dry_run)
    for count in counts:
        print(f"  {_sealed_line(count, dry_run)}")
    unreadable = sum(count.unreadable for count in counts)
    if unreadable:
        print(
            f"{unreadable} stored chat ids open with no key on the keyring: they stay as they "
            "are (their clients cannot be answered until retention deletes them)."
        )
        return 1
    if dry_run:
        return 0
    stale = stale_chat_refs(db, keyring)
    if stale:
        print(
            f"{stale} chat ids are still under older keys (written meanwhile by an instance "
            f"whose first key is not {current}?): check COMEHOME_CHAT_KEYS everywhere, run again."
        )
        return 1
    if older:
        print(f"every stored chat id is under {current}: {', '.join(older)} can now be removed.")
    else:
        print(f"every stored chat id is under {current}.")
    return 0


def _sealed_line(count: SealedCount, dry_run: bool) -> str:
    verb = "to re-seal" if dry_run else "re-sealed"
    line = f"{count.column}: {count.resealed} {verb}, {count.current} already current"
    return line + (f", {count.unreadable} unreadable" if count.unreadable else "")


def _print_pepper(report: PepperReport, retention_days: int, dry_run: bool) -> None:
    moved = "to re-key" if dry_run else "re-keyed"
    print(
        f"pepper: conversations {report.moved} {moved}, {report.current} already under the new "
        f"pepper, {report.previous} under the previous pepper"
        + (" (new pseudonym in use)" if report.previous and not dry_run else "")
        + f", {report.unknown} not provable from their chat id"
    )
    print(f"  audit log: {report.staff_entries} entries of listed staff {moved}")
    print(f"  sent messages: {report.sent_messages} remembered message ids {moved}")
    if dry_run:
        print(
            f"dry run: {report.previous} conversations would move now, {report.unknown} would "
            "stay until their clients write again."
        )
        return
    if not report.remaining or report.last_activity is None:
        print("no conversation is left under the previous pepper: COMEHOME_PEPPER_PREVIOUS can go.")
        return
    until = (report.last_activity + timedelta(days=retention_days + 1)).date()
    print(
        f"{report.remaining} conversations may still be under the previous pepper: each moves "
        f"when its client next writes, or retention deletes it after {retention_days} days of "
        f"silence. Keep COMEHOME_PEPPER_PREVIOUS at least until {until.isoformat()} (UTC), then "
        "run `comehome keys rotate --pepper` again: it can go when none are left."
    )


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"a number of rows, at least 1: {text!r}")
    return int(text)


def add_group(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `comehome keys` with its subcommands `new` and `rotate`."""
    keys = sub.add_parser("keys", help="manage secrets", description="Manage secrets.")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    command = keys_sub.add_parser("new", help=new.__doc__, description=new.__doc__)
    command.set_defaults(func=new)
    add_parser(keys_sub)


def add_parser(keys_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `rotate` to the subcommands of `comehome keys`."""
    command = keys_sub.add_parser(
        "rotate",
        help="re-seal chat ids under the current key; --pepper: move to a new pepper",
        description=rotate.__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    command.add_argument(
        "--dry-run", action="store_true", help="count what would change, change nothing"
    )
    command.add_argument(
        "--pepper",
        action="store_true",
        help="also move conversations and audit entries from COMEHOME_PEPPER_PREVIOUS "
        "to COMEHOME_PEPPER, and report how many may remain under the previous pepper",
    )
    command.add_argument(
        "--batch-size",
        type=_positive,
        help="rows per transaction (default: storage.keys.BATCH_SIZE)",
    )
    command.set_defaults(func=rotate)
