//! The stored-procedure catalog and the validation of calls against it.
//!
//! Each procedure declares its parameters and result columns ([`ProcedureSpec`]). A parsed call
//! ([`CallPlan`]) is checked by [`validate`] before anything runs: unknown procedure, unknown
//! parameter, the same parameter twice, a value outside the allowed set, a missing required
//! parameter. The result is a [`ProcedureCall`] with canonical parameter names, where the values
//! of secret parameters are held in [`SecretString`]s. No error message ever contains a value.
//!
//! ```
//! use zohobooks_sql::catalog::procedures::{validate, ArgValue};
//! use zohobooks_sql::sql::{parse_statement, Plan};
//!
//! let Plan::Call(plan) = parse_statement(
//!     "EXEC getoauthaccesstoken authmode = 'web', @Verifier = '1000.x', @CallbackUrl = 'http://localhost:1'",
//! )? else { unreachable!() };
//! let call = validate(&plan)?;
//! assert_eq!(call.spec.name, "GetOAuthAccessToken");
//! assert_eq!(call.text("AuthMode"), Some("WEB"));                       // canonical spelling
//! assert_eq!(call.secret("Verifier").map(|s| s.expose_secret()), Some("1000.x"));
//! assert!(!format!("{call:?}").contains("1000.x"));                    // Debug redacts it
//! # Ok::<(), zohobooks_sql::Error>(())
//! ```

use std::collections::BTreeMap;

use futures::future::BoxFuture;

use crate::config::properties::DEFAULT_SCOPE;
use crate::error::{Error, Result};
use crate::oauth::{ExchangeRequest, TokenManager, TokenSet};
use crate::result::ResultSet;
use crate::secret::{PkceVerifier, RefreshToken, SecretString};
use crate::sql::{CallPlan, Value, ValueExpr};

/// A stored procedure: its parameters and the columns of the one result set it returns.
#[derive(Debug)]
pub struct ProcedureSpec {
    /// Canonical name (matched case-insensitively).
    pub name: &'static str,
    /// One-line description.
    pub description: &'static str,
    /// Input parameters.
    pub params: &'static [ParamSpec],
    /// Result columns, in order; all are Utf8.
    pub result_columns: &'static [&'static str],
    /// Whether the procedure only reads or manages the connection's own OAuth state, so it runs
    /// on a `Readonly=true` connection.
    pub oauth: bool,
    /// The code that runs a validated call.
    pub run: Runner,
}

/// Runs a validated call of one procedure through the connection's OAuth engine.
pub type Runner = for<'a> fn(&'a TokenManager, ProcedureCall) -> BoxFuture<'a, Result<ResultSet>>;

/// One input parameter of a procedure.
#[derive(Debug)]
pub struct ParamSpec {
    /// Canonical name (matched case-insensitively, with or without `@`).
    pub name: &'static str,
    /// The SQL type shown in `sys_procedureparameters` (all CData OAuth inputs are `String`).
    pub data_type: &'static str,
    /// Whether the call must give it (see also [`CONDITIONAL_REQUIREMENTS`]).
    pub required: bool,
    /// The value used when the call does not give one, when there is a fixed one.
    pub default: Option<&'static str>,
    /// The allowed values in canonical spelling (matched case-insensitively); empty = any.
    pub allowed: &'static [&'static str],
    /// Other accepted names (e.g. `Permissions` for `Scope`).
    pub aliases: &'static [&'static str],
    /// Whether the value is secret: held in a [`SecretString`], never shown.
    pub secret: bool,
    /// One-line description.
    pub description: &'static str,
}

/// A parameter that becomes required when another parameter has a given value.
#[derive(Debug)]
pub struct ConditionalRequirement {
    /// The procedure.
    pub procedure: &'static str,
    /// The parameter that becomes required.
    pub parameter: &'static str,
    /// The deciding parameter.
    pub when: &'static str,
    /// The deciding parameter's value (given or default) that makes `parameter` required.
    pub equals: &'static str,
}

/// Requirements that depend on other arguments: the web flow's token exchange needs the verifier
/// in the call itself. (CallbackUrl is never required: it defaults to the CallbackURL property.)
pub static CONDITIONAL_REQUIREMENTS: &[ConditionalRequirement] = &[ConditionalRequirement {
    procedure: "GetOAuthAccessToken",
    parameter: "Verifier",
    when: "AuthMode",
    equals: "WEB",
}];

