//! Dense symmetric linear algebra on small row-major matrices (`a[i * d + j]` = A_ij): Cholesky
//! factors, triangular solves, and a symmetric eigen-solver with an iteration limit, from which
//! matrix square roots and tr(sqrt(A)) are built.
//!
//! The eigen-solver is the textbook one (Golub and Van Loan, *Matrix Computations*, 4th ed.,
//! algorithms 8.3.1 and 8.3.3): Householder reduction to a tridiagonal matrix T = V A V^T, then
//! implicit symmetric QR steps with Wilkinson shifts on T, the rotations accumulated into V when
//! eigenvectors are wanted. A sub-diagonal entry e_i is set to zero once
//! |e_i| <= eps (|t_ii| + |t_{i+1,i+1}|), eps the machine epsilon; at most 30 d QR steps are taken
//! (LAPACK's limit), after which [`EigenFailure`] is returned instead of looping on.
//!
//! Why not a library: nalgebra's `SymmetricEigen::try_new` has an iteration limit but always
//! computes eigenvectors, and its eigenvalues-only entry point has none; the Bures-Wasserstein cost
//! needs eigenvalues only (once per pair of components), on the flat row-major storage of
//! [`Gaussian`](super::Gaussian), without an allocation per call. faer would add a large
//! dependency tree for matrices of size d <= 50 or so, where blocked algorithms do not pay off.
//! d = 1 and d = 2 use closed forms.

/// The QR iteration did not converge within its limit of 30 d steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct EigenFailure {
    /// The dimension d.
    pub dim: usize,
}

/// The QR steps allowed per unit of dimension.
const STEPS_PER_DIM: usize = 30;

/// The lower Cholesky factor l of the symmetric matrix a (a = l l^T, l_ij = 0 for j > i; only the
/// lower triangle of a is read).
///
/// Errors with `(j, p)` at the first pivot p_j = a_jj - sum_{t<j} l_jt^2 that is not above
/// d eps a_jj (non-finite, <= 0, or so small relative to the diagonal that the matrix is singular
/// to working precision).
pub(crate) fn cholesky(a: &[f64], d: usize, l: &mut [f64]) -> Result<(), (usize, f64)> {
    let floor = d as f64 * f64::EPSILON;
    for j in 0..d {
        let row_j = j * d;
        let mut p = a[row_j + j];
        for t in 0..j {
            p -= l[row_j + t] * l[row_j + t];
        }
        if !(p.is_finite() && p > floor * a[row_j + j]) {
            return Err((j, p));
        }
        let ljj = p.sqrt();
        l[row_j + j] = ljj;
        for t in j + 1..d {
            l[row_j + t] = 0.0;
        }
        for i in j + 1..d {
            let row_i = i * d;
            let mut s = a[row_i + j];
            for t in 0..j {
                s -= l[row_i + t] * l[row_j + t];
            }
            l[row_i + j] = s / ljj;
        }
    }
    Ok(())
}

/// x = b c^{-1} for c lower triangular with non-zero diagonal (solves x c = b row by row).
pub(crate) fn solve_right_lower(c: &[f64], d: usize, b: &[f64], x: &mut [f64]) {
    for (xr, br) in x.chunks_exact_mut(d).zip(b.chunks_exact(d)) {
        // sum_{t >= j} x_t c_tj = b_j: x_j from the last, then its terms removed from the others
        // (row j of c is contiguous)
        xr.copy_from_slice(br);
        for j in (0..d).rev() {
            let xj = xr[j] / c[j * d + j];
            xr[j] = xj;
            let (head, _) = xr.split_at_mut(j);
            head.iter_mut()
                .zip(&c[j * d..j * d + j])
                .for_each(|(r, &cjt)| *r -= xj * cjt);
        }
    }
}

/// out = a^T b for d x d matrices.
pub(crate) fn mul_tn(a: &[f64], b: &[f64], d: usize, out: &mut [f64]) {
    out[..d * d].iter_mut().for_each(|o| *o = 0.0);
    for t in 0..d {
        let (at, bt) = (&a[t * d..(t + 1) * d], &b[t * d..(t + 1) * d]);
        for i in 0..d {
            let ati = at[i];
            if ati == 0.0 {
                continue;
            }
            let row = &mut out[i * d..(i + 1) * d];
            row.iter_mut().zip(bt).for_each(|(o, &btj)| *o += ati * btj);
        }
    }
}

