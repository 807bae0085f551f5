//! Taking measurements: a form in the order a fitter measures, hard errors at the field,
//! plausibility warnings confirmed with one click, and the history as small charts.

use crate::web::session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use crate::domain::lang::Lang;
use crate::domain::measurement::{Measurement, MeasurementSet, UnitSystem};
use rust_decimal::Decimal;
use crate::store::customers::{self, CustomerRow, NewMeasurementSet};
use crate::store::{Db, StoreError, audit};
use crate::web::auth::{Ctx, StaffPage};
use crate::web::csrf::CsrfForm;
use crate::web::error::AppError;
use crate::web::render;

use super::customer_page::{fmt_time, unit_system};
use super::customers::live_customer;

const UNIT_SYSTEM: &str = "unit_system";

pub struct Field {
    pub code: &'static str,
    pub name: &'static str,
    pub definition: &'static str,
    pub unit: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// A plausibility warning about this value, shown at it too (the list above the form
    /// holds the confirmation).
    pub warning: Option<String>,
    /// After the units switch, what the value was converted from (see [`switched`]).
    pub was: String,
}

pub struct ShownWarning {
    pub id: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "staff/measurements_new.html")]
pub struct MeasurementFormPage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub imperial: bool,
    pub fields: Vec<Field>,
    pub warnings: Vec<ShownWarning>,
    pub fingerprint: String,
    pub self_measured: bool,
    pub form_error: Option<String>,
    /// Filled in from the latest set: says so, and from when.
    pub prefilled: Option<String>,
    /// An empty form for a customer measured before: the date of the set it can start from
    /// (a re-measure of one value saved alone left every other one missing from new orders).
    pub start_from: Option<String>,
}

pub(crate) fn system_name(s: UnitSystem) -> &'static str {
    match s {
        UnitSystem::Imperial => "imperial",
        UnitSystem::Metric => "metric",
    }
}

/// A stored set as a form's fields would hold it typed in `system`'s units, to start a new set
/// from: every value written so that it reads back as itself, with the fewest decimals that do
/// ("84.647", "175.5", "165" lb; inches as they are shown, "69.1").
pub fn typed_values(values: &[(String, i64)], system: UnitSystem) -> Vec<(String, String)> {
    values
        .iter()
        .filter_map(|(code, v)| {
            let m = Measurement::from_code(code)?;
            let (unit, v) = (system.unit_for(m), u32::try_from(*v).ok()?);
            let text = match unit {
                crate::domain::measurement::Unit::Inch => crate::domain::measurement::without_trailing_zeros(unit.format(v)),
                _ => unit.format_shortest(v),
            };
            Some((code.clone(), text))
        })
        .collect()
}

/// The typed values in other units, for the units switch: a value that reads is converted to
/// the precision people write in that unit (149.9 lb, not 149.914; a switch is asked for, and a
/// few grams are nobody's measurement), any other kept as typed (its mistake is said when the
/// form is sent to be saved).
pub(crate) fn typed_in(typed: &[(String, String)], from: UnitSystem, to: UnitSystem) -> Vec<(String, String)> {
    typed
        .iter()
        .map(|(code, text)| {
            let m = Measurement::from_code(code).filter(|_| !text.trim().is_empty());
            // A plain number that reads: converted from what was typed, so that switching back
            // shows it again; anything else (5'11", 180 cm) from the value it stands for.
            let plain = |m: Measurement| -> Option<String> {
                m.parse(text, from).ok()?;
                let typed: Decimal = text.trim().replace(',', ".").parse().ok()?;
                to.unit_for(m).format_switched_typed(typed, from.unit_for(m))
            };
            let converted = m.and_then(|m| plain(m).or_else(|| Some(to.unit_for(m).format_switched(m.parse(text, from).ok().or_else(|| m.read_any_size(text, from))?, from.unit_for(m)))));
            (code.clone(), converted.unwrap_or_else(|| text.clone()))
        })
        .collect()
}

