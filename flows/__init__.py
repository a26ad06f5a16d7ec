"""The rooms: the client's conversation as a pure state machine (no Telegram, SQL or files)."""
