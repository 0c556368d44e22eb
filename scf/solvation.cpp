#include "scf/solvation.hpp"

#include <omp.h>

#include <cmath>
#include <iterator>
#include <map>
#include <sstream>
#include <mutex>

#include "molecules/data_dir.hpp"
#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"
#include "molecules/units.hpp"
#include "scf/grid.hpp"

namespace cagescreen::scf {

std::string to_string(SolvationModel m) {
  switch (m) {
    case SolvationModel::CPCM: return "cpcm";
    case SolvationModel::COSMO: return "cosmo";
    case SolvationModel::SMD: return "smd";
    default: return "none";
  }
}

SolvationModel parse_solvation_model(const std::string& text) {
  const std::string t = lower(text);
  if (t == "none" || t == "gas") return SolvationModel::None;
  if (t == "cpcm" || t == "c-pcm") return SolvationModel::CPCM;
  if (t == "cosmo") return SolvationModel::COSMO;
  if (t == "smd") return SolvationModel::SMD;
  throw InputError("solvation model " + in_quotes(text) + " must be one of none, cpcm, cosmo, smd");
}

namespace {

std::vector<Solvent> read_solvents(const std::string& path) {
  const std::string text = read_text_file(path);
  check_no_control_characters(text, path);
  std::vector<Solvent> list;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f;
    std::size_t start = 0;
    for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
      f.push_back(line.substr(start, tab - start));
    f.push_back(line.substr(start));
    if (f.size() != 9) throw InputError(located(path, lineno, "expected 9 tab-separated columns"));
    std::array<double, 7> v{};
    for (int k = 0; k < 7; ++k) {
      const auto x = parse_real(f[2 + k]);
      if (!x) throw InputError(located(path, lineno, "column " + std::to_string(3 + k) + " is not a number: " + in_quotes(f[2 + k])));
      v[k] = *x;
    }
    list.push_back({lower(f[0]), lower(f[1]), v[0], v[1], v[2], v[3], v[4], v[5], v[6]});
  }
  return list;
}

// ξ(N): Gaussian width for a Lebedev grid of N points (York & Karplus's optimised values, as
// tabulated in J. Chem. Phys. 122, 194110 (2005), Table II, and used by Q-Chem's and PySCF's SWIG).
const std::map<int, double>& lebedev_xi() {
  static const std::map<int, double> xi{
      {6, 4.84566077868},    {14, 4.86458714334},   {26, 4.85478226219},   {38, 4.90105812685},
      {50, 4.89250673295},   {86, 4.89741372580},   {110, 4.90101060987},  {146, 4.89825187392},
      {170, 4.90685517725},  {194, 4.90337644248},  {302, 4.90498088169},  {350, 4.86879474832},
      {434, 4.90567349080},  {590, 4.90624071359},  {770, 4.90656435779},  {974, 4.90685167998},
      {1202, 4.90704098216}, {1454, 4.90721023869}, {1730, 4.90733270691}, {2030, 4.90744499142},
      {2354, 4.90753082825}, {2702, 4.90760972766}, {3074, 4.90767282394}, {3470, 4.90773141371},
      {3890, 4.90777965981}, {4334, 4.90782469526}, {4802, 4.90749125553}, {5294, 4.90762073452},
      {5810, 4.90792902522}};
  return xi;
}

// SMD intrinsic Coulomb radii, Å: Marenich, Cramer & Truhlar, J. Phys. Chem. B 113, 6378 (2009),
// optimised for H, C, N, O, F, Si, P, S, Cl, Br; Mantina et al.'s radii (CRC Handbook, 91st ed.,
// 9-49) for the other elements, as the SMD paper prescribes.
// Oxygen's radius grows in solvents that donate few hydrogen bonds: 1.52 + 1.8 (0.43 − α) Å for
// α < 0.43 (the paper's eq 2).
double smd_radius(int Z, double alpha) {
  if (Z == 8 && alpha < 0.43) return 1.52 + 1.8 * (0.43 - alpha);
  static const double r[] = {0.0,  1.20, 1.40, 1.82, 1.53, 1.92, 1.85, 1.89, 1.52, 1.73, 1.54, 2.27, 1.73,
                             1.84, 2.47, 2.12, 2.49, 2.38, 1.88, 2.75, 2.31, 2.16, 1.87, 1.79, 1.89, 1.97,
                             1.94, 1.92, 1.84, 1.86, 2.10, 1.87, 2.11, 1.85, 1.90, 3.06, 2.02};
  static_assert(sizeof r / sizeof r[0] == molecules::max_Z + 1);
  return r[Z];
}

}  // namespace

