#include "descriptors/descriptor_set.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "descriptors/chelpg.hpp"
#include "descriptors/hirshfeld.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "molecules/text.hpp"

namespace cagescreen::descriptors {

DescriptorRequest parse_descriptor_request(const std::string& text) {
  static const std::pair<const char*, bool DescriptorRequest::*> names[] = {
      {"charges", &DescriptorRequest::charges},     {"frontier", &DescriptorRequest::frontier},
      {"dipole", &DescriptorRequest::dipole},       {"surface", &DescriptorRequest::surface},
      {"hirshfeld", &DescriptorRequest::hirshfeld}, {"chelpg", &DescriptorRequest::chelpg},
      {"hydrophobicity", &DescriptorRequest::hydrophobicity}};
  DescriptorRequest d;
  for (const auto& [name, field] : names) d.*field = false;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = lower(item);
    if (item.empty()) continue;
    bool known = false;
    for (const auto& [name, field] : names)
      if (item == "all" || item == name) d.*field = known = true;
    if (!known)
      throw InputError("--descriptors: '" + item +
                       "' is not one of all, charges, frontier, dipole, surface, hirshfeld, chelpg, hydrophobicity");
  }
  return d;
}

double Hydrophobicity::log_p() const {
  return (water - octanol) / (units::boltzmann_hartree_per_kelvin * temperature * std::log(10.0));
}

ConceptualDft conceptual_dft(const Frontier& fr) {
  ConceptualDft c;
  c.ionization_potential = -fr.homo;
  if (!fr.has_lumo) return c;
  const double ip = -fr.homo, ea = -fr.lumo, mu = -(ip + ea) / 2, eta = ip - ea;
  c.electron_affinity = ea;
  c.chemical_potential = mu;
  c.hardness = eta;
  if (eta > 0) c.electrophilicity = mu * mu / (2 * eta);
  return c;
}

std::optional<double> DescriptorSet::max_hydrogen_charge(const molecules::Molecule& mol) const {
  std::optional<double> best;
  for (std::size_t a = 0; a < populations.mulliken.size() && a < mol.atoms.size(); ++a)
    if (mol.atoms[a].Z == 1) best = std::max(best.value_or(-1e300), populations.mulliken[a]);
  return best;
}

DescriptorSet compute_descriptors(const scf::Wavefunction& wfn, const DescriptorRequest& request) {
  DescriptorSet d;
  d.request = request;
  d.frontier = frontier_orbitals(wfn);
  d.conceptual = conceptual_dft(d.frontier);
  if (wfn.reference == scf::Reference::UHF)
    for (int s = 0; s < 2; ++s) {
      const scf::SpinOrbitals& so = s == 0 ? wfn.alpha : wfn.beta;
      const int n = so.n_occupied;
      if (n > 0) d.spin_frontier[s].homo = so.energies(n - 1);
      if (n < so.energies.size()) d.spin_frontier[s].lumo = so.energies(n);
    }
  d.populations = population_analysis(wfn);
  d.multipoles = multipole_moments(wfn);
  if (!wfn.convergence.converged) return d;
  if (request.surface) d.surface = esp_surface(wfn, request.surface_settings);
  if (request.hirshfeld) d.hirshfeld = hirshfeld_charges(wfn).charges;
  if (request.chelpg) d.chelpg = chelpg_charges(wfn, request.threads).charges;
  return d;
}

}  // namespace cagescreen::descriptors
