#include "workflows/qcschema.hpp"

#include <cstdio>
#include <map>
#include <sstream>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"
#include "workflows/scalars.hpp"

namespace cagescreen::workflows {

using nlohmann::json;

std::string program_version() { return CAGESCREEN_VERSION; }

std::string version_string() {
  return std::string(CAGESCREEN_VERSION) + " (git " + CAGESCREEN_GIT_HASH + ")";
}

json qcschema_molecule(const molecules::Molecule& mol) {
  json j;
  j["schema_name"] = "qcschema_molecule";
  j["schema_version"] = 2;
  j["name"] = mol.name;
  json symbols = json::array(), geometry = json::array(), numbers = json::array();
  for (const auto& a : mol.atoms) {
    symbols.push_back(molecules::element(a.Z).symbol);
    numbers.push_back(a.Z);
    for (double x : a.r) geometry.push_back(x);
  }
  j["symbols"] = symbols;
  j["atomic_numbers"] = numbers;
  j["geometry"] = geometry;
  j["molecular_charge"] = mol.charge;
  j["molecular_multiplicity"] = mol.multiplicity;
  j["fix_com"] = true;
  j["fix_orientation"] = true;
  // Pseudo-atoms (fractional nuclear charges): no QCSchema field; ours under extras.
  if (std::any_of(mol.atoms.begin(), mol.atoms.end(), [](const auto& a) { return a.nuclear_charge.has_value(); })) {
    json q = json::array();
    for (const auto& a : mol.atoms) q.push_back(a.charge());
    j["extras"]["nuclear_charges"] = q;
  }
  return j;
}

static std::string real(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

json qcschema_basis(const scf::BasisSet& basis, const molecules::Molecule& mol) {
  json centers = json::object();
  json atom_map = json::array();
  std::map<int, bool> done;
  for (size_t a = 0; a < mol.atoms.size(); ++a) {
    const std::string key = molecules::element(mol.atoms[a].Z).symbol;
    atom_map.push_back(key);
    if (done[mol.atoms[a].Z]) continue;
    done[mol.atoms[a].Z] = true;
    json shells = json::array();
    for (const auto& s : basis.shells) {
      if (s.atom != static_cast<int>(a)) continue;
      json sh;
      sh["harmonic_type"] = s.pure ? "spherical" : "cartesian";
      sh["angular_momentum"] = {s.l};
      json ex = json::array(), co = json::array();
      for (double e : s.exponents) ex.push_back(real(e));
      for (double c : s.coefficients) co.push_back(real(c));
      sh["exponents"] = ex;
      sh["coefficients"] = json::array({co});
      shells.push_back(sh);
    }
    centers[key] = {{"electron_shells", shells}};
  }
  return {{"schema_name", "qcschema_basis"}, {"schema_version", 1}, {"name", basis.name},
          {"center_data", centers}, {"atom_map", atom_map}};
}

namespace {

/// extras.cagescreen.descriptors.esp_surface (kcal/mol for potentials as Multiwfn and the GIPF
/// literature report them; areas Bohr²; 0-based atoms).
json surface_json(const descriptors::EspSurface& surf, const descriptors::SurfaceSettings& settings) {
  const double kcal = units::hartree_in_kcal_per_mol;
  const auto& s = surf.stats;
  auto extrema = [&](const std::vector<descriptors::SurfaceExtremum>& list) {
    json a = json::array();
    for (const auto& e : list)
      a.push_back({{"value_kcal", e.value * kcal}, {"position_bohr", e.position}, {"nearest_atom", e.nearest_atom}});
    return a;
  };
  return {{"isovalue", settings.isovalue},
          {"grid_spacing_bohr", settings.spacing},
          {"vertices", surf.mesh.vertices.size()},
          {"vs_max_kcal", s.vs_max * kcal},
          {"vs_min_kcal", s.vs_min * kcal},
          {"vs_max_atom", s.vs_max_atom},
          {"vs_min_atom", s.vs_min_atom},
          {"vs_max_position_bohr", s.vs_max_position},
          {"vs_min_position_bohr", s.vs_min_position},
          {"area_bohr2", s.area},
          {"volume_bohr3", s.volume},
          {"positive_area_bohr2", s.positive_area},
          {"negative_area_bohr2", s.negative_area},
          {"average_kcal", s.average * kcal},
          {"average_positive_kcal", s.average_positive * kcal},
          {"average_negative_kcal", s.average_negative * kcal},
          {"sigma2_positive", s.sigma2_positive * kcal * kcal},
          {"sigma2_negative", s.sigma2_negative * kcal * kcal},
          {"sigma2_tot", s.sigma2_total * kcal * kcal},
          {"sigma2_unit", "(kcal/mol)^2"},
          {"nu", s.nu},
          {"sigma2_tot_nu", s.sigma2_total * kcal * kcal * s.nu},
          {"pi_kcal", s.pi * kcal},
          {"local_maxima", extrema(s.maxima)},
          {"local_minima", extrema(s.minima)},
          {"seconds", surf.seconds_total}};
}

}  // namespace

namespace {

/// extras.cagescreen.descriptors: the selected descriptors, in the units named by their keys.
json descriptors_json(const scf::Wavefunction& wfn, const descriptors::DescriptorSet& ds) {
  json d;
  const double ev = units::hartree_in_ev;
  const auto& req = ds.request;
  const auto& pop = ds.populations;
  if (req.charges) {
    d["mulliken_charges"] = pop.mulliken;
    d["lowdin_charges"] = pop.lowdin;
    if (!pop.mulliken_spin.empty()) {
      d["mulliken_spin_populations"] = pop.mulliken_spin;
      d["lowdin_spin_populations"] = pop.lowdin_spin;
    }
  }
  auto in_ev = [&](const std::optional<double>& x) { return x ? json(*x * ev) : json(nullptr); };
  if (req.frontier) {
    const auto& fr = ds.frontier;
    d["homo_ev"] = fr.homo * ev;
    d["lumo_ev"] = fr.has_lumo ? json(fr.lumo * ev) : json(nullptr);
    d["gap_ev"] = fr.has_lumo ? json(fr.gap * ev) : json(nullptr);
    if (wfn.reference == scf::Reference::UHF)  // per spin: HOMO/LUMO of the α and β orbitals
      for (int s = 0; s < 2; ++s) {
        const std::string tag = s == 0 ? "alpha" : "beta";
        d["homo_" + tag + "_ev"] = in_ev(ds.spin_frontier[s].homo);
        d["lumo_" + tag + "_ev"] = in_ev(ds.spin_frontier[s].lumo);
      }
    const auto& c = ds.conceptual;
    d["ionization_potential_ev"] = c.ionization_potential * ev;
    if (c.electron_affinity) {
      d["electron_affinity_ev"] = *c.electron_affinity * ev;
      d["chemical_potential_ev"] = *c.chemical_potential * ev;
      d["hardness_ev"] = *c.hardness * ev;
      d["electrophilicity_ev"] = in_ev(c.electrophilicity);
    }
  }
  if (req.dipole) {
    d["dipole_debye"] = ds.multipoles.dipole_norm() * units::au_dipole_in_debye;
    d["multipole_origin_bohr"] = ds.multipoles.origin;
    d["multipole_origin"] = "centre of nuclear charge";
  }
  if (ds.hirshfeld) d["hirshfeld_charges"] = *ds.hirshfeld;
  if (ds.chelpg) d["chelpg_charges"] = *ds.chelpg;
  if (ds.surface) d["esp_surface"] = surface_json(*ds.surface, req.surface_settings);
  if (const auto& h = ds.hydrophobicity) {
    const double kcal = units::hartree_in_kcal_per_mol;
    d["hydrophobicity"] = {{"model", "smd"},
                           {"hydration_free_energy_kcal", h->water * kcal},
                           {"octanol_free_energy_kcal", h->octanol * kcal},
                           {"log_p_octanol_water", h->log_p()},
                           {"temperature_k", h->temperature},
                           {"standard_state", "1 M gas -> 1 M solution"}};
  }
  return d;
}

/// The continuum solvent: model, cavity, energies (Hartree) and free energies (kcal/mol).
/// The stability analysis (docs/output.md): mode, whether checked and stable, the lowest
/// eigenvalues per block (Eh), the follows.
json stability_json(const scf::StabilityRecord& s) {
  json j = {{"mode", scf::to_string(s.mode)}, {"checked", s.checked}};
  if (s.mode == scf::StabilityMode::Off) return j;
  j["stable"] = s.stable;
  json roots = json::object();
  for (const auto& r : s.roots)
    roots[r.kind] = {{"eigenvalues", r.eigenvalues}, {"converged", r.converged}, {"residual", r.residual}};
  j["eigenvalues"] = roots;
  if (const double low = s.lowest(); low == low) j["lowest_eigenvalue"] = low;
  json follows = json::array();
  for (const auto& f : s.follows)
    follows.push_back({{"kind", f.kind},
                       {"eigenvalue", f.eigenvalue},
                       {"energy_before", f.energy_before},
                       {"energy_after", f.energy_after},
                       {"energy_lowering", f.energy_before - f.energy_after},
                       {"scf_iterations", f.scf_iterations}});
  j["follows"] = follows;
  j["hessian_products"] = s.hessian_products;
  j["fock_builds"] = s.fock_builds;
  j["seconds"] = s.seconds;
  if (!s.message.empty()) j["message"] = s.message;
  return j;
}

json solvation_json(const scf::Wavefunction& wfn) {
  const auto& s = wfn.solvation;
  const double kcal = units::hartree_in_kcal_per_mol, a = units::bohr_in_angstrom;
  const auto& sv = s.settings.solvent;
  json j;
  j["model"] = scf::to_string(s.settings.model);
  j["solvent"] = {{"name", sv.name}, {"epsilon", sv.epsilon}, {"n", sv.n}, {"alpha", sv.alpha}, {"beta", sv.beta},
                  {"gamma", sv.gamma}, {"phi", sv.phi}, {"psi", sv.psi}};
  j["dielectric_factor"] = s.dielectric_factor;
  std::vector<double> radii;
  for (double r : s.radii) radii.push_back(r * a);
  j["radii_angstrom"] = radii;
  j["cavity_points"] = s.cavity.points.size();
  j["points_per_sphere"] = s.settings.points_per_sphere;
  j["cavity_area_angstrom2"] = s.cavity.total_area() * a * a;
  j["cavity_volume_angstrom3"] = s.cavity.volume * a * a * a;
  j["surface_charge"] = s.charges.sum();
  j["solution_energy"] = wfn.energies.total;
  j["polarization_energy"] = wfn.energies.solvation;
  j["energy_unit"] = "hartree";
  if (s.settings.model == scf::SolvationModel::SMD) {
    j["g_cds_kcal"] = wfn.energies.cds * kcal;
    j["sasa_angstrom2"] = s.sasa * a * a;
  }
  if (s.has_gas_energy()) {
    j["gas_energy"] = s.gas_energy;
    j["gas_converged"] = s.gas_converged;
    j["dg_elec_kcal"] = s.electrostatic(wfn.energies) * kcal;
    j["dg_solv_kcal"] = s.free_energy(wfn.energies) * kcal;
    j["standard_state"] = "1 M gas -> 1 M solution";
  }
  j["seconds"] = s.seconds;
  j["gas_seconds"] = s.gas_seconds;
  return j;
}

}  // namespace

json atomic_result(const scf::Wavefunction& wfn, const descriptors::DescriptorSet& ds, const RunInfo& info) {
  const auto& fr = ds.frontier;
  const auto& st = info.settings;
  json j;
  j["schema_name"] = "qcschema_output";
  j["schema_version"] = 1;
  j["molecule"] = qcschema_molecule(wfn.molecule);
  j["driver"] = "energy";
  j["model"] = {{"method", wfn.level.method()}, {"basis", wfn.basis.name}};
  j["keywords"] = {{"reference", scf::to_string(wfn.reference)},
                   {"guess", scf::to_string(st.guess)},
                   {"grid", st.grid.name},
                   {"e_convergence", st.e_convergence},
                   {"d_convergence", st.d_convergence},
                   {"max_iterations", st.max_iterations},
                   {"shell_type", scf::to_string(wfn.basis.shell_type)},
                   {"schwarz_threshold", st.schwarz_threshold},
                   {"scf_type", scf::to_string(wfn.level.integrals)},
                   {"df_basis_scf", wfn.level.fitting_basis},
                   {"memory_bytes", st.memory_bytes}};
  if (const auto& sv = wfn.solvation; sv.enabled()) {
    j["keywords"]["solvation"] = scf::to_string(sv.settings.model);
    j["keywords"]["solvent"] = sv.settings.solvent.name;
    j["keywords"]["epsilon"] = sv.settings.solvent.epsilon;
    j["keywords"]["solvent_points"] = sv.settings.points_per_sphere;
  }
  j["provenance"] = {{"creator", "cagescreen"}, {"version", version_string()}, {"routine", info.routine}};
  j["success"] = wfn.convergence.converged;
  j["return_result"] = wfn.energies.total;
  json p;
  p["calcinfo_nbasis"] = wfn.basis.nbf;
  p["calcinfo_nmo"] = wfn.alpha.energies.size();
  p["calcinfo_nalpha"] = wfn.n_alpha();
  p["calcinfo_nbeta"] = wfn.n_beta();
  p["calcinfo_natom"] = wfn.molecule.atoms.size();
  p["nuclear_repulsion_energy"] = wfn.energies.nuclear_repulsion;
  p["return_energy"] = wfn.energies.total;
  p["scf_one_electron_energy"] = wfn.energies.one_electron;
  p["scf_two_electron_energy"] = wfn.energies.two_electron;
  if (wfn.level.is_dft()) p["scf_xc_energy"] = wfn.energies.xc;
  p["scf_total_energy"] = wfn.energies.total;
  p["scf_iterations"] = wfn.convergence.iterations;
  const auto& mp = ds.multipoles;
  const auto& q = mp.quadrupole;  // xx, xy, xz, yy, yz, zz
  p["scf_dipole_moment"] = mp.dipole;
  p["scf_quadrupole_moment"] = {{q[0], q[1], q[2]}, {q[1], q[3], q[4]}, {q[2], q[4], q[5]}};
  j["properties"] = p;
  auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  j["wavefunction"] = {{"basis", qcschema_basis(wfn.basis, wfn.molecule)},
                       {"restricted", wfn.reference == scf::Reference::RHF},
                       {"scf_eigenvalues_a", vec(wfn.alpha.energies)},
                       {"scf_eigenvalues_b", vec(wfn.beta.energies)},
                       {"scf_occupations_a", vec(wfn.alpha.occupations)},
                       {"scf_occupations_b", vec(wfn.beta.occupations)}};
  json history = json::array();
  for (const auto& r : wfn.convergence.history)
    history.push_back({{"iteration", r.iteration}, {"energy", r.energy}, {"delta_e", r.delta_e},
                       {"rms_gradient", r.rms_gradient}, {"max_gradient", r.max_gradient},
                       {"seconds", r.seconds}, {"step", r.step}});
  json ext;
  ext["homo_energy"] = fr.homo;
  ext["lumo_energy"] = fr.has_lumo ? json(fr.lumo) : json(nullptr);
  ext["gap"] = fr.has_lumo ? json(fr.gap) : json(nullptr);
  ext["energy_unit"] = "hartree";
  ext["descriptors"] = descriptors_json(wfn, ds);
  {
    json sc = json::object();
    const auto values = scalar_values(wfn, ds, info.preoptimization);
    for (std::size_t i = 0; i < values.size(); ++i)
      sc[scalar_descriptors()[i].name] = values[i] ? json(*values[i]) : json(nullptr);
    ext["scalars"] = sc;
  }
  json warnings = json::array();
  if (ds.homo_above_zero())
    warnings.push_back("homo_above_zero: the highest electrons are not bound in this isolated species");
  ext["warnings"] = warnings;
  ext["converged"] = wfn.convergence.converged;
  ext["convergence"] = {{"message", wfn.convergence.message}, {"history", history}};
  if (wfn.reference == scf::Reference::UHF) ext["s_squared"] = wfn.s_squared();
  ext["timings"] = {{"scf_seconds", wfn.seconds}, {"wall_seconds", info.wall_seconds}};
  ext["peak_memory_mib"] = info.peak_memory_mib;
  if (const auto* po = info.preoptimization)
    ext["preoptimization"] = {{"method", "gfn2-xtb"}, {"energy", po->energy},   {"gap_ev", po->gap_ev},
                              {"steps", po->steps},   {"converged", po->converged}, {"bonds_changed", po->bonds_changed}};
  if (const auto* o = info.optimization)
    ext["optimization"] = {{"method", o->method},       {"basis", o->basis},
                           {"energy", o->energy},       {"steps", o->steps},
                           {"evaluations", o->evaluations}, {"scf_iterations", o->scf_iterations},
                           {"seconds", o->seconds},     {"converged", o->converged}};
  ext["threads"] = info.threads;
  if (const auto& grid = wfn.level.grid)
    ext["dft"] = {{"grid", grid->name},          {"radial_points", grid->radial},
                  {"angular_points", grid->angular}, {"grid_points", wfn.dft.points},
                  {"electrons_integrated", wfn.dft.electrons}, {"exact_exchange", wfn.dft.exact_exchange},
                  {"xc_seconds", wfn.dft.xc_seconds},  {"jk_seconds", wfn.dft.jk_seconds}};
  ext["integrals"] = {{"scf_type", scf::to_string(wfn.level.integrals)}, {"fitting_basis", wfn.level.fitting_basis},
                      {"bytes_in_memory", wfn.integral_bytes}, {"note", wfn.integrals_note},
                      {"fitting_functions", wfn.fitting_functions}, {"fitting_seconds", wfn.fitting_seconds}};
  if (wfn.solvation.enabled()) ext["solvation"] = solvation_json(wfn);
  ext["stability"] = stability_json(wfn.stability);
  ext["libint2_version"] = scf::libint_version();
  j["extras"] = {{"cagescreen", ext}};
  return j;
}

json failed_result(const std::string& error_type, const std::string& message, const json& input_molecule) {
  json j;
  j["schema_name"] = "qcschema_output";
  j["schema_version"] = 1;
  j["success"] = false;
  if (!input_molecule.is_null()) j["molecule"] = input_molecule;
  j["provenance"] = {{"creator", "cagescreen"}, {"version", version_string()}, {"routine", "cagescreen run"}};
  j["error"] = {{"error_type", error_type}, {"error_message", message}};
  return j;
}

}  // namespace cagescreen::workflows
