//! Contacts (联系方式): where reminders go. Each user gives a mail address and a mobile number
//! and chooses how to be reminded (by mail, in the unit's group robot, or not at all); each unit
//! may have a group robot (WeCom or DingTalk, by its webhook address and, for DingTalk, its
//! signing secret) and names its head, who is told when a reminder escalates. Here are the
//! contacts as kept, their checks, and whom a reminder reaches by which channel ([`deliveries`]).
//! Pure: the store keeps the contacts, the application sends.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::Role;
use crate::entry::{FieldError, check_text};
use crate::model::Plan;
use crate::record::UserRecord;
use crate::reminder::Robot;

/// How a user is reminded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// By mail, to the user's address.
    #[default]
    Mail,
    /// Named (by mobile) in the message of the unit's group robot.
    Robot,
    /// Not at all (the unit's robot still tells the group).
    Off,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Mail => "mail",
            Channel::Robot => "robot",
            Channel::Off => "off",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        [Channel::Mail, Channel::Robot, Channel::Off].into_iter().find(|c| c.code() == s.trim())
    }
}

/// A user's contact, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct UserContact {
    pub zone: String,
    pub user: String,
    /// Empty: none.
    pub email: String,
    /// 11 digits; empty: none.
    pub mobile: String,
    pub channel: Channel,
    pub updated_at: String,
}

/// A unit's group robot and head, as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitContact {
    pub zone: String,
    pub org_unit: String,
    /// `None`: the unit has no robot.
    pub robot: Option<Robot>,
    /// The robot's address (it holds the robot's access token: never shown whole).
    pub webhook: String,
    /// A DingTalk robot's signing secret (never shown).
    pub secret: String,
    /// The user told when a reminder escalates; empty: none named.
    pub head: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl UserContact {
    /// The canonical JSON the audit trail records.
    pub fn state_json(&self) -> String {
        serde_json::to_string(self).expect("serializable")
    }
}

impl UnitContact {
    /// What the audit trail records: the robot's address and secret only as fingerprints.
    pub fn state_json(&self) -> String {
        let fp = |s: &str| if s.is_empty() { String::new() } else { crate::record::content_hash(s.as_bytes()) };
        serde_json::json!({
            "zone": self.zone, "org_unit": self.org_unit, "robot": self.robot.map(Robot::code), "webhook": fp(&self.webhook),
            "secret": fp(&self.secret), "head": self.head, "updated_by": self.updated_by, "updated_at": self.updated_at,
        })
        .to_string()
    }

    /// The robot's address as shown: scheme and host, and its last four characters
    /// (`https://oapi.dingtalk.com/…a1b2`).
    pub fn masked_webhook(&self) -> String {
        mask_webhook(&self.webhook)
    }
}

/// A unit's robot and head as shown: the address masked, the secret only said to be set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct UnitContactShown {
    pub org_unit: String,
    pub robot: Option<Robot>,
    /// The address with its token masked (`https://oapi.dingtalk.com/…a1b2`).
    pub webhook: String,
    pub has_secret: bool,
    pub head: String,
    pub updated_by: String,
    pub updated_at: String,
}