/// out = a^T a (exactly symmetric: the upper triangle is copied from the lower one), as a sum of
/// outer products of the rows of a (contiguous access).
pub(crate) fn gram(a: &[f64], d: usize, out: &mut [f64]) {
    out[..d * d].iter_mut().for_each(|o| *o = 0.0);
    for row in a[..d * d].chunks_exact(d) {
        for i in 0..d {
            let ri = row[i];
            if ri == 0.0 {
                continue;
            }
            out[i * d..i * d + i + 1]
                .iter_mut()
                .zip(&row[..=i])
                .for_each(|(o, &rj)| *o += ri * rj);
        }
    }
    for i in 0..d {
        for j in 0..i {
            out[j * d + i] = out[i * d + j];
        }
    }
}

/// Replaces a by (a + a^T) / 2.
pub(crate) fn symmetrize(a: &mut [f64], d: usize) {
    for i in 0..d {
        for j in 0..i {
            let s = 0.5 * (a[i * d + j] + a[j * d + i]);
            a[i * d + j] = s;
            a[j * d + i] = s;
        }
    }
}

/// The trace of a d x d matrix.
pub(crate) fn trace(a: &[f64], d: usize) -> f64 {
    (0..d).map(|i| a[i * d + i]).sum()
}

/// The eigenvalues (lambda_min, lambda_max) of the symmetric 2 x 2 matrix [[a, b], [b, c]].
fn eigenvalues_2x2(a: f64, b: f64, c: f64) -> (f64, f64) {
    let mean = 0.5 * (a + c);
    let radius = (0.5 * (a - c)).hypot(b);
    (mean - radius, mean + radius)
}

/// Eigen-decomposition of the symmetric matrix `a` (d x d, row-major; destroyed): its eigenvalues
/// in `values` (unordered) and, if `vectors` is given, an orthogonal matrix V whose row i is a unit
/// eigenvector for `values[i]`, so that a = V^T diag(values) V. `off` is scratch of length d.
pub(crate) fn symmetric_eigen(
    a: &mut [f64],
    d: usize,
    values: &mut [f64],
    mut vectors: Option<&mut [f64]>,
    off: &mut [f64],
) -> Result<(), EigenFailure> {
    // Scale to max |a_ij| = 1, so that squares neither overflow nor underflow.
    let amax = a[..d * d].iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if let Some(v) = vectors.as_deref_mut() {
        v[..d * d].iter_mut().for_each(|x| *x = 0.0);
        (0..d).for_each(|i| v[i * d + i] = 1.0);
    }
    if !a[..d * d].iter().all(|x| x.is_finite()) {
        return Err(EigenFailure { dim: d });
    }
    if amax == 0.0 {
        values[..d].iter_mut().for_each(|x| *x = 0.0);
        return Ok(());
    }
    a[..d * d].iter_mut().for_each(|x| *x /= amax);
    tridiagonalize(a, d, values, off, vectors.as_deref_mut());
    tridiagonal_qr(d, values, off, vectors)?;
    values[..d].iter_mut().for_each(|x| *x *= amax);
    Ok(())
}

