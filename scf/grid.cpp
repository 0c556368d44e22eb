#include "scf/grid.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <sstream>

#include <Eigen/Dense>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/units.hpp"
#include "scf/tolerances.hpp"

namespace cagescreen::scf {
namespace {

// Treutler–Ahlrichs ξ per element (J. Chem. Phys. 102, 346 (1995), Table 1), H–Kr.
constexpr double treutler_xi[] = {0.8, 0.9, 1.8, 1.4, 1.3, 1.1, 0.9, 0.9, 0.9, 0.9, 1.4, 1.3,
                                  1.3, 1.2, 1.1, 1.0, 1.0, 1.0, 1.5, 1.4, 1.3, 1.2, 1.2, 1.2,
                                  1.2, 1.2, 1.2, 1.1, 1.1, 1.1, 1.1, 1.0, 0.9, 0.9, 0.9, 0.9};

// Gill–Johnson–Pople SG-1 atomic radii, H–Ar, Bohr (Chem. Phys. Lett. 209, 506 (1993)): the
// outer pruning region starts at 3.5 of them.
constexpr double sg1_radius[] = {1.0000, 0.5882, 3.0769, 2.0513, 1.5385, 1.2308, 1.0256, 0.8791, 0.7692,
                                 0.6838, 4.0909, 3.1579, 2.5714, 2.1687, 1.8750, 1.6514, 1.4754, 1.3333};

// Psi4 1.3.2's per-element radius (Bohr) for the Treutler–Ahlrichs radial map and for the Treutler
// size adjustment of the Becke partition (cubature.cc, GetBSRadius; 1.881 beyond Xe), H–Xe.
constexpr double psi4_radius[] = {
    1.001, 1.012, 0.825, 1.408, 1.485, 1.452, 1.397, 1.342, 1.287, 1.243, 1.144, 1.364, 1.639, 1.716,
    1.705, 1.683, 1.639, 1.595, 1.485, 1.474, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562, 1.562,
    1.562, 1.562, 1.650, 1.727, 1.760, 1.771, 1.749, 1.727, 1.628, 1.606, 1.639, 1.639, 1.639, 1.639,
    1.639, 1.639, 1.639, 1.639, 1.639, 1.639, 1.672, 1.804, 1.881, 1.892, 1.892, 1.881};

double psi4_atomic_radius(int Z) { return Z <= 54 ? psi4_radius[Z - 1] : 1.881; }

/// The axes of the angular grids (columns): the principal axes of the nuclear-charge distribution
/// (second moment about the centre of charge, true Z as psi4 uses), as psi4 orients its grids.
/// Lebedev rules are invariant under the octahedral group, so the order and signs of the axes do
/// not matter. Where moments are degenerate the axes are fixed by the atoms, following psi4's rule
/// for symmetric tops: z the unique axis (spherical tops: towards the atom nearest the centre), x
/// towards the atom nearest the z axis but off it (ties: lowest along z, then lowest Z). The grid
/// then turns with the molecule, whatever its symmetry, except about the axis of a linear molecule.
std::array<std::array<double, 3>, 3> grid_axes(const molecules::Molecule& mol) {
  using Eigen::Vector3d;
  double q = 0.0;
  Vector3d c = Vector3d::Zero();
  for (const auto& a : mol.atoms) {
    q += a.Z;
    c += a.Z * Vector3d(a.r[0], a.r[1], a.r[2]);
  }
  c /= q;
  std::vector<Vector3d> rel;
  Eigen::Matrix3d M = Eigen::Matrix3d::Zero();
  for (const auto& a : mol.atoms) {
    rel.push_back(Vector3d(a.r[0], a.r[1], a.r[2]) - c);
    M += a.Z * rel.back() * rel.back().transpose();
  }
  const Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d> es(M);
  const Vector3d lam = es.eigenvalues();
  Eigen::Matrix3d V = es.eigenvectors();
  const double tol = 1e-8 * std::max(1.0, lam(2));
  const bool low = lam(1) - lam(0) < tol, high = lam(2) - lam(1) < tol;
  const double near = 1e-6;  // Bohr: positions closer than this count as equal
  auto x_axis_about = [&](const Vector3d& z) -> std::optional<Vector3d> {
    int best = -1;
    double best_d = 0, best_z = 0;
    for (std::size_t i = 0; i < rel.size(); ++i) {
      const double zi = rel[i].dot(z);
      const double d = (rel[i] - zi * z).norm();
      if (d < near) continue;
      const bool better = best < 0 || d < best_d - near ||
                          (d < best_d + near && (zi < best_z - near ||
                                                 (zi < best_z + near && mol.atoms[i].Z < mol.atoms[best].Z)));
      if (better) best = static_cast<int>(i), best_d = d, best_z = zi;
    }
    if (best < 0) return std::nullopt;
    return Vector3d((rel[best] - best_z * z).normalized());
  };
  if (lam(2) > tol && (low || high)) {
    Vector3d z;
    if (low && high) {  // spherical top: towards the atom nearest the centre (off it; lowest Z)
      int best = -1;
      for (std::size_t i = 0; i < rel.size(); ++i) {
        if (rel[i].norm() < near) continue;
        if (best < 0 || rel[i].norm() < rel[best].norm() - near ||
            (rel[i].norm() < rel[best].norm() + near && mol.atoms[i].Z < mol.atoms[best].Z))
          best = static_cast<int>(i);
      }
      z = rel[best].normalized();
    } else {
      z = low ? V.col(2) : V.col(0);  // the non-degenerate axis
    }
    if (const auto x = x_axis_about(z)) {
      V.col(0) = *x;
      V.col(1) = z.cross(*x);
      V.col(2) = z;
    }
  }
  std::array<std::array<double, 3>, 3> Q{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) Q[i][j] = V(i, j);
  return Q;
}

/// Becke's step function s(ν) = (1 − f3(ν))/2 with f3 three iterations of p(x) = x(3 − x²)/2.
double becke_step(double nu) {
  for (int k = 0; k < 3; ++k) nu = 0.5 * nu * (3.0 - nu * nu);
  return 0.5 * (1.0 - nu);
}

/// Smallest shipped Lebedev rule with at least n points.
int lebedev_at_least(int n) {
  for (int s : lebedev_sizes())
    if (s >= n) return s;
  return lebedev_sizes().back();
}

}  // namespace

const std::vector<int>& lebedev_sizes() {
  static const std::vector<int> sizes{6,   14,  26,  38,  50,  74,   86,   110,  146,  170,  194,
                                      230, 266, 302, 350, 434, 590,  770,  974,  1202, 1454, 1730,
                                      2030, 2354, 2702, 3074, 3470, 3890, 4334, 4802, 5294, 5810};
  return sizes;
}

const std::vector<std::array<double, 4>>& lebedev(int n) {
  static std::mutex m;
  static std::map<int, std::vector<std::array<double, 4>>> cache;
  std::lock_guard<std::mutex> lock(m);
  if (auto it = cache.find(n); it != cache.end()) return it->second;
  const auto& sizes = lebedev_sizes();
  if (std::find(sizes.begin(), sizes.end(), n) == sizes.end())
    throw InputError("no Lebedev grid with " + std::to_string(n) + " points (available: 6 ... 5810, e.g. 302, 590)");
  char name[32];
  std::snprintf(name, sizeof name, "lebedev_%04d.txt", n);
  const std::string path = data_dir() + "/grids/" + name;
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open Lebedev grid file");
  std::vector<std::array<double, 4>> pts;
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::array<double, 4> p{};
    if (!(ls >> p[0] >> p[1] >> p[2] >> p[3])) throw InputError(located(path, lineno, "expected 'x y z w'"));
    p[3] *= 4.0 * M_PI;
    pts.push_back(p);
  }
  if (static_cast<int>(pts.size()) != n)
    throw InputError(path + ": expected " + std::to_string(n) + " points, found " + std::to_string(pts.size()));
  return cache.emplace(n, std::move(pts)).first->second;
}

