#pragma once
// SCF stability analysis: is a converged SCF state a minimum of the energy over orbital rotations,
// or a saddle point with a lower state nearby? The lowest eigenvalues of the real orbital Hessian
// (A + B) by Davidson's method, with Fock builds of trial densities as the only expensive step
// (the SCF's own J/K builders: four-index or density-fitted, and the continuum solvent's response),
// and following: rotate the orbitals along a negative mode and reconverge, until stable (bounded).
//
// The blocks (Seeger and Pople, J. Chem. Phys. 66, 3045 (1977); Bauernschmitt and Ahlrichs,
// J. Chem. Phys. 104, 9047 (1996)), in spatial orbitals i, j occupied and a, b virtual:
//   RHF->RHF (internal, singlet):  (ε_a − ε_i) δ_ij δ_ab + 4 (ia|jb) − (ib|ja) − (ij|ab)
//   RHF->UHF (external, triplet):  (ε_a − ε_i) δ_ij δ_ab − (ib|ja) − (ij|ab)
//   UHF->UHF (internal):           (ε_a − ε_i) δ_ij δ_ab + 2 (ia|jb) − δ_στ [(ib|ja) + (ij|ab)]
//                                  (i, a of spin σ; j, b of spin τ)
// with exact exchange scaled by the functional's fraction (and the long-range part of
// range-separated hybrids). A real rotation of unit length x changes the energy by
// ½ d²E/dθ² θ² with d²E/dθ² = 2 xᵀ(A + B)x for UHF and 4 xᵀ(A + B)x for RHF (both spins turn).
#include <string>

#include "scf/scf.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::scf {

struct StabilitySettings {
  StabilityMode mode = StabilityMode::Check;
  /// Lowest eigenvalues computed per block: the lowest decides stability (Davidson starts from
  /// four guesses anyway, so near-degenerate lowest roots are found).
  int roots = 1;
  /// Davidson converges when every root's residual norm r is below this; the eigenvalue is then
  /// within about r² / (gap to the next one), 1e-7 Eh or better for gaps above 0.1 Eh.
  double residual = 1e-4;
  /// An eigenvalue below this (Hartree) is an instability. Slightly negative rather than 0: a
  /// state converged to d_convergence has Hessian eigenvalues uncertain by about that much.
  double threshold = -1e-5;
  /// Stop a block's Davidson as soon as the sign of its lowest eigenvalue is certain: the lowest
  /// Ritz value, an upper bound of the lowest eigenvalue, below `threshold` (unstable), or
  /// Temple's lower bound θ₁ − ‖r₁‖² / (θ₂ − θ₁) above zero (stable). The eigenvalue is then
  /// reported as found (its residual too). Off: converge to `residual`.
  bool stop_when_decided = true;
  int max_iterations = 60;    ///< Davidson iterations per block
  int max_follow = 5;         ///< rotations and reconvergences before giving up
  double step = 0.5;          ///< rotation angle (rad, along the unit eigenvector) of a follow
};

/// The lowest eigenpairs of one Hessian block. A vector holds x (virtual × occupied, column-major)
/// of the α spin, then for UHF->UHF that of the β spin; unit length.
struct HessianEigenpairs {
  std::string kind;  ///< "RHF->RHF", "RHF->UHF" or "UHF->UHF"
  Eigen::VectorXd values;
  Eigen::MatrixXd vectors;
  bool converged = false;
  Eigen::VectorXd residuals;  ///< residual norm of each root
};

/// Throws InputError unless the settings are usable (roots 1–20, residual in (0, 1e-2], ...).
void check_stability_settings(const StabilitySettings& st);

/// The lowest eigenvalues of every Hessian block of a converged wavefunction (RHF: RHF->RHF and
/// RHF->UHF; UHF: UHF->UHF), with the integrals `settings` gives (the SCF's own). Throws
/// InputError for Kohn–Sham wavefunctions (the XC kernel is not part of the response yet).
StabilityRecord analyse_stability(const Wavefunction& wfn, const ScfSettings& settings,
                                  const StabilitySettings& st);

/// The eigenpairs behind analyse_stability, every block of the wavefunction's reference;
/// `products` and `builds` (if given) count the trial vectors and J/K builds spent.
std::vector<HessianEigenpairs> orbital_hessian_eigenpairs(const Wavefunction& wfn, const ScfSettings& settings,
                                                          const StabilitySettings& st, int* products = nullptr,
                                                          int* builds = nullptr);

/// Checks `wfn` (mode Check) or follows every instability to a lower state (mode Follow): the
/// orbitals turned by `st.step` along the lowest negative mode (an RHF->UHF one makes the state
/// UHF), reconverged with `settings`, checked again, at most `st.max_follow` times. Returns the
/// final state with its StabilityRecord. In a continuum solvent the reconvergence is solvated and
/// the gas-phase record is kept. Mode Off returns wfn unchanged.
Wavefunction stabilise(Wavefunction wfn, const ScfSettings& settings, const StabilitySettings& st);

/// Occupied orbitals after the rotation exp(κ) with κ_ai = θ x_ai (x: virtual × occupied,
/// orbital coefficients C nbf × nmo with the first `nocc` occupied), exact for any θ.
Eigen::MatrixXd rotate_occupied(const Eigen::MatrixXd& C, int nocc, const Eigen::MatrixXd& x, double theta);

}  // namespace cagescreen::scf
