//! Zoho Books API v3 emulation: `/organizations` and every list and detail endpoint of the
//! catalog, over the lazily generated data, with Zoho's envelope, paging, filters and sorts
//! (see `query`), authentication errors (codes 14 and 57), the per-minute rate limit (HTTP 429,
//! code 44) and the per-day limit (HTTP 429, code 45).

use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use super::accounts::split_scope;
use super::books_gen;
use super::catalog::{self, Module, Spec};
use super::http::{Body, SandboxRequest, json as json_response, json_text};
use super::query;
use super::state::{Shared, lock};

/// Code 57's message, as observed on Zoho.
pub(crate) const NOT_AUTHORIZED_MESSAGE: &str = "You are not authorized to perform this operation";
const MISSING_AUTH_MESSAGE: &str = "The request could not be authenticated as the authentication value you entered is invalid. Enter a valid authentication value and try again.";
/// The per-day limit's answer (HTTP 429, code 45, no `Retry-After`).
pub(crate) const DAILY_LIMIT_MESSAGE: &str =
    "You have reached the maximum number of API calls for the day.";
/// The per-minute limit's answer (HTTP 429, code 44, with `Retry-After`).
pub(crate) const RATE_LIMIT_MESSAGE: &str = "You have exceeded the maximum number of API calls allowed per minute for this organization. Please try again after some time.";

fn resource_segments(path: &str) -> Vec<&str> {
    path.strip_prefix("/books/v3")
        .unwrap_or_default()
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect()
}

pub(crate) fn envelope_error(status: StatusCode, code: u32, message: &str) -> Response<Body> {
    json_response(status, &json!({ "code": code, "message": message }))
}

/// What a path names.
enum Resource {
    Organizations,
    Organization(String),
    List(&'static Spec),
    Record(&'static Spec, String),
    ContactPersons(String),
}

fn parse_resource(path: &str) -> Option<Resource> {
    let segments = resource_segments(path);
    match segments.as_slice() {
        ["organizations"] => return Some(Resource::Organizations),
        ["organizations", id] => return Some(Resource::Organization((*id).to_string())),
        _ => {}
    }
    // Two-segment module paths (projects/timeentries, settings/taxes) win over one segment.
    let two = match segments.as_slice() {
        [first, second, ..] => catalog::by_path(&format!("{first}/{second}")),
        _ => None,
    };
    let (spec, rest) = match (two, segments.as_slice()) {
        (Some(spec), [_, _, rest @ ..]) => (spec, rest),
        (_, [first, rest @ ..]) => (catalog::by_path(first)?, rest),
        _ => return None,
    };
    match rest {
        [] => Some(Resource::List(spec)),
        [id] if spec.singular.is_some() => Some(Resource::Record(spec, (*id).to_string())),
        [id, "contactpersons"] if spec.module == Module::Contacts => {
            Some(Resource::ContactPersons((*id).to_string()))
        }
        _ => None,
    }
}

/// The module path a Books request targets (`invoices`, `projects/timeentries`,
/// `organizations`), for per-path faults; `None` for unknown paths.
pub(crate) fn module_path(path: &str) -> Option<&'static str> {
    match parse_resource(path)? {
        Resource::Organizations | Resource::Organization(_) => Some("organizations"),
        Resource::List(spec) | Resource::Record(spec, _) => Some(spec.path),
        Resource::ContactPersons(_) => Some("contacts"),
    }
}

/// The known module path equal to `path` (for [`crate::Endpoint::books_path`]).
pub(crate) fn known_path(path: &str) -> Option<&'static str> {
    if path == "organizations" {
        return Some("organizations");
    }
    catalog::by_path(path).map(|spec| spec.path)
}

/// The counters a Books path bumps: `books:<path>` for every call under the path (lists and
/// records, as before), plus `books:<path>:record` for a single record and
/// `books:contacts:contactpersons` for contact persons; `books:other` for unknown paths.
pub(crate) fn counter_keys(path: &str) -> Vec<String> {
    match parse_resource(path) {
        Some(Resource::Organizations) => vec!["books:organizations".into()],
        Some(Resource::Organization(_)) => vec![
            "books:organizations".into(),
            "books:organizations:record".into(),
        ],
        Some(Resource::List(spec)) => vec![format!("books:{}", spec.path)],
        Some(Resource::Record(spec, _)) => vec![
            format!("books:{}", spec.path),
            format!("books:{}:record", spec.path),
        ],
        Some(Resource::ContactPersons(_)) => vec![
            "books:contacts".into(),
            "books:contacts:contactpersons".into(),
        ],
        None => vec!["books:other".into()],
    }
}

