//! The Books data set: three organizations whose module tables are generated deterministically
//! and lazily (per organization and module, on first use), and the [`Table`] they live in.
//!
//! Contacts and invoices come from the original fixed-seed sequence, so their values are those
//! every earlier sandbox served; every other field and module comes from per-record generators
//! (see `books_gen`), so any data size gives the same records in the same places.
//! IDs are 18- or 19-digit strings (beyond 2^53, like Zoho's).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value, json};

use super::books_gen;
use super::catalog::{MODULES, Module};
use super::cell::{Cell, Seq, date};

/// One record before it is stored: field names and values in output order.
pub(crate) type Fields = Vec<(&'static str, Cell)>;

/// Cached row orders: (column, descending) → row indices.
type SortCache = HashMap<(usize, bool), Arc<[u32]>>;

/// A module's records: shared column names, one row of cells per record.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) columns: Vec<&'static str>,
    pub(crate) rows: Vec<Box<[Cell]>>,
    by_id: HashMap<u64, u32>,
    /// Cached orders: (column, descending) → row indices.
    sorted: Mutex<SortCache>,
}

impl Table {
    /// A table from records that all have the same fields in the same order (the first
    /// record's names become the columns; the first column is the id).
    pub(crate) fn new(records: Vec<Fields>) -> Table {
        let columns: Vec<&'static str> = records
            .first()
            .map(|fields| fields.iter().map(|(name, _)| *name).collect())
            .unwrap_or_default();
        let mut by_id = HashMap::with_capacity(records.len());
        let rows: Vec<Box<[Cell]>> = records
            .into_iter()
            .enumerate()
            .map(|(index, fields)| {
                debug_assert!(
                    fields
                        .iter()
                        .map(|(name, _)| *name)
                        .eq(columns.iter().copied()),
                    "every record of a table has the same fields"
                );
                if let Some((_, Cell::Id(id))) = fields.first() {
                    by_id.insert(*id, index as u32);
                }
                fields.into_iter().map(|(_, cell)| cell).collect()
            })
            .collect();
        Table {
            columns,
            rows,
            by_id,
            sorted: Mutex::new(HashMap::new()),
        }
    }

    /// The position of a column.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|column| *column == name)
    }

    /// A field of a row.
    pub(crate) fn get(&self, row: usize, name: &str) -> Option<&Cell> {
        self.rows.get(row)?.get(self.column(name)?)
    }

    /// The row of the record with this id.
    pub(crate) fn find(&self, id: &str) -> Option<usize> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: u64 = id.parse().ok()?;
        self.by_id.get(&id).map(|row| *row as usize)
    }

    /// The record's id (the first column).
    pub(crate) fn id(&self, row: usize) -> u64 {
        match self.rows.get(row).and_then(|cells| cells.first()) {
            Some(Cell::Id(id)) => *id,
            _ => 0,
        }
    }

    /// Row indices ordered by `column` (ties by id, ascending), computed once per order.
    pub(crate) fn order(&self, column: usize, descending: bool) -> Arc<[u32]> {
        if let Some(order) = super::state::lock_any(&self.sorted).get(&(column, descending)) {
            return Arc::clone(order);
        }
        let mut order: Vec<u32> = (0..self.rows.len() as u32).collect();
        order.sort_by(|a, b| {
            let (a, b) = (*a as usize, *b as usize);
            let by_value = compare(&self.rows[a][column], &self.rows[b][column]);
            let by_value = if descending {
                by_value.reverse()
            } else {
                by_value
            };
            by_value.then_with(|| self.id(a).cmp(&self.id(b)))
        });
        let order: Arc<[u32]> = order.into();
        super::state::lock_any(&self.sorted).insert((column, descending), Arc::clone(&order));
        order
    }

    /// Appends one record as a JSON object.
    pub(crate) fn write_row(&self, row: usize, out: &mut String) {
        out.push('{');
        if let Some(cells) = self.rows.get(row) {
            for (index, (name, cell)) in self.columns.iter().zip(cells.iter()).enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push('"');
                out.push_str(name);
                out.push_str("\":");
                cell.write_json(out);
            }
        }
        out.push('}');
    }

    /// One record as a JSON map (for detail answers).
    pub(crate) fn row_map(&self, row: usize) -> Map<String, Value> {
        let mut map = Map::new();
        if let Some(cells) = self.rows.get(row) {
            for (name, cell) in self.columns.iter().zip(cells.iter()) {
                map.insert((*name).to_string(), cell.to_value());
            }
        }
        map
    }
}

