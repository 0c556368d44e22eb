#include "scf/scf.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <memory>
#include <map>
#include <sstream>
#include <string>

#include "molecules/error.hpp"
#include "scf/integrals.hpp"
#include "scf/detail/fock_builders.hpp"
#include "scf/jk.hpp"
#include "scf/smd.hpp"
#include "scf/xc.hpp"
#include "scf/tolerances.hpp"

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
      js.precision = tolerance::sad_integral_precision;
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
          while (j < eps.size() && std::abs(eps(j) - eps(i)) < tolerance::sad_degenerate) ++j;
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
        jk.compute({Pa}, J, K, true);
        const MatrixXd F = H + J[0] - 0.5 * K[0];
        const double e = 0.5 * (Pa.array() * (H + F).array()).sum();
        const MatrixXd err = X.transpose() * (F * Pa * S - S * Pa * F) * X;
        if (std::abs(e - e_old) < tolerance::sad_energy && err.norm() < tolerance::sad_gradient) break;
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

void check_convergence(double e_convergence, double d_convergence, int max_iterations) {
  using namespace limits;
  std::ostringstream m;
  // (negated comparisons: NaN fails them)
  if (!(e_convergence >= e_convergence_min && e_convergence <= e_convergence_max))
    m << "e_convergence must be between " << e_convergence_min << " and " << e_convergence_max << " Eh";
  else if (!(d_convergence >= d_convergence_min && d_convergence <= d_convergence_max))
    m << "d_convergence must be between " << d_convergence_min << " and " << d_convergence_max;
  else if (max_iterations < max_iterations_min || max_iterations > max_iterations_max)
    m << "max_iterations must be between " << max_iterations_min << " and " << max_iterations_max;
  if (!m.str().empty()) throw InputError(m.str());
}

namespace {

/// The checks of check_settings that cost nothing; run_scf repeats them.
void check_cheap_settings(const molecules::Molecule& mol, const ScfSettings& settings) {
  check_reference(mol, settings.reference);
  check_convergence(settings.e_convergence, settings.d_convergence, settings.max_iterations);
  if (settings.ladder_start < 0 || settings.ladder_start >= ladder_stages)
    throw InputError("ladder_start = " + std::to_string(settings.ladder_start) + " must be in [0, " +
                     std::to_string(ladder_stages - 1) + "]");
  if (settings.diis_vectors < 2 || settings.diis_vectors > 20)
    throw InputError("diis_vectors = " + std::to_string(settings.diis_vectors) + " must be in [2, 20]");
  molecules::check_charge_multiplicity(mol, mol.name.empty() ? "molecule" : mol.name);
  if (settings.solvation.enabled()) {
    dielectric_factor(settings.solvation);
    cavity_radii(mol, settings.solvation);
    check_solvation_points(settings.solvation.points_per_sphere);
  }
}

/// Density fitting is asked for, or is the default for DFT (make_jk may still fall back to
/// four-index integrals when the fitted tensor does not fit the memory budget).
bool wants_fitting(const ScfSettings& settings) {
  return settings.scf_type != ScfType::Conventional && (settings.scf_type == ScfType::DF || !settings.functional.is_hf());
}

/// def2-universal-jkfit for pure functionals too: with def2-universal-jfit the RI-J error was
/// 3.3e-5 Eh per atom on 8 waters (PBE/def2-SVP), with jkfit 8.5e-6 (o-carborane 1.3e-5 / 6.2e-6).
std::string fitting_basis_name(const ScfSettings& settings) {
  return settings.fitting_basis.empty() ? "def2-universal-jkfit" : settings.fitting_basis;
}

}  // namespace

void check_settings(const molecules::Molecule& mol, const ScfSettings& settings) {
  check_cheap_settings(mol, settings);
  // make_jk builds the fitting basis again when the SCF starts: this is the early check.
  if (wants_fitting(settings))
    try {
      build_fitting_basis(mol, fitting_basis_name(settings));
    } catch (const InputError& e) {
      throw InputError(std::string("fitting basis: ") + e.what());
    }
}