/// Householder reduction of the symmetric matrix a (scaled) to tridiagonal form T = V A V^T:
/// diagonal in `diag`, sub-diagonal in `off[0..d-1]`; if `vectors` is given (initialised to the
/// identity), V is accumulated there. The reflectors H = I - v v^T (|v|^2 = 2) are kept in the
/// columns of `a` below the sub-diagonal while the reduction runs.
fn tridiagonalize(a: &mut [f64], d: usize, diag: &mut [f64], scratch: &mut [f64], vectors: Option<&mut [f64]>) {
    let (off, rest) = scratch.split_at_mut(d);
    let (p, v) = rest.split_at_mut(d);
    for k in 0..d.saturating_sub(2) {
        let m = d - k - 1; // size of the trailing block
                           // x = a[k+1.., k]
        let norm = (k + 1..d).map(|i| a[i * d + k] * a[i * d + k]).sum::<f64>().sqrt();
        let tail = (k + 2..d).any(|i| a[i * d + k] != 0.0);
        if norm == 0.0 || !tail {
            // no reflection (H = I): a zero reflector marks it
            off[k] = a[(k + 1) * d + k];
            a[(k + 1) * d + k] = 0.0;
            continue;
        }
        let x0 = a[(k + 1) * d + k];
        let alpha = if x0 >= 0.0 { -norm } else { norm };
        // v = (x - alpha e_1) sqrt(2) / |x - alpha e_1|, |x - alpha e_1|^2 = 2 norm (norm + |x0|)
        let scale = 1.0 / (norm * (norm + x0.abs())).sqrt();
        let v = &mut v[..m];
        v[0] = (x0 - alpha) * scale;
        for i in 1..m {
            v[i] = a[(k + 1 + i) * d + k] * scale;
        }
        for (i, &vi) in v.iter().enumerate() {
            a[(k + 1 + i) * d + k] = vi;
        }
        off[k] = alpha;
        // p = A22 v, w = p - (p.v / 2) v, A22 -= v w^T + w v^T
        let p = &mut p[..m];
        let mut pv = 0.0;
        for i in 0..m {
            let row = &a[(k + 1 + i) * d + k + 1..(k + 2 + i) * d];
            let s: f64 = row.iter().zip(v.iter()).map(|(x, y)| x * y).sum();
            p[i] = s;
            pv += s * v[i];
        }
        for i in 0..m {
            p[i] -= 0.5 * pv * v[i];
        }
        for i in 0..m {
            let (vi, pi) = (v[i], p[i]);
            let row = &mut a[(k + 1 + i) * d + k + 1..(k + 2 + i) * d];
            row.iter_mut()
                .zip(v.iter().zip(p.iter()))
                .for_each(|(x, (&vj, &pj))| *x -= vi * pj + pi * vj);
        }
    }
    for k in 0..d {
        diag[k] = a[k * d + k];
    }
    if d >= 2 {
        off[d - 2] = a[(d - 1) * d + d - 2];
    }
    if let Some(vm) = vectors {
        // V = H_{d-3} ... H_0: apply H_0 first, each to the rows k+1.. of V. A reflector's first
        // entry (x0 - alpha) scale is never 0; a zero one marks H = I.
        let u = p;
        for k in 0..d.saturating_sub(2) {
            if a[(k + 1) * d + k] == 0.0 {
                continue;
            }
            u.iter_mut().for_each(|x| *x = 0.0);
            for i in k + 1..d {
                let vi = a[i * d + k];
                let row = &vm[i * d..(i + 1) * d];
                u.iter_mut().zip(row).for_each(|(uj, &r)| *uj += vi * r);
            }
            for i in k + 1..d {
                let vi = a[i * d + k];
                let row = &mut vm[i * d..(i + 1) * d];
                row.iter_mut().zip(u.iter()).for_each(|(r, &uj)| *r -= vi * uj);
            }
        }
    }
}

/// Implicit symmetric QR steps with Wilkinson shifts on the tridiagonal matrix (`diag`,
/// `off[0..d-1]`) until it is diagonal; rotations are applied to the rows of `vectors`.
fn tridiagonal_qr(
    d: usize,
    diag: &mut [f64],
    off: &mut [f64],
    mut vectors: Option<&mut [f64]>,
) -> Result<(), EigenFailure> {
    let negligible =
        |off: &[f64], diag: &[f64], i: usize| off[i].abs() <= f64::EPSILON * (diag[i].abs() + diag[i + 1].abs());
    let mut steps = 0;
    let mut end = d.saturating_sub(1);
    while end > 0 {
        if negligible(off, diag, end - 1) {
            off[end - 1] = 0.0;
            end -= 1;
            continue;
        }
        // The unreduced block is start..=end.
        let mut start = end - 1;
        while start > 0 && !negligible(off, diag, start - 1) {
            start -= 1;
        }
        if start > 0 {
            off[start - 1] = 0.0;
        }
        if end - start == 1 {
            // A 2 x 2 block: rotate it to diagonal form directly.
            let (a, b, c) = (diag[start], off[start], diag[end]);
            let (lo, hi) = eigenvalues_2x2(a, b, c);
            // eigenvector of hi: (b, hi - a) or (hi - c, b), the better conditioned of the two
            let (x, y) = if (hi - a).abs() > (hi - c).abs() {
                (b, hi - a)
            } else {
                (hi - c, b)
            };
            let r = x.hypot(y);
            let (cs, sn) = if r == 0.0 { (1.0, 0.0) } else { (x / r, y / r) };
            diag[start] = hi;
            diag[end] = lo;
            off[start] = 0.0;
            if let Some(v) = vectors.as_deref_mut() {
                rotate_rows(v, d, start, cs, sn);
            }
            end = start;
            continue;
        }
        steps += 1;
        if steps > STEPS_PER_DIM * d {
            return Err(EigenFailure { dim: d });
        }
        // Wilkinson shift: the eigenvalue of the trailing 2 x 2 block closer to its last entry.
        let delta = 0.5 * (diag[end - 1] - diag[end]);
        let b = off[end - 1];
        let sign = if delta >= 0.0 { 1.0 } else { -1.0 };
        let mu = diag[end] - b * b / (delta + sign * delta.hypot(b));
        let mut x = diag[start] - mu;
        let mut z = off[start];
        for k in start..end {
            let r = norm2(x, z);
            let (c, s) = if r == 0.0 { (1.0, 0.0) } else { (x / r, z / r) };
            if k > start {
                off[k - 1] = r;
            }
            let (ak, ak1, bk) = (diag[k], diag[k + 1], off[k]);
            diag[k] = c * c * ak + 2.0 * c * s * bk + s * s * ak1;
            diag[k + 1] = s * s * ak - 2.0 * c * s * bk + c * c * ak1;
            off[k] = (c * c - s * s) * bk + c * s * (ak1 - ak);
            if k + 1 < end {
                z = s * off[k + 1];
                off[k + 1] *= c;
                x = off[k];
            }
            if let Some(v) = vectors.as_deref_mut() {
                rotate_rows(v, d, k, c, s);
            }
        }
    }
    Ok(())
}

