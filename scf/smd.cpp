#include "scf/smd.hpp"

#include <cmath>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "scf/grid.hpp"

namespace cagescreen::scf {

namespace {

using Vec3 = Eigen::Vector3d;

constexpr double solvent_radius_angstrom = 0.4;

// Van der Waals radii for the SASA, Å: Bondi's for H, Mantina et al.'s (CRC Handbook, 91st ed.,
// 9-49) for every other element up to Kr, as SMD prescribes.
constexpr double sasa_vdw[] = {0.0,  1.20, 1.40, 1.82, 1.53, 1.92, 1.70, 1.55, 1.52, 1.47, 1.54, 2.27, 1.73,
                               1.84, 2.10, 1.80, 1.80, 1.75, 1.88, 2.75, 2.31, 2.16, 1.87, 1.79, 1.89, 1.97,
                               1.94, 1.92, 1.84, 1.86, 2.10, 1.87, 2.11, 1.85, 1.90, 1.85, 2.02};
static_assert(sizeof sasa_vdw / sizeof sasa_vdw[0] == molecules::max_Z + 1);

// Surface tensions, cal/(mol Å²), of the SMD paper's Tables 4 (water) and 5 (other solvents,
// as coefficients of n, α, β, γ, φ², ψ²), evaluated for one solvent.
struct Tensions {
  double atom[molecules::max_Z + 1] = {};  ///< σ̃_Z
  double h_on[molecules::max_Z + 1] = {};  ///< σ̃_HZ: H bonded to Z
  double CC = 0, CN = 0, NC = 0, NC3 = 0, OC = 0, ON = 0, OO = 0, OP = 0;
  double molecular = 0;  ///< σ_M
};

Tensions tensions(const Solvent& s) {
  Tensions t;
  if (s.name == "water") {
    t.atom[1] = 48.69, t.atom[6] = 129.74, t.atom[9] = 38.18, t.atom[16] = -9.10, t.atom[17] = 9.82;
    t.atom[35] = -8.72;
    t.h_on[6] = -60.77;
    t.CC = -72.95, t.OC = 68.69, t.NC = -48.22, t.ON = 121.98, t.OP = 68.85, t.NC3 = 84.10;
    return t;
  }
  const double n = s.n, a = s.alpha, b = s.beta;
  t.atom[6] = 58.10 * n + 48.10 * a + 32.87 * b;
  t.atom[7] = 32.62 * n;
  t.atom[8] = -17.56 * n + 193.06 * a - 43.79 * b;
  t.atom[14] = -18.04 * n, t.atom[16] = -33.17 * n, t.atom[17] = -24.31 * n, t.atom[35] = -35.42 * n;
  t.h_on[6] = -36.37 * n, t.h_on[8] = -19.39 * n;
  t.CC = -62.05 * n;
  t.OC = -15.70 * n + 95.99 * a;
  t.OO = -128.16 * b;
  t.NC = -41.00 * a;
  t.ON = 79.13 * b;
  t.CN = -99.76 * n + 152.20 * a;
  t.molecular = 0.35 * s.gamma - 4.19 * s.phi * s.phi - 6.68 * s.psi * s.psi;
  return t;
}

// R̄ (Å) of the switching T between two elements (ΔR = 0.3 Å); 0 when the pair has none.
double rbar(int a, int b) {
  if (a > b) std::swap(a, b);
  struct P {
    int a, b;
    double r;
  };
  static const P pairs[] = {{1, 6, 1.55},  {1, 7, 1.55},  {1, 8, 1.55},  {1, 16, 2.14}, {6, 6, 1.84},
                            {6, 7, 1.84},  {6, 8, 1.84},  {6, 9, 1.84},  {6, 15, 2.20}, {6, 16, 2.20},
                            {6, 17, 2.10}, {6, 35, 2.30}, {6, 53, 2.60}, {7, 7, 1.85},  {7, 8, 1.50},
                            {8, 8, 2.75},  {8, 14, 2.10}, {8, 15, 2.10}, {8, 16, 1.71}, {15, 16, 2.50},
                            {16, 16, 2.75}};
  for (const auto& p : pairs)
    if (p.a == a && p.b == b) return p.r;
  return 0.0;
}

// T(R) and dT/dR (R in Å).
struct Switch {
  double T = 0.0, dT = 0.0;
};
Switch switching(double R, double Rbar, double dR) {
  if (Rbar <= 0.0 || R >= Rbar + dR) return {};
  const double x = R - Rbar - dR;
  const double T = std::exp(dR / x);
  return {T, -T * dR / (x * x)};
}

// The atomic surface tensions σ_k, and with `weights` (one per atom, may be empty) the gradient of
// Σ_k weights_k σ_k added to `grad` (natoms × 3, per Å).
std::vector<double> atomic_tensions(const molecules::Molecule& mol, const Tensions& t,
                                    const std::vector<double>& weights, Eigen::MatrixXd* grad) {
  const int n = static_cast<int>(mol.atoms.size());
  std::vector<Vec3> r(n);
  for (int i = 0; i < n; ++i)
    r[i] = Vec3(mol.atoms[i].r[0], mol.atoms[i].r[1], mol.atoms[i].r[2]) * units::bohr_in_angstrom;
  auto Z = [&](int i) { return mol.atoms[i].Z; };
  auto dist = [&](int i, int j) { return (r[i] - r[j]).norm(); };
  // d R_ij: +u to i, −u to j, scaled by c.
  auto add_pair = [&](int i, int j, double c) {
    if (!grad || c == 0.0) return;
    const Vec3 u = (r[i] - r[j]) / dist(i, j);
    grad->row(i) += c * u.transpose();
    grad->row(j) -= c * u.transpose();
  };
  std::vector<double> sigma(n, 0.0);
  for (int k = 0; k < n; ++k) {
    const double w = weights.empty() ? 0.0 : weights[k];
    double s = t.atom[Z(k)];
    auto pair_term = [&](int j, double coeff, double Rbar, double dR) {
      if (coeff == 0.0) return;
      const Switch sw = switching(dist(k, j), Rbar, dR);
      s += coeff * sw.T;
      add_pair(k, j, w * coeff * sw.dT);
    };
    for (int j = 0; j < n; ++j) {
      if (j == k) continue;
      const int zk = Z(k), zj = Z(j);
      if (zk == 1) pair_term(j, t.h_on[zj], rbar(1, zj), 0.3);
      if (zk == 8) {
        if (zj == 6) pair_term(j, t.OC, 1.33, 0.1);
        if (zj == 7) pair_term(j, t.ON, rbar(7, 8), 0.3);
        if (zj == 15) pair_term(j, t.OP, rbar(8, 15), 0.3);
        if (zj == 8) pair_term(j, t.OO, 1.80, 0.3);
      }
      if (zk == 6 && zj == 6) pair_term(j, t.CC, rbar(6, 6), 0.3);
      if (zk == 7 && zj == 6) pair_term(j, t.NC3, 1.225, 0.065);
    }
    if (Z(k) == 6 && t.CN != 0.0) {  // σ̃_CN (Σ_N T)²
      double S = 0.0;
      for (int j = 0; j < n; ++j)
        if (Z(j) == 7) S += switching(dist(k, j), rbar(6, 7), 0.3).T;
      s += t.CN * S * S;
      for (int j = 0; j < n; ++j)
        if (Z(j) == 7) add_pair(k, j, w * t.CN * 2.0 * S * switching(dist(k, j), rbar(6, 7), 0.3).dT);
    }
    if (Z(k) == 7 && t.NC != 0.0) {  // σ̃_NC [Σ_C T(R_NC) (Σ_{m≠N,C} T(R_Cm))²]^1.3
      double S = 0.0;
      std::vector<double> Q(n, 0.0);
      for (int j = 0; j < n; ++j) {
        if (Z(j) != 6) continue;
        for (int m = 0; m < n; ++m)
          if (m != k && m != j) Q[j] += switching(dist(j, m), rbar(6, Z(m)), 0.3).T;
        S += switching(dist(k, j), rbar(6, 7), 0.3).T * Q[j] * Q[j];
      }
      if (S > 0.0) {
        s += t.NC * std::pow(S, 1.3);
        const double dS = w * t.NC * 1.3 * std::pow(S, 0.3);
        for (int j = 0; j < n; ++j) {
          if (Z(j) != 6) continue;
          const Switch kj = switching(dist(k, j), rbar(6, 7), 0.3);
          add_pair(k, j, dS * kj.dT * Q[j] * Q[j]);
          for (int m = 0; m < n; ++m)
            if (m != k && m != j) add_pair(j, m, dS * kj.T * 2.0 * Q[j] * switching(dist(j, m), rbar(6, Z(m)), 0.3).dT);
        }
      }
    }
    sigma[k] = s;
  }
  return sigma;
}

}  // namespace

double smd_sasa_radius(int Z) {
  if (Z < 1 || Z > molecules::max_Z)
    throw InputError("SMD has no van der Waals radius for Z = " + std::to_string(Z));
  return (sasa_vdw[Z] + solvent_radius_angstrom) * units::angstrom_in_bohr;
}

CdsTerm smd_cds(const molecules::Molecule& mol, const Solvent& solvent, bool with_gradient, int points_per_sphere) {
  const double xi = lebedev_gaussian_width(points_per_sphere);
  const auto& grid = lebedev(points_per_sphere);
  const int n = static_cast<int>(mol.atoms.size());
  std::vector<Vec3> c(n);
  std::vector<double> rho(n);
  for (int i = 0; i < n; ++i) {
    c[i] = Vec3(mol.atoms[i].r[0], mol.atoms[i].r[1], mol.atoms[i].r[2]);
    rho[i] = smd_sasa_radius(mol.atoms[i].Z);
  }
  CdsTerm out;
  out.atom_area.assign(n, 0.0);
  std::vector<Eigen::MatrixXd> dArea;  // ∂A_k/∂R per atom k, combined once the tensions are known
  if (with_gradient) dArea.assign(n, Eigen::MatrixXd::Zero(n, 3));
  // Switched Lebedev areas; a point's weight F = Π_j ½ erfc(ζ (ρ_j − |p − c_j|)).
#pragma omp parallel for schedule(dynamic, 1)
  for (int k = 0; k < n; ++k) {
    std::vector<int> near;
    for (int j = 0; j < n; ++j)
      if (j != k && (c[k] - c[j]).norm() < rho[k] + rho[j] + 1.0) near.push_back(j);
    std::vector<double> s(near.size()), ds(near.size());
    for (const auto& g : grid) {
      const Vec3 u(g[0], g[1], g[2]);
      const Vec3 p = c[k] + rho[k] * u;
      const double zeta = xi / (rho[k] * std::sqrt(g[3]));
      double F = 1.0;
      for (std::size_t a = 0; a < near.size(); ++a) {
        const double r = (p - c[near[a]]).norm();
        const double x = zeta * (rho[near[a]] - r);
        s[a] = 0.5 * std::erfc(x);
        ds[a] = zeta / std::sqrt(M_PI) * std::exp(-x * x);  // d s / d r
        F *= s[a];
      }
      if (F < 1e-14) continue;
      const double wa = g[3] * rho[k] * rho[k];
      out.atom_area[k] += wa * F;
      if (!with_gradient) continue;
      for (std::size_t a = 0; a < near.size(); ++a) {
        if (ds[a] == 0.0) continue;
        double others = 1.0;
        for (std::size_t b = 0; b < near.size(); ++b)
          if (b != a) others *= s[b];
        const int j = near[a];
        const Vec3 d = p - c[j];
        const Vec3 g_r = wa * others * ds[a] * d / d.norm();  // ∂(wa F)/∂p along d, = −∂/∂c_j
        dArea[k].row(k) += g_r.transpose();
        dArea[k].row(j) -= g_r.transpose();
      }
    }
  }
  const Tensions t = tensions(solvent);
  const double a2 = units::bohr_in_angstrom * units::bohr_in_angstrom;
  const double to_hartree = 1e-3 / units::hartree_in_kcal_per_mol;  // cal/(mol Å²) · Å² → Eh
  std::vector<double> weights(n);
  for (int k = 0; k < n; ++k) weights[k] = out.atom_area[k] * a2 * to_hartree;  // Eh per cal/(mol Å²)
  Eigen::MatrixXd gsig = Eigen::MatrixXd::Zero(n, 3);
  const std::vector<double> sigma = atomic_tensions(mol, t, with_gradient ? weights : std::vector<double>{},
                                                    with_gradient ? &gsig : nullptr);
  out.surface_tension.resize(n);
  for (int k = 0; k < n; ++k) {
    out.surface_tension[k] = sigma[k] + t.molecular;
    out.area += out.atom_area[k];
    out.energy += weights[k] * out.surface_tension[k];
  }
  if (with_gradient) {
    out.gradient = gsig * units::bohr_in_angstrom;  // per Å → per Bohr
    for (int k = 0; k < n; ++k) out.gradient += dArea[k] * (a2 * to_hartree * out.surface_tension[k]);
  }
  return out;
}

}  // namespace cagescreen::scf