namespace detail {
namespace {

/// Density fitting when asked, or by default for DFT when the fitted tensor fits the budget; else
/// four-index integrals. Records the integral mode in wfn.level.
std::unique_ptr<JKBuilder> make_jk(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings,
                                   const JKSettings& js, Wavefunction& wfn) {
  if (wants_fitting(settings)) {
    const BasisSet aux = build_fitting_basis(mol, fitting_basis_name(settings));
    const std::size_t need = DensityFittedJK::bytes_needed(basis, aux);
    if (need <= js.memory_bytes) {
      auto df = std::make_unique<DensityFittedJK>(basis, aux, settings.threads);
      wfn.dft.jk_seconds += df->setup_seconds();
      wfn.fitting_seconds = df->setup_seconds();
      wfn.fitting_functions = aux.nbf;
      wfn.level.integrals = Integrals::DensityFitted;
      wfn.level.fitting_basis = aux.name;
      return df;
    }
    if (settings.scf_type == ScfType::DF)
      throw InputError("density fitting with '" + aux.name + "' needs " + std::to_string(need >> 20) +
                       " MiB for the fitted integrals but the memory budget is " +
                       std::to_string(js.memory_bytes >> 20) + " MiB: raise --memory or use --scf-type conv");
    wfn.integrals_note = "density fitting would need " + std::to_string(need >> 20) + " MiB (budget " +
                         std::to_string(js.memory_bytes >> 20) + " MiB): four-index integrals instead";
  }
  return std::make_unique<FourIndexJK>(basis, js);
}

}  // namespace

namespace {

/// Everything a J/K builder or XC integrator depends on, as text (doubles in hexadecimal, exact).
class Key {
 public:
  Key() { out_ << std::hexfloat; }
  template <class T>
  Key& operator<<(const T& v) {
    out_ << v << ';';
    return *this;
  }
  std::string str() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

std::string geometry_key(const molecules::Molecule& mol, const BasisSet& basis) {
  Key k;
  for (const auto& a : mol.atoms) k << a.Z << a.charge() << a.r[0] << a.r[1] << a.r[2];
  k << basis.name << static_cast<int>(basis.shell_type) << basis.nbf;
  for (const auto& sh : basis.shells) {
    k << sh.l << sh.pure << sh.atom;
    for (std::size_t p = 0; p < sh.exponents.size(); ++p) k << sh.exponents[p] << sh.coefficients[p];
  }
  return k.str();
}

}  // namespace
}  // namespace detail

/// One geometry's shared parts: the J/K builders of each integral setting (with what make_jk
/// recorded in the wavefunction) and the XC integrators of each functional, grid and polarisation.
struct SharedBuilders::Impl {
  struct JK {
    std::shared_ptr<JKBuilder> jk;
    std::shared_ptr<FourIndexJK> jk_lr;
    Integrals integrals = Integrals::FourIndex;
    std::string fitting_basis, integrals_note;
    int fitting_functions = 0;
  };
  std::string geometry;
  std::map<std::string, JK> jk;
  std::map<std::string, std::shared_ptr<XCIntegrator>> xc;
  int built = 0, reused = 0;

