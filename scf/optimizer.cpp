#include "scf/optimizer.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>

#include "molecules/error.hpp"
#include "molecules/io.hpp"

namespace cagescreen::scf {

using Eigen::MatrixXd;
using Eigen::Vector3d;
using Eigen::VectorXd;

namespace {

Vector3d pos(const molecules::Molecule& m, int i) { return {m.atoms[i].r[0], m.atoms[i].r[1], m.atoms[i].r[2]}; }

// Lindh's parameters by period (1: H–He, 2: Li–Ne, 3: Na and beyond), Bohr.
int period(int Z) { return Z <= 2 ? 0 : Z <= 10 ? 1 : 2; }
constexpr double lindh_r[3][3] = {{1.35, 2.10, 2.53}, {2.10, 2.87, 3.40}, {2.53, 3.40, 3.40}};
constexpr double lindh_alpha[3][3] = {{1.0, 0.3949, 0.3949}, {0.3949, 0.28, 0.28}, {0.3949, 0.28, 0.28}};
constexpr double k_stretch = 0.45, k_bend = 0.15, k_torsion = 0.005;
constexpr double rho_cut = 1e-4;  // products of weights below this are left out

// Adds k·b·bᵀ for an internal coordinate whose derivative with respect to atom atoms[a] is b[a].
void add_term(MatrixXd& H, double k, const std::vector<int>& atoms, const std::vector<Vector3d>& b) {
  for (std::size_t a = 0; a < atoms.size(); ++a)
    for (std::size_t c = 0; c < atoms.size(); ++c)
      H.block<3, 3>(3 * atoms[a], 3 * atoms[c]) += k * b[a] * b[c].transpose();
}

// Orthonormal translations and rotations of the molecule (3N × 5 or 6).
MatrixXd rigid_motions(const molecules::Molecule& mol) {
  const int n = static_cast<int>(mol.atoms.size());
  Vector3d c = Vector3d::Zero();
  for (int i = 0; i < n; ++i) c += pos(mol, i) / n;
  MatrixXd V = MatrixXd::Zero(3 * n, 6);
  for (int i = 0; i < n; ++i) {
    const Vector3d r = pos(mol, i) - c;
    for (int x = 0; x < 3; ++x) {
      V(3 * i + x, x) = 1.0;
      const Vector3d e = Vector3d::Unit(x).cross(r);
      V.block<3, 1>(3 * i, 3 + x) = e;
    }
  }
  // Gram–Schmidt, dropping dependent vectors (a linear molecule has 5 motions, an atom 3).
  MatrixXd Q(3 * n, 0);
  for (int k = 0; k < 6; ++k) {
    VectorXd v = V.col(k);
    for (int j = 0; j < Q.cols(); ++j) v -= Q.col(j).dot(v) * Q.col(j);
    if (v.norm() > 1e-6 * std::max(1.0, V.col(k).norm())) {
      Q.conservativeResize(Eigen::NoChange, Q.cols() + 1);
      Q.col(Q.cols() - 1) = v.normalized();
    }
  }
  return Q;
}

VectorXd flat(const MatrixXd& g) {  // (N × 3) → 3N
  VectorXd v(g.size());
  for (int i = 0; i < g.rows(); ++i)
    for (int x = 0; x < 3; ++x) v(3 * i + x) = g(i, x);
  return v;
}

molecules::Molecule displaced(const molecules::Molecule& m, const VectorXd& s) {
  molecules::Molecule out = m;
  for (std::size_t i = 0; i < out.atoms.size(); ++i)
    for (int x = 0; x < 3; ++x) out.atoms[i].r[x] += s(3 * i + x);
  return out;
}

}  // namespace

void set_convergence(OptimizerSettings& s, const std::string& level) {
  if (level == "normal") {
    s.max_force = 4.5e-4, s.rms_force = 3.0e-4, s.max_step = 1.8e-3, s.rms_step = 1.2e-3;
  } else if (level == "tight") {
    s.max_force = 1.5e-5, s.rms_force = 1.0e-5, s.max_step = 6.0e-5, s.rms_step = 4.0e-5;
  } else if (level == "verytight") {
    s.max_force = 2.0e-6, s.rms_force = 1.0e-6, s.max_step = 6.0e-6, s.rms_step = 4.0e-6;
  } else {
    throw InputError("convergence '" + level + "': use normal, tight or verytight");
  }
}

MatrixXd lindh_hessian(const molecules::Molecule& mol) {
  const int n = static_cast<int>(mol.atoms.size());
  MatrixXd H = MatrixXd::Zero(3 * n, 3 * n);
  MatrixXd rho = MatrixXd::Zero(n, n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      const int a = period(mol.atoms[i].Z), b = period(mol.atoms[j].Z);
      const double r2 = (pos(mol, i) - pos(mol, j)).squaredNorm();
      rho(i, j) = std::exp(lindh_alpha[a][b] * (lindh_r[a][b] * lindh_r[a][b] - r2));
    }
  // Stretches.
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < i; ++j) {
      if (rho(i, j) < rho_cut) continue;
      const Vector3d u = (pos(mol, i) - pos(mol, j)).normalized();
      add_term(H, k_stretch * rho(i, j), {i, j}, {u, -u});
    }
  // Bends i–j–k (angle at j).
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i)
      for (int k = 0; k < i; ++k) {
        if (i == j || k == j || rho(i, j) * rho(j, k) < rho_cut) continue;
        const Vector3d u = pos(mol, i) - pos(mol, j), v = pos(mol, k) - pos(mol, j);
        const double lu = u.norm(), lv = v.norm();
        const double c = std::clamp(u.dot(v) / (lu * lv), -1.0, 1.0), s = std::sqrt(1.0 - c * c);
        if (s < 1e-3) continue;  // linear: the bend is not defined by one angle
        const Vector3d bi = (c * u / lu - v / lv) / (lu * s), bk = (c * v / lv - u / lu) / (lv * s);
        add_term(H, k_bend * rho(i, j) * rho(j, k), {i, j, k}, {bi, -bi - bk, bk});
      }
  // Torsions i–j–k–l about j–k (Blondel and Karplus's derivatives).
  for (int j = 0; j < n; ++j)
    for (int k = 0; k < j; ++k) {
      if (rho(j, k) < rho_cut) continue;
      for (int i = 0; i < n; ++i) {
        if (i == j || i == k || rho(i, j) * rho(j, k) < rho_cut) continue;
        for (int l = 0; l < n; ++l) {
          if (l == i || l == j || l == k) continue;
          const double w = rho(i, j) * rho(j, k) * rho(k, l);
          if (w < rho_cut) continue;
          const Vector3d F = pos(mol, i) - pos(mol, j), G = pos(mol, j) - pos(mol, k), Hv = pos(mol, l) - pos(mol, k);
          const Vector3d A = F.cross(G), B = Hv.cross(G);
          const double a2 = A.squaredNorm(), b2 = B.squaredNorm(), g = G.norm();
          if (a2 < 1e-6 * F.squaredNorm() * G.squaredNorm() || b2 < 1e-6 * Hv.squaredNorm() * G.squaredNorm())
            continue;  // a linear angle: no torsion
          const Vector3d di = -g / a2 * A, dl = g / b2 * B;
          const Vector3d dj = g / a2 * A + F.dot(G) / (a2 * g) * A - Hv.dot(G) / (b2 * g) * B;
          const Vector3d dk = Hv.dot(G) / (b2 * g) * B - F.dot(G) / (a2 * g) * A - g / b2 * B;
          add_term(H, k_torsion * w, {i, j, k, l}, {di, dj, dk, dl});
        }
      }
    }
  return H;
}

