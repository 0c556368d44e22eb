#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace cagescreen::workflows {

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

/// Extracts the scalar descriptors (in scalar_descriptors() order) from a QCSchema AtomicResult
/// written by `cagescreen run`; a value the result does not hold (no surface analysis, no LUMO) is empty.
std::vector<std::optional<double>> extract_scalars(const nlohmann::json& result);

}  // namespace cagescreen::workflows
