//! Record generators for every Books module but invoices (see `books_data` for those), and the
//! detail-only fields (line items, addresses, contact persons, applied invoices) generated per
//! record on demand.
//!
//! Each record draws from its own generator (`Organization::seq(kind, serial)`), so records are
//! the same whatever else was generated before. References always point at records of the same
//! organization: customers and vendors are contacts of that type, line items name items, time
//! entries name projects and users, payments name the invoices and bills they pay.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::books_data::{
    BASE_DAY, ContactBase, Fields, Organization, TODAY, Table, currency_id, reference,
};
use super::catalog::Module;
use super::cell::{Cell, Seq};

/// UTC offsets (minutes) timestamps are shown in: +0530, -0800, +0100, +0000, -0500.
const OFFSETS: &[i32] = &[330, -480, 60, 0, -300];

/// Id kinds (the digits after the organization in an id).
mod kind {
    pub(super) const BILL: u64 = 11;
    pub(super) const ITEM: u64 = 12;
    pub(super) const CUSTOMER_PAYMENT: u64 = 13;
    pub(super) const EXPENSE: u64 = 14;
    pub(super) const SALES_ORDER: u64 = 15;
    pub(super) const PURCHASE_ORDER: u64 = 16;
    pub(super) const ESTIMATE: u64 = 17;
    pub(super) const CREDIT_NOTE: u64 = 18;
    pub(super) const VENDOR_PAYMENT: u64 = 19;
    pub(super) const VENDOR_CREDIT: u64 = 20;
    pub(super) const ACCOUNT: u64 = 21;
    pub(super) const BANK_TRANSACTION: u64 = 22;
    pub(super) const JOURNAL: u64 = 23;
    pub(super) const PROJECT: u64 = 24;
    pub(super) const TIME_ENTRY: u64 = 25;
    pub(super) const USER: u64 = 26;
    pub(super) const TAX: u64 = 27;
    pub(super) const CURRENCY: u64 = 28;
    pub(super) const RECURRING_INVOICE: u64 = 29;
    pub(super) const RECURRING_EXPENSE: u64 = 30;
    pub(super) const RECURRING_BILL: u64 = 31;
    pub(super) const RETAINER_INVOICE: u64 = 32;
    pub(super) const CONTACT_PERSON: u64 = 33;
    pub(super) const TASK: u64 = 34;
    pub(super) const ROLE: u64 = 35;
    /// Line items: 50 + the document's kind (mod 50).
    pub(super) const LINE_ITEM_BASE: u64 = 50;
    /// Detail generators draw from kind + 100.
    pub(super) const DETAIL: u64 = 100;
}

/// Builds a module's table (never called for invoices, which come with the core).
pub(crate) fn build(org: &Organization, module: Module) -> Table {
    let records = match module {
        Module::Contacts => contacts(org),
        Module::Invoices => Vec::new(),
        Module::Bills => bills(org),
        Module::Items => items(org),
        Module::CustomerPayments => customer_payments(org),
        Module::Expenses => expenses(org),
        Module::SalesOrders => sales_orders(org),
        Module::PurchaseOrders => purchase_orders(org),
        Module::Estimates => estimates(org),
        Module::CreditNotes => credit_notes(org),
        Module::VendorPayments => vendor_payments(org),
        Module::VendorCredits => vendor_credits(org),
        Module::ChartOfAccounts => chart_of_accounts(org),
        Module::BankAccounts => bank_accounts(org),
        Module::BankTransactions => bank_transactions(org),
        Module::Journals => journals(org),
        Module::Projects => projects(org),
        Module::TimeEntries => time_entries(org),
        Module::Users => users(org),
        Module::Taxes => taxes(org),
        Module::Currencies => currencies(org),
        Module::RecurringInvoices => recurring_invoices(org),
        Module::RecurringExpenses => recurring_expenses(org),
        Module::RecurringBills => recurring_bills(org),
        Module::RetainerInvoices => retainer_invoices(org),
    };
    Table::new(records)
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// (created_time, last_modified_time) around `day`, in one of several UTC offsets.
fn stamps(seq: &mut Seq, day: i64) -> (Cell, Cell) {
    let offset = OFFSETS[seq.index(OFFSETS.len())];
    let created = day * 86_400 + seq.range(7 * 3600, 19 * 3600);
    let modified = created + seq.range(0, 40 * 86_400);
    (Cell::Time(created, offset), Cell::Time(modified, offset))
}

/// The day of record `serial` of `count`, spread from 2024-01-01 to the sandbox's today.
fn spread_day(serial: usize, count: usize) -> i64 {
    BASE_DAY + (serial as i64) * (TODAY - BASE_DAY) / (count as i64 + 1)
}

fn money(seq: &mut Seq, low_units: i64, high_units: i64) -> i64 {
    seq.range(low_units * 100, high_units * 100)
}

fn currency(org: &Organization) -> [(&'static str, Cell); 2] {
    [
        ("currency_id", Cell::Id(currency_id(org.spec))),
        ("currency_code", Cell::Lit(org.spec.currency_code)),
    ]
}

fn party<'a>(org: &'a Organization, seq: &mut Seq, vendors: bool) -> Option<&'a ContactBase> {
    let core = org.core();
    let list = if vendors {
        &core.vendors
    } else {
        &core.customers
    };
    list.get(seq.index(list.len()))
        .and_then(|index| core.contacts.get(*index))
}

fn name_of(contact: Option<&ContactBase>) -> (Cell, Cell) {
    match contact {
        Some(contact) => (Cell::Id(contact.id), Cell::Str(Arc::clone(&contact.name))),
        None => (Cell::Lit(""), Cell::Lit("")),
    }
}

/// Amount cells: a few records (every `every`th, from `first`) send it as a JSON string.
fn amount(cents: i64, serial: usize, every: usize, first: usize) -> Cell {
    if serial % every == first {
        Cell::MoneyText(cents)
    } else {
        Cell::Money(cents)
    }
}

fn due_days(open: bool, due: i64) -> Cell {
    if !open {
        Cell::Lit("")
    } else if due < TODAY {
        Cell::text(format!("Overdue by {} day(s)", TODAY - due))
    } else if due == TODAY {
        Cell::Lit("Due Today")
    } else {
        Cell::text(format!("Due in {} day(s)", due - TODAY))
    }
}

/// A document's common header: ids, party, status, dates, totals.
struct Doc<'a> {
    serial: usize,
    id: u64,
    party: Option<&'a ContactBase>,
    status: &'static str,
    day: i64,
    total: i64,
    seq: Seq,
}

