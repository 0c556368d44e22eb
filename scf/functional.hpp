#pragma once
#include <string>
#include <utility>
#include <vector>

namespace cagescreen::scf {

/// An exchange-correlation model: libxc components with weights plus the fraction of exact
/// (Hartree–Fock) exchange taken from libxc. "hf" has no components and exact exchange 1.
struct Functional {
  std::string name;                            ///< as the user typed it, lower case
  std::vector<std::pair<int, double>> components;  ///< libxc functional ids and weights
  double exact_exchange = 0.0;                 ///< fraction of full-range K in the Fock matrix
  double omega = 0.0;                          ///< range separation ω (1/Bohr); 0 for global hybrids
  double long_range_exchange = 0.0;            ///< extra fraction of long-range K_erf(ω)
  bool gga = false;                            ///< needs density gradients (GGA and meta-GGA)
  bool meta = false;                           ///< needs the kinetic-energy density τ

  bool is_hf() const { return components.empty(); }

  /// Resolves a user name (hf, svwn, blyp, pbe, b3lyp, ..., or libxc:NAME / libxc:NUMBER).
  /// Throws InputError listing close matches for unknown names, and for functionals this
  /// version cannot evaluate (Laplacian-dependent meta-GGAs, Yukawa range separation, VV10).
  static Functional from_name(const std::string& name);
  /// Hartree–Fock: no libxc components, exact exchange 1.
  static Functional hf();
  /// Names accepted by from_name, for `cagescreen functionals`, with one-line descriptions.
  static std::vector<std::pair<std::string, std::string>> builtin();
};

}  // namespace cagescreen::scf
