//! Value classes and service segments for every customer, in one set-based statement over
//! the monthly activity: the Pareto rule of [`crate::domain::profile::value_class`] with
//! window functions, the satisfaction rule of [`crate::domain::profile::segment`].

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::{DbConn, native};
use super::activity::dialect;
use super::schema::{classification_runs as run, customer_classes as cl};
use crate::domain::profile::Thresholds;
use crate::domain::profile::segment::LOW_COMPLAINTS;

/// Recomputes every customer's class from the activity since `prev_start` (the trailing 12
/// months start at `start`, the 12 before them at `prev_start`). Returns the customers
/// classified.
pub fn classify_all(conn: &mut DbConn, start: &str, prev_start: &str, t: Thresholds) -> QueryResult<usize> {
    super::epoch::mark(super::epoch::Topic::Learned);
    if let DbConn::Postgres(_) = conn {
        // The window functions sort every customer: in memory rather than in temporary files.
        native!(conn, |on| diesel::sql_query("SET LOCAL work_mem = '64MB'").execute(on))?;
    }
    native!(conn, |on| diesel::delete(cl::table).execute(on))?;
    let (a, b) = (i64::from(t.a_pct), i64::from(t.b_pct));
    let sql = format!(
        "WITH w AS ( \
           SELECT customer_id, \
             CAST(SUM(CASE WHEN month >= ?1 THEN revenue_minor ELSE 0 END) AS BIGINT) AS rev, \
             CAST(SUM(CASE WHEN month >= ?1 THEN cost_minor ELSE 0 END) AS BIGINT) AS cost, \
             CAST(SUM(CASE WHEN month < ?1 THEN revenue_minor ELSE 0 END) AS BIGINT) AS prev, \
             CAST(SUM(CASE WHEN month >= ?1 THEN orders ELSE 0 END) AS BIGINT) AS orders, \
             CAST(SUM(CASE WHEN month >= ?1 THEN cancellations ELSE 0 END) AS BIGINT) AS cancellations, \
             CAST(SUM(CASE WHEN month >= ?1 THEN complaints ELSE 0 END) AS BIGINT) AS complaints, \
             CAST(SUM(CASE WHEN month >= ?1 THEN remakes + returns ELSE 0 END) AS BIGINT) AS remakes, \
             CAST(SUM(CASE WHEN month >= ?1 THEN feedbacks ELSE 0 END) AS BIGINT) AS feedbacks, \
             CAST(SUM(CASE WHEN month >= ?1 THEN rating_sum ELSE 0 END) AS BIGINT) AS rating_sum \
           FROM customer_activity WHERE month >= ?2 GROUP BY customer_id \
         ), r AS ( \
           SELECT w.*, rev - cost AS net, \
             COALESCE(SUM(CASE WHEN rev - cost > 0 THEN rev - cost ELSE 0 END) OVER \
               (ORDER BY rev - cost DESC, customer_id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before, \
             SUM(CASE WHEN rev - cost > 0 THEN rev - cost ELSE 0 END) OVER () AS total \
           FROM w \
         ), c AS ( \
           SELECT r.*, CASE WHEN net <= 0 OR total <= 0 THEN 'D' \
             WHEN before * 100 < {a} * total THEN 'A' \
             WHEN before * 100 < {b} * total THEN 'B' ELSE 'C' END AS value_class \
           FROM r \
         ) \
         INSERT INTO customer_classes (customer_id, revenue_12m_minor, cost_12m_minor, revenue_prev_12m_minor, orders_12m, \
           cancellations_12m, complaints_12m, remakes_12m, feedbacks_12m, rating_sum_12m, value_class, volume, satisfaction) \
         SELECT customer_id, rev, cost, prev, orders, cancellations, complaints, remakes, feedbacks, rating_sum, value_class, \
           CASE value_class WHEN 'A' THEN 'high' WHEN 'B' THEN 'medium' ELSE 'low' END, \
           CASE WHEN complaints >= {LOW_COMPLAINTS} OR (feedbacks > 0 AND rating_sum < 3 * feedbacks) THEN 'low' \
             WHEN complaints = 0 AND feedbacks > 0 AND rating_sum >= 4 * feedbacks THEN 'high' ELSE 'medium' END \
         FROM c"
    );
    let sql = dialect(conn, &sql);
    native!(conn, |on| diesel::sql_query(sql).bind::<Text, _>(start).bind::<Text, _>(prev_start).execute(on))
}

#[derive(QueryableByName)]
struct Tile {
    #[diesel(sql_type = BigInt)]
    tile: i64,
    #[diesel(sql_type = BigInt)]
    net: i64,
}

/// The Pareto curve: for each percentile of customers with a positive net value, ranked,
/// the cumulative share of the total in per mille (101 points from 0 %).
pub fn pareto_curve(conn: &mut DbConn) -> QueryResult<Vec<i64>> {
    let tiles: Vec<Tile> = native!(conn, |on| diesel::sql_query(
        // The percentile each customer's rank falls in, rounded up: with fewer than 100
        // customers NTILE(100) numbered them 1…N as if each were a percentile, which squeezed
        // the curve to the left and under-stated the share of customers holding 80 %.
        "SELECT CAST(tile AS BIGINT) AS tile, CAST(SUM(net) AS BIGINT) AS net FROM ( \
           SELECT net, (rn * 100 + n - 1) / n AS tile FROM ( \
             SELECT revenue_12m_minor - cost_12m_minor AS net, \
               ROW_NUMBER() OVER (ORDER BY revenue_12m_minor - cost_12m_minor DESC, customer_id) AS rn, \
               COUNT(*) OVER () AS n \
             FROM customer_classes WHERE revenue_12m_minor - cost_12m_minor > 0) r) x \
         GROUP BY tile ORDER BY tile",
    )
    .load(on))?;
    let total: i128 = tiles.iter().map(|t| i128::from(t.net)).sum();
    if total <= 0 {
        return Ok(vec![0i64; 101]);
    }
    Ok(curve_of(&tiles.iter().map(|t| (t.tile, t.net)).collect::<Vec<_>>(), total))
}