GridSpec parse_grid(const std::string& spec_text) {
  GridSpec g;
  g.name = spec_text;
  std::string text = spec_text;
  const std::string suffix = ":psi4";
  if (text.size() > suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0) {
    const std::string base = text.substr(0, text.size() - suffix.size());
    if (base.find(':') != std::string::npos)
      throw InputError("grid " + in_quotes(spec_text) + ": ':psi4' may follow a grid once (e.g. 99,590:psi4)");
    g = parse_grid(base);
    g.name = spec_text;
    g.psi4 = true;
    g.prune = false;
    g.radial_light = 0;
    g.outer_angular = 0;
    return g;
  }
  if (text == "coarse") {
    g.radial = 50, g.angular = 194, g.radial_light = 35, g.outer_angular = 110;
  } else if (text == "default") {
    g.radial = 75, g.angular = 302, g.radial_light = 50, g.outer_angular = 146;
  } else if (text == "fine") {
    g.radial = 99, g.angular = 590;
  } else if (text == "ultrafine") {
    g.radial = 150, g.angular = 974;
  } else {
    const auto comma = text.find(',');
    const auto r = comma == std::string::npos ? std::nullopt : parse_integer_in(text.substr(0, comma), 10, 500);
    const auto a = comma == std::string::npos ? std::nullopt : parse_integer_in(text.substr(comma + 1), 1, 100000);
    if (!r || !a)
      throw InputError("grid " + in_quotes(spec_text) + " must be coarse, default, fine, ultrafine or R,A (e.g. 99,590; R in 10..500, A a Lebedev size), optionally followed by :psi4");
    g.radial = static_cast<int>(*r);
    g.angular = static_cast<int>(*a);
    g.prune = false;
    lebedev(g.angular);  // validates the angular size
  }
  return g;
}

