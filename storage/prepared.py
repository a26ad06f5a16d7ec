"""The statements of every step, run on the driver: compiled once per database kind and set of
parameters, bound and read with the column types' own processors (the very encodings SQLAlchemy's
`execute` uses: JSON text, SQLite's datetime strings), without SQLAlchemy's per-execution work.

psycopg prepares a statement on the server once it has run five times on a connection, so on
PostgreSQL these are prepared statements too; sqlite3 keeps its own cache of prepared statements
per connection, keyed by the SQL text, which these keep the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Form:
    sql: str
    names: tuple[str, ...]  # parameters in the order the driver takes them (qmark), or by name
    positional: bool
    binds: Mapping[str, Processor]
    fixed: dict[str, Any]  # values the statement carries itself
    columns: tuple[str, ...]  # what a row returns
    results: tuple[Processor, ...]


class Prepared:
    """One hot statement (no IN lists); `rows` runs it in the transaction `tx`."""

    def __init__(self, statement: UpdateBase | Select[Any]) -> None:
        self.statement = statement
        self._forms: dict[tuple[str, tuple[str, ...]], _Form] = {}

    def rows(self, tx: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Execute with `params`; the rows it returns (RETURNING or SELECT) by column name."""
        dialect = tx.dialect
        key = (dialect.name, tuple(params))
        form = self._forms.get(key) or self._compile(dialect, key)
        values = {}
        for name in form.names:
            value = params[name] if name in params else form.fixed[name]
            process = form.binds[name]
            values[name] = process(value) if process is not None and value is not None else value
        cursor = tx.connection.cursor()
        try:
            cursor.execute(
                form.sql, tuple(values[n] for n in form.names) if form.positional else values
            )
            if not form.columns:
                return []
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        return [
            {
                column: process(value) if process else value
                for column, process, value in zip(form.columns, form.results, row, strict=True)
            }
            for row in fetched
        ]

    def _compile(self, dialect: Dialect, key: tuple[str, tuple[str, ...]]) -> _Form:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(key[1]))
        positional = bool(compiled.positional)
        names: Sequence[str] = compiled.positiontup or () if positional else tuple(compiled.binds)
        binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        fixed = {name: bind.effective_value for name, bind in compiled.binds.items()}
        exported = list(self.statement.exported_columns)
        form = _Form(
            compiled.string,
            tuple(names),
            positional,
            binds,
            fixed,
            tuple(str(column.key) for column in exported),
            tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in exported
            ),
        )
        self._forms[key] = form
        return form