const AUTH_MODE: ParamSpec = ParamSpec {
    name: "AuthMode",
    data_type: "String",
    required: false,
    default: Some("APP"),
    allowed: &["APP", "WEB"],
    aliases: &[],
    secret: false,
    description: "APP: a desktop application (the connector runs the browser flow); WEB: a web application (the caller redirects the user).",
};
const SCOPE: ParamSpec = ParamSpec {
    name: "Scope",
    data_type: "String",
    required: false,
    default: Some(DEFAULT_SCOPE),
    allowed: &[],
    aliases: &["Permissions"],
    secret: false,
    description: "A comma-separated list of permissions to request from the user (also accepted as Permissions). Defaults to the connection's Scope.",
};
const STATE: ParamSpec = ParamSpec {
    name: "State",
    data_type: "String",
    required: false,
    default: None,
    allowed: &[],
    aliases: &[],
    secret: false,
    description: "A value Zoho sends back to the callback unchanged (CSRF protection, redirects).",
};
const ACCOUNTS_SERVER: ParamSpec = ParamSpec {
    name: "AccountsServer",
    data_type: "String",
    required: false,
    default: None,
    allowed: &[],
    aliases: &[],
    secret: false,
    description: "The full accounts server URL (e.g. https://accounts.zoho.eu), as received in the callback's accounts-server parameter. Defaults to the connection's.",
};

const TOKEN_RESULTS: &[&str] = &[
    "OAuthAccessToken",
    "OAuthRefreshToken",
    "ExpiresIn",
    "AccountsServer",
    "ApiDomain",
];

/// Every stored procedure, in display order.
pub static PROCEDURES: &[ProcedureSpec] = &[
    ProcedureSpec {
        name: "GetOAuthAuthorizationURL",
        description: "Gets the authorization URL that the user must open to grant access to the application (web flow).",
        params: &[
            AUTH_MODE,
            ParamSpec {
                description: "The redirect URI registered for the app; Zoho sends the user back to it. Defaults to the connection's CallbackURL.",
                ..CALLBACK_URL_BASE
            },
            SCOPE,
            STATE,
        ],
        // PKCEVerifier is returned only when the PKCE property is true.
        result_columns: &["URL", "PKCEVerifier"],
        oauth: true,
        run: run_get_authorization_url,
    },
    ProcedureSpec {
        name: "GetOAuthAccessToken",
        description: "Gets an authentication token from Zoho Books.",
        params: &[
            AUTH_MODE,
            ParamSpec {
                name: "Verifier",
                data_type: "String",
                required: false,
                default: None,
                allowed: &[],
                aliases: &[],
                secret: true,
                description: "The code Zoho returned to the callback URL after the user consented (the whole callback URL is accepted too). Required when AuthMode is WEB.",
            },
            ParamSpec {
                description: "The redirect URI used to obtain the Verifier; must equal the one in the authorization URL. Defaults to the connection's CallbackURL.",
                ..CALLBACK_URL_BASE
            },
            SCOPE,
            STATE,
            ACCOUNTS_SERVER,
            ParamSpec {
                name: "PKCEVerifier",
                data_type: "String",
                required: false,
                default: None,
                allowed: &[],
                aliases: &[],
                secret: true,
                description: "The PKCE code_verifier matching the code_challenge sent with the authorization URL (when PKCE is on).",
            },
        ],
        result_columns: TOKEN_RESULTS,
        oauth: true,
        run: run_get_access_token,
    },
    ProcedureSpec {
        name: "RefreshOAuthAccessToken",
        description: "Exchanges a refresh token for a new access token.",
        params: &[
            ParamSpec {
                name: "OAuthRefreshToken",
                data_type: "String",
                required: false,
                default: None,
                allowed: &[],
                aliases: &[],
                secret: true,
                description: "The refresh token returned with the previous access token. Defaults to the connection's current refresh token.",
            },
            ACCOUNTS_SERVER,
        ],
        result_columns: TOKEN_RESULTS,
        oauth: true,
        run: run_refresh_access_token,
    },
];

/// The value a call gave explicitly for `name` (text only): the engine falls back to the
/// connection's properties (CallbackURL, Scope, AccountsServer) for the rest.
fn given<'c>(call: &'c ProcedureCall, name: &str) -> Option<&'c str> {
    match call.get(name) {
        Some(ArgValue::Text(t)) => Some(t.as_str()),
        _ => None,
    }
}