MolecularGrid build_grid(const molecules::Molecule& mol, const GridSpec& spec, std::size_t max_batch) {
  MolecularGrid grid;
  grid.spec = spec;
  const int natom = static_cast<int>(mol.atoms.size());
  std::vector<double> dist(natom * natom, 0.0);
  for (int i = 0; i < natom; ++i)
    for (int j = 0; j < natom; ++j) {
      const auto& a = mol.atoms[i].r;
      const auto& b = mol.atoms[j].r;
      dist[i * natom + j] = std::hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    }

  // Psi4's partition: Becke's cell functions with ν = μ + a(1 − μ²), where a comes from
  // χ = sqrt(R_k/R_l) (Treutler's adjustment), a = (1 − χ²)/(4χ) clipped to ±1/2.
  std::vector<double> adjust(natom * natom, 0.0);
  std::array<std::array<double, 3>, 3> axes{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  if (spec.psi4) {
    for (int k = 0; k < natom; ++k)
      for (int l = 0; l < natom; ++l) {
        if (k == l) continue;
        const double chi = std::sqrt(psi4_atomic_radius(mol.atoms[k].Z) / psi4_atomic_radius(mol.atoms[l].Z));
        adjust[k * natom + l] = std::clamp((1.0 - chi * chi) / (4.0 * chi), -0.5, 0.5);
      }
    axes = grid_axes(mol);
  }

  std::vector<std::array<double, 3>> pts;
  std::vector<double> wts;
  std::vector<double> P(natom);
  for (int A = 0; A < natom; ++A) {
    const int Z = mol.atoms[A].Z;
    const double xi = spec.psi4 ? psi4_atomic_radius(Z) : treutler_xi[std::min(Z, 36) - 1];
    const double rbragg = molecules::element(Z).covalent_radius / units::bohr_in_angstrom;
    const double r_outer = 3.5 * (Z <= 18 ? sg1_radius[Z - 1] : rbragg);
    const int n = Z <= 2 && spec.radial_light > 0 ? spec.radial_light : spec.radial;
    for (int i = 1; i <= n; ++i) {
      // Treutler–Ahlrichs M4: r = ξ/ln2 (1+x)^0.6 ln(2/(1−x)), Chebyshev (2nd kind) nodes.
      const double theta = i * M_PI / (n + 1);
      const double x = std::cos(theta);
      const double wx = M_PI / (n + 1) * std::sin(theta);  // ∫dx g(x) ≈ Σ wx g(x)
      const double ln2 = std::log(2.0);
      const double r = xi / ln2 * std::pow(1.0 + x, 0.6) * std::log(2.0 / (1.0 - x));
      const double drdx = xi / ln2 *
                          (0.6 * std::pow(1.0 + x, -0.4) * std::log(2.0 / (1.0 - x)) + std::pow(1.0 + x, 0.6) / (1.0 - x));
      const double wr = wx * drdx * r * r;
      // Pruning: fewer angular points in the core region, where the density is nearly spherical.
      int nang = spec.angular;
      if (spec.prune) {
        if (r < 0.25 * rbragg)
          nang = lebedev_at_least(std::min(spec.angular, 50));
        else if (r < 0.5 * rbragg)
          nang = lebedev_at_least(std::min(spec.angular, 110));
        else if (r < 0.9 * rbragg)
          nang = lebedev_at_least(std::min(spec.angular, 194));
        else if (r > r_outer && spec.outer_angular > 0)
          nang = lebedev_at_least(std::min(spec.angular, spec.outer_angular));
      }
      for (const auto& L0 : lebedev(nang)) {
        std::array<double, 3> L{};
        for (int d = 0; d < 3; ++d) L[d] = axes[d][0] * L0[0] + axes[d][1] * L0[1] + axes[d][2] * L0[2];
        const std::array<double, 3> p{mol.atoms[A].r[0] + r * L[0], mol.atoms[A].r[1] + r * L[1],
                                      mol.atoms[A].r[2] + r * L[2]};
        // Becke partition weight of atom A at p.
        std::vector<double> rp(natom);
        for (int k = 0; k < natom; ++k)
          rp[k] = std::hypot(p[0] - mol.atoms[k].r[0], p[1] - mol.atoms[k].r[1], p[2] - mol.atoms[k].r[2]);
        double sum = 0.0;
        for (int k = 0; k < natom; ++k) {
          double cell = 1.0;
          for (int l = 0; l < natom && cell > 0.0; ++l) {
            if (l == k) continue;
            const double mu = (rp[k] - rp[l]) / dist[k * natom + l];
            if (spec.psi4) {
              const double a = adjust[k * natom + l];
              cell *= becke_step(mu + a * (1.0 - mu * mu));
              continue;
            }
            // Stratmann–Scuseria–Frisch cell function (Chem. Phys. Lett. 257, 213 (1996)), a = 0.64.
            double g;
            if (mu <= -0.64) {
              g = -1.0;
            } else if (mu >= 0.64) {
              g = 1.0;
            } else {
              const double z = mu / 0.64, z2 = z * z;
              g = z * (35.0 + z2 * (-35.0 + z2 * (21.0 - 5.0 * z2))) / 16.0;
            }
            cell *= 0.5 * (1.0 - g);
          }
          P[k] = cell;
          sum += cell;
        }
        const double w = wr * L0[3] * (sum > 0 ? P[A] / sum : 0.0);
        if (std::abs(w) < tolerance::grid_weight) continue;
        pts.push_back(p);
        wts.push_back(w);
      }
    }
  }

  // Spatial batches: recursive bisection of the point cloud along its longest axis.
  std::vector<std::size_t> idx(pts.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::vector<std::pair<std::size_t, std::size_t>> stack{{0, idx.size()}}, leaves;
  while (!stack.empty()) {
    auto [b, e] = stack.back();
    stack.pop_back();
    if (e - b <= max_batch) {
      leaves.push_back({b, e});
      continue;
    }
    std::array<double, 3> lo{HUGE_VAL, HUGE_VAL, HUGE_VAL}, hi{-HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (std::size_t k = b; k < e; ++k)
      for (int d = 0; d < 3; ++d) {
        lo[d] = std::min(lo[d], pts[idx[k]][d]);
        hi[d] = std::max(hi[d], pts[idx[k]][d]);
      }
    int axis = 0;
    for (int d = 1; d < 3; ++d)
      if (hi[d] - lo[d] > hi[axis] - lo[axis]) axis = d;
    const std::size_t mid = b + (e - b) / 2;
    std::nth_element(idx.begin() + b, idx.begin() + mid, idx.begin() + e,
                     [&](std::size_t u, std::size_t v) { return pts[u][axis] < pts[v][axis]; });
    stack.push_back({b, mid});
    stack.push_back({mid, e});
  }
  for (auto [b, e] : leaves) {
    GridBatch batch;
    batch.begin = grid.points.size();
    std::array<double, 3> lo{HUGE_VAL, HUGE_VAL, HUGE_VAL}, hi{-HUGE_VAL, -HUGE_VAL, -HUGE_VAL};
    for (std::size_t k = b; k < e; ++k) {
      grid.points.push_back(pts[idx[k]]);
      grid.weights.push_back(wts[idx[k]]);
      for (int d = 0; d < 3; ++d) {
        lo[d] = std::min(lo[d], pts[idx[k]][d]);
        hi[d] = std::max(hi[d], pts[idx[k]][d]);
      }
    }
    batch.end = grid.points.size();
    for (int d = 0; d < 3; ++d) batch.center[d] = 0.5 * (lo[d] + hi[d]);
    batch.radius = 0.5 * std::hypot(hi[0] - lo[0], hi[1] - lo[1], hi[2] - lo[2]);
    grid.batches.push_back(batch);
  }
  return grid;
}

}  // namespace cagescreen::scf
