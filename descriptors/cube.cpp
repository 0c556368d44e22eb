#include "descriptors/cube.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "molecules/error.hpp"
#include "molecules/parse.hpp"
#include "molecules/units.hpp"
#include "scf/integrals.hpp"
#include "scf/xc.hpp"

namespace cagescreen::descriptors {

std::vector<std::array<double, 3>> CubeGrid::points() const {
  std::vector<std::array<double, 3>> p;
  p.reserve(size());
  for (int i = 0; i < n[0]; ++i)
    for (int j = 0; j < n[1]; ++j)
      for (int k = 0; k < n[2]; ++k) {
        std::array<double, 3> r;
        for (int d = 0; d < 3; ++d) r[d] = origin[d] + i * axes[0][d] + j * axes[1][d] + k * axes[2][d];
        p.push_back(r);
      }
  return p;
}

CubeGrid CubeGrid::around(const molecules::Molecule& mol, double spacing, double padding) {
  if (!(spacing > 0) || !(padding >= 0)) throw InputError("cube spacing must be positive and padding not negative");
  CubeGrid g;
  std::array<double, 3> lo{1e300, 1e300, 1e300}, hi{-1e300, -1e300, -1e300};
  for (const auto& a : mol.atoms)
    for (int d = 0; d < 3; ++d) lo[d] = std::min(lo[d], a.r[d]), hi[d] = std::max(hi[d], a.r[d]);
  for (int d = 0; d < 3; ++d) {
    g.origin[d] = lo[d] - padding;
    g.n[d] = static_cast<int>(std::ceil((hi[d] - lo[d] + 2 * padding) / spacing)) + 1;
    g.axes[d] = {0, 0, 0};
    g.axes[d][d] = spacing;
  }
  if (g.size() > 50'000'000) throw InputError("cube grid of " + std::to_string(g.size()) + " points is too large");
  return g;
}

void write_cube(const std::string& path, const Cube& c) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw InputError(path + ": cannot write the cube file");
  std::fprintf(f, "%s\n%s\n", c.comment1.c_str(), c.comment2.c_str());
  std::fprintf(f, "%5d %11.6f %11.6f %11.6f\n", static_cast<int>(c.atoms.size()), c.grid.origin[0], c.grid.origin[1],
               c.grid.origin[2]);
  for (int d = 0; d < 3; ++d)
    std::fprintf(f, "%5d %11.6f %11.6f %11.6f\n", c.grid.n[d], c.grid.axes[d][0], c.grid.axes[d][1], c.grid.axes[d][2]);
  for (const auto& a : c.atoms)
    std::fprintf(f, "%5d %11.6f %11.6f %11.6f %11.6f\n", a.Z, a.charge(), a.r[0], a.r[1], a.r[2]);
  const int nz = c.grid.n[2];
  for (std::size_t row = 0; row < c.values.size() / nz; ++row) {
    for (int k = 0; k < nz; ++k) {
      std::fprintf(f, " %12.5E", c.values[row * nz + k]);
      if (k % 6 == 5 || k == nz - 1) std::fputc('\n', f);
    }
  }
  const bool ok = std::ferror(f) == 0;
  if (std::fclose(f) != 0 || !ok) throw InputError(path + ": error while writing the cube file");
}