const std::vector<Solvent>& solvents() {
  static std::mutex m;
  static std::vector<Solvent> list;
  std::lock_guard<std::mutex> lock(m);
  if (list.empty()) list = read_solvents(data_dir() + "/solvents/mnsol.tsv");
  return list;
}

const Solvent& find_solvent(const std::string& name) {
  const std::string key = lower(name);
  const auto& all = solvents();
  for (const auto& s : all)
    if (s.name == key || s.short_name == key) return s;
  std::vector<std::string> names;
  for (const auto& s : all) names.push_back(s.name);
  throw InputError("unknown solvent " + in_quotes(name) + " (closest: " + closest_names(key, names) +
                   "; see `cagescreen solvents`)");
}

Solvent solvent_from_text(const std::string& text) {
  if (text.find('=') == std::string::npos) return find_solvent(text);
  struct Field {
    const char* key;
    double Solvent::*member;
    double lo, hi;
  };
  static const Field fields[] = {{"eps", &Solvent::epsilon, 1.0, 1e4}, {"n", &Solvent::n, 1.0, 3.0},
                                 {"alpha", &Solvent::alpha, 0.0, 2.0}, {"beta", &Solvent::beta, 0.0, 2.0},
                                 {"gamma", &Solvent::gamma, 0.0, 200.0}, {"phi", &Solvent::phi, 0.0, 1.0},
                                 {"psi", &Solvent::psi, 0.0, 1.0}};
  Solvent s{"custom", "custom"};
  std::vector<bool> seen(std::size(fields), false);
  std::istringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const auto eq = item.find('=');
    const std::string key = lower(item.substr(0, eq));
    std::size_t k = 0;
    while (k < std::size(fields) && key != fields[k].key) ++k;
    if (eq == std::string::npos || k == std::size(fields))
      throw InputError("solvent descriptors: " + in_quotes(item) + " is not one of eps=, n=, alpha=, beta=, gamma=, phi=, psi=");
    const auto v = parse_real(item.substr(eq + 1));
    if (!v || *v < fields[k].lo || *v > fields[k].hi || (k == 0 && *v <= 1.0))
      throw InputError("solvent descriptors: " + key + " = " + in_quotes(item.substr(eq + 1)) + " must be a number in [" +
                       std::to_string(fields[k].lo).substr(0, 4) + ", " + std::to_string(fields[k].hi).substr(0, 6) +
                       "]" + (k == 0 ? " above 1" : ""));
    s.*fields[k].member = *v;
    seen[k] = true;
  }
  for (std::size_t k = 0; k < std::size(fields); ++k)
    if (!seen[k]) throw InputError(std::string("solvent descriptors: ") + fields[k].key + "= is missing (all of eps, n, alpha, beta, gamma, phi, psi are needed)");
  return s;
}

double dielectric_factor(const SolvationSettings& s) {
  const double e = s.solvent.epsilon;
  if (!(e > 1.0) || !std::isfinite(e))
    throw InputError("the dielectric constant must be a finite number above 1 (got " + std::to_string(e) + ")");
  return s.model == SolvationModel::COSMO ? (e - 1.0) / (e + 0.5) : (e - 1.0) / e;
}

std::vector<double> cavity_radii(const molecules::Molecule& mol, const SolvationSettings& s) {
  const std::size_t n = mol.atoms.size();
  if (!s.radii.empty() && s.radii.size() != n)
    throw InputError("solvation radii: " + std::to_string(s.radii.size()) + " given for " + std::to_string(n) +
                     " atoms");
  std::vector<double> r(n);
  for (std::size_t i = 0; i < n; ++i) {
    const int Z = mol.atoms[i].Z;
    if (Z < 1 || Z > molecules::max_Z)
      throw InputError("no cavity radius for atom " + std::to_string(i + 1) + " (Z = " + std::to_string(Z) + ")");
    double angstrom = !s.radii.empty()            ? s.radii[i]
                      : s.model == SolvationModel::SMD ? smd_radius(Z, s.solvent.alpha)
                                                       : 1.2 * molecules::element(Z).vdw_radius;
    if (!(angstrom >= 0.3 && angstrom <= 5.0))
      throw InputError("cavity radius of atom " + std::to_string(i + 1) + " must be within 0.3 .. 5 Angstrom");
    r[i] = angstrom / units::bohr_in_angstrom;
  }
  return r;
}

void check_solvation_points(int n) {
  if (lebedev_xi().count(n) && n >= 26) return;
  std::string sizes;
  for (const auto& [m, x] : lebedev_xi())
    if (m >= 26) sizes += (sizes.empty() ? "" : ", ") + std::to_string(m);
  throw InputError("no cavity with " + std::to_string(n) + " points per sphere (use one of " + sizes + ")");
}

