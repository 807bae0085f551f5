//! Customer activity per month: the incremental upsert each event makes, and the set-based
//! rebuild from orders and contacts. The SQL is shared by both databases except for how a
//! month is cut from a timestamp and how parameters are numbered.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};

use super::{DbConn, native};
use super::schema::customer_activity as ca;
use crate::domain::profile::{Activity, month_of};

/// `?1`, `?2`… as written; PostgreSQL numbers them `$1`, `$2`….
pub(crate) fn dialect(conn: &DbConn, sql: &str) -> String {
    match conn {
        DbConn::Postgres(_) => sql.replace('?', "$"),
        DbConn::Sqlite(_) => sql.to_owned(),
    }
}

/// The month (`YYYY-MM`) of a timestamp column, as [`month_of`] cuts it.
pub(crate) fn month_sql(conn: &DbConn, column: &str) -> String {
    match conn {
        DbConn::Postgres(_) => format!("to_char({column}, 'YYYY-MM')"),
        // Timestamps are stored as `YYYY-MM-DD HH:MM:SS[.f]` text on SQLite.
        DbConn::Sqlite(_) => format!("substr({column}, 1, 7)"),
    }
}

/// Adds an event's change to the customer's month, creating the month if needed.
pub fn record(conn: &mut DbConn, customer_id: i64, at: NaiveDateTime, d: &Activity) -> QueryResult<()> {
    super::epoch::mark_customer(customer_id);
    if *d == Activity::default() {
        return Ok(());
    }
    native!(conn, |on| Upsert { customer_id, month: month_of(at), d: d.clone() }.execute(on))?;
    Ok(())
}

/// The upsert [`record`] runs, as a statement type of its own: diesel prepares `sql_query`
/// text and its own upserts anew on every call, and this one runs in every order's
/// transaction. A fixed type lets it be prepared once per connection. The placeholders
/// come out as `?` or `$n` as the backend wants them.
#[derive(diesel::query_builder::QueryId)]
struct Upsert {
    customer_id: i64,
    month: String,
    d: Activity,
}

impl<DB> diesel::query_builder::QueryFragment<DB> for Upsert
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<BigInt> + diesel::sql_types::HasSqlType<Text> + diesel::sql_types::HasSqlType<Timestamp>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    Option<NaiveDateTime>: diesel::serialize::ToSql<Nullable<Timestamp>, DB>,
{
    fn walk_ast<'b>(&'b self, out: diesel::query_builder::AstPass<'_, 'b, DB>) -> QueryResult<()> {
        walk_upsert(out, &self.customer_id, &self.month, &self.d, None)
    }
}

/// The upsert of a customer's month, for [`Upsert`] (`VALUES`) or for a statement that adds
/// the month only for the rows of a `WITH` query named `from` (`SELECT … FROM from`).
pub(crate) fn walk_upsert<'b, DB>(
    mut out: diesel::query_builder::AstPass<'_, 'b, DB>,
    customer_id: &'b i64,
    month: &'b String,
    d: &'b Activity,
    from: Option<&str>,
) -> QueryResult<()>
where
    DB: diesel::backend::Backend + diesel::sql_types::HasSqlType<BigInt> + diesel::sql_types::HasSqlType<Text> + diesel::sql_types::HasSqlType<Timestamp>,
    i64: diesel::serialize::ToSql<BigInt, DB>,
    String: diesel::serialize::ToSql<Text, DB>,
    Option<NaiveDateTime>: diesel::serialize::ToSql<Nullable<Timestamp>, DB>,
{
    out.push_sql(
        "INSERT INTO customer_activity (customer_id, month, orders, revenue_minor, cancellations, shipped, feedbacks, \
         rating_sum, complaints, remakes, returns, cost_minor, last_order_at) ",
    );
    out.push_sql(if from.is_some() { "SELECT " } else { "VALUES (" });
    out.push_bind_param::<BigInt, _>(customer_id)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(month)?;
    for v in [&d.orders, &d.revenue_minor, &d.cancellations, &d.shipped, &d.feedbacks, &d.rating_sum, &d.complaints, &d.remakes, &d.returns, &d.cost_minor] {
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(v)?;
    }
    out.push_sql(", ");
    out.push_bind_param::<Nullable<Timestamp>, _>(&d.last_order_at)?;
    match from {
        Some(table) => {
            out.push_sql(" FROM ");
            out.push_sql(table);
        }
        None => out.push_sql(")"),
    }
    out.push_sql(
        " ON CONFLICT (customer_id, month) DO UPDATE SET \
         orders = customer_activity.orders + excluded.orders, \
         revenue_minor = customer_activity.revenue_minor + excluded.revenue_minor, \
         cancellations = customer_activity.cancellations + excluded.cancellations, \
         shipped = customer_activity.shipped + excluded.shipped, \
         feedbacks = customer_activity.feedbacks + excluded.feedbacks, \
         rating_sum = customer_activity.rating_sum + excluded.rating_sum, \
         complaints = customer_activity.complaints + excluded.complaints, \
         remakes = customer_activity.remakes + excluded.remakes, \
         returns = customer_activity.returns + excluded.returns, \
         cost_minor = customer_activity.cost_minor + excluded.cost_minor, \
         last_order_at = CASE WHEN customer_activity.last_order_at IS NULL THEN excluded.last_order_at \
           WHEN excluded.last_order_at IS NULL THEN customer_activity.last_order_at \
           WHEN excluded.last_order_at > customer_activity.last_order_at THEN excluded.last_order_at \
           ELSE customer_activity.last_order_at END",
    );
    Ok(())
}