/// The form after the units switch: what was typed, converted, and checked in the new units
/// as Save would check it (nothing is saved): what was wrong is still said at its field, and
/// the warnings shown before the switch are shown after it. (fields, warnings, fingerprint)
///
/// A value switched back unchanged is what was typed: each converted one carries what it was
/// converted from (`was_<code>`, "imperial|74.8|165": typed 165 in pounds, shown as 74.8 kg),
/// where converting it again made 165 lb 164.9 (74.8 kg is that, to the tenth of a kilogram
/// it is shown to), and saving kept the 164.9.
pub(crate) fn switched(typed: &[(String, String)], was: &[(String, String)], from: UnitSystem, to: UnitSystem, lang: Lang) -> (Vec<Field>, Vec<ShownWarning>, String) {
    let mut converted = typed_in(typed, from, to);
    let mut carried: Vec<(String, String)> = vec![];
    for ((code, now), (_, text)) in converted.iter_mut().zip(typed) {
        let before = was.iter().find(|(k, _)| k == code).and_then(|(_, w)| {
            let mut parts = w.splitn(3, '|');
            let (system, shown, typed) = (parts.next()?, parts.next()?, parts.next()?);
            (system == system_name(to) && shown == text.trim()).then(|| typed.to_owned())
        });
        match before {
            Some(typed) => *now = typed,
            None if *now != *text && !text.trim().is_empty() => carried.push((code.clone(), format!("{}|{now}|{}", system_name(from), text.trim()))),
            None => {}
        }
    }
    let mut fields = fields(lang, to, &converted);
    for f in fields.iter_mut() {
        f.was = carried.iter().find(|(k, _)| k == f.code).map(|(_, w)| w.clone()).unwrap_or_default();
    }
    let value = |m: &Measurement| converted.iter().find(|(k, _)| k == m.code()).map_or("", |(_, v)| v.as_str());
    let parsed = MeasurementSet::parse_form(Measurement::ALL.iter().map(|m| (*m, value(m))), to);
    let validation = parsed.set.validate_in(to);
    let refused = mark_errors(&mut fields, &parsed, &validation, lang);
    // As after Save: warnings once nothing is refused.
    let warnings = if refused { vec![] } else { shown_warnings(&validation.warnings, lang, &mut fields) };
    (fields, warnings, fingerprint(&parsed.set))
}

/// What the form's values were refused for, each at its field; whether any was.
pub(crate) fn mark_errors(fields: &mut [Field], parsed: &crate::domain::measurement::ParsedForm, validation: &crate::domain::measurement::Validation, lang: Lang) -> bool {
    let mut refused = false;
    for e in parsed.errors.iter().chain(validation.errors.iter()) {
        if let Some(f) = fields.iter_mut().find(|f| f.code == e.measurement.code()) {
            f.error = Some(e.message(lang));
            refused = true;
        }
    }
    refused
}

/// What each value was converted from by the units switch, as the form sent it back (see
/// [`switched`]).
pub(crate) fn was_typed(pairs: &[(String, String)]) -> Vec<(String, String)> {
    pairs.iter().filter_map(|(k, v)| Some((k.strip_prefix("was_")?.to_owned(), v.clone()))).collect()
}

/// The units the form was asked to switch to (`switch_units`, sent by the units switch with
/// what was typed), if it was.
pub(crate) fn switch_to(asked: &str) -> Option<UnitSystem> {
    matches!(asked, "metric" | "imperial").then(|| unit_system(asked))
}

pub(crate) fn fields(lang: Lang, system: UnitSystem, values: &[(String, String)]) -> Vec<Field> {
    Measurement::ALL
        .iter()
        .map(|m| Field {
            code: m.code(),
            name: m.name(lang),
            definition: m.definition(lang),
            unit: system.unit_for(*m).symbol(),
            value: values.iter().find(|(k, _)| k == m.code()).map(|(_, v)| v.clone()).unwrap_or_default(),
            error: None,
            warning: None,
            was: String::new(),
        })
        .collect()
}