double lebedev_gaussian_width(int n) {
  check_solvation_points(n);
  return lebedev_xi().at(n);
}

Cavity build_cavity(const molecules::Molecule& mol, const std::vector<double>& radii, int points_per_sphere) {
  const double xi = lebedev_gaussian_width(points_per_sphere);
  const auto& grid = lebedev(points_per_sphere);
  const int natoms = static_cast<int>(mol.atoms.size());
  std::vector<std::array<double, 3>> pts, nrm;
  std::vector<double> area, zeta, sw;
  std::vector<int> owner;
  for (int I = 0; I < natoms; ++I) {
    const auto& c = mol.atoms[I].r;
    const double R = radii[I];
    for (const auto& g : grid) {
      const std::array<double, 3> s{c[0] + R * g[0], c[1] + R * g[1], c[2] + R * g[2]};
      const double z = xi / (R * std::sqrt(g[3]));
      double F = 1.0;
      for (int J = 0; J < natoms && F > 0.0; ++J) {
        if (J == I) continue;
        const auto& b = mol.atoms[J].r;
        const double r = std::sqrt((s[0] - b[0]) * (s[0] - b[0]) + (s[1] - b[1]) * (s[1] - b[1]) +
                                   (s[2] - b[2]) * (s[2] - b[2]));
        F *= 1.0 - 0.5 * (std::erf(z * (radii[J] - r)) + std::erf(z * (radii[J] + r)));
      }
      if (F < 1e-8) continue;
      pts.push_back(s);
      nrm.push_back({g[0], g[1], g[2]});
      area.push_back(g[3] * R * R * F);
      zeta.push_back(z);
      sw.push_back(F);
      owner.push_back(I);
    }
  }
  if (pts.empty()) throw InputError("the solvent cavity has no exposed surface (check the geometry and the radii)");
  Cavity cav;
  cav.points = std::move(pts);
  cav.normals = std::move(nrm);
  cav.area = Eigen::Map<Eigen::VectorXd>(area.data(), area.size());
  cav.zeta = Eigen::Map<Eigen::VectorXd>(zeta.data(), zeta.size());
  cav.switching = Eigen::Map<Eigen::VectorXd>(sw.data(), sw.size());
  cav.atom = std::move(owner);
  // V = ⅓ ∮ r·n dA, with r from the first atom (any origin gives the same closed-surface integral).
  const auto& o = mol.atoms[0].r;
  double v = 0.0;
  for (std::size_t i = 0; i < cav.points.size(); ++i) {
    const auto& s = cav.points[i];
    const auto& n = cav.normals[i];
    v += cav.area[i] * ((s[0] - o[0]) * n[0] + (s[1] - o[1]) * n[1] + (s[2] - o[2]) * n[2]);
  }
  cav.volume = v / 3.0;
  return cav;
}

ContinuumSolver::ContinuumSolver(Cavity cavity, double dielectric_factor)
    : cavity_(std::move(cavity)), f_(dielectric_factor) {
  const int n = static_cast<int>(cavity_.points.size());
  Eigen::MatrixXd A(n, n);
  const auto& p = cavity_.points;
  const auto& z = cavity_.zeta;
#pragma omp parallel for schedule(dynamic, 16)
  for (int i = 0; i < n; ++i) {
    A(i, i) = z[i] * std::sqrt(2.0 / M_PI) / cavity_.switching[i];
    for (int j = 0; j < i; ++j) {
      const double r = std::sqrt((p[i][0] - p[j][0]) * (p[i][0] - p[j][0]) + (p[i][1] - p[j][1]) * (p[i][1] - p[j][1]) +
                                 (p[i][2] - p[j][2]) * (p[i][2] - p[j][2]));
      const double zij = z[i] * z[j] / std::sqrt(z[i] * z[i] + z[j] * z[j]);
      const double a = r * zij < 1e-8 ? 2.0 * zij / std::sqrt(M_PI) : std::erf(zij * r) / r;
      A(i, j) = a;
      A(j, i) = a;
    }
  }
  llt_.compute(A);
  if (llt_.info() != Eigen::Success)
    throw std::runtime_error("the cavity's Coulomb matrix is not positive definite (" + std::to_string(n) +
                             " surface points)");
}

Eigen::VectorXd ContinuumSolver::charges(const Eigen::VectorXd& V) const { return -f_ * llt_.solve(V); }

}  // namespace cagescreen::scf
