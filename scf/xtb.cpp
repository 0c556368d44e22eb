#include "scf/xtb.hpp"

#include <xtb.h>

#include <stdexcept>
#include <vector>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"

namespace cagescreen::scf {

struct Gfn2Xtb::Impl {
  xtb_TEnvironment env = nullptr;
  xtb_TMolecule mol = nullptr;
  xtb_TCalculator calc = nullptr;
  xtb_TResults res = nullptr;
  int natoms = 0;
  std::string name;

  ~Impl() {
    if (res) xtb_delResults(&res);
    if (calc) xtb_delCalculator(&calc);
    if (mol) xtb_delMolecule(&mol);
    if (env) xtb_delEnvironment(&env);
  }

  /// xtb's error stack as one line ("" when empty).
  std::string error() {
    if (xtb_checkEnvironment(env) == 0) return "";
    char buffer[2048] = {0};
    const int size = sizeof(buffer);
    xtb_getError(env, buffer, &size);
    std::string s(buffer);
    for (auto& c : s)
      if (c == '\n' || c == '\r') c = ' ';
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s.empty() ? "unknown xtb error" : s;
  }
};

namespace {
std::vector<double> positions_of(const molecules::Molecule& mol) {
  std::vector<double> xyz;
  for (const auto& a : mol.atoms) xyz.insert(xyz.end(), a.r.begin(), a.r.end());
  return xyz;
}
}  // namespace

Gfn2Xtb::Gfn2Xtb(const molecules::Molecule& mol, XtbSettings settings) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.natoms = static_cast<int>(mol.atoms.size());
  m.name = mol.name.empty() ? "molecule" : mol.name;
  if (m.natoms == 0) throw InputError(m.name + ": GFN2-xTB needs at least one atom");
  std::vector<int> numbers;
  for (const auto& a : mol.atoms) {
    if (a.nuclear_charge)
      throw InputError(m.name + ": GFN2-xTB cannot treat pseudo-atoms (fractional nuclear charges)");
    numbers.push_back(a.Z);
  }
  const std::vector<double> xyz = positions_of(mol);
  const double charge = mol.charge;
  const int uhf = std::max(mol.multiplicity, 1) - 1;
  m.env = xtb_newEnvironment();
  if (!m.env) throw std::runtime_error("xtb: cannot create an environment");
  xtb_setVerbosity(m.env, XTB_VERBOSITY_MUTED);
  m.mol = xtb_newMolecule(m.env, &m.natoms, numbers.data(), xyz.data(), &charge, &uhf, nullptr, nullptr);
  if (auto e = m.error(); !e.empty()) throw InputError(m.name + ": xtb refuses the molecule: " + e);
  m.calc = xtb_newCalculator();
  m.res = xtb_newResults();
  xtb_loadGFN2xTB(m.env, m.mol, m.calc, nullptr);
  if (auto e = m.error(); !e.empty()) throw InputError(m.name + ": GFN2-xTB parameters: " + e);
  xtb_setAccuracy(m.env, m.calc, settings.accuracy);
  xtb_setElectronicTemp(m.env, m.calc, settings.electronic_temperature);
  xtb_setMaxIter(m.env, m.calc, settings.max_iterations);
  if (auto e = m.error(); !e.empty()) throw InputError(m.name + ": xtb settings: " + e);
}

Gfn2Xtb::~Gfn2Xtb() = default;

XtbResult Gfn2Xtb::compute(const molecules::Molecule& mol) {
  auto& m = *impl_;
  if (static_cast<int>(mol.atoms.size()) != m.natoms)
    throw std::logic_error("Gfn2Xtb::compute: the molecule changed its number of atoms");
  const std::vector<double> xyz = positions_of(mol);
  xtb_updateMolecule(m.env, m.mol, xyz.data(), nullptr);
  xtb_singlepoint(m.env, m.mol, m.calc, m.res);
  if (auto e = m.error(); !e.empty()) throw XtbFailed(m.name + ": GFN2-xTB failed: " + e);
  XtbResult r;
  xtb_getEnergy(m.env, m.res, &r.energy);
  std::vector<double> g(3 * m.natoms);
  xtb_getGradient(m.env, m.res, g.data());
  r.gradient = Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, 3, Eigen::RowMajor>>(g.data(), m.natoms, 3);
  r.charges.resize(m.natoms);
  xtb_getCharges(m.env, m.res, r.charges.data());
  xtb_getDipole(m.env, m.res, r.dipole.data());
  int nao = 0;
  xtb_getNao(m.env, m.res, &nao);
  std::vector<double> e(nao), occ(nao);
  xtb_getOrbitalEigenvalues(m.env, m.res, e.data());
  xtb_getOrbitalOccupations(m.env, m.res, occ.data());
  if (auto err = m.error(); !err.empty()) throw std::runtime_error(m.name + ": GFN2-xTB results: " + err);
  // Occupations run from 2 (doubly occupied) to 0, fractional near the Fermi level (smearing).
  // HOMO: the highest orbital holding more than half an electron; LUMO: the next one.
  int homo = -1;
  for (int i = 0; i < nao; ++i)
    if (occ[i] > 0.5) homo = i;
  r.homo = homo >= 0 ? e[homo] : 0.0;
  r.lumo = homo + 1 < nao ? e[homo + 1] : 0.0;
  return r;
}

std::string xtb_version() {
  const int v = xtb_getAPIVersion();
  return "API " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

}  // namespace cagescreen::scf
