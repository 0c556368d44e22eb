#pragma once
// Shared test setup: built-in species and SCF runs that must converge.
#include <doctest/doctest.h>

#include <string>

#include "molecules/species.hpp"
#include "scf/basis.hpp"
#include "scf/scf.hpp"

/// A built-in species by name (data/geometries).
inline cagescreen::molecules::Molecule species(const std::string& name) {
  return cagescreen::molecules::load_species(*cagescreen::molecules::find_species(name));
}

/// run_scf in the named basis; the test stops unless it converges.
inline cagescreen::scf::Wavefunction converged_scf(const cagescreen::molecules::Molecule& mol, const std::string& basis,
                                                   const cagescreen::scf::ScfSettings& settings,
                                                   cagescreen::scf::ShellType type = cagescreen::scf::ShellType::Auto) {
  auto wfn = cagescreen::scf::run_scf(mol, cagescreen::scf::build_basis(mol, basis, type), settings);
  REQUIRE(wfn.convergence.converged);
  return wfn;
}
