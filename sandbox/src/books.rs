//! Zoho Books API v3 emulation: `organizations`, `contacts` and `invoices` (lists and single
//! records) over the seeded data, with Zoho's envelope, pagination, authentication errors
//! (codes 14 and 57) and an optional per-minute rate limit (HTTP 429, code 44).

use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use super::accounts::split_scope;
use super::books_data::Organization;
use super::http::{Body, SandboxRequest, json as json_response};
use super::state::{Shared, lock};

/// Code 57's message, as observed on Zoho.
pub(crate) const NOT_AUTHORIZED_MESSAGE: &str = "You are not authorized to perform this operation";
const MISSING_AUTH_MESSAGE: &str = "The request could not be authenticated as the authentication value you entered is invalid. Enter a valid authentication value and try again.";
/// Largest (and default) page size.
const MAX_PER_PAGE: usize = 200;

/// The counter key for a Books path.
pub(crate) fn counter_key(path: &str) -> &'static str {
    match resource_segments(path).first().copied() {
        Some("organizations") => "books:organizations",
        Some("contacts") => "books:contacts",
        Some("invoices") => "books:invoices",
        _ => "books:other",
    }
}

fn resource_segments(path: &str) -> Vec<&str> {
    path.strip_prefix("/books/v3")
        .unwrap_or_default()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect()
}

fn envelope_error(status: StatusCode, code: u32, message: &str) -> Response<Body> {
    json_response(status, &json!({ "code": code, "message": message }))
}

/// What a path names.
enum Resource {
    Organizations,
    Organization(String),
    List(Kind),
    Record(Kind, String),
}

#[derive(Clone, Copy)]
enum Kind {
    Contacts,
    Invoices,
}

impl Kind {
    fn plural(self) -> &'static str {
        match self {
            Kind::Contacts => "contacts",
            Kind::Invoices => "invoices",
        }
    }
    fn singular(self) -> &'static str {
        match self {
            Kind::Contacts => "contact",
            Kind::Invoices => "invoice",
        }
    }
    fn id_field(self) -> &'static str {
        match self {
            Kind::Contacts => "contact_id",
            Kind::Invoices => "invoice_id",
        }
    }
    fn not_found_message(self) -> &'static str {
        match self {
            Kind::Contacts => "The contact does not exist.",
            Kind::Invoices => "Invoice does not exist.",
        }
    }
    fn report_name(self) -> &'static str {
        match self {
            Kind::Contacts => "Contacts",
            Kind::Invoices => "Invoices",
        }
    }
    /// Query parameters that filter the list by equality on a field of the same name.
    fn filters(self) -> &'static [&'static str] {
        match self {
            Kind::Contacts => &["contact_type", "status"],
            Kind::Invoices => &["status", "customer_id"],
        }
    }
    fn records(self, org: &Organization) -> &[Value] {
        match self {
            Kind::Contacts => &org.contacts,
            Kind::Invoices => &org.invoices,
        }
    }
}

fn parse_resource(path: &str) -> Option<Resource> {
    let segments = resource_segments(path);
    let kind = |name: &str| match name {
        "contacts" => Some(Kind::Contacts),
        "invoices" => Some(Kind::Invoices),
        _ => None,
    };
    match segments.as_slice() {
        ["organizations"] => Some(Resource::Organizations),
        ["organizations", id] => Some(Resource::Organization((*id).to_string())),
        [name] => kind(name).map(Resource::List),
        [name, id] => kind(name).map(|kind| Resource::Record(kind, (*id).to_string())),
        _ => None,
    }
}

/// The Books scope module a resource needs (besides `fullaccess`).
fn scope_module(resource: &Resource) -> &'static str {
    match resource {
        Resource::Organizations | Resource::Organization(_) => "settings",
        Resource::List(kind) | Resource::Record(kind, _) => kind.plural(),
    }
}

/// Whether a granted scope list allows reading `module`: `ZohoBooks.fullaccess.all`,
/// `ZohoBooks.<module>.READ` or `ZohoBooks.<module>.ALL` (case-insensitive).
fn scope_allows_read(granted: &str, module: &str) -> bool {
    split_scope(granted).iter().any(|item| {
        let lower = item.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('.').collect();
        matches!(parts.as_slice(), ["zohobooks", name, operation]
            if (*name == "fullaccess" || *name == module) && (*operation == "all" || *operation == "read"))
    })
}

/// Extracts the token from `Zoho-oauthtoken <t>` or `Bearer <t>`.
fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    let token = token.trim();
    let known =
        scheme.eq_ignore_ascii_case("Zoho-oauthtoken") || scheme.eq_ignore_ascii_case("Bearer");
    (known && !token.is_empty() && !token.contains(' ')).then_some(token)
}