impl UnitContact {
    pub fn shown(&self) -> UnitContactShown {
        UnitContactShown {
            org_unit: self.org_unit.clone(),
            robot: self.robot,
            webhook: self.masked_webhook(),
            has_secret: !self.secret.is_empty(),
            head: self.head.clone(),
            updated_by: self.updated_by.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

/// See [`UnitContact::masked_webhook`]: the scheme and host alone, and the address's last four
/// characters (a token may stand in the path as well as in the query).
pub fn mask_webhook(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?']).next().unwrap_or_default();
    let tail: String = url.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if url.is_empty() { String::new() } else { format!("{scheme}://{host}/…{tail}") }
}

/// A user's contact as sent in.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UserContactInput {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub mobile: String,
    /// `mail`, `robot` or `off`.
    pub channel: String,
}

/// A unit's robot and head as sent in. A webhook or secret left out keeps the one kept; a robot
/// set to empty removes the robot with its webhook and secret.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct UnitContactInput {
    /// `wecom`, `dingtalk`, or empty: no robot.
    #[serde(default)]
    pub robot: String,
    #[serde(default)]
    pub webhook: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
    /// A user of the zone; empty: none.
    #[serde(default)]
    pub head: String,
}

/// The longest address or secret accepted.
const LONGEST: usize = 1000;

/// Checks a user's contact: a mail address of the form `name@domain.tld`, a mobile of 11 digits
/// from 1 (spaces and hyphens dropped, a leading `+86` too), mail chosen only with an address.
/// Returns (email, mobile, channel), every problem at once otherwise.
pub fn check_user_contact(i: &UserContactInput) -> Result<(String, String, Channel), Vec<FieldError>> {
    let mut errs = Vec::new();
    let email = i.email.trim().to_string();
    if !email.is_empty() && !is_mail_address(&email) {
        errs.push(FieldError::keyed("email", "bad_email", "field.contact.bad_email").arg("found", &email));
    }
    let digits: String = i.mobile.trim().trim_start_matches("+86").chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let mobile_ok = digits.len() == 11 && digits.starts_with('1') && digits.bytes().all(|b| b.is_ascii_digit());
    if !digits.is_empty() && !mobile_ok {
        errs.push(FieldError::keyed("mobile", "bad_mobile", "field.contact.bad_mobile").arg("found", &i.mobile.trim()));
    }
    let channel = Channel::parse(&i.channel);
    match channel {
        None => errs.push(FieldError::keyed("channel", "bad_channel", "field.contact.bad_channel").arg("found", &i.channel.trim())),
        Some(Channel::Mail) if email.is_empty() => errs.push(FieldError::keyed("email", "email_required", "field.contact.email_required")),
        Some(Channel::Robot) if digits.is_empty() => errs.push(FieldError::keyed("mobile", "mobile_required", "field.contact.mobile_required")),
        _ => {}
    }
    if errs.is_empty() { Ok((email, digits, channel.expect("checked"))) } else { Err(errs) }
}

/// `local@domain.tld`, printable, without spaces, at most 254 characters.
fn is_mail_address(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else { return false };
    s.chars().count() <= 254
        && !local.is_empty()
        && !local.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';' | '"'))
}

/// Checks a unit's robot and head against what is kept (`kept`): the unit in the plan, a known
/// robot, an `http(s)://host/…` address (required with a robot), a printable secret, a head who
/// is an active user of the zone. Returns the contact to keep.
pub fn check_unit_contact(
    plan: &Plan,
    org_unit: &str,
    i: &UnitContactInput,
    users: &[UserRecord],
    kept: Option<&UnitContact>,
) -> Result<UnitContact, Vec<FieldError>> {
    let mut errs = Vec::new();
    let canonical = plan.org_unit(org_unit).map(|u| u.name.clone());
    if canonical.is_none() {
        errs.push(FieldError::keyed("org_unit", "unknown_org_unit", "field.order.unknown_org_unit").arg("found", &org_unit));
    }
    let robot = match i.robot.trim() {
        "" => None,
        r => {
            let found = Robot::parse(r);
            if found.is_none() {
                errs.push(FieldError::keyed("robot", "bad_robot", "field.contact.bad_robot").arg("found", &r));
            }
            found
        }
    };
    let webhook = match &i.webhook {
        Some(w) => w.trim().to_string(),
        None => kept.map(|k| k.webhook.clone()).unwrap_or_default(),
    };
    let secret = match &i.secret {
        Some(s) => s.trim().to_string(),
        None => kept.map(|k| k.secret.clone()).unwrap_or_default(),
    };
    if robot.is_some() || !i.robot.trim().is_empty() {
        if webhook.is_empty() {
            errs.push(FieldError::keyed("webhook", "webhook_required", "field.contact.webhook_required"));
        } else if !is_web_address(&webhook) {
            errs.push(FieldError::keyed("webhook", "bad_webhook", "field.contact.bad_webhook"));
        }
    }
    if secret.chars().count() > LONGEST || secret.chars().any(|c| !c.is_ascii_graphic()) {
        errs.push(FieldError::keyed("secret", "bad_secret", "field.contact.bad_secret"));
    }
    let head = i.head.trim().to_string();
    check_text(&mut errs, "head", &head);
    let of_unit = |u: &UserRecord| canonical.as_deref() == Some(u.org_unit.as_str()) && matches!(u.role, Role::Department | Role::Region | Role::Unit);
    if !head.is_empty() && !users.iter().any(|u| u.name == head && !u.disabled && of_unit(u)) {
        errs.push(FieldError::keyed("head", "unknown_user", "field.contact.unknown_head").arg("found", &head).arg("unit", &org_unit));
    }
    if !errs.is_empty() {
        return Err(errs);
    }
    let (webhook, secret) = if robot.is_some() { (webhook, secret) } else { (String::new(), String::new()) };
    Ok(UnitContact {
        zone: plan.zone.code.clone(),
        org_unit: canonical.expect("checked"),
        robot,
        webhook,
        secret,
        head,
        updated_by: String::new(),
        updated_at: String::new(),
    })
}