fn run_get_authorization_url(
    tokens: &TokenManager,
    call: ProcedureCall,
) -> BoxFuture<'_, Result<ResultSet>> {
    Box::pin(async move {
        let url = tokens.authorization_url(
            given(&call, "CallbackUrl"),
            given(&call, "Scope"),
            given(&call, "State"),
        )?;
        match url.pkce_verifier {
            Some(verifier) => ResultSet::from_utf8_row(
                &["URL", "PKCEVerifier"],
                vec![Some(url.url), Some(verifier.expose_secret().to_owned())],
            ),
            None => ResultSet::from_utf8_row(&["URL"], vec![Some(url.url)]),
        }
    })
}

fn run_get_access_token(
    tokens: &TokenManager,
    call: ProcedureCall,
) -> BoxFuture<'_, Result<ResultSet>> {
    Box::pin(async move {
        let verifier = call.secret("Verifier");
        let set = if verifier.is_none() && call.text("AuthMode") == Some("APP") {
            tokens.login_interactively().await?
        } else {
            let pkce = call
                .secret("PKCEVerifier")
                .map(|s| PkceVerifier::new(s.expose_secret()));
            tokens
                .exchange_code(ExchangeRequest {
                    verifier,
                    callback_url: given(&call, "CallbackUrl"),
                    state: given(&call, "State"),
                    accounts_server: given(&call, "AccountsServer"),
                    pkce_verifier: pkce.as_ref(),
                    scope: given(&call, "Scope"),
                })
                .await?
        };
        token_row(set)
    })
}

fn run_refresh_access_token(
    tokens: &TokenManager,
    call: ProcedureCall,
) -> BoxFuture<'_, Result<ResultSet>> {
    Box::pin(async move {
        let refresh = call
            .secret("OAuthRefreshToken")
            .map(|s| RefreshToken::new(s.expose_secret()));
        token_row(
            tokens
                .refresh_with(refresh, given(&call, "AccountsServer"))
                .await?,
        )
    })
}

/// The one-row result of the token procedures: OAuthAccessToken, OAuthRefreshToken, ExpiresIn,
/// AccountsServer, ApiDomain (all Utf8, as CData's).
fn token_row(tokens: TokenSet) -> Result<ResultSet> {
    ResultSet::from_utf8_row(
        TOKEN_RESULTS,
        vec![
            Some(tokens.access_token.expose_secret().to_owned()),
            tokens
                .refresh_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            tokens.expires_in.map(|e| e.to_string()),
            Some(tokens.accounts_server),
            Some(tokens.api_domain),
        ],
    )
}

const CALLBACK_URL_BASE: ParamSpec = ParamSpec {
    name: "CallbackUrl",
    data_type: "String",
    required: false,
    default: None,
    allowed: &[],
    aliases: &[],
    secret: false,
    description: "",
};

/// Looks a procedure up by name, case-insensitively.
pub fn find_procedure(name: &str) -> Option<&'static ProcedureSpec> {
    PROCEDURES
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
}

impl ProcedureSpec {
    /// Looks a parameter up by name or alias, case-insensitively, with or without `@`.
    pub fn param(&self, name: &str) -> Option<&'static ParamSpec>
    where
        Self: 'static,
    {
        let name = name.trim_start_matches('@');
        self.params.iter().find(|p| {
            p.name.eq_ignore_ascii_case(name)
                || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
        })
    }

    /// The parameter names (canonical), for error messages.
    pub fn param_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.to_owned()).collect()
    }
}

/// A validated argument value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// The call passed SQL `NULL`.
    Null,
    /// A non-secret value (numbers and booleans as text; allowed values in canonical spelling).
    Text(String),
    /// The value of a secret parameter.
    Secret(SecretString),
}

impl ArgValue {
    /// Whether the call passed `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(self, ArgValue::Null)
    }
}

/// A call that passed validation: the procedure and its arguments under canonical names.
/// Parameters the call did not give are absent from `args` (use [`ProcedureCall::text`] to fall
/// back to the declared default).
#[derive(Debug, Clone)]
pub struct ProcedureCall {
    /// The procedure.
    pub spec: &'static ProcedureSpec,
    /// The given arguments by canonical parameter name.
    pub args: BTreeMap<&'static str, ArgValue>,
}

impl ProcedureCall {
    /// The argument given for `name` (canonical name or alias, any case), if any.
    pub fn get(&self, name: &str) -> Option<&ArgValue> {
        let spec = self.spec.param(name)?;
        self.args.get(spec.name)
    }

    /// The non-secret text given for `name`, else the declared default; `None` for NULL, for
    /// secret parameters and when there is neither.
    pub fn text(&self, name: &str) -> Option<&str> {
        let spec = self.spec.param(name)?;
        match self.args.get(spec.name) {
            Some(ArgValue::Text(t)) => Some(t),
            Some(_) => None,
            None => spec.default,
        }
    }

