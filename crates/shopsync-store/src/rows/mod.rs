//! Row types shared by the SQLite and PostgreSQL backends, and their conversion into the store's models.
//!
//! `sqlx::FromRow` reads a row of either database into the same struct, so a row type and its conversion are written
//! once here; what differs between the backends (the SQL, the column lists with PostgreSQL's `ts_text` around its
//! times) stays in `sqlite/` and `postgres/`.

pub(crate) mod catalog;
pub(crate) mod customers;
pub(crate) mod orders;