/// `https://` and a host without user or password (they would show in the masked address) —
/// or `http://` to this machine alone (a relay on loopback: a robot's token must not cross a
/// network in clear) — no fragment (`#`, which a request never sends), no space or control
/// character, at most 1000 characters.
fn is_web_address(s: &str) -> bool {
    let (rest, plain) = match (s.strip_prefix("https://"), s.strip_prefix("http://")) {
        (Some(r), _) => (r, false),
        (None, Some(r)) => (r, true),
        _ => return false,
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "::1");
    s.chars().count() <= LONGEST
        && !s.chars().any(|c| c.is_whitespace() || c.is_control() || c == '#')
        && !authority.is_empty()
        && !authority.starts_with(':')
        && !authority.contains('@')
        && (!plain || loopback)
}

/// Where one message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Mail { address: String },
    Robot { robot: Robot, webhook: String, secret: String, mobiles: Vec<String> },
}

/// One message of a reminder to one recipient: what the sent log keys it by (`mail:a@b.cn`,
/// `wecom:生态环境局`), its channel, where it goes, and the users it reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub recipient: String,
    pub channel: &'static str,
    pub target: Target,
    pub users: Vec<String>,
}

/// Whom a unit's reminder reaches: before and just after a due date, the unit's active
/// reporting users (not its viewers, nor the task force seated there) but its head; once escalated, its head (or, with no head named, its users again). Each of them by the
/// channel they chose — mail to their address, or named by mobile in the unit's robot message —
/// and the unit's robot, when it has one, tells its group in any case.
pub fn deliveries(unit: &str, escalated: bool, users: &[UserRecord], contacts: &[UserContact], robot: Option<&UnitContact>) -> Vec<Delivery> {
    let reporting = |u: &&UserRecord| matches!(u.role, Role::Department | Role::Region | Role::Unit);
    let of_unit: Vec<&UserRecord> = users.iter().filter(|u| u.org_unit == unit && !u.disabled).filter(reporting).collect();
    let head = robot.map(|r| r.head.as_str()).filter(|h| !h.is_empty()).and_then(|h| users.iter().find(|u| u.name == h && !u.disabled));
    let people: Vec<&UserRecord> = match head {
        Some(h) if escalated => vec![h],
        Some(h) => of_unit.into_iter().filter(|u| u.name != h.name).collect(),
        None => of_unit,
    };
    reaching(&people, contacts, robot.into_iter().collect::<Vec<_>>().as_slice())
}

