//! Who may do what: the roles of GLOSSARY.md and the rights they give on a zone's plan.
//! Pure rules over the plan; the web layer asks them on every state-changing route.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{OrgKind, Plan, Project, Task};

/// The roles (exact words for `--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the platform: zones, all users.
    Admin,
    /// 专班: runs one zone's plan, approves, manages that zone's users.
    TaskForce,
    Department,
    Region,
    /// Another implementer: reports its own projects.
    Unit,
    Viewer,
}

impl OrgKind {
    /// The role an org unit reports with.
    pub fn role(self) -> Role {
        match self {
            OrgKind::Department => Role::Department,
            OrgKind::Region => Role::Region,
            OrgKind::Unit => Role::Unit,
        }
    }
}

impl Role {
    pub const ALL: [Role; 6] = [Role::Admin, Role::TaskForce, Role::Department, Role::Region, Role::Unit, Role::Viewer];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::TaskForce => "task_force",
            Role::Department => "department",
            Role::Region => "region",
            Role::Unit => "unit",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim())
    }
    /// The org-unit kind a role belongs to, where it needs one.
    pub fn org_kind(self) -> Option<OrgKind> {
        match self {
            Role::Department => Some(OrgKind::Department),
            Role::Region => Some(OrgKind::Region),
            Role::Unit => Some(OrgKind::Unit),
            _ => None,
        }
    }
}

/// The person (or machine client) acting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Actor {
    pub name: String,
    pub zone: String,
    pub org_unit: String,
    pub role: Role,
    /// Set when the task force of the zone above acts in this zone, as far as this zone's
    /// settings allow (`parent_rights`): it then reads as a viewer, and decides entries only
    /// when allowed. Never set for the zone's own users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentActing>,
}

/// What the zone above may do in a zone, as the zone's task force sets it: by default nothing
/// but read the approved figures of its roll-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParentRight {
    /// Read every entry of the zone, approved or not, as its viewers do.
    ReadEntries,
    /// Approve or return the zone's entries (and read them).
    Decide,
}

impl ParentRight {
    pub const ALL: [ParentRight; 2] = [ParentRight::ReadEntries, ParentRight::Decide];
    pub fn code(self) -> &'static str {
        match self {
            ParentRight::ReadEntries => "read_entries",
            ParentRight::Decide => "decide",
        }
    }
    pub fn parse(s: &str) -> Option<ParentRight> {
        ParentRight::ALL.into_iter().find(|r| r.code() == s.trim())
    }
}

/// The task force of the zone above, acting in this zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ParentActing {
    /// The zone it belongs to.
    pub zone: String,
    /// Whether this zone lets it decide entries.
    pub decides: bool,
}

impl Actor {
    /// The task force of `child`'s parent acting in `child`, as `rights` (the child's settings)
    /// allow: None when they allow nothing, or when `self` is not the task force of the zone
    /// above (`parent` is `child`'s parent zone).
    pub fn in_child(&self, child: &str, parent: Option<&str>, rights: &[ParentRight]) -> Option<Actor> {
        if self.role != Role::TaskForce || self.parent.is_some() || parent != Some(self.zone.as_str()) || rights.is_empty() {
            return None;
        }
        Some(Actor {
            name: self.name.clone(),
            zone: child.to_string(),
            org_unit: self.org_unit.clone(),
            role: Role::Viewer,
            parent: Some(ParentActing { zone: self.zone.clone(), decides: rights.contains(&ParentRight::Decide) }),
        })
    }

    /// Who the actor is on a zone's trail and entries: its name, and the zone it acts from when
    /// it is the task force of the zone above (`tf@150100`).
    pub fn signature(&self) -> String {
        match &self.parent {
            Some(p) => format!("{}@{}", self.name, p.zone),
            None => self.name.clone(),
        }
    }

    /// Approves or returns entries: the zone's task force, or the zone above where allowed.
    pub fn can_decide(&self, plan: &Plan) -> bool {
        self.can_approve(plan) || (self.in_zone(plan) && self.parent.as_ref().is_some_and(|p| p.decides))
    }
}

impl Actor {
    fn in_zone(&self, plan: &Plan) -> bool {
        self.zone == plan.zone.code
    }

    /// Runs the zone's plan: approves, returns, unlocks, enters assigned targets.
    pub fn can_approve(&self, plan: &Plan) -> bool {
        self.role == Role::Admin || (self.role == Role::TaskForce && self.in_zone(plan))
    }

    /// Enters yearly values of an indicator (or sub-indicator): the departments that lead it
    /// or provide its data; a region its own regional values.
    pub fn can_enter_observation(&self, plan: &Plan, code: &str, region: Option<&str>) -> bool {
        if !self.in_zone(plan) {
            return false;
        }
        let Some(ind) = plan.indicator_of(code) else { return false };
        match (self.role, region) {
            (Role::Department, _) => ind.lead_departments.contains(&self.org_unit) || ind.data_providers.contains(&self.org_unit),
            (Role::Region, Some(r)) => r == self.org_unit,
            _ => false,
        }
    }

    /// Reports a project monthly: every org unit that implements it.
    pub fn can_report_project(&self, plan: &Plan, project: &Project) -> bool {
        self.in_zone(plan) && matches!(self.role, Role::Department | Role::Region | Role::Unit) && project.implementers.contains(&self.org_unit)
    }