fn documents<'a>(
    org: &'a Organization,
    kind: u64,
    base_count: usize,
    vendors: bool,
    statuses: &[&'static str],
) -> Vec<Doc<'a>> {
    let core = org.core();
    let parties = if vendors {
        &core.vendors
    } else {
        &core.customers
    };
    if parties.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(base_count);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind, serial);
            let party = party(org, &mut seq, vendors);
            let status = statuses[seq.index(statuses.len())];
            let total = money(&mut seq, 20, 6_000);
            Doc {
                serial,
                id: org.id_of(kind, serial),
                party,
                status,
                day: spread_day(serial, count),
                total,
                seq,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Contacts

const PAYMENT_TERMS: &[(i64, &str)] = &[
    (0, "Due on Receipt"),
    (15, "Net 15"),
    (30, "Net 30"),
    (45, "Net 45"),
    (60, "Net 60"),
];

fn contacts(org: &Organization) -> Vec<Fields> {
    let core = org.core();
    let payable = sum_by_party(org.table(Module::Bills), "vendor_id", |table, row| {
        !matches!(text(table, row, "status").as_str(), "draft" | "void")
    });
    let credits = sum_by_party(
        org.table(Module::CreditNotes),
        "customer_id",
        |table, row| text(table, row, "status") == "open",
    );
    core.contacts
        .iter()
        .enumerate()
        .map(|(index, contact)| {
            let mut seq = org.seq(1, contact.serial);
            let (terms, label) = PAYMENT_TERMS[seq.index(PAYMENT_TERMS.len())];
            let mobile = if seq.one_in(3) {
                Cell::Lit("")
            } else {
                Cell::text(format!("+1-555-{:04}", seq.range(2000, 9999)))
            };
            let website = if seq.one_in(2) {
                Cell::Lit("")
            } else {
                let host: String = contact
                    .company
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect::<String>()
                    .to_lowercase();
                Cell::text(format!("https://www.{host}.example"))
            };
            let [currency_id, currency_code] = currency(org);
            vec![
                ("contact_id", Cell::Id(contact.id)),
                ("contact_name", Cell::Str(Arc::clone(&contact.name))),
                ("company_name", Cell::Str(Arc::clone(&contact.company))),
                (
                    "contact_type",
                    Cell::Lit(if contact.vendor { "vendor" } else { "customer" }),
                ),
                (
                    "status",
                    Cell::Lit(if contact.active { "active" } else { "inactive" }),
                ),
                ("first_name", Cell::Lit(contact.first)),
                ("last_name", Cell::Lit(contact.last)),
                ("email", Cell::Str(Arc::clone(&contact.email))),
                ("phone", Cell::Str(Arc::clone(&contact.phone))),
                ("mobile", mobile),
                ("website", website),
                currency_id,
                currency_code,
                ("payment_terms", Cell::Int(terms)),
                ("payment_terms_label", Cell::Lit(label)),
                (
                    "outstanding_receivable_amount",
                    Cell::Money(core.receivable.get(&index).copied().unwrap_or(0)),
                ),
                (
                    "outstanding_payable_amount",
                    Cell::Money(payable.get(&contact.id).copied().unwrap_or(0)),
                ),
                (
                    "unused_credits_receivable_amount",
                    Cell::Money(credits.get(&contact.id).copied().unwrap_or(0)),
                ),
                ("created_time", contact.created.clone()),
                ("last_modified_time", contact.modified.clone()),
            ]
        })
        .collect()
}

fn text(table: &Table, row: usize, field: &str) -> String {
    table
        .get(row, field)
        .and_then(Cell::as_text)
        .map(|text| text.into_owned())
        .unwrap_or_default()
}

fn sum_by_party(
    table: &Table,
    party_field: &str,
    include: impl Fn(&Table, usize) -> bool,
) -> std::collections::HashMap<u64, i64> {
    let mut sums = std::collections::HashMap::new();
    for row in 0..table.rows.len() {
        if !include(table, row) {
            continue;
        }
        if let (Some(Cell::Id(party)), Some(balance)) = (
            table.get(row, party_field),
            table.get(row, "balance").and_then(Cell::as_cents),
        ) {
            *sums.entry(*party).or_insert(0) += balance;
        }
    }
    sums
}

// ---------------------------------------------------------------------------------------------
// Settings-like modules: users, taxes, currencies, accounts, items

const USER_NAMES: &[&str] = &[
    "Priya Nair",
    "Diego Fernández",
    "Hannah Schmidt",
    "Kofi Mensah",
    "Yuki Tanaka",
    "Sofia Conti",
    "Ethan O'Connor",
];

fn users(org: &Organization) -> Vec<Fields> {
    let count = match org.spec.scale_percent {
        0 => 1,
        percent => 1 + 7 * percent / 100,
    };
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::USER, serial);
            let name = if serial == 1 {
                org.spec.contact_name.to_string()
            } else {
                USER_NAMES[(serial - 2) % USER_NAMES.len()].to_string()
            };
            let email = if serial == 1 {
                org.spec.email.to_string()
            } else {
                let local: String = name
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_ascii_alphabetic() || *c == ' ')
                    .collect::<String>()
                    .replace(' ', ".");
                let domain = org.spec.email.split('@').nth(1).unwrap_or("example.com");
                format!("{local}@{domain}")
            };
            let (role, role_kind) = match serial {
                1 => ("admin", 1),
                _ if seq.one_in(4) => ("timesheet_staff", 3),
                _ => ("staff", 2),
            };
            let status = match serial {
                1 => "active",
                _ if seq.one_in(6) => "invited",
                _ if seq.one_in(6) => "inactive",
                _ => "active",
            };
            vec![
                ("user_id", Cell::Id(org.id_of(kind::USER, serial))),
                ("name", Cell::text(name)),
                ("email", Cell::text(email)),
                ("user_role", Cell::Lit(role)),
                ("status", Cell::Lit(status)),
                ("is_current_user", Cell::Bool(serial == 1)),
                ("role_id", Cell::Id(org.id_of(kind::ROLE, role_kind))),
            ]
        })
        .collect()
}

const TAXES: &[(&str, f64, &str)] = &[
    ("Sales Tax", 8.25, "tax"),
    ("City Tax", 2.0, "tax"),
    ("Reduced Rate", 5.0, "tax"),
    ("Luxury Surcharge", 3.0, "compound_tax"),
    ("Combined Tax", 10.25, "tax_group"),
];

fn taxes(org: &Organization) -> Vec<Fields> {
    TAXES
        .iter()
        .enumerate()
        .map(|(index, (name, percent, tax_type))| {
            vec![
                ("tax_id", Cell::Id(org.id_of(kind::TAX, index + 1))),
                ("tax_name", Cell::Lit(name)),
                ("tax_percentage", Cell::Num(*percent)),
                ("tax_type", Cell::Lit(tax_type)),
                ("is_default_tax", Cell::Bool(index == 0)),
                ("is_editable", Cell::Bool(*tax_type != "tax_group")),
            ]
        })
        .collect()
}

const CURRENCIES: &[(&str, &str, &str, f64)] = &[
    ("USD", "US Dollar", "$", 1.0),
    ("EUR", "Euro", "€", 1.09),
    ("GBP", "Pound Sterling", "£", 1.27),
    ("INR", "Indian Rupee", "₹", 0.012),
    ("JPY", "Japanese Yen", "¥", 0.0067),
    ("CAD", "Canadian Dollar", "$", 0.74),
];

fn currencies(org: &Organization) -> Vec<Fields> {
    let base_rate = CURRENCIES
        .iter()
        .find(|c| c.0 == org.spec.currency_code)
        .map_or(1.0, |c| c.3);
    let mut rows = Vec::new();
    let mut others = 0;
    for (code, name, symbol, usd) in CURRENCIES {
        let base = *code == org.spec.currency_code;
        let id = if base {
            currency_id(org.spec)
        } else {
            others += 1;
            org.id_of(kind::CURRENCY, others)
        };
        let rate = if base {
            1.0
        } else {
            ((usd / base_rate) * 1_000_000.0).round() / 1_000_000.0
        };
        let precision = if *code == "JPY" { 0 } else { 2 };
        rows.push(vec![
            ("currency_id", Cell::Id(id)),
            ("currency_code", Cell::Lit(code)),
            ("currency_name", Cell::Lit(name)),
            ("currency_symbol", Cell::Lit(symbol)),
            ("price_precision", Cell::Int(precision)),
            (
                "currency_format",
                Cell::Lit(if precision == 0 {
                    "###,###"
                } else {
                    "###,##0.00"
                }),
            ),
            ("is_base_currency", Cell::Bool(base)),
            ("exchange_rate", Cell::Num(rate)),
            (
                "effective_date",
                if base {
                    Cell::Lit("")
                } else {
                    Cell::Date(TODAY - 3)
                },
            ),
        ]);
    }
    rows
}

/// (name, code, type, user created) of the accounts every organization has.
const ACCOUNTS: &[(&str, &str, &str, bool)] = &[
    ("Petty Cash", "1000", "cash", false),
    ("Undeposited Funds", "1010", "cash", false),
    ("Accounts Receivable", "1200", "accounts_receivable", false),
    ("Inventory Asset", "1300", "stock", false),
    ("Prepaid Expenses", "1400", "other_current_asset", false),
    ("Furniture and Equipment", "1500", "fixed_asset", false),
    ("Accounts Payable", "2000", "accounts_payable", false),
    ("Tax Payable", "2100", "other_current_liability", false),
    ("Long Term Loans", "2500", "long_term_liability", true),
    ("Owner's Equity", "3000", "equity", false),
    ("Retained Earnings", "3100", "equity", false),
    ("Sales", "4000", "income", false),
    ("General Income", "4100", "income", false),
    ("Interest Income", "4200", "other_income", false),
    ("Cost of Goods Sold", "5000", "cost_of_goods_sold", false),
    ("Office Supplies", "6000", "expense", false),
    ("Travel Expense", "6100", "expense", false),
    ("Rent Expense", "6200", "expense", false),
    ("Advertising And Marketing", "6300", "expense", false),
    ("IT and Internet Expenses", "6400", "expense", false),
    ("Meals and Entertainment", "6500", "expense", false),
    ("Bank Fees and Charges", "6600", "expense", false),
    ("Consulting Fees", "6700", "expense", true),
    ("Exchange Gain or Loss", "7000", "other_expense", false),
];