/// Handles any request under `/books/v3`.
pub(crate) fn handle(shared: &Shared, req: &SandboxRequest) -> Response<Body> {
    // 1. Authentication: no or garbled header → 14; dead token or missing scope → 57.
    let Some(token) = req.header("authorization").and_then(bearer_token) else {
        return envelope_error(StatusCode::UNAUTHORIZED, 14, MISSING_AUTH_MESSAGE);
    };
    let resource = parse_resource(&req.path);
    let granted_scope = {
        let state = lock(&shared.state);
        let now = state.clock.now();
        match state.access_tokens.get(token) {
            Some(grant) if now < grant.expires_at => Some(grant.scope.clone()),
            _ => None,
        }
    };
    let Some(granted_scope) = granted_scope else {
        return envelope_error(StatusCode::UNAUTHORIZED, 57, NOT_AUTHORIZED_MESSAGE);
    };
    let Some(resource) = resource else {
        return envelope_error(StatusCode::NOT_FOUND, 5, "Invalid URL Passed");
    };
    if !scope_allows_read(&granted_scope, scope_module(&resource)) {
        return envelope_error(StatusCode::UNAUTHORIZED, 57, NOT_AUTHORIZED_MESSAGE);
    }
    if req.method != Method::GET {
        return envelope_error(
            StatusCode::METHOD_NOT_ALLOWED,
            37,
            "The HTTP method is not allowed for the requested resource: the sandbox serves GET only.",
        );
    }

    // 2. Organization (every resource but /organizations needs one).
    let organization = match &resource {
        Resource::Organizations | Resource::Organization(_) => None,
        Resource::List(_) | Resource::Record(..) => {
            let id = req
                .query_param("organization_id")
                .or_else(|| req.header("x-com-zoho-books-organizationid"));
            match id {
                None | Some("") => {
                    return envelope_error(
                        StatusCode::BAD_REQUEST,
                        2,
                        "Invalid value passed for organization_id: it is required. Send it as the organization_id query parameter (see GET /books/v3/organizations).",
                    );
                }
                Some(id) => match shared.books.organization(id) {
                    Some(org) => Some(org),
                    None => {
                        return envelope_error(
                            StatusCode::BAD_REQUEST,
                            9017,
                            "This user is not associated with the organization_id given. Use an id from GET /books/v3/organizations.",
                        );
                    }
                },
            }
        }
    };

    // 3. Rate limit per organization (or per user for /organizations) and clock minute.
    let rate_headers = match rate_limit(shared, organization.map_or("user", |org| org.id.as_str()))
    {
        Ok(headers) => headers,
        Err(response) => return *response,
    };

    // 4. The resource itself.
    let mut response = match (resource, organization) {
        (Resource::Organizations, _) => {
            let organizations: Vec<Value> = shared
                .books
                .organizations
                .iter()
                .map(|org| org.summary.clone())
                .collect();
            json_response(
                StatusCode::OK,
                &json!({ "code": 0, "message": "success", "organizations": organizations }),
            )
        }
        (Resource::Organization(id), _) => match shared.books.organization(&id) {
            Some(org) => json_response(
                StatusCode::OK,
                &json!({ "code": 0, "message": "success", "organization": org.summary }),
            ),
            None => envelope_error(
                StatusCode::NOT_FOUND,
                1002,
                "The organization does not exist.",
            ),
        },
        (Resource::List(kind), Some(org)) => list(kind, org, req),
        (Resource::Record(kind, id), Some(org)) => {
            match kind
                .records(org)
                .iter()
                .find(|record| record[kind.id_field()] == id.as_str())
            {
                Some(record) => {
                    let mut body = Map::new();
                    body.insert("code".into(), json!(0));
                    body.insert("message".into(), json!("success"));
                    body.insert(kind.singular().into(), record.clone());
                    json_response(StatusCode::OK, &Value::Object(body))
                }
                None => envelope_error(StatusCode::NOT_FOUND, 1002, kind.not_found_message()),
            }
        }
        (Resource::List(_) | Resource::Record(..), None) => {
            envelope_error(StatusCode::INTERNAL_SERVER_ERROR, 1000, "Internal error")
        }
    };
    for (name, value) in rate_headers {
        response.headers_mut().insert(name, value);
    }
    response
}

fn parse_positive(
    req: &SandboxRequest,
    name: &str,
    default: usize,
) -> Result<usize, Box<Response<Body>>> {
    match req.query_param(name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(value) if value >= 1 => Ok(value),
            _ => Err(Box::new(envelope_error(
                StatusCode::BAD_REQUEST,
                2,
                &format!("Invalid value passed for {name}: expected a whole number of at least 1."),
            ))),
        },
    }
}

