#include "descriptors/surface.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "molecules/error.hpp"
#include "scf/integrals.hpp"

namespace cagescreen::descriptors {
namespace {

using Vec = std::array<double, 3>;

Vec sub(const Vec& a, const Vec& b) { return {a[0] - b[0], a[1] - b[1], a[2] - b[2]}; }
Vec add(const Vec& a, const Vec& b) { return {a[0] + b[0], a[1] + b[1], a[2] + b[2]}; }
Vec scale(const Vec& a, double s) { return {a[0] * s, a[1] * s, a[2] * s}; }
double dot(const Vec& a, const Vec& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
Vec cross(const Vec& a, const Vec& b) {
  return {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
}
double norm(const Vec& a) { return std::sqrt(dot(a, a)); }

int nearest_atom(const Vec& r, const std::vector<molecules::Atom>& atoms) {
  int best = 0;
  double dbest = HUGE_VAL;
  for (std::size_t i = 0; i < atoms.size(); ++i) {
    const double d = norm(sub(r, atoms[i].r));
    if (d < dbest) dbest = d, best = static_cast<int>(i);
  }
  return best;
}

// The six tetrahedra of a cell around its main diagonal 0–7 (corner = dx + 2 dy + 4 dz).
constexpr int tetrahedra[6][4] = {{0, 1, 3, 7}, {0, 1, 5, 7}, {0, 2, 3, 7}, {0, 2, 6, 7}, {0, 4, 5, 7}, {0, 4, 6, 7}};

}  // namespace

double Mesh::area() const {
  double a = 0.0;
  for (const auto& t : triangles)
    a += 0.5 * norm(cross(sub(vertices[t[1]], vertices[t[0]]), sub(vertices[t[2]], vertices[t[0]])));
  return a;
}

double Mesh::volume() const {
  double v = 0.0;
  for (const auto& t : triangles) v += dot(vertices[t[0]], cross(vertices[t[1]], vertices[t[2]])) / 6.0;
  return v;
}

std::vector<std::vector<int>> Mesh::neighbours() const {
  std::vector<std::vector<int>> nb(vertices.size());
  for (const auto& t : triangles)
    for (int e = 0; e < 3; ++e) {
      nb[t[e]].push_back(t[(e + 1) % 3]);
      nb[t[e]].push_back(t[(e + 2) % 3]);
    }
  for (auto& n : nb) {
    std::sort(n.begin(), n.end());
    n.erase(std::unique(n.begin(), n.end()), n.end());
  }
  return nb;
}

Mesh isosurface(const CubeGrid& grid, const std::vector<double>& f, double iso, const Field& field) {
  if (f.size() != grid.size()) throw InputError("isosurface: values do not match the grid");
  const int nx = grid.n[0], ny = grid.n[1], nz = grid.n[2];
  auto index = [&](int i, int j, int k) { return (std::size_t(i) * ny + j) * nz + k; };
  auto position = [&](std::size_t g) {
    const int k = static_cast<int>(g % nz), j = static_cast<int>((g / nz) % ny), i = static_cast<int>(g / nz / ny);
    Vec p = grid.origin;
    for (int d = 0; d < 3; ++d) p[d] += i * grid.axes[0][d] + j * grid.axes[1][d] + k * grid.axes[2][d];
    return p;
  };
  Mesh mesh;
  std::vector<std::pair<std::size_t, std::size_t>> edges;  // (inside, outside) grid points per vertex
  std::unordered_map<std::uint64_t, int> vertex_of_edge;
  auto vertex = [&](std::size_t in, std::size_t out) {
    const std::uint64_t key = std::uint64_t(std::min(in, out)) * grid.size() + std::max(in, out);
    auto [it, fresh] = vertex_of_edge.try_emplace(key, static_cast<int>(mesh.vertices.size()));
    if (fresh) {
      const double a = f[in], b = f[out];
      // Crossing where f = iso: linear in ln f when both are positive (exact for e^{−κr}).
      double t = (a - iso) / (a - b);
      if (a > 0 && b > 0) t = (std::log(a) - std::log(iso)) / (std::log(a) - std::log(b));
      const Vec pa = position(in), pb = position(out);
      mesh.vertices.push_back(add(pa, scale(sub(pb, pa), t)));
      edges.push_back({in, out});
    }
    return it->second;
  };
  auto emit = [&](int v0, int v1, int v2, const Vec& inside, const Vec& outside) {
    const Vec n = cross(sub(mesh.vertices[v1], mesh.vertices[v0]), sub(mesh.vertices[v2], mesh.vertices[v0]));
    if (dot(n, sub(outside, inside)) < 0) std::swap(v1, v2);
    mesh.triangles.push_back({v0, v1, v2});
  };
  for (int i = 0; i + 1 < nx; ++i)
    for (int j = 0; j + 1 < ny; ++j)
      for (int k = 0; k + 1 < nz; ++k) {
        std::size_t corner[8];
        int n_in = 0;
        for (int c = 0; c < 8; ++c) {
          corner[c] = index(i + (c & 1), j + ((c >> 1) & 1), k + ((c >> 2) & 1));
          n_in += f[corner[c]] > iso;
        }
        if (n_in == 0 || n_in == 8) continue;
        for (const auto& tet : tetrahedra) {
          std::size_t in[4], out[4];
          int ni = 0, no = 0;
          for (int c : tet) (f[corner[c]] > iso ? in[ni++] : out[no++]) = corner[c];
          if (ni == 0 || no == 0) continue;
          Vec cin{0, 0, 0}, cout{0, 0, 0};
          for (int q = 0; q < ni; ++q) cin = add(cin, scale(position(in[q]), 1.0 / ni));
          for (int q = 0; q < no; ++q) cout = add(cout, scale(position(out[q]), 1.0 / no));
          if (ni == 1) {
            emit(vertex(in[0], out[0]), vertex(in[0], out[1]), vertex(in[0], out[2]), cin, cout);
          } else if (no == 1) {
            emit(vertex(in[0], out[0]), vertex(in[1], out[0]), vertex(in[2], out[0]), cin, cout);
          } else {  // two in, two out: a quadrilateral with corners around the cycle i0o0, i0o1, i1o1, i1o0
            const int a = vertex(in[0], out[0]), b = vertex(in[0], out[1]), c = vertex(in[1], out[1]),
                      d = vertex(in[1], out[0]);
            emit(a, b, c, cin, cout);
            emit(a, c, d, cin, cout);
          }
        }
      }
  if (!field || mesh.vertices.empty()) return mesh;
  // Regula falsi (Illinois) on each edge, all vertices at once: g(t) = ln f(t) − ln iso.
  const std::size_t nv = mesh.vertices.size();
  std::vector<double> t0(nv, 0.0), t1(nv, 1.0), g0(nv), g1(nv), t(nv);
  std::vector<int> side(nv, 0);
  auto g_of = [&](double v) { return std::log(std::max(v, 1e-300)) - std::log(iso); };
  for (std::size_t v = 0; v < nv; ++v) {
    g0[v] = g_of(f[edges[v].first]);
    g1[v] = g_of(f[edges[v].second]);
    const Vec pa = position(edges[v].first), pb = position(edges[v].second);
    t[v] = dot(sub(mesh.vertices[v], pa), sub(pb, pa)) / dot(sub(pb, pa), sub(pb, pa));
  }
  std::vector<double> gt(nv);
  for (int it = 0; it < 6; ++it) {
    const auto values = field(mesh.vertices);
    for (std::size_t v = 0; v < nv; ++v) {
      gt[v] = g_of(values[v]);
      if (gt[v] > 0) {
        t0[v] = t[v], g0[v] = gt[v];
        if (side[v] == 1) g1[v] *= 0.5;
        side[v] = 1;
      } else {
        t1[v] = t[v], g1[v] = gt[v];
        if (side[v] == -1) g0[v] *= 0.5;
        side[v] = -1;
      }
      t[v] = t0[v] + (t1[v] - t0[v]) * g0[v] / (g0[v] - g1[v]);
      const Vec pa = position(edges[v].first), pb = position(edges[v].second);
      mesh.vertices[v] = add(pa, scale(sub(pb, pa), t[v]));
    }
  }
  return mesh;
}

SurfaceStatistics surface_statistics(const Mesh& mesh, const std::vector<double>& V,
                                     const std::vector<molecules::Atom>& atoms) {
  SurfaceStatistics s;
  s.volume = mesh.volume();
  std::vector<double> area(mesh.triangles.size()), value(mesh.triangles.size());
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t) {
    const auto& tr = mesh.triangles[t];
    const auto &a = mesh.vertices[tr[0]], &b = mesh.vertices[tr[1]], &c = mesh.vertices[tr[2]];
    area[t] = 0.5 * norm(cross(sub(b, a), sub(c, a)));
    value[t] = (V[tr[0]] + V[tr[1]] + V[tr[2]]) / 3.0;
    s.area += area[t];
    s.average += area[t] * value[t];
    if (value[t] > 0) {
      s.positive_area += area[t];
      s.average_positive += area[t] * value[t];
    } else {
      s.negative_area += area[t];
      s.average_negative += area[t] * value[t];
    }
  }
  if (s.area > 0) s.average /= s.area;
  if (s.positive_area > 0) s.average_positive /= s.positive_area;
  if (s.negative_area > 0) s.average_negative /= s.negative_area;
  for (std::size_t t = 0; t < mesh.triangles.size(); ++t) {
    s.pi += area[t] * std::abs(value[t] - s.average);
    if (value[t] > 0)
      s.sigma2_positive += area[t] * (value[t] - s.average_positive) * (value[t] - s.average_positive);
    else
      s.sigma2_negative += area[t] * (value[t] - s.average_negative) * (value[t] - s.average_negative);
  }
  if (s.area > 0) s.pi /= s.area;
  if (s.positive_area > 0) s.sigma2_positive /= s.positive_area;
  if (s.negative_area > 0) s.sigma2_negative /= s.negative_area;
  s.sigma2_total = s.sigma2_positive + s.sigma2_negative;
  s.nu = s.sigma2_total > 0 ? s.sigma2_positive * s.sigma2_negative / (s.sigma2_total * s.sigma2_total) : 0.0;
  // Local extrema: vertices above (below) all of their neighbours.
  const auto nb = mesh.neighbours();
  for (std::size_t v = 0; v < mesh.vertices.size(); ++v) {
    if (nb[v].empty()) continue;
    bool is_max = true, is_min = true;
    for (int w : nb[v]) {
      is_max = is_max && V[v] > V[w];
      is_min = is_min && V[v] < V[w];
    }
    if (is_max || is_min)
      (is_max ? s.maxima : s.minima)
          .push_back({mesh.vertices[v], V[v], nearest_atom(mesh.vertices[v], atoms), is_max});
  }
  std::sort(s.maxima.begin(), s.maxima.end(), [](const auto& a, const auto& b) { return a.value > b.value; });
  std::sort(s.minima.begin(), s.minima.end(), [](const auto& a, const auto& b) { return a.value < b.value; });
  if (!V.empty()) {
    const auto mx = std::max_element(V.begin(), V.end()) - V.begin();
    const auto mn = std::min_element(V.begin(), V.end()) - V.begin();
    s.vs_max = V[mx], s.vs_min = V[mn];
    s.vs_max_position = mesh.vertices[mx], s.vs_min_position = mesh.vertices[mn];
    s.vs_max_atom = nearest_atom(s.vs_max_position, atoms);
    s.vs_min_atom = nearest_atom(s.vs_min_position, atoms);
  }
  return s;
}

namespace {

/// Moves each extremum to the exact local maximum (minimum) of V on the surface ρ = iso:
/// steps along the tangential ESP gradient (central differences), each followed by Newton
/// steps in ln ρ back onto the surface, with step control; all extrema are advanced together so
/// every field evaluation is one batched call.
void refine_extrema(std::vector<SurfaceExtremum>& ex, const Field& rho, const Field& esp, double iso) {
  const std::size_t n = ex.size();
  if (n == 0) return;
  constexpr double h = 1e-3;
  const double ln_iso = std::log(iso);
  // Central-difference gradient of ln ρ at all points, and ln ρ itself.
  auto ln_rho_and_gradient = [&](const std::vector<Vec>& pts, std::vector<double>& val, std::vector<Vec>& grad) {
    std::vector<Vec> q;
    for (const auto& p : pts) {
      q.push_back(p);
      for (int d = 0; d < 3; ++d) {
        Vec a = p, b = p;
        a[d] += h, b[d] -= h;
        q.push_back(a), q.push_back(b);
      }
    }
    const auto v = rho(q);
    val.resize(pts.size()), grad.resize(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double* w = v.data() + 7 * i;
      auto lg = [](double x) { return std::log(std::max(x, 1e-300)); };
      val[i] = lg(w[0]);
      for (int d = 0; d < 3; ++d) grad[i][d] = (lg(w[1 + 2 * d]) - lg(w[2 + 2 * d])) / (2 * h);
    }
  };
  auto project = [&](std::vector<Vec>& pts, std::vector<Vec>& normal) {
    std::vector<double> val;
    std::vector<Vec> grad;
    for (int it = 0; it < 4; ++it) {
      ln_rho_and_gradient(pts, val, grad);
      for (std::size_t i = 0; i < pts.size(); ++i) {
        const double g2 = dot(grad[i], grad[i]);
        if (g2 > 0) pts[i] = sub(pts[i], scale(grad[i], (val[i] - ln_iso) / g2));
      }
    }
    normal.resize(pts.size());
    for (std::size_t i = 0; i < pts.size(); ++i) {
      const double g = norm(grad[i]);
      normal[i] = g > 0 ? scale(grad[i], 1.0 / g) : Vec{0, 0, 1};
    }
  };
  std::vector<Vec> r(n), normal;
  for (std::size_t i = 0; i < n; ++i) r[i] = ex[i].position;
  project(r, normal);
  auto values = esp(r);
  std::vector<double> step(n, 0.1);
  std::vector<char> active(n, 1);
  for (int it = 0; it < 60; ++it) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < n; ++i)
      if (active[i]) idx.push_back(i);
    if (idx.empty()) break;
    std::vector<Vec> q;
    for (std::size_t i : idx)
      for (int d = 0; d < 3; ++d) {
        Vec a = r[i], b = r[i];
        a[d] += h, b[d] -= h;
        q.push_back(a), q.push_back(b);
      }
    const auto vq = esp(q);
    std::vector<Vec> trial;
    std::vector<std::size_t> moving;
    for (std::size_t k = 0; k < idx.size(); ++k) {
      const std::size_t i = idx[k];
      Vec g;
      for (int d = 0; d < 3; ++d) g[d] = (vq[6 * k + 2 * d] - vq[6 * k + 2 * d + 1]) / (2 * h);
      if (!ex[i].maximum) g = scale(g, -1.0);
      const Vec gt = sub(g, scale(normal[i], dot(g, normal[i])));
      const double gn = norm(gt);
      if (gn < 1e-9 || step[i] < 1e-5) {
        active[i] = 0;
        continue;
      }
      trial.push_back(add(r[i], scale(gt, step[i] / gn)));
      moving.push_back(i);
    }
    if (moving.empty()) break;
    std::vector<Vec> tn;
    project(trial, tn);
    const auto vt = esp(trial);
    for (std::size_t k = 0; k < moving.size(); ++k) {
      const std::size_t i = moving[k];
      const double gain = ex[i].maximum ? vt[k] - values[i] : values[i] - vt[k];
      if (gain > 0) {
        r[i] = trial[k], normal[i] = tn[k], values[i] = vt[k];
        step[i] = std::min(1.5 * step[i], 0.3);
      } else {
        step[i] *= 0.3;
      }
    }
  }
  for (std::size_t i = 0; i < n; ++i) ex[i].position = r[i], ex[i].value = values[i];
}

/// Extrema closer than `distance` (Bohr) to a more extreme one of the same kind are dropped.
void merge_extrema(std::vector<SurfaceExtremum>& ex, double distance) {
  std::sort(ex.begin(), ex.end(), [](const auto& a, const auto& b) {
    return a.maximum ? a.value > b.value : a.value < b.value;
  });
  std::vector<SurfaceExtremum> kept;
  for (const auto& e : ex) {
    bool dup = false;
    for (const auto& k : kept) dup = dup || norm(sub(e.position, k.position)) < distance;
    if (!dup) kept.push_back(e);
  }
  ex = std::move(kept);
}

}  // namespace