  /// Forgets the parts of another geometry.
  void use_geometry(const std::string& g) {
    if (g == geometry) return;
    geometry = g;
    jk.clear();
    xc.clear();
  }
};

SharedBuilders::SharedBuilders() : impl(std::make_unique<Impl>()) {}
SharedBuilders::~SharedBuilders() = default;
int SharedBuilders::built() const { return impl->built; }
int SharedBuilders::reused() const { return impl->reused; }

namespace detail {

std::shared_ptr<XCIntegrator> xc_integrator(const molecules::Molecule& mol, const BasisSet& basis,
                                            const ScfSettings& settings, const GridSpec& grid, bool polarized) {
  auto build = [&] {
    return std::make_shared<XCIntegrator>(basis, mol, settings.functional, grid, polarized, settings.threads);
  };
  if (!settings.shared) return build();
  auto& c = *settings.shared->impl;
  c.use_geometry(geometry_key(mol, basis));
  Key k;
  k << settings.functional.name << grid.name << grid.radial << grid.angular << grid.prune << grid.radial_light
    << grid.outer_angular << grid.psi4 << polarized << settings.threads;
  auto& slot = c.xc[k.str()];
  if (slot) {
    ++c.reused;
    return slot;
  }
  ++c.built;
  return slot = build();
}

FockBuilders make_builders(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings,
                           Wavefunction& wfn, bool with_xc) {
  const Functional& func = settings.functional;
  const bool rhf = settings.reference == Reference::RHF;
  JKSettings js;
  js.schwarz_threshold = settings.schwarz_threshold;
  js.precision = settings.integral_precision;
  js.threads = settings.threads;
  js.memory_bytes = func.long_range_exchange != 0.0 ? settings.memory_bytes / 2 : settings.memory_bytes;
  FockBuilders b;
  SharedBuilders::Impl::JK* shared = nullptr;
  if (settings.shared) {
    auto& c = *settings.shared->impl;
    c.use_geometry(geometry_key(mol, basis));
    Key k;
    k << static_cast<int>(settings.scf_type) << func.is_hf() << settings.fitting_basis << settings.memory_bytes
      << settings.schwarz_threshold << settings.integral_precision << settings.threads << func.omega
      << (func.long_range_exchange != 0.0);
    shared = &c.jk[k.str()];
    if (shared->jk) {
      ++c.reused;
      b.jk = shared->jk;
      b.jk_lr = shared->jk_lr;
      wfn.level.integrals = shared->integrals;
      if (shared->integrals == Integrals::DensityFitted) {
        wfn.level.fitting_basis = shared->fitting_basis;
        wfn.fitting_functions = shared->fitting_functions;
      }
      wfn.integrals_note = shared->integrals_note;
    }
  }
  if (!b.jk) {
    b.jk = make_jk(mol, basis, settings, js, wfn);
    if (func.long_range_exchange != 0.0) {
      JKSettings lr = js;
      lr.omega = func.omega;
      lr.memory_bytes = settings.memory_bytes > b.jk->cached_bytes() ? settings.memory_bytes - b.jk->cached_bytes() : 0;
      b.jk_lr = std::make_shared<FourIndexJK>(basis, lr);
    }
    if (shared) {
      ++settings.shared->impl->built;
      *shared = {b.jk, b.jk_lr, wfn.level.integrals, wfn.level.fitting_basis, wfn.integrals_note, wfn.fitting_functions};
    }
  }
  wfn.integral_bytes = b.jk->cached_bytes() + (b.jk_lr ? b.jk_lr->cached_bytes() : 0);
  if (!func.is_hf() && with_xc) {
    b.xc = xc_integrator(mol, basis, settings, settings.grid, !rhf);
    wfn.level.grid = settings.grid;
    wfn.dft.points = b.xc->n_points();
    // The early iterations on the coarse grid when the final one is finer (see ScfSettings).
    const GridSpec coarse = parse_grid("coarse");
    if (settings.coarse_grid_until > 0 &&
        (settings.grid.radial > coarse.radial || settings.grid.angular > coarse.angular))
      b.xc_early = xc_integrator(mol, basis, settings, coarse, !rhf);
  }
  return b;
}

SurfaceCoupling::SurfaceCoupling(const BasisSet& basis, const molecules::Molecule& mol,
                                 const std::vector<std::array<double, 3>>& points, const DensityFittedJK* fitted,
                                 int threads)
    : basis_(basis), mol_(mol), points_(points), fitted_(fitted), threads_(threads) {
  nuclear_.resize(static_cast<Eigen::Index>(points_.size()));
  for (std::size_t k = 0; k < points_.size(); ++k) {
    double v = 0.0;
    const auto& s = points_[k];
    for (const auto& a : mol_.atoms)
      v += a.charge() / std::max(std::hypot(a.r[0] - s[0], a.r[1] - s[1], a.r[2] - s[2]), 1e-12);
    nuclear_(static_cast<Eigen::Index>(k)) = v;
  }
  if (fitted_)
    fitting_potentials_ = function_potentials(fitted_->aux(), points_, threads_);
  else
    exact_ = std::make_unique<PointChargeOperator>(basis_, points_);
}

VectorXd SurfaceCoupling::potential(const MatrixXd& D, bool with_nuclei) const {
  if (fitted_) {
    VectorXd V = -fitting_potentials_ * fitted_->fit_density(D);
    if (with_nuclei) V += nuclear_;
    return V;
  }
  VectorXd V = ElectrostaticPotential(basis_, mol_, D)(points_, threads_);
  if (!with_nuclei) V -= nuclear_;
  return V;
}

VectorXd SurfaceCoupling::exact_potential(const MatrixXd& D) const {
  return ElectrostaticPotential(basis_, mol_, D)(points_, threads_);
}

MatrixXd SurfaceCoupling::charge_operator(const VectorXd& q) const {
  if (fitted_) return -fitted_->fitted_operator(fitting_potentials_.transpose() * q);
  return (*exact_)(q, threads_);
}

}  // namespace detail

namespace {

using detail::FockBuilders;
using detail::make_builders;
using detail::SurfaceCoupling;

/// The SCF iterations (PySCF's kernel: get_veff, get_fock, extrapolate, eig, get_occ, make_rdm1):
/// per-spin quantities, RHF keeping one spin block with weight 2.
class ScfIterations {
 public:
  ScfIterations(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings, Wavefunction& wfn)
      : mol_(mol), basis_(basis), settings_(settings), wfn_(wfn), rhf_(settings.reference == Reference::RHF),
        nspin_(rhf_ ? 1 : 2), w_(rhf_ ? 2.0 : 1.0), nocc_{mol.n_alpha(), mol.n_beta()},
        sub_(settings.diis_vectors, rhf_ ? 2.0 : 1.0), stage_(settings.ladder_start) {
    wfn.S = overlap_matrix(basis);
    H_ = core_hamiltonian(basis, mol);
    X_ = orthogonalizer(wfn.S, settings.linear_dependency);
    if (X_.cols() < std::max(nocc_[0], nocc_[1]))
      throw InputError("basis set '" + basis.name + "' has too few linearly independent functions (" +
                       std::to_string(X_.cols()) + ") for " + std::to_string(std::max(nocc_[0], nocc_[1])) +
                       " electrons of one spin");
    wfn.energies.nuclear_repulsion = mol.nuclear_repulsion();
    builders_ = make_builders(mol, basis, settings, wfn);
    if (settings.solvation.enabled()) set_up_solvent();
    wfn.dft.exact_exchange = settings.functional.exact_exchange;
    D_.resize(nspin_);
    C_.resize(nspin_);
    F_.resize(nspin_);
    eps_.resize(nspin_);
    initial_density();
  }

