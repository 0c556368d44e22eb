#include "scf/scf.hpp"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <map>

#include "molecules/error.hpp"
#include "scf/integrals.hpp"
#include "scf/jk.hpp"
#include "scf/xc.hpp"

namespace cagescreen::scf {

using Eigen::MatrixXd;
using Eigen::VectorXd;

std::string to_string(Reference r) { return r == Reference::RHF ? "rhf" : "uhf"; }
std::string to_string(Integrals i) { return i == Integrals::DensityFitted ? "df" : "conv"; }
std::string to_string(Guess g) { return g == Guess::SAD ? "sad" : "core"; }

Guess parse_guess(const std::string& text) {
  if (text == "sad") return Guess::SAD;
  if (text == "core") return Guess::Core;
  throw InputError("guess '" + text + "' must be one of sad, core");
}

std::string to_string(ScfType t) {
  switch (t) {
    case ScfType::Conventional: return "conv";
    case ScfType::DF: return "df";
    default: return "auto";
  }
}

ScfType parse_scf_type(const std::string& text) {
  if (text == "auto") return ScfType::Auto;
  if (text == "df") return ScfType::DF;
  if (text == "conv" || text == "pk" || text == "direct") return ScfType::Conventional;
  throw InputError("scf_type '" + text + "' must be one of auto, df, conv");
}

Reference parse_reference(const std::string& text) {
  if (text == "rhf" || text == "rks") return Reference::RHF;
  if (text == "uhf" || text == "uks") return Reference::UHF;
  throw InputError("reference '" + text + "' must be one of rhf, uhf");
}

double Wavefunction::s_squared() const {
  const double sz = 0.5 * (n_alpha() - n_beta());
  const MatrixXd O = alpha.C.leftCols(n_alpha()).transpose() * S * beta.C.leftCols(n_beta());
  return sz * (sz + 1.0) + n_beta() - O.squaredNorm();
}

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// Canonical orthogonalisation X = U s^{-1/2}, dropping overlap eigenvalues below `tol`:
/// (nbf × nmo) with Xᵀ S X = 1.
MatrixXd orthogonalizer(const MatrixXd& S, double tol) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(S);
  const VectorXd& s = es.eigenvalues();
  int first = 0;
  while (first < s.size() && s(first) < tol) ++first;
  const int nmo = static_cast<int>(s.size()) - first;
  MatrixXd X = es.eigenvectors().rightCols(nmo);
  for (int i = 0; i < nmo; ++i) X.col(i) /= std::sqrt(s(first + i));
  return X;
}

/// Eigenpairs of F in the orthonormal basis: C (nbf × nmo), ascending energies.
void diagonalize(const MatrixXd& F, const MatrixXd& X, MatrixXd& C, VectorXd& eps) {
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(X.transpose() * F * X);
  eps = es.eigenvalues();
  C = X * es.eigenvectors();
}

MatrixXd occupied_density(const MatrixXd& C, int nocc) {
  return C.leftCols(nocc) * C.leftCols(nocc).transpose();
}

/// One stored iterate for DIIS/EDIIS: per-spin Fock, density, orbital gradient, and the energy.
struct Iterate {
  std::vector<MatrixXd> F, D, e;
  double energy = 0.0;
};

/// Bounded subspace of iterates with Pulay DIIS (minimise ‖Σ c_i e_i‖, Σ c_i = 1) and EDIIS
/// (Kudin, Scuseria, Cancès, J. Chem. Phys. 116, 8255 (2002): minimise the quadratic energy model
/// E(c) = Σ c_i E_i − ¼ Σ c_i c_j Tr[(D_i − D_j)(F_i − F_j)] over the simplex, with traces summed
/// over spins and weighted by the spin multiplicity `w` of each stored spin block).
class Subspace {
 public:
  Subspace(int max_size, double spin_weight) : max_(max_size), w_(spin_weight) {}
  void push(Iterate it) {
    items_.push_back(std::move(it));
    if (static_cast<int>(items_.size()) > max_) items_.pop_front();
  }
  void clear() { items_.clear(); }
  int size() const { return static_cast<int>(items_.size()); }