/// A bank or credit-card account of the organization (also in its chart of accounts).
pub(crate) struct BankDef {
    pub(crate) id: u64,
    pub(crate) name: &'static str,
    pub(crate) account_type: &'static str,
    pub(crate) bank: &'static str,
    pub(crate) code: &'static str,
}

fn bank_defs(org: &Organization) -> Vec<BankDef> {
    let defs: &[(&str, &str, &str, &str)] = match org.spec.seed {
        1 => &[
            ("Operating Account", "bank", "First Meridian Bank", "1100"),
            ("Savings Account", "bank", "First Meridian Bank", "1110"),
            (
                "Company Visa",
                "credit_card",
                "Harbor Card Services",
                "2050",
            ),
        ],
        2 => &[
            ("Girokonto", "bank", "Sparkasse Nord", "1100"),
            ("Firmenkarte", "credit_card", "Sparkasse Nord", "2050"),
        ],
        _ => &[],
    };
    defs.iter()
        .enumerate()
        .map(|(index, (name, account_type, bank, code))| BankDef {
            id: org.id_of(kind::ACCOUNT, 100 + index),
            name,
            account_type,
            bank,
            code,
        })
        .collect()
}

/// The chart account with this name: (id, name).
fn account(org: &Organization, name: &'static str) -> (Cell, Cell) {
    match ACCOUNTS.iter().position(|a| a.0 == name) {
        Some(index) => (
            Cell::Id(org.id_of(kind::ACCOUNT, index + 1)),
            Cell::Lit(name),
        ),
        None => (Cell::Lit(""), Cell::Lit("")),
    }
}

const EXPENSE_ACCOUNTS: &[&str] = &[
    "Office Supplies",
    "Travel Expense",
    "Rent Expense",
    "Advertising And Marketing",
    "IT and Internet Expenses",
    "Meals and Entertainment",
    "Bank Fees and Charges",
    "Consulting Fees",
];

fn chart_of_accounts(org: &Organization) -> Vec<Fields> {
    let mut rows: Vec<Fields> = ACCOUNTS
        .iter()
        .enumerate()
        .map(|(index, (name, code, account_type, user))| {
            let mut seq = org.seq(kind::ACCOUNT, index + 1);
            let (_, modified) = stamps(&mut seq, BASE_DAY - 30 + index as i64);
            let balance = if org.spec.scale_percent == 0 {
                0
            } else {
                money(&mut seq, 0, 80_000)
            };
            vec![
                ("account_id", Cell::Id(org.id_of(kind::ACCOUNT, index + 1))),
                ("account_name", Cell::Lit(name)),
                ("account_code", Cell::Lit(code)),
                ("account_type", Cell::Lit(account_type)),
                (
                    "description",
                    if seq.one_in(2) {
                        Cell::Lit("")
                    } else {
                        Cell::text(format!("{name} ledger"))
                    },
                ),
                ("is_active", Cell::Bool(*name != "Long Term Loans")),
                ("is_user_created", Cell::Bool(*user)),
                ("is_system_account", Cell::Bool(!*user)),
                ("current_balance", Cell::Money(balance)),
                ("last_modified_time", modified),
            ]
        })
        .collect();
    for (index, bank) in bank_defs(org).into_iter().enumerate() {
        let mut seq = org.seq(kind::ACCOUNT, 100 + index);
        let (_, modified) = stamps(&mut seq, BASE_DAY - 10);
        rows.push(vec![
            ("account_id", Cell::Id(bank.id)),
            ("account_name", Cell::Lit(bank.name)),
            ("account_code", Cell::Lit(bank.code)),
            ("account_type", Cell::Lit(bank.account_type)),
            ("description", Cell::Lit("")),
            ("is_active", Cell::Bool(true)),
            ("is_user_created", Cell::Bool(true)),
            ("is_system_account", Cell::Bool(false)),
            (
                "current_balance",
                Cell::Money(money(&mut seq, 1_000, 250_000)),
            ),
            ("last_modified_time", modified),
        ]);
    }
    rows
}

fn bank_accounts(org: &Organization) -> Vec<Fields> {
    let transactions = org.table(Module::BankTransactions);
    bank_defs(org)
        .into_iter()
        .enumerate()
        .map(|(index, bank)| {
            let mut seq = org.seq(kind::ACCOUNT, 100 + index);
            seq.next();
            let balance = money(&mut seq, 1_000, 250_000);
            let uncategorized = (0..transactions.rows.len())
                .filter(|row| {
                    transactions.get(*row, "account_id") == Some(&Cell::Id(bank.id))
                        && text(transactions, *row, "status") == "uncategorized"
                })
                .count();
            let [currency_id, currency_code] = currency(org);
            vec![
                ("account_id", Cell::Id(bank.id)),
                ("account_name", Cell::Lit(bank.name)),
                ("account_code", Cell::Lit(bank.code)),
                ("account_type", Cell::Lit(bank.account_type)),
                (
                    "account_number",
                    Cell::text(format!("XXXXXX{:04}", seq.range(1000, 9999))),
                ),
                ("bank_name", Cell::Lit(bank.bank)),
                currency_id,
                currency_code,
                ("balance", Cell::Money(balance)),
                ("bcy_balance", Cell::Money(balance)),
                (
                    "uncategorized_transactions",
                    Cell::Int(uncategorized as i64),
                ),
                ("is_active", Cell::Bool(true)),
                ("is_primary_account", Cell::Bool(index == 0)),
            ]
        })
        .collect()
}

const PRODUCTS: &[(&str, &str, &str)] = &[
    ("Consulting Hour", "Senior consultant, per hour", "hrs"),
    (
        "Implementation Package",
        "Fixed-price implementation",
        "pcs",
    ),
    ("Support Plan", "Monthly support plan", "month"),
    ("Laptop Stand", "Aluminium laptop stand", "pcs"),
    ("USB-C Hub", "7-in-1 USB-C hub", "pcs"),
    ("Ergonomic Chair", "Mesh office chair", "pcs"),
    ("Standing Desk", "Electric standing desk", "pcs"),
    ("Training Day", "On-site training, per day", "day"),
    ("Cloud Storage 1 TB", "Yearly cloud storage", "year"),
    ("Printer Paper", "A4 paper, 500 sheets", "box"),
    ("Café Voucher", "Voucher for the café crème bar", "pcs"),
    ("Design Review", "UX design review session", "hrs"),
];