/// The warnings as the form lists them, each also put at the fields of the measurements it
/// concerns.
pub(crate) fn shown_warnings(warnings: &[crate::domain::measurement::Warning], lang: Lang, fields: &mut [Field]) -> Vec<ShownWarning> {
    warnings
        .iter()
        .map(|w| {
            let message = w.message(lang);
            for f in fields.iter_mut().filter(|f| w.measurements.iter().any(|m| m.code() == f.code)) {
                f.warning.get_or_insert_with(|| message.clone());
            }
            ShownWarning { id: w.id(), message }
        })
        .collect()
}

/// What was measured, as one string: a confirmation counts only for the values it was given for.
pub(crate) fn fingerprint(set: &MeasurementSet) -> String {
    set.iter().map(|(m, v)| format!("{}={v}", m.code())).collect::<Vec<_>>().join(";")
}

#[derive(Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    unit: Option<String>,
    /// `latest`: filled in from the latest set.
    #[serde(default)]
    from: String,
}

/// `GET /staff/customers/{id}/measurements/new?unit=metric|imperial[&from=latest]`; the unit
/// choice is kept for the rest of the session. Empty, for a full measurement, with a link to
/// start from the latest set instead (to re-measure a few values and keep the rest).
pub async fn new_measurements_form(
    page: StaffPage,
    session: Session,
    db: web::Data<Db>,
    path: web::Path<i64>,
    query: web::Query<UnitQuery>,
) -> Result<HttpResponse, AppError> {
    let c = live_customer(&db, path.into_inner()).await?;
    let asked = query.unit.as_deref().filter(|u| *u == "metric" || *u == "imperial");
    if let Some(u) = asked {
        let _ = session.insert(UNIT_SYSTEM, u);
    }
    let id = c.id;
    let latest = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, id)?.into_iter().next())).await?;
    // The units asked for; else those the customer was measured in last (inches chosen for
    // one customer opened the next one's form, measured in centimetres, in inches); else the
    // fitter's choice this session.
    let system = match (asked, &latest) {
        (Some(u), _) => unit_system(u),
        (None, Some((s, _))) => unit_system(&s.unit_system),
        (None, None) => unit_system(&session.get::<String>(UNIT_SYSTEM).ok().flatten().unwrap_or_default()),
    };
    let t = page.ctx.t;
    let (typed, prefilled, start_from) = match latest {
        Some((s, values)) if query.from == "latest" => (typed_values(&values, system), Some(t.t1("measurements-prefilled", "date", fmt_time(&s.taken_at))), None),
        Some((s, _)) => (vec![], None, Some(fmt_time(&s.taken_at))),
        None => (vec![], None, None),
    };
    render::ok(&MeasurementFormPage {
        fields: fields(t.lang, system, &typed),
        ctx: page.ctx,
        c,
        imperial: system == UnitSystem::Imperial,
        warnings: vec![],
        fingerprint: String::new(),
        self_measured: false,
        form_error: None,
        prefilled,
        start_from,
    })
}

