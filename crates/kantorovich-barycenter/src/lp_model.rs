//! A sparse equality-form LP handed to good_lp's microlp backend, shared by the exact
//! barycentre LPs.

use crate::BarycenterError;
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};

/// How far from optimal the exact LPs may be, relative to their value: a solution whose
/// certified duality gap exceeds LP_CERTIFICATE_TOLERANCE x |value| is refused
/// ([`BarycenterError::LpNotCertified`]) instead of being returned as exact.
///
/// The bound is what the dual solution can prove, and microlp's dual is accurate to about
/// 1e-12 of the largest cost (its constraints hold to ~2e-12 on the tests' instances), so the
/// certified gap is about 1e-11 x max|c| / value: 1e-10 to 2e-8 of the value on the tests'
/// instances, whose primal values agree with POT and the network simplex to 1e-9 or better.
///
/// An optimum within round-off of 0 (three copies of one measure, say) has no relative accuracy
/// to speak of and is refused too: the error carries the value and the gap, which bound the
/// optimum in absolute terms. An absolute allowance was tried and dropped: measured against the
/// largest cost it let wide cost ranges (1e300 next to 1) certify values that were off by 100 %.
pub const LP_CERTIFICATE_TOLERANCE: f64 = 1e-7;

/// Rounds of constraint generation for the dual.
const DUAL_ROUNDS: usize = 30;
/// The box of the dual variables, for costs scaled to max |c| = 1 (the optimal potentials of
/// the barycentre LPs are sums of a few costs, far inside it).
const DUAL_BOX: f64 = 1e4;
/// A dual constraint violated by less than this (in scaled units) is round-off.
const DUAL_ROUND_OFF: f64 = 1e-13;

/// The gap between the value of a feasible solution and the LP's certified lower bound; errors
/// unless it is at most [`LP_CERTIFICATE_TOLERANCE`] x |value| (and finite).
pub(crate) fn certify(value: f64, lp: &LpSolution) -> Result<f64, BarycenterError> {
    let gap = (value - lp.dual_bound).max(0.0);
    if value.is_finite() && gap <= LP_CERTIFICATE_TOLERANCE * value.abs() {
        Ok(gap)
    } else {
        Err(BarycenterError::LpNotCertified { value, gap })
    }
}

/// min <c, x> subject to x >= 0 and, for each row (terms, rhs), sum_t coef_t x_{var_t} = rhs.
pub(crate) struct EqualityLp {
    pub objective: Vec<f64>,
    pub rows: Vec<(Vec<(usize, f64)>, f64)>,
    /// Rows implied by the others (for the barycentre LPs: one marginal row of every measure but
    /// the first, the masses being equal). Their dual variables are fixed at 0; otherwise the
    /// dual would be unbounded as soon as two masses differ in their last bit.
    pub redundant: Vec<usize>,
}

/// The LP solution: the variables, the largest constraint violation |A x - rhs| (or -x), and
/// the certificate of a dual solution.
pub(crate) struct LpSolution {
    pub x: Vec<f64>,
    pub objective: f64,
    pub violation: f64,
    /// A certified lower bound on the optimum: <rhs, y> for a dual solution y, less what y's
    /// own infeasibility (A^T y - c)_+ can hide (its largest entry times `mass_bound`), less the
    /// rounding of both sums; -infinity if anything was NaN. The caller compares it with the
    /// value of a *feasible* solution to get a gap.
    pub dual_bound: f64,
}

impl EqualityLp {
    /// Solves the LP with microlp (a simplex method), then its dual, max <rhs, y> subject to
    /// A^T y <= c, and measures both: the constraint violation of x and a certified lower bound
    /// on the optimum.
    ///
    /// microlp's tolerances are absolute (about 1e-9), so the objective is first divided by
    /// max_t |c_t|: costs of 1e-12 are then seen, and those of 1e12 do not swamp them. The
    /// bound needs `mass_bound` >= sum_t x_t for every feasible x (the LPs here fix it).
    pub fn solve(&self, mass_bound: f64) -> Result<LpSolution, BarycenterError> {
        let scale = self.objective.iter().fold(0.0f64, |s, c| s.max(c.abs()));
        let scale = if scale > 0.0 && scale.is_finite() { scale } else { 1.0 };
        let scaled: Vec<f64> = self.objective.iter().map(|c| c / scale).collect();
        let values = self.solve_primal(&scaled)?;
        let y = self.solve_dual(&scaled, &values)?;

        let violation = self
            .rows
            .iter()
            .map(|(terms, rhs)| (terms.iter().map(|&(t, c)| c * values[t]).sum::<f64>() - rhs).abs())
            .fold(0.0, f64::max);
        let negative = values.iter().fold(0.0f64, |m, &v| m.max(-v));
        let objective_value = self.objective.iter().zip(&values).map(|(c, v)| c * v).sum();
        // The certificate, in the scaled units, then back. Every sum carries its own rounding
        // bound (n u sum |terms|): dual values of +-1e4 cancel to round-off, which must not be
        // read as a lower bound.
        let rounding = |count: usize, magnitude: f64| 2.0 * (count as f64 + 2.0) * f64::EPSILON * magnitude;
        let mut aty = vec![0.0; self.objective.len()];
        let mut aty_size = vec![0.0; self.objective.len()];
        let mut terms_per_column = vec![0usize; self.objective.len()];
        for ((terms, _), &yr) in self.rows.iter().zip(&y) {
            for &(t, coef) in terms {
                aty[t] += coef * yr;
                aty_size[t] += (coef * yr).abs();
                terms_per_column[t] += 1;
            }
        }
        // NaN anywhere must make the bound useless (f64::max would drop it)
        let mut dual_infeasibility = 0.0f64;
        for t in 0..aty.len() {
            let v = aty[t] - scaled[t] + rounding(terms_per_column[t], aty_size[t] + scaled[t].abs());
            dual_infeasibility = if v.is_nan() || dual_infeasibility.is_nan() {
                f64::NAN
            } else {
                dual_infeasibility.max(v)
            };
        }
        let dual: f64 = self.rows.iter().zip(&y).map(|((_, rhs), yr)| rhs * yr).sum();
        let dual_size: f64 = self.rows.iter().zip(&y).map(|((_, rhs), yr)| (rhs * yr).abs()).sum();
        let bound = (dual - rounding(self.rows.len(), dual_size) - dual_infeasibility * mass_bound) * scale;
        let dual_bound = if bound.is_nan() { f64::NEG_INFINITY } else { bound };
        Ok(LpSolution {
            objective: objective_value,
            x: values,
            violation: violation.max(negative),
            dual_bound,
        })
    }