/// Sort order of two cells: numbers by value, dates and times by instant, text
/// case-insensitively; values that are not of the column's kind (an empty or bad date) first.
fn compare(a: &Cell, b: &Cell) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    fn rank(cell: &Cell) -> (u8, f64) {
        match cell {
            Cell::Date(days) => (1, *days as f64 * 86_400.0),
            Cell::Time(secs, _) => (1, *secs as f64),
            Cell::Money(_) | Cell::MoneyText(_) | Cell::Num(_) | Cell::Int(_) => {
                (1, cell.as_f64().unwrap_or(0.0))
            }
            Cell::Bool(value) => (1, f64::from(u8::from(*value))),
            Cell::Id(id) => (1, *id as f64),
            Cell::Str(_) | Cell::Lit(_) => (0, 0.0),
        }
    }
    let (text_a, text_b) = (
        matches!(a, Cell::Str(_) | Cell::Lit(_)),
        matches!(b, Cell::Str(_) | Cell::Lit(_)),
    );
    if text_a && text_b {
        let (x, y) = (
            a.as_text().unwrap_or_default(),
            b.as_text().unwrap_or_default(),
        );
        return x
            .to_lowercase()
            .cmp(&y.to_lowercase())
            .then_with(|| x.cmp(&y));
    }
    if let (Cell::Id(x), Cell::Id(y)) = (a, b) {
        return x.cmp(y);
    }
    let (ra, rb) = (rank(a), rank(b));
    ra.0.cmp(&rb.0)
        .then_with(|| ra.1.partial_cmp(&rb.1).unwrap_or(Ordering::Equal))
}

/// Knobs of the data set.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DataConfig {
    /// Invoices of the first organization (default 425).
    pub(crate) invoice_count: Option<usize>,
}

/// The organizations, each generating its tables on first use.
#[derive(Debug)]
pub(crate) struct BooksData {
    pub(crate) organizations: Vec<Organization>,
}

impl BooksData {
    /// The data set; cheap: nothing but the three organization summaries is built here.
    pub(crate) fn new(config: DataConfig) -> Self {
        let organizations = ORG_SPECS
            .iter()
            .enumerate()
            .map(|(index, spec)| {
                let invoices = match (index, config.invoice_count) {
                    (0, Some(count)) => count,
                    _ => spec.invoices,
                };
                Organization {
                    id: spec.id.to_string(),
                    summary: summary(spec, index == 0),
                    spec,
                    invoice_count: invoices,
                    core: OnceLock::new(),
                    tables: std::array::from_fn(|_| OnceLock::new()),
                }
            })
            .collect();
        BooksData { organizations }
    }

    /// The organization with this id.
    pub(crate) fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|org| org.id == id)
    }
}

/// The fixed facts of an organization.
#[derive(Debug)]
pub(crate) struct OrgSpec {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) contact_name: &'static str,
    pub(crate) email: &'static str,
    pub(crate) currency_code: &'static str,
    pub(crate) currency_symbol: &'static str,
    pub(crate) currency_id: &'static str,
    pub(crate) time_zone: &'static str,
    pub(crate) contacts: usize,
    pub(crate) invoices: usize,
    /// Size of the other modules: 1 for the first organization, smaller for the second,
    /// 0 for the empty one.
    pub(crate) scale_percent: usize,
    pub(crate) seed: u64,
}

/// The three organizations.
pub(crate) static ORG_SPECS: [OrgSpec; 3] = [
    OrgSpec {
        id: "10234695",
        name: "Zillum Sandbox Inc.",
        contact_name: "John Smith",
        email: "johnsmith@zillum.example",
        currency_code: "USD",
        currency_symbol: "$",
        currency_id: "460000000000097",
        time_zone: "PST",
        contacts: 250,
        invoices: 425,
        scale_percent: 100,
        seed: 1,
    },
    OrgSpec {
        id: "20234696",
        name: "Kestrel Traders GmbH",
        contact_name: "Greta Vogel",
        email: "greta@kestrel.example",
        currency_code: "EUR",
        currency_symbol: "€",
        currency_id: "460000000000131",
        time_zone: "CET",
        contacts: 60,
        invoices: 130,
        scale_percent: 30,
        seed: 2,
    },
    OrgSpec {
        id: "30234697",
        name: "Empty Ledger Pvt Ltd",
        contact_name: "Asha Rao",
        email: "asha@emptyledger.example",
        currency_code: "INR",
        currency_symbol: "₹",
        currency_id: "460000000000165",
        time_zone: "IST",
        contacts: 0,
        invoices: 0,
        scale_percent: 0,
        seed: 3,
    },
];

