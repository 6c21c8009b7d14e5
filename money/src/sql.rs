//! `Money` in SQLite: integer cents in and out (feature `sqlite`, which the ledger's crate turns on).

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::Money;

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        match value {
            ValueRef::Integer(cents) => Ok(Money(cents)),
            _ => Err(FromSqlError::InvalidType),
        }
    }
}
