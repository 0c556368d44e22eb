#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "descriptors/descriptor_set.hpp"
#include "scf/scf.hpp"
#include "workflows/optimization.hpp"

namespace cagescreen::workflows {

/// Provenance and settings recorded alongside a result.
struct RunInfo {
  std::string routine = "cagescreen run";
  int threads = 1;
  scf::ScfSettings settings;
  double wall_seconds = 0.0;
  double peak_memory_mib = 0.0;  ///< peak resident memory of the process (getrusage)
  const Preoptimization* preoptimization = nullptr;  ///< when the geometry was pre-optimised
  const ScfOptimization* optimization = nullptr;     ///< when it was optimised at the SCF level
};

/// QCSchema molecule (schema_version 2): symbols, geometry (Bohr, flat), charge, multiplicity.
nlohmann::json qcschema_molecule(const molecules::Molecule& mol);

/// QCSchema basis (qcschema_basis, schema_version 1) for the wavefunction section.
nlohmann::json qcschema_basis(const scf::BasisSet& basis, const molecules::Molecule& mol);

/// QCSchema AtomicResult (schema_name qcschema_output, schema_version 1) of an SCF energy;
/// cagescreen's own values under extras.cagescreen: the descriptors `d` (those its request
/// selected) and the campaign's scalar descriptors (extras.cagescreen.scalars). See docs/output.md.
nlohmann::json atomic_result(const scf::Wavefunction& wfn, const descriptors::DescriptorSet& d, const RunInfo& info);

/// QCSchema-style failure record: success false, error.error_type and error.error_message.
nlohmann::json failed_result(const std::string& error_type, const std::string& message,
                             const nlohmann::json& input_molecule = nullptr);

/// Release version "0.1.0": results stores and input hashes are tied to it.
std::string program_version();

/// Program version "0.1.0 (git abc1234)".
std::string version_string();

}  // namespace cagescreen::workflows
