#include "descriptors/molden.hpp"

#include <cmath>
#include <fstream>
#include <iomanip>
#include <stdexcept>

#include "molecules/elements.hpp"

namespace cagescreen::descriptors {

namespace {

/// Molden's order of the Cartesian components of shell l, as exponents (a, b, c) of x, y, z.
std::vector<std::array<int, 3>> molden_cartesian(int l) {
  switch (l) {
    case 0: return {{0, 0, 0}};
    case 1: return {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
    case 2: return {{2, 0, 0}, {0, 2, 0}, {0, 0, 2}, {1, 1, 0}, {1, 0, 1}, {0, 1, 1}};
    case 3:
      return {{3, 0, 0}, {0, 3, 0}, {0, 0, 3}, {1, 2, 0}, {2, 1, 0},
              {2, 0, 1}, {1, 0, 2}, {0, 1, 2}, {0, 2, 1}, {1, 1, 1}};
    case 4:
      return {{4, 0, 0}, {0, 4, 0}, {0, 0, 4}, {3, 1, 0}, {3, 0, 1}, {1, 3, 0}, {0, 3, 1}, {1, 0, 3},
              {0, 1, 3}, {2, 2, 0}, {2, 0, 2}, {0, 2, 2}, {2, 1, 1}, {1, 2, 1}, {1, 1, 2}};
    default: throw std::invalid_argument("Molden files hold shells up to g (L=4)");
  }
}

/// Position of Cartesian component (a, b, c) in libint2's order (xx, xy, xz, yy, yz, zz, ...).
int libint_cartesian_index(int l, int a, int b) {
  const int i = l - a;  // libint2: for a = l..0, for b = l−a..0
  return i * (i + 1) / 2 + (i - b);
}

}  // namespace

void write_molden(const scf::Wavefunction& wfn, std::ostream& out) {
  const auto& basis = wfn.basis;
  const auto& mol = wfn.molecule;
  for (const auto& s : basis.shells)
    if (s.l > 4) throw std::invalid_argument("Molden files hold shells up to g (L=4); this basis has L=" + std::to_string(s.l));
  out << "[Molden Format]\n[Title]\n" << (mol.name.empty() ? "cagescreen" : mol.name) << " " << wfn.level.method() << "/"
      << basis.name << "\n[Atoms] AU\n";
  out << std::scientific << std::setprecision(10);
  for (std::size_t a = 0; a < mol.atoms.size(); ++a) {
    const auto& at = mol.atoms[a];
    out << std::setw(3) << molecules::element(at.Z).symbol << std::setw(6) << a + 1 << std::setw(4) << at.Z
        << std::setw(20) << at.r[0] << std::setw(20) << at.r[1] << std::setw(20) << at.r[2] << "\n";
  }
  out << "[GTO]\n";
  static const char letters[] = "spdfg";
  for (std::size_t a = 0; a < mol.atoms.size(); ++a) {
    out << std::setw(4) << a + 1 << " 0\n";
    for (const auto& s : basis.shells) {
      if (s.atom != static_cast<int>(a)) continue;
      // Contraction coefficients of normalised primitives, rescaled so the contraction is normalised.
      const std::size_t n = s.exponents.size();
      double norm = 0.0;
      for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j) {
          const double ai = s.exponents[i], aj = s.exponents[j];
          norm += s.coefficients[i] * s.coefficients[j] * std::pow(2.0 * std::sqrt(ai * aj) / (ai + aj), s.l + 1.5);
        }
      out << " " << letters[s.l] << std::setw(5) << n << " 1.00\n";
      for (std::size_t i = 0; i < n; ++i)
        out << std::setw(20) << s.exponents[i] << std::setw(20) << s.coefficients[i] / std::sqrt(norm) << "\n";
    }
    out << "\n";
  }
  bool pure_d = false, pure_f = false, pure_g = false;
  for (const auto& s : basis.shells) {
    if (s.l == 2) pure_d = s.pure;
    if (s.l == 3) pure_f = s.pure;
    if (s.l == 4) pure_g = s.pure;
  }
  if (pure_d && pure_f) out << "[5D7F]\n";
  else if (pure_d) out << "[5D10F]\n";
  else if (pure_f) out << "[7F]\n";
  if (pure_g) out << "[9G]\n";

  // Row permutation from libint2's functions to Molden's, shell by shell.
  std::vector<int> from(basis.nbf);
  int row = 0;
  for (std::size_t si = 0; si < basis.shells.size(); ++si) {
    const auto& s = basis.shells[si];
    const int off = basis.offsets[si];
    if (s.pure) {
      for (int k = 0; k <= 2 * s.l; ++k) {
        const int m = k == 0 ? 0 : (k % 2 ? (k + 1) / 2 : -k / 2);
        from[row++] = off + s.l + m;
      }
    } else {
      for (const auto& [x, y, z] : molden_cartesian(s.l)) {
        (void)z;
        // Every component keeps the normalisation of x^l (libint2's and Gaussian's convention,
        // which psi4's Molden writer uses too), so the coefficients go out unscaled.
        from[row++] = off + libint_cartesian_index(s.l, x, y);
      }
    }
  }
  out << "[MO]\n";
  const bool restricted = wfn.reference == scf::Reference::RHF;
  auto write_spin = [&](const scf::SpinOrbitals& so, const char* spin, double occ_factor) {
    for (int i = 0; i < so.C.cols(); ++i) {
      out << " Sym= A\n Ene= " << std::setprecision(10) << so.energies(i) << "\n Spin= " << spin << "\n Occup= "
          << std::fixed << std::setprecision(6) << occ_factor * so.occupations(i) << std::scientific << "\n";
      for (int r = 0; r < basis.nbf; ++r)
        out << std::setw(6) << r + 1 << std::setw(22) << std::setprecision(12) << so.C(from[r], i) << "\n";
    }
  };
  if (restricted) {
    write_spin(wfn.alpha, "Alpha", 2.0);
  } else {
    write_spin(wfn.alpha, "Alpha", 1.0);
    write_spin(wfn.beta, "Beta", 1.0);
  }
}

void write_molden(const scf::Wavefunction& wfn, const std::string& path) {
  std::ofstream out(path);
  if (!out) throw std::runtime_error(path + ": cannot write the Molden file");
  write_molden(wfn, out);
  if (!out) throw std::runtime_error(path + ": error while writing the Molden file");
}

}  // namespace cagescreen::descriptors