/// The cumulative share (per mille) at each percentile, from the net value of each percentile
/// that holds customers; with fewer than 100 customers the percentiles between two of them
/// lie on the straight line between their points, as a Lorenz curve is drawn.
fn curve_of(tiles: &[(i64, i64)], total: i128) -> Vec<i64> {
    let mut points = vec![0i64; 101];
    let (mut running, mut last, mut before) = (0i128, 0usize, 0i64);
    for &(tile, net) in tiles {
        running += i128::from(net);
        let at = usize::try_from(tile).unwrap_or(100).clamp(1, 100);
        let value = i64::try_from(running * 1000 / total).unwrap_or(1000);
        for (p, point) in points.iter_mut().enumerate().take(at + 1).skip(last + 1) {
            *point = before + (value - before) * i64::try_from(p - last).unwrap_or(0) / i64::try_from(at - last).unwrap_or(1);
        }
        (last, before) = (at, value);
    }
    for point in points.iter_mut().skip(last + 1) {
        *point = before;
    }
    points
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = cl)]
pub struct ClassRow {
    pub customer_id: i64,
    pub revenue_12m_minor: i64,
    pub cost_12m_minor: i64,
    pub revenue_prev_12m_minor: i64,
    pub orders_12m: i64,
    pub cancellations_12m: i64,
    pub complaints_12m: i64,
    pub remakes_12m: i64,
    pub feedbacks_12m: i64,
    pub rating_sum_12m: i64,
    pub value_class: String,
    pub volume: String,
    pub satisfaction: String,
}

pub fn find(conn: &mut DbConn, customer_id: i64) -> QueryResult<Option<ClassRow>> {
    native!(conn, |on| cl::table.find(customer_id).select(ClassRow::as_select()).first(on)).optional()
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<ClassRow>> {
    native!(conn, |on| cl::table.order(cl::customer_id.asc()).select(ClassRow::as_select()).load(on))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = run)]
pub struct RunRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub customers: i64,
    pub revenue_12m_minor: i64,
    pub curve: String,
    pub a_share: i32,
    pub b_share: i32,
    pub millis: i64,
}

pub fn record_run(conn: &mut DbConn, customers: i64, revenue: i64, curve: &[i64], t: Thresholds, millis: i64) -> QueryResult<()> {
    let curve = serde_json::to_string(curve).unwrap_or_else(|_| "[]".into());
    native!(conn, |on| diesel::insert_into(run::table)
        .values((
            run::at.eq(super::now()),
            run::customers.eq(customers),
            run::revenue_12m_minor.eq(revenue),
            run::curve.eq(curve),
            run::a_share.eq(i32::from(t.a_pct)),
            run::b_share.eq(i32::from(t.b_pct)),
            run::millis.eq(millis),
        ))
        .execute(on))?;
    Ok(())
}

pub fn latest_run(conn: &mut DbConn) -> QueryResult<Option<RunRow>> {
    native!(conn, |on| run::table.order(run::id.desc()).select(RunRow::as_select()).first(on)).optional()
}

pub fn totals(conn: &mut DbConn) -> QueryResult<(i64, i64)> {
    let n: i64 = native!(conn, |on| cl::table.count().get_result(on))?;
    let rev: Option<i64> = native!(conn, |on| diesel::sql_query("SELECT CAST(COALESCE(SUM(revenue_12m_minor), 0) AS BIGINT) AS net, CAST(0 AS BIGINT) AS tile FROM customer_classes")
        .get_result::<Tile>(on))
        .optional()?
        .map(|t| t.net);
    Ok((n, rev.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::curve_of;

    /// Four customers bringing the same: each is a quarter of the customers and of the value,
    /// so 80 % of the value is with 80 % of the customers (NTILE(100) put them at 1–4 %).
    #[test]
    fn a_few_customers_spread_over_the_percentiles() {
        let curve = curve_of(&[(25, 100), (50, 100), (75, 100), (100, 100)], 400);
        assert_eq!((curve[0], curve[10], curve[25], curve[50], curve[100]), (0, 100, 250, 500, 1000));
        assert_eq!(curve.iter().position(|v| *v >= 800), Some(80));
    }

    /// One customer bringing nearly everything among ten: 10 % of the customers hold 91 %.
    #[test]
    fn a_dominant_customer_is_the_first_tenth() {
        let mut tiles = vec![(10, 910)];
        tiles.extend((2..=10).map(|i| (i * 10, 10)));
        let curve = curve_of(&tiles, 1000);
        assert_eq!(curve[10], 910);
        assert_eq!(curve.iter().position(|v| *v >= 800), Some(9));
        assert!(curve.windows(2).all(|w| w[0] <= w[1]), "the curve never falls");
        assert_eq!(curve[100], 1000);
    }

    #[test]
    fn with_more_than_a_hundred_customers_every_percentile_has_its_own() {
        let tiles: Vec<(i64, i64)> = (1..=100).map(|i| (i, 1)).collect();
        let curve = curve_of(&tiles, 100);
        assert!((0..=100).all(|p| curve[p] == i64::try_from(p * 10).unwrap_or(0)));
    }
}