    /// The value given for a secret parameter.
    pub fn secret(&self, name: &str) -> Option<&SecretString> {
        match self.get(name) {
            Some(ArgValue::Secret(s)) => Some(s),
            _ => None,
        }
    }
}

/// Checks a parsed call against the catalog. Every bind marker must be bound already.
pub fn validate(plan: &CallPlan) -> Result<ProcedureCall> {
    let spec = find_procedure(&plan.procedure).ok_or_else(|| Error::UnknownProcedure {
        name: crate::sql::parse::clipped(&plan.procedure),
        known: PROCEDURES.iter().map(|p| p.name.to_owned()).collect(),
    })?;
    let mut args = BTreeMap::new();
    for arg in &plan.args {
        let param = spec
            .param(&arg.name)
            .ok_or_else(|| Error::UnknownParameter {
                procedure: spec.name.to_owned(),
                name: crate::sql::parse::clipped(&arg.name),
                known: spec.param_names(),
            })?;
        if args.contains_key(param.name) {
            return Err(Error::DuplicateParameter {
                procedure: spec.name.to_owned(),
                name: param.name.to_owned(),
            });
        }
        let value = match &arg.value {
            ValueExpr::Literal(v) => v,
            ValueExpr::Positional(n) => {
                return Err(Error::BindParameter {
                    message: format!("no value bound for ? marker #{}", n + 1),
                });
            }
            ValueExpr::Named(name) => {
                return Err(Error::BindParameter {
                    message: format!("no value bound for @{name}"),
                });
            }
        };
        args.insert(param.name, convert(spec, param, value)?);
    }
    for param in spec.params {
        if param.required && !args.contains_key(param.name) {
            return Err(missing(spec, param.name));
        }
    }
    for rule in CONDITIONAL_REQUIREMENTS
        .iter()
        .filter(|r| r.procedure == spec.name)
    {
        let decider = match args.get(rule.when) {
            Some(ArgValue::Text(t)) => Some(t.as_str()),
            Some(_) => None,
            None => spec.param(rule.when).and_then(|p| p.default),
        };
        let given = matches!(args.get(rule.parameter), Some(v) if !v.is_null());
        if decider == Some(rule.equals) && !given {
            return Err(missing(spec, rule.parameter));
        }
    }
    Ok(ProcedureCall { spec, args })
}

fn missing(spec: &ProcedureSpec, name: &str) -> Error {
    Error::MissingParameter {
        procedure: spec.name.to_owned(),
        name: name.to_owned(),
    }
}

