#include "descriptors/frontier.hpp"

#include <algorithm>
#include <limits>

namespace cagescreen::descriptors {

Frontier frontier_orbitals(const scf::Wavefunction& wfn) {
  Frontier f;
  double homo = -std::numeric_limits<double>::infinity();
  double lumo = std::numeric_limits<double>::infinity();
  for (const auto* so : {&wfn.alpha, &wfn.beta}) {
    const auto n = so->n_occupied;
    if (n > 0) homo = std::max(homo, so->energies(n - 1));
    if (n < so->energies.size()) lumo = std::min(lumo, so->energies(n));
  }
  f.homo = homo;
  f.has_lumo = lumo < std::numeric_limits<double>::infinity();
  f.lumo = f.has_lumo ? lumo : 0.0;
  f.gap = f.has_lumo ? f.lumo - f.homo : 0.0;
  return f;
}

}  // namespace cagescreen::descriptors
