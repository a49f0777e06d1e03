//! The entries: one per Zoho Books table, in display order.
//!
//! Filters are the query parameters Zoho declares for each path (Zoho's OpenAPI files, plus the
//! few its documentation adds, such as `sort_order`); a column without one is filtered by the
//! engine alone. Sortable columns are dates, timestamps and amounts: Zoho's order on them is
//! the engine's, so `ORDER BY Date DESC LIMIT 10` can be one request.

use std::sync::LazyLock;

use super::Filters::{self, Amounts, Dates, Eq, Text};
use super::{BooksTable, Col, FilterOp, Parent, PerParentRead, TableBuilder, col};
use crate::books::convert::WireType::{self, Bool, Date, Id, Int, Json, Money, Rate, Timestamp};

/// No filter.
const NONE: Filters = Filters::None;

fn id(field: &'static str) -> Col {
    col(field, Id, NONE)
}
fn id_eq(field: &'static str) -> Col {
    col(field, Id, Eq)
}
fn text(field: &'static str, filters: Filters) -> Col {
    col(field, WireType::Text, filters)
}
fn money(field: &'static str, filters: Filters) -> Col {
    col(field, Money, filters)
}
fn date(field: &'static str, filters: Filters) -> Col {
    col(field, Date, filters)
}
fn ts(field: &'static str) -> Col {
    col(field, Timestamp, NONE)
}
fn flag(field: &'static str) -> Col {
    col(field, Bool, NONE)
}
fn int(field: &'static str) -> Col {
    col(field, Int, NONE)
}
fn rate(field: &'static str) -> Col {
    col(field, Rate, NONE)
}
fn json(field: &'static str) -> Col {
    col(field, Json, NONE)
}

/// `status=<value>` for the values Zoho's list filter takes that are also values of the field.
fn status(values: &'static [(&'static str, &'static str)]) -> Col {
    text("status", NONE).values("status", values)
}

/// The currency columns every transaction has.
fn currency() -> [Col; 2] {
    [id("currency_id"), text("currency_code", NONE)]
}

/// `created_time` and `last_modified_time`, sortable where Zoho says so.
fn times(created_sort: bool, modified_sort: bool) -> [Col; 2] {
    let created = ts("created_time");
    let modified = ts("last_modified_time");
    [
        if created_sort {
            created.sort("created_time")
        } else {
            created
        },
        if modified_sort {
            modified.sort("last_modified_time")
        } else {
            modified
        },
    ]
}

/// A line item of a sales or purchase document (`line_items` in its detail object).
fn line_item_columns() -> Vec<Col> {
    vec![
        id("line_item_id").key(),
        id("item_id"),
        text("name", NONE),
        text("description", NONE),
        int("item_order"),
        rate("quantity"),
        text("unit", NONE),
        rate("rate"),
        rate("discount"),
        id("tax_id"),
        text("tax_name", NONE),
        rate("tax_percentage"),
        money("item_total", NONE),
        id("account_id"),
        text("account_name", NONE),
    ]
}

const INVOICE_STATUS: &[(&str, &str)] = &[
    ("draft", "draft"),
    ("sent", "sent"),
    ("viewed", "viewed"),
    ("overdue", "overdue"),
    ("paid", "paid"),
    ("partially_paid", "partially_paid"),
    ("void", "void"),
];
const BILL_STATUS: &[(&str, &str)] = &[
    ("open", "open"),
    ("overdue", "overdue"),
    ("paid", "paid"),
    ("partially_paid", "partially_paid"),
    ("void", "void"),
];
const ACTIVE_INACTIVE: &[(&str, &str)] =
    &[("active", "Status.Active"), ("inactive", "Status.Inactive")];

