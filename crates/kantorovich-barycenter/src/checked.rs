//! Calls into code the user supplies, checked: what a ground barycentre returns is verified
//! before the iteration uses it, and a failure names the function that misbehaved.

use crate::BarycenterError;
use kantorovich_core::{GroundBarycenter, GroundSpace};

/// Appends B(y_1, .., y_K) to `out` through `ground`, and checks that exactly one point was
/// appended (a ground barycentre that appends none or several would shift every later atom).
/// Its own error, and a wrong count, come back as [`BarycenterError::GroundBarycenter`].
pub(crate) fn ground_barycenter<X, Y, B>(
    ground: &B,
    space: &X,
    ys: &[Y::Point<'_>],
    lambdas: &[f64],
    out: &mut X::Storage,
) -> Result<(), BarycenterError>
where
    X: GroundSpace,
    Y: GroundSpace,
    B: GroundBarycenter<X, Y>,
{
    let before = space.len(out);
    ground
        .barycenter(space, ys, lambdas, out)
        .map_err(|e| misbehaved(format!("failed: {e}")))?;
    let after = space.len(out);
    if after != before + 1 {
        return Err(misbehaved(format!(
            "appended {} points to `out` instead of exactly one (it had {before}, then {after})",
            after as i128 - before as i128
        )));
    }
    Ok(())
}

/// Checks the points that ground barycentres produced (finite coordinates, right dimension:
/// [`GroundSpace::validate`]).
pub(crate) fn validate_barycenters<X: GroundSpace>(space: &X, points: &X::Storage) -> Result<(), BarycenterError> {
    space
        .validate(points)
        .map_err(|e| misbehaved(format!("returned an invalid point: {e}")))
}

fn misbehaved(problem: String) -> BarycenterError {
    BarycenterError::GroundBarycenter {
        iteration: None,
        problem,
    }
}