/// The messages that reach `people` by their chosen channels, and the robots' groups.
pub fn reaching(people: &[&UserRecord], contacts: &[UserContact], robots: &[&UnitContact]) -> Vec<Delivery> {
    let mut out: Vec<Delivery> = Vec::new();
    let mut mentioned: Vec<(String, String)> = Vec::new();
    for p in people {
        let Some(c) = contacts.iter().find(|c| c.user == p.name) else { continue };
        match c.channel {
            Channel::Mail if !c.email.is_empty() => {
                let recipient = format!("mail:{}", c.email.to_lowercase());
                match out.iter_mut().find(|d| d.recipient == recipient) {
                    Some(d) => d.users.push(p.name.clone()),
                    None => out.push(Delivery { recipient, channel: "mail", target: Target::Mail { address: c.email.clone() }, users: vec![p.name.clone()] }),
                }
            }
            Channel::Robot if !c.mobile.is_empty() => mentioned.push((p.name.clone(), c.mobile.clone())),
            _ => {}
        }
    }
    for r in robots {
        let Some(robot) = r.robot.filter(|_| !r.webhook.is_empty()) else { continue };
        let mine: Vec<&(String, String)> =
            mentioned.iter().filter(|(name, _)| people.iter().any(|p| &p.name == name && p.org_unit == r.org_unit) || robots.len() == 1).collect();
        out.push(Delivery {
            recipient: format!("{}:{}", robot.code(), r.org_unit),
            channel: robot.code(),
            target: Target::Robot { robot, webhook: r.webhook.clone(), secret: r.secret.clone(), mobiles: mine.iter().map(|(_, m)| m.clone()).collect() },
            users: mine.iter().map(|(n, _)| n.clone()).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, unit: &str, role: Role) -> UserRecord {
        UserRecord {
            name: name.into(),
            zone: "z".into(),
            org_unit: unit.into(),
            role,
            password_hash: String::new(),
            failed_logins: 0,
            locked_until: String::new(),
            created_at: String::new(),
            disabled: false,
            must_change_password: false,
        }
    }

    fn contact(user: &str, email: &str, mobile: &str, channel: Channel) -> UserContact {
        UserContact { zone: "z".into(), user: user.into(), email: email.into(), mobile: mobile.into(), channel, updated_at: String::new() }
    }

    #[test]
    fn a_users_contact_is_checked_field_by_field() {
        let ok = |email: &str, mobile: &str, channel: &str| {
            check_user_contact(&UserContactInput { email: email.into(), mobile: mobile.into(), channel: channel.into() })
        };
        assert_eq!(ok(" a.b@hhht.gov.cn ", "+86 138-0000-0000", "mail").unwrap(), ("a.b@hhht.gov.cn".into(), "13800000000".into(), Channel::Mail));
        assert_eq!(ok("", "", "off").unwrap().2, Channel::Off);
        let codes = |r: Result<(String, String, Channel), Vec<FieldError>>| r.unwrap_err().iter().map(|e| (e.field.clone(), e.code)).collect::<Vec<_>>();
        assert_eq!(codes(ok("a@b", "12345", "fax")), [("email".into(), "bad_email"), ("mobile".into(), "bad_mobile"), ("channel".into(), "bad_channel")]);
        assert_eq!(codes(ok("", "", "mail")), [("email".into(), "email_required")]);
        assert_eq!(codes(ok("a@b.cn", "", "robot")), [("mobile".into(), "mobile_required")], "the robot names people by mobile");
        for bad in ["a b@c.cn", "@c.cn", "a@.cn", "a@cn", "a@c.cn\u{7}", "<a@c.cn>", "a@c.cn,b@c.cn"] {
            assert!(ok(bad, "", "off").is_err(), "{bad}");
        }
        assert!(ok("", "2380000000x", "off").is_err());
    }

    #[test]
    fn a_units_robot_needs_an_address_and_keeps_its_secret_unless_replaced() {
        let plan = crate::plan_data::build_plan(&crate::plan_data::hohhot()).unwrap();
        let unit = plan.org_units[0].name.clone();
        let users = [user("张三", &unit, Role::Department), user("看客", &unit, Role::Viewer), user("别人", "别的单位", Role::Department)];
        let input = |robot: &str, webhook: Option<&str>, secret: Option<&str>, head: &str| UnitContactInput {
            robot: robot.into(),
            webhook: webhook.map(String::from),
            secret: secret.map(String::from),
            head: head.into(),
        };
        for ok in ["http://127.0.0.1:8099/hook", "http://localhost/x", "http://[::1]:80/y"] {
            assert!(check_unit_contact(&plan, &unit, &input("wecom", Some(ok), None, ""), &users, None).is_ok(), "{ok}: a relay on this machine");
        }
        for not_head in ["看客", "别人"] {
            let e = check_unit_contact(&plan, &unit, &input("", None, None, not_head), &users, None).unwrap_err();
            assert_eq!(e[0].code, "unknown_user", "{not_head}: the head is a reporting user of the unit");
        }
        let c = check_unit_contact(
            &plan,
            &unit,
            &input("dingtalk", Some("https://oapi.dingtalk.com/robot/send?access_token=abcd1234"), Some("SECxyz"), "张三"),
            &users,
            None,
        )
        .unwrap();
        assert_eq!((c.robot, c.secret.as_str(), c.head.as_str()), (Some(Robot::DingTalk), "SECxyz", "张三"));
        assert_eq!(c.masked_webhook(), "https://oapi.dingtalk.com/…1234");
        assert_eq!(mask_webhook("https://relay.example/hook/SECRETTOKEN/x?a=1"), "https://relay.example/…?a=1", "a token in the path is hidden too");
        assert!(!c.state_json().contains("abcd1234") && !c.state_json().contains("SECxyz"), "the trail keeps no token");
        let again = check_unit_contact(&plan, &unit, &input("dingtalk", None, None, ""), &users, Some(&c)).unwrap();
        assert_eq!((again.webhook.as_str(), again.secret.as_str()), (c.webhook.as_str(), "SECxyz"), "left out: kept");
        let off = check_unit_contact(&plan, &unit, &input("", None, None, ""), &users, Some(&c)).unwrap();
        assert_eq!((off.robot, off.webhook.as_str(), off.secret.as_str()), (None, "", ""), "no robot: nothing kept of it");
        let errs = check_unit_contact(&plan, "无此单位", &input("qq", Some("ftp://x"), Some("a b"), "李四"), &users, None).unwrap_err();
        let codes: Vec<&str> = errs.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["unknown_org_unit", "bad_robot", "bad_webhook", "bad_secret", "unknown_user"]);
        let errs = check_unit_contact(&plan, &unit, &input("wecom", None, None, ""), &users, None).unwrap_err();
        assert_eq!(errs[0].code, "webhook_required");
        for bad in [
            "https://",
            "http:///x",
            "https://a b",
            "javascript:alert(1)",
            "https://user:pw@oapi.dingtalk.com/robot/send",
            "http://:80/x",
            "http://oapi.dingtalk.com/robot/send?access_token=x",
            "https://oapi.dingtalk.com/robot/send?access_token=x#frag",
        ] {
            assert!(check_unit_contact(&plan, &unit, &input("wecom", Some(bad), None, ""), &users, None).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_reminder_reaches_the_units_users_then_its_head_each_by_their_channel() {
        let users = [
            user("甲", "局", Role::Department),
            user("乙", "局", Role::Department),
            user("丙", "局", Role::Department),
            user("长", "局", Role::Department),
            user("外", "别", Role::Department),
        ];
        let mut off = user("停", "局", Role::Department);
        off.disabled = true;
        let users = [users.to_vec(), vec![off, user("看", "局", Role::Viewer), user("班", "局", Role::TaskForce)]].concat();
        let contacts = [
            contact("甲", "jia@x.cn", "", Channel::Mail),
            contact("乙", "yi@x.cn", "13900000001", Channel::Robot),
            contact("丙", "", "", Channel::Off),
            contact("长", "boss@x.cn", "13900000009", Channel::Robot),
            contact("外", "wai@x.cn", "", Channel::Mail),
            contact("停", "ting@x.cn", "", Channel::Mail),
            contact("看", "kan@x.cn", "", Channel::Mail),
            contact("班", "ban@x.cn", "", Channel::Mail),
        ];
        let robot = UnitContact {
            zone: "z".into(),
            org_unit: "局".into(),
            robot: Some(Robot::WeCom),
            webhook: "http://127.0.0.1:1/hook".into(),
            secret: String::new(),
            head: "长".into(),
            updated_by: String::new(),
            updated_at: String::new(),
        };
        let d = deliveries("局", false, &users, &contacts, Some(&robot));
        assert_eq!(
            d.iter().map(|x| (x.recipient.as_str(), x.users.clone())).collect::<Vec<_>>(),
            [("mail:jia@x.cn", vec!["甲".to_string()]), ("wecom:局", vec!["乙".into()])]
        );
        assert!(matches!(&d[1].target, Target::Robot { mobiles, .. } if mobiles == &["13900000001"]));
        let e = deliveries("局", true, &users, &contacts, Some(&robot));
        assert_eq!(e.len(), 1, "escalated: the head alone, here in the robot");
        assert!(matches!(&e[0].target, Target::Robot { mobiles, .. } if mobiles == &["13900000009"]));
        // no head named: escalated to the unit's users again; no robot: mail alone
        let headless = UnitContact { head: String::new(), robot: None, ..robot };
        let e = deliveries("局", true, &users, &contacts, Some(&headless));
        assert_eq!(e.iter().map(|x| x.recipient.as_str()).collect::<Vec<_>>(), ["mail:jia@x.cn"]);
    }
}