  std::vector<double> diis() const {
    // Drop the oldest vectors until the system is well conditioned.
    for (int start = 0; start < size(); ++start) {
      const int n = size() - start;
      MatrixXd B = MatrixXd::Zero(n + 1, n + 1);
      for (int i = 0; i < n; ++i)
        for (int j = 0; j <= i; ++j) {
          double b = 0.0;
          for (size_t s = 0; s < items_[start + i].e.size(); ++s)
            b += (items_[start + i].e[s].array() * items_[start + j].e[s].array()).sum();
          B(i, j) = B(j, i) = b;
        }
      const double scale = B.topLeftCorner(n, n).diagonal().maxCoeff();
      if (scale <= 0) break;
      B.topLeftCorner(n, n) /= scale;
      B.row(n).head(n).setConstant(-1.0);
      B.col(n).head(n).setConstant(-1.0);
      VectorXd rhs = VectorXd::Zero(n + 1);
      rhs(n) = -1.0;
      Eigen::FullPivLU<MatrixXd> lu(B);
      if (lu.rank() < n + 1 || lu.rcond() < 1e-14) continue;
      const VectorXd c = lu.solve(rhs);
      std::vector<double> out(size(), 0.0);
      for (int i = 0; i < n; ++i) out[start + i] = c(i);
      return out;
    }
    std::vector<double> out(size(), 0.0);
    out.back() = 1.0;
    return out;
  }

  std::vector<double> ediis() const {
    const int n = size();
    MatrixXd M = MatrixXd::Zero(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < i; ++j) {
        double m = 0.0;
        for (size_t s = 0; s < items_[i].D.size(); ++s)
          m += ((items_[i].D[s] - items_[j].D[s]).array() * (items_[i].F[s] - items_[j].F[s]).array()).sum();
        M(i, j) = M(j, i) = w_ * m;
      }
    VectorXd E(n);
    for (int i = 0; i < n; ++i) E(i) = items_[i].energy;
    auto model = [&](const VectorXd& c) { return c.dot(E) - 0.25 * c.dot(M * c); };
    // The minimum over the simplex is a stationary point inside one of its faces: solve the
    // stationarity conditions E_i − ½(Mc)_i = λ, Σc = 1 on every face and keep the best.
    VectorXd best = VectorXd::Zero(n);
    best(n - 1) = 1.0;
    double fbest = model(best);
    for (unsigned mask = 1; mask < (1u << n); ++mask) {
      std::vector<int> idx;
      for (int i = 0; i < n; ++i)
        if (mask & (1u << i)) idx.push_back(i);
      const int k = static_cast<int>(idx.size());
      MatrixXd A = MatrixXd::Zero(k + 1, k + 1);
      VectorXd rhs(k + 1);
      for (int a = 0; a < k; ++a) {
        for (int b = 0; b < k; ++b) A(a, b) = -0.5 * M(idx[a], idx[b]);
        A(a, k) = -1.0;
        A(k, a) = 1.0;
        rhs(a) = -E(idx[a]);
      }
      rhs(k) = 1.0;
      Eigen::FullPivLU<MatrixXd> lu(A);
      if (lu.rank() < k + 1) continue;
      const VectorXd sol = lu.solve(rhs);
      VectorXd c = VectorXd::Zero(n);
      bool feasible = true;
      for (int a = 0; a < k; ++a) {
        if (sol(a) < -1e-12) feasible = false;
        c(idx[a]) = std::max(0.0, sol(a));
      }
      if (!feasible) continue;
      c /= c.sum();
      if (const double f = model(c); f < fbest) {
        fbest = f;
        best = c;
      }
    }
    return {best.data(), best.data() + n};
  }