/// One organization: its summary, and its tables built on first use.
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) summary: Value,
    pub(crate) spec: &'static OrgSpec,
    pub(crate) invoice_count: usize,
    core: OnceLock<Core>,
    tables: [OnceLock<Table>; MODULES.len()],
}

impl std::fmt::Debug for Organization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Organization")
            .field("id", &self.id)
            .field("invoice_count", &self.invoice_count)
            .field("core_built", &self.core.get().is_some())
            .finish_non_exhaustive()
    }
}

impl Organization {
    /// The module's table, generated on first use.
    pub(crate) fn table(&self, module: Module) -> &Table {
        match module {
            Module::Invoices => &self.core().invoices,
            _ => self.tables[module.index()].get_or_init(|| books_gen::build(self, module)),
        }
    }

    /// Contacts and invoices from the original sequence (built together: contacts' amounts
    /// depend on invoices and invoices on contacts).
    pub(crate) fn core(&self) -> &Core {
        self.core.get_or_init(|| build_core(self))
    }

    /// Whether a module's table has been generated yet (for laziness tests).
    #[cfg(test)]
    pub(crate) fn is_built(&self, module: Module) -> bool {
        match module {
            Module::Invoices => self.core.get().is_some(),
            _ => self.tables[module.index()].get().is_some(),
        }
    }

    /// How many records a secondary module has: `base` for the first organization, scaled
    /// for the others.
    pub(crate) fn scaled(&self, base: usize) -> usize {
        base * self.spec.scale_percent / 100
    }

    /// An id of this organization: kind 1 and 2 (contacts, invoices) are the original
    /// 18-digit ids; other kinds (10..=99) give 19 digits.
    pub(crate) fn id_of(&self, kind: u64, serial: usize) -> u64 {
        record_id(self.spec.seed, kind, serial)
    }

    /// A generator for one record of a module.
    pub(crate) fn seq(&self, kind: u64, serial: usize) -> Seq {
        Seq::for_record(self.spec.seed, kind, serial)
    }
}

/// `4600{org}{kind}{serial:012}` as a number.
pub(crate) fn record_id(org_seed: u64, kind: u64, serial: usize) -> u64 {
    let text = format!("4600{org_seed}{kind}{serial:012}");
    text.parse().unwrap_or(0)
}

fn summary(spec: &OrgSpec, is_default: bool) -> Value {
    json!({
        "organization_id": spec.id,
        "name": spec.name,
        "contact_name": spec.contact_name,
        "email": spec.email,
        "is_default_org": is_default,
        "language_code": "en",
        "fiscal_year_start_month": 0,
        "account_created_date": date(BASE_DAY - 400 + spec.seed as i64 * 17),
        "time_zone": spec.time_zone,
        "is_org_active": true,
        "currency_id": spec.currency_id,
        "currency_code": spec.currency_code,
        "currency_symbol": spec.currency_symbol,
        "currency_format": "###,##0.00",
        "price_precision": 2,
        "plan_type": 0,
        "plan_name": "SANDBOX",
        "plan_period": "",
        "tax_group_enabled": true
    })
}

pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Zoë", "Arjun", "Mei", "Lars", "Fatima",
    "Kenji", "Chloé", "Tomás", "Ingrid", "Kwame",
];
pub(crate) const LAST_NAMES: &[&str] = &[
    "Smith",
    "Garcia",
    "Müller",
    "O'Brien",
    "Nakamura",
    "Okafor",
    "Rossi",
    "Novak",
    "Patel",
    "Jensen",
    "Silva",
    "Kowalski",
    "Dubois",
    "Andersson",
];
const COMPANY_SUFFIXES: &[&str] = &["Ltd", "LLC", "& Sons", "Group", "Studio", "Labs", "Co."];
const INVOICE_STATUSES: &[&str] = &["draft", "sent", "paid", "paid", "overdue", "void"];

/// 2024-01-01 as days since the Unix epoch.
pub(crate) const BASE_DAY: i64 = 19_723;
/// The sandbox's "today" for `due_days` and statuses: 2025-01-15.
pub(crate) const TODAY: i64 = BASE_DAY + 380;

/// Seconds of an original-style timestamp (`+0000`).
fn legacy_time(days: i64, seconds_of_day: u64) -> Cell {
    Cell::Time(days * 86_400 + seconds_of_day as i64, 0)
}