  /// Iterates until converged or max_iterations; fills the convergence record.
  void run() {
    for (int iter = 1; iter <= settings_.max_iterations; ++iter) {
      const auto t0 = Clock::now();
      const Step s = fock_and_energy(iter);
      const bool converged = decide_convergence(iter, s);
      climb_ladder(iter, s.rms, converged);
      IterationRecord rec{iter, s.energy, s.dE, s.rms, s.errmax, 0.0, "roothaan"};
      const std::vector<MatrixXd> Fx = extrapolate(iter, s, converged, rec.step);
      new_density(Fx, converged, s.rms);
      rec.seconds = since(t0);
      wfn_.convergence.history.push_back(rec);
      if (settings_.on_iteration) settings_.on_iteration(rec);
      wfn_.convergence.iterations = iter;
      if (converged) {
        wfn_.convergence.converged = true;
        wfn_.convergence.message = "converged";
        return;
      }
    }
    wfn_.convergence.message = "not converged in " + std::to_string(settings_.max_iterations) + " iterations";
  }

  /// With a fitted coupling the SCF converged in the fitted density's field; the polarisation
  /// energy reported is the exact one at the converged density, so that its error is second order
  /// in the density's (the energy is stationary in the density) instead of the fitting's first-order
  /// error of the potential (methanol C-PCM HF/6-31G*: ΔG_elec 0.033 kcal/mol from the four-index
  /// value with the fitted coupling alone). One exact potential evaluation per SCF.
  void exact_polarisation() {
    if (!surface_ || !surface_->fitted()) return;
    const auto t0 = Clock::now();
    const MatrixXd Dt = rhf_ ? MatrixXd(2.0 * D_built_[0]) : MatrixXd(D_built_[0] + D_built_[1]);
    const VectorXd V = surface_->exact_potential(Dt);
    const VectorXd q = solvent_->charges(V);
    const double epol = 0.5 * q.dot(V);
    wfn_.energies.total += epol - wfn_.energies.solvation;
    wfn_.energies.solvation = epol;
    wfn_.solvation.charges = q;
    wfn_.solvation.seconds += since(t0);
  }