/// `POST /staff/customers/{id}/measurements`: a new dated set; never an edit of an old one.
pub async fn create_measurements(
    settings: web::Data<crate::config::Settings>,
    page: StaffPage,
    session: Session,
    db: web::Data<Db>,
    path: web::Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let c = live_customer(&db, id).await?;
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str()).unwrap_or("");
    let system = unit_system(get("unit_system"));
    let self_measured = !get("self_measured").is_empty();
    let lang = page.ctx.t.lang;
    let typed: Vec<(String, String)> = Measurement::ALL
        .iter()
        .map(|m| (m.code().to_owned(), get(&format!("m_{}", m.code())).to_owned()))
        .collect();
    if let Some(to) = switch_to(get("switch_units")) {
        let _ = session.insert(UNIT_SYSTEM, system_name(to));
        let (fields, warnings, fingerprint) = switched(&typed, &was_typed(&pairs), system, to, lang);
        return render::ok(&MeasurementFormPage { fields, ctx: page.ctx, c, imperial: to == UnitSystem::Imperial, warnings, fingerprint, self_measured, form_error: None, prefilled: None, start_from: None });
    }
    let parsed = MeasurementSet::parse_form(
        Measurement::ALL.iter().map(|m| (*m, get(&format!("m_{}", m.code())))),
        system,
    );
    let validation = parsed.set.validate_in(system);
    let mut again = MeasurementFormPage {
        fields: fields(lang, system, &typed),
        ctx: page.ctx,
        c,
        imperial: system == UnitSystem::Imperial,
        warnings: vec![],
        fingerprint: fingerprint(&parsed.set),
        self_measured,
        form_error: None,
        prefilled: None,
        start_from: None,
    };
    let mut refused = mark_errors(&mut again.fields, &parsed, &validation, lang);
    if parsed.set.is_empty() && !refused {
        again.form_error = Some(again.ctx.t.t("measurements-empty"));
        refused = true;
    }
    if refused {
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    // Confirmations count only if they were given for exactly these values, here or for the
    // latest set.
    let carried = confirmed_for_latest(&db, id, &parsed.set, &validation).await?;
    let mut confirmed: Vec<&str> = if get("fingerprint") == again.fingerprint {
        pairs.iter().filter(|(k, _)| k == "confirm").map(|(_, v)| v.as_str()).collect()
    } else {
        vec![]
    };
    confirmed.extend(carried.iter().map(String::as_str));
    let unconfirmed = validation.unconfirmed(&confirmed);
    if !unconfirmed.is_empty() {
        again.warnings = shown_warnings(&validation.warnings, lang, &mut again.fields);
        return render::page(StatusCode::UNPROCESSABLE_ENTITY, &again);
    }
    let confirmed_ids: Vec<String> = validation.warnings.iter().map(|w| w.id()).collect();
    let confirmed_json = serde_json::to_string(&confirmed_ids).map_err(|e| AppError::Unexpected(e.into()))?;
    let values: Vec<(String, i64)> = parsed.set.iter().map(|(m, v)| (m.code().to_owned(), i64::from(v))).collect();
    let (staff_id, store_id) = (page.staff.id, page.staff.store_id);
    db.write(move |conn| -> Result<(), StoreError> {
        let (set_id, new) = customers::insert_measurement_set(
            conn,
            &NewMeasurementSet {
                customer_id: id,
                staff_id: Some(staff_id),
                store_id,
                unit_system: system_name(system),
                self_measured,
                confirmed_warnings: &confirmed_json,
                values: &values,
            },
        )?;
        if new {
            let detail = format!("set:{set_id} confirmed:{}", confirmed_ids.join(","));
            audit::record(conn, Some(staff_id), "customer.measured", &format!("customer:{id}"), &detail)?;
        }
        Ok(())
    })
    .await?;
    crate::web::notice::redirect(&format!("/staff/customers/{id}"), &format!("measured-{id}"), settings.secure_cookies())
}

/// The warnings of a new set confirmed already for the customer's latest set, for the same
/// values (see [`crate::domain::measurement::Validation::confirmed_before`]).
pub(crate) async fn confirmed_for_latest(db: &Db, customer_id: i64, set: &MeasurementSet, validation: &crate::domain::measurement::Validation) -> Result<Vec<String>, AppError> {
    if validation.warnings.is_empty() {
        return Ok(vec![]);
    }
    let latest = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, customer_id)?.into_iter().next())).await?;
    Ok(latest.map_or_else(Vec::new, |(s, values)| {
        let confirmed: Vec<String> = serde_json::from_str(&s.confirmed_warnings).unwrap_or_default();
        validation.confirmed_before(set, &values, &confirmed)
    }))
}

pub struct Chart {
    pub name: &'static str,
    pub latest: String,
    pub points: String,
    pub dots: Vec<(i64, i64, String)>,
}

pub struct HistoryRow {
    pub at: String,
    pub values: Vec<String>,
    pub confirmed: String,
    pub self_measured: bool,
}

#[derive(Template)]
#[template(path = "staff/measurements.html")]
pub struct MeasurementHistoryPage {
    pub ctx: Ctx,
    pub c: CustomerRow,
    pub charts: Vec<Chart>,
    pub columns: Vec<&'static str>,
    pub rows: Vec<HistoryRow>,
}