/// A contact as the original sequence made it.
#[derive(Debug, Clone)]
pub(crate) struct ContactBase {
    pub(crate) serial: usize,
    pub(crate) id: u64,
    pub(crate) name: Arc<str>,
    pub(crate) company: Arc<str>,
    pub(crate) first: &'static str,
    pub(crate) last: &'static str,
    pub(crate) vendor: bool,
    pub(crate) active: bool,
    pub(crate) email: Arc<str>,
    pub(crate) phone: Arc<str>,
    pub(crate) created: Cell,
    pub(crate) modified: Cell,
}

/// A customer payment derived from paid invoices.
#[derive(Debug, Clone)]
pub(crate) struct PaymentPlan {
    pub(crate) customer: usize,
    /// Rows of the invoices table it pays in full.
    pub(crate) invoices: Vec<u32>,
    pub(crate) day: i64,
}

/// Contacts, invoices and the customer payments of paid invoices.
#[derive(Debug)]
pub(crate) struct Core {
    pub(crate) contacts: Vec<ContactBase>,
    /// Indices (into `contacts`) of customers and of vendors.
    pub(crate) customers: Vec<usize>,
    pub(crate) vendors: Vec<usize>,
    pub(crate) invoices: Table,
    /// Outstanding receivable (cents) per customer contact index.
    pub(crate) receivable: HashMap<usize, i64>,
    pub(crate) payments: Vec<PaymentPlan>,
}

