//! Deterministic seed data for the emulated Books API: organizations, contacts and invoices.
//!
//! Built from a fixed-seed generator, so every sandbox serves byte-identical data. IDs are
//! 18-digit strings (beyond 2^53, like Zoho's: a client that parses them as floats breaks).

use serde_json::{Value, json};

/// The seeded data set.
#[derive(Debug)]
pub(crate) struct BooksData {
    pub(crate) organizations: Vec<Organization>,
}

/// One organization with its records.
#[derive(Debug)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) summary: Value,
    pub(crate) contacts: Vec<Value>,
    pub(crate) invoices: Vec<Value>,
}

impl BooksData {
    /// The organization with this id.
    pub(crate) fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|org| org.id == id)
    }

    /// The fixed data set: three organizations (one of them empty), 310 contacts, 555 invoices.
    pub(crate) fn seeded() -> Self {
        let specs = [
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
                seed: 3,
            },
        ];
        let organizations = specs
            .iter()
            .enumerate()
            .map(|(index, spec)| build_organization(spec, index == 0))
            .collect();
        BooksData { organizations }
    }
}

struct OrgSpec {
    id: &'static str,
    name: &'static str,
    contact_name: &'static str,
    email: &'static str,
    currency_code: &'static str,
    currency_symbol: &'static str,
    currency_id: &'static str,
    time_zone: &'static str,
    contacts: usize,
    invoices: usize,
    seed: u64,
}

const FIRST_NAMES: &[&str] = &[
    "Ava", "Liam", "Noah", "Emma", "Olivia", "Mateo", "Zoë", "Arjun", "Mei", "Lars", "Fatima",
    "Kenji", "Chloé", "Tomás", "Ingrid", "Kwame",
];
const LAST_NAMES: &[&str] = &[
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

/// Small deterministic generator (splitmix64) so the data never depends on a crate's RNG.
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// An 18-digit id: a per-org, per-kind prefix and a serial number.
fn record_id(org_seed: u64, kind: u64, serial: usize) -> String {
    format!("4600{org_seed}{kind}{serial:012}")
}

fn money(cents: u64) -> Value {
    json!((cents as f64) / 100.0)
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

fn timestamp(days: i64, seconds_of_day: u64) -> String {
    let hours = seconds_of_day / 3600;
    let minutes = (seconds_of_day / 60) % 60;
    let seconds = seconds_of_day % 60;
    format!("{}T{hours:02}:{minutes:02}:{seconds:02}+0000", date(days))
}

/// 2024-01-01 as days since the Unix epoch.
const BASE_DAY: i64 = 19_723;

fn build_organization(spec: &OrgSpec, is_default: bool) -> Organization {
    let mut seq = Seq(spec.seed.wrapping_mul(0x0123_4567_89AB_CDEF));
    let summary = json!({
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
    });

    let mut contacts = Vec::with_capacity(spec.contacts);
    // (contact_id, display name) of customers, for invoices.
    let mut customers: Vec<(String, String)> = Vec::new();
    for serial in 1..=spec.contacts {
        let first = seq.pick(FIRST_NAMES);
        let last = seq.pick(LAST_NAMES);
        let company = format!("{last} {}", seq.pick(COMPANY_SUFFIXES));
        let contact_id = record_id(spec.seed, 1, serial);
        let is_vendor = seq.below(5) == 0;
        let active = seq.below(10) != 0;
        let created_day = BASE_DAY + (serial as i64) / 2;
        let email_local: String = format!("{first}.{last}{serial}")
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect();
        let contact_name = format!("{company} ({first} {last})");
        if !is_vendor {
            customers.push((contact_id.clone(), contact_name.clone()));
        }
        contacts.push(json!({
            "contact_id": contact_id,
            "contact_name": contact_name,
            "company_name": company,
            "first_name": first,
            "last_name": last,
            "contact_type": if is_vendor { "vendor" } else { "customer" },
            "status": if active { "active" } else { "inactive" },
            "email": format!("{email_local}@example.com"),
            "phone": format!("+1-555-{:04}", 1000 + serial),
            "currency_code": spec.currency_code,
            "outstanding_receivable_amount": 0.0,
            "created_time": timestamp(created_day, 9 * 3600 + seq.below(8 * 3600)),
            "last_modified_time": timestamp(created_day + 30, 9 * 3600 + seq.below(8 * 3600)),
        }));
    }

    let mut invoices = Vec::with_capacity(spec.invoices);
    let mut receivable: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    if !customers.is_empty() {
        for serial in 1..=spec.invoices {
            let (customer_id, customer_name) =
                customers[seq.below(customers.len() as u64) as usize].clone();
            let status = seq.pick(INVOICE_STATUSES);
            let total_cents = 1_000 + seq.below(500_000);
            let balance_cents = match status {
                "paid" | "void" => 0,
                _ => total_cents,
            };
            if balance_cents > 0 && status != "draft" {
                *receivable.entry(customer_id.clone()).or_insert(0) += balance_cents;
            }
            let day = BASE_DAY + (serial as i64) * 365 / (spec.invoices as i64 + 1);
            invoices.push(json!({
                "invoice_id": record_id(spec.seed, 2, serial),
                "invoice_number": format!("INV-{serial:06}"),
                "customer_id": customer_id,
                "customer_name": customer_name,
                "status": status,
                "date": date(day),
                "due_date": date(day + 30),
                "currency_code": spec.currency_code,
                "total": money(total_cents),
                "balance": money(balance_cents),
                "created_time": timestamp(day, 8 * 3600 + seq.below(10 * 3600)),
                "last_modified_time": timestamp(day + 1, 8 * 3600 + seq.below(10 * 3600)),
            }));
        }
    }
    for contact in &mut contacts {
        let id = contact["contact_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if let Some(cents) = receivable.get(&id) {
            contact["outstanding_receivable_amount"] = money(*cents);
        }
    }

    Organization {
        id: spec.id.to_string(),
        summary,
        contacts,
        invoices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(BASE_DAY), "2024-01-01");
        assert_eq!(date(BASE_DAY + 59), "2024-02-29");
        assert_eq!(date(BASE_DAY + 366), "2025-01-01");
    }

    #[test]
    fn data_is_deterministic_and_ids_are_long_digit_strings() {
        let a = BooksData::seeded();
        let b = BooksData::seeded();
        assert_eq!(a.organizations.len(), 3);
        for (x, y) in a.organizations.iter().zip(&b.organizations) {
            assert_eq!(x.contacts, y.contacts);
            assert_eq!(x.invoices, y.invoices);
        }
        let org = &a.organizations[0];
        assert_eq!(org.contacts.len(), 250);
        assert_eq!(org.invoices.len(), 425);
        let id = org.invoices[0]["invoice_id"].as_str().expect("string id");
        assert_eq!(id.len(), 18);
        assert!(id.chars().all(|c| c.is_ascii_digit()));
        assert!(id.parse::<u64>().expect("digits") > (1u64 << 53));
        let mut ids: Vec<&str> = org
            .contacts
            .iter()
            .map(|c| c["contact_id"].as_str().expect("string id"))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 250);
    }

    #[test]
    fn invoices_point_at_customers_of_their_organization() {
        let data = BooksData::seeded();
        for org in &data.organizations {
            for invoice in &org.invoices {
                let customer = invoice["customer_id"].as_str().expect("string id");
                let contact = org
                    .contacts
                    .iter()
                    .find(|c| c["contact_id"] == customer)
                    .expect("customer exists");
                assert_eq!(contact["contact_type"], "customer");
            }
        }
    }
}
