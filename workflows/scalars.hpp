#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "descriptors/descriptor_set.hpp"
#include "scf/wavefunction.hpp"

namespace cagescreen::workflows {

struct Preoptimization;

/// A scalar descriptor of one finished candidate: its name is the results-store column, the CSV
/// header and the name a ranking criterion uses.
struct ScalarDescriptor {
  const char* name;
  const char* unit;
  const char* description;
};

/// Every scalar the campaign store keeps in its own column, in column order.
const std::vector<ScalarDescriptor>& scalar_descriptors();

/// The scalar descriptor named `name`, or nullptr.
const ScalarDescriptor* find_scalar(const std::string& name);

/// The scalar descriptors of a finished run (in scalar_descriptors() order and units), computed
/// from its values: a value the run did not compute (no surface analysis, no LUMO, a descriptor
/// not requested) is empty. `cagescreen run` writes them to extras.cagescreen.scalars.
std::vector<std::optional<double>> scalar_values(const scf::Wavefunction& wfn, const descriptors::DescriptorSet& d,
                                                 const Preoptimization* preoptimization);

/// Reads the scalar descriptors (in scalar_descriptors() order) from extras.cagescreen.scalars of a
/// QCSchema AtomicResult written by `cagescreen run`; a missing or null value is empty.
std::vector<std::optional<double>> extract_scalars(const nlohmann::json& result);

}  // namespace cagescreen::workflows
