#include "scf/stability.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>

#include "molecules/error.hpp"
#include "scf/detail/fock_builders.hpp"
#include "scf/solvation.hpp"

namespace cagescreen::scf {

using Eigen::MatrixXd;
using Eigen::VectorXd;

std::string to_string(StabilityMode m) {
  switch (m) {
    case StabilityMode::Check: return "check";
    case StabilityMode::Follow: return "follow";
    default: return "off";
  }
}

StabilityMode parse_stability_mode(const std::string& text) {
  if (text == "off") return StabilityMode::Off;
  if (text == "check") return StabilityMode::Check;
  if (text == "follow") return StabilityMode::Follow;
  throw InputError("stability '" + text + "' must be one of off, check, follow");
}

double StabilityRecord::lowest() const {
  double low = std::numeric_limits<double>::quiet_NaN();
  for (const auto& r : roots)
    for (double e : r.eigenvalues)
      if (!(low <= e)) low = e;
  return low;
}

void check_stability_settings(const StabilitySettings& st) {
  if (st.roots < 1 || st.roots > 20) throw InputError("stability roots = " + std::to_string(st.roots) + " must be in [1, 20]");
  if (!(st.residual > 0.0 && st.residual <= 1e-2))
    throw InputError("stability residual must be in (0, 1e-2]");
  if (!(st.threshold <= 0.0 && st.threshold >= -1e-2)) throw InputError("stability threshold must be in [-1e-2, 0] Eh");
  if (st.max_iterations < 1 || st.max_iterations > 1000)
    throw InputError("stability max_iterations must be in [1, 1000]");
  if (st.max_follow < 0 || st.max_follow > 50) throw InputError("stability max_follow must be in [0, 50]");
  if (!(st.step > 0.0 && st.step <= M_PI / 2)) throw InputError("stability step must be in (0, pi/2] rad");
}

MatrixXd rotate_occupied(const MatrixXd& C, int nocc, const MatrixXd& x, double theta) {
  // κ = [[0, −θxᵀ], [θx, 0]]; with θx = U Σ Vᵀ (thin SVD) the occupied columns of exp(κ) are
  // [V cos Σ Vᵀ + 1 − V Vᵀ ; U sin Σ Vᵀ].
  const int nvir = static_cast<int>(C.cols()) - nocc;
  const MatrixXd Co = C.leftCols(nocc), Cv = C.rightCols(nvir);
  Eigen::JacobiSVD<MatrixXd> svd(theta * x, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const MatrixXd& U = svd.matrixU();
  const MatrixXd& V = svd.matrixV();
  const VectorXd& s = svd.singularValues();
  const MatrixXd oo = V * s.array().cos().matrix().asDiagonal() * V.transpose() +
                      (MatrixXd::Identity(nocc, nocc) - V * V.transpose());
  const MatrixXd vo = U * s.array().sin().matrix().asDiagonal() * V.transpose();
  return Co * oo + Cv * vo;
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// The lowest eigenpairs of a symmetric operator by Davidson's method with the diagonal as
/// preconditioner. `op` maps a block of trial vectors (columns) to their products.
struct Eigenpairs {
  VectorXd values, residuals;
  MatrixXd vectors;
  bool converged = false;
};

/// `decided(θ, ‖r‖)` may end the iterations early (θ: every Ritz value of the subspace).
Eigenpairs davidson(const std::function<MatrixXd(const MatrixXd&)>& op, const VectorXd& diag, int nroots,
                    double tol, int max_iter,
                    const std::function<bool(const VectorXd&, const VectorXd&)>& decided = nullptr) {
  const Eigen::Index n = diag.size();
  const int k = static_cast<int>(std::min<Eigen::Index>(nroots, n));
  const int max_sub = static_cast<int>(std::min<Eigen::Index>(n, std::max(8 * k, 24)));
  // Start from unit vectors on the smallest diagonal elements (at least four, and twice the roots,
  // so that near-degenerate lowest roots are all found).
  std::vector<Eigen::Index> order(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return diag(a) < diag(b); });
  const int nguess = static_cast<int>(std::min<Eigen::Index>(n, std::max(2 * k, 4)));
  MatrixXd fresh = MatrixXd::Zero(n, nguess);
  for (int g = 0; g < nguess; ++g) fresh(order[static_cast<std::size_t>(g)], g) = 1.0;
  MatrixXd V(n, 0), AV(n, 0);
  Eigenpairs out;
  for (int iter = 0; iter < max_iter && fresh.cols() > 0; ++iter) {
    const MatrixXd Af = op(fresh);
    V.conservativeResize(n, V.cols() + fresh.cols());
    AV.conservativeResize(n, AV.cols() + fresh.cols());
    V.rightCols(fresh.cols()) = fresh;
    AV.rightCols(fresh.cols()) = Af;
    MatrixXd G = V.transpose() * AV;
    G = 0.5 * (G + G.transpose()).eval();
    Eigen::SelfAdjointEigenSolver<MatrixXd> es(G);
    const int m = static_cast<int>(std::min<Eigen::Index>(k, V.cols()));
    const MatrixXd Y = es.eigenvectors().leftCols(m);
    const VectorXd theta = es.eigenvalues().head(m);
    const MatrixXd X = V * Y, R = AV * Y - X * theta.asDiagonal();
    out.values = theta;
    out.vectors = X;
    out.residuals = R.colwise().norm().transpose();
    if (decided && decided(es.eigenvalues(), out.residuals)) {
      out.converged = true;
      return out;
    }
    std::vector<VectorXd> corrections;
    for (int i = 0; i < m; ++i) {
      if (R.col(i).norm() < tol) continue;
      VectorXd t(n);
      for (Eigen::Index j = 0; j < n; ++j) {
        double d = theta(i) - diag(j);
        if (std::abs(d) < 1e-4) d = d < 0 ? -1e-4 : 1e-4;
        t(j) = R(j, i) / d;
      }
      corrections.push_back(std::move(t));
    }
    if (corrections.empty() && m == k) {
      out.converged = true;
      return out;
    }
    if (V.cols() + static_cast<Eigen::Index>(corrections.size()) > max_sub) {  // collapse onto the Ritz vectors
      V = X;
      AV = AV * Y;
    }
    fresh.resize(n, 0);
    for (auto& t : corrections) {
      for (int pass = 0; pass < 2; ++pass) {
        t -= V * (V.transpose() * t);
        if (fresh.cols() > 0) t -= fresh * (fresh.transpose() * t);
      }
      const double norm = t.norm();
      if (norm < 1e-8) continue;
      fresh.conservativeResize(n, fresh.cols() + 1);
      fresh.col(fresh.cols() - 1) = t / norm;
    }
  }
  return out;
}

/// Products of the orbital Hessian blocks with trial vectors, through the SCF's Fock builders.
class OrbitalHessian {
 public:
  OrbitalHessian(const Wavefunction& wfn, const ScfSettings& settings)
      : mol_(wfn.molecule), basis_(wfn.basis), settings_(settings) {
    if (wfn.level.is_dft() && wfn.level.functional.meta)
      throw InputError("stability analysis of " + wfn.level.method() +
                       " states: the exchange-correlation kernel of meta-GGA functionals is not available");
    Wavefunction scratch;
    builders_ = detail::make_builders(mol_, basis_, settings_, scratch, false);
    if (wfn.level.is_dft()) {
      // The kernel in the polarised form for every block (RKS: Dα = Dβ = D/2; singlet and triplet
      // changes are δDβ = ±δDα), on the SCF's final grid.
      xc_ = detail::xc_integrator(mol_, basis_, settings_, settings_.grid, true);
      D0_ = {wfn.alpha.D, wfn.beta.D};
    }
    if (wfn.solvation.enabled()) {
      solvent_ = std::make_unique<ContinuumSolver>(wfn.solvation.cavity, wfn.solvation.dielectric_factor);
      surface_ = std::make_unique<detail::SurfaceCoupling>(
          basis_, mol_, wfn.solvation.cavity.points, dynamic_cast<const DensityFittedJK*>(builders_.jk.get()),
          settings_.threads);
    }
    for (int s = 0; s < 2; ++s) {
      const SpinOrbitals& so = s == 0 ? wfn.alpha : wfn.beta;
      const int no = so.n_occupied, nmo = static_cast<int>(so.C.cols());
      Co_[s] = so.C.leftCols(no);
      Cv_[s] = so.C.rightCols(nmo - no);
      delta_[s].resize(nmo - no, no);
      for (int i = 0; i < no; ++i)
        for (int a = 0; a < nmo - no; ++a) delta_[s](a, i) = so.energies(no + a) - so.energies(i);
    }
  }

  int nvir(int s) const { return static_cast<int>(Cv_[s].cols()); }
  int nocc(int s) const { return static_cast<int>(Co_[s].cols()); }
  int products() const { return products_; }
  int builds() const { return builds_; }

  /// Diagonal (ε_a − ε_i) of a block, as a vector.
  VectorXd diagonal(bool both_spins) const {
    const Eigen::Index na = delta_[0].size(), nb = both_spins ? delta_[1].size() : 0;
    VectorXd d(na + nb);
    d.head(na) = Eigen::Map<const VectorXd>(delta_[0].data(), na);
    if (both_spins) d.tail(nb) = Eigen::Map<const VectorXd>(delta_[1].data(), nb);
    return d;
  }

  /// RHF blocks: singlet (internal) or triplet (external), one spin block per column.
  MatrixXd rhf(const MatrixXd& X, bool singlet) {
    const int nv = nvir(0), no = nocc(0);
    const int n = static_cast<int>(X.cols());
    std::vector<MatrixXd> dD(n);
    for (int c = 0; c < n; ++c) dD[c] = transition(0, Eigen::Map<const MatrixXd>(X.col(c).data(), nv, no));
    std::vector<MatrixXd> J, K, Jlr, Klr;
    build(dD, J, K, Jlr, Klr);
    std::vector<std::array<MatrixXd, 2>> fxc;
    if (xc_) {
      std::vector<std::array<MatrixXd, 2>> pairs;
      for (const auto& d : dD) pairs.push_back({d, MatrixXd()});
      fxc = xc_->kernel(D0_, pairs, singlet ? 1 : -1);
    }
    MatrixXd out(X.rows(), n);
    for (int c = 0; c < n; ++c) {
      MatrixXd dF = MatrixXd::Zero(basis_.nbf, basis_.nbf);
      exchange(dF, K, Klr, c);
      if (xc_) dF += fxc[c][0];
      if (singlet) {
        dF += 2.0 * J[c];
        if (surface_) dF += solvent(2.0 * dD[c]);
      }
      Eigen::Map<MatrixXd>(out.col(c).data(), nv, no) = project(0, dF, Eigen::Map<const MatrixXd>(X.col(c).data(), nv, no));
    }
    return out;
  }

  /// UHF block: columns hold x_α (nvα × noα) then x_β.
  MatrixXd uhf(const MatrixXd& X) {
    const Eigen::Index na = delta_[0].size(), nb = delta_[1].size();
    const int n = static_cast<int>(X.cols());
    std::vector<MatrixXd> dD(2 * n);
    for (int c = 0; c < n; ++c) {
      dD[2 * c] = transition(0, Eigen::Map<const MatrixXd>(X.col(c).data(), nvir(0), nocc(0)));
      dD[2 * c + 1] = transition(1, Eigen::Map<const MatrixXd>(X.col(c).data() + na, nvir(1), nocc(1)));
    }
    std::vector<MatrixXd> J, K, Jlr, Klr;
    build(dD, J, K, Jlr, Klr);
    std::vector<std::array<MatrixXd, 2>> fxc;
    if (xc_) {
      std::vector<std::array<MatrixXd, 2>> pairs;
      for (int c = 0; c < n; ++c) pairs.push_back({dD[2 * c], dD[2 * c + 1]});
      fxc = xc_->kernel(D0_, pairs);
    }
    MatrixXd out(na + nb, n);
    for (int c = 0; c < n; ++c) {
      const MatrixXd Jt = J[2 * c] + J[2 * c + 1];
      const MatrixXd Vs = surface_ ? solvent(dD[2 * c] + dD[2 * c + 1]) : MatrixXd();
      for (int s = 0; s < 2; ++s) {
        MatrixXd dF = Jt;
        exchange(dF, K, Klr, 2 * c + s);
        if (surface_) dF += Vs;
        if (xc_) dF += fxc[c][s];
        const double* x = X.col(c).data() + (s == 0 ? 0 : na);
        double* y = out.col(c).data() + (s == 0 ? 0 : na);
        Eigen::Map<MatrixXd>(y, nvir(s), nocc(s)) = project(s, dF, Eigen::Map<const MatrixXd>(x, nvir(s), nocc(s)));
      }
    }
    return out;
  }

 private:
  /// δD = C_v x C_oᵀ + C_o xᵀ C_vᵀ of one spin.
  MatrixXd transition(int s, const Eigen::Ref<const MatrixXd>& x) const {
    const MatrixXd T = Cv_[s] * x * Co_[s].transpose();
    return T + T.transpose();
  }
  /// (ε_a − ε_i) x + C_vᵀ δF C_o.
  MatrixXd project(int s, const MatrixXd& dF, const Eigen::Ref<const MatrixXd>& x) const {
    return delta_[s].cwiseProduct(x) + Cv_[s].transpose() * dF * Co_[s];
  }
  void build(const std::vector<MatrixXd>& dD, std::vector<MatrixXd>& J, std::vector<MatrixXd>& K,
             std::vector<MatrixXd>& Jlr, std::vector<MatrixXd>& Klr) {
    const Functional& f = settings_.functional;
    builders_.jk->compute(dD, J, K, f.exact_exchange != 0.0);
    if (builders_.jk_lr) builders_.jk_lr->compute(dD, Jlr, Klr, true);
    products_ += static_cast<int>(dD.size());
    ++builds_;
  }
  void exchange(MatrixXd& dF, const std::vector<MatrixXd>& K, const std::vector<MatrixXd>& Klr, int c) const {
    const Functional& f = settings_.functional;
    if (f.exact_exchange != 0.0) dF -= f.exact_exchange * K[c];
    if (builders_.jk_lr) dF -= f.long_range_exchange * Klr[c];
  }
  /// The surface charges' response to a change of the total density, as a Fock term.
  MatrixXd solvent(const MatrixXd& dDt) const {
    return surface_->charge_operator(solvent_->charges(surface_->potential(dDt, false)));
  }

  const molecules::Molecule& mol_;
  const BasisSet& basis_;
  ScfSettings settings_;
  detail::FockBuilders builders_;
  std::unique_ptr<ContinuumSolver> solvent_;
  std::unique_ptr<detail::SurfaceCoupling> surface_;
  std::shared_ptr<XCIntegrator> xc_;  ///< the XC kernel (DFT): the UKS SCF's integrator when shared
  std::array<MatrixXd, 2> D0_;
  MatrixXd Co_[2], Cv_[2], delta_[2];
  int products_ = 0, builds_ = 0;
};

/// The lowest negative mode found, to follow.
struct Mode {
  std::string kind;
  double eigenvalue = 0.0;
  VectorXd vector;
};

StabilityRecord analyse(const Wavefunction& wfn, const ScfSettings& settings, const StabilitySettings& st,
                        std::optional<Mode>* lowest) {
  const auto t0 = Clock::now();
  StabilityRecord rec;
  rec.mode = st.mode;
  const auto blocks = orbital_hessian_eigenpairs(wfn, settings, st, &rec.hessian_products, &rec.fock_builds);
  for (const auto& e : blocks) {
    StabilityRoots r{e.kind, {}, e.converged, e.residuals.size() > 0 ? e.residuals(0) : 0.0};
    for (Eigen::Index i = 0; i < e.values.size(); ++i) r.eigenvalues.push_back(e.values(i));
    rec.roots.push_back(r);
    if (lowest && e.values.size() > 0 && e.values(0) < st.threshold &&
        (!lowest->has_value() || e.values(0) < (*lowest)->eigenvalue))
      *lowest = Mode{e.kind, e.values(0), e.vectors.col(0)};
  }
  rec.checked = std::all_of(rec.roots.begin(), rec.roots.end(), [](const StabilityRoots& r) { return r.converged; });
  const double low = rec.lowest();
  rec.stable = rec.checked && !(low < st.threshold);
  if (!rec.checked)
    rec.message = "the Davidson solver did not converge in " + std::to_string(st.max_iterations) + " iterations";
  else if (!rec.stable)
    rec.message = "lowest orbital-Hessian eigenvalue " + std::to_string(low) + " Eh";
  rec.seconds = since(t0);
  return rec;
}

}  // namespace

std::vector<HessianEigenpairs> orbital_hessian_eigenpairs(const Wavefunction& wfn, const ScfSettings& settings,
                                                          const StabilitySettings& st, int* products, int* builds) {
  OrbitalHessian H(wfn, settings);
  std::vector<HessianEigenpairs> out;
  auto add = [&](const std::string& kind, const Eigenpairs& e) {
    out.push_back(HessianEigenpairs{kind, e.values, e.vectors, e.converged, e.residuals});
  };
  // The sign of the lowest eigenvalue is certain: below the threshold (the lowest Ritz value
  // bounds it from above), or above zero by Temple's bound with the subspace's gap.
  std::function<bool(const VectorXd&, const VectorXd&)> decided;
  if (st.stop_when_decided)
    decided = [&](const VectorXd& theta, const VectorXd& r) {
      if (theta(0) < st.threshold) return true;
      // Temple's bound wants a lower bound of the second eigenvalue: the second Ritz value stands
      // in for it once the lowest residual is small (and θ₁ − ‖r₁‖ > 0 guards the case of a lowest
      // eigenvalue the subspace has not seen yet).
      if (theta.size() < 2 || theta(1) <= theta(0) || r(0) > 1e-2 || theta(0) - r(0) <= 0.0) return false;
      return theta(0) - r(0) * r(0) / (theta(1) - theta(0)) > 0.0;
    };
  if (wfn.reference == Reference::RHF) {
    const VectorXd d = H.diagonal(false);
    if (d.size() > 0) {
      add("RHF->RHF", davidson([&](const MatrixXd& X) { return H.rhf(X, true); }, d, st.roots, st.residual,
                               st.max_iterations, decided));
      add("RHF->UHF", davidson([&](const MatrixXd& X) { return H.rhf(X, false); }, d, st.roots, st.residual,
                               st.max_iterations, decided));
    }
  } else {
    const VectorXd d = H.diagonal(true);
    if (d.size() > 0)
      add("UHF->UHF", davidson([&](const MatrixXd& X) { return H.uhf(X); }, d, st.roots, st.residual,
                               st.max_iterations, decided));
  }
  if (products) *products += H.products();
  if (builds) *builds += H.builds();
  return out;
}

StabilityRecord analyse_stability(const Wavefunction& wfn, const ScfSettings& settings, const StabilitySettings& st) {
  check_stability_settings(st);
  return analyse(wfn, settings, st, nullptr);
}

Wavefunction stabilise(Wavefunction wfn, const ScfSettings& settings, const StabilitySettings& st) {
  if (st.mode == StabilityMode::Off) {
    wfn.stability = StabilityRecord{};
    return wfn;
  }
  check_stability_settings(st);
  std::vector<FollowStep> follows;
  int products = 0, builds = 0;
  double seconds = 0.0;
  for (int step = 0;; ++step) {
    ScfSettings s = settings;
    s.reference = wfn.reference;
    std::optional<Mode> mode;
    StabilityRecord rec = analyse(wfn, s, st, &mode);
    products += rec.hessian_products;
    builds += rec.fock_builds;
    seconds += rec.seconds;
    auto finish = [&](StabilityRecord r, const std::string& message) {
      r.follows = follows;
      r.hessian_products = products;
      r.fock_builds = builds;
      r.seconds = seconds;
      if (!message.empty()) r.message = message;
      wfn.stability = std::move(r);
      return wfn;
    };
    if (st.mode == StabilityMode::Check || !mode || !rec.checked) return finish(rec, "");
    if (step == st.max_follow)
      return finish(rec, "still unstable after " + std::to_string(st.max_follow) + " follows (lowest eigenvalue " +
                             std::to_string(mode->eigenvalue) + " Eh)");
    // Rotate along the mode and reconverge.
    const auto t0 = Clock::now();
    const SpinOrbitals &a = wfn.alpha, &b = wfn.beta;
    const int nva = static_cast<int>(a.C.cols()) - a.n_occupied, nvb = static_cast<int>(b.C.cols()) - b.n_occupied;
    ScfSettings next = settings;
    MatrixXd Ca, Cb;
    if (mode->kind == "UHF->UHF") {
      const Eigen::Index na = Eigen::Index(nva) * a.n_occupied;
      Ca = rotate_occupied(a.C, a.n_occupied, Eigen::Map<const MatrixXd>(mode->vector.data(), nva, a.n_occupied), st.step);
      Cb = rotate_occupied(b.C, b.n_occupied,
                           Eigen::Map<const MatrixXd>(mode->vector.data() + na, nvb, b.n_occupied), st.step);
      next.reference = Reference::UHF;
    } else {
      const Eigen::Map<const MatrixXd> x(mode->vector.data(), nva, a.n_occupied);
      // Singlet: both spins turn alike (the state stays restricted); triplet: oppositely (UHF).
      const bool external = mode->kind == "RHF->UHF";
      Ca = rotate_occupied(a.C, a.n_occupied, x, st.step);
      Cb = rotate_occupied(b.C, b.n_occupied, x, external ? -st.step : st.step);
      next.reference = external ? Reference::UHF : Reference::RHF;
    }
    next.guess_density = {Ca * Ca.transpose()};
    if (next.reference == Reference::UHF) next.guess_density.push_back(Cb * Cb.transpose());
    Wavefunction moved = run_scf(wfn.molecule, wfn.basis, next);
    seconds += since(t0);
    FollowStep fs{mode->kind, mode->eigenvalue, wfn.energies.total, moved.energies.total, moved.convergence.iterations};
    if (!moved.convergence.converged)
      return finish(rec, "following the " + mode->kind + " instability: the SCF did not converge (" +
                             moved.convergence.message + ")");
    if (!(moved.energies.total < wfn.energies.total - 1e-9))
      return finish(rec, "following the " + mode->kind + " instability did not lower the energy (" +
                             std::to_string(moved.energies.total) + " Eh)");
    follows.push_back(fs);
    // The reconverged state keeps the solvent's gas-phase record (same geometry and level).
    moved.solvation.gas_energy = wfn.solvation.gas_energy;
    moved.solvation.gas_converged = wfn.solvation.gas_converged;
    moved.solvation.gas_seconds = wfn.solvation.gas_seconds;
    moved.seconds += wfn.seconds;
    wfn = std::move(moved);
  }
}

}  // namespace cagescreen::scf