/// The Books scope module a resource needs (besides `fullaccess`).
fn scope_module(resource: &Resource) -> &'static str {
    match resource {
        Resource::Organizations | Resource::Organization(_) => "settings",
        Resource::List(spec) | Resource::Record(spec, _) => spec.scope,
        Resource::ContactPersons(_) => "contacts",
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
        _ => {
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

    // 3. The daily and per-minute limits, per organization (or per user for /organizations).
    let limit_key = organization.map_or("user", |org| org.id.as_str());
    if daily_limit_spent(shared, limit_key) {
        return envelope_error(StatusCode::TOO_MANY_REQUESTS, 45, DAILY_LIMIT_MESSAGE);
    }
    let rate_headers = match rate_limit(shared, limit_key) {
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
        (Resource::List(spec), Some(org)) => match query::list(spec, org.table(spec.module), req) {
            Ok(body) => json_text(StatusCode::OK, body),
            Err(query::Invalid(message)) => envelope_error(StatusCode::BAD_REQUEST, 2, &message),
        },
        (Resource::Record(spec, id), Some(org)) => match org.table(spec.module).find(&id) {
            Some(row) => {
                let mut body = Map::new();
                body.insert("code".into(), json!(0));
                body.insert("message".into(), json!("success"));
                body.insert(
                    spec.singular.unwrap_or("record").into(),
                    Value::Object(books_gen::detail(org, spec.module, row)),
                );
                json_response(StatusCode::OK, &Value::Object(body))
            }
            None => envelope_error(StatusCode::NOT_FOUND, 1002, spec.not_found),
        },
        (Resource::ContactPersons(id), Some(org)) => match org.table(Module::Contacts).find(&id) {
            Some(row) => json_response(
                StatusCode::OK,
                &json!({
                    "code": 0,
                    "message": "success",
                    "contact_persons": books_gen::contact_persons(org, row),
                    "page_context": {
                        "page": 1, "per_page": 200, "has_more_page": false,
                        "report_name": "Contact Persons", "applied_filter": "Status.All",
                        "sort_column": "contact_person_id", "sort_order": "A",
                        "search_criteria": []
                    }
                }),
            ),
            None => envelope_error(
                StatusCode::NOT_FOUND,
                1002,
                Module::Contacts.spec().not_found,
            ),
        },
        (_, None) => envelope_error(StatusCode::INTERNAL_SERVER_ERROR, 1000, "Internal error"),
    };
    for (name, value) in rate_headers {
        response.headers_mut().insert(name, value);
    }
    response
}

/// Counts one call against `key`'s daily budget (sandbox-clock days of 86 400 s); true when
/// the budget was already spent (the call is then refused with code 45).
fn daily_limit_spent(shared: &Shared, key: &str) -> bool {
    let mut state = lock(&shared.state);
    let Some(limit) = state.daily_limit else {
        return false;
    };
    let day = state.clock.now().as_secs() / 86_400;
    let window = state
        .daily_windows
        .entry(key.to_string())
        .or_insert((day, 0));
    if window.0 != day {
        *window = (day, 0);
    }
    if window.1 >= limit {
        return true;
    }
    window.1 += 1;
    false
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
            Some(Resource::List(spec)) if spec.module == Module::Invoices
        ));
        assert!(matches!(
            parse_resource("/books/v3/contacts/12"),
            Some(Resource::Record(spec, _)) if spec.module == Module::Contacts
        ));
        assert!(matches!(
            parse_resource("/books/v3/projects/timeentries"),
            Some(Resource::List(spec)) if spec.module == Module::TimeEntries
        ));
        assert!(matches!(
            parse_resource("/books/v3/contacts/12/contactpersons"),
            Some(Resource::ContactPersons(_))
        ));
        assert!(parse_resource("/books/v3/widgets").is_none());
        assert!(parse_resource("/books/v3/journals/1").is_none());
        assert!(parse_resource("/books/v3").is_none());
        assert_eq!(
            counter_keys("/books/v3/invoices/1"),
            ["books:invoices", "books:invoices:record"]
        );
        assert_eq!(
            counter_keys("/books/v3/settings/taxes"),
            ["books:settings/taxes"]
        );
        assert_eq!(counter_keys("/books/v3/widgets"), ["books:other"]);
        assert_eq!(
            module_path("/books/v3/projects/timeentries"),
            Some("projects/timeentries")
        );
    }
}
