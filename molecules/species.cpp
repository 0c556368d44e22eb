#include "molecules/species.hpp"

#include <algorithm>
#include <filesystem>

#include "molecules/data_dir.hpp"
#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/generator.hpp"
#include "molecules/text.hpp"
#include "molecules/io.hpp"

namespace cagescreen::molecules {

const std::vector<Species>& builtin_species() {
  static const std::vector<Species> list{
      {"o-carborane", {"ortho-carborane", "1,2-c2b10h12", "o-c2b10h12"}, "o-carborane.xyz",
       "closo-1,2-C2B10H12, B3LYP/6-31G* minimum"},
      {"m-carborane", {"meta-carborane", "1,7-c2b10h12", "m-c2b10h12"}, "m-carborane.xyz",
       "closo-1,7-C2B10H12, GFN2-xTB minimum"},
      {"p-carborane", {"para-carborane", "1,12-c2b10h12", "p-c2b10h12"}, "p-carborane.xyz",
       "closo-1,12-C2B10H12, GFN2-xTB minimum"},
      {"b12h12", {"[b12h12]2-", "b12h12-2", "closo-b12h12"}, "b12h12.xyz",
       "closo-[B12H12]2- dianion, GFN2-xTB minimum (unbound HOMO when isolated)"},
      {"zno", {"zinc-oxide"}, "zno.xyz", "ZnO diatomic, GFN2-xTB minimum"},
      {"zn(oh)2", {"zn_oh_2", "znoh2", "zinc-hydroxide"}, "zn_oh_2.xyz", "Zn(OH)2, GFN2-xTB minimum"},
      {"znf2", {"zinc-fluoride"}, "znf2.xyz", "ZnF2 (linear), GFN2-xTB minimum"},
      {"zn4(oh)6so4", {"zn4_oh_6so4", "zn4oh6so4", "zinc-hydroxide-sulfate"}, "zn4_oh_6so4.xyz",
       "Zn4(OH)6SO4 molecular model, GFN2-xTB minimum"},
      {"water", {"h2o"}, "water.xyz", "H2O, B3LYP/6-31G* minimum"},
  };
  return list;
}

std::optional<Species> find_species(const std::string& name) { return find_named(builtin_species(), name); }

Molecule load_species(const Species& s) {
  Molecule mol = read_molecule_file(data_dir() + "/geometries/" + s.file);
  mol.name = s.name;
  return mol;
}

Molecule resolve_input(const std::string& input, std::optional<int> charge, std::optional<int> multiplicity) {
  std::error_code ec;
  Molecule mol;
  if (std::filesystem::is_regular_file(input, ec)) {
    mol = read_molecule_unchecked(input);
  } else if (auto s = find_species(input)) {
    mol = load_species(*s);
  } else if (is_derivative_notation(input)) {
    mol = build_derivative(parse_derivative(input));
  } else if (std::filesystem::exists(std::filesystem::symlink_status(input, ec)) || input.find('/') != std::string::npos ||
             input.ends_with(".xyz") || input.ends_with(".json")) {
    check_regular_file(input);  // names the problem: a directory, a device, a link loop, no such file
    throw InputError(input + ": cannot read");
  } else {
    throw InputError(excerpt(input, 200) +
                     ": no such file, not a built-in species (see `cagescreen species`) and not a cage "
                     "derivative (e.g. o-carborane:9,12-F2, see `cagescreen generate --help`)");
  }
  if (charge) mol.charge = *charge;
  if (multiplicity) mol.multiplicity = *multiplicity;
  finalize_spin(mol, input.size() > 200 ? input.substr(0, 200) + "..." : input);
  return mol;
}

}  // namespace cagescreen::molecules
