#pragma once
// SMD's non-electrostatic term: cavity, dispersion and solvent structure (CDS), after Marenich,
// Cramer & Truhlar, J. Phys. Chem. B 113, 6378 (2009), eqs 3-8 and Tables 4-5.
//
//   G_CDS = Σ_k A_k (σ_k + σ_M)
//
// A_k: atom k's solvent-accessible surface area, on spheres of the van der Waals radius (Bondi's
// for H, Mantina et al.'s otherwise) plus the solvent radius 0.4 Å. σ_k: atomic surface tension,
// an element term plus terms that switch on with bonded neighbours through
// T(R) = exp(ΔR / (R − R̄ − ΔR)) for R < R̄ + ΔR, 0 beyond. σ_M: the molecular surface tension
// from the solvent's γ, φ, ψ (zero for water, which has its own atomic tensions).
//
// The SASA here is numerical: Lebedev points on every sphere, each weighted by a smooth
// product of erfc switching functions of the other spheres (the cavity's scheme, see
// solvation.hpp), so the area and its gradient are smooth functions of the geometry; with the
// default 1202 points per sphere it is within 0.2% of the exact area of the union of spheres.
#include <Eigen/Dense>
#include <vector>

#include "molecules/molecule.hpp"
#include "scf/solvation.hpp"

namespace cagescreen::scf {

/// G_CDS of a molecule in a solvent. Energies in Hartree, areas in Bohr², gradient Eh/Bohr.
struct CdsTerm {
  double energy = 0.0;
  double area = 0.0;                    ///< total solvent-accessible surface area
  std::vector<double> atom_area;        ///< per atom
  std::vector<double> surface_tension;  ///< σ_k + σ_M per atom, cal/(mol Å²)
  Eigen::MatrixXd gradient;             ///< natoms × 3, filled when asked for
};

/// SASA radius (van der Waals + 0.4 Å), Bohr, of element Z; InputError when Z has none.
double smd_sasa_radius(int Z);

/// The CDS term of `mol` in `solvent` (water uses SMD's aqueous tensions, every other solvent
/// the descriptor-based ones). `points_per_sphere` must be a Lebedev size (check_solvation_points).
CdsTerm smd_cds(const molecules::Molecule& mol, const Solvent& solvent, bool with_gradient = false,
                int points_per_sphere = 1202);

}  // namespace cagescreen::scf