  /// Orbitals of the final Fock matrix (unshifted, not extrapolated).
  void final_orbitals() {
    auto fill = [&](SpinOrbitals& so, int s, int n) {
      diagonalize(F_[s], X_, so.C, so.energies);
      so.n_occupied = n;
      so.occupations = VectorXd::Zero(so.energies.size());
      so.occupations.head(n).setOnes();
      so.D = occupied_density(so.C, n);
    };
    fill(wfn_.alpha, 0, nocc_[0]);
    fill(wfn_.beta, rhf_ ? 0 : 1, nocc_[1]);
  }

 private:
  /// What one Fock build gave.
  struct Step {
    double energy = 0.0, dE = 0.0, rms = 0.0, errmax = 0.0;
    bool exact_build = false;  ///< every builder computed from D itself (no accumulated ΔD error)
    std::vector<MatrixXd> err;  ///< orbital gradients Xᵀ(FDS − SDF)X per spin
  };

  void initial_density() {
    read_guess_ = static_cast<int>(settings_.guess_density.size()) == nspin_ &&
                  std::all_of(settings_.guess_density.begin(), settings_.guess_density.end(), [&](const MatrixXd& g) {
                    return g.rows() == basis_.nbf && g.cols() == basis_.nbf;
                  });
    if (read_guess_) {
      for (int s = 0; s < nspin_; ++s) D_[s] = settings_.guess_density[s];
    } else if (settings_.guess == Guess::SAD) {
      // Neutral atoms hold ΣZ electrons; scale to the molecule's N (ions, pseudo-atoms).
      int nuclear = 0;
      for (const auto& a : mol_.atoms) nuclear += a.Z;
      const MatrixXd P = sad_density(mol_, basis_, settings_) * (double(nocc_[0] + nocc_[1]) / nuclear);
      for (auto& d : D_) d = 0.5 * P;
    } else {
      for (int s = 0; s < nspin_; ++s) {
        diagonalize(H_, X_, C_[s], eps_[s]);
        D_[s] = occupied_density(C_[s], nocc_[s]);
      }
    }
  }

  /// The cavity and its factorised response, once per geometry.
  void set_up_solvent() {
    const auto t0 = Clock::now();
    SolvationRecord& rec = wfn_.solvation;
    rec.settings = settings_.solvation;
    rec.dielectric_factor = dielectric_factor(rec.settings);
    rec.radii = cavity_radii(mol_, rec.settings);
    solvent_ = std::make_unique<ContinuumSolver>(build_cavity(mol_, rec.radii, rec.settings.points_per_sphere),
                                                 rec.dielectric_factor);
    rec.cavity = solvent_->cavity();
    surface_ = std::make_unique<SurfaceCoupling>(basis_, mol_, rec.cavity.points,
                                                 dynamic_cast<const DensityFittedJK*>(builders_.jk.get()),
                                                 settings_.threads);
    rec.seconds += since(t0);
  }

