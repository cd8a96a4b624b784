//! Tables of predictions over a grid of customer histories, for plots and reports.

use crate::data::History;
use crate::error::{Error, Result};
use crate::models::PurchaseModel;

/// P(alive | x, t_x, T) over a grid of frequency x = 0, …, `max_frequency` and recency cells
/// of equal width over [0, T], at a fixed age T: lifetimes' `plot_probability_alive_matrix`.
#[derive(Debug, Clone, PartialEq)]
pub struct PAliveMatrix {
    /// The model's name.
    pub model: &'static str,
    /// The age T of every history.
    pub age: f64,
    /// The largest frequency.
    pub max_frequency: u32,
    /// The valid cells (x, recency cell start, recency cell end, P(alive)); x = 0 only at
    /// recency 0 (its one cell is the first), and cells whose probability is not finite are
    /// left out.
    pub cells: Vec<(u32, f64, f64, f64)>,
}

/// The P(alive) matrix of a purchase model; each cell is evaluated at the middle of its
/// recency interval (at recency 0 for x = 0).
///
/// # Errors
/// [`Error::InvalidOption`] when `age` is not positive and finite or `recency_cells` is 0.
pub fn p_alive_matrix(
    model: &dyn PurchaseModel,
    max_frequency: u32,
    age: f64,
    recency_cells: usize,
) -> Result<PAliveMatrix> {
    if !(age.is_finite() && age > 0.0) || recency_cells == 0 {
        return Err(Error::InvalidOption {
            name: "P(alive) matrix",
            value: format!("age {age}, {recency_cells} recency cells"),
            reason: "needs a positive finite age and at least one recency cell".into(),
        });
    }
    let w = age / recency_cells as f64;
    let mut cells = Vec::new();
    for x in 0..=max_frequency {
        for j in 0..recency_cells {
            let (r0, r1) = (j as f64 * w, (j + 1) as f64 * w);
            let recency = if x == 0 { 0.0 } else { 0.5 * (r0 + r1) };
            if x == 0 && j > 0 {
                continue;
            }
            let p = model.p_alive(&History {
                frequency: f64::from(x),
                recency,
                age,
            });
            if p.is_finite() {
                cells.push((x, r0, r1, p));
            }
        }
    }
    Ok(PAliveMatrix {
        model: model.name(),
        age,
        max_frequency,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::BgNbd;

    #[test]
    fn matrix_cells_are_the_model_values_at_their_middles() {
        // BG/NBD published CDNOW parameters (Fader, Hardie & Lee 2005a).
        let m = BgNbd::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let t = p_alive_matrix(&m, 3, 40.0, 4).unwrap();
        assert_eq!(t.cells.len(), 1 + 3 * 4);
        assert_eq!(t.cells[0], (0, 0.0, 10.0, 1.0));
        let (x, r0, r1, p) = t.cells[5];
        assert_eq!((x, r0, r1), (2, 0.0, 10.0));
        let want = m.p_alive(&History::new(2.0, 5.0, 40.0).unwrap());
        assert_eq!(p, want);
        assert!(p_alive_matrix(&m, 3, 0.0, 4).is_err());
        assert!(p_alive_matrix(&m, 3, 40.0, 0).is_err());
    }
}
