#include "molecules/symmetry.hpp"

#include <spglib.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"

namespace cagescreen::molecules {
namespace {

/// spglib's column convention: lattice[i][j] is Cartesian component i (Å) of lattice vector j.
void to_spglib_lattice(const Mat3& cell, double lattice[3][3]) {
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) lattice[i][j] = cell[j][i] * units::bohr_in_angstrom;
}

Crystal from_spglib(const double lattice[3][3], const double (*pos)[3], const int* types, int n,
                    const Crystal& like, const std::string& what) {
  Crystal c;
  c.name = like.name + " (" + what + ")";
  c.source = like.source;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) c.cell[j][i] = lattice[i][j] * units::angstrom_in_bohr;
  for (int k = 0; k < n; ++k) {
    CrystalSite s;
    s.Z = types[k];
    for (int i = 0; i < 3; ++i) s.frac[i] = pos[k][i] - std::floor(pos[k][i]);
    c.sites.push_back(s);
  }
  std::map<int, int> count;
  for (auto& s : c.sites) s.label = std::string(element(s.Z).symbol) + std::to_string(++count[s.Z]);
  return c;
}

struct DatasetDeleter {
  void operator()(SpglibDataset* d) const { spg_free_dataset(d); }
};

}  // namespace

std::string spglib_version() {
  return std::to_string(spg_get_major_version()) + "." + std::to_string(spg_get_minor_version()) + "." +
         std::to_string(spg_get_micro_version());
}

std::string schoenflies_of_point_group(const std::string& international) {
  static const std::map<std::string, std::string> table{
      {"1", "C1"},      {"-1", "Ci"},    {"2", "C2"},     {"m", "Cs"},      {"2/m", "C2h"},  {"222", "D2"},
      {"mm2", "C2v"},   {"mmm", "D2h"},  {"4", "C4"},     {"-4", "S4"},     {"4/m", "C4h"},  {"422", "D4"},
      {"4mm", "C4v"},   {"-42m", "D2d"}, {"4/mmm", "D4h"}, {"3", "C3"},     {"-3", "S6"},    {"32", "D3"},
      {"3m", "C3v"},    {"-3m", "D3d"},  {"6", "C6"},     {"-6", "C3h"},    {"6/m", "C6h"},  {"622", "D6"},
      {"6mm", "C6v"},   {"-6m2", "D3h"}, {"6/mmm", "D6h"}, {"23", "T"},     {"m-3", "Th"},   {"432", "O"},
      {"-43m", "Td"},   {"m-3m", "Oh"}};
  std::string key;
  for (char c : international)
    if (c != ' ') key += c;
  const auto it = table.find(key);
  return it == table.end() ? international : it->second;
}

std::string point_group_of(const std::vector<std::array<std::array<int, 3>, 3>>& rotations) {
  if (rotations.empty()) return "1";
  std::vector<int> flat(rotations.size() * 9);
  for (size_t k = 0; k < rotations.size(); ++k)
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) flat[9 * k + 3 * i + j] = rotations[k][i][j];
  char symbol[6] = {0};
  int trans[3][3];
  spg_get_pointgroup(symbol, trans, reinterpret_cast<int(*)[3][3]>(flat.data()), static_cast<int>(rotations.size()));
  std::string s(symbol);
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s.empty() ? "1" : s;
}

SymmetryReport analyse_symmetry(const Crystal& crystal, double symprec_angstrom) {
  const int n = static_cast<int>(crystal.sites.size());
  double lattice[3][3];
  to_spglib_lattice(crystal.cell, lattice);
  std::vector<double> pos(3 * n);
  std::vector<int> types(n);
  for (int k = 0; k < n; ++k) {
    types[k] = crystal.sites[k].Z;
    for (int i = 0; i < 3; ++i) pos[3 * k + i] = crystal.sites[k].frac[i];
  }
  std::unique_ptr<SpglibDataset, DatasetDeleter> ds(
      spg_get_dataset(lattice, reinterpret_cast<double(*)[3]>(pos.data()), types.data(), n, symprec_angstrom));
  if (!ds || ds->spacegroup_number == 0)
    throw InputError(crystal.source + ": spglib found no space group with tolerance " +
                     std::to_string(symprec_angstrom) + " Angstrom (" +
                     spg_get_error_message(spg_get_error_code()) + ")");
  SymmetryReport r;
  r.symprec_angstrom = symprec_angstrom;
  r.number = ds->spacegroup_number;
  r.hall_number = ds->hall_number;
  r.international = ds->international_symbol;
  r.hall_symbol = ds->hall_symbol;
  const SpglibSpacegroupType type = spg_get_spacegroup_type(ds->hall_number);
  r.schoenflies = type.schoenflies;
  r.point_group = ds->pointgroup_symbol;
  while (!r.point_group.empty() && r.point_group.back() == ' ') r.point_group.pop_back();
  for (int k = 0; k < ds->n_operations; ++k) {
    SpaceGroupOperation op;
    for (int i = 0; i < 3; ++i) {
      op.t[i] = ds->translations[k][i];
      for (int j = 0; j < 3; ++j) op.R[i][j] = ds->rotations[k][i][j];
    }
    r.operations.push_back(op);
  }
  // Multiplicity in the conventional cell: atoms of the orbit in the input cell, scaled by the
  // ratio of conventional to input cell content.
  std::map<int, int> orbit_size;
  for (int k = 0; k < n; ++k) ++orbit_size[ds->equivalent_atoms[k]];
  for (int k = 0; k < n; ++k) {
    r.wyckoff.push_back(ds->wyckoffs[k] < 26 ? static_cast<char>('a' + ds->wyckoffs[k]) : '@');  // 26: Pmmm's "alpha"
    r.site_symmetry.emplace_back(ds->site_symmetry_symbols[k]);
    while (!r.site_symmetry.back().empty() && r.site_symmetry.back().back() == ' ') r.site_symmetry.back().pop_back();
    r.equivalent_atoms.push_back(ds->equivalent_atoms[k]);
    r.multiplicity.push_back(orbit_size[ds->equivalent_atoms[k]] * ds->n_std_atoms / n);
  }
  r.conventional = from_spglib(ds->std_lattice, ds->std_positions, ds->std_types, ds->n_std_atoms, crystal, "conventional");

  // Primitive cell: spg_standardize_cell with to_primitive = 1 overwrites its arrays.
  std::vector<double> ppos(3 * 4 * n + 3);
  std::vector<int> ptypes(4 * n + 1);
  double plattice[3][3];
  to_spglib_lattice(crystal.cell, plattice);
  std::copy(pos.begin(), pos.end(), ppos.begin());
  std::copy(types.begin(), types.end(), ptypes.begin());
  const int np = spg_standardize_cell(plattice, reinterpret_cast<double(*)[3]>(ppos.data()), ptypes.data(), n, 1, 0,
                                      symprec_angstrom);
  if (np > 0)
    r.primitive = from_spglib(plattice, reinterpret_cast<double(*)[3]>(ppos.data()), ptypes.data(), np, crystal, "primitive");
  return r;
}

}  // namespace cagescreen::molecules
