//! A sparse equality-form LP handed to good_lp's microlp backend, shared by the exact
//! barycentre LPs.

use crate::BarycenterError;
use good_lp::{microlp, variable, Expression, ProblemVariables, Solution, SolverModel, Variable};

/// min <c, x> subject to x >= 0 and, for each row (terms, rhs), sum_t coef_t x_{var_t} = rhs.
pub(crate) struct EqualityLp {
    pub objective: Vec<f64>,
    pub rows: Vec<(Vec<(usize, f64)>, f64)>,
}

/// The LP solution: the variables and the largest constraint violation |A x - rhs|.
pub(crate) struct LpSolution {
    pub x: Vec<f64>,
    pub objective: f64,
    pub violation: f64,
}

impl EqualityLp {
    /// Solves the LP with microlp (a simplex method) and measures the constraint violation of
    /// the solution it returns.
    pub fn solve(&self) -> Result<LpSolution, BarycenterError> {
        let mut vars = ProblemVariables::new();
        let x: Vec<Variable> = (0..self.objective.len())
            .map(|_| vars.add(variable().min(0.0)))
            .collect();
        let mut objective = Expression::with_capacity(x.len());
        for (&c, &v) in self.objective.iter().zip(&x) {
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
        let values: Vec<f64> = x.iter().map(|&v| solution.value(v)).collect();
        let violation = self
            .rows
            .iter()
            .map(|(terms, rhs)| (terms.iter().map(|&(t, c)| c * values[t]).sum::<f64>() - rhs).abs())
            .fold(0.0, f64::max);
        let negative = values.iter().fold(0.0f64, |m, &v| m.max(-v));
        let objective_value = self.objective.iter().zip(&values).map(|(c, v)| c * v).sum();
        Ok(LpSolution {
            objective: objective_value,
            x: values,
            violation: violation.max(negative),
        })
    }
}
