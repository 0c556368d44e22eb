#include "scf/xc.hpp"

#include <libint2/solidharmonics.h>
#include <omp.h>
#include <xc.h>

#include <algorithm>
#include <cmath>

#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "scf/detail/shells.hpp"
#include "molecules/text.hpp"
#include "scf/tolerances.hpp"

namespace cagescreen::scf {

using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

/// RAII owner of a libxc functional (xc_func_end on destruction).
struct XCFunc {
  xc_func_type f{};
  bool ok = false;
  XCFunc(int id, int nspin) { ok = xc_func_init(&f, id, nspin) == 0; }
  ~XCFunc() {
    if (ok) xc_func_end(&f);
  }
  XCFunc(const XCFunc&) = delete;
  XCFunc& operator=(const XCFunc&) = delete;
};

struct Builtin {
  const char* name;
  std::vector<std::pair<int, double>> components;
  const char* description;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> list{
      {"hf", {}, "Hartree-Fock"},
      {"svwn", {{XC_LDA_X, 1.0}, {XC_LDA_C_VWN_RPA, 1.0}}, "Slater exchange + VWN (RPA) correlation (LDA)"},
      {"blyp", {{XC_GGA_X_B88, 1.0}, {XC_GGA_C_LYP, 1.0}}, "Becke 88 exchange + LYP correlation (GGA)"},
      {"pbe", {{XC_GGA_X_PBE, 1.0}, {XC_GGA_C_PBE, 1.0}}, "Perdew-Burke-Ernzerhof (GGA)"},
      {"b3lyp", {{XC_HYB_GGA_XC_B3LYP, 1.0}}, "B3LYP with VWN-RPA, as Gaussian and psi4 (libxc HYB_GGA_XC_B3LYP)"},
      {"b3lyp5", {{XC_HYB_GGA_XC_B3LYP5, 1.0}}, "B3LYP with VWN5 (libxc HYB_GGA_XC_B3LYP5)"},
      {"pbe0", {{XC_HYB_GGA_XC_PBEH, 1.0}}, "PBE0 / PBE1PBE, 25% exact exchange (libxc HYB_GGA_XC_PBEH)"},
      {"wb97x", {{XC_HYB_GGA_XC_WB97X, 1.0}}, "wB97X range-separated hybrid (libxc HYB_GGA_XC_WB97X)"},
      {"cam-b3lyp", {{XC_HYB_GGA_XC_CAM_B3LYP, 1.0}}, "CAM-B3LYP range-separated hybrid (libxc HYB_GGA_XC_CAM_B3LYP)"},
      {"tpss", {{XC_MGGA_X_TPSS, 1.0}, {XC_MGGA_C_TPSS, 1.0}}, "Tao-Perdew-Staroverov-Scuseria (meta-GGA)"},
      {"m06-2x", {{XC_HYB_MGGA_X_M06_2X, 1.0}, {XC_MGGA_C_M06_2X, 1.0}},
       "M06-2X hybrid meta-GGA, 54% exact exchange (libxc HYB_MGGA_X_M06_2X + MGGA_C_M06_2X)"},
  };
  return list;
}

int family_of(const xc_func_type& f) { return f.info->family; }
bool is_lda(int fam) { return fam == XC_FAMILY_LDA || fam == XC_FAMILY_HYB_LDA; }
bool is_gga(int fam) { return fam == XC_FAMILY_GGA || fam == XC_FAMILY_HYB_GGA; }
bool is_mgga(int fam) { return fam == XC_FAMILY_MGGA || fam == XC_FAMILY_HYB_MGGA; }

/// Values (and gradients, and second derivatives) at points (px, py, pz) of the functions of the
/// shells in `list` (libint2-normalised shells): phi (npts × nf), dphi[3] (x, y, z), d2phi[6]
/// (xx, xy, xz, yy, yz, zz). Vectorised over points, shell by shell.
void shell_values(const std::vector<libint2::Shell>& shells, const std::vector<int>& list, const Eigen::ArrayXd& px,
                const Eigen::ArrayXd& py, const Eigen::ArrayXd& pz, MatrixXd& phi, MatrixXd* dphi,
                MatrixXd* d2phi = nullptr) {
  using Eigen::ArrayXd;
  const int np = static_cast<int>(px.size());
  int nf = 0;
  for (int s : list) nf += static_cast<int>(shells[s].size());
  phi.resize(np, nf);
  if (dphi)
    for (int k = 0; k < 3; ++k) dphi[k].resize(np, nf);
  if (d2phi)
    for (int k = 0; k < 6; ++k) d2phi[k].resize(np, nf);
  ArrayXd x, y, z, r2, R0(np), R1(np), R2(np), e(np);
  std::vector<ArrayXd> xp(8), yp(8), zp(8);
  Eigen::ArrayXXd cart, cd[3], cdd[6];
  // The six second-derivative pairs (xx, xy, xz, yy, yz, zz).
  static constexpr int pair_i[6] = {0, 0, 0, 1, 1, 2}, pair_j[6] = {0, 1, 2, 1, 2, 2};
  int col = 0;
  for (int s : list) {
    const auto& sh = shells[s];
    const int l = sh.contr[0].l;
    const int ncart = (l + 1) * (l + 2) / 2;
    x = px - sh.O[0], y = py - sh.O[1], z = pz - sh.O[2];
    r2 = x * x + y * y + z * z;
    // Radial parts: R0 = Σ c e^{-αr²}; R1 = Σ −2αc e^{-αr²} (∂R0/∂x = R1 x); R2 = Σ 4α²c e^{-αr²}.
    R0.setZero(), R1.setZero(), R2.setZero();
    for (std::size_t k = 0; k < sh.alpha.size(); ++k) {
      e = sh.contr[0].coeff[k] * (-sh.alpha[k] * r2).exp();
      R0 += e;
      R1 -= (2.0 * sh.alpha[k]) * e;
      if (d2phi) R2 += (4.0 * sh.alpha[k] * sh.alpha[k]) * e;
    }
    xp[0].setOnes(np), yp[0].setOnes(np), zp[0].setOnes(np);
    for (int k = 1; k <= l; ++k) xp[k] = xp[k - 1] * x, yp[k] = yp[k - 1] * y, zp[k] = zp[k - 1] * z;
    const ArrayXd* r[3] = {&x, &y, &z};
    cart.resize(np, ncart);
    if (dphi)
      for (auto& c : cd) c.resize(np, ncart);
    if (d2phi)
      for (auto& c : cdd) c.resize(np, ncart);
    int c = 0;
    for (int a = l; a >= 0; --a)  // libint2 standard order: xx, xy, xz, yy, yz, zz
      for (int bb = l - a; bb >= 0; --bb, ++c) {
        const int n[3] = {a, bb, l - a - bb};
        // ∂^{d} of the monomial x^n0 y^n1 z^n2 (d = derivative orders per axis); zero if any n < d.
        auto mono = [&](int dx, int dy, int dz) -> ArrayXd {
          if (n[0] < dx || n[1] < dy || n[2] < dz) return ArrayXd::Zero(np);
          double f = 1.0;
          for (int k = 0; k < dx; ++k) f *= n[0] - k;
          for (int k = 0; k < dy; ++k) f *= n[1] - k;
          for (int k = 0; k < dz; ++k) f *= n[2] - k;
          return f * xp[n[0] - dx] * yp[n[1] - dy] * zp[n[2] - dz];
        };
        const ArrayXd ang = xp[a] * yp[bb] * zp[n[2]];
        cart.col(c) = ang * R0;
        if (dphi) {
          const ArrayXd angR1 = ang * R1;
          cd[0].col(c) = angR1 * x;
          cd[1].col(c) = angR1 * y;
          cd[2].col(c) = angR1 * z;
          if (a) cd[0].col(c) += a * xp[a - 1] * yp[bb] * zp[n[2]] * R0;
          if (bb) cd[1].col(c) += bb * xp[a] * yp[bb - 1] * zp[n[2]] * R0;
          if (n[2]) cd[2].col(c) += n[2] * xp[a] * yp[bb] * zp[n[2] - 1] * R0;
        }
        if (d2phi) {  // gradients only: allocations here do not matter
          ArrayXd dang[3];
          for (int k = 0; k < 3; ++k) dang[k] = mono(k == 0, k == 1, k == 2);
          for (int q = 0; q < 6; ++q) {
            const int i = pair_i[q], j = pair_j[q];
            // ∂i∂j (ang R) = ang_ij R0 + (ang_i r_j + ang_j r_i) R1 + ang (δij R1 + R2 r_i r_j)
            const ArrayXd dd = mono((i == 0) + (j == 0), (i == 1) + (j == 1), (i == 2) + (j == 2));
            cdd[q].col(c) = dd * R0 + (dang[i] * *r[j] + dang[j] * *r[i]) * R1 + ang * (R2 * *r[i] * *r[j]);
            if (i == j) cdd[q].col(c) += ang * R1;
          }
        }
      }
    if (!sh.contr[0].pure) {
      phi.middleCols(col, ncart) = cart.matrix();
      if (dphi)
        for (int k = 0; k < 3; ++k) dphi[k].middleCols(col, ncart) = cd[k].matrix();
      if (d2phi)
        for (int k = 0; k < 6; ++k) d2phi[k].middleCols(col, ncart) = cdd[k].matrix();
    } else {
      const auto& sh_coefs = libint2::solidharmonics::SolidHarmonicsCoefficients<double>::instance(l);
      for (int m = 0; m < 2 * l + 1; ++m) {
        const auto* v = sh_coefs.row_values(m);
        const auto* idx = sh_coefs.row_idx(m);
        phi.col(col + m).setZero();
        if (dphi)
          for (int k = 0; k < 3; ++k) dphi[k].col(col + m).setZero();
        if (d2phi)
          for (int k = 0; k < 6; ++k) d2phi[k].col(col + m).setZero();
        for (int k = 0; k < sh_coefs.nnz(m); ++k) {
          phi.col(col + m).array() += v[k] * cart.col(idx[k]);
          if (dphi)
            for (int q = 0; q < 3; ++q) dphi[q].col(col + m).array() += v[k] * cd[q].col(idx[k]);
          if (d2phi)
            for (int q = 0; q < 6; ++q) d2phi[q].col(col + m).array() += v[k] * cdd[q].col(idx[k]);
        }
      }
    }
    col += static_cast<int>(sh.size());
  }
}

/// Radius (Bohr) beyond which every primitive of the shell, |c| r^l exp(−α r²), is below
/// `threshold` (fixed-point iteration per primitive).
double shell_extent(const libint2::Shell& sh, double threshold) {
  const int l = sh.contr[0].l;
  double rmax = 0.0;
  for (std::size_t p = 0; p < sh.alpha.size(); ++p) {
    const double c = std::abs(sh.contr[0].coeff[p]);
    double r = 1.0;
    for (int it = 0; it < 20; ++it)
      r = std::sqrt(std::max(0.0, std::log(c / threshold) + l * std::log(std::max(r, 1.0))) / sh.alpha[p]);
    rmax = std::max(rmax, r);
  }
  return rmax;
}

}  // namespace

