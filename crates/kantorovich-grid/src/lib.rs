//! Convolutional Wasserstein barycentres of images and volumes on regular 2-D and 3-D grids
//! (Solomon et al. 2015, *Convolutional Wasserstein distances*), part of kantorovich.
//!
//! On a grid the squared Euclidean cost separates over the axes, so the Gibbs kernel
//! K(x, y) = exp(-|x - y|^2 / eps) is a tensor product of 1-D kernels and K w costs one 1-D pass
//! per axis instead of a dense N x N product: the iterative Bregman projections of the entropic
//! barycentre then run on 512 x 512 images. See [`ConvolutionalBarycenter`] for the problem,
//! the iteration and its stopping rule, [`Domain`] for small eps, and [`Grid`] for the layout
//! and units.
#![warn(missing_docs)]

mod error;
mod grid;
mod kernel;
mod solver;

pub use error::GridError;
pub use grid::Grid;
pub use solver::{ConvolutionalBarycenter, Domain, GridBarycenter};