const INVOICES: Parent = Parent {
    table: "Invoices",
    list_path: "/invoices",
    list_key: "invoices",
    id_field: "invoice_id",
};
const BILLS: Parent = Parent {
    table: "Bills",
    list_path: "/bills",
    list_key: "bills",
    id_field: "bill_id",
};
const SALES_ORDERS: Parent = Parent {
    table: "SalesOrders",
    list_path: "/salesorders",
    list_key: "salesorders",
    id_field: "salesorder_id",
};
const PURCHASE_ORDERS: Parent = Parent {
    table: "PurchaseOrders",
    list_path: "/purchaseorders",
    list_key: "purchaseorders",
    id_field: "purchaseorder_id",
};
const ESTIMATES: Parent = Parent {
    table: "Estimates",
    list_path: "/estimates",
    list_key: "estimates",
    id_field: "estimate_id",
};
const CREDIT_NOTES: Parent = Parent {
    table: "CreditNotes",
    list_path: "/creditnotes",
    list_key: "creditnotes",
    id_field: "creditnote_id",
};
const CONTACTS: Parent = Parent {
    table: "Contacts",
    list_path: "/contacts",
    list_key: "contacts",
    id_field: "contact_id",
};
const CUSTOMER_PAYMENTS: Parent = Parent {
    table: "CustomerPayments",
    list_path: "/customerpayments",
    list_key: "customerpayments",
    id_field: "payment_id",
};
const ITEMS: Parent = Parent {
    table: "Items",
    list_path: "/items",
    list_key: "items",
    id_field: "item_id",
};

fn line_items(name: &'static str, parent: Parent, object_key: &'static str) -> BooksTable {
    TableBuilder::per_parent(
        name,
        parent,
        PerParentRead::ObjectArray {
            path: parent.list_path,
            object_key,
            array_field: "line_items",
        },
        String::leak(format!(
            "Line items of {} (GET {}/{{{}}}, its line_items); filter by {}.",
            parent.table,
            parent.list_path,
            parent.id_field,
            super::column_name(parent.id_field)
        )),
    )
    .cols(line_item_columns())
    .build()
}