std::string libxc_version() { return xc_version_string(); }

std::vector<std::pair<std::string, std::string>> Functional::builtin() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& b : builtins()) out.push_back({b.name, b.description});
  out.push_back({"libxc:NAME", "any libxc LDA, GGA or meta-GGA (τ, no Laplacian), global or erf range-separated hybrid, by name or number"});
  return out;
}

Functional Functional::hf() {
  Functional f;
  f.name = "hf";
  f.exact_exchange = 1.0;
  return f;
}

Functional Functional::from_name(const std::string& text) {
  const std::string name = lower(text);
  if (name == "hf") return hf();
  Functional f;
  f.name = name;
  bool found = false;
  for (const auto& b : builtins())
    if (name == b.name) {
      f.components = b.components;
      found = true;
    }
  if (!found && name.rfind("libxc:", 0) == 0) {
    const std::string id_text = text.substr(6);
    int id = -1;
    if (!id_text.empty() && std::all_of(id_text.begin(), id_text.end(), ::isdigit))
      id = static_cast<int>(parse_integer_in(id_text, 1, 100000).value_or(-1));
    else
      id = xc_functional_get_number(id_text.c_str());
    if (id <= 0) throw InputError("unknown libxc functional " + in_quotes(id_text));
    f.components = {{id, 1.0}};
    found = true;
  }
  if (!found) {
    std::vector<std::string> names;
    for (const auto& b : builtins()) names.push_back(b.name);
    throw InputError("unknown method '" + text + "' (closest: " + closest_names(name, names) +
                     "; see `cagescreen functionals`)");
  }
  for (const auto& [id, w] : f.components) {
    XCFunc xf(id, XC_UNPOLARIZED);
    if (!xf.ok) throw InputError("libxc cannot initialise functional " + std::to_string(id) + " for '" + text + "'");
    const int fam = family_of(xf.f);
    if (!is_lda(fam) && !is_gga(fam) && !is_mgga(fam))
      throw InputError("functional '" + text + "' (" + xc_func_info_get_name(xf.f.info) +
                       ") is of a kind this version does not evaluate (LDA, GGA and meta-GGA only)");
    if (xf.f.info->flags & XC_FLAGS_NEEDS_LAPLACIAN)
      throw InputError("functional '" + text + "' (" + xc_func_info_get_name(xf.f.info) +
                       ") depends on the Laplacian of the density, which this version does not evaluate");
    if (xf.f.info->flags & XC_FLAGS_VV10)
      throw InputError("functional '" + text + "' (" + xc_func_info_get_name(xf.f.info) +
                       ") includes VV10 non-local correlation, which this version does not evaluate");
    if (xf.f.info->flags & (XC_FLAGS_HYB_CAMY | XC_FLAGS_HYB_LCY))
      throw InputError("functional '" + text + "' (" + xc_func_info_get_name(xf.f.info) +
                       ") uses Yukawa range separation, which this version does not evaluate");
    f.gga = f.gga || is_gga(fam) || is_mgga(fam);
    f.meta = f.meta || is_mgga(fam);
    // libxc: exact exchange = cam_alpha·K + cam_beta·K_sr(ω), K_sr = K − K_lr(ω)
    //        = (cam_alpha + cam_beta)·K − cam_beta·K_lr(ω).
    if (xf.f.cam_omega != 0.0 && xf.f.cam_beta != 0.0) {
      if (f.omega != 0.0 && f.omega != xf.f.cam_omega)
        throw InputError("functional '" + text + "' combines two range-separation parameters");
      f.omega = xf.f.cam_omega;
      f.exact_exchange += w * (xf.f.cam_alpha + xf.f.cam_beta);
      f.long_range_exchange -= w * xf.f.cam_beta;
    } else {
      f.exact_exchange += w * xf.f.cam_alpha;
    }
  }
  return f;
}

