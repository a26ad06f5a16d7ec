"""The doors: Telegram, the terminal, the command line. No business rule lives here."""