/// sqrt(x^2 + z^2): the plain formula (the matrix is scaled to entries <= 1, so nothing overflows),
/// and `hypot` only where the squares could underflow.
#[inline]
fn norm2(x: f64, z: f64) -> f64 {
    let r = (x * x + z * z).sqrt();
    if r < 1e-150 {
        x.hypot(z)
    } else {
        r
    }
}

/// Rows k and k+1 of v become c v_k + s v_{k+1} and -s v_k + c v_{k+1}.
#[inline]
fn rotate_rows(v: &mut [f64], d: usize, k: usize, c: f64, s: f64) {
    let (top, bottom) = v[k * d..(k + 2) * d].split_at_mut(d);
    for (p, q) in top.iter_mut().zip(bottom.iter_mut()) {
        let (vp, vq) = (*p, *q);
        *p = c * vp + s * vq;
        *q = -s * vp + c * vq;
    }
}

/// Reusable buffers for the routines below (grown on demand).
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    a: Vec<f64>,
    values: Vec<f64>,
    vectors: Vec<f64>,
    off: Vec<f64>,
}

impl Workspace {
    fn reserve(&mut self, d: usize, with_vectors: bool) {
        if self.a.len() < d * d {
            self.a.resize(d * d, 0.0);
        }
        if with_vectors && self.vectors.len() < d * d {
            self.vectors.resize(d * d, 0.0);
        }
        if self.values.len() < d {
            self.values.resize(d, 0.0);
            self.off.resize(3 * d, 0.0);
        }
    }

    /// tr(sqrt(M)) = sum_i sqrt(max(lambda_i, 0)) for a symmetric positive semi-definite M
    /// (negative eigenvalues from rounding count as 0). Closed forms for d <= 2:
    /// tr sqrt(M) = sqrt(tr M + 2 sqrt(det M)).
    pub(crate) fn trace_sqrt(&mut self, m: &[f64], d: usize) -> Result<f64, EigenFailure> {
        match d {
            1 => Ok(m[0].max(0.0).sqrt()),
            2 => {
                let det = (m[0] * m[3] - m[1] * m[2]).max(0.0);
                Ok((m[0] + m[3] + 2.0 * det.sqrt()).max(0.0).sqrt())
            }
            _ => {
                self.reserve(d, false);
                self.a[..d * d].copy_from_slice(&m[..d * d]);
                symmetric_eigen(&mut self.a, d, &mut self.values, None, &mut self.off)?;
                Ok(self.values[..d].iter().map(|&x| x.max(0.0).sqrt()).sum())
            }
        }
    }

