#include "workflows/scalars.hpp"

#include <algorithm>
#include <cmath>

#include "molecules/units.hpp"

namespace cagescreen::workflows {

const std::vector<ScalarDescriptor>& scalar_descriptors() {
  static const std::vector<ScalarDescriptor> list = {
      {"energy_eh", "Eh", "total SCF energy"},
      {"homo_ev", "eV", "highest occupied orbital energy"},
      {"lumo_ev", "eV", "lowest unoccupied orbital energy"},
      {"gap_ev", "eV", "HOMO-LUMO gap"},
      {"hardness_ev", "eV", "chemical hardness eta = IP - EA = LUMO - HOMO (Koopmans)"},
      {"electrophilicity_ev", "eV", "electrophilicity index mu^2/(2 eta)"},
      {"dipole_debye", "D", "dipole moment magnitude"},
      {"max_h_charge", "e", "most positive Mulliken charge on a hydrogen atom"},
      {"vs_max_kcal", "kcal/mol", "most positive ESP on the rho = 0.001 surface"},
      {"vs_min_kcal", "kcal/mol", "most negative ESP on the rho = 0.001 surface"},
      {"surface_area_a2", "A^2", "area of the rho = 0.001 surface"},
      {"negative_area_fraction", "", "fraction of the surface with negative ESP"},
      {"sigma2_tot", "(kcal/mol)^2", "total ESP variance on the surface"},
      {"nu", "", "ESP balance parameter"},
      {"pi_kcal", "kcal/mol", "average deviation of the surface ESP"},
      {"xtb_energy_eh", "Eh", "GFN2-xTB energy of the pre-optimised geometry"},
      {"xtb_gap_ev", "eV", "GFN2-xTB HOMO-LUMO gap of the pre-optimised geometry"},
  };
  return list;
}

const ScalarDescriptor* find_scalar(const std::string& name) {
  for (const auto& s : scalar_descriptors())
    if (name == s.name) return &s;
  return nullptr;
}

std::vector<std::optional<double>> extract_scalars(const nlohmann::json& result) {
  using json = nlohmann::json;
  const auto& list = scalar_descriptors();
  std::vector<std::optional<double>> v(list.size());
  auto set = [&](const char* name, const json* node) {
    if (!node || !node->is_number()) return;
    for (std::size_t i = 0; i < list.size(); ++i)
      if (std::string(list[i].name) == name) v[i] = node->get<double>();
  };
  auto at = [](const json& j, const char* key) -> const json* {
    return j.is_object() && j.contains(key) ? &j[key] : nullptr;
  };
  set("energy_eh", at(result, "return_result"));
  const json* ext = at(result, "extras");
  ext = ext ? at(*ext, "cagescreen") : nullptr;
  if (const json* po = ext ? at(*ext, "preoptimization") : nullptr) {
    set("xtb_energy_eh", at(*po, "energy"));
    set("xtb_gap_ev", at(*po, "gap_ev"));
  }
  const json* d = ext ? at(*ext, "descriptors") : nullptr;
  if (!d) return v;
  for (const char* key : {"homo_ev", "lumo_ev", "gap_ev", "hardness_ev", "electrophilicity_ev", "dipole_debye"})
    set(key, at(*d, key));
  if (const json* q = at(*d, "mulliken_charges"); q && result.contains("molecule")) {
    const auto& numbers = result["molecule"]["atomic_numbers"];
    std::optional<double> best;
    for (std::size_t a = 0; a < q->size() && a < numbers.size(); ++a)
      if (numbers[a].get<int>() == 1) best = std::max(best.value_or(-1e300), (*q)[a].get<double>());
    if (best) {
      json b = *best;
      set("max_h_charge", &b);
    }
  }
  if (const json* s = at(*d, "esp_surface")) {
    set("vs_max_kcal", at(*s, "vs_max_kcal"));
    set("vs_min_kcal", at(*s, "vs_min_kcal"));
    set("sigma2_tot", at(*s, "sigma2_tot"));
    set("nu", at(*s, "nu"));
    set("pi_kcal", at(*s, "pi_kcal"));
    const json* area = at(*s, "area_bohr2");
    const json* negative = at(*s, "negative_area_bohr2");
    if (area && area->is_number()) {
      json a2 = area->get<double>() * units::bohr_in_angstrom * units::bohr_in_angstrom;
      set("surface_area_a2", &a2);
      if (negative && negative->is_number() && area->get<double>() > 0) {
        json f = negative->get<double>() / area->get<double>();
        set("negative_area_fraction", &f);
      }
    }
  }
  return v;
}

}  // namespace cagescreen::workflows