  std::vector<MatrixXd> fock(const std::vector<double>& c) const {
    std::vector<MatrixXd> F(items_.back().F.size());
    for (size_t s = 0; s < F.size(); ++s) {
      F[s] = MatrixXd::Zero(items_.back().F[s].rows(), items_.back().F[s].cols());
      for (int i = 0; i < size(); ++i)
        if (c[i] != 0.0) F[s] += c[i] * items_[i].F[s];
    }
    return F;
  }

 private:
  int max_;
  double w_;
  std::deque<Iterate> items_;
};

/// Stages of the convergence ladder: plain (E)DIIS; then EDIIS down to a small gradient with
/// damping; then a level shift; then a stronger level shift. Damping and shift switch off once
/// the gradient is small, so the final iterations are plain DIIS.
struct Stage {
  const char* name;
  double damping;      ///< fraction of the old density mixed in while rms gradient > 1e-3
  double level_shift;  ///< Hartree, virtual orbitals raised while rms gradient > shift_above
  double ediis_above;  ///< EDIIS while the max gradient is above this (< 0: the setting)
  double shift_above;  ///< rms gradient below which the shift is dropped (0: kept to the end;
                       ///< a shift does not move the converged density, only slows the approach)
};
constexpr Stage ladder[] = {{"diis", 0.0, 0.0, -1.0, 0.0},
                            {"ediis", 0.3, 0.0, 1e-3, 0.0},
                            {"shift", 0.3, 0.5, 1e-3, 0.0},
                            {"shift+", 0.5, 1.5, 1e-3, 0.0}};
constexpr int ladder_stages = static_cast<int>(std::size(ladder));

}  // namespace

Eigen::MatrixXd sad_density(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings) {
  MatrixXd P = MatrixXd::Zero(basis.nbf, basis.nbf);
  std::map<int, MatrixXd> cache;  // atomic density by Z
  for (size_t a = 0; a < mol.atoms.size(); ++a) {
    const int Z = mol.atoms[a].Z;
    BasisSet ab;
    ab.name = basis.name;
    ab.shell_type = basis.shell_type;
    int first = -1;
    for (size_t s = 0; s < basis.shells.size(); ++s) {
      if (basis.shells[s].atom != static_cast<int>(a)) continue;
      if (first < 0) first = basis.offsets[s];
      Shell sh = basis.shells[s];
      sh.center = {0, 0, 0};
      sh.atom = 0;
      ab.offsets.push_back(ab.nbf);
      ab.nbf += sh.size();
      ab.max_l = std::max(ab.max_l, sh.l);
      ab.max_nprim = std::max(ab.max_nprim, static_cast<int>(sh.exponents.size()));
      ab.shells.push_back(sh);
    }
    if (ab.nbf == 0) continue;
    auto it = cache.find(Z);
    if (it == cache.end()) {
      molecules::Molecule atom;
      atom.atoms.push_back({Z, {0, 0, 0}});
      const MatrixXd S = overlap_matrix(ab);
      const MatrixXd H = core_hamiltonian(ab, atom);
      const MatrixXd X = orthogonalizer(S, settings.linear_dependency);
      JKSettings js;
      js.threads = 1;
      js.memory_bytes = 64u << 20;
      FourIndexJK jk(ab, js);
      MatrixXd C;
      VectorXd eps;
      diagonalize(H, X, C, eps);
      MatrixXd Pa;
      auto occupy = [&] {  // spherically averaged: equal occupation within degenerate groups
        VectorXd occ = VectorXd::Zero(eps.size());
        double left = Z;
        for (int i = 0; i < eps.size() && left > 1e-12;) {
          int j = i;
          while (j < eps.size() && std::abs(eps(j) - eps(i)) < 1e-5) ++j;
          j = std::max(j, i + 1);  // never stall (NaN energies)
          const double per = std::min(2.0, left / (j - i));
          for (int k = i; k < j; ++k) occ(k) = per;
          left -= per * (j - i);
          i = j;
        }
        Pa = C * occ.asDiagonal() * C.transpose();
      };
      occupy();
      Subspace sub(6, 1.0);
      double e_old = 0.0;
      std::vector<MatrixXd> J, K;
      for (int iter = 0; iter < 100; ++iter) {
        jk.compute({Pa}, J, K, true, 1e-12);
        const MatrixXd F = H + J[0] - 0.5 * K[0];
        const double e = 0.5 * (Pa.array() * (H + F).array()).sum();
        const MatrixXd err = X.transpose() * (F * Pa * S - S * Pa * F) * X;
        if (std::abs(e - e_old) < 1e-9 && err.norm() < 1e-6) break;
        e_old = e;
        sub.push({{F}, {Pa}, {err}, e});
        diagonalize(sub.fock(sub.diis())[0], X, C, eps);
        occupy();
      }
      it = cache.emplace(Z, Pa).first;
    }
    P.block(first, first, ab.nbf, ab.nbf) = it->second;
  }
  return P;
}

