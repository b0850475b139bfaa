//! Low-level calls on points of the wrong dimension give NaN (which every solver reports) or an
//! error, never a plausible number or a panic (issue 13, items 6 and 7).

use kantorovich_core::{Cost, GroundBarycenter};
use kantorovich_geometry::{Circle, CircleProjections, Euclidean, LinearMap, PNorm, SquaredEuclidean};

#[test]
fn costs_of_points_of_different_dimensions_are_nan() {
    let (x, y) = ([0.0, 1.0], [0.5, 0.5, 3.0]);
    assert!(Cost::<Euclidean>::cost(&SquaredEuclidean, &x, &y).is_nan());
    assert!(GroundBarycenter::<Euclidean>::delta(&SquaredEuclidean, &x, &y, &[1.0]).is_nan());
    for (p, q) in [(1.0, 1.0), (2.0, 2.0), (2.0, 1.0), (1.5, 1.5), (3.0, 2.0)] {
        let c = PNorm::new(p, q).unwrap();
        assert!(Cost::<Euclidean>::cost(&c, &x, &y).is_nan(), "p = {p}, q = {q}");
        assert!(
            c.objective(&x, &[&y[..], &x[..]], &[0.5, 0.5]).is_nan(),
            "p = {p}, q = {q}"
        );
        // one weight for two points
        assert!(c.objective(&x, &[&x[..], &x[..]], &[1.0]).is_nan(), "p = {p}, q = {q}");
        // the same dimensions still work
        assert!(Cost::<Euclidean>::cost(&c, &x, &x) == 0.0);
    }
    let circle = Circle::new([0.0, 0.0], 1.0).unwrap();
    // a 1-D point: it panicked (index out of bounds)
    assert!(circle.project(&[2.0]).iter().all(|v| v.is_nan()));
    assert!(Cost::<Euclidean>::cost(&circle, &[2.0], &[1.0, 0.0]).is_nan());
    let circles = CircleProjections::new(vec![circle, circle]).unwrap();
    assert!(circles.objective(&[1.0, 0.0], &[&[1.0, 0.0]], &[1.0]).is_nan());
}

#[test]
fn huge_coordinate_maps_are_errors() {
    // usize::MAX x 1 entries: an error, not an aborting allocation
    assert!(LinearMap::coordinates(usize::MAX, &[0]).is_err());
    assert!(LinearMap::coordinates(3, &[0, 2]).is_ok());
}