    /// The largest eigenvalue of the symmetric matrix m.
    pub(crate) fn max_eigenvalue(&mut self, m: &[f64], d: usize) -> Result<f64, EigenFailure> {
        match d {
            1 => Ok(m[0]),
            2 => Ok(eigenvalues_2x2(m[0], 0.5 * (m[1] + m[2]), m[3]).1),
            _ => {
                self.reserve(d, false);
                self.a[..d * d].copy_from_slice(&m[..d * d]);
                symmetric_eigen(&mut self.a, d, &mut self.values, None, &mut self.off)?;
                Ok(self.values[..d].iter().copied().fold(f64::NEG_INFINITY, f64::max))
            }
        }
    }

    /// out = sqrt(M), the symmetric positive semi-definite square root of a symmetric positive
    /// semi-definite M (negative eigenvalues from rounding count as 0); exactly symmetric. For
    /// d = 2, sqrt(M) = (M + sqrt(det M) I) / sqrt(tr M + 2 sqrt(det M)).
    pub(crate) fn sqrt(&mut self, m: &[f64], d: usize, out: &mut [f64]) -> Result<(), EigenFailure> {
        match d {
            1 => out[0] = m[0].max(0.0).sqrt(),
            2 => {
                let b = 0.5 * (m[1] + m[2]);
                let s = (m[0] * m[3] - b * b).max(0.0).sqrt();
                let t = (m[0] + m[3] + 2.0 * s).max(0.0).sqrt();
                if t == 0.0 {
                    out[..4].iter_mut().for_each(|x| *x = 0.0);
                } else {
                    out[0] = (m[0] + s) / t;
                    out[1] = b / t;
                    out[2] = b / t;
                    out[3] = (m[3] + s) / t;
                }
            }
            _ => {
                self.reserve(d, true);
                self.a[..d * d].copy_from_slice(&m[..d * d]);
                symmetric_eigen(&mut self.a, d, &mut self.values, Some(&mut self.vectors), &mut self.off)?;
                // sqrt(M) = W^T W with W = diag(lambda^(1/4)) V
                let w = &mut self.a;
                for i in 0..d {
                    let q = self.values[i].max(0.0).sqrt().sqrt();
                    for j in 0..d {
                        w[i * d + j] = q * self.vectors[i * d + j];
                    }
                }
                gram(w, d, out);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Rng(u64);
    impl Rng {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A random symmetric matrix with entries in [-1, 1).
    fn random_symmetric(rng: &mut Rng, d: usize) -> Vec<f64> {
        let mut a = vec![0.0; d * d];
        for i in 0..d {
            for j in 0..=i {
                let x = 2.0 * rng.uniform() - 1.0;
                a[i * d + j] = x;
                a[j * d + i] = x;
            }
        }
        a
    }

    fn max_abs(a: &[f64]) -> f64 {
        a.iter().fold(0.0f64, |m, x| m.max(x.abs()))
    }

    /// A = V^T diag(lambda) V with V orthogonal, to a few ulps of max |a_ij|, and the eigenvalues
    /// agree with nalgebra's.
    #[test]
    fn eigen_decomposition_reconstructs_the_matrix() {
        let mut rng = Rng(7);
        for d in 1..=24 {
            for trial in 0..6 {
                let mut a = random_symmetric(&mut rng, d);
                if trial == 1 {
                    // repeated eigenvalues: a projection
                    a.iter_mut().for_each(|x| *x = 0.0);
                    (0..d / 2).for_each(|i| a[i * d + i] = 1.0);
                }
                if trial == 2 {
                    // graded entries
                    for i in 0..d {
                        for j in 0..d {
                            a[i * d + j] *= 10f64.powi(-((i + j) as i32));
                        }
                    }
                }
                let (mut work, mut values, mut vectors, mut off) =
                    (a.clone(), vec![0.0; d], vec![0.0; d * d], vec![0.0; 3 * d]);
                symmetric_eigen(&mut work, d, &mut values, Some(&mut vectors), &mut off).unwrap();
                let scale = max_abs(&a).max(f64::MIN_POSITIVE);
                for i in 0..d {
                    for j in 0..d {
                        let r: f64 = (0..d)
                            .map(|t| vectors[t * d + i] * values[t] * vectors[t * d + j])
                            .sum();
                        assert!(
                            (r - a[i * d + j]).abs() <= 50.0 * d as f64 * f64::EPSILON * scale,
                            "d = {d}"
                        );
                        let o: f64 = (0..d).map(|t| vectors[i * d + t] * vectors[j * d + t]).sum();
                        let expected = if i == j { 1.0 } else { 0.0 };
                        assert!((o - expected).abs() <= 50.0 * d as f64 * f64::EPSILON, "d = {d}");
                    }
                }
                // eigenvalues only: the same values
                let (mut work2, mut values2) = (a.clone(), vec![0.0; d]);
                symmetric_eigen(&mut work2, d, &mut values2, None, &mut off).unwrap();
                let mut sorted = values.clone();
                sorted.sort_by(f64::total_cmp);
                values2.sort_by(f64::total_cmp);
                let reference = nalgebra::DMatrix::from_row_slice(d, d, &a).symmetric_eigenvalues();
                let mut reference: Vec<f64> = reference.iter().copied().collect();
                reference.sort_by(f64::total_cmp);
                for t in 0..d {
                    assert!((sorted[t] - values2[t]).abs() <= 50.0 * d as f64 * f64::EPSILON * scale);
                    assert!((sorted[t] - reference[t]).abs() <= 50.0 * d as f64 * f64::EPSILON * scale);
                }
            }
        }
    }

    #[test]
    fn zero_and_non_finite_matrices() {
        let (mut values, mut off) = (vec![1.0; 3], vec![0.0; 9]);
        symmetric_eigen(&mut [0.0; 9], 3, &mut values, None, &mut off).unwrap();
        assert_eq!(values, vec![0.0; 3]);
        let mut a = [1.0, f64::NAN, 0.0, f64::NAN, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert!(symmetric_eigen(&mut a, 3, &mut values, None, &mut off).is_err());
    }

    /// sqrt(M)^2 = M and tr sqrt(M) matches the sum of square roots of the eigenvalues, for
    /// M = A A^T + I/10 (closed forms at d <= 2 included).
    #[test]
    fn square_roots() {
        let mut rng = Rng(11);
        let mut ws = Workspace::default();
        for d in 1..=12 {
            let a: Vec<f64> = (0..d * d).map(|_| rng.uniform() - 0.5).collect();
            let mut m = vec![0.0; d * d];
            gram(&a, d, &mut m);
            (0..d).for_each(|i| m[i * d + i] += 0.1);
            let mut r = vec![0.0; d * d];
            ws.sqrt(&m, d, &mut r).unwrap();
            let mut r2 = vec![0.0; d * d];
            gram(&r, d, &mut r2); // r symmetric: r^T r = r^2
            for (x, y) in r2.iter().zip(&m) {
                assert!((x - y).abs() <= 1e-13 * (1.0 + max_abs(&m)), "d = {d}");
            }
            let tr = ws.trace_sqrt(&m, d).unwrap();
            assert!((tr - trace(&r, d)).abs() <= 1e-13 * tr, "d = {d}");
        }
    }

    #[test]
    fn cholesky_factors_and_rejects() {
        let a = [4.0, 2.0, 2.0, 2.0, 5.0, 1.0, 2.0, 1.0, 6.0];
        let mut l = [f64::NAN; 9];
        cholesky(&a, 3, &mut l).unwrap();
        let mut back = [0.0; 9];
        let mut lt = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                lt[i * 3 + j] = l[j * 3 + i];
            }
        }
        gram(&lt, 3, &mut back); // (l^T)^T l^T = l l^T
        for (x, y) in back.iter().zip(&a) {
            assert!((x - y).abs() < 1e-14);
        }
        assert_eq!((l[1], l[2], l[5]), (0.0, 0.0, 0.0));
        assert_eq!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2, &mut l).unwrap_err().0, 1);
        assert_eq!(cholesky(&[0.0, 0.0, 0.0, 1.0], 2, &mut l).unwrap_err().0, 0);
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2, &mut l).is_err()); // singular
    }

    #[test]
    fn triangular_solve() {
        let c = [2.0, 0.0, 0.0, 1.0, 3.0, 0.0, -1.0, 0.5, 4.0];
        let b = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
        let mut x = [0.0; 9];
        solve_right_lower(&c, 3, &b, &mut x);
        for r in 0..3 {
            for j in 0..3 {
                let s: f64 = (0..3).map(|t| x[r * 3 + t] * c[t * 3 + j]).sum();
                assert!((s - b[r * 3 + j]).abs() < 1e-14);
            }
        }
    }
}
