"""The cellar: tables, migrations and the transactions that keep each conversation step whole."""
