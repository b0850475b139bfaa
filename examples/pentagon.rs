//! Debiased convolutional barycentres of five shapes (disc, ring, square, cross, triangle) on a
//! 64 x 64 grid, at weights spread over the pentagon that the five inputs span, written as a
//! greyscale PNG `pentagon.png`; and `debiasing.png`, the square,
//! the cross, and their entropic and debiased barycentres halfway (one grey scale, square root
//! of the mass, so that the blur shows).
//!
//! The inputs sit at the pentagon's corners; a barycentre is drawn at each point x of a square
//! lattice inside it, with inverse-square-distance weights lambda_k = |x - c_k|^-2 / sum_j |x - c_j|^-2
//! to the corners c_k (1 at a corner, smooth inside).
//!
//! Both pictures go into the folder given as first argument (default `out/`; the book's copies are
//! in book/src/images/).
//!
//! ```sh
//! cargo run --release --example pentagon [out-dir]
//! ```

use kantorovich::{ConvolutionalBarycenter, Grid};
use std::f64::consts::PI;
use std::time::Instant;

const N: usize = 64;
/// Pixels per lattice step on the canvas (images are N x N, so a margin of 6).
const CELL: usize = 70;
/// Circumradius of the pentagon in lattice steps.
const RADIUS: f64 = 3.2;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "out".into()));
    std::fs::create_dir_all(&out)?;
    let grid = Grid::unit_square(N, N)?;
    let inputs = shapes();
    let corners: Vec<[f64; 2]> = (0..5)
        .map(|k| PI / 2.0 + 2.0 * PI * k as f64 / 5.0)
        .map(|a| [RADIUS * a.cos(), RADIUS * a.sin()])
        .collect();
    // lattice points strictly inside the pentagon and at least one step from every corner
    let mut sites: Vec<([f64; 2], Option<usize>)> = corners.iter().enumerate().map(|(k, c)| (*c, Some(k))).collect();
    let reach = RADIUS.ceil() as i64;
    for i in -reach..=reach {
        for j in -reach..=reach {
            let p = [j as f64, i as f64];
            let near_corner = corners.iter().any(|c| (c[0] - p[0]).hypot(c[1] - p[1]) < 1.0);
            if inside(&corners, p) && !near_corner {
                sites.push((p, None));
            }
        }
    }
    let solver = ConvolutionalBarycenter::new(0.004)
        .debiased(true)
        .tolerance(1e-4)
        .max_iterations(300);
    let start = Instant::now();
    let mut images = Vec::with_capacity(sites.len());
    let mut not_converged = 0;
    for (p, corner) in &sites {
        let image = match corner {
            Some(k) => inputs[*k].clone(),
            None => {
                let weights: Vec<f64> = corners
                    .iter()
                    .map(|c| 1.0 / ((c[0] - p[0]).powi(2) + (c[1] - p[1]).powi(2)))
                    .collect();
                let r = solver.solve(&grid, &inputs, &weights)?;
                not_converged += usize::from(!r.converged);
                r.barycenter
            }
        };
        images.push((*p, image));
    }
    println!(
        "{} barycentres of 5 inputs at {N}x{N} in {:.2} s ({not_converged} stopped at the iteration cap)",
        sites.len() - 5,
        start.elapsed().as_secs_f64()
    );
    let side = (2.0 * RADIUS + 2.0) as usize * CELL;
    let mut canvas = vec![255u8; side * side];
    for (p, image) in &images {
        let max = image.iter().fold(0.0f64, |m, x| m.max(*x));
        // canvas y grows downwards: flip the lattice's y
        let x0 = (side as f64 / 2.0 + p[0] * CELL as f64 - N as f64 / 2.0).round() as usize;
        let y0 = (side as f64 / 2.0 - p[1] * CELL as f64 - N as f64 / 2.0).round() as usize;
        for (k, m) in image.iter().enumerate() {
            let (r, c) = (k / N, k % N);
            canvas[(y0 + r) * side + x0 + c] = (255.0 * (1.0 - m / max)).round() as u8;
        }
    }
    let path = out.join("pentagon.png");
    std::fs::write(&path, png_greyscale(side, side, &canvas))?;
    println!("wrote {}", path.display());

    // debiasing: the square, the cross, their entropic and their debiased barycentre (1/2, 1/2)
    let plain = ConvolutionalBarycenter::new(0.004)
        .tolerance(1e-6)
        .solve(&grid, &inputs[2..4], &[0.5, 0.5])?;
    let debiased = solver.solve(&grid, &inputs[2..4], &[0.5, 0.5])?;
    println!(
        "square/cross halfway: entropic {} iterations, debiased {} iterations (converged: {} {})",
        plain.iterations, debiased.iterations, plain.converged, debiased.converged
    );
    let strip = [&inputs[2], &inputs[3], &plain.barycenter, &debiased.barycenter];
    let width = strip.len() * CELL;
    let mut canvas = vec![255u8; width * CELL];
    for (i, image) in strip.iter().enumerate() {
        // one grey scale for the strip: the darkest pixel of all four is black
        let max = strip.iter().flat_map(|im| im.iter()).fold(0.0f64, |m, x| m.max(*x));
        for (k, m) in image.iter().enumerate() {
            let (r, c) = (k / N + (CELL - N) / 2, k % N + i * CELL + (CELL - N) / 2);
            canvas[r * width + c] = (255.0 * (1.0 - (m / max).sqrt())).round() as u8;
        }
    }
    let path = out.join("debiasing.png");
    std::fs::write(&path, png_greyscale(width, CELL, &canvas))?;
    println!("wrote {}", path.display());
    Ok(())
}