struct XCIntegrator::Impl {
  BasisSet basis;
  Functional func;
  MolecularGrid grid;
  bool polarized;
  int nthreads;
  int natoms;
  std::vector<libint2::Shell> shells;    // normalised as libint2 does for the integrals
  std::vector<double> extent;            // radius beyond which a shell is below 1e-10, Bohr
  // Functions smaller (value and gradient) on a whole batch are dropped (tolerance::basis_value).
  static constexpr double value_threshold = tolerance::basis_value;
  std::vector<std::vector<int>> batch_shells;

  Impl(const BasisSet& b, const molecules::Molecule& mol, const Functional& f, const GridSpec& g, bool pol, int threads)
      : basis(b), func(f), grid(build_grid(mol, g)), polarized(pol), natoms(static_cast<int>(mol.atoms.size())) {
    nthreads = threads > 0 ? threads : omp_get_max_threads();
    shells = detail::to_libint(basis);
    for (const auto& sh : shells) extent.push_back(shell_extent(sh, tolerance::shell_extent));
    for (const auto& bt : grid.batches) {
      std::vector<int> list;
      for (std::size_t s = 0; s < shells.size(); ++s) {
        const auto& O = shells[s].O;
        const double d = std::hypot(O[0] - bt.center[0], O[1] - bt.center[1], O[2] - bt.center[2]);
        if (d - bt.radius < extent[s]) list.push_back(static_cast<int>(s));
      }
      batch_shells.push_back(std::move(list));
    }
  }

  /// Per-thread buffers, sized by the largest batch and reused (no allocations per batch).
  struct Workspace {
    MatrixXd phi, dphi[3], d2phi[6], phi_kept, dphi_kept[3], Dsub[2], Xs[2], X, B, Vsub;
    const MatrixXd* phi_p = nullptr;
    const MatrixXd* dphi_p = nullptr;
    std::vector<int> fidx, keep;
    VectorXd rho[2], tau[2], a, wv;
    Eigen::MatrixX3d grad[2], g;
    std::vector<double> rin, sin, tin, lin, zk, vrho, vsigma, vtau, vlapl, ezk, evrho, evsigma, evtau;
  };

  using FuncList = std::vector<std::unique_ptr<XCFunc>>;
  FuncList make_funcs() const {
    FuncList funcs;
    for (const auto& [id, w] : func.components)
      funcs.push_back(std::make_unique<XCFunc>(id, polarized ? XC_POLARIZED : XC_UNPOLARIZED));
    return funcs;
  }