OptimizationResult optimize(const molecules::Molecule& start, const Objective& f, const OptimizerSettings& settings,
                            std::ostream* log) {
  const int n = static_cast<int>(start.atoms.size());
  const int dim = 3 * n;
  OptimizationResult res;
  res.molecule = start;
  std::ofstream traj;
  if (!settings.trajectory.empty()) {
    traj.open(settings.trajectory);
    if (!traj) throw InputError(settings.trajectory + ": cannot write the trajectory");
  }
  auto record = [&](const molecules::Molecule& m, double e, int step) {
    if (!traj.is_open()) return;
    molecules::Molecule frame = m;
    std::ostringstream name;
    name << std::setprecision(12) << (m.name.empty() ? "step" : m.name) << " step=" << step << " energy=" << e;
    frame.name = name.str();
    molecules::write_xyz(frame, traj);
    traj.flush();
  };

  EnergyGradient cur = f(res.molecule);
  ++res.evaluations;
  // Projector onto internal motions at a geometry (translations and rotations removed).
  auto internal_projector = [dim](const molecules::Molecule& m) {
    const MatrixXd R = rigid_motions(m);
    return MatrixXd(MatrixXd::Identity(dim, dim) - R * R.transpose());
  };
  MatrixXd P = internal_projector(start);
  MatrixXd H = P * lindh_hessian(start) * P;
  // Internal modes the model leaves (almost) without curvature get a floor.
  {
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(H);
    VectorXd lam = es.eigenvalues();
    const MatrixXd& U = es.eigenvectors();
    for (int i = 0; i < dim; ++i) {
      const double internal = (P * U.col(i)).squaredNorm();
      if (internal > 0.5) lam(i) = std::max(lam(i), 0.02);
    }
    H = P * U * lam.asDiagonal() * U.transpose() * P;
  }
  double trust = settings.trust_radius;
  VectorXd last_step = VectorXd::Zero(dim);
  if (log)
    *log << "   step        energy (Eh)        dE (Eh)   max force   rms force    max step    rms step     trust\n";
  for (int step = 1;; ++step) {
    // The rotations depend on the geometry: the projector follows it, and the Hessian with it.
    if (step > 1) {
      P = internal_projector(res.molecule);
      H = P * H * P;
    }
    const VectorXd g = P * flat(cur.gradient);
    OptimizationStep info;
    info.step = step;
    info.energy = cur.energy;
    // Forces as the step sees them: without net force and torque (translations and rotations
    // projected out), which a grid-based DFT gradient or xtb's gradient do not cancel exactly.
    info.max_force = g.cwiseAbs().maxCoeff();
    info.rms_force = std::sqrt(g.squaredNorm() / dim);
    info.max_step = last_step.cwiseAbs().maxCoeff();
    info.rms_step = std::sqrt(last_step.squaredNorm() / dim);
    info.trust_radius = trust;
    const double de = res.steps.empty() ? 0.0 : cur.energy - res.steps.back().energy;
    res.steps.push_back(info);
    record(res.molecule, cur.energy, step);
    if (log)
      *log << "@opt " << std::setw(4) << step << std::fixed << std::setprecision(10) << std::setw(20) << cur.energy
           << std::scientific << std::setprecision(2) << std::setw(13) << de << std::setw(12) << info.max_force
           << std::setw(12) << info.rms_force << std::setw(12) << info.max_step << std::setw(12) << info.rms_step
           << std::fixed << std::setprecision(3) << std::setw(10) << trust << "\n";
    const bool forces = info.max_force < settings.max_force && info.rms_force < settings.rms_force;
    const bool steps = step > 1 && info.max_step < settings.max_step && info.rms_step < settings.rms_step;
    if ((forces && steps) || info.max_force < settings.max_force / 100) {
      res.converged = true;
      break;
    }
    if (step >= settings.max_steps) break;

    // RFO step: the lowest eigenvector of the augmented Hessian [[H, g], [gᵀ, 0]]; rigid motions
    // get a stiff curvature so that no step goes along them.
    MatrixXd A = MatrixXd::Zero(dim + 1, dim + 1);
    A.topLeftCorner(dim, dim) = H + 1e3 * (MatrixXd::Identity(dim, dim) - P);
    A.topRightCorner(dim, 1) = g;
    A.bottomLeftCorner(1, dim) = g.transpose();
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(A);
    VectorXd v = es.eigenvectors().col(0);
    VectorXd s = std::abs(v(dim)) > 1e-12 ? VectorXd(v.head(dim) / v(dim)) : VectorXd(-g);
    s = P * s;
    if (s.norm() > trust) s *= trust / s.norm();

    // Take it; undo it (and cut the trust radius) if the energy rises by more than the noise of
    // the energies (1e-7 Eh), at most five times in a row.
    for (int rejections = 0;; ++rejections) {
      const molecules::Molecule trial = displaced(res.molecule, s);
      EnergyGradient next = f(trial);
      ++res.evaluations;
      const double predicted = g.dot(s) + 0.5 * s.dot(H * s);
      const double actual = next.energy - cur.energy;
      if (actual > 1e-7 && rejections < 5) {
        res.steps.back().rejected = true;
        trust = std::max(0.25 * s.norm(), 1e-3);
        s *= std::min(1.0, trust / s.norm());
        if (log) *log << "      step rejected (energy rose by " << std::scientific << std::setprecision(2) << actual
                      << " Eh): trust radius " << std::fixed << std::setprecision(3) << trust << "\n";
        continue;
      }
      const double ratio = predicted < 0 ? actual / predicted : 0.0;
      if (ratio > 0.75 && s.norm() > 0.8 * trust) trust = std::min(2.0 * trust, settings.max_trust_radius);
      else if (ratio < 0.25) trust = std::max(0.25 * trust, 1e-3);
      // BFGS update of the Hessian with the projected gradient change.
      const VectorXd y = P * (flat(next.gradient) - flat(cur.gradient));
      const double ys = y.dot(s);
      const VectorXd Hs = H * s;
      const double sHs = s.dot(Hs);
      if (ys > 1e-12 && sHs > 1e-12) H += y * y.transpose() / ys - Hs * Hs.transpose() / sHs;
      res.molecule = trial;
      cur = std::move(next);
      last_step = s;
      break;
    }
  }
  res.energy = cur.energy;
  res.gradient = cur.gradient;
  return res;
}

}  // namespace cagescreen::scf
