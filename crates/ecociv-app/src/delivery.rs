//! Delivery: how a message leaves ecociv — by mail over SMTP (the server given by `--smtp-url`,
//! plain on a trusted relay, STARTTLS or TLS), or to a WeCom or DingTalk group robot by an HTTP
//! POST of its JSON to the robot's webhook (HTTPS checked against the system's trusted roots).
//! A robot answers `{"errcode":0}` when it took the message; anything else is a failure, said in
//! the words the robot gave. A failure is either known to have left nothing behind (no
//! connection, a refusal: the message may be tried again) or not (no answer once the message was
//! handed over: it may have arrived, so it is not tried again).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use ecociv_core::contact::Target;
use ecociv_core::reminder::{Robot, dingtalk_sign};
use http_body_util::{BodyExt, Full, Limited};
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::AppError;

/// Why a message did not go, and whether it surely did not arrive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub why: String,
    /// Nothing reached the recipient (refused, or never handed over): safe to try again.
    pub retry: bool,
}

impl Failure {
    fn before(why: impl Into<String>) -> Failure {
        Failure { why: why.into(), retry: true }
    }
    fn after(why: impl Into<String>) -> Failure {
        Failure { why: why.into(), retry: false }
    }
}

/// A task that ends when its handle is dropped (the connection of a request given up).
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How long each step of one message may take (connecting, handing it over, the answer).
const TIMEOUT: Duration = Duration::from_secs(20);
/// The most of a robot's answer that is read.
const ANSWER_LIMIT: usize = 64 * 1024;

/// Where messages are sent from: the mail server (when one is set) and the robots' client.
#[derive(Clone)]
pub struct Couriers {
    mail: Option<(AsyncSmtpTransport<Tokio1Executor>, Mailbox)>,
    tls: tokio_rustls::TlsConnector,
    /// The site's address as its users reach it, for the links in messages.
    pub base_url: String,
    /// How long each step may take.
    timeout: Duration,
}

impl Couriers {
    /// Couriers for a mail server URL (`smtp://host:25`, `smtp://user:pass@host:587?tls=required`,
    /// `smtps://user:pass@host:465`; `None`: no mail is sent) sending as `from`
    /// (`生态文明示范区 <ecociv@example.gov.cn>`), with links to `base_url`.
    pub fn new(smtp_url: Option<&str>, from: &str, base_url: &str) -> Result<Couriers, AppError> {
        let bad = |what: &str, e: String| AppError::bad_request("bad_setting").field(what, &e);
        let mail = match smtp_url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url).map_err(|e| bad("smtp_url", e.to_string()))?.timeout(Some(TIMEOUT)).build();
                let sender: Mailbox = from.trim().parse().map_err(|e: lettre::address::AddressError| bad("mail_from", e.to_string()))?;
                Some((transport, sender))
            }
            None => None,
        };
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        // ring, as lettre uses it: rustls deprecates its provider for lacking post-quantum key
        // exchange, which only the far heavier aws-lc-rs build offers
        #[allow(deprecated)]
        let provider = rustls::crypto::ring::default_provider();
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("tls", e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Couriers { mail, tls: tokio_rustls::TlsConnector::from(Arc::new(config)), base_url: base_url.trim_end_matches('/').to_string(), timeout: TIMEOUT })
    }

    /// The same couriers, each step of a message taking at most `timeout` (20 s otherwise).
    pub fn with_timeout(self, timeout: Duration) -> Couriers {
        Couriers { timeout, ..self }
    }

    /// Whether mail can be sent (a mail server is set).
    pub fn mails(&self) -> bool {
        self.mail.is_some()
    }

    /// Sends one message; `Err` says why it did not go, and whether it surely did not arrive.
    /// `now_ms` signs a DingTalk robot's call.
    pub async fn send(&self, target: &Target, subject: &str, text: &str, now_ms: i64) -> Result<(), Failure> {
        match target {
            Target::Mail { address } => {
                let Some((transport, from)) = &self.mail else { return Err(Failure::before("no mail server is set (--smtp-url)")) };
                let to: Mailbox = address.parse().map_err(|e: lettre::address::AddressError| Failure::before(format!("{address}: {e}")))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(text.to_string())
                    .map_err(|e| Failure::before(e.to_string()))?;
                match tokio::time::timeout(self.timeout, transport.send(message)).await {
                    Ok(Ok(_)) => Ok(()),
                    // a timeout may come after the server took the mail; an answer of the
                    // server (a refusal) or a connection that never opened left nothing
                    Ok(Err(e)) if e.is_timeout() => Err(Failure::after(e.to_string())),
                    Ok(Err(e)) => Err(Failure::before(e.to_string())),
                    Err(_) => Err(Failure::after(format!("no answer within {:?}", self.timeout))),
                }
            }
            Target::Robot { robot, webhook, secret, mobiles } => {
                let mut url = webhook.clone();
                if *robot == Robot::DingTalk && !secret.is_empty() {
                    let query = dingtalk_sign(secret, now_ms);
                    if url.contains('?') {
                        url.push_str(&query);
                    } else {
                        url.push('?');
                        url.push_str(&query[1..]);
                    }
                }
                let body = serde_json::to_vec(&robot.body(text, mobiles)).expect("serializable");
                let (status, answer) = self.post_json(&url, body).await?;
                robot_took(status, &answer).map_err(Failure::before)
            }
        }
    }

    /// POSTs a JSON body to `url` over HTTP/1.1: the answer's status and body.
    async fn post_json(&self, url: &str, body: Vec<u8>) -> Result<(u16, Bytes), Failure> {
        let uri: http::Uri = url.parse().map_err(|e| Failure::before(format!("bad address: {e}")))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(Failure::before("the address is neither http:// nor https://")),
        };
        let host = uri.host().ok_or(Failure::before("the address names no host"))?.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let authority = uri.authority().map(|a| a.as_str().to_string()).unwrap_or_default();
        let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/").to_string();
        let request = http::Request::post(path)
            .header(http::header::HOST, authority)
            .header(http::header::CONTENT_TYPE, "application/json; charset=utf-8")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| Failure::before(e.to_string()))?;
        let late = || Failure::before(format!("no connection to {host}:{port} within {:?}", self.timeout));
        let tcp = tokio::time::timeout(self.timeout, tokio::net::TcpStream::connect((host.as_str(), port)))
            .await
            .map_err(|_| late())?
            .map_err(|e| Failure::before(format!("cannot connect to {host}:{port}: {e}")))?;
        if https {
            let name = rustls::pki_types::ServerName::try_from(host.clone()).map_err(|e| Failure::before(format!("{host}: {e}")))?;
            let tls = tokio::time::timeout(self.timeout, self.tls.connect(name, tcp))
                .await
                .map_err(|_| late())?
                .map_err(|e| Failure::before(format!("TLS with {host}: {e}")))?;
            exchange(hyper_util::rt::TokioIo::new(tls), request, self.timeout).await
        } else {
            exchange(hyper_util::rt::TokioIo::new(tcp), request, self.timeout).await
        }
    }
}