  /// Batch b: the functions that matter there (ws.fidx, values in *ws.phi_p, gradients in
  /// ws.dphi_p, second derivatives in ws.d2phi when `hessian`), the density (and gradient, τ) per
  /// spin, and libxc's energy density and derivatives weighted by the components (ws.ezk, evrho,
  /// evsigma, evtau). Returns the number of points, 0 when no function reaches the batch.
  int evaluate_batch(int b, const std::vector<MatrixXd>& D, const FuncList& funcs, Workspace& ws, bool hessian) const {
    const int np = batch_functions(b, ws, hessian);
    if (np > 0) density_and_xc(np, D, funcs, ws);
    return np;
  }

  /// The first half of evaluate_batch: the functions that matter on batch b, their values and
  /// derivatives. Returns the number of points, 0 when no function reaches the batch.
  int batch_functions(int b, Workspace& ws, bool hessian) const {
    const auto& bt = grid.batches[b];
    const auto& list = batch_shells[b];
    if (list.empty()) return 0;
    const int np = static_cast<int>(bt.end - bt.begin);
    {
      Eigen::ArrayXd px(np), py(np), pz(np);
      for (int i = 0; i < np; ++i) {
        const auto& p = grid.points[bt.begin + i];
        px(i) = p[0], py(i) = p[1], pz(i) = p[2];
      }
      shell_values(shells, list, px, py, pz, ws.phi, func.gga || hessian ? ws.dphi : nullptr,
                   hessian && func.gga ? ws.d2phi : nullptr);
    }
    ws.phi_p = &ws.phi;
    ws.dphi_p = ws.dphi;
    const MatrixXd* dphi = ws.dphi;
    const bool need_grad = func.gga || hessian;
    // Functions below value_threshold (value and gradient) at every point of the batch are
    // dropped: the shell-extent test keeps whole shells for the batch's bounding sphere.
    ws.fidx.clear();
    ws.keep.clear();
    int ncol = 0;
    for (int s : list)
      for (int k = 0; k < basis.shells[s].size(); ++k, ++ncol) {
        double m = ws.phi.col(ncol).cwiseAbs().maxCoeff();
        if (need_grad)
          for (int d = 0; d < 3; ++d) m = std::max(m, dphi[d].col(ncol).cwiseAbs().maxCoeff());
        if (m >= value_threshold) {
          ws.fidx.push_back(basis.offsets[s] + k);
          ws.keep.push_back(ncol);
        }
      }
    if (ws.fidx.empty()) return 0;
    if (static_cast<int>(ws.keep.size()) < ncol) {
      ws.phi_kept = ws.phi(Eigen::all, ws.keep);
      if (need_grad)
        for (int d = 0; d < 3; ++d) ws.dphi_kept[d] = dphi[d](Eigen::all, ws.keep);
      if (hessian && func.gga)
        for (int d = 0; d < 6; ++d) ws.d2phi[d] = MatrixXd(ws.d2phi[d](Eigen::all, ws.keep));
      ws.phi_p = &ws.phi_kept;
      ws.dphi_p = ws.dphi_kept;
    }
    return np;
  }

  /// The second half of evaluate_batch, on the functions batch_functions left in ws.
  void density_and_xc(int np, const std::vector<MatrixXd>& D, const FuncList& funcs, Workspace& ws) const {
    const int ns = polarized ? 2 : 1;
    const MatrixXd* dphi = ws.dphi_p;
    const MatrixXd& phi = *ws.phi_p;
    const auto& fidx = ws.fidx;
    const int nf = static_cast<int>(fidx.size());
    // Density (and gradient, τ) per spin on the batch: X = φ D_sub, ρ = Σν Xν φν, ∇ρ = 2 Σν Xν ∇φν.
    for (int s = 0; s < ns; ++s) {
      ws.Dsub[s].resize(nf, nf);
      for (int c = 0; c < nf; ++c)
        for (int a = 0; a < nf; ++a) ws.Dsub[s](a, c) = D[s](fidx[a], fidx[c]);
      ws.Xs[s].noalias() = phi * ws.Dsub[s];
      ws.rho[s] = ws.Xs[s].cwiseProduct(phi).rowwise().sum();
      if (func.gga) {
        ws.grad[s].resize(np, 3);
        for (int k = 0; k < 3; ++k) ws.grad[s].col(k) = 2.0 * ws.Xs[s].cwiseProduct(dphi[k]).rowwise().sum();
      }
      if (func.meta) {  // τσ = ½ Σμν Dσμν ∇φμ·∇φν
        ws.tau[s].setZero(np);
        for (int k = 0; k < 3; ++k) {
          ws.X.noalias() = dphi[k] * ws.Dsub[s];
          ws.tau[s] += 0.5 * ws.X.cwiseProduct(dphi[k]).rowwise().sum();
        }
      }
    }
    // libxc input layout: rho[np*ns], sigma[np*(1 or 3)].
    const std::size_t nsig = func.gga ? np * (polarized ? 3 : 1) : 0, ntau = func.meta ? np * ns : 0;
    ws.rin.resize(np * ns), ws.sin.resize(nsig), ws.tin.resize(ntau), ws.lin.assign(ntau, 0.0);
    for (int i = 0; i < np; ++i) {
      for (int s = 0; s < ns; ++s) ws.rin[i * ns + s] = std::max(ws.rho[s](i), 0.0);
      if (func.meta)
        for (int s = 0; s < ns; ++s) ws.tin[i * ns + s] = std::max(ws.tau[s](i), 0.0);
      if (func.gga) {
        if (!polarized) {
          ws.sin[i] = ws.grad[0].row(i).squaredNorm();
        } else {
          ws.sin[3 * i] = ws.grad[0].row(i).squaredNorm();
          ws.sin[3 * i + 1] = ws.grad[0].row(i).dot(ws.grad[1].row(i));
          ws.sin[3 * i + 2] = ws.grad[1].row(i).squaredNorm();
        }
      }
    }
    ws.zk.resize(np), ws.vrho.resize(np * ns), ws.vsigma.resize(nsig), ws.vtau.resize(ntau), ws.vlapl.resize(ntau);
    ws.ezk.assign(np, 0.0), ws.evrho.assign(np * ns, 0.0), ws.evsigma.assign(nsig, 0.0), ws.evtau.assign(ntau, 0.0);
    for (std::size_t c = 0; c < funcs.size(); ++c) {
      const double w = func.components[c].second;
      const int fam = family_of(funcs[c]->f);
      if (is_lda(fam)) {
        xc_lda_exc_vxc(&funcs[c]->f, np, ws.rin.data(), ws.zk.data(), ws.vrho.data());
      } else if (is_gga(fam)) {
        xc_gga_exc_vxc(&funcs[c]->f, np, ws.rin.data(), ws.sin.data(), ws.zk.data(), ws.vrho.data(),
                       ws.vsigma.data());
        for (std::size_t k = 0; k < nsig; ++k) ws.evsigma[k] += w * ws.vsigma[k];
      } else {
        xc_mgga_exc_vxc(&funcs[c]->f, np, ws.rin.data(), ws.sin.data(), ws.lin.data(), ws.tin.data(), ws.zk.data(),
                        ws.vrho.data(), ws.vsigma.data(), ws.vlapl.data(), ws.vtau.data());
        for (std::size_t k = 0; k < nsig; ++k) ws.evsigma[k] += w * ws.vsigma[k];
        for (std::size_t k = 0; k < ntau; ++k) ws.evtau[k] += w * ws.vtau[k];
      }
      for (int i = 0; i < np; ++i) ws.ezk[i] += w * ws.zk[i];
      for (int k = 0; k < np * ns; ++k) ws.evrho[k] += w * ws.vrho[k];
    }
  }