Cube read_cube(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path + ": cannot open the cube file");
  Cube c;
  int line_no = 0;
  std::string line;
  auto next = [&](const char* what) {
    if (!std::getline(in, line)) throw InputError(path + ":" + std::to_string(line_no + 1) + ": missing " + what);
    ++line_no;
    return std::istringstream(line);
  };
  next("title line");
  c.comment1 = line;
  next("second comment line");
  c.comment2 = line;
  int natoms = 0;
  {
    auto s = next("atom count and origin");
    if (!(s >> natoms >> c.grid.origin[0] >> c.grid.origin[1] >> c.grid.origin[2]))
      throw InputError(path + ":3: expected the atom count and the origin");
    if (natoms < 0) throw InputError(path + ":3: several data sets per cube (negative atom count) are not supported");
  }
  bool angstrom = false;
  for (int d = 0; d < 3; ++d) {
    auto s = next("grid axis");
    if (!(s >> c.grid.n[d] >> c.grid.axes[d][0] >> c.grid.axes[d][1] >> c.grid.axes[d][2]) || c.grid.n[d] == 0)
      throw InputError(path + ":" + std::to_string(line_no) + ": expected a point count and an axis vector");
    if (c.grid.n[d] < 0) angstrom = true, c.grid.n[d] = -c.grid.n[d];
  }
  const double unit = angstrom ? units::angstrom_in_bohr : 1.0;
  if (angstrom)
    for (auto& ax : c.grid.axes)
      for (auto& v : ax) v *= unit;
  for (int a = 0; a < natoms; ++a) {
    auto s = next("atom line");
    molecules::Atom at;
    double q;
    if (!(s >> at.Z >> q >> at.r[0] >> at.r[1] >> at.r[2]))
      throw InputError(path + ":" + std::to_string(line_no) + ": expected Z, charge, x, y, z");
    for (auto& v : at.r) v *= unit;
    c.atoms.push_back(at);
  }
  c.values.reserve(c.grid.size());
  while (std::getline(in, line)) {
    ++line_no;
    std::istringstream s(line);
    std::string tok;
    while (s >> tok) {
      const auto v = parse_real(tok);
      if (!v) throw InputError(path + ":" + std::to_string(line_no) + ": " + in_quotes(tok) + " is not a finite number");
      c.values.push_back(*v);
    }
  }
  if (c.values.size() != c.grid.size())
    throw InputError(path + ": expected " + std::to_string(c.grid.size()) + " values, found " +
                     std::to_string(c.values.size()));
  return c;
}

namespace {

/// f(points of one chunk) → values, over chunks of at most 4096 points (bounds the
/// points × functions scratch matrix of the basis values).
template <typename F>
std::vector<double> by_chunks(const std::vector<std::array<double, 3>>& points, F f) {
  constexpr std::size_t chunk_points = 4096;
  std::vector<double> out(points.size());
  for (std::size_t i0 = 0; i0 < points.size(); i0 += chunk_points) {
    const std::size_t n = std::min(chunk_points, points.size() - i0);
    const Eigen::VectorXd v = f(std::vector<std::array<double, 3>>(points.begin() + i0, points.begin() + i0 + n));
    for (std::size_t i = 0; i < n; ++i) out[i0 + i] = v(i);
  }
  return out;
}

}  // namespace

std::vector<double> density_at(const scf::Wavefunction& wfn, const std::vector<std::array<double, 3>>& points) {
  // ρ = Σσ Σi nσi ψσi²: the occupied orbitals scaled by √n (fewer columns than D has).
  std::vector<Eigen::VectorXd> cols;
  for (const auto* so : {&wfn.alpha, &wfn.beta})
    for (int i = 0; i < so->C.cols(); ++i)
      if (so->occupations(i) > 0) cols.push_back(std::sqrt(so->occupations(i)) * so->C.col(i));
  Eigen::MatrixXd C(wfn.basis.nbf, static_cast<Eigen::Index>(cols.size()));
  for (std::size_t i = 0; i < cols.size(); ++i) C.col(static_cast<Eigen::Index>(i)) = cols[i];
  return by_chunks(points, [&](const std::vector<std::array<double, 3>>& part) -> Eigen::VectorXd {
    const Eigen::MatrixXd psi = scf::basis_values(wfn.basis, part) * C;
    return psi.rowwise().squaredNorm();
  });
}

std::vector<double> orbital_at(const scf::Wavefunction& wfn, int spin, int index,
                               const std::vector<std::array<double, 3>>& points) {
  const auto& so = spin == 0 ? wfn.alpha : wfn.beta;
  if (index < 0 || index >= so.C.cols())
    throw InputError("orbital " + std::to_string(index + 1) + " does not exist (" + std::to_string(so.C.cols()) +
                     " orbitals)");
  return by_chunks(points, [&](const std::vector<std::array<double, 3>>& part) -> Eigen::VectorXd {
    return scf::basis_values(wfn.basis, part) * so.C.col(index);
  });
}

std::vector<double> esp_at(const scf::Wavefunction& wfn, const std::vector<std::array<double, 3>>& points) {
  const Eigen::VectorXd v = scf::electrostatic_potential(wfn.basis, wfn.molecule, wfn.total_density(), points);
  return std::vector<double>(v.data(), v.data() + v.size());
}

}  // namespace cagescreen::descriptors
