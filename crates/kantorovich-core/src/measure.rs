//! Discrete probability measures.

use crate::{CoreError, GroundSpace};
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

/// A discrete probability measure mu = sum_i a_i delta(x_i) on a ground space.
///
/// Weights are validated (finite, >= 0, positive total) and **normalised** to sum to 1: a
/// barycentre compares measures of equal mass, so `new` divides by the total instead of
/// rejecting unnormalised input. Atoms of zero weight are kept (they carry no mass but keep
/// indices stable). The points are stored the way the space wants (contiguously for R^d).
#[derive(Debug, Clone)]
pub struct DiscreteMeasure<S: GroundSpace> {
    space: S,
    points: S::Storage,
    weights: Vec<f64>,
}

impl<S: GroundSpace> DiscreteMeasure<S> {
    /// The measure sum_i w_i / (sum_j w_j) delta(x_i).
    ///
    /// Errors if there are no atoms, the number of weights is not the number of points, the
    /// points are invalid for `space`, a weight is NaN, infinite or negative, or the weights
    /// sum to zero.
    pub fn new(space: S, points: S::Storage, weights: Vec<f64>) -> Result<Self, CoreError> {
        space.validate(&points)?;
        let n = space.len(&points);
        if n == 0 {
            return Err(CoreError::EmptyMeasure);
        }
        if weights.len() != n {
            return Err(CoreError::LengthMismatch {
                points: n,
                weights: weights.len(),
            });
        }
        let weights = normalized_weights(weights)?;
        Ok(Self { space, points, weights })
    }

    /// The uniform measure (1/n) sum_i delta(x_i).
    pub fn uniform(space: S, points: S::Storage) -> Result<Self, CoreError> {
        let n = space.len(&points);
        Self::new(space, points, vec![1.0; n])
    }

    /// The ground space the atoms live in.
    pub fn space(&self) -> &S {
        &self.space
    }
    /// The support points x_1..x_n, in the space's storage.
    pub fn points(&self) -> &S::Storage {
        &self.points
    }
    /// The weights a_1..a_n (they sum to 1).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    /// The number of atoms n (zero-weight atoms included).
    pub fn len(&self) -> usize {
        self.weights.len()
    }
    /// Always false: a measure has at least one atom.
    pub fn is_empty(&self) -> bool {
        self.weights.is_empty()
    }
    /// The i-th support point x_i.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn point(&self, i: usize) -> S::Point<'_> {
        assert!(i < self.len(), "atom index {i} out of range 0..{}", self.len());
        self.space.point(&self.points, i)
    }
    /// The atoms (x_i, a_i) in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (S::Point<'_>, f64)> + '_ {
        (0..self.len()).map(move |i| (self.space.point(&self.points, i), self.weights[i]))
    }
    /// The number of atoms of positive weight.
    pub fn support_size(&self) -> usize {
        self.weights.iter().filter(|&&w| w > 0.0).count()
    }

    /// The same measure with coincident atoms merged (their weights added) and zero-weight atoms
    /// removed, in order of first appearance. Two atoms coincide when their points compare equal.
    pub fn merged(&self) -> Self {
        let hasher = RandomState::new();
        // hash -> (index in self, index in the merged measure) of the atoms kept so far
        let mut first: HashMap<u64, Vec<(usize, usize)>> = HashMap::new();
        let mut points = self.space.with_capacity(self.len());
        let mut weights: Vec<f64> = Vec::with_capacity(self.len());
        for (i, (p, w)) in self.iter().enumerate() {
            if w <= 0.0 {
                continue;
            }
            let mut h = hasher.build_hasher();
            self.space.hash_point(p, &mut h);
            let bucket = first.entry(std::hash::Hasher::finish(&h)).or_default();
            match bucket.iter().find(|&&(orig, _)| self.point(orig) == p) {
                Some(&(_, k)) => weights[k] += w,
                None => {
                    bucket.push((i, weights.len()));
                    self.space.push(&mut points, p);
                    weights.push(w);
                }
            }
        }
        Self {
            space: self.space.clone(),
            points,
            weights,
        }
    }
}

/// Checks weights (finite, >= 0, positive finite total) and divides them by their total.
pub fn normalized_weights(mut weights: Vec<f64>) -> Result<Vec<f64>, CoreError> {
    for (index, &value) in weights.iter().enumerate() {
        if !value.is_finite() {
            return Err(CoreError::NonFiniteWeight { index, value });
        }
        if value < 0.0 {
            return Err(CoreError::NegativeWeight { index, value });
        }
    }
    let total: f64 = weights.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return Err(CoreError::BadTotalMass { total });
    }
    weights.iter_mut().for_each(|w| *w /= total);
    Ok(weights)
}