  /// Per-point coefficients of spin s: a = w ∂e/∂ρσ (times `scale`), g = w ∂e/∂∇ρσ (GGA:
  /// unpolarised 2 vσ ∇ρ; polarised 2 vσσ ∇ρσ + vσαβ ∇ρσ').
  void potential_coefficients(const Workspace& ws, const GridBatch& bt, int np, int s, double scale, VectorXd& a,
                              Eigen::MatrixX3d& g) const {
    const int ns = polarized ? 2 : 1;
    a.resize(np);
    g.resize(np, 3);
    for (int i = 0; i < np; ++i) {
      const double w = grid.weights[bt.begin + i];
      a(i) = scale * w * ws.evrho[i * ns + s];
      if (func.gga) {
        const auto& gr = ws.grad;
        const auto& vs = ws.evsigma;
        if (!polarized)
          g.row(i) = (2.0 * w * vs[i]) * gr[0].row(i);
        else if (s == 0)
          g.row(i) = w * (2.0 * vs[3 * i] * gr[0].row(i) + vs[3 * i + 1] * gr[1].row(i));
        else
          g.row(i) = w * (2.0 * vs[3 * i + 2] * gr[1].row(i) + vs[3 * i + 1] * gr[0].row(i));
      }
    }
  }

  /// Vsub = φᵀB with B = a∘φ + Σk gk∘∂kφ (GGA): one spin's potential block on a batch, before
  /// the symmetrisation of scatter().
  void potential_block(const MatrixXd& phi, const MatrixXd* dphi, const VectorXd& a, const Eigen::MatrixX3d& g,
                       MatrixXd& B, MatrixXd& Vsub) const {
    B.noalias() = a.asDiagonal() * phi;
    if (func.gga)
      for (int k = 0; k < 3; ++k) B.noalias() += g.col(k).asDiagonal() * dphi[k];
    Vsub.noalias() = phi.transpose() * B;
  }

  /// V(fidx, fidx) += Vsub + Vsubᵀ.
  static void scatter(const MatrixXd& Vsub, const std::vector<int>& fidx, MatrixXd& V) {
    const int nf = static_cast<int>(fidx.size());
    for (int c = 0; c < nf; ++c)
      for (int r = 0; r < nf; ++r) V(fidx[r], fidx[c]) += Vsub(r, c) + Vsub(c, r);
  }

  /// The ground state's per-point quantities that kernel() needs, kept between calls with the
  /// same D0 (the Davidson iterations of one stability analysis evaluate them once): 23 doubles
  /// per grid point, indexed by the point's position in the grid.
  struct KernelPoints {
    std::array<MatrixXd, 2> D0;
    std::vector<char> batch_done;
    std::vector<double> grad;     // 6 per point: ∇ρα, ∇ρβ
    std::vector<double> vsigma;   // 3 per point: weighted ∂e/∂σ (αα, αβ, ββ)
    std::vector<double> f2r;      // 3 per point: ∂²e/∂ρ² (αα, αβ, ββ)
    std::vector<double> f2rs;     // 6 per point: (ρα|ρβ) × (σαα, σαβ, σββ)
    std::vector<double> f2s;      // 6 per point: σαα-σαα, σαα-σαβ, σαα-σββ, σαβ-σαβ, σαβ-σββ, σββ-σββ
  };
  mutable KernelPoints kernel_points;

  /// Points the cache at D0, emptying it unless it holds D0 already.
  void use_kernel_density(const std::array<MatrixXd, 2>& D0) const {
    auto& K = kernel_points;
    auto same = [](const MatrixXd& a, const MatrixXd& b) {  // (Eigen's == wants equal shapes)
      return a.rows() == b.rows() && a.cols() == b.cols() && a == b;
    };
    if (same(K.D0[0], D0[0]) && same(K.D0[1], D0[1])) return;
    const std::size_t n = grid.points.size();
    K.D0 = D0;
    K.batch_done.assign(grid.batches.size(), 0);
    K.f2r.assign(3 * n, 0.0);
    K.grad.assign(func.gga ? 6 * n : 0, 0.0);
    K.vsigma.assign(func.gga ? 3 * n : 0, 0.0);
    K.f2rs.assign(func.gga ? 6 * n : 0, 0.0);
    K.f2s.assign(func.gga ? 6 * n : 0, 0.0);
  }