  /// The solvent's reaction to the total density: surface charges from the solute's potential at
  /// the cavity, their potential-energy matrix (added to every spin's Fock matrix) and ½ qᵀV.
  double solvent_response(MatrixXd& Vq) {
    const auto t0 = Clock::now();
    const MatrixXd Dt = rhf_ ? MatrixXd(2.0 * D_[0]) : MatrixXd(D_[0] + D_[1]);
    const Eigen::VectorXd V = surface_->potential(Dt);
    const Eigen::VectorXd q = solvent_->charges(V);
    Vq = surface_->charge_operator(q);
    wfn_.solvation.charges = q;
    wfn_.solvation.seconds += since(t0);
    return 0.5 * q.dot(V);
  }

  /// J and K of D: G = 2J − K (RHF, per-spin D) or J[Dα+Dβ] − K[Dσ] (UHF). Builders whose cost
  /// falls with ΔD (screened four-index) add J, K of ΔD between full builds; fitted ones always
  /// build from D. Returns whether every builder built from D itself.
  bool build_jk(int iter) {
    const bool full_build = rebuild_ || iter - last_full_ >= settings_.full_rebuild_every;
    const bool want_k = settings_.functional.exact_exchange != 0.0;
    std::vector<MatrixXd> dD;
    auto build = [&](JKBuilder& b, std::vector<MatrixXd>& Jb, std::vector<MatrixXd>& Kb, bool with_k) {
      if (full_build || !b.incremental()) {
        b.compute(D_, Jb, Kb, with_k);
        return;
      }
      if (dD.empty())
        for (int s = 0; s < nspin_; ++s) dD.push_back(D_[s] - D_built_[s]);
      std::vector<MatrixXd> dJb, dKb;
      b.compute(dD, dJb, dKb, with_k);
      for (int s = 0; s < nspin_; ++s) {
        Jb[s] += dJb[s];
        if (with_k) Kb[s] += dKb[s];
      }
    };
    build(*builders_.jk, J_, K_, want_k);
    if (builders_.jk_lr) build(*builders_.jk_lr, Jlr_, Klr_, true);
    if (full_build) {
      last_full_ = iter;
      rebuild_ = false;
    }
    D_built_ = D_;
    return full_build || (!builders_.jk->incremental() && !builders_.jk_lr);
  }

  /// Fock matrices, energy and orbital gradient of the current density.
  Step fock_and_energy(int iter) {
    const auto t_jk = Clock::now();
    Step s;
    s.exact_build = build_jk(iter);
    wfn_.dft.jk_seconds += since(t_jk);
    XCResult vxc;
    if (builders_.xc) {
      const auto t_xc = Clock::now();
      const auto& xc = builders_.xc_early ? *builders_.xc_early : *builders_.xc;
      vxc = xc.compute(rhf_ ? std::vector<MatrixXd>{2.0 * D_[0]} : D_);
      wfn_.dft.xc_seconds += since(t_xc);
      wfn_.dft.electrons = vxc.electrons;
    }
    const double ax = settings_.functional.exact_exchange, alr = settings_.functional.long_range_exchange;
    const MatrixXd Jtot = rhf_ ? MatrixXd(2.0 * J_[0]) : MatrixXd(J_[0] + J_[1]);
    const MatrixXd& S = wfn_.S;
    double e1 = 0.0, e2 = 0.0, err2 = 0.0, epol = 0.0;
    MatrixXd Vq;
    if (solvent_) epol = solvent_response(Vq);
    s.err.resize(nspin_);
    for (int k = 0; k < nspin_; ++k) {  // F = H + J − ax K − alr K_lr(ω) + Vxc
      F_[k] = H_ + Jtot;
      if (ax != 0.0) F_[k] -= ax * K_[k];
      if (builders_.jk_lr) F_[k] -= alr * Klr_[k];
      e1 += w_ * (D_[k].array() * H_.array()).sum();
      e2 += 0.5 * w_ * (D_[k].array() * (F_[k] - H_).array()).sum();
      if (builders_.xc) F_[k] += vxc.V[k];
      if (solvent_) F_[k] += Vq;
      s.err[k] = X_.transpose() * (F_[k] * D_[k] * S - S * D_[k] * F_[k]) * X_;
      err2 += s.err[k].squaredNorm();
      s.errmax = std::max(s.errmax, s.err[k].cwiseAbs().maxCoeff());
    }
    s.energy = wfn_.energies.nuclear_repulsion + e1 + e2 + vxc.energy + epol;
    if (!std::isfinite(s.energy) || !std::isfinite(err2))
      throw std::runtime_error("the SCF produced a non-finite energy in iteration " + std::to_string(iter) +
                               " (check the basis set and geometry)");
    s.rms = std::sqrt(err2 / (nspin_ * double(s.err[0].size())));
    s.dE = iter == 1 ? s.energy : s.energy - e_prev_;
    e_prev_ = s.energy;
    wfn_.energies.one_electron = e1;
    wfn_.energies.two_electron = e2;
    wfn_.energies.xc = vxc.energy;
    wfn_.energies.solvation = epol;
    wfn_.energies.total = s.energy;
    return s;
  }