/// One request and its answer on a connection: a failure once the request may have been handed
/// over is one that may have arrived.
async fn exchange<I>(io: I, request: http::Request<Full<Bytes>>, timeout: Duration) -> Result<(u16, Bytes), Failure>
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) = tokio::time::timeout(timeout, hyper::client::conn::http1::handshake(io))
        .await
        .map_err(|_| Failure::before("no HTTP handshake"))?
        .map_err(|e| Failure::before(e.to_string()))?;
    let _driven = AbortOnDrop(tokio::spawn(connection));
    let answered = tokio::time::timeout(timeout, async {
        let answer = sender.send_request(request).await.map_err(|e| e.to_string())?;
        let status = answer.status().as_u16();
        let body = Limited::new(answer.into_body(), ANSWER_LIMIT).collect().await.map_err(|e| format!("the answer: {e}"))?.to_bytes();
        Ok::<_, String>((status, body))
    })
    .await;
    match answered {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(why)) => Err(Failure::after(why)),
        Err(_) => Err(Failure::after(format!("no answer within {timeout:?}"))),
    }
}

/// Whether a robot took the message: HTTP 2xx and a JSON answer with `errcode` 0. What it says
/// otherwise is kept short: its `errmsg`, or the status alone (never the body of some other
/// server's answer).
fn robot_took(status: u16, answer: &[u8]) -> Result<(), String> {
    let said = serde_json::from_slice::<serde_json::Value>(answer).ok();
    let code = said.as_ref().and_then(|v| v.get("errcode")).and_then(|c| c.as_i64());
    let words: String = said.as_ref().and_then(|v| v.get("errmsg")).and_then(|m| m.as_str()).unwrap_or_default().chars().take(200).collect();
    match (status, code) {
        (200..=299, Some(0)) => Ok(()),
        (200..=299, Some(c)) => Err(format!("errcode {c}: {words}")),
        (200..=299, None) => Err(format!("HTTP {status} without an errcode: not a group robot's answer")),
        (s, _) => Err(format!("HTTP {s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_robot_took_it_only_with_errcode_zero() {
        assert!(robot_took(200, br#"{"errcode":0,"errmsg":"ok"}"#).is_ok());
        assert!(robot_took(200, b"").is_err() && robot_took(200, b"<html>secret page</html>").is_err(), "only a robot's answer counts");
        assert_eq!(robot_took(200, br#"{"errcode":310000,"errmsg":"sign not match"}"#).unwrap_err(), "errcode 310000: sign not match");
        assert_eq!(robot_took(502, b"Bad Gateway: internal details").unwrap_err(), "HTTP 502", "no other server's words");
    }

    #[test]
    fn a_bad_mail_setting_is_refused_at_start() {
        assert!(Couriers::new(Some("smtp://127.0.0.1:2525"), "生态文明 <ecociv@example.gov.cn>", "http://x/").unwrap().mails());
        assert!(!Couriers::new(None, "", "http://x").unwrap().mails());
        assert!(Couriers::new(Some("ftp://x"), "a@b.cn", "").is_err());
        assert!(Couriers::new(Some("smtp://127.0.0.1:2525"), "not an address", "").is_err());
    }
}