  /// Fills the cache's points of batch b (np points, functions in ws) from the density D0.
  void kernel_batch_points(int b, int np, const std::vector<MatrixXd>& D0, const FuncList& funcs, Workspace& ws,
                           std::vector<double>& v2rho2, std::vector<double>& v2rhosigma,
                           std::vector<double>& v2sigma2) const {
    auto& K = kernel_points;
    density_and_xc(np, D0, funcs, ws);
    const std::size_t p0 = grid.batches[b].begin;
    const bool gga = func.gga;
    v2rho2.resize(3 * np), v2rhosigma.resize(6 * np), v2sigma2.resize(6 * np);
    for (std::size_t c = 0; c < funcs.size(); ++c) {
      const double w = func.components[c].second;
      if (is_lda(family_of(funcs[c]->f))) {
        xc_lda_fxc(&funcs[c]->f, np, ws.rin.data(), v2rho2.data());
      } else {
        xc_gga_fxc(&funcs[c]->f, np, ws.rin.data(), ws.sin.data(), v2rho2.data(), v2rhosigma.data(),
                   v2sigma2.data());
        for (int k = 0; k < 6 * np; ++k) K.f2rs[6 * p0 + k] += w * v2rhosigma[k], K.f2s[6 * p0 + k] += w * v2sigma2[k];
      }
      for (int k = 0; k < 3 * np; ++k) K.f2r[3 * p0 + k] += w * v2rho2[k];
    }
    if (gga)
      for (int i = 0; i < np; ++i) {
        for (int s = 0; s < 2; ++s)
          for (int x = 0; x < 3; ++x) K.grad[6 * (p0 + i) + 3 * s + x] = ws.grad[s](i, x);
        for (int x = 0; x < 3; ++x) K.vsigma[3 * (p0 + i) + x] = ws.evsigma[3 * i + x];
      }
    K.batch_done[b] = 1;
  }