/// `GET /staff/customers/{id}/measurements`: every set, and each measurement over time.
pub async fn measurement_history(page: StaffPage, db: web::Data<Db>, path: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let c = live_customer(&db, id).await?;
    let sets = db.read(move |conn| Ok::<_, StoreError>(customers::measurement_sets(conn, id)?)).await?;
    let lang = page.ctx.t.lang;
    let used: Vec<Measurement> = Measurement::ALL
        .iter()
        .copied()
        .filter(|m| sets.iter().any(|(_, v)| v.iter().any(|(code, _)| code == m.code())))
        .collect();
    let rows = sets
        .iter()
        .map(|(s, values)| HistoryRow {
            at: fmt_time(&s.taken_at),
            values: used
                .iter()
                .map(|m| {
                    values
                        .iter()
                        .find(|(code, _)| code == m.code())
                        .and_then(|(_, v)| u32::try_from(*v).ok())
                        .map(|v| m.format(v, unit_system(&s.unit_system)))
                        .unwrap_or_default()
                })
                .collect(),
            confirmed: serde_json::from_str::<Vec<String>>(&s.confirmed_warnings)
                .unwrap_or_default()
                .iter()
                .map(|id| crate::domain::measurement::Rule::describe_id(id, lang))
                .collect::<Vec<_>>()
                .join(if lang == Lang::ZhCn { "、" } else { ", " }),
            self_measured: s.self_measured,
        })
        .collect();
    let charts = used.iter().map(|m| chart(*m, &sets, lang)).collect();
    render::ok(&MeasurementHistoryPage { ctx: page.ctx, c, charts, columns: used.iter().map(|m| m.name(lang)).collect(), rows })
}

type Sets = [(customers::MeasurementSetRow, Vec<(String, i64)>)];

/// A 240×60 sparkline of one measurement, oldest left, in the unit of the latest set.
fn chart(m: Measurement, sets: &Sets, lang: Lang) -> Chart {
    let mut series: Vec<(chrono::NaiveDateTime, i64, String)> = sets
        .iter()
        .filter_map(|(s, values)| {
            let v = values.iter().find(|(c, _)| c == m.code())?.1;
            let shown = u32::try_from(v).ok().map(|u| m.format(u, unit_system(&s.unit_system))).unwrap_or_default();
            Some((s.taken_at, v, format!("{}: {shown}", fmt_time(&s.taken_at))))
        })
        .collect();
    series.sort_by_key(|p| p.0);
    let (lo, hi) = series.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
    let span = (hi - lo).max(1);
    let n = series.len().max(2) as i64 - 1;
    let dots: Vec<(i64, i64, String)> = series
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let x = if series.len() == 1 { 120 } else { 10 + (i as i64) * 220 / n };
            let y = 50 - (p.1 - lo) * 40 / span;
            (x, y, p.2.clone())
        })
        .collect();
    Chart {
        name: m.name(lang),
        latest: series.last().map(|p| p.2.split(": ").nth(1).unwrap_or_default().to_owned()).unwrap_or_default(),
        points: dots.iter().map(|(x, y, _)| format!("{x},{y}")).collect::<Vec<_>>().join(" "),
        dots,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_units_switch_gives_back_what_was_typed() {
        let typed = |pairs: &[(&str, &str)]| pairs.iter().map(|(c, v)| ((*c).to_owned(), (*v).to_owned())).collect::<Vec<_>>();
        let there = typed_in(&typed(&[("hand_girth", "8.45"), ("stature", "5'11\""), ("body_mass", "160.0"), ("waist_girth", "abc")]), UnitSystem::Imperial, UnitSystem::Metric);
        assert_eq!(there, typed(&[("hand_girth", "21.46"), ("stature", "180.3"), ("body_mass", "72.57"), ("waist_girth", "abc")]));
        let back = typed_in(&there, UnitSystem::Metric, UnitSystem::Imperial);
        assert_eq!(back[0].1, "8.45", "8.45 in read 8.46 in after one switch");
        assert_eq!(back[2].1, "160.0");
    }
}