impl<Conn> RunQueryDsl<Conn> for Upsert {}

/// `SELECT` of the months of customers `?1..=?2`, recomputed from orders and contacts: the
/// same figures [`crate::domain::profile::activity::from_history`] defines.
fn recompute_sql(conn: &DbConn) -> String {
    let (mo, mc) = (month_sql(conn, "o.created_at"), month_sql(conn, "cc.at"));
    format!(
        "SELECT customer_id, month, CAST(SUM(orders) AS BIGINT), CAST(SUM(revenue_minor) AS BIGINT), \
         CAST(SUM(cancellations) AS BIGINT), CAST(SUM(shipped) AS BIGINT), CAST(SUM(feedbacks) AS BIGINT), \
         CAST(SUM(rating_sum) AS BIGINT), CAST(SUM(complaints) AS BIGINT), CAST(SUM(remakes) AS BIGINT), \
         CAST(SUM(returns) AS BIGINT), CAST(SUM(cost_minor) AS BIGINT), MAX(last_order_at) FROM ( \
           SELECT o.customer_id AS customer_id, {mo} AS month, 1 AS orders, \
             CASE WHEN o.status IN ('cancelled', 'rejected') THEN 0 ELSE o.total_minor END AS revenue_minor, \
             CASE WHEN o.status = 'cancelled' THEN 1 ELSE 0 END AS cancellations, \
             CASE WHEN o.status = 'shipped' THEN 1 ELSE 0 END AS shipped, \
             0 AS feedbacks, 0 AS rating_sum, 0 AS complaints, 0 AS remakes, 0 AS returns, 0 AS cost_minor, \
             o.created_at AS last_order_at \
           FROM orders o WHERE o.customer_id BETWEEN ?1 AND ?2 \
         UNION ALL \
           SELECT cc.customer_id, {mc}, 0, 0, 0, 0, \
             CASE WHEN cc.kind = 'feedback' THEN 1 ELSE 0 END, \
             CASE WHEN cc.kind = 'feedback' THEN COALESCE(cc.rating, 0) ELSE 0 END, \
             CASE WHEN cc.kind = 'complaint' THEN 1 ELSE 0 END, \
             CASE WHEN cc.kind = 'complaint' AND cc.remedy = 'remake' THEN 1 ELSE 0 END, \
             CASE WHEN cc.kind = 'complaint' AND cc.remedy = 'return' THEN 1 ELSE 0 END, \
             CASE WHEN cc.kind = 'complaint' AND cc.remedy IS NOT NULL \
               THEN COALESCE((SELECT r.total_minor FROM orders r WHERE r.id = cc.order_id), 0) ELSE 0 END, \
             NULL \
           FROM customer_contacts cc \
           WHERE cc.kind IN ('feedback', 'complaint') AND cc.customer_id BETWEEN ?1 AND ?2 \
         ) x GROUP BY customer_id, month"
    )
}

const COLUMNS: &str = "customer_id, month, orders, revenue_minor, cancellations, shipped, feedbacks, rating_sum, \
    complaints, remakes, returns, cost_minor, last_order_at";

/// Replaces the months of customers `from..=to` with what their history says.
pub fn rebuild_range(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Learned);
    replace_range(conn, from, to)
}

fn replace_range(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<usize> {
    let delete = dialect(conn, "DELETE FROM customer_activity WHERE customer_id BETWEEN ?1 AND ?2");
    native!(conn, |on| diesel::sql_query(delete).bind::<BigInt, _>(from).bind::<BigInt, _>(to).execute(on))?;
    insert_range_into(conn, "customer_activity", from, to)
}

/// Adds the recomputed months of customers `from..=to` (which have none yet).
pub fn insert_range(conn: &mut DbConn, from: i64, to: i64) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Learned);
    insert_range_into(conn, "customer_activity", from, to)
}

fn insert_range_into(conn: &mut DbConn, table: &str, from: i64, to: i64) -> QueryResult<usize> {
    let insert = dialect(conn, &format!("INSERT INTO {table} ({COLUMNS}) {}", recompute_sql(conn)));
    native!(conn, |on| diesel::sql_query(insert).bind::<BigInt, _>(from).bind::<BigInt, _>(to).execute(on))
}

