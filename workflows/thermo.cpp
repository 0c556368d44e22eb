#include "workflows/thermo.hpp"

#include <algorithm>
#include <cmath>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"

namespace cagescreen::workflows {

using Eigen::MatrixXd;
using Eigen::Vector3d;
using Eigen::VectorXd;

namespace {

/// Atomic mass unit in electron masses (CODATA 2018 m_u/m_e).
constexpr double dalton_in_electron_masses = 1822.888486209;
/// Hartree in cm⁻¹ (CODATA 2018).
constexpr double hartree_in_wavenumbers = 219474.6313632;
/// Hartree in J and Bohr in m (CODATA 2018): a pressure in Pa in Eh/Bohr³.
constexpr double hartree_in_joule = 4.3597447222071e-18;
constexpr double bohr_in_metre = 0.529177210903e-10;
constexpr double pi = 3.14159265358979323846;

std::vector<double> masses(const molecules::Molecule& mol) {
  std::vector<double> m;
  for (const auto& a : mol.atoms) m.push_back(molecules::element(a.Z).mass * dalton_in_electron_masses);
  return m;
}

Vector3d position(const molecules::Atom& a) { return {a.r[0], a.r[1], a.r[2]}; }

Vector3d centre_of_mass(const molecules::Molecule& mol, const std::vector<double>& m) {
  Vector3d c = Vector3d::Zero();
  double total = 0.0;
  for (std::size_t i = 0; i < mol.atoms.size(); ++i) {
    c += m[i] * position(mol.atoms[i]);
    total += m[i];
  }
  return c / total;
}

/// The inertia tensor about the centre of mass (m_e Bohr²).
Eigen::Matrix3d inertia(const molecules::Molecule& mol, const std::vector<double>& m) {
  const Vector3d c = centre_of_mass(mol, m);
  Eigen::Matrix3d I = Eigen::Matrix3d::Zero();
  for (std::size_t i = 0; i < mol.atoms.size(); ++i) {
    const Vector3d r = position(mol.atoms[i]) - c;
    I += m[i] * (r.squaredNorm() * Eigen::Matrix3d::Identity() - r * r.transpose());
  }
  return I;
}

/// Principal moments, ascending; a molecule is linear when the smallest is ~0.
Vector3d principal_moments(const molecules::Molecule& mol, const std::vector<double>& m) {
  return Eigen::SelfAdjointEigenSolver<Eigen::Matrix3d>(inertia(mol, m)).eigenvalues();
}

bool is_linear(const molecules::Molecule& mol, const std::vector<double>& m) {
  if (mol.atoms.size() < 2) return false;
  const Vector3d I = principal_moments(mol, m);
  return I(0) < 1e-6 * std::max(I(2), 1.0);
}

}  // namespace

MatrixXd finite_difference_hessian(const molecules::Molecule& mol,
                                   const std::function<scf::EnergyGradient(const molecules::Molecule&)>& f,
                                   double step) {
  const int n = 3 * static_cast<int>(mol.atoms.size());
  MatrixXd H(n, n);
  for (int k = 0; k < n; ++k) {
    molecules::Molecule plus = mol, minus = mol;
    plus.atoms[k / 3].r[k % 3] += step;
    minus.atoms[k / 3].r[k % 3] -= step;
    const MatrixXd gp = f(plus).gradient, gm = f(minus).gradient;
    for (int j = 0; j < n; ++j) H(j, k) = (gp(j / 3, j % 3) - gm(j / 3, j % 3)) / (2.0 * step);
  }
  return 0.5 * (H + H.transpose());
}

Vibrations harmonic_analysis(const molecules::Molecule& mol, const MatrixXd& hessian) {
  const int natoms = static_cast<int>(mol.atoms.size()), n = 3 * natoms;
  if (hessian.rows() != n || hessian.cols() != n)
    throw InputError("harmonic analysis: the Hessian is " + std::to_string(hessian.rows()) + " x " +
                     std::to_string(hessian.cols()) + " for " + std::to_string(natoms) + " atoms");
  Vibrations v;
  if (natoms < 2) return v;
  const auto m = masses(mol);
  v.linear = is_linear(mol, m);
  // Translations and rotations in mass-weighted coordinates: √m_a e_k and √m_a (e_k × r_a).
  const Vector3d c = centre_of_mass(mol, m);
  MatrixXd tr = MatrixXd::Zero(n, 6);
  for (int a = 0; a < natoms; ++a) {
    const double s = std::sqrt(m[a]);
    const Vector3d r = position(mol.atoms[a]) - c;
    for (int k = 0; k < 3; ++k) {
      tr(3 * a + k, k) = s;
      Vector3d e = Vector3d::Zero();
      e(k) = 1.0;
      const Vector3d rot = e.cross(r);
      for (int x = 0; x < 3; ++x) tr(3 * a + x, 3 + k) = s * rot(x);
    }
  }
  // An orthonormal basis of their span (5 vectors for linear molecules) and of its complement.
  Eigen::JacobiSVD<MatrixXd> svd(tr, Eigen::ComputeFullU);
  const VectorXd sv = svd.singularValues();
  int ntr = 0;
  for (int i = 0; i < sv.size(); ++i)
    if (sv(i) > 1e-6 * sv(0)) ++ntr;
  const MatrixXd Q = svd.matrixU().rightCols(n - ntr);
  // Mass-weighted Hessian in the complement: its eigenvalues are ω² (Eh / (m_e Bohr²), ħ = 1).
  MatrixXd Hm(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) Hm(i, j) = hessian(i, j) / std::sqrt(m[i / 3] * m[j / 3]);
  const MatrixXd Hq = Q.transpose() * Hm * Q;
  const VectorXd w2 = Eigen::SelfAdjointEigenSolver<MatrixXd>(0.5 * (Hq + Hq.transpose())).eigenvalues();
  for (int i = 0; i < w2.size(); ++i) {
    const double w = std::sqrt(std::abs(w2(i))) * hartree_in_wavenumbers;
    v.wavenumbers.push_back(w2(i) < 0 ? -w : w);
    if (w2(i) < 0 && w > 20.0) ++v.imaginary;
  }
  return v;
}

int rotational_symmetry_number(const molecules::Molecule& mol, double tolerance) {
  const int natoms = static_cast<int>(mol.atoms.size());
  if (natoms < 2) return 1;
  const auto m = masses(mol);
  const Vector3d c = centre_of_mass(mol, m);
  std::vector<Vector3d> r;
  for (const auto& a : mol.atoms) r.push_back(position(a) - c);
  auto maps_onto_itself = [&](const Eigen::Matrix3d& R) {
    for (int a = 0; a < natoms; ++a) {
      const Vector3d x = R * r[a];
      bool found = false;
      for (int b = 0; b < natoms && !found; ++b)
        found = mol.atoms[b].Z == mol.atoms[a].Z && (x - r[b]).norm() < tolerance;
      if (!found) return false;
    }
    return true;
  };
  if (is_linear(mol, m)) return maps_onto_itself(-Eigen::Matrix3d::Identity()) ? 2 : 1;
  // Two reference atoms off the centre whose positions are not parallel; every proper rotation of
  // the molecule sends them to a pair of atoms of the same elements with the same lengths and
  // angle, and is fixed by where it sends them.
  int p = -1, q = -1;
  for (int a = 0; a < natoms && p < 0; ++a)
    if (r[a].norm() > tolerance) p = a;
  for (int b = 0; b < natoms && q < 0; ++b)
    if (b != p && r[b].norm() > tolerance && r[p].cross(r[b]).norm() > tolerance * r[p].norm()) q = b;
  if (p < 0 || q < 0) return 1;
  auto frame = [](const Vector3d& u, const Vector3d& v) {
    Eigen::Matrix3d F;
    const Vector3d e1 = u.normalized(), e2 = (v - v.dot(e1) * e1).normalized();
    F << e1, e2, e1.cross(e2);
    return F;
  };
  const Eigen::Matrix3d Fref = frame(r[p], r[q]);
  std::vector<Eigen::Matrix3d> found;
  for (int a = 0; a < natoms; ++a) {
    if (mol.atoms[a].Z != mol.atoms[p].Z || std::abs(r[a].norm() - r[p].norm()) > tolerance) continue;
    for (int b = 0; b < natoms; ++b) {
      if (b == a || mol.atoms[b].Z != mol.atoms[q].Z || std::abs(r[b].norm() - r[q].norm()) > tolerance ||
          std::abs((r[a] - r[b]).norm() - (r[p] - r[q]).norm()) > tolerance)
        continue;
      const Eigen::Matrix3d R = frame(r[a], r[b]) * Fref.transpose();  // proper by construction
      if (!maps_onto_itself(R)) continue;
      const bool seen = std::any_of(found.begin(), found.end(),
                                    [&](const Eigen::Matrix3d& S) { return (S - R).norm() < 1e-3; });
      if (!seen) found.push_back(R);
    }
  }
  return std::max(1, static_cast<int>(found.size()));
}

Thermochemistry rrho(const molecules::Molecule& mol, const Vibrations& vib, double temperature, double pressure) {
  if (!(temperature > 0) || !(pressure > 0))
    throw InputError("thermochemistry: temperature and pressure must be positive");
  Thermochemistry t;
  t.temperature = temperature;
  t.pressure = pressure;
  const double kT = units::boltzmann_hartree_per_kelvin * temperature;
  const double k = units::boltzmann_hartree_per_kelvin;
  const auto m = masses(mol);
  double total_mass = 0.0;
  for (double x : m) total_mass += x;
  // Translations: q = (M kT / 2π)^{3/2} kT / p (ħ = 1, p in Eh/Bohr³).
  const double p_au = pressure * std::pow(bohr_in_metre, 3) / hartree_in_joule;
  const double q_trans = std::pow(total_mass * kT / (2.0 * pi), 1.5) * kT / p_au;
  t.s_translational = k * (std::log(q_trans) + 2.5);
  double energy = 1.5 * kT;
  // Rotations (rigid rotor, high-temperature limit).
  if (mol.atoms.size() > 1) {
    t.symmetry_number = rotational_symmetry_number(mol);
    const Vector3d I = principal_moments(mol, m);
    const double sigma = t.symmetry_number;
    if (vib.linear) {
      const double q_rot = 2.0 * I(2) * kT / sigma;
      t.s_rotational = k * (std::log(q_rot) + 1.0);
      energy += kT;
    } else {
      const double q_rot = std::sqrt(pi) / sigma * std::sqrt(8.0 * I(0) * I(1) * I(2) * kT * kT * kT);
      t.s_rotational = k * (std::log(q_rot) + 1.5);
      energy += 1.5 * kT;
    }
  }
  // Vibrations: every real mode a harmonic oscillator.
  for (double nu : vib.wavenumbers) {
    if (nu <= 0) continue;
    const double w = nu / hartree_in_wavenumbers, x = w / kT;
    t.zpe += 0.5 * w;
    energy += 0.5 * w + w / std::expm1(x);
    t.s_vibrational += k * (x / std::expm1(x) - std::log(-std::expm1(-x)));
  }
  molecules::Molecule spin = mol;  // an unset multiplicity is the lowest the electrons allow
  molecules::finalize_spin(spin, "thermochemistry");
  t.s_electronic = k * std::log(static_cast<double>(spin.multiplicity));
  t.thermal_energy = energy;
  t.enthalpy = energy + kT;
  t.entropy = t.s_electronic + t.s_translational + t.s_rotational + t.s_vibrational;
  t.gibbs = t.enthalpy - temperature * t.entropy;
  return t;
}

}  // namespace cagescreen::workflows
