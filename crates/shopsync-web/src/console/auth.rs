//! Login, logout and the limit on failed logins.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Form};
use axum_extra::extract::cookie::CookieJar;
use serde::Deserialize;
use shopsync_sync::app::users;

use super::{Console, Ctx, SESSION_COOKIE, client_address, cookie, render, see_other};

/// The login form's own CSRF cookie (there is no session yet to derive a token from).
const LOGIN_COOKIE: &str = "shopsync_login";

/// Failed logins allowed per user name within [`WINDOW`].
pub const USER_FAILURES: usize = 5;
/// Failed logins allowed per client address within [`WINDOW`], whatever names it tries.
pub const ADDRESS_FAILURES: usize = 20;
/// How long a failed login counts.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

/// Failed logins per user name and per client address, in memory: a restart forgets them, which costs an
/// attacker a restart of the server per few guesses. Past a limit, logins for that name (or from that address)
/// are refused with 429 until the oldest failure in the window is older than [`WINDOW`].
#[derive(Default)]
pub struct Limiter {
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl Limiter {
    /// How long `keys` must wait before another try, if any must.
    fn wait(&self, keys: &[(String, usize)]) -> Option<Duration> {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        keys.iter()
            .filter_map(|(key, limit)| {
                let list = failures.get_mut(key)?;
                list.retain(|at| now.duration_since(*at) < WINDOW);
                (list.len() >= *limit).then(|| WINDOW.saturating_sub(now.duration_since(list[list.len() - limit])))
            })
            .max()
    }

    fn failed(&self, keys: &[(String, usize)]) {
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Bounded memory: a flood of names is forgotten in bulk rather than kept.
        if failures.len() > 100_000 {
            failures.retain(|_, list| list.iter().any(|at| now.duration_since(*at) < WINDOW));
        }
        for (key, _) in keys {
            failures.entry(key.clone()).or_default().push(now);
        }
    }

    fn succeeded(&self, user_key: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        failures.remove(user_key);
    }
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only a path of this site is followed after login, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => path.to_string(),
        _ => "/".to_string(),
    }
}

pub(crate) async fn login_page(State(console): State<Console>, jar: CookieJar, request: Request) -> Response {
    let query: Option<Query<NextQuery>> = Query::try_from_uri(request.uri()).ok();
    let next = safe_next(query.as_ref().and_then(|q| q.next.as_deref()));
    let secure = console.secure(request.headers()).await;
    let token = jar
        .get(LOGIN_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| t.len() == 64)
        .unwrap_or_else(users::random_token);
    let page = LoginPage { csrf: token.clone(), next, name: String::new(), error: None };
    (jar.add(cookie(LOGIN_COOKIE, token, secure, false)), render(&page)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

pub(crate) async fn login(State(console): State<Console>, jar: CookieJar, request: Request) -> Response {
    let secure = console.secure(request.headers()).await;
    let address = client_address(request.extensions()).map(|a| a.ip().to_string()).unwrap_or_default();
    let Ok(Form(form)) = Form::<LoginForm>::from_request(request, &()).await else {
        return super::refuse(StatusCode::BAD_REQUEST, "The login form could not be read; open the login page again.");
    };
    let expected = jar.get(LOGIN_COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
    if expected.is_empty() || !users::tokens_match(&expected, &form.csrf) {
        return super::refuse(
            StatusCode::FORBIDDEN,
            "The login form's security token is missing or out of date, so nothing was done. Open the login page \
             again and log in from it.",
        );
    }
    let name = form.name.trim().to_ascii_lowercase();
    let user_key = format!("user:{name}");
    let keys = [(user_key.clone(), USER_FAILURES), (format!("address:{address}"), ADDRESS_FAILURES)];
    let next = safe_next(form.next.as_deref());
    if let Some(wait) = console.limiter.wait(&keys) {
        let seconds = wait.as_secs().max(1);
        let minutes = seconds.div_ceil(60);
        let page = LoginPage {
            csrf: expected,
            next,
            name,
            error: Some(format!(
                "Too many failed logins for this name or from this address: wait {minutes} minute{} before trying \
                 again.",
                if minutes == 1 { "" } else { "s" }
            )),
        };
        let mut response = (StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response();
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return response;
    }
    let store = console.engine.store();
    let user = match users::authenticate(store.as_ref(), &name, &form.password).await {
        Ok(user) => user,
        Err(error) => return super::failure(&error),
    };
    let Some(user) = user else {
        console.limiter.failed(&keys);
        tracing::warn!(user = %name, %address, "console login refused");
        let page = LoginPage {
            csrf: expected,
            next,
            name,
            error: Some("That name and password do not match an account. Check both and try again.".into()),
        };
        return (StatusCode::UNAUTHORIZED, render(&page)).into_response();
    };
    console.limiter.succeeded(&user_key);
    let token = match users::open_session(store.as_ref(), &user).await {
        Ok(token) => token,
        Err(error) => return super::failure(&error),
    };
    tracing::info!(user = %user.name, role = %user.role, "console login");
    let jar =
        jar.add(cookie(SESSION_COOKIE, token, secure, false)).add(cookie(LOGIN_COOKIE, String::new(), secure, true));
    (jar, see_other(&next)).into_response()
}

pub(crate) async fn logout(State(console): State<Console>, Extension(ctx): Extension<Ctx>, jar: CookieJar) -> Response {
    if let Some(token) = jar.get(SESSION_COOKIE).map(|c| c.value().to_string())
        && let Err(error) = users::close_session(console.engine.store().as_ref(), &token).await
    {
        return super::failure(&error);
    }
    let jar = jar.add(cookie(SESSION_COOKIE, String::new(), ctx.secure, true));
    (jar, see_other("/login")).into_response()
}
