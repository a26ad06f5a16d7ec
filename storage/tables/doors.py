"""What the doors keep so that a client can leave or come back: the numbers of the bot's messages
in a chat (for /delete, migration 0004) and the web door's return codes (migration 0007)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    LargeBinary,
    String,
    Table,
)

from storage.privacy import (
    CLIENT_KEY,
    Held,
    Kept,
    Personal,
    Reader,
    Words,
    about,
)
from storage.tables.base import metadata

sent_messages = Table(
    "sent_messages",
    metadata,
    # Which of the bot's messages are in a client's chat, so that /delete can remove them while
    # Telegram still allows it (48 hours). The chat is named by a keyed hash, not its id.
    Column(
        "chat_key",
        String(64),
        primary_key=True,
        info=about(
            Held(
                Words(
                    "Pseudonym des Chats: HMAC-SHA256(Pepper, „chat:“ + Chat-Kennung); der Chat "
                    "einer Person oder ein Staff-Chat",
                    "the chat's pseudonym: HMAC-SHA256(pepper, “chat:” + chat id); a client's chat "
                    "or a staff chat",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "ohne den Pepper keinem Chat zuzuordnen; nicht mit `client_key` verknüpft",
                    "cannot be linked to a chat without the pepper; not linked to `client_key`",
                ),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "message_id",
        BigInteger,
        primary_key=True,
        autoincrement=False,
        info=about(
            Held(
                Words(
                    "Nummer der Nachricht im Chat (nicht ihr Inhalt)",
                    "the message's number in the chat (not its content)",
                ),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym des Chats", "belongs to the chat's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    Column(
        "sent_at",
        DateTime,
        nullable=False,
        index=True,
        info=about(
            Held(
                Words("wann gesendet (UTC)", "when it was sent (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym des Chats", "belongs to the chat's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    info=about(
        Kept(
            Words(
                "welche Nachrichten der Bot in einem Chat geschickt hat, damit /delete sie dort "
                "löschen kann, solange Telegram es erlaubt (48 Stunden)",
                "which messages the bot sent to a chat, so that /delete can remove them there while "
                "Telegram allows it (48 hours)",
            ),
            Words(
                "gelöscht, sobald Telegram das Löschen nicht mehr erlaubt (nach knapp 48 Stunden, "
                "stündlich geprüft), und bei /delete, wenn der Bot die Nachrichten im Chat löscht; die "
                "letzte Bestätigung nach /delete wird gar nicht vermerkt",
                "deleted once Telegram no longer allows deleting (after just under 48 hours, checked "
                "hourly), and on /delete, when the bot deletes the messages in the chat; the last "
                "confirmation after /delete is not recorded at all",
            ),
            (
                "storage.retention:Retention.prune_sent",
                "storage.outbox:Outbox.forget_recent",
                "bot.service.retention:run",
            ),
        )
    ),  # UTC
)

# --- the web door's return codes (migration 0007) ---------------------------------------------
# A code a web client may write down to continue on another device: only its keyed hash is kept,
# with the session token it leads back to sealed like a chat id.

web_return_codes = Table(
    "web_return_codes",
    metadata,
    Column(
        "code_key",
        String(64),
        primary_key=True,
        info=about(
            Held(
                Words(
                    "HMAC-SHA256(Pepper, „return:“ + Code); der Code selbst wird nicht gespeichert",
                    "HMAC-SHA256(pepper, “return:” + code); the code itself is not stored",
                ),
                Personal.PSEUDONYMOUS,
                Words(
                    "nur wer den Code kennt, findet die Zeile",
                    "only someone who knows the code can find the row",
                ),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),  # HMAC-SHA256(pepper, "return:" + code)
    Column(
        "client_key", String(64), nullable=False, index=True, info=about(CLIENT_KEY)
    ),  # the conversation's pseudonym
    Column(
        "token_ref",
        LargeBinary,
        nullable=False,
        info=about(
            Held(
                Words(
                    "das Sitzungs-Token des Browsers, mit AES-256-GCM verschlüsselt (nur für "
                    "einen Code, den die Person verlangt hat: er führt zu diesem Token zurück)",
                    "the browser's session token, encrypted with AES-256-GCM (only for a code "
                    "the client asked for: it leads back to this token)",
                ),
                Personal.SEALED,
                Words(
                    "nur mit dem Chat-Schlüssel lesbar, der außerhalb der Datenbank liegt",
                    "readable only with the chat key, which is kept outside the database",
                ),
                (Reader.BOT,),
            )
        ),
    ),  # the session token, sealed with AES-GCM
    Column(
        "created_at",
        DateTime,
        nullable=False,
        info=about(
            Held(
                Words("wann der Code ausgegeben wurde (UTC)", "when the code was issued (UTC)"),
                Personal.PSEUDONYMOUS,
                Words("gehört zum Pseudonym der Person", "belongs to the client's pseudonym"),
                (Reader.BOT, Reader.DATABASE),
            )
        ),
    ),
    info=about(
        Kept(
            Words(
                "Codes der Web-Tür zum Weitermachen: damit eine Person ihr Gespräch auf einem "
                "anderen Gerät fortsetzen kann, wenn sie es möchte",
                "the web door's codes to continue: so that a client who asks for one can continue "
                "their conversation on another device",
            ),
            Words(
                "gelöscht mit dem Gespräch (Aufbewahrungsfrist wie oben, sofort bei /delete); ein "
                "neuer Code ersetzt den alten",
                "deleted with the conversation (retention as above, at once on /delete); a new code "
                "replaces the earlier one",
            ),
            (
                "storage.return_codes:forget",
                "storage.retention:Retention.purge_silent",
            ),
        )
    ),
)