fn list(kind: Kind, org: &Organization, req: &SandboxRequest) -> Response<Body> {
    let page = match parse_positive(req, "page", 1) {
        Ok(page) => page,
        Err(response) => return *response,
    };
    // Zoho caps per_page at 200; larger values are served as 200.
    let per_page = match parse_positive(req, "per_page", MAX_PER_PAGE) {
        Ok(per_page) => per_page.min(MAX_PER_PAGE),
        Err(response) => return *response,
    };
    let filters: Vec<(&str, &str)> = kind
        .filters()
        .iter()
        .filter_map(|field| req.query_param(field).map(|value| (*field, value)))
        .collect();
    let matching: Vec<&Value> = kind
        .records(org)
        .iter()
        .filter(|record| {
            filters
                .iter()
                .all(|(field, value)| record[*field].as_str() == Some(*value))
        })
        .collect();
    let start = (page - 1).saturating_mul(per_page);
    let items: Vec<Value> = matching
        .iter()
        .skip(start)
        .take(per_page)
        .map(|record| (*record).clone())
        .collect();
    let has_more_page = start.saturating_add(per_page) < matching.len();
    let applied_filter = match kind {
        Kind::Invoices => match req.query_param("status") {
            Some(status) => format!("Status.{}", capitalize(status)),
            None => "Status.All".to_string(),
        },
        Kind::Contacts => "Status.All".to_string(),
    };
    let mut body = Map::new();
    body.insert("code".into(), json!(0));
    body.insert("message".into(), json!("success"));
    body.insert(kind.plural().into(), Value::Array(items));
    body.insert(
        "page_context".into(),
        json!({
            "page": page,
            "per_page": per_page,
            "has_more_page": has_more_page,
            "report_name": kind.report_name(),
            "applied_filter": applied_filter,
            "sort_column": "created_time",
            "sort_order": "A",
            "search_criteria": []
        }),
    );
    json_response(StatusCode::OK, &Value::Object(body))
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

type RateHeaders = Vec<(HeaderName, HeaderValue)>;

/// Counts one call against `key`'s current clock minute. Returns the `X-Rate-Limit-*` headers
/// to add, or the 429 response when the minute's budget is spent.
fn rate_limit(shared: &Shared, key: &str) -> Result<RateHeaders, Box<Response<Body>>> {
    let Some(limit) = shared.settings.api_rate_limit_per_minute else {
        return Ok(Vec::new());
    };
    let mut state = lock(&shared.state);
    let now = state.clock.now().as_secs();
    let minute = now / 60;
    let reset = 60 - now % 60;
    let window = state
        .rate_windows
        .entry(key.to_string())
        .or_insert((minute, 0));
    if window.0 != minute {
        *window = (minute, 0);
    }
    let over = window.1 >= limit;
    if !over {
        window.1 += 1;
    }
    let remaining = limit.saturating_sub(window.1);
    drop(state);
    let headers: RateHeaders = vec![
        (
            HeaderName::from_static("x-rate-limit-limit"),
            HeaderValue::from(limit),
        ),
        (
            HeaderName::from_static("x-rate-limit-remaining"),
            HeaderValue::from(remaining),
        ),
        (
            HeaderName::from_static("x-rate-limit-reset"),
            HeaderValue::from(reset),
        ),
    ];
    if over {
        let mut response = envelope_error(
            StatusCode::TOO_MANY_REQUESTS,
            44,
            "You have exceeded the maximum number of API calls allowed per minute for this organization. Please try again after some time.",
        );
        for (name, value) in headers {
            response.headers_mut().insert(name, value);
        }
        if let Ok(value) = HeaderValue::from_str(&reset.to_string()) {
            response
                .headers_mut()
                .insert(hyper::header::RETRY_AFTER, value);
        }
        return Err(Box::new(response));
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_come_from_either_scheme() {
        assert_eq!(bearer_token("Zoho-oauthtoken 1000.a.b"), Some("1000.a.b"));
        assert_eq!(bearer_token("Bearer 1000.a.b"), Some("1000.a.b"));
        assert_eq!(bearer_token("bearer  1000.a.b "), Some("1000.a.b"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Zoho-oauthtoken"), None);
        assert_eq!(bearer_token("Zoho-oauthtoken "), None);
        assert_eq!(bearer_token("1000.a.b"), None);
    }

    #[test]
    fn scopes_gate_modules() {
        assert!(scope_allows_read("ZohoBooks.fullaccess.all", "invoices"));
        assert!(scope_allows_read("ZohoBooks.invoices.READ", "invoices"));
        assert!(scope_allows_read(
            "zohobooks.contacts.all,ZohoBooks.settings.READ",
            "settings"
        ));
        assert!(!scope_allows_read("ZohoBooks.invoices.READ", "contacts"));
        assert!(!scope_allows_read("ZohoBooks.invoices.CREATE", "invoices"));
        assert!(!scope_allows_read("ZohoCRM.modules.ALL", "invoices"));
        assert!(!scope_allows_read("", "invoices"));
    }

    #[test]
    fn paths_map_to_resources_and_counters() {
        assert!(matches!(
            parse_resource("/books/v3/organizations"),
            Some(Resource::Organizations)
        ));
        assert!(matches!(
            parse_resource("/books/v3/invoices/"),
            Some(Resource::List(Kind::Invoices))
        ));
        assert!(matches!(
            parse_resource("/books/v3/contacts/12"),
            Some(Resource::Record(Kind::Contacts, _))
        ));
        assert!(parse_resource("/books/v3/items").is_none());
        assert!(parse_resource("/books/v3").is_none());
        assert_eq!(counter_key("/books/v3/invoices/1"), "books:invoices");
        assert_eq!(counter_key("/books/v3/items"), "books:other");
    }
}