/// Replays the original generator (same draws in the same order), then adds the newer
/// invoice fields from per-record generators.
fn build_core(org: &Organization) -> Core {
    let spec = org.spec;
    let mut seq = Seq(spec.seed.wrapping_mul(0x0123_4567_89AB_CDEF));
    let mut contacts = Vec::with_capacity(spec.contacts);
    let mut customers = Vec::new();
    let mut vendors = Vec::new();
    for serial in 1..=spec.contacts {
        let first = seq.pick(FIRST_NAMES);
        let last = seq.pick(LAST_NAMES);
        let company = format!("{last} {}", seq.pick(COMPANY_SUFFIXES));
        let vendor = seq.below(5) == 0;
        let active = seq.below(10) != 0;
        let created_day = BASE_DAY + (serial as i64) / 2;
        let email_local: String = format!("{first}.{last}{serial}")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let created = legacy_time(created_day, 9 * 3600 + seq.below(8 * 3600));
        let modified = legacy_time(created_day + 30, 9 * 3600 + seq.below(8 * 3600));
        if vendor {
            vendors.push(contacts.len());
        } else {
            customers.push(contacts.len());
        }
        contacts.push(ContactBase {
            serial,
            id: record_id(spec.seed, 1, serial),
            name: format!("{company} ({first} {last})").into(),
            company: company.into(),
            first,
            last,
            vendor,
            active,
            email: format!("{email_local}@example.com").into(),
            phone: format!("+1-555-{:04}", 1000 + serial).into(),
            created,
            modified,
        });
    }

    // The original draws for every invoice, first.
    struct Draw {
        customer: usize,
        status: &'static str,
        total: i64,
        day: i64,
        created: Cell,
        modified: Cell,
    }
    let count = if customers.is_empty() {
        0
    } else {
        org.invoice_count
    };
    let mut draws = Vec::with_capacity(count);
    for serial in 1..=count {
        let customer = customers[seq.index(customers.len())];
        let status = seq.pick(INVOICE_STATUSES);
        let total = 1_000 + seq.below(500_000) as i64;
        let day = BASE_DAY + (serial as i64) * 365 / (count as i64 + 1);
        let created = legacy_time(day, 8 * 3600 + seq.below(10 * 3600));
        let modified = legacy_time(day + 1, 8 * 3600 + seq.below(10 * 3600));
        draws.push(Draw {
            customer,
            status,
            total,
            day,
            created,
            modified,
        });
    }

    // Customer payments: each customer's paid invoices, in order, one or two per payment.
    let mut paid_by_customer: HashMap<usize, Vec<u32>> = HashMap::new();
    for (row, draw) in draws.iter().enumerate() {
        if draw.status == "paid" {
            paid_by_customer
                .entry(draw.customer)
                .or_default()
                .push(row as u32);
        }
    }
    let mut payments = Vec::new();
    let mut paid_on: HashMap<u32, i64> = HashMap::new();
    for customer in &customers {
        let Some(rows) = paid_by_customer.get(customer) else {
            continue;
        };
        let mut rest = rows.as_slice();
        while let Some(first) = rest.first() {
            let mut pick = org.seq(90, *first as usize + 1);
            let take = if rest.len() > 1 && pick.one_in(3) {
                2
            } else {
                1
            };
            let (group, tail) = rest.split_at(take);
            rest = tail;
            let last_day = group
                .iter()
                .map(|row| draws[*row as usize].day)
                .max()
                .unwrap_or(BASE_DAY);
            let day = last_day + pick.range(0, 20);
            for row in group {
                paid_on.insert(*row, day);
            }
            payments.push(PaymentPlan {
                customer: *customer,
                invoices: group.to_vec(),
                day,
            });
        }
    }
    payments.sort_by_key(|plan| (plan.day, plan.invoices.first().copied()));

    let users = org.table(Module::Users);
    let salespeople: Vec<usize> = (0..users.rows.len())
        .filter(|row| {
            users
                .get(*row, "user_role")
                .and_then(Cell::as_text)
                .as_deref()
                != Some("timesheet_staff")
        })
        .collect();
    let mut receivable: HashMap<usize, i64> = HashMap::new();
    let mut records = Vec::with_capacity(count);
    for (index, draw) in draws.into_iter().enumerate() {
        let serial = index + 1;
        let balance = match draw.status {
            "paid" | "void" => 0,
            _ => draw.total,
        };
        if balance > 0 && draw.status != "draft" {
            *receivable.entry(draw.customer).or_insert(0) += balance;
        }
        let contact = &contacts[draw.customer];
        let mut extra = org.seq(2, serial);
        let due_day = draw.day + 30;
        let open = !matches!(draw.status, "paid" | "void" | "draft");
        let due_days = if !open {
            String::new()
        } else if due_day < TODAY {
            format!("Overdue by {} day(s)", TODAY - due_day)
        } else if due_day == TODAY {
            "Due Today".to_string()
        } else {
            format!("Due in {} day(s)", due_day - TODAY)
        };
        let (salesperson_id, salesperson_name) =
            match salespeople.get(extra.index(salespeople.len() + 1)) {
                Some(row) => (
                    users.rows[*row][0].clone(),
                    users.get(*row, "name").cloned().unwrap_or(Cell::Lit("")),
                ),
                None => (Cell::Lit(""), Cell::Lit("")),
            };
        let shipping = if draw.total > 20_000 && extra.one_in(3) {
            extra.range(1, 25) * 100
        } else {
            0
        };
        let adjustment = if draw.total > 20_000 && extra.one_in(5) {
            extra.range(-99, 99)
        } else {
            0
        };
        let expected = if open && extra.one_in(3) {
            Cell::Date(due_day + extra.range(0, 10))
        } else {
            Cell::Lit("")
        };
        let last_payment = match paid_on.get(&(index as u32)) {
            Some(day) => Cell::Date(*day),
            None => Cell::Lit(""),
        };
        let emailed = draw.status != "draft" && !extra.one_in(4);
        let reminders = if draw.status == "overdue" {
            extra.range(0, 3)
        } else {
            0
        };
        records.push(vec![
            ("invoice_id", Cell::Id(record_id(spec.seed, 2, serial))),
            ("invoice_number", Cell::text(format!("INV-{serial:06}"))),
            ("customer_id", Cell::Id(contact.id)),
            ("customer_name", Cell::Str(Arc::clone(&contact.name))),
            ("status", Cell::Lit(draw.status)),
            ("reference_number", reference(&mut extra, "PO")),
            ("date", Cell::Date(draw.day)),
            ("due_date", Cell::Date(due_day)),
            ("due_days", Cell::text(due_days)),
            ("currency_id", Cell::Id(currency_id(spec))),
            ("currency_code", Cell::Lit(spec.currency_code)),
            ("exchange_rate", Cell::Num(1.0)),
            ("total", Cell::Money(draw.total)),
            ("balance", Cell::Money(balance)),
            ("is_emailed", Cell::Bool(emailed)),
            ("reminders_sent", Cell::Int(reminders)),
            ("payment_expected_date", expected),
            ("last_payment_date", last_payment),
            ("salesperson_id", salesperson_id),
            ("salesperson_name", salesperson_name),
            ("shipping_charge", Cell::Money(shipping)),
            ("adjustment", Cell::Money(adjustment)),
            ("write_off_amount", Cell::Money(0)),
            ("created_time", draw.created),
            ("last_modified_time", draw.modified),
        ]);
    }
    Core {
        contacts,
        customers,
        vendors,
        invoices: Table::new(records),
        receivable,
        payments,
    }
}