  /// Converged only on the final grid and on a full (non-incremental) Fock build, so the final
  /// energy carries no accumulated screening error of the incremental builds.
  bool decide_convergence(int iter, const Step& s) {
    bool converged = iter > 1 && std::abs(s.dE) < settings_.e_convergence && s.rms < settings_.d_convergence;
    if (builders_.xc_early && (converged || s.rms < settings_.coarse_grid_until)) {
      // On to the final grid; convergence is judged there only. The coarse-grid iterates stay in
      // the (E)DIIS subspace: clearing it cost o-carborane B3LYP/def2-SVP two more iterations.
      builders_.xc_early.reset();
      converged = false;
      rebuild_ = true;
    }
    if (converged && !s.exact_build) {
      converged = false;
      rebuild_ = true;
    }
    return converged;
  }

  /// Convergence ladder: escalate when the gradient has not halved for 12 iterations.
  void climb_ladder(int iter, double rms, bool converged) {
    if (rms < 0.5 * best_rms_) {
      best_rms_ = rms;
      last_improvement_ = iter;
    }
    if (!converged && stage_ + 1 < ladder_stages && iter - last_improvement_ >= 12 && iter - stage_start_ >= 12) {
      ++stage_;
      stage_start_ = last_improvement_ = iter;
      best_rms_ = rms;
      sub_.clear();
    }
  }

  /// The Fock matrices to diagonalise: (E)DIIS extrapolation and the stage's level shift.
  std::vector<MatrixXd> extrapolate(int iter, const Step& s, bool converged, std::string& step) {
    std::vector<MatrixXd> Fx = F_;
    if (converged) return Fx;
    const Stage& st = ladder[stage_];
    // The SAD density is not idempotent, and a read density of another electron count (an ion
    // started from its neutral's orbitals) is self-consistent for the wrong state: its tiny error
    // vector would pin DIIS to it. Keep both out of the (E)DIIS subspace.
    bool foreign_start = false;
    if (iter == 1 && read_guess_)
      for (int k = 0; k < nspin_; ++k)
        foreign_start = foreign_start || std::abs((D_[k] * wfn_.S).trace() - nocc_[k]) > 1e-6;
    const bool sad_start = iter == 1 && ((settings_.guess == Guess::SAD && !read_guess_) || foreign_start);
    if (!sad_start) sub_.push({F_, D_, s.err, s.energy});
    if (sub_.size() >= 2 && !sad_start) {
      if (s.errmax > (st.ediis_above < 0 ? settings_.ediis_above : st.ediis_above)) {
        Fx = sub_.fock(sub_.ediis());
        step = "ediis";
      } else {
        Fx = sub_.fock(sub_.diis());
        step = "diis";
      }
    }
    if (st.level_shift > 0 && s.rms > st.shift_above) {
      const MatrixXd& S = wfn_.S;
      for (int k = 0; k < nspin_; ++k) Fx[k] += st.level_shift * (S - S * D_[k] * S);
      step += "+shift";
    }
    return Fx;
  }