/// Every Zoho Books table, in display order.
pub static BOOKS_TABLES: LazyLock<Vec<BooksTable>> = LazyLock::new(|| {
    vec![
        TableBuilder::list(
            "Organizations",
            "/organizations",
            "organizations",
            "The Zoho Books organizations the user belongs to (GET /organizations).",
        )
        .without_organization()
        .cols([
            id("organization_id")
                .key()
                .doc("The organization's ID (use it as the OrganizationId property)."),
            text("name", NONE).doc("The organization's name."),
            text("contact_name", NONE).doc("The primary contact's name."),
            text("email", NONE).doc("The primary contact's email address."),
            flag("is_default_org").doc("Whether this is the user's default organization."),
            flag("is_org_active").doc("Whether the organization is active."),
            text("language_code", NONE).doc("The organization's language, e.g. en."),
            int("fiscal_year_start_month").doc("First month of the fiscal year (0 = January)."),
            date("account_created_date", NONE).doc("When the organization was created."),
            text("time_zone", NONE).doc("The organization's time zone."),
            id("currency_id").doc("The base currency's ID."),
            text("currency_code", NONE).doc("The base currency's ISO code, e.g. USD."),
            text("currency_symbol", NONE).doc("The base currency's symbol."),
            text("currency_format", NONE).doc("How amounts are formatted."),
            int("price_precision").doc("Decimal places used for prices."),
            text("plan_name", NONE).doc("The Zoho Books plan."),
        ])
        .build(),
        TableBuilder::list(
            "Contacts",
            "/contacts",
            "contacts",
            "Customers and vendors (GET /contacts).",
        )
        .cols([
            id("contact_id").key(),
            text("contact_name", Text),
            text("company_name", Text),
            text("contact_type", NONE)
                .values("contact_type", &[("customer", "customer"), ("vendor", "vendor")]),
            text("status", NONE).values("filter_by", ACTIVE_INACTIVE),
            text("first_name", Text),
            text("last_name", Text),
            text("email", Text),
            text("phone", Text),
            text("mobile", NONE),
            text("website", NONE),
        ])
        .cols(currency())
        .cols([
            int("payment_terms"),
            text("payment_terms_label", NONE),
            money("outstanding_receivable_amount", NONE).sort("outstanding_receivable_amount"),
            money("outstanding_payable_amount", NONE),
            money("unused_credits_receivable_amount", NONE),
        ])
        .cols(times(true, true))
        .build(),
        TableBuilder::list(
            "Invoices",
            "/invoices",
            "invoices",
            "Sales invoices (GET /invoices); line items are in InvoiceLineItems.",
        )
        .cols([
            id("invoice_id").key(),
            text("invoice_number", Text),
            id_eq("customer_id"),
            text("customer_name", Eq),
            status(INVOICE_STATUS),
            text("reference_number", Eq),
            date("date", Dates).sort("date"),
            date("due_date", Dates).sort("due_date"),
            text("due_days", NONE),
        ])
        .cols(currency())
        .cols([
            rate("exchange_rate"),
            money("total", Eq).sort("total"),
            money("balance", Eq).sort("balance"),
            flag("is_emailed"),
            int("reminders_sent"),
            date("payment_expected_date", NONE),
            date("last_payment_date", NONE),
            id("salesperson_id"),
            text("salesperson_name", NONE),
            money("shipping_charge", NONE),
            money("adjustment", NONE),
            money("write_off_amount", NONE),
        ])
        .cols(times(true, false))
        .build(),
        TableBuilder::list(
            "Bills",
            "/bills",
            "bills",
            "Vendor bills (GET /bills); line items are in BillLineItems.",
        )
        .cols([
            id("bill_id").key(),
            text("bill_number", Text),
            id_eq("vendor_id"),
            text("vendor_name", Text),
            status(BILL_STATUS),
            text("reference_number", Text),
            date("date", Dates).sort("date"),
            date("due_date", NONE).sort("due_date"),
            text("due_days", NONE),
        ])
        .cols(currency())
        .cols([money("total", Amounts).sort("total"), money("balance", NONE).sort("balance")])
        .cols(times(true, false))
        .build(),
        TableBuilder::list("Items", "/items", "items", "Goods and services sold or bought (GET /items).")
            .cols([
                id("item_id").key(),
                text("name", Text),
                text("status", NONE).values("filter_by", ACTIVE_INACTIVE),
                text("description", Text),
                rate("rate").param("rate", Amounts).sort("rate"),
                text("unit", NONE),
                text("sku", NONE),
                text("item_type", NONE),
                text("product_type", NONE),
                flag("is_taxable").param("is_taxable", Eq),
                id_eq("tax_id"),
                text("tax_name", Eq),
                rate("tax_percentage"),
                rate("purchase_rate"),
                text("purchase_description", NONE),
                id_eq("account_id"),
                text("account_name", NONE),
            ])
            .cols(times(false, false))
            .build(),
        TableBuilder::list(
            "CustomerPayments",
            "/customerpayments",
            "customerpayments",
            "Payments received from customers (GET /customerpayments); the invoices each paid are in CustomerPaymentInvoices.",
        )
        .cols([
            id("payment_id").key(),
            text("payment_number", NONE),
            id_eq("customer_id"),
            text("customer_name", Text),
            text("payment_mode", Text),
            date("date", Dates),
            text("reference_number", Text),
            text("description", NONE),
            money("amount", Amounts),
            money("bcy_amount", NONE),
            money("unused_amount", NONE),
        ])
        .cols(currency())
        .cols(times(false, false))
        .build(),
        TableBuilder::list("Expenses", "/expenses", "expenses", "Expenses (GET /expenses).")
            .cols([
                id("expense_id").key(),
                date("date", Dates).sort("date"),
                id("account_id"),
                text("account_name", Text),
                id_eq("paid_through_account_id"),
                text("paid_through_account_name", NONE),
                id_eq("vendor_id"),
                text("vendor_name", Text),
                text("description", Text),
            ])
            .cols(currency())
            .cols([
                money("total", NONE).sort("total"),
                money("bcy_total", NONE).sort("bcy_total"),
                flag("is_billable"),
                text("reference_number", Text),
                id_eq("customer_id"),
                text("customer_name", Text),
                status(&[
                    ("unbilled", "unbilled"),
                    ("invoiced", "invoiced"),
                    ("reimbursed", "reimbursed"),
                    ("non-billable", "non-billable"),
                ]),
            ])
            .cols(times(true, false))
            .build(),
        TableBuilder::list(
            "SalesOrders",
            "/salesorders",
            "salesorders",
            "Sales orders (GET /salesorders); line items are in SalesOrderLineItems.",
        )
        .cols([
            id("salesorder_id").key(),
            text("salesorder_number", Text),
            id_eq("customer_id"),
            text("customer_name", Text),
            status(&[
                ("draft", "draft"),
                ("open", "open"),
                ("invoiced", "invoiced"),
                ("partially_invoiced", "partially_invoiced"),
                ("void", "void"),
                ("overdue", "overdue"),
            ]),
            text("reference_number", Text),
            date("date", Dates).sort("date"),
            date("shipment_date", Dates),
        ])
        .cols(currency())
        .cols([
            money("total", Amounts).sort("total"),
            id_eq("salesperson_id"),
            text("salesperson_name", NONE),
        ])
        .cols(times(true, true))
        .build(),
        TableBuilder::list(
            "PurchaseOrders",
            "/purchaseorders",
            "purchaseorders",
            "Purchase orders (GET /purchaseorders); line items are in PurchaseOrderLineItems.",
        )
        .cols([
            id("purchaseorder_id").key(),
            text("purchaseorder_number", Text),
            id_eq("vendor_id"),
            text("vendor_name", Text),
            status(&[
                ("draft", "draft"),
                ("open", "open"),
                ("billed", "billed"),
                ("cancelled", "cancelled"),
            ]),
            text("reference_number", Text),
            date("date", Eq).sort("date"),
            date("delivery_date", NONE),
        ])
        .cols(currency())
        .cols([money("total", Amounts).sort("total")])
        .cols(times(true, false))
        .build(),
        TableBuilder::list(
            "Estimates",
            "/estimates",
            "estimates",
            "Estimates and quotes (GET /estimates); line items are in EstimateLineItems.",
        )
        .cols([
            id("estimate_id").key(),
            text("estimate_number", Text),
            id_eq("customer_id"),
            text("customer_name", Text),
            status(&[
                ("draft", "draft"),
                ("sent", "sent"),
                ("invoiced", "invoiced"),
                ("accepted", "accepted"),
                ("declined", "declined"),
                ("expired", "expired"),
            ]),
            text("reference_number", Text),
            date("date", Dates).sort("date"),
            date("expiry_date", Eq),
        ])
        .cols(currency())
        .cols([money("total", Amounts).sort("total")])
        .cols(times(true, false))
        .build(),
        TableBuilder::list(
            "CreditNotes",
            "/creditnotes",
            "creditnotes",
            "Credit notes issued to customers (GET /creditnotes); line items are in CreditNoteLineItems.",
        )
        .cols([
            id("creditnote_id").key(),
            text("creditnote_number", Eq),
            id_eq("customer_id"),
            text("customer_name", Eq),
            status(&[("open", "open"), ("closed", "closed"), ("void", "void"), ("draft", "draft")]),
            text("reference_number", Eq),
            date("date", Eq).sort("date"),
        ])
        .cols(currency())
        .cols([money("total", Eq).sort("total"), money("balance", NONE).sort("balance")])
        .cols(times(true, false))
        .build(),
        TableBuilder::list(
            "VendorPayments",
            "/vendorpayments",
            "vendorpayments",
            "Payments made to vendors (GET /vendorpayments).",
        )
        .cols([
            id("payment_id").key(),
            text("payment_number", Text),
            id_eq("vendor_id"),
            text("vendor_name", Text),
            text("payment_mode", Text),
            date("date", Dates).sort("date"),
            text("reference_number", Text),
            text("description", Text),
            money("amount", Amounts).sort("amount"),
            money("balance", NONE).sort("balance"),
        ])
        .cols(currency())
        .cols(times(false, false))
        .build(),
        TableBuilder::list(
            "VendorCredits",
            "/vendorcredits",
            "vendor_credits",
            "Credits received from vendors (GET /vendorcredits).",
        )
        .cols([
            id("vendor_credit_id").key(),
            text("vendor_credit_number", Text),
            id("vendor_id"),
            text("vendor_name", NONE),
            status(&[("open", "open"), ("closed", "closed"), ("void", "void"), ("draft", "draft")]),
            text("reference_number", Text),
            date("date", Dates).sort("date"),
        ])
        .cols(currency())
        .cols([money("total", Amounts).sort("total"), money("balance", NONE).sort("balance")])
        .cols(times(true, true))
        .build(),
        TableBuilder::list(
            "ChartOfAccounts",
            "/chartofaccounts",
            "chartofaccounts",
            "The chart of accounts with current balances (GET /chartofaccounts?showbalance=true).",
        )
        .fixed(&[("showbalance", "true")])
        .cols([
            id("account_id").key(),
            text("account_name", NONE),
            text("account_code", NONE),
            text("account_type", NONE),
            text("description", NONE),
            flag("is_active").values(
                "filter_by",
                &[("true", "AccountType.Active"), ("false", "AccountType.Inactive")],
            ),
            flag("is_user_created"),
            flag("is_system_account"),
            money("current_balance", NONE),
            ts("last_modified_time"),
        ])
        .build(),
        TableBuilder::list(
            "BankAccounts",
            "/bankaccounts",
            "bankaccounts",
            "Bank and credit-card accounts (GET /bankaccounts).",
        )
        .cols([
            id("account_id").key(),
            text("account_name", NONE),
            text("account_code", NONE),
            text("account_type", NONE),
            text("account_number", NONE),
            text("bank_name", NONE),
        ])
        .cols(currency())
        .cols([
            money("balance", NONE),
            money("bcy_balance", NONE),
            int("uncategorized_transactions"),
            flag("is_active").values(
                "filter_by",
                &[("true", "Status.Active"), ("false", "Status.Inactive")],
            ),
            flag("is_primary_account"),
        ])
        .build(),
        TableBuilder::list(
            "BankTransactions",
            "/banktransactions",
            "banktransactions",
            "Transactions of the bank accounts (GET /banktransactions).",
        )
        .cols([
            id("transaction_id").key(),
            date("date", Filters::DateRange).sort("date"),
            money("amount", Filters::DateRange),
            text("transaction_type", Eq),
            text("status", NONE),
            text("source", NONE),
            id_eq("account_id"),
            text("account_name", NONE),
            id("customer_id"),
            text("payee", NONE),
            text("description", NONE),
            text("reference_number", Eq),
        ])
        .cols(currency())
        .cols([text("debit_or_credit", NONE)])
        .build(),
        TableBuilder::list("Journals", "/journals", "journals", "Manual journals (GET /journals).")
            .cols([
                id("journal_id").key(),
                date("journal_date", NONE).param("date", Dates).sort("journal_date"),
                text("entry_number", Text),
                text("reference_number", Text),
                text("notes", Text),
            ])
            .cols(currency())
            .cols([
                money("total", Amounts).sort("total"),
                money("bcy_total", NONE),
                text("status", NONE),
            ])
            .cols(times(false, false))
            .build(),
        TableBuilder::list("Projects", "/projects", "projects", "Projects (GET /projects).")
            .cols([
                id("project_id").key(),
                text("project_name", NONE),
                id_eq("customer_id"),
                text("customer_name", NONE),
                text("description", NONE),
                text("status", NONE).values("filter_by", ACTIVE_INACTIVE),
                text("billing_type", NONE),
                rate("rate").sort("rate"),
                ts("created_time").sort("created_time"),
            ])
            .build(),
        TableBuilder::list(
            "TimeEntries",
            "/projects/timeentries",
            "time_entries",
            "Time logged on projects (GET /projects/timeentries).",
        )
        .cols([
            id("time_entry_id").key(),
            id_eq("project_id"),
            text("project_name", NONE),
            id("task_id"),
            text("task_name", NONE),
            id_eq("user_id"),
            text("user_name", NONE),
            date("log_date", NONE)
                .filter(FilterOp::GtEq, "from_date")
                .filter(FilterOp::LtEq, "to_date")
                .sort("log_date"),
            text("log_time", NONE),
            flag("is_billable"),
            text("billed_status", NONE),
            id("customer_id"),
            text("customer_name", NONE),
            text("notes", NONE),
            ts("created_time"),
        ])
        .build(),
        TableBuilder::list("Users", "/users", "users", "Users of the organization (GET /users).")
            .cols([
                id("user_id").key(),
                text("name", NONE),
                text("email", NONE),
                text("user_role", NONE),
                text("status", NONE).values(
                    "filter_by",
                    &[
                        ("active", "Status.Active"),
                        ("inactive", "Status.Inactive"),
                        ("invited", "Status.Invited"),
                    ],
                ),
                flag("is_current_user"),
                id("role_id"),
            ])
            .build(),
        TableBuilder::list("Taxes", "/settings/taxes", "taxes", "Taxes (GET /settings/taxes).")
            .cols([
                id("tax_id").key(),
                text("tax_name", NONE),
                rate("tax_percentage"),
                text("tax_type", NONE),
                flag("is_default_tax"),
                flag("is_editable"),
            ])
            .build(),
        TableBuilder::list(
            "Currencies",
            "/settings/currencies",
            "currencies",
            "Currencies enabled for the organization (GET /settings/currencies).",
        )
        .cols([
            id("currency_id").key(),
            text("currency_code", NONE),
            text("currency_name", NONE),
            text("currency_symbol", NONE),
            int("price_precision"),
            text("currency_format", NONE),
            flag("is_base_currency")
                .values("filter_by", &[("false", "Currencies.ExcludeBaseCurrency")]),
            rate("exchange_rate"),
            date("effective_date", NONE),
        ])
        .build(),
        TableBuilder::list(
            "RecurringInvoices",
            "/recurringinvoices",
            "recurring_invoices",
            "Recurring invoice profiles (GET /recurringinvoices).",
        )
        .cols([
            id("recurring_invoice_id").key(),
            text("recurrence_name", Eq),
            status(&[("active", "active"), ("stopped", "stopped"), ("expired", "expired")]),
            id_eq("customer_id"),
            text("customer_name", Eq),
            date("start_date", Eq),
            date("end_date", Eq),
            date("last_sent_date", NONE),
            date("next_invoice_date", NONE),
            text("recurrence_frequency", NONE),
            int("repeat_every"),
        ])
        .cols(currency())
        .cols([money("total", NONE)])
        .cols(times(false, false))
        .build(),
        TableBuilder::list(
            "RecurringExpenses",
            "/recurringexpenses",
            "recurring_expenses",
            "Recurring expense profiles (GET /recurringexpenses).",
        )
        .cols([
            id("recurring_expense_id").key(),
            text("recurrence_name", Text),
            status(&[("active", "active"), ("stopped", "stopped"), ("expired", "expired")]),
            text("recurrence_frequency", NONE),
            int("repeat_every"),
            date("last_created_date", Dates).sort("last_created_date"),
            date("next_expense_date", Dates).sort("next_expense_date"),
            id_eq("account_id"),
            text("account_name", Text),
            text("description", NONE),
        ])
        .cols(currency())
        .cols([
            money("total", NONE).sort("total"),
            flag("is_billable"),
            id_eq("customer_id"),
            text("customer_name", Text),
        ])
        .cols(times(true, false))
        .build(),
        TableBuilder::list(
            "RecurringBills",
            "/recurringbills",
            "recurring_bills",
            "Recurring bill profiles (GET /recurringbills).",
        )
        .cols([
            id("recurring_bill_id").key(),
            text("recurrence_name", Text),
            status(&[("active", "active"), ("stopped", "stopped"), ("expired", "expired")]),
            id_eq("vendor_id"),
            text("vendor_name", Text),
            date("start_date", Dates),
            date("end_date", Eq),
            date("last_sent_date", NONE),
            date("next_bill_date", NONE),
            text("recurrence_frequency", NONE),
            int("repeat_every"),
        ])
        .cols(currency())
        .cols([money("total", NONE)])
        .cols(times(false, false))
        .build(),
        TableBuilder::list(
            "RetainerInvoices",
            "/retainerinvoices",
            "retainerinvoices",
            "Retainer (advance payment) invoices (GET /retainerinvoices).",
        )
        .cols([
            id("retainerinvoice_id").key(),
            text("retainerinvoice_number", NONE),
            id("customer_id"),
            text("customer_name", NONE),
            text("status", NONE).values(
                "filter_by",
                &[
                    ("draft", "Status.Draft"),
                    ("sent", "Status.Sent"),
                    ("paid", "Status.Paid"),
                    ("partially_paid", "Status.PartiallyPaid"),
                    ("void", "Status.Void"),
                ],
            ),
            text("reference_number", NONE),
            date("date", NONE),
        ])
        .cols(currency())
        .cols([money("total", NONE), money("balance", NONE)])
        .cols(times(false, false))
        .build(),
        line_items("InvoiceLineItems", INVOICES, "invoice"),
        line_items("BillLineItems", BILLS, "bill"),
        line_items("SalesOrderLineItems", SALES_ORDERS, "salesorder"),
        line_items("PurchaseOrderLineItems", PURCHASE_ORDERS, "purchaseorder"),
        line_items("EstimateLineItems", ESTIMATES, "estimate"),
        line_items("CreditNoteLineItems", CREDIT_NOTES, "creditnote"),
        TableBuilder::per_parent(
            "CustomerContacts",
            CONTACTS,
            PerParentRead::Array {
                prefix: "/contacts",
                suffix: "/contactpersons",
                array_key: "contact_persons",
            },
            "The contact persons of each contact (GET /contacts/{contact_id}/contactpersons).",
        )
        .cols([
            id("contact_person_id").key(),
            text("salutation", NONE),
            text("first_name", NONE),
            text("last_name", NONE),
            text("email", NONE),
            text("phone", NONE),
            text("mobile", NONE),
            text("designation", NONE),
            text("department", NONE),
            flag("is_primary_contact"),
        ])
        .build(),
        TableBuilder::per_parent(
            "CustomerPaymentInvoices",
            CUSTOMER_PAYMENTS,
            PerParentRead::ObjectArray {
                path: "/customerpayments",
                object_key: "payment",
                array_field: "invoices",
            },
            "The invoices each customer payment was applied to (GET /customerpayments/{payment_id}, its invoices).",
        )
        .parent_key_is_key()
        .cols([
            id("invoice_id").key(),
            text("invoice_number", NONE),
            date("date", NONE),
            money("invoice_amount", NONE),
            money("amount_applied", NONE),
            money("balance_amount", NONE),
        ])
        .build(),
        TableBuilder::per_parent(
            "InvoiceDetails",
            INVOICES,
            PerParentRead::Object {
                path: "/invoices",
                object_key: "invoice",
            },
            "The full invoice, one row per invoice (GET /invoices/{invoice_id}); filter by InvoiceId.",
        )
        .parent_key_is_key()
        .cols([
            text("invoice_number", NONE),
            id("customer_id"),
            text("customer_name", NONE),
            text("status", NONE),
            text("reference_number", NONE),
            date("date", NONE),
            date("due_date", NONE),
        ])
        .cols(currency())
        .cols([
            rate("exchange_rate"),
            money("sub_total", NONE),
            money("tax_total", NONE),
            money("discount", NONE),
            money("shipping_charge", NONE),
            money("adjustment", NONE),
            money("total", NONE),
            money("balance", NONE),
            text("notes", NONE),
            text("terms", NONE),
            json("billing_address"),
            json("shipping_address"),
            json("custom_fields"),
            id("salesperson_id"),
            text("salesperson_name", NONE),
        ])
        .cols(times(false, false))
        .build(),
        TableBuilder::per_parent(
            "ContactDetails",
            CONTACTS,
            PerParentRead::Object {
                path: "/contacts",
                object_key: "contact",
            },
            "The full contact, one row per contact (GET /contacts/{contact_id}); filter by ContactId.",
        )
        .parent_key_is_key()
        .cols([
            text("contact_name", NONE),
            text("company_name", NONE),
            text("contact_type", NONE),
            text("status", NONE),
            text("email", NONE),
            text("phone", NONE),
            text("website", NONE),
        ])
        .cols(currency())
        .cols([
            int("payment_terms"),
            money("credit_limit", NONE),
            money("outstanding_receivable_amount", NONE),
            money("outstanding_payable_amount", NONE),
            text("notes", NONE),
            json("billing_address"),
            json("shipping_address"),
            json("custom_fields"),
        ])
        .cols(times(false, false))
        .build(),
        TableBuilder::per_parent(
            "BillDetails",
            BILLS,
            PerParentRead::Object {
                path: "/bills",
                object_key: "bill",
            },
            "The full bill, one row per bill (GET /bills/{bill_id}); filter by BillId.",
        )
        .parent_key_is_key()
        .cols([
            text("bill_number", NONE),
            id("vendor_id"),
            text("vendor_name", NONE),
            text("status", NONE),
            text("reference_number", NONE),
            date("date", NONE),
            date("due_date", NONE),
        ])
        .cols(currency())
        .cols([
            money("sub_total", NONE),
            money("tax_total", NONE),
            money("total", NONE),
            money("balance", NONE),
            text("notes", NONE),
            text("terms", NONE),
            json("custom_fields"),
        ])
        .cols(times(false, false))
        .build(),
        TableBuilder::per_parent(
            "ItemDetails",
            ITEMS,
            PerParentRead::Object {
                path: "/items",
                object_key: "item",
            },
            "The full item, one row per item (GET /items/{item_id}); filter by ItemId.",
        )
        .parent_key_is_key()
        .cols([
            text("name", NONE),
            text("status", NONE),
            text("description", NONE),
            rate("rate"),
            text("unit", NONE),
            text("sku", NONE),
            text("item_type", NONE),
            text("product_type", NONE),
            flag("is_taxable"),
            id("tax_id"),
            rate("tax_percentage"),
            rate("purchase_rate"),
            id("account_id"),
            id("purchase_account_id"),
            text("purchase_account_name", NONE),
            id("inventory_account_id"),
            json("custom_fields"),
        ])
        .cols(times(false, false))
        .build(),
    ]
});