    /// Reports a task monthly: its leads, responsible and survey departments; every region
    /// (the plan makes the regions the implementing bodies of every task).
    pub fn can_report_task(&self, plan: &Plan, task: &Task) -> bool {
        if !self.in_zone(plan) {
            return false;
        }
        match self.role {
            Role::Department | Role::Unit => {
                task.lead_departments.contains(&self.org_unit)
                    || task.responsible_departments.contains(&self.org_unit)
                    || task.survey_departments.contains(&self.org_unit)
            }
            Role::Region => true,
            _ => false,
        }
    }

    /// Acts for `org_unit` — answers its supervision orders, reports its rectification tasks:
    /// that unit's reporting users (not its viewers).
    pub fn can_act_for(&self, plan: &Plan, org_unit: &str) -> bool {
        self.in_zone(plan) && matches!(self.role, Role::Department | Role::Region | Role::Unit) && self.org_unit == org_unit
    }

    /// Reads a project's reports: the task force, viewers, its implementers, and the region
    /// where it lies.
    pub fn can_view_project(&self, plan: &Plan, project: &Project) -> bool {
        if self.role == Role::Admin {
            return true;
        }
        if !self.in_zone(plan) {
            return false;
        }
        match self.role {
            Role::TaskForce | Role::Viewer => true,
            Role::Region => project.implementers.contains(&self.org_unit) || regions_of(plan, project).contains(&self.org_unit.as_str()),
            _ => project.implementers.contains(&self.org_unit),
        }
    }
}

/// The regions where a project lies: implementers that are regions, the regions of
/// implementing units, and regions the project's name names (赛罕区燃煤散烧综合整治项目).
pub fn regions_of<'a>(plan: &'a Plan, project: &Project) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for o in plan.org_units.iter().filter(|o| o.kind == OrgKind::Region) {
        let implements = project.implementers.contains(&o.name);
        let unit_inside = project.implementers.iter().any(|i| plan.org_unit(i).and_then(|u| u.region.as_deref()) == Some(o.name.as_str()));
        let named = std::iter::once(&o.name).chain(o.aliases.iter()).any(|n| n.chars().count() >= 2 && project.name.contains(n.as_str()));
        if implements || unit_inside || named {
            out.push(&o.name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan_data::{build_plan, hohhot};

    fn actor(org: &str, role: Role) -> Actor {
        Actor { name: "u".into(), zone: "150100".into(), org_unit: org.into(), role, parent: None }
    }

    #[test]
    fn departments_enter_what_they_lead_or_provide() {
        let p = build_plan(&hohhot()).unwrap();
        let env = actor("市生态环境局", Role::Department);
        assert!(env.can_enter_observation(&p, "7.1", None));
        assert!(!env.can_enter_observation(&p, "10", None));
        let stats = actor("市统计局", Role::Department);
        assert!(stats.can_enter_observation(&p, "35", None));
        assert!(stats.can_enter_observation(&p, "36", None));
        assert!(!stats.can_enter_observation(&p, "34", None));
        assert!(!actor("市生态环境局", Role::Viewer).can_enter_observation(&p, "7.1", None));
        assert!(!actor("市生态环境局", Role::TaskForce).can_enter_observation(&p, "7.1", None));
        let other_zone = Actor { zone: "150200".into(), ..env.clone() };
        assert!(!other_zone.can_enter_observation(&p, "7.1", None));
        let region = actor("托克托县", Role::Region);
        assert!(region.can_enter_observation(&p, "24", Some("托克托县")));
        assert!(!region.can_enter_observation(&p, "24", Some("武川县")));
        assert!(!region.can_enter_observation(&p, "24", None));
    }

    #[test]
    fn implementers_report_their_projects() {
        let p = build_plan(&hohhot()).unwrap();
        let zj = actor("市住建局", Role::Department);
        assert_eq!(p.projects.iter().filter(|x| zj.can_report_project(&p, x)).count(), 23);
        let p35 = p.project(35).unwrap();
        assert!(actor("市发改委", Role::Department).can_report_project(&p, p35));
        assert!(actor("清水河县", Role::Region).can_report_project(&p, p35));
        assert!(!actor("武川县", Role::Region).can_report_project(&p, p35));
        assert!(!actor("市发改委", Role::Viewer).can_report_project(&p, p35));
        // the region where a project lies may view it, not report it
        let p18 = p.project(18).unwrap();
        let saihan = actor("赛罕区", Role::Region);
        assert!(saihan.can_view_project(&p, p18));
        assert!(!saihan.can_report_project(&p, p18));
        assert!(!actor("武川县", Role::Region).can_view_project(&p, p18));
        assert!(actor("春华水务", Role::Unit).can_report_project(&p, p.project(63).unwrap()));
    }

    #[test]
    fn tasks_and_approval() {
        let p = build_plan(&hohhot()).unwrap();
        let t9 = p.task(9).unwrap();
        assert!(actor("市林草局", Role::Department).can_report_task(&p, t9));
        assert!(actor("市自然资源局", Role::Department).can_report_task(&p, t9));
        assert!(!actor("市住建局", Role::Department).can_report_task(&p, t9));
        assert!(actor("武川县", Role::Region).can_report_task(&p, t9));
        assert!(actor("市生态环境局", Role::TaskForce).can_approve(&p));
        assert!(!actor("市生态环境局", Role::Department).can_approve(&p));
        assert!(actor("", Role::Admin).can_approve(&p));
        assert_eq!(Role::parse("task_force"), Some(Role::TaskForce));
        assert_eq!(Role::parse("boss"), None);
    }
}