fn convert(spec: &ProcedureSpec, param: &ParamSpec, value: &Value) -> Result<ArgValue> {
    let Some(text) = value.text_exposing_secret() else {
        if param.required {
            return Err(Error::InvalidParameterValue {
                procedure: spec.name.to_owned(),
                name: param.name.to_owned(),
                expected: "a value (it is required and cannot be NULL)".into(),
            });
        }
        return Ok(ArgValue::Null);
    };
    if param.secret {
        return Ok(ArgValue::Secret(SecretString::new(text.into_owned())));
    }
    if param.allowed.is_empty() {
        return Ok(ArgValue::Text(text.into_owned()));
    }
    let trimmed = text.trim();
    param
        .allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(trimmed))
        .map(|a| ArgValue::Text((*a).to_owned()))
        .ok_or_else(|| Error::InvalidParameterValue {
            procedure: spec.name.to_owned(),
            name: param.name.to_owned(),
            expected: format!("one of {}", param.allowed.join(", ")),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{Params, Plan, params::bind, parse_statement};

    fn check(sql: &str) -> Result<ProcedureCall> {
        match parse_statement(sql)? {
            Plan::Call(c) => validate(&c),
            Plan::Query(_) => panic!("not a call: {sql}"),
        }
    }

    #[test]
    fn names_are_case_insensitive_with_or_without_at_and_aliases_work() {
        let call = check(
            "exec GETOAUTHAUTHORIZATIONURL authmode='Web', @CALLBACKURL = 'http://localhost:1', Permissions='ZohoBooks.invoices.READ'",
        )
        .unwrap();
        assert_eq!(call.spec.name, "GetOAuthAuthorizationURL");
        assert_eq!(call.text("AuthMode"), Some("WEB"));
        assert_eq!(call.text("callbackurl"), Some("http://localhost:1"));
        assert_eq!(call.text("Scope"), Some("ZohoBooks.invoices.READ"));
        assert_eq!(
            call.args.keys().copied().collect::<Vec<_>>(),
            ["AuthMode", "CallbackUrl", "Scope"]
        );
    }

    #[test]
    fn defaults_apply_when_not_given() {
        let call = check("EXEC GetOAuthAuthorizationURL").unwrap();
        assert_eq!(call.text("AuthMode"), Some("APP"));
        assert_eq!(call.text("Scope"), Some(DEFAULT_SCOPE));
        assert_eq!(call.text("State"), None);
        assert!(call.args.is_empty());
    }

    #[test]
    fn null_is_kept_and_distinguishable() {
        let call = check("EXEC GetOAuthAuthorizationURL @State = NULL").unwrap();
        assert_eq!(call.get("State"), Some(&ArgValue::Null));
        assert_eq!(call.text("State"), None);
        let call = check("EXEC RefreshOAuthAccessToken @OAuthRefreshToken = NULL").unwrap();
        assert!(call.get("OAuthRefreshToken").unwrap().is_null());
    }

    #[test]
    fn every_validation_error() {
        let e = check("EXEC NoSuchProc").unwrap_err();
        assert!(matches!(e, Error::UnknownProcedure { .. }));
        assert!(e.to_string().contains("GetOAuthAccessToken"), "{e}");

        let e = check("EXEC GetOAuthAuthorizationURL @Bogus = 'x'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown parameter 'Bogus' for GetOAuthAuthorizationURL; its parameters are: AuthMode, CallbackUrl, Scope, State"
        );

        let e =
            check("EXEC GetOAuthAuthorizationURL @Scope = 'a', @Permissions = 'b'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "parameter 'Scope' is given more than once in the call to GetOAuthAuthorizationURL"
        );

        let e = check("EXEC GetOAuthAuthorizationURL @AuthMode = 'DESKTOP'").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value for parameter 'AuthMode' of GetOAuthAuthorizationURL: expected one of APP, WEB"
        );

        // CallbackUrl defaults to the CallbackURL property; the web exchange needs a Verifier.
        assert!(check("EXEC GetOAuthAuthorizationURL @AuthMode = 'WEB'").is_ok());
        let e = check("EXEC GetOAuthAccessToken @AuthMode = 'WEB', @CallbackUrl = 'http://x'")
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "missing required parameter 'Verifier' for GetOAuthAccessToken"
        );
        // In APP mode (the default) the verifier is optional: the desktop flow obtains one.
        assert!(check("EXEC GetOAuthAccessToken").is_ok());
    }

    #[test]
    fn secret_values_are_wrapped_and_never_in_errors() {
        let call = check(
            "EXEC GetOAuthAccessToken @Verifier = '1000.secretcode', @PKCEVerifier = 'pkce-secret'",
        )
        .unwrap();
        assert!(matches!(call.get("Verifier"), Some(ArgValue::Secret(_))));
        let dbg = format!("{call:?}");
        assert!(
            !dbg.contains("secretcode") && !dbg.contains("pkce-secret"),
            "{dbg}"
        );

        let e = check(
            "EXEC GetOAuthAccessToken @Verifier = '1000.secretcode', @verifier = '1000.secretcode'",
        )
        .unwrap_err();
        assert!(!e.to_string().contains("secretcode"));

        // Bound secrets stay secret.
        let Plan::Call(plan) =
            parse_statement("EXEC RefreshOAuthAccessToken @OAuthRefreshToken = ?").unwrap()
        else {
            panic!()
        };
        let Plan::Call(bound) = bind(
            Plan::Call(plan),
            &Params::new().bind(SecretString::new("1000.refresh")),
        )
        .unwrap() else {
            panic!()
        };
        let call = validate(&bound).unwrap();
        assert_eq!(
            call.secret("OAuthRefreshToken").unwrap().expose_secret(),
            "1000.refresh"
        );
    }

    #[test]
    fn catalog_is_consistent() {
        for p in PROCEDURES {
            for param in p.params {
                if let Some(d) = param.default
                    && !param.allowed.is_empty()
                {
                    assert!(param.allowed.contains(&d), "{}.{}", p.name, param.name);
                }
                assert!(!param.description.is_empty(), "{}.{}", p.name, param.name);
            }
            assert!(!p.result_columns.is_empty());
        }
        for r in CONDITIONAL_REQUIREMENTS {
            let p = find_procedure(r.procedure).unwrap();
            assert!(p.param(r.parameter).is_some() && p.param(r.when).is_some());
        }
    }
}