    /// min <c, x> subject to A x = rhs, x >= 0.
    fn solve_primal(&self, c: &[f64]) -> Result<Vec<f64>, BarycenterError> {
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = (0..c.len()).map(|_| vars.add(variable().min(0.0))).collect();
        let mut objective = Expression::with_capacity(x.len());
        for (&c, &v) in c.iter().zip(&x) {
            if c != 0.0 {
                objective.add_mul(c, v);
            }
        }
        let mut model = vars.minimise(objective).using(microlp);
        for (terms, rhs) in &self.rows {
            let mut row = Expression::with_capacity(terms.len());
            for &(t, coef) in terms {
                row.add_mul(coef, x[t]);
            }
            model = model.with(row.eq(*rhs));
        }
        let solution = model
            .solve()
            .map_err(|e| BarycenterError::Lp { reason: e.to_string() })?;
        Ok(x.iter().map(|&v| solution.value(v)).collect())
    }

    /// A dual solution: max <rhs, y> subject to A^T y <= c, by constraint generation. The dual
    /// has one constraint per primal variable (tens of thousands), which microlp handles slowly;
    /// the constraints that bind are few, those of the primal support. So the dual is solved
    /// on the constraints of the support of `x`, then again with the constraints that its
    /// solution violates, until none is violated (by more than round-off) or [`DUAL_ROUNDS`]
    /// rounds are done. The variables are boxed in [-DUAL_BOX, DUAL_BOX] so that every round is
    /// bounded: any y that satisfies all the constraints gives a lower bound on the optimum, and
    /// what remains violated is counted in the gap by the caller.
    fn solve_dual(&self, c: &[f64], x: &[f64]) -> Result<Vec<f64>, BarycenterError> {
        let mut columns: Vec<Vec<(usize, f64)>> = vec![Vec::new(); c.len()];
        for (r, (terms, _)) in self.rows.iter().enumerate() {
            for &(t, coef) in terms {
                columns[t].push((r, coef));
            }
        }
        let mut active: Vec<bool> = x.iter().map(|&v| v > 0.0).collect();
        let mut y = vec![0.0; self.rows.len()];
        for _ in 0..DUAL_ROUNDS {
            y = self.solve_restricted_dual(c, &columns, &active)?;
            let mut violated: Vec<(f64, usize)> = columns
                .iter()
                .enumerate()
                .filter(|&(t, _)| !active[t])
                .map(|(t, column)| (column.iter().map(|&(r, coef)| coef * y[r]).sum::<f64>() - c[t], t))
                .filter(|&(v, _)| v > DUAL_ROUND_OFF)
                .collect();
            if violated.is_empty() {
                break;
            }
            // the most violated first, as many as there are dual variables
            violated.sort_by(|p, q| q.0.total_cmp(&p.0));
            for &(_, t) in violated.iter().take(self.rows.len().max(16)) {
                active[t] = true;
            }
        }
        Ok(y)
    }

    /// max <rhs, y> subject to (A^T y)_t <= c_t for the active t, |y| <= DUAL_BOX, and y = 0 on
    /// the redundant rows.
    fn solve_restricted_dual(
        &self,
        c: &[f64],
        columns: &[Vec<(usize, f64)>],
        active: &[bool],
    ) -> Result<Vec<f64>, BarycenterError> {
        let mut vars = ProblemVariables::new();
        let y: Vec<Variable> = (0..self.rows.len())
            .map(|r| {
                if self.redundant.contains(&r) {
                    vars.add(variable().min(0.0).max(0.0))
                } else {
                    vars.add(variable().min(-DUAL_BOX).max(DUAL_BOX))
                }
            })
            .collect();
        let mut objective = Expression::with_capacity(y.len());
        for ((_, rhs), &v) in self.rows.iter().zip(&y) {
            if *rhs != 0.0 {
                objective.add_mul(*rhs, v);
            }
        }
        let mut model = vars.maximise(objective).using(microlp);
        for ((column, &ct), _) in columns.iter().zip(c).zip(active).filter(|(_, &on)| on) {
            let mut row = Expression::with_capacity(column.len());
            for &(r, coef) in column {
                row.add_mul(coef, y[r]);
            }
            model = model.with(row.leq(ct));
        }
        let solution = model.solve().map_err(|e| BarycenterError::Lp {
            reason: format!("dual: {e}"),
        })?;
        Ok(y.iter().map(|&v| solution.value(v)).collect())
    }
}
