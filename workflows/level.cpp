#include "workflows/level.hpp"

#include <CLI/CLI.hpp>
#include <iomanip>
#include <sstream>

#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/text.hpp"
#include "scf/basis.hpp"
#include "scf/functional.hpp"
#include "scf/gradient.hpp"
#include "scf/grid.hpp"
#include "scf/scf.hpp"
#include "workflows/validators.hpp"

namespace cagescreen::workflows {

namespace {
/// Shortest decimal text that reads back as v (key and messages).
std::string shortest(double v) {
  for (int p = 6; p <= 17; ++p) {
    std::ostringstream s;
    s << std::setprecision(p) << v;
    if (std::stod(s.str()) == v) return s.str();
  }
  return std::to_string(v);
}
}  // namespace

std::string LevelOfTheory::key() const {
  std::string k = method + "/" + basis + "/grid=" + grid;
  if (reference != "auto") k += "/reference=" + reference;
  if (shell_type != "auto") k += "/shells=" + shell_type;
  if (scf_type != "auto") k += "/scf_type=" + scf_type;
  if (!fitting_basis.empty()) k += "/fitting_basis=" + fitting_basis;
  if (optimize != "none") k += "/optimize=" + optimize;
  if (const auto sv = solvation_settings(*this); sv.enabled()) {
    // A solvent given by its descriptors is keyed by them (every such solvent is named "custom").
    k += "/solvation=" + scf::to_string(sv.model) + "/solvent=" +
         (solvent.find('=') != std::string::npos ? lower(solvent) : sv.solvent.name);
    if (epsilon > 0) k += "/epsilon=" + shortest(epsilon);
    if (solvent_points != scf::SolvationSettings{}.points_per_sphere) k += "/solvent_points=" + std::to_string(solvent_points);
  }
  if (lower(stability) != "auto") k += "/stability=" + lower(stability);
  return k;
}

scf::SolvationSettings solvation_settings(const LevelOfTheory& l) {
  scf::SolvationSettings s;
  const std::string mode = lower(l.solvation);
  const bool named = !l.solvent.empty();
  if (!(l.epsilon == 0.0 || (l.epsilon > 1.0 && l.epsilon <= 1e4)))
    throw InputError("epsilon " + shortest(l.epsilon) + " must be above 1 and at most 10000 (a dielectric constant)");
  if (mode == "auto")
    s.model = named ? scf::SolvationModel::SMD : l.epsilon > 0 ? scf::SolvationModel::CPCM : scf::SolvationModel::None;
  else
    s.model = scf::parse_solvation_model(mode);
  if (!s.enabled()) {
    if (named || l.epsilon > 0) throw InputError("a solvent or epsilon was given with solvation none");
    return s;
  }
  if (named)
    s.solvent = scf::solvent_from_text(l.solvent);
  else if (l.epsilon > 0) {
    if (s.model == scf::SolvationModel::SMD)
      throw InputError("SMD needs a tabulated solvent for its non-electrostatic term: name one with --solvent");
    s.solvent = scf::Solvent{"custom", "custom", l.epsilon};
  } else
    s.solvent = scf::find_solvent("water");
  if (l.epsilon > 0) s.solvent.epsilon = l.epsilon;
  s.points_per_sphere = l.solvent_points;
  scf::check_solvation_points(s.points_per_sphere);
  return s;
}

void check_stability(const LevelOfTheory& l) {
  const std::string word = lower(l.stability);
  if (word == "auto") return;
  if (scf::parse_stability_mode(word) != scf::StabilityMode::Off && scf::Functional::from_name(l.method).meta)
    throw InputError("stability " + word + " with " + l.method +
                     ": the exchange-correlation kernel of meta-GGA functionals is not available; use stability off");
}

scf::StabilityMode stability_mode(const LevelOfTheory& l, const molecules::Molecule& mol) {
  check_stability(l);
  const std::string word = lower(l.stability);
  if (word != "auto") return scf::parse_stability_mode(word);
  if (scf::Functional::from_name(l.method).meta) return scf::StabilityMode::Off;
  bool metal = false;
  for (const auto& a : mol.atoms)
    metal = metal || (a.Z >= 21 && a.Z <= 30) || (a.Z >= 39 && a.Z <= 48) || (a.Z >= 72 && a.Z <= 80);
  return mol.charge != 0 || mol.multiplicity != 1 || metal ? scf::StabilityMode::Check : scf::StabilityMode::Off;
}

scf::ScfSettings scf_settings(const LevelOfTheory& l, const molecules::Molecule& mol) {
  scf::ScfSettings st;
  st.functional = scf::Functional::from_name(l.method);
  st.grid = scf::parse_grid(l.grid);
  st.reference = lower(l.reference) == "auto" ? (mol.multiplicity == 1 ? scf::Reference::RHF : scf::Reference::UHF)
                                              : scf::parse_reference(lower(l.reference));
  st.e_convergence = l.e_convergence;
  st.d_convergence = l.d_convergence;
  st.max_iterations = l.max_iterations;
  st.scf_type = scf::parse_scf_type(lower(l.scf_type));
  st.fitting_basis = l.fitting_basis;
  st.solvation = solvation_settings(l);
  // One job's SCFs on a geometry (gas phase and solvated, the ions of a vertical redox
  // calculation, the stability analysis) share their integrals and grids.
  st.shared = std::make_shared<scf::SharedBuilders>();
  return st;
}

std::optional<Preopt> parse_preopt(const std::string& text) {
  if (text == "none") return Preopt{};
  if (text == "xtb") return Preopt{true, false};
  if (text == "dft") return Preopt{false, true};
  if (text == "xtb+dft") return Preopt{true, true};
  return std::nullopt;
}

void check_level(const LevelOfTheory& l) {
  const auto functional = scf::Functional::from_name(l.method);
  scf::parse_grid(l.grid);
  if (lower(l.reference) != "auto") scf::parse_reference(lower(l.reference));
  scf::parse_shell_type(l.shell_type);
  scf::parse_scf_type(lower(l.scf_type));
  scf::resolve_basis_path(l.basis);
  if (!l.fitting_basis.empty()) scf::resolve_basis_path(l.fitting_basis);
  const auto preopt = parse_preopt(lower(l.optimize));
  if (!preopt) throw InputError("optimize " + in_quotes(l.optimize) + ": use none, xtb, dft or xtb+dft");
  if (preopt->scf)
    if (const std::string why = scf::gradient_unsupported(functional, l.method); !why.empty())
      throw InputError("optimize " + l.optimize + ": " + why);
  scf::check_convergence(l.e_convergence, l.d_convergence, l.max_iterations);
  solvation_settings(l);
  check_stability(l);
}

void add_level_options(CLI::App& c, LevelOfTheory& l) {
  c.add_option("--method", l.method, "hf or a functional (cagescreen functionals)")->capture_default_str();
  c.add_option("--grid", l.grid, "DFT grid: coarse, default, fine, ultrafine or R,A (R radial points in 10..500, A a Lebedev size 6..5810 such as 302 or 590), optionally followed by :psi4")->capture_default_str();
  c.add_option("--basis", l.basis, "basis set name or .gbs file")->capture_default_str();
  c.add_option("--shell-type", l.shell_type, "auto, spherical, cartesian or 6d7f")->capture_default_str();
  c.add_option("--reference", l.reference, "auto (rhf for singlets, else uhf), rhf or uhf")->capture_default_str();
  c.add_option("--e-convergence", l.e_convergence, "energy change threshold, Eh")->capture_default_str()->check(real_in(scf::limits::e_convergence_min, scf::limits::e_convergence_max));
  c.add_option("--d-convergence", l.d_convergence, "RMS orbital gradient threshold")->capture_default_str()->check(real_in(scf::limits::d_convergence_min, scf::limits::d_convergence_max));
  c.add_option("--max-iterations", l.max_iterations, "SCF iteration limit")->capture_default_str()->check(integer_in(scf::limits::max_iterations_min, scf::limits::max_iterations_max));
  c.add_option("--scf-type", l.scf_type,
               "auto (df for DFT, conv for HF), df (density fitting) or conv (four-index integrals)")
      ->capture_default_str();
  c.add_option("--fitting-basis", l.fitting_basis, "auxiliary basis for df (default def2-universal-jkfit)");
  c.add_option("--preopt", l.optimize,
               "none, xtb (GFN2-xTB), dft (this method and basis, analytic gradients) or xtb+dft: optimise the "
               "geometry before the SCF")
      ->capture_default_str();
  c.add_option("--solvent", l.solvent, "continuum solvent by name, e.g. water, thf, 1-octanol (cagescreen solvents), "
               "or by its SMD descriptors eps=E,n=N,alpha=A,beta=B,gamma=G,phi=F,psi=P; SMD unless --solvation says otherwise");
  c.add_option("--solvation", l.solvation, "auto (smd with --solvent, else none), none, cpcm, cosmo or smd")
      ->capture_default_str();
  c.add_option("--epsilon", l.epsilon, "dielectric constant replacing the solvent's (C-PCM/COSMO alone: a custom solvent)")
      ->check(real_in(1, 1e4, true));
  c.add_option("--stability", l.stability,
               "auto (check ions, open shells and d-metal species), off, check (lowest orbital-Hessian eigenvalues) "
               "or follow (rotate along an instability and reconverge until stable)")
      ->capture_default_str();
  c.add_option("--solvent-points", l.solvent_points, "Lebedev points per cavity sphere (26 .. 5810, e.g. 110, 194, 302)")
      ->capture_default_str()
      ->check(integer_in(6, 5810));
}

std::vector<std::string> level_arguments(const LevelOfTheory& l) {
  auto num = [](double v) {
    std::ostringstream s;
    s << std::setprecision(17) << v;
    return s.str();
  };
  std::vector<std::string> a = {"--method", l.method, "--basis", l.basis, "--grid", l.grid, "--reference",
                                l.reference, "--shell-type", l.shell_type, "--scf-type", l.scf_type, "--preopt",
                                l.optimize, "--max-iterations", std::to_string(l.max_iterations),
                                "--e-convergence", num(l.e_convergence), "--d-convergence", num(l.d_convergence)};
  if (!l.fitting_basis.empty()) a.insert(a.end(), {"--fitting-basis", l.fitting_basis});
  if (!l.solvent.empty()) a.insert(a.end(), {"--solvent", l.solvent});
  a.insert(a.end(), {"--solvation", l.solvation, "--solvent-points", std::to_string(l.solvent_points)});
  if (l.epsilon > 0) a.insert(a.end(), {"--epsilon", num(l.epsilon)});
  a.insert(a.end(), {"--stability", l.stability});
  return a;
}

}  // namespace cagescreen::workflows