/// The organization's base currency id as a number.
pub(crate) fn currency_id(spec: &OrgSpec) -> u64 {
    spec.currency_id.parse().unwrap_or(0)
}

/// A reference number like `PO-4821`, or `""` (about a third of the time).
pub(crate) fn reference(seq: &mut Seq, prefix: &str) -> Cell {
    if seq.one_in(3) {
        Cell::Lit("")
    } else {
        Cell::text(format!("{prefix}-{}", seq.range(1000, 9999)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn original_contacts_and_invoices_are_unchanged() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[0];
        let invoices = org.table(Module::Invoices);
        assert_eq!(invoices.rows.len(), 425);
        let contacts = org.table(Module::Contacts);
        assert_eq!(contacts.rows.len(), 250);
        // Values the original generator produced (pinned).
        let mut out = String::new();
        invoices.rows[0][0].write_json(&mut out);
        assert_eq!(out, "\"460012000000000001\"");
        assert_eq!(
            invoices
                .get(0, "invoice_number")
                .and_then(Cell::as_text)
                .as_deref(),
            Some("INV-000001")
        );
        assert_eq!(data.organizations[1].table(Module::Contacts).rows.len(), 60);
        assert_eq!(
            data.organizations[1].table(Module::Invoices).rows.len(),
            130
        );
        assert!(
            data.organizations[2]
                .table(Module::Invoices)
                .rows
                .is_empty()
        );
    }

    #[test]
    fn tables_are_built_lazily_per_module() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[1];
        assert!(!org.is_built(Module::Invoices));
        org.table(Module::Taxes);
        assert!(org.is_built(Module::Taxes));
        assert!(!org.is_built(Module::Invoices));
        assert!(!org.is_built(Module::Bills));
        assert!(!data.organizations[0].is_built(Module::Taxes));
    }

    #[test]
    fn ids_are_long_digit_strings_and_unique() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[0];
        let mut seen = std::collections::HashSet::new();
        for module in MODULES {
            let table = org.table(module);
            for row in 0..table.rows.len() {
                let id = table.id(row);
                let digits = id.to_string().len();
                // The base currency keeps the organization's 15-digit currency id.
                if module != Module::Currencies {
                    assert!((18..=19).contains(&digits), "{module:?} {id}");
                }
                assert!(seen.insert((module, id)), "{module:?} duplicate {id}");
            }
        }
    }
}
#[cfg(test)]
mod size_tests {
    use super::*;

    /// The default sizes docs/sandbox.md documents, per organization.
    #[test]
    fn default_sizes_are_pinned() {
        let data = BooksData::new(DataConfig::default());
        let expected: [(Module, [usize; 3]); 25] = [
            (Module::Contacts, [250, 60, 0]),
            (Module::Invoices, [425, 130, 0]),
            (Module::Bills, [120, 36, 0]),
            (Module::Items, [40, 12, 0]),
            (Module::CustomerPayments, [134, 42, 0]),
            (Module::Expenses, [150, 45, 0]),
            (Module::SalesOrders, [100, 30, 0]),
            (Module::PurchaseOrders, [80, 24, 0]),
            (Module::Estimates, [100, 30, 0]),
            (Module::CreditNotes, [50, 15, 0]),
            (Module::VendorPayments, [53, 14, 0]),
            (Module::VendorCredits, [30, 9, 0]),
            (Module::ChartOfAccounts, [27, 26, 24]),
            (Module::BankAccounts, [3, 2, 0]),
            (Module::BankTransactions, [200, 60, 0]),
            (Module::Journals, [60, 18, 0]),
            (Module::Projects, [20, 6, 0]),
            (Module::TimeEntries, [300, 90, 0]),
            (Module::Users, [8, 3, 1]),
            (Module::Taxes, [5, 5, 5]),
            (Module::Currencies, [6, 6, 6]),
            (Module::RecurringInvoices, [25, 7, 0]),
            (Module::RecurringExpenses, [20, 6, 0]),
            (Module::RecurringBills, [15, 4, 0]),
            (Module::RetainerInvoices, [30, 9, 0]),
        ];
        for (module, counts) in expected {
            let got: Vec<usize> = data
                .organizations
                .iter()
                .map(|org| org.table(module).rows.len())
                .collect();
            assert_eq!(got, counts, "{module:?}");
        }
    }
}
