#pragma once
// Continuum solvation inside the SCF: C-PCM (and COSMO's scaling) on a smooth cavity, and the
// SMD model's radii and non-electrostatic (CDS) term.
//
// The cavity is the union of atom-centred spheres, discretised by Lebedev points whose charges
// are Gaussians (the switching/Gaussian "SWIG" scheme of Lange & Herbert, J. Chem. Phys. 133,
// 244111 (2010), after York & Karplus, J. Phys. Chem. A 103, 11060 (1999)):
//
//   point i on sphere I (radius R_I, Lebedev weight w_i, Σw = 4π):  s_i = R_I + R_I û_i
//   Gaussian exponent   ζ_i = ξ(N) / (R_I √w_i)      (ξ(N) optimised per Lebedev size N)
//   switching           F_i = Π_{J≠I} {1 − ½[erf(ζ_i(R_J − r_iJ)) + erf(ζ_i(R_J + r_iJ))]}
//   area                a_i = w_i R_I² F_i
//   A_ij = erf(ζ_ij r_ij) / r_ij,  ζ_ij = ζ_iζ_j/√(ζ_i² + ζ_j²);   A_ii = ζ_i √(2/π) / F_i
//
// Points whose switching falls below 1e-8 are dropped. The surface charges solve
// A q = −f(ε) V with V the solute's potential (nuclei and electrons) at the points and
// f(ε) = (ε − 1)/ε (C-PCM) or (ε − 1)/(ε + ½) (COSMO); the polarisation energy ½ qᵀV enters
// the SCF energy and the charges' potential the Fock matrix.
#include <Eigen/Dense>
#include <array>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::scf {

enum class SolvationModel {
  None,   ///< gas phase
  CPCM,   ///< conductor-like PCM, f(ε) = (ε − 1)/ε, 1.2 × Bondi radii
  COSMO,  ///< as CPCM with Klamt's f(ε) = (ε − 1)/(ε + ½)
  SMD,    ///< SMD: C-PCM electrostatics on SMD's radii plus the CDS term
};
std::string to_string(SolvationModel m);  ///< none, cpcm, cosmo, smd
SolvationModel parse_solvation_model(const std::string& text);  ///< InputError when unknown

/// A solvent's SMD descriptors (Minnesota Solvent Descriptor Database, data/solvents/mnsol.tsv).
struct Solvent {
  std::string name;        ///< "water", "1-octanol", or "custom"
  std::string short_name;  ///< database short name ("h2o", "octanol")
  double epsilon = 0.0;    ///< static dielectric constant
  double n = 0.0;          ///< refractive index
  double alpha = 0.0;      ///< Abraham hydrogen-bond acidity
  double beta = 0.0;       ///< Abraham hydrogen-bond basicity
  double gamma = 0.0;      ///< macroscopic surface tension, cal/(mol Å²)
  double phi = 0.0;        ///< fraction of non-hydrogen atoms that are aromatic carbon
  double psi = 0.0;        ///< fraction of non-hydrogen atoms that are F, Cl or Br
};

/// Every tabulated solvent, in the table's order. Throws InputError if the table is unreadable.
const std::vector<Solvent>& solvents();
/// The solvent named `name` (long or short name, case-insensitive); InputError naming the close
/// names when unknown.
const Solvent& find_solvent(const std::string& name);

/// A tabulated solvent by name (find_solvent), or a generic one given by its SMD descriptors as
/// "eps=E,n=N,alpha=A,beta=B,gamma=G,phi=F,psi=P" (all seven, any order; named "custom").
/// InputError naming the bad descriptor.
Solvent solvent_from_text(const std::string& text);

/// How the solvent enters the SCF. Every field has a default; model None is the gas phase.
struct SolvationSettings {
  SolvationModel model = SolvationModel::None;
  Solvent solvent;              ///< descriptors (epsilon is what the electrostatics use)
  int points_per_sphere = 194;  ///< Lebedev points per atomic sphere
  /// Radii, Å, per atom (empty: the model's defaults, see cavity_radii).
  std::vector<double> radii;
  bool enabled() const { return model != SolvationModel::None; }
};

/// f(ε) of the model: (ε − 1)/ε, or (ε − 1)/(ε + ½) for COSMO.
double dielectric_factor(const SolvationSettings& s);

/// Cavity radii (Bohr) per atom: settings.radii if given, else 1.2 × the element's van der Waals
/// radius (Bondi; Mantina for B and other main-group elements Bondi lacks) for C-PCM and COSMO,
/// SMD's intrinsic Coulomb radii (Marenich et al. 2009, Table 3; Mantina's radii elsewhere) for SMD.
std::vector<double> cavity_radii(const molecules::Molecule& mol, const SolvationSettings& s);

/// The discretised smooth cavity (see the file comment). Bohr throughout.
struct Cavity {
  std::vector<std::array<double, 3>> points;
  std::vector<std::array<double, 3>> normals;  ///< outward unit normals
  Eigen::VectorXd area;       ///< switched areas a_i, Bohr²
  Eigen::VectorXd zeta;       ///< Gaussian exponents ζ_i, 1/Bohr
  Eigen::VectorXd switching;  ///< F_i
  std::vector<int> atom;      ///< sphere each point lies on
  double total_area() const { return area.sum(); }
  double volume = 0.0;        ///< enclosed volume (divergence theorem over the points), Bohr³
};

/// Throws InputError unless cavities can be built with `n` Lebedev points per sphere.
void check_solvation_points(int n);
/// ξ(N), the Gaussian width factor of a Lebedev grid of `n` points (ζ = ξ / (R √w)); checks n.
double lebedev_gaussian_width(int n);

/// Builds the cavity of spheres of `radii` (Bohr) with `points_per_sphere` Lebedev points.
/// Throws InputError for a Lebedev size without an optimised Gaussian width, or when no point
/// of the surface is exposed.
Cavity build_cavity(const molecules::Molecule& mol, const std::vector<double>& radii, int points_per_sphere);

/// The C-PCM response of a cavity: A factorised once per geometry, then q = −f(ε) A⁻¹ V.
class ContinuumSolver {
 public:
  ContinuumSolver(Cavity cavity, double dielectric_factor);
  const Cavity& cavity() const { return cavity_; }
  double factor() const { return f_; }
  /// Surface charges for the potential V at the cavity points.
  Eigen::VectorXd charges(const Eigen::VectorXd& V) const;

 private:
  Cavity cavity_;
  double f_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
};

}  // namespace cagescreen::scf
