//! Erasure leaves no trace: after a customer is erased, a marker unique to them appears
//! nowhere in the database (on SQLite: in the raw bytes of the files, after a checkpoint), nor
//! in the application's logs.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::helpers::*;

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Every row of every table as text, one line per row, tables in name order; `skip` names
/// tables left out (e.g. sessions, which change on every request).
pub fn dump_tables(app: &TestApp, skip: &[&str]) -> Vec<(String, Vec<String>)> {
    let url = &app.settings.database.url;
    let mut out = vec![];
    if url.starts_with("postgres") {
        let mut conn = diesel::PgConnection::establish(url).expect("connect");
        let mut tables: Vec<String> = diesel::sql_query("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
            .load::<Name>(&mut conn)
            .expect("tables")
            .into_iter()
            .map(|n| n.name)
            .collect();
        tables.sort();
        for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
            let rows = diesel::sql_query(format!("SELECT t::text AS line FROM \"{t}\" t ORDER BY 1")).load::<Line>(&mut conn).expect("rows");
            out.push((t, rows.into_iter().map(|l| l.line).collect()));
        }
    } else {
        let path = atelier::config::sqlite_path(url);
        let mut conn = diesel::SqliteConnection::establish(path).expect("open");
        let tables: Vec<String> = diesel::sql_query("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .load::<Name>(&mut conn)
            .expect("tables")
            .into_iter()
            .map(|n| n.name)
            .collect();
        for t in tables.into_iter().filter(|t| !skip.contains(&t.as_str())) {
            let cols: Vec<String> = diesel::sql_query(format!("SELECT name FROM pragma_table_info('{t}')"))
                .load::<Name>(&mut conn)
                .expect("columns")
                .into_iter()
                .map(|n| format!("quote(\"{}\")", n.name))
                .collect();
            let sql = format!("SELECT {} AS line FROM \"{t}\" ORDER BY 1", cols.join(" || '|' || "));
            let rows = diesel::sql_query(sql).load::<Line>(&mut conn).expect("rows");
            out.push((t, rows.into_iter().map(|l| l.line).collect()));
        }
    }
    out
}
