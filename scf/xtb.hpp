#pragma once
#include <stdexcept>
// GFN2-xTB energies and gradients through libxtb's C API (Debian libxtb-dev, xtb 6.5.1): the cheap
// pre-optimisation of screening workflows (Bannwarth, Ehlert, Grimme, JCTC 15, 1652 (2019)).
#include <Eigen/Dense>
#include <memory>
#include <string>

#include "molecules/error.hpp"
#include "molecules/molecule.hpp"

namespace cagescreen::scf {

using cagescreen::XtbFailed;  ///< (molecules/error.hpp)

/// One GFN2-xTB single point, atomic units.
struct XtbResult {
  double energy = 0.0;        ///< total energy, Eh
  Eigen::MatrixXd gradient;   ///< dE/dR, (natoms × 3), Eh/Bohr
  double homo = 0.0;          ///< highest occupied orbital energy, Eh (occupation > 0.5 per spin pair)
  double lumo = 0.0;          ///< lowest unoccupied orbital energy, Eh
  Eigen::VectorXd charges;    ///< atomic partial charges, e
  Eigen::Vector3d dipole;     ///< e·Bohr
  double gap() const { return lumo - homo; }
};

/// Settings of the GFN2-xTB calculator (xtb's defaults).
struct XtbSettings {
  double accuracy = 1.0;                ///< xtb --acc
  double electronic_temperature = 300;  ///< K (Fermi smearing)
  int max_iterations = 250;
};

/// A GFN2-xTB calculator for one molecule (elements, charge, spin fixed); positions may change
/// between calls. Throws InputError for pseudo-atoms and for elements or charges xtb refuses, and
/// std::runtime_error (xtb's own message) when its SCC does not converge.
class Gfn2Xtb {
 public:
  explicit Gfn2Xtb(const molecules::Molecule& mol, XtbSettings settings = {});
  ~Gfn2Xtb();
  Gfn2Xtb(const Gfn2Xtb&) = delete;
  Gfn2Xtb& operator=(const Gfn2Xtb&) = delete;

  /// Energy and gradient at the positions of `mol` (same atoms as at construction).
  XtbResult compute(const molecules::Molecule& mol);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The xtb library version, e.g. "6.5.1" (from its API version when the library does not say).
std::string xtb_version();

}  // namespace cagescreen::scf