EspSurface esp_surface(const scf::Wavefunction& wfn, const SurfaceSettings& settings) {
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  if (!(settings.isovalue > 0) || !(settings.spacing > 0))
    throw InputError("surface isovalue and spacing must be positive");
  EspSurface out;
  const auto& atoms = wfn.molecule.atoms;
  const Field rho = [&](const std::vector<Vec>& p) { return density_at(wfn, p); };
  const scf::ElectrostaticPotential potential(wfn.basis, wfn.molecule, wfn.total_density());
  double esp_seconds = 0.0;
  const Field esp = [&](const std::vector<Vec>& p) {
    const auto t0 = clock::now();
    const Eigen::VectorXd v = potential(p, settings.threads);
    esp_seconds += std::chrono::duration<double>(clock::now() - t0).count();
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  // A box around the molecule whose faces lie outside the surface (grown until they do).
  CubeGrid grid;
  std::vector<double> values;
  for (double padding = 6.0;; padding += 3.0) {
    grid = CubeGrid::around(wfn.molecule, settings.spacing, padding);
    values = rho(grid.points());
    double boundary = 0.0;
    for (int i = 0; i < grid.n[0]; ++i)
      for (int j = 0; j < grid.n[1]; ++j)
        for (int k = 0; k < grid.n[2]; ++k)
          if (i == 0 || j == 0 || k == 0 || i == grid.n[0] - 1 || j == grid.n[1] - 1 || k == grid.n[2] - 1)
            boundary = std::max(boundary, values[(std::size_t(i) * grid.n[1] + j) * grid.n[2] + k]);
    if (boundary < settings.isovalue) break;
    if (padding > 20.0)
      throw InputError("the density does not fall below the surface isovalue within 20 Bohr of the nuclei");
  }
  out.seconds_density = std::chrono::duration<double>(clock::now() - t_start).count();
  out.mesh = isosurface(grid, values, settings.isovalue, rho);
  out.esp = esp(out.mesh.vertices);
  out.stats = surface_statistics(out.mesh, out.esp, atoms);
  if (settings.refine_extrema) {
    auto& s = out.stats;
    refine_extrema(s.maxima, rho, esp, settings.isovalue);
    refine_extrema(s.minima, rho, esp, settings.isovalue);
    merge_extrema(s.maxima, 0.1);
    merge_extrema(s.minima, 0.1);
    for (auto* list : {&s.maxima, &s.minima})
      for (auto& e : *list) e.nearest_atom = nearest_atom(e.position, atoms);
    // The global extrema are the best refined local ones (never worse than the best vertex).
    if (!s.maxima.empty() && s.maxima.front().value >= s.vs_max)
      s.vs_max = s.maxima.front().value, s.vs_max_position = s.maxima.front().position,
      s.vs_max_atom = s.maxima.front().nearest_atom;
    if (!s.minima.empty() && s.minima.front().value <= s.vs_min)
      s.vs_min = s.minima.front().value, s.vs_min_position = s.minima.front().position,
      s.vs_min_atom = s.minima.front().nearest_atom;
  }
  out.seconds_esp = esp_seconds;
  out.seconds_total = std::chrono::duration<double>(clock::now() - t_start).count();
  return out;
}

}  // namespace cagescreen::descriptors
