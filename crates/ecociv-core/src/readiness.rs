//! Review readiness: for every leaf indicator and archive year, is a value present, approved,
//! backed by evidence, and does it meet the target? A cell is ready when all four hold; the
//! readiness of the zone and of each lead department is the share of ready cells.

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// One indicator and year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Cell {
    pub leaf: String,
    pub year: i32,
    pub present: bool,
    pub approved: bool,
    pub evidence: bool,
    /// None when there is no value to judge, or the rule cannot judge it yet.
    pub met: Option<bool>,
}

impl Cell {
    pub fn ready(&self) -> bool {
        self.present && self.approved && self.evidence && self.met == Some(true)
    }
}

/// The readiness of a set of cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Share {
    pub ready: usize,
    pub total: usize,
    /// Percent, one decimal place.
    #[schema(value_type = String)]
    pub percent: Decimal,
}

/// Counts the ready cells.
pub fn share<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Share {
    let (mut ready, mut total) = (0, 0);
    for c in cells {
        total += 1;
        if c.ready() {
            ready += 1;
        }
    }
    let percent = if total == 0 { Decimal::ZERO } else { (Decimal::from(ready) * Decimal::ONE_HUNDRED / Decimal::from(total)).round_dp(1) };
    Share { ready, total, percent }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_cells_are_ready() {
        let c = |p, a, e, m| Cell { leaf: "3".into(), year: 2024, present: p, approved: a, evidence: e, met: m };
        let cells = [
            c(true, true, true, Some(true)),
            c(true, true, false, Some(true)),
            c(true, false, true, Some(true)),
            c(true, true, true, Some(false)),
            c(false, false, false, None),
        ];
        let s = share(&cells);
        assert_eq!((s.ready, s.total, s.percent), (1, 5, Decimal::from(20)));
        assert_eq!(share(&[]).percent, Decimal::ZERO);
    }
}
