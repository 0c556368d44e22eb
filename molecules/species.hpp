#pragma once
#include <optional>
#include <string>
#include <vector>

#include "molecules/molecule.hpp"

namespace cagescreen::molecules {

/// A built-in species: canonical name, accepted aliases, geometry file under data/geometries/.
struct Species {
  std::string name;
  std::vector<std::string> aliases;
  std::string file;
  std::string description;
};

/// All built-in species, in the order `cagescreen species` lists them.
const std::vector<Species>& builtin_species();

/// Finds a species by name or alias (case-insensitive).
std::optional<Species> find_species(const std::string& name);

/// Loads a built-in species' geometry (with its charge and multiplicity).
Molecule load_species(const Species& s);

/// Resolves a command-line INPUT: an existing file is read; otherwise a built-in name, otherwise a
/// cage derivative ("o-carborane:9,12-F2", molecules/generator.hpp). Charge and
/// multiplicity overrides apply before the check of the electron count. Throws InputError.
Molecule resolve_input(const std::string& input, std::optional<int> charge = std::nullopt,
                       std::optional<int> multiplicity = std::nullopt);

}  // namespace cagescreen::molecules
