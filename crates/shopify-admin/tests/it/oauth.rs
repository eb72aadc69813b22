//! OAuth code exchange and token refresh against a local token endpoint.

use secrecy::{ExposeSecret, SecretString};
use shopify_admin::oauth::{AccessMode, OAuthApp, OAuthError};
use shopify_admin::{Endpoint, http_client};

use crate::support::{Answer, TestServer, test_shop};

fn app() -> OAuthApp {
    OAuthApp {
        client_id: "client-1".into(),
        client_secret: SecretString::from("app-secret-value".to_owned()),
        scopes: vec!["read_orders".into()],
        redirect_uri: url::Url::parse("https://sync.example/oauth/callback").unwrap(),
    }
}

#[tokio::test]
async fn the_code_is_exchanged_for_an_expiring_token_and_refreshed_with_rotation() {
    let server = TestServer::start(|request, _| {
        let body: serde_json::Value = serde_json::from_str(&request.body).unwrap();
        assert_eq!(request.path, "/admin/oauth/access_token");
        assert_eq!(body["client_id"], "client-1");
        assert_eq!(body["client_secret"], "app-secret-value");
        match body.get("grant_type").and_then(|g| g.as_str()) {
            None => {
                assert_eq!((body["code"].as_str(), body["expiring"].as_str()), (Some("the-code"), Some("1")));
                Answer::json(
                    200,
                    r#"{"access_token":"shpat_first","scope":"read_orders,write_inventory","expires_in":3600,"refresh_token":"shprt_one","refresh_token_expires_in":7776000}"#,
                )
            }
            Some("refresh_token") => {
                assert_eq!(body["refresh_token"], "shprt_one");
                Answer::json(200, r#"{"access_token":"shpat_second","scope":"read_orders","expires_in":3600,"refresh_token":"shprt_two"}"#)
            }
            Some(other) => panic!("unexpected grant {other}"),
        }
    })
    .await;
    let http = http_client(Default::default()).unwrap();
    let endpoint = Endpoint::development(&server.base_url).unwrap();
    let shop = test_shop();

    let token = app().exchange_code(&http, &endpoint, &shop, "the-code", true).await.unwrap();
    assert_eq!(token.access_token.expose_secret(), "shpat_first");
    assert_eq!(token.scopes(), ["read_orders", "write_inventory"]);
    assert_eq!(token.expires_in, Some(3600));
    let debug = format!("{token:?}");
    assert!(!debug.contains("shpat_first") && !debug.contains("shprt_one"), "{debug}");

    let refreshed = app().refresh(&http, &endpoint, &shop, token.refresh_token.as_ref().unwrap()).await.unwrap();
    assert_eq!(refreshed.access_token.expose_secret(), "shpat_second");
    assert_eq!(refreshed.refresh_token.unwrap().expose_secret(), "shprt_two", "the refresh token rotates");
}

#[tokio::test]
async fn a_refused_exchange_says_why() {
    let server = TestServer::start(|_, _| {
        Answer::json(400, r#"{"error":"invalid_request","error_description":"The authorization code was not found or was already used"}"#)
    })
    .await;
    let http = http_client(Default::default()).unwrap();
    let endpoint = Endpoint::development(&server.base_url).unwrap();
    let err = app().exchange_code(&http, &endpoint, &test_shop(), "used", false).await.unwrap_err();
    match &err {
        OAuthError::Rejected { status: 400, message } => assert!(message.contains("already used")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_authorize_url_points_at_the_development_endpoint_when_asked() {
    let endpoint = Endpoint::development("http://127.0.0.1:7777").unwrap();
    let request = app().authorize_url(&test_shop(), &endpoint, AccessMode::Offline);
    assert!(request.url.as_str().starts_with("http://127.0.0.1:7777/admin/oauth/authorize?"), "{}", request.url);
    assert_eq!(request.state.len(), 48);
}
