#pragma once
// Shared test setup: built-in species and SCF runs that must converge.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
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

/// run_scf, once per test process for the same molecule, basis functions and settings: test cases
/// that compare one wavefunction with different references (o-carborane HF/6-31G*: psi4 and
/// NWChem energies, psi4's gradient) share it when they run in the same CTest entry. A request
/// is served by an SCF converged at least as tightly (e_convergence, d_convergence); the
/// molecule's name is not part of the key.
inline cagescreen::scf::Wavefunction shared_scf(const cagescreen::molecules::Molecule& mol,
                                                const cagescreen::scf::BasisSet& basis,
                                                const cagescreen::scf::ScfSettings& st) {
  using namespace cagescreen;
  if (!st.guess_density.empty() || st.on_iteration) return scf::run_scf(mol, basis, st);
  std::string key;
  auto add = [&key](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g ", x + 0.0);  // -0 and 0 alike
    key += buf;
  };
  add(mol.charge), add(mol.multiplicity);
  for (const auto& a : mol.atoms) {
    add(a.Z), add(a.charge());
    for (double x : a.r) add(x);
  }
  key += "| ";
  add(basis.nbf);
  for (const auto& s : basis.shells) {
    add(s.l), add(s.pure), add(s.atom);
    for (double x : s.center) add(x);
    for (double x : s.exponents) add(x);
    for (double x : s.coefficients) add(x);
  }
  key += "| " + st.functional.name + " ";
  if (!st.functional.is_hf()) {  // the grid only matters for DFT
    const auto& g = st.grid;
    key += g.name + " ";
    add(g.radial), add(g.angular), add(g.prune), add(g.radial_light), add(g.outer_angular), add(g.psi4);
    add(st.coarse_grid_until);
  }
  add(static_cast<int>(st.reference)), add(static_cast<int>(st.guess)), add(st.max_iterations), add(st.diis_vectors);
  add(st.ediis_above), add(st.ladder_start), add(static_cast<int>(st.scf_type)), add(st.schwarz_threshold);
  add(st.integral_precision), add(st.full_rebuild_every), add(static_cast<double>(st.memory_bytes));
  add(st.linear_dependency);
  key += st.fitting_basis;

  struct Entry {
    double e_convergence, d_convergence;
    scf::Wavefunction wfn;
  };
  static std::map<std::string, Entry> cache;
  const auto it = cache.find(key);
  if (it != cache.end() && it->second.e_convergence <= st.e_convergence && it->second.d_convergence <= st.d_convergence)
    return it->second.wfn;
  auto wfn = scf::run_scf(mol, basis, st);
  if (wfn.convergence.converged) cache.insert_or_assign(key, Entry{st.e_convergence, st.d_convergence, wfn});
  return wfn;
}