/// Whether p is inside the convex polygon with counter-clockwise corners.
fn inside(corners: &[[f64; 2]], p: [f64; 2]) -> bool {
    (0..corners.len()).all(|k| {
        let (a, b) = (corners[k], corners[(k + 1) % corners.len()]);
        (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) > 1e-9
    })
}

/// Disc, ring, square, cross and triangle, each of mass 1, in unit coordinates.
fn shapes() -> Vec<Vec<f64>> {
    let t = |i: usize| i as f64 / (N - 1) as f64;
    let draw = |inside: &dyn Fn(f64, f64) -> bool| -> Vec<f64> {
        let img: Vec<f64> = (0..N * N)
            .map(|k| if inside(t(N - 1 - k / N), t(k % N)) { 1.0 } else { 0.0 })
            .collect();
        let total: f64 = img.iter().sum();
        img.iter().map(|m| m / total).collect()
    };
    let r = |x: f64, y: f64| (x - 0.5).hypot(y - 0.5);
    vec![
        draw(&|y, x| r(x, y) <= 0.3),
        draw(&|y, x| (0.24..=0.36).contains(&r(x, y))),
        draw(&|y, x| (x - 0.5).abs() <= 0.27 && (y - 0.5).abs() <= 0.27),
        draw(&|y, x| {
            let (dx, dy) = ((x - 0.5).abs(), (y - 0.5).abs());
            (dx <= 0.08 && dy <= 0.36) || (dy <= 0.08 && dx <= 0.36)
        }),
        draw(&|y, x| y >= 0.18 && y <= 0.18 + 0.62 * (1.0 - 2.0 * (x - 0.5).abs() / 0.72)),
    ]
}

/// A greyscale 8-bit PNG with stored (uncompressed) deflate blocks: no compression library needed.
fn png_greyscale(width: usize, height: usize, pixels: &[u8]) -> Vec<u8> {
    // scanlines, each with filter type 0
    let mut raw = Vec::with_capacity(height * (width + 1));
    for row in pixels.chunks(width) {
        raw.push(0);
        raw.extend_from_slice(row);
    }
    let mut zlib = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = raw.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        zlib.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        zlib.extend_from_slice(&len.to_le_bytes());
        zlib.extend_from_slice(&(!len).to_le_bytes());
        zlib.extend_from_slice(block);
    }
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut header = Vec::with_capacity(13);
    header.extend_from_slice(&(width as u32).to_be_bytes());
    header.extend_from_slice(&(height as u32).to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8 bits, greyscale, deflate, no filter, no interlace
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    for (kind, data) in [(b"IHDR", &header[..]), (b"IDAT", &zlib[..]), (b"IEND", &[][..])] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = png.len();
        png.extend_from_slice(kind);
        png.extend_from_slice(data);
        let crc = crc32(&png[start..]);
        png.extend_from_slice(&crc.to_be_bytes());
    }
    png
}

/// CRC-32 (ISO-HDLC, reflected polynomial 0xEDB88320), bit by bit: the image is small.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Adler-32 of the uncompressed stream, as zlib requires.
fn adler32(bytes: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in bytes {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}