fn items(org: &Organization) -> Vec<Fields> {
    if org.spec.scale_percent == 0 {
        return Vec::new();
    }
    let count = org.scaled(40);
    let taxes = org.table(Module::Taxes);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::ITEM, serial);
            let (product, description, unit) = PRODUCTS[(serial - 1) % PRODUCTS.len()];
            let edition = (serial - 1) / PRODUCTS.len();
            let name = if edition == 0 {
                product.to_string()
            } else {
                format!("{product} Mk {}", edition + 1)
            };
            let service = matches!(unit, "hrs" | "month" | "day" | "year");
            let item_type = if service {
                ["sales", "sales_and_purchases"][seq.index(2)]
            } else {
                ["sales_and_purchases", "inventory", "purchases"][seq.index(3)]
            };
            let rate = money(&mut seq, 5, 2_500);
            let taxable = !seq.one_in(4);
            let tax_row = seq.index(taxes.rows.len().max(1));
            let (tax_id, tax_name, tax_percentage) = if taxable && !taxes.rows.is_empty() {
                (
                    taxes.rows[tax_row][0].clone(),
                    taxes
                        .get(tax_row, "tax_name")
                        .cloned()
                        .unwrap_or(Cell::Lit("")),
                    taxes
                        .get(tax_row, "tax_percentage")
                        .cloned()
                        .unwrap_or(Cell::Num(0.0)),
                )
            } else {
                (Cell::Lit(""), Cell::Lit(""), Cell::Num(0.0))
            };
            let (account_id, account_name) = account(org, "Sales");
            let (created, modified) = stamps(&mut seq, BASE_DAY - 60 + serial as i64);
            vec![
                ("item_id", Cell::Id(org.id_of(kind::ITEM, serial))),
                ("name", Cell::text(name)),
                (
                    "status",
                    Cell::Lit(if seq.one_in(8) { "inactive" } else { "active" }),
                ),
                ("description", Cell::Lit(description)),
                ("rate", amount(rate, serial, 17, 5)),
                ("unit", Cell::Lit(unit)),
                ("sku", Cell::text(format!("SKU-{serial:04}"))),
                ("item_type", Cell::Lit(item_type)),
                (
                    "product_type",
                    Cell::Lit(if service { "service" } else { "goods" }),
                ),
                ("is_taxable", Cell::Bool(taxable)),
                ("tax_id", tax_id),
                ("tax_name", tax_name),
                ("tax_percentage", tax_percentage),
                ("purchase_rate", Cell::Money(rate * 6 / 10)),
                (
                    "purchase_description",
                    if item_type == "sales" {
                        Cell::Lit("")
                    } else {
                        Cell::text(format!("{description} (purchase)"))
                    },
                ),
                ("account_id", account_id),
                ("account_name", account_name),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Sales and purchase documents

fn bills(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::BILL,
        120,
        true,
        &[
            "draft",
            "open",
            "open",
            "paid",
            "paid",
            "partially_paid",
            "void",
        ],
    )
    .into_iter()
    .map(|mut doc| {
        let due = doc.day + 30;
        let status = if doc.status == "open" && due < TODAY {
            "overdue"
        } else {
            doc.status
        };
        let balance = match status {
            "paid" | "void" => 0,
            "partially_paid" => doc.total / 2,
            _ => doc.total,
        };
        let (vendor_id, vendor_name) = name_of(doc.party);
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        // One bill carries an unparseable due date (Zoho's data is not always clean).
        let (due_date, due_text) = if doc.serial == 13 {
            (Cell::Lit("not-a-date"), Cell::Lit(""))
        } else {
            (
                Cell::Date(due),
                due_days(!matches!(status, "paid" | "void" | "draft"), due),
            )
        };
        let [currency_id, currency_code] = currency(org);
        vec![
            ("bill_id", Cell::Id(doc.id)),
            ("bill_number", Cell::text(format!("BL-{:05}", doc.serial))),
            ("vendor_id", vendor_id),
            ("vendor_name", vendor_name),
            ("status", Cell::Lit(status)),
            ("reference_number", reference(&mut doc.seq, "REF")),
            ("date", Cell::Date(doc.day)),
            ("due_date", due_date),
            ("due_days", due_text),
            currency_id,
            currency_code,
            ("total", amount(doc.total, doc.serial, 40, 7)),
            ("balance", Cell::Money(balance)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn sales_orders(org: &Organization) -> Vec<Fields> {
    let users = org.table(Module::Users);
    documents(
        org,
        kind::SALES_ORDER,
        100,
        false,
        &[
            "draft",
            "open",
            "open",
            "invoiced",
            "partially_invoiced",
            "void",
        ],
    )
    .into_iter()
    .map(|mut doc| {
        let status = if doc.status == "open" && doc.day + 45 < TODAY && doc.seq.one_in(2) {
            "overdue"
        } else {
            doc.status
        };
        let (customer_id, customer_name) = name_of(doc.party);
        let (salesperson_id, salesperson_name) = if users.rows.is_empty() || doc.seq.one_in(4) {
            (Cell::Lit(""), Cell::Lit(""))
        } else {
            let row = doc.seq.index(users.rows.len());
            (
                users.rows[row][0].clone(),
                users.get(row, "name").cloned().unwrap_or(Cell::Lit("")),
            )
        };
        let shipment = if doc.seq.one_in(5) {
            Cell::Lit("")
        } else {
            Cell::Date(doc.day + doc.seq.range(3, 30))
        };
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("salesorder_id", Cell::Id(doc.id)),
            (
                "salesorder_number",
                Cell::text(format!("SO-{:05}", doc.serial)),
            ),
            ("customer_id", customer_id),
            ("customer_name", customer_name),
            ("status", Cell::Lit(status)),
            ("reference_number", reference(&mut doc.seq, "PO")),
            ("date", Cell::Date(doc.day)),
            ("shipment_date", shipment),
            currency_id,
            currency_code,
            ("total", Cell::Money(doc.total)),
            ("salesperson_id", salesperson_id),
            ("salesperson_name", salesperson_name),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn purchase_orders(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::PURCHASE_ORDER,
        80,
        true,
        &["draft", "open", "open", "billed", "billed", "cancelled"],
    )
    .into_iter()
    .map(|mut doc| {
        let (vendor_id, vendor_name) = name_of(doc.party);
        let delivery = Cell::Date(doc.day + doc.seq.range(5, 40));
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("purchaseorder_id", Cell::Id(doc.id)),
            (
                "purchaseorder_number",
                Cell::text(format!("PO-{:05}", doc.serial)),
            ),
            ("vendor_id", vendor_id),
            ("vendor_name", vendor_name),
            ("status", Cell::Lit(doc.status)),
            ("reference_number", reference(&mut doc.seq, "REQ")),
            ("date", Cell::Date(doc.day)),
            ("delivery_date", delivery),
            currency_id,
            currency_code,
            ("total", Cell::Money(doc.total)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn estimates(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::ESTIMATE,
        100,
        false,
        &["draft", "sent", "sent", "invoiced", "accepted", "declined"],
    )
    .into_iter()
    .map(|mut doc| {
        let expiry = doc.day + 30;
        let status = if doc.status == "sent" && expiry < TODAY {
            "expired"
        } else {
            doc.status
        };
        let (customer_id, customer_name) = name_of(doc.party);
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("estimate_id", Cell::Id(doc.id)),
            (
                "estimate_number",
                Cell::text(format!("EST-{:05}", doc.serial)),
            ),
            ("customer_id", customer_id),
            ("customer_name", customer_name),
            ("status", Cell::Lit(status)),
            ("reference_number", reference(&mut doc.seq, "RFQ")),
            ("date", Cell::Date(doc.day)),
            ("expiry_date", Cell::Date(expiry)),
            currency_id,
            currency_code,
            ("total", Cell::Money(doc.total)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn credit_notes(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::CREDIT_NOTE,
        50,
        false,
        &["open", "open", "closed", "void", "draft"],
    )
    .into_iter()
    .map(|mut doc| {
        let total = doc.total / 5;
        let balance = match doc.status {
            "open" => total,
            _ => 0,
        };
        let (customer_id, customer_name) = name_of(doc.party);
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("creditnote_id", Cell::Id(doc.id)),
            (
                "creditnote_number",
                Cell::text(format!("CN-{:05}", doc.serial)),
            ),
            ("customer_id", customer_id),
            ("customer_name", customer_name),
            ("status", Cell::Lit(doc.status)),
            ("reference_number", reference(&mut doc.seq, "INV")),
            ("date", Cell::Date(doc.day)),
            currency_id,
            currency_code,
            ("total", Cell::Money(total)),
            ("balance", Cell::Money(balance)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn vendor_credits(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::VENDOR_CREDIT,
        30,
        true,
        &["open", "open", "closed", "void", "draft"],
    )
    .into_iter()
    .map(|mut doc| {
        let total = doc.total / 5;
        let balance = if doc.status == "open" { total } else { 0 };
        let (vendor_id, vendor_name) = name_of(doc.party);
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("vendor_credit_id", Cell::Id(doc.id)),
            (
                "vendor_credit_number",
                Cell::text(format!("DN-{:05}", doc.serial)),
            ),
            ("vendor_id", vendor_id),
            ("vendor_name", vendor_name),
            ("status", Cell::Lit(doc.status)),
            ("reference_number", reference(&mut doc.seq, "BL")),
            ("date", Cell::Date(doc.day)),
            currency_id,
            currency_code,
            ("total", Cell::Money(total)),
            ("balance", Cell::Money(balance)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

fn retainer_invoices(org: &Organization) -> Vec<Fields> {
    documents(
        org,
        kind::RETAINER_INVOICE,
        30,
        false,
        &["draft", "sent", "paid", "paid", "partially_paid", "void"],
    )
    .into_iter()
    .map(|mut doc| {
        let total = doc.total / 2;
        let balance = match doc.status {
            "paid" | "void" => 0,
            "partially_paid" => total / 3,
            _ => total,
        };
        let (customer_id, customer_name) = name_of(doc.party);
        let (created, modified) = stamps(&mut doc.seq, doc.day);
        let [currency_id, currency_code] = currency(org);
        vec![
            ("retainerinvoice_id", Cell::Id(doc.id)),
            (
                "retainerinvoice_number",
                Cell::text(format!("RET-{:05}", doc.serial)),
            ),
            ("customer_id", customer_id),
            ("customer_name", customer_name),
            ("status", Cell::Lit(doc.status)),
            ("reference_number", reference(&mut doc.seq, "PO")),
            ("date", Cell::Date(doc.day)),
            currency_id,
            currency_code,
            ("total", Cell::Money(total)),
            ("balance", Cell::Money(balance)),
            ("created_time", created),
            ("last_modified_time", modified),
        ]
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Payments, expenses, banking, journals

const PAYMENT_MODES: &[&str] = &["Cash", "Check", "Bank Transfer", "Credit Card", "Others"];

fn customer_payments(org: &Organization) -> Vec<Fields> {
    let core = org.core();
    let invoices = &core.invoices;
    core.payments
        .iter()
        .enumerate()
        .map(|(index, plan)| {
            let serial = index + 1;
            let mut seq = org.seq(kind::CUSTOMER_PAYMENT, serial);
            let applied: i64 = plan
                .invoices
                .iter()
                .filter_map(|row| {
                    invoices
                        .get(*row as usize, "total")
                        .and_then(Cell::as_cents)
                })
                .sum();
            let unused = if seq.one_in(8) {
                money(&mut seq, 1, 200)
            } else {
                0
            };
            let contact = core.contacts.get(plan.customer);
            let (customer_id, customer_name) = name_of(contact);
            let (created, modified) = stamps(&mut seq, plan.day);
            let mode = PAYMENT_MODES[seq.index(PAYMENT_MODES.len())];
            let description = if seq.one_in(2) {
                Cell::Lit("")
            } else {
                Cell::text(format!("Payment for {} invoice(s)", plan.invoices.len()))
            };
            let [currency_id, currency_code] = currency(org);
            vec![
                (
                    "payment_id",
                    Cell::Id(org.id_of(kind::CUSTOMER_PAYMENT, serial)),
                ),
                ("payment_number", Cell::text(format!("{serial}"))),
                ("customer_id", customer_id),
                ("customer_name", customer_name),
                ("payment_mode", Cell::Lit(mode)),
                ("date", Cell::Date(plan.day)),
                ("reference_number", reference(&mut seq, "TXN")),
                ("description", description),
                ("amount", amount(applied + unused, serial, 31, 4)),
                ("bcy_amount", Cell::Money(applied + unused)),
                ("unused_amount", Cell::Money(unused)),
                currency_id,
                currency_code,
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

fn vendor_payments(org: &Organization) -> Vec<Fields> {
    let bills = org.table(Module::Bills);
    let order = bills.column("date").map(|date| bills.order(date, false));
    let mut rows = Vec::new();
    for row in order.iter().flat_map(|order| order.iter()) {
        let row = *row as usize;
        let status = text(bills, row, "status");
        let (Some(total), Some(balance)) = (
            bills.get(row, "total").and_then(Cell::as_cents),
            bills.get(row, "balance").and_then(Cell::as_cents),
        ) else {
            continue;
        };
        if !matches!(status.as_str(), "paid" | "partially_paid") {
            continue;
        }
        let serial = rows.len() + 1;
        let mut seq = org.seq(kind::VENDOR_PAYMENT, serial);
        let day = bills
            .get(row, "date")
            .and_then(Cell::as_date)
            .unwrap_or(BASE_DAY)
            + seq.range(1, 25);
        let (created, modified) = stamps(&mut seq, day);
        let [currency_id, currency_code] = currency(org);
        let number = text(bills, row, "bill_number");
        rows.push(vec![
            (
                "payment_id",
                Cell::Id(org.id_of(kind::VENDOR_PAYMENT, serial)),
            ),
            ("payment_number", Cell::text(format!("{serial}"))),
            (
                "vendor_id",
                bills
                    .get(row, "vendor_id")
                    .cloned()
                    .unwrap_or(Cell::Lit("")),
            ),
            (
                "vendor_name",
                bills
                    .get(row, "vendor_name")
                    .cloned()
                    .unwrap_or(Cell::Lit("")),
            ),
            (
                "payment_mode",
                Cell::Lit(PAYMENT_MODES[seq.index(PAYMENT_MODES.len())]),
            ),
            ("date", Cell::Date(day)),
            ("reference_number", reference(&mut seq, "CHK")),
            ("description", Cell::text(format!("Payment of {number}"))),
            ("amount", Cell::Money(total - balance)),
            ("balance", Cell::Money(0)),
            currency_id,
            currency_code,
            ("created_time", created),
            ("last_modified_time", modified),
        ]);
    }
    rows
}

const EXPENSE_NOTES: &[&str] = &[
    "Team lunch",
    "Taxi to the airport",
    "Office rent",
    "Ad campaign",
    "Software subscription",
    "Printer toner",
    "Conference fee",
    "Bank charges",
];

fn paid_through(org: &Organization, seq: &mut Seq) -> (Cell, Cell) {
    let banks = bank_defs(org);
    match banks.get(seq.index(banks.len() + 1)) {
        Some(bank) => (Cell::Id(bank.id), Cell::Lit(bank.name)),
        None => account(org, "Petty Cash"),
    }
}

fn expenses(org: &Organization) -> Vec<Fields> {
    if org.spec.scale_percent == 0 {
        return Vec::new();
    }
    let count = org.scaled(150);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::EXPENSE, serial);
            let day = spread_day(serial, count);
            let (account_id, account_name) =
                account(org, EXPENSE_ACCOUNTS[seq.index(EXPENSE_ACCOUNTS.len())]);
            let (through_id, through_name) = paid_through(org, &mut seq);
            let vendor = if seq.one_in(3) {
                None
            } else {
                party(org, &mut seq, true)
            };
            let (vendor_id, vendor_name) = name_of(vendor);
            let billable = seq.one_in(3);
            let customer = if billable {
                party(org, &mut seq, false)
            } else {
                None
            };
            let (customer_id, customer_name) = name_of(customer);
            let status = if billable {
                ["unbilled", "invoiced", "reimbursed"][seq.index(3)]
            } else {
                "non-billable"
            };
            let total = money(&mut seq, 5, 3_000);
            let (created, modified) = stamps(&mut seq, day);
            // One expense carries an unparseable date.
            let date = if serial == 17 {
                Cell::Lit("not-a-date")
            } else {
                Cell::Date(day)
            };
            let [currency_id, currency_code] = currency(org);
            vec![
                ("expense_id", Cell::Id(org.id_of(kind::EXPENSE, serial))),
                ("date", date),
                ("account_id", account_id),
                ("account_name", account_name),
                ("paid_through_account_id", through_id),
                ("paid_through_account_name", through_name),
                ("vendor_id", vendor_id),
                ("vendor_name", vendor_name),
                (
                    "description",
                    Cell::Lit(EXPENSE_NOTES[seq.index(EXPENSE_NOTES.len())]),
                ),
                currency_id,
                currency_code,
                ("total", amount(total, serial, 37, 5)),
                ("bcy_total", Cell::Money(total)),
                ("is_billable", Cell::Bool(billable)),
                ("reference_number", reference(&mut seq, "RCPT")),
                ("customer_id", customer_id),
                ("customer_name", customer_name),
                ("status", Cell::Lit(status)),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

fn bank_transactions(org: &Organization) -> Vec<Fields> {
    let banks = bank_defs(org);
    if banks.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(200);
    const TYPES: &[(&str, bool)] = &[
        ("deposit", true),
        ("customer_payment", true),
        ("customer_payment", true),
        ("expense", false),
        ("vendor_payment", false),
        ("transfer_fund", false),
        ("card_payment", false),
        ("interest_income", true),
        ("owner_contribution", true),
        ("refund", true),
    ];
    const STATUSES: &[&str] = &[
        "categorized",
        "categorized",
        "uncategorized",
        "manually_added",
        "matched",
        "excluded",
    ];
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::BANK_TRANSACTION, serial);
            let bank = &banks[seq.index(banks.len())];
            let (transaction_type, money_in) = TYPES[seq.index(TYPES.len())];
            let status = STATUSES[seq.index(STATUSES.len())];
            let contact = match transaction_type {
                "customer_payment" => party(org, &mut seq, false),
                "vendor_payment" | "expense" => party(org, &mut seq, true),
                _ => None,
            };
            let customer_id = match (transaction_type, contact) {
                ("customer_payment", Some(contact)) => Cell::Id(contact.id),
                _ => Cell::Lit(""),
            };
            let payee = contact.map_or(Cell::Lit(""), |c| Cell::Str(Arc::clone(&c.name)));
            let [currency_id, currency_code] = currency(org);
            vec![
                (
                    "transaction_id",
                    Cell::Id(org.id_of(kind::BANK_TRANSACTION, serial)),
                ),
                ("date", Cell::Date(spread_day(serial, count))),
                ("amount", Cell::Money(money(&mut seq, 10, 9_000))),
                ("transaction_type", Cell::Lit(transaction_type)),
                ("status", Cell::Lit(status)),
                (
                    "source",
                    Cell::Lit(if status == "manually_added" {
                        "manual"
                    } else {
                        "statement"
                    }),
                ),
                ("account_id", Cell::Id(bank.id)),
                ("account_name", Cell::Lit(bank.name)),
                ("customer_id", customer_id),
                ("payee", payee),
                (
                    "description",
                    Cell::text(format!("{} {serial}", transaction_type.replace('_', " "))),
                ),
                ("reference_number", reference(&mut seq, "BT")),
                currency_id,
                currency_code,
                (
                    "debit_or_credit",
                    Cell::Lit(if money_in { "debit" } else { "credit" }),
                ),
            ]
        })
        .collect()
}

fn journals(org: &Organization) -> Vec<Fields> {
    let count = org.scaled(60);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::JOURNAL, serial);
            let day = spread_day(serial, count);
            let total = money(&mut seq, 50, 20_000);
            let (created, modified) = stamps(&mut seq, day);
            let [currency_id, currency_code] = currency(org);
            vec![
                ("journal_id", Cell::Id(org.id_of(kind::JOURNAL, serial))),
                ("journal_date", Cell::Date(day)),
                ("entry_number", Cell::text(format!("JE-{serial:05}"))),
                ("reference_number", reference(&mut seq, "ADJ")),
                (
                    "notes",
                    Cell::Lit(["Depreciation", "Accrual", "Reclassification", ""][seq.index(4)]),
                ),
                currency_id,
                currency_code,
                ("total", Cell::Money(total)),
                ("bcy_total", Cell::Money(total)),
                (
                    "status",
                    Cell::Lit(if seq.one_in(5) { "draft" } else { "published" }),
                ),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Projects and time

const PROJECT_NAMES: &[&str] = &[
    "Website Relaunch",
    "ERP Migration",
    "Brand Refresh",
    "Data Warehouse",
    "Mobile App",
    "Security Audit",
    "Onboarding Portal",
    "Café Fit-out",
];
const TASKS: &[&str] = &["Analysis", "Design", "Development", "Testing", "Meetings"];
const BILLING_TYPES: &[&str] = &[
    "fixed_cost_for_project",
    "based_on_project_hours",
    "based_on_staff_hours",
    "based_on_task_hours",
];

fn projects(org: &Organization) -> Vec<Fields> {
    if org.core().customers.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(20);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::PROJECT, serial);
            let base = PROJECT_NAMES[(serial - 1) % PROJECT_NAMES.len()];
            let round = (serial - 1) / PROJECT_NAMES.len();
            let name = if round == 0 {
                base.to_string()
            } else {
                format!("{base} {}", round + 1)
            };
            let (customer_id, customer_name) = name_of(party(org, &mut seq, false));
            let (created, _) = stamps(&mut seq, spread_day(serial, count));
            vec![
                ("project_id", Cell::Id(org.id_of(kind::PROJECT, serial))),
                ("project_name", Cell::text(name)),
                ("customer_id", customer_id),
                ("customer_name", customer_name),
                (
                    "description",
                    Cell::Lit(if seq.one_in(2) {
                        ""
                    } else {
                        "Fixed scope engagement"
                    }),
                ),
                (
                    "status",
                    Cell::Lit(if seq.one_in(4) { "inactive" } else { "active" }),
                ),
                (
                    "billing_type",
                    Cell::Lit(BILLING_TYPES[seq.index(BILLING_TYPES.len())]),
                ),
                ("rate", Cell::Money(money(&mut seq, 50, 250))),
                ("created_time", created),
            ]
        })
        .collect()
}

fn time_entries(org: &Organization) -> Vec<Fields> {
    let projects = org.table(Module::Projects);
    let users = org.table(Module::Users);
    if projects.rows.is_empty() || users.rows.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(300);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::TIME_ENTRY, serial);
            let project = seq.index(projects.rows.len());
            let user = seq.index(users.rows.len());
            let task = seq.index(TASKS.len());
            let project_serial = (projects.id(project) % 1_000_000_000_000) as usize;
            let day = spread_day(serial, count);
            let billable = !seq.one_in(4);
            let billed = if billable && day < TODAY - 60 && !seq.one_in(3) {
                "invoiced"
            } else {
                "unbilled"
            };
            let minutes = seq.range(1, 32) * 15;
            let (created, _) = stamps(&mut seq, day);
            let get = |table: &Table, row: usize, field: &str| {
                table.get(row, field).cloned().unwrap_or(Cell::Lit(""))
            };
            vec![
                (
                    "time_entry_id",
                    Cell::Id(org.id_of(kind::TIME_ENTRY, serial)),
                ),
                ("project_id", projects.rows[project][0].clone()),
                ("project_name", get(projects, project, "project_name")),
                (
                    "task_id",
                    Cell::Id(org.id_of(kind::TASK, project_serial * 10 + task + 1)),
                ),
                ("task_name", Cell::Lit(TASKS[task])),
                ("user_id", users.rows[user][0].clone()),
                ("user_name", get(users, user, "name")),
                ("log_date", Cell::Date(day)),
                (
                    "log_time",
                    Cell::text(format!("{:02}:{:02}", minutes / 60, minutes % 60)),
                ),
                ("is_billable", Cell::Bool(billable)),
                ("billed_status", Cell::Lit(billed)),
                ("customer_id", get(projects, project, "customer_id")),
                ("customer_name", get(projects, project, "customer_name")),
                (
                    "notes",
                    Cell::Lit(["", "Call with client", "Sprint work", "Review"][seq.index(4)]),
                ),
                ("created_time", created),
            ]
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Recurring profiles

const FREQUENCIES: &[&str] = &["weeks", "months", "months", "years"];

/// Start, end, last and next dates of a profile: (start, end or "", last, next or "", status).
fn schedule(seq: &mut Seq, serial: usize, count: usize) -> (i64, Cell, Cell, Cell, &'static str) {
    let start = spread_day(serial, count) - 30;
    let status = ["active", "active", "active", "stopped", "expired"][seq.index(5)];
    let end = match status {
        "expired" => Cell::Date(TODAY - seq.range(1, 60)),
        _ if seq.one_in(2) => Cell::Date(TODAY + seq.range(30, 400)),
        _ => Cell::Lit(""),
    };
    let last = if start < TODAY {
        Cell::Date((TODAY - seq.range(1, 28)).max(start))
    } else {
        Cell::Lit("")
    };
    let next = if status == "active" {
        Cell::Date(TODAY + seq.range(1, 28))
    } else {
        Cell::Lit("")
    };
    (start, end, last, next, status)
}

fn recurring_invoices(org: &Organization) -> Vec<Fields> {
    if org.core().customers.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(25);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::RECURRING_INVOICE, serial);
            let contact = party(org, &mut seq, false);
            let (customer_id, customer_name) = name_of(contact);
            let (start, end, last, next, status) = schedule(&mut seq, serial, count);
            let (created, modified) = stamps(&mut seq, start);
            let [currency_id, currency_code] = currency(org);
            let frequency = FREQUENCIES[seq.index(FREQUENCIES.len())];
            vec![
                (
                    "recurring_invoice_id",
                    Cell::Id(org.id_of(kind::RECURRING_INVOICE, serial)),
                ),
                (
                    "recurrence_name",
                    Cell::text(format!("Retainer {serial:03} ({frequency})")),
                ),
                ("status", Cell::Lit(status)),
                ("customer_id", customer_id),
                ("customer_name", customer_name),
                ("start_date", Cell::Date(start)),
                ("end_date", end),
                ("last_sent_date", last),
                ("next_invoice_date", next),
                ("recurrence_frequency", Cell::Lit(frequency)),
                ("repeat_every", Cell::Int(seq.range(1, 3))),
                currency_id,
                currency_code,
                ("total", Cell::Money(money(&mut seq, 100, 5_000))),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

fn recurring_expenses(org: &Organization) -> Vec<Fields> {
    if org.spec.scale_percent == 0 {
        return Vec::new();
    }
    let count = org.scaled(20);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::RECURRING_EXPENSE, serial);
            let account_name = EXPENSE_ACCOUNTS[seq.index(EXPENSE_ACCOUNTS.len())];
            let (account_id, account_cell) = account(org, account_name);
            let (_, _, last, next, status) = schedule(&mut seq, serial, count);
            let billable = seq.one_in(3);
            let (customer_id, customer_name) = name_of(if billable {
                party(org, &mut seq, false)
            } else {
                None
            });
            let (created, modified) = stamps(&mut seq, spread_day(serial, count) - 30);
            let [currency_id, currency_code] = currency(org);
            vec![
                (
                    "recurring_expense_id",
                    Cell::Id(org.id_of(kind::RECURRING_EXPENSE, serial)),
                ),
                (
                    "recurrence_name",
                    Cell::text(format!("{account_name} {serial:03}")),
                ),
                ("status", Cell::Lit(status)),
                (
                    "recurrence_frequency",
                    Cell::Lit(FREQUENCIES[seq.index(FREQUENCIES.len())]),
                ),
                ("repeat_every", Cell::Int(seq.range(1, 3))),
                ("last_created_date", last),
                ("next_expense_date", next),
                ("account_id", account_id),
                ("account_name", account_cell),
                (
                    "description",
                    Cell::Lit(EXPENSE_NOTES[seq.index(EXPENSE_NOTES.len())]),
                ),
                currency_id,
                currency_code,
                ("total", Cell::Money(money(&mut seq, 10, 2_000))),
                ("is_billable", Cell::Bool(billable)),
                ("customer_id", customer_id),
                ("customer_name", customer_name),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

fn recurring_bills(org: &Organization) -> Vec<Fields> {
    if org.core().vendors.is_empty() {
        return Vec::new();
    }
    let count = org.scaled(15);
    (1..=count)
        .map(|serial| {
            let mut seq = org.seq(kind::RECURRING_BILL, serial);
            let (vendor_id, vendor_name) = name_of(party(org, &mut seq, true));
            let (start, end, last, next, status) = schedule(&mut seq, serial, count);
            let (created, modified) = stamps(&mut seq, start);
            let [currency_id, currency_code] = currency(org);
            vec![
                (
                    "recurring_bill_id",
                    Cell::Id(org.id_of(kind::RECURRING_BILL, serial)),
                ),
                (
                    "recurrence_name",
                    Cell::text(format!("Supplier plan {serial:03}")),
                ),
                ("status", Cell::Lit(status)),
                ("vendor_id", vendor_id),
                ("vendor_name", vendor_name),
                ("start_date", Cell::Date(start)),
                ("end_date", end),
                ("last_sent_date", last),
                ("next_bill_date", next),
                (
                    "recurrence_frequency",
                    Cell::Lit(FREQUENCIES[seq.index(FREQUENCIES.len())]),
                ),
                ("repeat_every", Cell::Int(seq.range(1, 3))),
                currency_id,
                currency_code,
                ("total", Cell::Money(money(&mut seq, 50, 4_000))),
                ("created_time", created),
                ("last_modified_time", modified),
            ]
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Detail objects

/// The detail object of a record: the list fields plus the detail-only ones.
pub(crate) fn detail(org: &Organization, module: Module, row: usize) -> Map<String, Value> {
    let table = org.table(module);
    let mut map = table.row_map(row);
    let serial = (table.id(row) % 1_000_000_000_000) as usize;
    let code = match module {
        Module::Contacts => 1,
        Module::Invoices => 2,
        Module::Bills => kind::BILL,
        Module::Items => kind::ITEM,
        Module::CustomerPayments => kind::CUSTOMER_PAYMENT,
        Module::SalesOrders => kind::SALES_ORDER,
        Module::PurchaseOrders => kind::PURCHASE_ORDER,
        Module::Estimates => kind::ESTIMATE,
        Module::CreditNotes => kind::CREDIT_NOTE,
        _ => 0,
    };
    let mut seq = org.seq(kind::DETAIL + code, serial);
    let name = table
        .get(row, "customer_name")
        .or_else(|| table.get(row, "vendor_name"))
        .or_else(|| table.get(row, "contact_name"))
        .and_then(Cell::as_text)
        .map(|text| text.into_owned())
        .unwrap_or_default();
    match module {
        Module::Contacts => {
            map.insert(
                "notes".into(),
                json!(if seq.one_in(2) { "" } else { "Prefers email." }),
            );
            map.insert("billing_address".into(), address(org, &mut seq, &name));
            map.insert("shipping_address".into(), address(org, &mut seq, &name));
            map.insert("custom_fields".into(), custom_fields(&mut seq));
            map.insert(
                "contact_persons".into(),
                Value::Array(contact_persons(org, row)),
            );
            map.insert(
                "credit_limit".into(),
                Cell::Money(money(&mut seq, 0, 50) * 100).to_value(),
            );
        }
        Module::Invoices
        | Module::Bills
        | Module::SalesOrders
        | Module::PurchaseOrders
        | Module::Estimates
        | Module::CreditNotes => {
            let cents = |field: &str| table.get(row, field).and_then(Cell::as_cents).unwrap_or(0);
            let total = cents("total");
            let (shipping, adjustment) = (cents("shipping_charge"), cents("adjustment"));
            let discount = if module == Module::Invoices && total > 50_000 && seq.one_in(4) {
                seq.range(100, 2_000)
            } else {
                0
            };
            let purchase = matches!(module, Module::Bills | Module::PurchaseOrders);
            let lines = line_items(
                org,
                &mut seq,
                kind::LINE_ITEM_BASE + code % 50,
                serial,
                total - shipping - adjustment + discount,
                purchase,
            );
            map.insert("sub_total".into(), Cell::Money(lines.sub_total).to_value());
            map.insert("tax_total".into(), Cell::Money(lines.tax_total).to_value());
            if module == Module::Invoices {
                map.insert("discount".into(), Cell::Money(discount).to_value());
            }
            map.insert(
                "notes".into(),
                json!(if seq.one_in(2) {
                    ""
                } else {
                    "Thank you for your business."
                }),
            );
            if module != Module::CreditNotes {
                map.insert(
                    "terms".into(),
                    json!(if seq.one_in(3) { "" } else { "Net 30" }),
                );
            }
            if module == Module::Invoices {
                map.insert("billing_address".into(), address(org, &mut seq, &name));
                map.insert("shipping_address".into(), address(org, &mut seq, &name));
            }
            if matches!(module, Module::Invoices | Module::Bills) {
                map.insert("custom_fields".into(), custom_fields(&mut seq));
            }
            map.insert("line_items".into(), Value::Array(lines.items));
        }
        Module::Items => {
            let purchase = text(table, row, "item_type") != "sales";
            let (id, name) = if purchase {
                account(org, "Cost of Goods Sold")
            } else {
                (Cell::Lit(""), Cell::Lit(""))
            };
            map.insert("purchase_account_id".into(), id.to_value());
            map.insert("purchase_account_name".into(), name.to_value());
            map.insert("custom_fields".into(), custom_fields(&mut seq));
            let inventory = if text(table, row, "item_type") == "inventory" {
                account(org, "Inventory Asset").0
            } else {
                Cell::Lit("")
            };
            map.insert("inventory_account_id".into(), inventory.to_value());
        }
        Module::CustomerPayments => {
            let core = org.core();
            let invoices = &core.invoices;
            let applied: Vec<Value> = core
                .payments
                .get(row)
                .map(|plan| plan.invoices.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|invoice| {
                    let invoice = *invoice as usize;
                    let total = invoices
                        .get(invoice, "total")
                        .cloned()
                        .unwrap_or(Cell::Money(0));
                    let value = |field: &str| {
                        invoices
                            .get(invoice, field)
                            .map_or(Value::Null, Cell::to_value)
                    };
                    json!({
                        "invoice_id": value("invoice_id"),
                        "invoice_number": value("invoice_number"),
                        "date": value("date"),
                        "invoice_amount": Cell::Money(total.as_cents().unwrap_or(0)).to_value(),
                        "amount_applied": Cell::Money(total.as_cents().unwrap_or(0)).to_value(),
                        "balance_amount": value("balance"),
                    })
                })
                .collect();
            map.insert("invoices".into(), Value::Array(applied));
            map.insert("exchange_rate".into(), json!(1.0));
            map.insert("bank_charges".into(), json!(0.0));
        }
        _ => {}
    }
    map
}

/// The contact persons of the contact in `row` of the contacts table (1 to 3; the first is
/// the contact's own person and primary).
pub(crate) fn contact_persons(org: &Organization, row: usize) -> Vec<Value> {
    let contacts = org.table(Module::Contacts);
    let serial = (contacts.id(row) % 1_000_000_000_000) as usize;
    let mut seq = org.seq(kind::CONTACT_PERSON, serial);
    let count = 1 + seq.index(3);
    let field = |name: &str| text(contacts, row, name);
    (0..count)
        .map(|index| {
            let (first, last, email) = if index == 0 {
                (field("first_name"), field("last_name"), field("email"))
            } else {
                let first = seq.pick(super::books_data::FIRST_NAMES).to_string();
                let last = seq.pick(super::books_data::LAST_NAMES).to_string();
                let local: String = format!("{first}.{last}")
                    .to_lowercase()
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
                    .collect();
                (first, last, format!("{local}{serial}@example.com"))
            };
            json!({
                "contact_person_id": Cell::Id(org.id_of(kind::CONTACT_PERSON, serial * 4 + index)).to_value(),
                "salutation": (["Mr.", "Ms.", "Dr.", ""][seq.index(4)]),
                "first_name": first,
                "last_name": last,
                "email": email,
                "phone": if index == 0 { field("phone") } else { format!("+1-555-{:04}", seq.range(2000, 9999)) },
                "mobile": if seq.one_in(2) { String::new() } else { format!("+1-555-{:04}", seq.range(2000, 9999)) },
                "designation": (["Owner", "Accountant", "Purchasing", ""][seq.index(4)]),
                "department": (["Finance", "Operations", "Sales", ""][seq.index(4)]),
                "is_primary_contact": index == 0,
            })
        })
        .collect()
}

fn address(org: &Organization, seq: &mut Seq, attention: &str) -> Value {
    let (cities, country): (&[(&str, &str, &str)], &str) = match org.spec.seed {
        2 => (
            &[
                ("Hamburg", "HH", "20095"),
                ("München", "BY", "80331"),
                ("Köln", "NW", "50667"),
            ],
            "Germany",
        ),
        3 => (
            &[("Bengaluru", "KA", "560001"), ("Pune", "MH", "411001")],
            "India",
        ),
        _ => (
            &[
                ("San Francisco", "CA", "94105"),
                ("Austin", "TX", "73301"),
                ("Portland", "OR", "97201"),
            ],
            "U.S.A",
        ),
    };
    let (city, state, zip) = cities[seq.index(cities.len())];
    let street = ["Main Street", "Harbor Road", "Elm Avenue", "Market Square"][seq.index(4)];
    json!({
        "attention": attention,
        "address": format!("{} {street}", seq.range(1, 999)),
        "city": city,
        "state": state,
        "zip": zip,
        "country": country,
    })
}

fn custom_fields(seq: &mut Seq) -> Value {
    json!([
        { "label": "Region", "value": (["North", "South", "East", "West"][seq.index(4)]) },
        { "label": "Account Manager", "value": (["", "Priya Nair", "Kofi Mensah"][seq.index(3)]) },
    ])
}

struct Lines {
    items: Vec<Value>,
    sub_total: i64,
    tax_total: i64,
}

/// 1 to 5 line items whose totals plus tax make `amount` (cents): `sub_total` is the sum of
/// the item totals, `tax_total` the rest (the tax percentage of the sub total, to the cent).
fn line_items(
    org: &Organization,
    seq: &mut Seq,
    line_kind: u64,
    serial: usize,
    amount: i64,
    purchase: bool,
) -> Lines {
    let items = org.table(Module::Items);
    let taxes = org.table(Module::Taxes);
    let tax_row = if seq.one_in(3) || taxes.rows.is_empty() {
        None
    } else {
        Some(seq.index(taxes.rows.len().min(4)))
    };
    let percent = tax_row
        .and_then(|row| taxes.get(row, "tax_percentage"))
        .and_then(Cell::as_f64)
        .unwrap_or(0.0);
    let amount = amount.max(1);
    let sub_total = ((amount as f64) / (1.0 + percent / 100.0)).round() as i64;
    let tax_total = amount - sub_total;
    let count = (1 + seq.index(5)).min(sub_total.max(1) as usize);
    let mut left = sub_total;
    let (account_id, account_name) = if purchase {
        account(org, "Cost of Goods Sold")
    } else {
        account(org, "Sales")
    };
    let tax = |field: &str| {
        tax_row
            .and_then(|row| taxes.get(row, field))
            .map_or(json!(""), Cell::to_value)
    };
    let lines = (0..count)
        .map(|index| {
            let part = if index + 1 == count {
                left
            } else {
                let share = left / (count - index) as i64;
                (share / 2 + seq.range(0, share)).clamp(1, left - (count - index - 1) as i64)
            };
            left -= part;
            let quantity = seq.range(1, 4);
            let (quantity, rate) = if part % quantity == 0 {
                (quantity, part / quantity)
            } else {
                (1, part)
            };
            let item = (!items.rows.is_empty()).then(|| seq.index(items.rows.len()));
            let field = |name: &str| {
                item.and_then(|row| items.get(row, name))
                    .map_or(json!(""), Cell::to_value)
            };
            json!({
                "line_item_id": Cell::Id(org.id_of(line_kind, serial * 10 + index)).to_value(),
                "item_id": field("item_id"),
                "name": field("name"),
                "description": field("description"),
                "item_order": index + 1,
                "quantity": quantity as f64,
                "unit": field("unit"),
                "rate": Cell::Money(rate).to_value(),
                "discount": 0.0,
                "tax_id": tax("tax_id"),
                "tax_name": tax("tax_name"),
                "tax_percentage": percent,
                "item_total": Cell::Money(part).to_value(),
                "account_id": account_id.to_value(),
                "account_name": account_name.to_value(),
            })
        })
        .collect();
    Lines {
        items: lines,
        sub_total,
        tax_total,
    }
}

#[cfg(test)]
mod tests {
    use super::super::books_data::{BooksData, DataConfig};
    use super::super::catalog::{Kind, MODULES, SPECS};
    use super::*;

    #[test]
    fn every_declared_filter_and_sort_names_a_column() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[0];
        for spec in &SPECS {
            let table = org.table(spec.module);
            assert!(!table.rows.is_empty(), "{} is empty", spec.path);
            for param in spec.params {
                if !matches!(param.kind, Kind::Accepted) && param.name != "showbalance" {
                    assert!(
                        table.column(param.field).is_some(),
                        "{}: {}",
                        spec.path,
                        param.field
                    );
                }
            }
            for (_, field) in spec.sorts {
                assert!(table.column(field).is_some(), "{}: sort {field}", spec.path);
            }
            for field in spec.search {
                assert!(
                    table.column(field).is_some(),
                    "{}: search {field}",
                    spec.path
                );
            }
            assert!(table.column(spec.default_sort.0).is_some(), "{}", spec.path);
        }
    }

    #[test]
    fn the_empty_organization_has_only_settings() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[2];
        for module in MODULES {
            let rows = org.table(module).rows.len();
            match module {
                Module::Users | Module::Taxes | Module::Currencies | Module::ChartOfAccounts => {
                    assert!(rows > 0, "{module:?}")
                }
                _ => assert_eq!(rows, 0, "{module:?}"),
            }
        }
    }

    #[test]
    fn line_items_add_up() {
        let data = BooksData::new(DataConfig::default());
        let org = &data.organizations[0];
        for module in [Module::Invoices, Module::Bills, Module::Estimates] {
            let table = org.table(module);
            for row in 0..table.rows.len() {
                let detail = detail(org, module, row);
                let cents = |v: &Value| match v {
                    Value::Number(n) => (n.as_f64().unwrap_or(0.0) * 100.0).round() as i64,
                    Value::String(s) => (s.parse::<f64>().unwrap_or(0.0) * 100.0).round() as i64,
                    _ => 0,
                };
                let lines = detail["line_items"].as_array().expect("line items");
                assert!((1..=5).contains(&lines.len()));
                let sum: i64 = lines.iter().map(|l| cents(&l["item_total"])).sum();
                assert_eq!(sum, cents(&detail["sub_total"]), "{module:?} {row}");
                let total = cents(&detail["sub_total"])
                    + cents(&detail["tax_total"])
                    + cents(detail.get("shipping_charge").unwrap_or(&json!(0)))
                    + cents(detail.get("adjustment").unwrap_or(&json!(0)))
                    - cents(detail.get("discount").unwrap_or(&json!(0)));
                assert_eq!(total, cents(&detail["total"]), "{module:?} {row}");
                for line in lines {
                    let q = line["quantity"].as_f64().unwrap_or(0.0);
                    assert_eq!(
                        (q * cents(&line["rate"]) as f64) as i64,
                        cents(&line["item_total"])
                    );
                    assert!(items_contain(org, line["item_id"].as_str().unwrap_or("")));
                }
            }
        }
    }

    fn items_contain(org: &Organization, id: &str) -> bool {
        org.table(Module::Items).find(id).is_some()
    }
}