void check_reference(const molecules::Molecule& mol, Reference reference) {
  const int na = mol.n_alpha(), nb = mol.n_beta();
  if (reference == Reference::RHF && na != nb)
    throw InputError("a restricted reference (rhf/rks) needs a closed shell, but multiplicity " +
                     std::to_string(mol.multiplicity) + " has " + std::to_string(na - nb) +
                     " unpaired electrons: use --reference uhf (uks)");
}

Wavefunction run_scf(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings) {
  const auto t_start = Clock::now();
  const bool rhf = settings.reference == Reference::RHF;
  const int na = mol.n_alpha(), nb = mol.n_beta();
  check_reference(mol, settings.reference);
  if (settings.e_convergence <= 0 || settings.d_convergence <= 0)
    throw InputError("convergence thresholds must be positive");
  if (settings.max_iterations < 1) throw InputError("max_iterations must be at least 1");
  if (settings.ladder_start < 0 || settings.ladder_start >= ladder_stages)
    throw InputError("ladder_start = " + std::to_string(settings.ladder_start) + " must be in [0, " +
                     std::to_string(ladder_stages - 1) + "]");
  if (settings.diis_vectors < 2 || settings.diis_vectors > 20)
    throw InputError("diis_vectors = " + std::to_string(settings.diis_vectors) + " must be in [2, 20]");

  molecules::check_charge_multiplicity(mol, mol.name.empty() ? "molecule" : mol.name);
  const Functional& func = settings.functional;
  Wavefunction wfn;
  wfn.level.functional = func;
  wfn.level.basis = basis.name;
  wfn.level.shell_type = basis.shell_type;
  wfn.molecule = mol;
  wfn.basis = basis;
  wfn.reference = settings.reference;
  wfn.convergence.e_convergence = settings.e_convergence;
  wfn.convergence.d_convergence = settings.d_convergence;
  wfn.S = overlap_matrix(basis);
  const MatrixXd& S = wfn.S;
  const MatrixXd H = core_hamiltonian(basis, mol);
  const MatrixXd X = orthogonalizer(S, settings.linear_dependency);
  if (X.cols() < std::max(na, nb))
    throw InputError("basis set '" + basis.name + "' has too few linearly independent functions (" +
                     std::to_string(X.cols()) + ") for " + std::to_string(std::max(na, nb)) + " electrons of one spin");
  wfn.energies.nuclear_repulsion = mol.nuclear_repulsion();

  JKSettings js;
  js.schwarz_threshold = settings.schwarz_threshold;
  js.threads = settings.threads;
  const double ax = func.exact_exchange;  // F = H + J − ax K − alr K_lr(ω) + Vxc
  const double alr = func.long_range_exchange;
  const bool want_k = ax != 0.0;
  wfn.dft.exact_exchange = ax;
  js.memory_bytes = alr != 0.0 ? settings.memory_bytes / 2 : settings.memory_bytes;
  std::unique_ptr<JKBuilder> jk;
  if (settings.scf_type != ScfType::Conventional && (settings.scf_type == ScfType::DF || !func.is_hf())) {
    // def2-universal-jkfit for pure functionals too: with def2-universal-jfit the RI-J error was
    // 3.3e-5 Eh per atom on 8 waters (PBE/def2-SVP), with jkfit 8.5e-6 (o-carborane 1.3e-5 / 6.2e-6).
    const std::string fit = settings.fitting_basis.empty() ? "def2-universal-jkfit" : settings.fitting_basis;
    const BasisSet aux = build_fitting_basis(mol, fit);
    const std::size_t need = DensityFittedJK::bytes_needed(basis, aux);
    if (need <= js.memory_bytes) {
      auto df = std::make_unique<DensityFittedJK>(basis, aux, settings.threads);
      wfn.dft.jk_seconds += df->setup_seconds();
      wfn.fitting_seconds = df->setup_seconds();
      wfn.fitting_functions = aux.nbf;
      jk = std::move(df);
      wfn.level.integrals = Integrals::DensityFitted;
      wfn.level.fitting_basis = aux.name;
    } else if (settings.scf_type == ScfType::DF) {
      throw InputError("density fitting with '" + aux.name + "' needs " + std::to_string(need >> 20) +
                       " MiB for the fitted integrals but the memory budget is " +
                       std::to_string(js.memory_bytes >> 20) + " MiB: raise --memory or use --scf-type conv");
    } else {
      wfn.integrals_note = "density fitting would need " + std::to_string(need >> 20) + " MiB (budget " +
                          std::to_string(js.memory_bytes >> 20) + " MiB): four-index integrals instead";
    }
  }
  if (!jk) jk = std::make_unique<FourIndexJK>(basis, js);
  std::unique_ptr<FourIndexJK> jk_lr;  // erf-attenuated exchange of range-separated hybrids
  if (alr != 0.0) {
    JKSettings lr = js;
    lr.omega = func.omega;
    lr.memory_bytes = settings.memory_bytes > jk->cached_bytes() ? settings.memory_bytes - jk->cached_bytes() : 0;
    jk_lr = std::make_unique<FourIndexJK>(basis, lr);
  }
  wfn.integral_bytes = jk->cached_bytes() + (jk_lr ? jk_lr->cached_bytes() : 0);
  std::vector<MatrixXd> Jlr, Klr;
  std::unique_ptr<XCIntegrator> xc, xc_early;
  if (!func.is_hf()) {
    xc = std::make_unique<XCIntegrator>(basis, mol, func, settings.grid, !rhf, settings.threads);
    wfn.level.grid = settings.grid;
    wfn.dft.points = xc->n_points();
    // The early iterations on the coarse grid when the final one is finer (see ScfSettings).
    const GridSpec coarse = parse_grid("coarse");
    if (settings.coarse_grid_until > 0 &&
        (settings.grid.radial > coarse.radial || settings.grid.angular > coarse.angular))
      xc_early = std::make_unique<XCIntegrator>(basis, mol, func, coarse, !rhf, settings.threads);
  }

  // Per-spin quantities; RHF keeps one spin block with weight 2.
  const int nspin = rhf ? 1 : 2;
  const double w = rhf ? 2.0 : 1.0;
  const int nocc[2] = {na, nb};
  std::vector<MatrixXd> D(nspin), C(nspin), F(nspin);
  std::vector<VectorXd> eps(nspin);
  const bool read_guess = static_cast<int>(settings.guess_density.size()) == nspin &&
                          std::all_of(settings.guess_density.begin(), settings.guess_density.end(),
                                      [&](const MatrixXd& g) { return g.rows() == basis.nbf && g.cols() == basis.nbf; });
  if (read_guess) {
    for (int s = 0; s < nspin; ++s) D[s] = settings.guess_density[s];
  } else if (settings.guess == Guess::SAD) {
    // Neutral atoms hold ΣZ electrons; scale to the molecule's N (ions, pseudo-atoms).
    int nuclear = 0;
    for (const auto& a : mol.atoms) nuclear += a.Z;
    const MatrixXd P = sad_density(mol, basis, settings) * (double(na + nb) / nuclear);
    for (auto& d : D) d = 0.5 * P;
  } else {
    for (int s = 0; s < nspin; ++s) {
      diagonalize(H, X, C[s], eps[s]);
      D[s] = occupied_density(C[s], nocc[s]);
    }
  }

  Subspace sub(settings.diis_vectors, w);
  std::vector<MatrixXd> J, K, D_built;  // incremental builds: J, K of D_built
  double e_prev = 0.0;
  int stage = settings.ladder_start, stage_start = 1, last_improvement = 1, last_full = -1000;
  double best_rms = HUGE_VAL;
  bool rebuild = true;
  auto& history = wfn.convergence.history;
  for (int iter = 1; iter <= settings.max_iterations; ++iter) {
    const auto t0 = Clock::now();
    // Fock build: G = 2J − K (RHF, per-spin D) or J[Dα+Dβ] − K[Dσ] (UHF), incremental in ΔD.
    const bool full_build = rebuild || iter - last_full >= settings.full_rebuild_every;
    const auto t_jk = Clock::now();
    // Builders whose cost falls with ΔD (screened four-index) add J, K of ΔD between full builds;
    // fitted ones always build from D.
    std::vector<MatrixXd> dD;
    auto build = [&](JKBuilder& b, std::vector<MatrixXd>& Jb, std::vector<MatrixXd>& Kb, bool with_k) {
      if (full_build || !b.incremental()) {
        b.compute(D, Jb, Kb, with_k, settings.integral_precision);
        return;
      }
      if (dD.empty())
        for (int s = 0; s < nspin; ++s) dD.push_back(D[s] - D_built[s]);
      std::vector<MatrixXd> dJb, dKb;
      b.compute(dD, dJb, dKb, with_k, settings.integral_precision);
      for (int s = 0; s < nspin; ++s) {
        Jb[s] += dJb[s];
        if (with_k) Kb[s] += dKb[s];
      }
    };
    build(*jk, J, K, want_k);
    if (jk_lr) build(*jk_lr, Jlr, Klr, true);
    if (full_build) {
      last_full = iter;
      rebuild = false;
    }
    // Every builder computed from D itself in this iteration (no accumulated ΔD screening error).
    const bool exact_build = full_build || (!jk->incremental() && !jk_lr);
    wfn.dft.jk_seconds += since(t_jk);
    D_built = D;
    XCResult vxc;
    if (xc) {
      const auto t_xc = Clock::now();
      vxc = (xc_early ? *xc_early : *xc).compute(rhf ? std::vector<MatrixXd>{2.0 * D[0]} : D);
      wfn.dft.xc_seconds += since(t_xc);
      wfn.dft.electrons = vxc.electrons;
    }
    const MatrixXd Jtot = rhf ? MatrixXd(2.0 * J[0]) : MatrixXd(J[0] + J[1]);
    double e1 = 0.0, e2 = 0.0;
    std::vector<MatrixXd> err(nspin);
    double err2 = 0.0, errmax = 0.0;
    for (int s = 0; s < nspin; ++s) {
      F[s] = H + Jtot;
      if (want_k) F[s] -= ax * K[s];
      if (jk_lr) F[s] -= alr * Klr[s];
      e1 += w * (D[s].array() * H.array()).sum();
      e2 += 0.5 * w * (D[s].array() * (F[s] - H).array()).sum();
      if (xc) F[s] += vxc.V[s];
      err[s] = X.transpose() * (F[s] * D[s] * S - S * D[s] * F[s]) * X;
      err2 += err[s].squaredNorm();
      errmax = std::max(errmax, err[s].cwiseAbs().maxCoeff());
    }
    const double energy = wfn.energies.nuclear_repulsion + e1 + e2 + vxc.energy;
    if (!std::isfinite(energy) || !std::isfinite(err2))
      throw std::runtime_error("the SCF produced a non-finite energy in iteration " + std::to_string(iter) +
                               " (check the basis set and geometry)");
    const double rms = std::sqrt(err2 / (nspin * double(err[0].size())));
    const double dE = iter == 1 ? energy : energy - e_prev;
    e_prev = energy;
    wfn.energies.one_electron = e1;
    wfn.energies.two_electron = e2;
    wfn.energies.xc = vxc.energy;
    wfn.energies.total = energy;

    // Converged only on a full (non-incremental) Fock build, so the final energy carries no
    // accumulated screening error of the incremental builds.
    bool converged = iter > 1 && std::abs(dE) < settings.e_convergence && rms < settings.d_convergence;
    if (xc_early && (converged || rms < settings.coarse_grid_until)) {
      // On to the final grid; convergence is judged there only. The coarse-grid iterates stay in
      // the (E)DIIS subspace: clearing it cost o-carborane B3LYP/def2-SVP two more iterations.
      xc_early.reset();
      converged = false;
      rebuild = true;
    }
    if (converged && !exact_build) {
      converged = false;
      rebuild = true;
    }

    // Convergence ladder: escalate when the gradient has not halved for 12 iterations.
    if (rms < 0.5 * best_rms) {
      best_rms = rms;
      last_improvement = iter;
    }
    if (!converged && stage + 1 < ladder_stages && iter - last_improvement >= 12 && iter - stage_start >= 12) {
      ++stage;
      stage_start = last_improvement = iter;
      best_rms = rms;
      sub.clear();
    }
    const Stage& st = ladder[stage];
    std::string step = "roothaan";
    std::vector<MatrixXd> Fx = F;
    if (!converged) {
      // The SAD density is not idempotent: keep it out of the (E)DIIS subspace.
      const bool sad_start = iter == 1 && settings.guess == Guess::SAD && !read_guess;
      if (!sad_start) sub.push({F, D, err, energy});
      if (sub.size() >= 2 && !sad_start) {
        if (errmax > (st.ediis_above < 0 ? settings.ediis_above : st.ediis_above)) {
          Fx = sub.fock(sub.ediis());
          step = "ediis";
        } else {
          Fx = sub.fock(sub.diis());
          step = "diis";
        }
      }
      if (st.level_shift > 0 && rms > st.shift_above) {
        for (int s = 0; s < nspin; ++s) Fx[s] += st.level_shift * (S - S * D[s] * S);
        step += "+shift";
      }
    }
    IterationRecord rec{iter, energy, dE, rms, errmax, 0.0, step};

    for (int s = 0; s < nspin; ++s) {
      diagonalize(Fx[s], X, C[s], eps[s]);
      MatrixXd Dn = occupied_density(C[s], nocc[s]);
      if (!converged && st.damping > 0 && rms > 1e-3) {
        Dn = (1.0 - st.damping) * Dn + st.damping * D[s];
      }
      D[s] = Dn;
    }
    rec.seconds = since(t0);
    history.push_back(rec);
    if (settings.on_iteration) settings.on_iteration(rec);
    wfn.convergence.iterations = iter;
    if (converged) {
      wfn.convergence.converged = true;
      wfn.convergence.message = "converged";
      break;
    }
  }
  if (!wfn.convergence.converged)
    wfn.convergence.message = "not converged in " + std::to_string(settings.max_iterations) + " iterations";

  // Orbitals of the final Fock matrix (unshifted, not extrapolated).
  auto fill = [&](SpinOrbitals& so, int s, int n) {
    diagonalize(F[s], X, so.C, so.energies);
    so.n_occupied = n;
    so.occupations = VectorXd::Zero(so.energies.size());
    so.occupations.head(n).setOnes();
    so.D = occupied_density(so.C, n);
  };
  fill(wfn.alpha, 0, na);
  fill(wfn.beta, rhf ? 0 : 1, nb);
  wfn.seconds = since(t_start);
  return wfn;
}

}  // namespace cagescreen::scf