  /// See XCIntegrator::kernel. Per point, with e(ρα, ρβ, σαα, σαβ, σββ) and libxc's second
  /// derivatives: δvρσ = Σ_τ e_ρσρτ δρτ + Σ_x e_ρσ σx δσx and δv_σx likewise, δσαα = 2∇ρα·δ∇ρα,
  /// δσαβ = ∇ρα·δ∇ρβ + ∇ρβ·δ∇ρα, δσββ = 2∇ρβ·δ∇ρβ; then δVα = ∫ δvρα φφ + gα·∇(φφ) with
  /// gα = 2δv_σαα ∇ρα + 2v_σαα δ∇ρα + δv_σαβ ∇ρβ + v_σαβ δ∇ρβ (β alike).
  std::vector<std::array<MatrixXd, 2>> kernel(const std::array<MatrixXd, 2>& D0,
                                              const std::vector<std::array<MatrixXd, 2>>& dD, int beta_sign) const {
    if (!polarized) throw std::logic_error("XC kernel: needs a polarised integrator");
    if (func.meta) throw InputError("the XC kernel of meta-GGA functionals (" + func.name + ") is not available");
    const int nbf = basis.nbf, nk = static_cast<int>(dD.size());
    const int nb = static_cast<int>(grid.batches.size());
    std::vector<std::vector<std::array<MatrixXd, 2>>> out_t(nthreads);
    const std::vector<MatrixXd> D0v{D0[0], D0[1]};
    for (const auto& f : make_funcs())
      if (!(f->f.info->flags & XC_FLAGS_HAVE_FXC))
        throw InputError("libxc has no second derivatives for a component of " + func.name);
    use_kernel_density(D0);
    const KernelPoints& K = kernel_points;
#pragma omp parallel num_threads(nthreads)
    {
      auto& out = out_t[omp_get_thread_num()];
      out.assign(nk, {MatrixXd::Zero(nbf, nbf), MatrixXd::Zero(nbf, nbf)});
      const FuncList funcs = make_funcs();
      Workspace ws;
      std::vector<double> v2rho2, v2rhosigma, v2sigma2;
      MatrixXd Dsub, Xd, B, Vsub;
      VectorXd drho[2], a(0);
      Eigen::MatrixX3d dgrad[2], g;
#pragma omp for schedule(dynamic)
      for (int b = 0; b < nb; ++b) {
        const int np = batch_functions(b, ws, false);
        if (np == 0) continue;
        if (!K.batch_done[b]) kernel_batch_points(b, np, D0v, funcs, ws, v2rho2, v2rhosigma, v2sigma2);
        const auto& bt = grid.batches[b];
        const std::size_t p0 = bt.begin;
        const MatrixXd& phi = *ws.phi_p;
        const MatrixXd* dphi = ws.dphi_p;
        const auto& fidx = ws.fidx;
        const int nf = static_cast<int>(fidx.size());
        const bool gga = func.gga;
        for (int k = 0; k < nk; ++k) {
          for (int s = 0; s < 2; ++s) {  // δρσ and δ∇ρσ on the batch
            if (s == 1 && beta_sign != 0) {
              drho[1] = beta_sign * drho[0];
              if (gga) dgrad[1] = beta_sign * dgrad[0];
              break;
            }
            Dsub.resize(nf, nf);
            for (int c = 0; c < nf; ++c)
              for (int r = 0; r < nf; ++r) Dsub(r, c) = dD[k][s](fidx[r], fidx[c]);
            Xd.noalias() = phi * Dsub;
            drho[s] = Xd.cwiseProduct(phi).rowwise().sum();
            if (gga) {
              dgrad[s].resize(np, 3);
              for (int x = 0; x < 3; ++x) dgrad[s].col(x) = 2.0 * Xd.cwiseProduct(dphi[x]).rowwise().sum();
            }
          }
          for (int s = 0; s < (beta_sign != 0 ? 1 : 2); ++s) {
            a.resize(np);
            g.resize(np, 3);
            for (int i = 0; i < np; ++i) {
              const std::size_t p = p0 + i;
              const double w = grid.weights[p];
              const double* r2 = &K.f2r[3 * p];  // αα, αβ, ββ
              double dv = s == 0 ? r2[0] * drho[0](i) + r2[1] * drho[1](i) : r2[1] * drho[0](i) + r2[2] * drho[1](i);
              if (gga) {
                const Eigen::Map<const Eigen::RowVector3d> ga(&K.grad[6 * p]), gb(&K.grad[6 * p + 3]);
                const Eigen::RowVector3d da = dgrad[0].row(i), db = dgrad[1].row(i);
                const double ds[3] = {2.0 * ga.dot(da), ga.dot(db) + gb.dot(da), 2.0 * gb.dot(db)};
                const double* rs = &K.f2rs[6 * p];  // (ρα|ρβ) × (σαα, σαβ, σββ)
                const double* ss = &K.f2s[6 * p];   // σαα-σαα, σαα-σαβ, σαα-σββ, σαβ-σαβ, σαβ-σββ, σββ-σββ
                for (int x = 0; x < 3; ++x) dv += rs[3 * s + x] * ds[x];
                // δv_σx for x = αα, αβ, ββ.
                auto sig2 = [&](int x, int y) {
                  static constexpr int idx[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
                  return ss[idx[x][y]];
                };
                double dvs[3];
                for (int x = 0; x < 3; ++x) {
                  dvs[x] = rs[x] * drho[0](i) + rs[3 + x] * drho[1](i);
                  for (int y = 0; y < 3; ++y) dvs[x] += sig2(x, y) * ds[y];
                }
                const double* vs = &K.vsigma[3 * p];
                if (s == 0)
                  g.row(i) = w * (2.0 * dvs[0] * ga + 2.0 * vs[0] * da + dvs[1] * gb + vs[1] * db);
                else
                  g.row(i) = w * (2.0 * dvs[2] * gb + 2.0 * vs[2] * db + dvs[1] * ga + vs[1] * da);
              }
              a(i) = 0.5 * w * dv;
            }
            potential_block(phi, dphi, a, g, B, Vsub);
            scatter(Vsub, fidx, out[k][s]);
          }
        }
      }
    }
    std::vector<std::array<MatrixXd, 2>> res(nk, {MatrixXd::Zero(nbf, nbf), MatrixXd::Zero(nbf, nbf)});
    for (const auto& t : out_t)
      for (int k = 0; k < nk && k < static_cast<int>(t.size()); ++k)
        for (int s = 0; s < 2; ++s) res[k][s] += t[k][s];
    return res;
  }

  MatrixXd gradient(const std::vector<MatrixXd>& D) const {
    if (func.meta) throw InputError("XC gradient: meta-GGA functionals are not differentiated");
    const int ns = polarized ? 2 : 1;
    const std::vector<int> atom_of = basis.function_atoms();
    std::vector<MatrixXd> gt(nthreads, MatrixXd::Zero(natoms, 3));
    const int nb = static_cast<int>(grid.batches.size());
    static constexpr int hess[3][3] = {{0, 1, 2}, {1, 3, 4}, {2, 4, 5}};
#pragma omp parallel num_threads(nthreads)
    {
      MatrixXd& g = gt[omp_get_thread_num()];
      const FuncList funcs = make_funcs();
      Workspace ws;
      MatrixXd M, Hg;
      Eigen::RowVectorXd v;
#pragma omp for schedule(dynamic)
      for (int b = 0; b < nb; ++b) {
        const int np = evaluate_batch(b, D, funcs, ws, true);
        if (np == 0) continue;
        const auto& bt = grid.batches[b];
        const MatrixXd* dphi = ws.dphi_p;
        for (int s = 0; s < ns; ++s) {
          // dE/dR_A,k = −2 Σ_{μ∈A} Σ_i [∂kφμ (a Xμ + Zμ) + (Σj gj ∂k∂jφμ) Xμ], X = φ D, Z = (Σj gj ∂jφ) D:
          // the basis functions on A move, ρ = Σ D φφ and ∇ρ change with them.
          potential_coefficients(ws, bt, np, s, 1.0, ws.a, ws.g);
          const MatrixXd& X = ws.Xs[s];
          M.noalias() = ws.a.asDiagonal() * X;
          if (func.gga) {
            ws.B.noalias() = ws.g.col(0).asDiagonal() * dphi[0];
            for (int j = 1; j < 3; ++j) ws.B.noalias() += ws.g.col(j).asDiagonal() * dphi[j];
            M.noalias() += ws.B * ws.Dsub[s];
          }
          for (int k = 0; k < 3; ++k) {
            v = dphi[k].cwiseProduct(M).colwise().sum();
            if (func.gga) {
              Hg.noalias() = ws.g.col(0).asDiagonal() * ws.d2phi[hess[k][0]];
              for (int j = 1; j < 3; ++j) Hg.noalias() += ws.g.col(j).asDiagonal() * ws.d2phi[hess[k][j]];
              v += Hg.cwiseProduct(X).colwise().sum();
            }
            for (std::size_t mu = 0; mu < ws.fidx.size(); ++mu) g(atom_of[ws.fidx[mu]], k) -= 2.0 * v(mu);
          }
        }
      }
    }
    MatrixXd total = MatrixXd::Zero(natoms, 3);
    for (const auto& t : gt) total += t;
    return total;
  }

  XCResult compute(const std::vector<MatrixXd>& D) const {
    const int ns = polarized ? 2 : 1;
    const int nbf = basis.nbf;
    XCResult res;
    std::vector<std::vector<MatrixXd>> Vt(nthreads);
    std::vector<double> exc_t(nthreads, 0.0), nel_t(nthreads, 0.0);
    const int nb = static_cast<int>(grid.batches.size());
#pragma omp parallel num_threads(nthreads)
    {
      const int tid = omp_get_thread_num();
      auto& V = Vt[tid];
      V.assign(ns, MatrixXd::Zero(nbf, nbf));
      const FuncList funcs = make_funcs();
      Workspace ws;
#pragma omp for schedule(dynamic)
      for (int b = 0; b < nb; ++b) {
        const int np = evaluate_batch(b, D, funcs, ws, false);
        if (np == 0) continue;
        const auto& bt = grid.batches[b];
        const MatrixXd& phi = *ws.phi_p;
        const MatrixXd* dphi = ws.dphi_p;
        const auto& fidx = ws.fidx;
        // Energy, electron count, and B so that V = φᵀB + Bᵀφ.
        for (int i = 0; i < np; ++i) {
          const double w = grid.weights[bt.begin + i];
          double rt = 0.0;
          for (int s = 0; s < ns; ++s) rt += ws.rin[i * ns + s];
          exc_t[tid] += w * rt * ws.ezk[i];
          nel_t[tid] += w * rt;
        }
        for (int s = 0; s < ns; ++s) {
          // Per-point coefficients, then B column-wise: B = a∘φ + Σk gk∘∂kφ.
          potential_coefficients(ws, bt, np, s, 0.5, ws.a, ws.g);
          potential_block(phi, dphi, ws.a, ws.g, ws.B, ws.Vsub);
          if (func.meta) {  // ∂E/∂Dμν from τ: ½ vτ ∇φμ·∇φν, split in halves like the rest
            ws.wv.resize(np);
            for (int i = 0; i < np; ++i) ws.wv(i) = 0.25 * grid.weights[bt.begin + i] * ws.evtau[i * ns + s];
            for (int k = 0; k < 3; ++k) {
              ws.B.noalias() = ws.wv.asDiagonal() * dphi[k];
              ws.Vsub.noalias() += dphi[k].transpose() * ws.B;
            }
          }
          scatter(ws.Vsub, fidx, V[s]);
        }
      }
    }
    res.V.assign(ns, MatrixXd::Zero(nbf, nbf));
    for (int t = 0; t < nthreads; ++t) {
      res.energy += exc_t[t];
      res.electrons += nel_t[t];
      if (!Vt[t].empty())
        for (int s = 0; s < ns; ++s) res.V[s] += Vt[t][s];
    }
    return res;
  }
};

std::vector<std::array<MatrixXd, 2>> XCIntegrator::kernel(const std::array<MatrixXd, 2>& D0,
                                                         const std::vector<std::array<MatrixXd, 2>>& dD,
                                                         int beta_sign) const {
  return impl_->kernel(D0, dD, beta_sign);
}

XCIntegrator::XCIntegrator(const BasisSet& basis, const molecules::Molecule& mol, const Functional& f,
                           const GridSpec& grid, bool polarized, int threads)
    : impl_(std::make_unique<Impl>(basis, mol, f, grid, polarized, threads)) {}
XCIntegrator::~XCIntegrator() = default;
XCResult XCIntegrator::compute(const std::vector<MatrixXd>& D) const { return impl_->compute(D); }
MatrixXd XCIntegrator::gradient(const std::vector<MatrixXd>& D) const { return impl_->gradient(D); }
std::size_t XCIntegrator::n_points() const { return impl_->grid.points.size(); }

MatrixXd basis_values(const BasisSet& basis, const std::vector<std::array<double, 3>>& points) {
  const auto shells = detail::to_libint(basis);
  std::vector<double> extent;
  for (const auto& sh : shells) extent.push_back(shell_extent(sh, tolerance::shell_extent_values));
  const int np = static_cast<int>(points.size());
  MatrixXd phi = MatrixXd::Zero(np, basis.nbf);
  constexpr int chunk = 256;
#pragma omp parallel for schedule(dynamic)
  for (int b = 0; b < (np + chunk - 1) / chunk; ++b) {
    const int i0 = b * chunk, n = std::min(chunk, np - i0);
    Eigen::ArrayXd px(n), py(n), pz(n);
    for (int i = 0; i < n; ++i) px(i) = points[i0 + i][0], py(i) = points[i0 + i][1], pz(i) = points[i0 + i][2];
    // Shells whose extent (tolerance::shell_extent_values) does not reach the chunk's bounding sphere stay zero.
    const std::array<double, 3> c{0.5 * (px.minCoeff() + px.maxCoeff()), 0.5 * (py.minCoeff() + py.maxCoeff()),
                                  0.5 * (pz.minCoeff() + pz.maxCoeff())};
    const double radius = std::sqrt(((px - c[0]).square() + (py - c[1]).square() + (pz - c[2]).square()).maxCoeff());
    std::vector<int> list;
    for (std::size_t s = 0; s < shells.size(); ++s)
      if (std::hypot(shells[s].O[0] - c[0], shells[s].O[1] - c[1], shells[s].O[2] - c[2]) - radius < extent[s])
        list.push_back(static_cast<int>(s));
    MatrixXd part;
    shell_values(shells, list, px, py, pz, part, nullptr);
    int col = 0;
    for (int s : list) {
      const int w = static_cast<int>(shells[s].size());
      phi.block(i0, basis.offsets[s], n, w) = part.middleCols(col, w);
      col += w;
    }
  }
  return phi;
}

}  // namespace cagescreen::scf
