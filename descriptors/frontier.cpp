#include "descriptors/frontier.hpp"

#include <algorithm>
#include <limits>

namespace cagescreen::descriptors {

Frontier frontier_orbitals(const scf::Wavefunction& wfn) {
  Frontier f;
  double homo = -std::numeric_limits<double>::infinity();
  double lumo = std::numeric_limits<double>::infinity();
  for (int spin = 0; spin < 2; ++spin) {
    const auto& so = spin ? wfn.beta : wfn.alpha;
    const int n = so.n_occupied;
    if (n > 0 && so.energies(n - 1) > homo) homo = so.energies(n - 1), f.homo_spin = spin, f.homo_index = n - 1;
    if (n < so.energies.size() && so.energies(n) < lumo) lumo = so.energies(n), f.lumo_spin = spin, f.lumo_index = n;
  }
  f.homo = homo;
  f.has_lumo = lumo < std::numeric_limits<double>::infinity();
  f.lumo = f.has_lumo ? lumo : 0.0;
  f.gap = f.has_lumo ? f.lumo - f.homo : 0.0;
  return f;
}

}  // namespace cagescreen::descriptors
