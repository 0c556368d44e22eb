#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "descriptors/surface.hpp"
#include "scf/scf.hpp"

namespace cagescreen::workflows {

/// Which descriptors a run reports (`--descriptors`): charges (Mulliken, Löwdin), frontier
/// (HOMO/LUMO and conceptual DFT), dipole (and quadrupole), surface (ESP on the ρ = 0.001 surface),
/// hirshfeld (charges from free atoms at the same level), chelpg (ESP-fitted charges).
struct DescriptorSelection {
  bool charges = true, frontier = true, dipole = true, surface = false, hirshfeld = false, chelpg = false;
};
/// Parses "all" or a comma-separated list of charges, frontier, dipole, surface, hirshfeld, chelpg.
/// Throws InputError.
DescriptorSelection parse_descriptors(const std::string& text);

/// Provenance and settings recorded alongside a result.
/// A GFN2-xTB pre-optimisation that ran before the SCF (run --preopt xtb).
struct Preoptimization {
  double energy = 0.0;  ///< GFN2-xTB energy at the final geometry, Eh
  double gap_ev = 0.0;  ///< GFN2-xTB HOMO-LUMO gap, eV
  int steps = 0;
  bool converged = false;
  bool bonds_changed = false;  ///< the bond graph (covalent radii) differs from the input's
};

/// An HF/DFT geometry optimisation that ran before the final SCF (run --preopt dft or xtb+dft).
struct ScfOptimization {
  std::string method, basis;
  double energy = 0.0;  ///< at the final geometry, Eh (four-index integrals)
  int steps = 0;
  int evaluations = 0;  ///< energy + gradient calls
  int scf_iterations = 0;
  double seconds = 0.0;
  bool converged = false;
};

struct RunInfo {
  std::string routine = "cagescreen run";
  int threads = 1;
  scf::ScfSettings settings;
  double wall_seconds = 0.0;
  double peak_memory_mib = 0.0;  ///< peak resident memory of the process (getrusage)
  DescriptorSelection descriptors;
  const descriptors::EspSurface* surface = nullptr;  ///< when the surface analysis ran
  descriptors::SurfaceSettings surface_settings;
  const std::vector<double>* hirshfeld = nullptr;  ///< Hirshfeld charges when computed
  const std::vector<double>* chelpg = nullptr;     ///< CHELPG charges when computed
  const Preoptimization* preoptimization = nullptr;  ///< when the geometry was pre-optimised
  const ScfOptimization* optimization = nullptr;     ///< when it was optimised at the SCF level
};

/// QCSchema molecule (schema_version 2): symbols, geometry (Bohr, flat), charge, multiplicity.
nlohmann::json qcschema_molecule(const molecules::Molecule& mol);

/// QCSchema basis (qcschema_basis, schema_version 1) for the wavefunction section.
nlohmann::json qcschema_basis(const scf::BasisSet& basis, const molecules::Molecule& mol);

/// QCSchema AtomicResult (schema_name qcschema_output, schema_version 1) of an SCF energy;
/// cagescreen's own values under extras.cagescreen (descriptors as selected in `info`). See docs/output.md.
nlohmann::json atomic_result(const scf::Wavefunction& wfn, const RunInfo& info);

/// QCSchema-style failure record: success false, error.error_type and error.error_message.
nlohmann::json failed_result(const std::string& error_type, const std::string& message,
                             const nlohmann::json& input_molecule = nullptr);

/// Release version "0.1.0": results stores and input hashes are tied to it.
std::string program_version();

/// Program version "0.1.0 (git abc1234)".
std::string version_string();

}  // namespace cagescreen::workflows
