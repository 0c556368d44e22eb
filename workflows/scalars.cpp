#include "workflows/scalars.hpp"

#include <algorithm>
#include <cmath>

#include "molecules/units.hpp"
#include "workflows/qcschema.hpp"

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
      {"solvation_free_energy_kcal", "kcal/mol", "free energy of solvation in the level's solvent (1 M -> 1 M)"},
      {"hydration_free_energy_kcal", "kcal/mol", "SMD free energy of solvation in water (1 M -> 1 M)"},
      {"log_p_octanol_water", "", "log10 of the 1-octanol/water partition coefficient (SMD)"},
      {"stable", "", "1 when the SCF state passed the stability analysis, 0 when it is unstable (empty: unchecked)"},
      {"stability_lowest_eh", "Eh", "lowest orbital-Hessian eigenvalue of the stability analysis"},
      // The redox group (campaigns: from the candidate's cation and anion jobs, docs/redox.md).
      {"ionization_energy_ev", "eV", "vertical ionisation energy E(cation) - E(neutral) in the level's medium"},
      {"electron_affinity_ev", "eV", "vertical electron affinity E(neutral) - E(anion) in the level's medium"},
      {"oxidation_potential_v_she", "V", "oxidation potential vs SHE (vertical, level's medium)"},
      {"reduction_potential_v_she", "V", "reduction potential vs SHE (vertical, level's medium)"},
      {"oxidation_potential_v_zn", "V", "oxidation potential vs Zn2+/Zn"},
      {"reduction_potential_v_zn", "V", "reduction potential vs Zn2+/Zn"},
      {"electrochemical_window_v", "V", "oxidation minus reduction potential"},
  };
  return list;
}

const ScalarDescriptor* find_scalar(const std::string& name) {
  for (const auto& s : scalar_descriptors())
    if (name == s.name) return &s;
  return nullptr;
}

std::vector<std::optional<double>> scalar_values(const scf::Wavefunction& wfn, const descriptors::DescriptorSet& d,
                                                 const Preoptimization* preoptimization) {
  const auto& list = scalar_descriptors();
  std::vector<std::optional<double>> v(list.size());
  auto set = [&](const char* name, std::optional<double> x) {
    for (std::size_t i = 0; i < list.size(); ++i)
      if (std::string(list[i].name) == name) v[i] = x;
  };
  const double ev = units::hartree_in_ev, kcal = units::hartree_in_kcal_per_mol;
  auto in_ev = [&](std::optional<double> x) { return x ? std::optional<double>(*x * ev) : std::nullopt; };
  set("energy_eh", wfn.energies.total);
  if (preoptimization) {
    set("xtb_energy_eh", preoptimization->energy);
    set("xtb_gap_ev", preoptimization->gap_ev);
  }
  if (d.request.frontier) {
    const auto& fr = d.frontier;
    set("homo_ev", fr.homo * ev);
    if (fr.has_lumo) {
      set("lumo_ev", fr.lumo * ev);
      set("gap_ev", fr.gap * ev);
    }
    set("hardness_ev", in_ev(d.conceptual.hardness));
    set("electrophilicity_ev", in_ev(d.conceptual.electrophilicity));
  }
  if (const auto& sv = wfn.solvation; sv.enabled() && sv.has_gas_energy())
    set("solvation_free_energy_kcal", sv.free_energy(wfn.energies) * kcal);
  if (const auto& h = d.hydrophobicity) {
    set("hydration_free_energy_kcal", h->water * kcal);
    set("log_p_octanol_water", h->log_p());
  }
  if (const auto& st = wfn.stability; st.checked) {
    set("stable", st.stable ? 1.0 : 0.0);
    set("stability_lowest_eh", st.lowest());
  }
  if (d.request.dipole) set("dipole_debye", d.multipoles.dipole_norm() * units::au_dipole_in_debye);
  if (d.request.charges) set("max_h_charge", d.max_hydrogen_charge(wfn.molecule));
  if (const auto& surface = d.surface) {
    const auto& s = surface->stats;
    set("vs_max_kcal", s.vs_max * kcal);
    set("vs_min_kcal", s.vs_min * kcal);
    set("sigma2_tot", s.sigma2_total * kcal * kcal);
    set("nu", s.nu);
    set("pi_kcal", s.pi * kcal);
    set("surface_area_a2", s.area * units::bohr_in_angstrom * units::bohr_in_angstrom);
    if (s.area > 0) set("negative_area_fraction", s.negative_area / s.area);
  }
  return v;
}

std::vector<std::optional<double>> extract_scalars(const nlohmann::json& result) {
  const auto& list = scalar_descriptors();
  std::vector<std::optional<double>> v(list.size());
  const nlohmann::json* node = &result;
  for (const char* key : {"extras", "cagescreen", "scalars"}) {
    if (!node->is_object() || !node->contains(key)) return v;
    node = &(*node)[key];
  }
  for (std::size_t i = 0; i < list.size(); ++i)
    if (auto it = node->find(list[i].name); it != node->end() && it->is_number()) v[i] = it->get<double>();
  return v;
}

}  // namespace cagescreen::workflows
