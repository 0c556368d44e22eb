#include "molecules/molecule.hpp"

#include <cmath>
#include <map>
#include <sstream>

#include "molecules/elements.hpp"
#include "molecules/error.hpp"
#include "molecules/units.hpp"

namespace cagescreen {

std::string located(const std::string& file, int line, const std::string& message) {
  if (line > 0) return file + ":" + std::to_string(line) + ": " + message;
  return file + ": " + message;
}

namespace molecules {

double Molecule::nuclear_charge() const {
  double q = 0.0;
  for (const auto& a : atoms) q += a.charge();
  return q;
}

int Molecule::n_electrons() const { return static_cast<int>(std::lround(nuclear_charge())) - charge; }

int Molecule::n_alpha() const { return (n_electrons() + multiplicity - 1) / 2; }
int Molecule::n_beta() const { return n_electrons() - n_alpha(); }

double Molecule::nuclear_repulsion() const {
  double e = 0.0;
  for (size_t i = 0; i < atoms.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const double dx = atoms[i].r[0] - atoms[j].r[0], dy = atoms[i].r[1] - atoms[j].r[1],
                   dz = atoms[i].r[2] - atoms[j].r[2];
      e += atoms[i].charge() * atoms[j].charge() / std::sqrt(dx * dx + dy * dy + dz * dz);
    }
  return e;
}

std::string Molecule::formula() const {
  std::map<std::string, int> count;
  for (const auto& a : atoms) ++count[element(a.Z).symbol];
  std::ostringstream out;
  auto put = [&](const std::string& s) {
    auto it = count.find(s);
    if (it == count.end()) return;
    out << s;
    if (it->second > 1) out << it->second;
    count.erase(it);
  };
  if (count.count("C")) {  // Hill order: C, H, then alphabetical
    put("C");
    put("H");
  }
  for (const auto& [s, n] : count) out << s << (n > 1 ? std::to_string(n) : "");
  return out.str();
}

void check_charge_multiplicity(const Molecule& mol, const std::string& where) {
  const int n = mol.n_electrons();
  const std::string cm =
      "charge " + std::to_string(mol.charge) + " and multiplicity " + std::to_string(mol.multiplicity);
  if (mol.atoms.empty()) throw InputError(where + ": no atoms");
  const double q = mol.nuclear_charge();
  if (std::abs(q - std::round(q)) > 1e-6) {
    std::ostringstream msg;
    msg << where << ": the nuclear charges (pseudo-atoms included) sum to " << q
        << ", which leaves no whole number of electrons";
    throw InputError(msg.str());
  }
  if (std::abs(mol.charge) > 10000)
    throw InputError(where + ": charge " + std::to_string(mol.charge) + " is out of range");
  if (mol.multiplicity < 1)
    throw InputError(where + ": multiplicity " + std::to_string(mol.multiplicity) + " must be >= 1");
  if (n < 0)
    throw InputError(where + ": " + cm + " leave " + std::to_string(n) + " electrons");
  if (n == 0) throw InputError(where + ": " + cm + " leave no electrons");
  if ((n + mol.multiplicity - 1) % 2 != 0)
    throw InputError(where + ": " + cm + " are impossible with " + std::to_string(n) +
                     " electrons (an " + (n % 2 ? "odd" : "even") + " electron count needs an " +
                     (n % 2 ? "even" : "odd") + " multiplicity)");
  if (mol.multiplicity - 1 > n)
    throw InputError(where + ": " + cm + " need " + std::to_string(mol.multiplicity - 1) +
                     " unpaired electrons but there are only " + std::to_string(n));
}

void finalize_spin(Molecule& mol, const std::string& where) {
  if (mol.multiplicity == 0) mol.multiplicity = (mol.n_electrons() % 2 != 0) ? 2 : 1;
  check_charge_multiplicity(mol, where);
}

void check_distances(const Molecule& mol, const std::string& where, const std::vector<int>& lines,
                     double min_distance_angstrom) {
  const double dmin = min_distance_angstrom * units::angstrom_in_bohr;
  for (size_t i = 0; i < mol.atoms.size(); ++i)
    for (size_t j = 0; j < i; ++j) {
      const auto& a = mol.atoms[i].r;
      const auto& b = mol.atoms[j].r;
      const double d = std::sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                                 (a[2] - b[2]) * (a[2] - b[2]));
      if (d < dmin) {
        std::ostringstream msg;
        msg << "atoms " << j + 1 << " (" << element(mol.atoms[j].Z).symbol << ") and " << i + 1
            << " (" << element(mol.atoms[i].Z).symbol << ") are " << d * units::bohr_in_angstrom
            << " Angstrom apart (closer than " << min_distance_angstrom << " Angstrom)";
        const int line = i < lines.size() ? lines[i] : 0;
        throw InputError(located(where, line, msg.str()));
      }
    }
}

}  // namespace molecules
}  // namespace cagescreen