/// A rebuild of every customer's months, inside the caller's transaction: `begin`, then
/// `slice` for consecutive ranges of customer ids, then `finish`. On PostgreSQL the months
/// are computed into a new table without an index, which gets its key at the end and then
/// takes the old table's place (maintaining the key row by row was most of the time); on
/// SQLite, where an index cannot be added to a key afterwards, the table is emptied and
/// refilled in key order.
pub struct Rebuild {
    table: &'static str,
}

impl Rebuild {
    pub fn begin(conn: &mut DbConn) -> QueryResult<Rebuild> {
        match conn {
            DbConn::Postgres(_) => {
                // Twenty-odd statements of a second each: compiling them (JIT) costs more
                // than it saves, and the grouping fits in memory.
                native!(conn, |on| diesel::sql_query("SET LOCAL jit = off").execute(on))?;
                native!(conn, |on| diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(on))?;
                native!(conn, |on| diesel::sql_query("CREATE TABLE customer_activity_next (LIKE customer_activity INCLUDING DEFAULTS)").execute(on))?;
                Ok(Rebuild { table: "customer_activity_next" })
            }
            DbConn::Sqlite(_) => {
                clear(conn)?;
                Ok(Rebuild { table: "customer_activity" })
            }
        }
    }

    pub fn slice(&self, conn: &mut DbConn, from: i64, to: i64) -> QueryResult<usize> {
        insert_range_into(conn, self.table, from, to)
    }

    pub fn finish(self, conn: &mut DbConn) -> QueryResult<()> {
        if let DbConn::Postgres(_) = conn {
            for sql in [
                "ALTER TABLE customer_activity_next ADD CONSTRAINT customer_activity_next_pkey PRIMARY KEY (customer_id, month)",
                "DROP TABLE customer_activity",
                "ALTER TABLE customer_activity_next RENAME TO customer_activity",
                "ALTER INDEX customer_activity_next_pkey RENAME TO customer_activity_pkey",
            ] {
                native!(conn, |on| diesel::sql_query(sql).execute(on))?;
            }
        }
        Ok(())
    }
}

/// After a merge or an erasure moved or removed a customer's history.
pub fn rebuild_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<usize> {
    super::epoch::mark_customer(customer_id);
    replace_range(conn, customer_id, customer_id)
}

pub fn clear(conn: &mut DbConn) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Learned);
    native!(conn, |on| diesel::delete(ca::table).execute(on))
}

/// While a rebuild reads the history, no event may change it unseen: on PostgreSQL the
/// tables the events write are locked against writes (reads go on); SQLite has one writer.
pub fn lock_history(conn: &mut DbConn) -> QueryResult<()> {
    if let DbConn::Postgres(_) = conn {
        native!(conn, |on| diesel::sql_query("LOCK TABLE orders, customer_contacts, customer_activity IN SHARE ROW EXCLUSIVE MODE").execute(on))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = ca)]
pub struct ActivityRow {
    pub customer_id: i64,
    pub month: String,
    pub orders: i64,
    pub revenue_minor: i64,
    pub cancellations: i64,
    pub shipped: i64,
    pub feedbacks: i64,
    pub rating_sum: i64,
    pub complaints: i64,
    pub remakes: i64,
    pub returns: i64,
    pub cost_minor: i64,
    pub last_order_at: Option<NaiveDateTime>,
}

impl ActivityRow {
    pub fn activity(&self) -> Activity {
        Activity {
            orders: self.orders,
            revenue_minor: self.revenue_minor,
            cancellations: self.cancellations,
            shipped: self.shipped,
            feedbacks: self.feedbacks,
            rating_sum: self.rating_sum,
            complaints: self.complaints,
            remakes: self.remakes,
            returns: self.returns,
            cost_minor: self.cost_minor,
            last_order_at: self.last_order_at,
        }
    }
}

/// Every month of every customer, in key order (for comparing and exporting).
pub fn all(conn: &mut DbConn) -> QueryResult<Vec<ActivityRow>> {
    native!(conn, |on| ca::table.order((ca::customer_id.asc(), ca::month.asc())).select(ActivityRow::as_select()).load(on))
}

pub fn of_customer(conn: &mut DbConn, customer_id: i64) -> QueryResult<Vec<ActivityRow>> {
    native!(conn, |on| ca::table.filter(ca::customer_id.eq(customer_id)).order(ca::month.asc()).select(ActivityRow::as_select()).load(on))
}

/// The range of customer ids, for rebuilding in slices.
pub fn customer_id_range(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    use super::schema::customers as c;
    let min: Option<i64> = native!(conn, |on| c::table.select(diesel::dsl::min(c::id)).first(on))?;
    let max: Option<i64> = native!(conn, |on| c::table.select(diesel::dsl::max(c::id)).first(on))?;
    Ok((min.unwrap_or(0), max.unwrap_or(-1)))
}
