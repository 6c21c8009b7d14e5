//! The domain's state enums in and out of SQLite as the words the projections store (the domain knows no SQL).

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::states::{BatchItemState, BatchState, DrawerState, ReceiptStatus};

macro_rules! stored_as_word {
    ($($name:ident),+) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<$name> {
                $name::parse(value.as_str()?).map_err(|e| FromSqlError::Other(e.into()))
            }
        }
    )+};
}

stored_as_word!(DrawerState, BatchState, BatchItemState, ReceiptStatus);