  /// Diagonalise, occupy the lowest orbitals, and damp while the stage asks for it.
  void new_density(const std::vector<MatrixXd>& Fx, bool converged, double rms) {
    const Stage& st = ladder[stage_];
    for (int s = 0; s < nspin_; ++s) {
      diagonalize(Fx[s], X_, C_[s], eps_[s]);
      MatrixXd Dn = occupied_density(C_[s], nocc_[s]);
      if (!converged && st.damping > 0 && rms > 1e-3) Dn = (1.0 - st.damping) * Dn + st.damping * D_[s];
      D_[s] = Dn;
    }
  }

  const molecules::Molecule& mol_;
  const BasisSet& basis_;
  const ScfSettings& settings_;
  Wavefunction& wfn_;
  const bool rhf_;
  const int nspin_;
  const double w_;
  const int nocc_[2];
  MatrixXd H_, X_;
  FockBuilders builders_;
  std::unique_ptr<ContinuumSolver> solvent_;
  std::unique_ptr<SurfaceCoupling> surface_;  ///< the electrons' coupling to the surface charges
  std::vector<MatrixXd> D_, C_, F_;
  std::vector<VectorXd> eps_;
  bool read_guess_ = false;
  Subspace sub_;
  std::vector<MatrixXd> J_, K_, Jlr_, Klr_, D_built_;  ///< incremental builds: J, K of D_built_
  double e_prev_ = 0.0;
  int stage_, stage_start_ = 1, last_improvement_ = 1, last_full_ = -1000;
  double best_rms_ = HUGE_VAL;
  bool rebuild_ = true;
};

}  // namespace

Wavefunction run_scf(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings) {
  const auto t_start = Clock::now();
  check_cheap_settings(mol, settings);
  Wavefunction wfn;
  wfn.level.functional = settings.functional;
  wfn.level.basis = basis.name;
  wfn.level.shell_type = basis.shell_type;
  wfn.molecule = mol;
  wfn.basis = basis;
  wfn.reference = settings.reference;
  wfn.convergence.e_convergence = settings.e_convergence;
  wfn.convergence.d_convergence = settings.d_convergence;
  ScfIterations scf(mol, basis, settings, wfn);
  scf.run();
  scf.final_orbitals();
  scf.exact_polarisation();
  if (settings.solvation.model == SolvationModel::SMD) {
    const auto t0 = Clock::now();
    const CdsTerm cds = smd_cds(mol, settings.solvation.solvent);
    wfn.energies.cds = cds.energy;
    wfn.solvation.sasa = cds.area;
    wfn.energies.total += cds.energy;
    wfn.solvation.seconds += since(t0);
  }
  wfn.seconds = since(t_start);
  return wfn;
}

Wavefunction run_scf_with_gas_phase(const molecules::Molecule& mol, const BasisSet& basis, const ScfSettings& settings) {
  if (!settings.solvation.enabled()) return run_scf(mol, basis, settings);
  ScfSettings gas = settings;
  gas.solvation = SolvationSettings{};
  const Wavefunction g = run_scf(mol, basis, gas);
  ScfSettings solvated = settings;
  solvated.guess_density = {g.alpha.D};
  if (settings.reference == Reference::UHF) solvated.guess_density.push_back(g.beta.D);
  Wavefunction wfn = run_scf(mol, basis, solvated);
  wfn.solvation.gas_energy = g.energies.total;
  wfn.solvation.gas_converged = g.convergence.converged;
  wfn.solvation.gas_seconds = g.seconds;
  return wfn;
}

}  // namespace cagescreen::scf
