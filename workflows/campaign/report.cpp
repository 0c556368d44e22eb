#include "workflows/campaign/report.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <tuple>

#include "molecules/elements.hpp"
#include "molecules/units.hpp"
#include "workflows/campaign/plot.hpp"
#include "workflows/qcschema.hpp"
#include "workflows/campaign/ranking.hpp"
#include "workflows/scalars.hpp"
#include "workflows/campaign/output_files.hpp"
#include "workflows/redox.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;
using json = nlohmann::json;


namespace {

int scalar_index(const std::string& name) {
  const auto& list = scalar_descriptors();
  for (std::size_t i = 0; i < list.size(); ++i)
    if (name == list[i].name) return static_cast<int>(i);
  return -1;
}

std::optional<double> value(const ResultRow& r, const std::string& name) {
  const int i = scalar_index(name);
  return i >= 0 && i < static_cast<int>(r.scalars.size()) ? r.scalars[i] : std::nullopt;
}

std::string fmt(std::optional<double> v, int digits = 2) {
  if (!v) return "";
  std::ostringstream s;
  s << std::fixed << std::setprecision(digits) << *v;
  return s.str();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// The campaign's rows in manifest order, with their ranking. With the redox group, each row's
/// redox scalars come from its cation and anion rows (when both it and they are done).
struct Table {
  std::vector<ResultRow> rows;
  std::vector<bool> reference;              ///< per row: a reference species (not ranked)
  std::vector<std::optional<ResultRow>> cation, anion;  ///< per row, with the redox group
  std::vector<ResultRow> ion_rows;          ///< every ion row (results.csv, results.json)
  std::vector<Ranked> ranked;               ///< sorted best first; index into rows
  std::map<std::size_t, const Ranked*> by;  ///< row index -> its ranking
};

void set_value(ResultRow& r, const std::string& name, double v) {
  const int i = scalar_index(name);
  if (i >= 0 && i < static_cast<int>(r.scalars.size()) && std::isfinite(v)) r.scalars[i] = v;
}

/// Fills the redox scalars of a neutral row from its ions' energies (vertical, the level's medium).
void fill_redox(ResultRow& r, const std::optional<ResultRow>& cation, const std::optional<ResultRow>& anion,
                double she_absolute) {
  auto energy = [](const std::optional<ResultRow>& x) -> std::optional<double> {
    return x && x->status == "done" ? value(*x, "energy_eh") : std::nullopt;
  };
  const auto e0 = r.status == "done" ? value(r, "energy_eh") : std::nullopt;
  if (!e0) return;
  const RedoxResult x = redox_from_energies(*e0, energy(cation), energy(anion), she_absolute);
  set_value(r, "ionization_energy_ev", x.ip_vertical_solution * units::hartree_in_ev);
  set_value(r, "electron_affinity_ev", x.ea_vertical_solution * units::hartree_in_ev);
  set_value(r, "oxidation_potential_v_she", x.oxidation_potential);
  set_value(r, "reduction_potential_v_she", x.reduction_potential);
  set_value(r, "oxidation_potential_v_zn", x.oxidation_potential - electrode::zn_vs_she);
  set_value(r, "reduction_potential_v_zn", x.reduction_potential - electrode::zn_vs_she);
  set_value(r, "electrochemical_window_v", x.window());
}

Table campaign_table(const Manifest& m, const Store& store) {
  Table t;
  const std::string level = m.level.key();
  for (const auto& c : m.candidates)
    if (auto r = store.find(c.label, level)) {
      t.rows.push_back(*r);
      t.reference.push_back(c.reference_species);
      std::optional<ResultRow> cation, anion;
      if (m.redox.enabled) {
        std::tie(cation, anion) = fill_redox_scalars(t.rows.back(), store, m.level, m.redox.she_absolute);
        for (const auto* x : {&cation, &anion})
          if (*x) t.ion_rows.push_back(**x);
      }
      t.cation.push_back(cation);
      t.anion.push_back(anion);
    }
  std::vector<std::vector<std::optional<double>>> values;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    std::vector<std::optional<double>> v;
    for (const auto& cr : m.ranking.criteria)
      v.push_back(r.status == "done" && !t.reference[i] ? value(r, cr.descriptor) : std::nullopt);
    values.push_back(v);
  }
  t.ranked = rank_candidates(m.ranking, values);
  for (const auto& r : t.ranked) t.by[r.index] = &r;
  return t;
}

/// The candidates' and reference species' potential windows (E_red to E_ox, V vs SHE) against the
/// Zn plating line, the campaign's window and water's H2/O2 evolution lines at the electrolyte's pH,
/// as battery papers draw them.
std::string potential_diagram(const Manifest& m, const Table& t) {
  std::vector<std::size_t> shown;
  std::vector<double> all = {electrode::zn_vs_she, m.redox.window_high, electrode::h2_evolution(m.redox.ph),
                             electrode::o2_evolution(m.redox.ph)};
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto ox = value(t.rows[i], "oxidation_potential_v_she"), red = value(t.rows[i], "reduction_potential_v_she");
    if (!ox && !red) continue;
    shown.push_back(i);
    if (ox) all.push_back(*ox);
    if (red) all.push_back(*red);
  }
  if (shown.empty()) return "<p>No species has both its state and an ion done.</p>";
  const double col = 110, left = 60, top = 20, height = 360, width = left + col * shown.size() + 150;
  const Axis ax = Axis::around(all);
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  s << "<svg class=\"potentials\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
    << height + 70 << "\" role=\"img\" aria-label=\"redox potentials against SHE\">\n";
  auto y = [&](double e) { return ax.map(e, top + height, top); };
  for (double tk : ticks(ax))
    s << "<line x1=\"" << left << "\" x2=\"" << width - 140 << "\" y1=\"" << y(tk) << "\" y2=\"" << y(tk)
      << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << y(tk) + 4
      << "\" text-anchor=\"end\" font-size=\"11\">" << tk << "</text>\n";
  s << "<text x=\"14\" y=\"" << top + height / 2 << "\" font-size=\"12\" transform=\"rotate(-90 14 "
    << top + height / 2 << ")\" text-anchor=\"middle\">potential (V vs SHE)</text>\n";
  auto hline = [&](double e, const char* colour, const char* dash, const std::string& label) {
    s << "<line x1=\"" << left << "\" x2=\"" << width - 140 << "\" y1=\"" << y(e) << "\" y2=\"" << y(e)
      << "\" stroke=\"" << colour << "\" stroke-width=\"1.5\" stroke-dasharray=\"" << dash << "\"/><text x=\""
      << width - 136 << "\" y=\"" << y(e) + 4 << "\" font-size=\"11\" fill=\"" << colour << "\">" << label
      << "</text>\n";
  };
  std::ostringstream ph;
  ph << std::setprecision(1) << std::fixed << m.redox.ph;
  hline(electrode::zn_vs_she, "#7f3fbf", "6 3", "Zn2+/Zn plating");
  hline(m.redox.window_high, "#555", "2 3", "window top");
  hline(electrode::h2_evolution(m.redox.ph), "#1f8f5f", "4 4", "H2 evolution, pH " + ph.str());
  hline(electrode::o2_evolution(m.redox.ph), "#c07f1f", "4 4", "O2 evolution, pH " + ph.str());
  for (std::size_t k = 0; k < shown.size(); ++k) {
    const auto& r = t.rows[shown[k]];
    const bool ref = t.reference[shown[k]];
    const double x0 = left + col * k + 35, w = col - 70, xm = x0 + w / 2;
    const auto ox = value(r, "oxidation_potential_v_she"), red = value(r, "reduction_potential_v_she");
    if (ox && red)
      s << "<rect x=\"" << x0 << "\" y=\"" << y(*ox) << "\" width=\"" << w << "\" height=\"" << y(*red) - y(*ox)
        << "\" fill=\"" << (ref ? "#ddd" : "#bcd3f2") << "\" stroke=\"" << (ref ? "#888" : "#1f5fbf")
        << "\"><title>" << html_escape(r.candidate) << ": E_red " << fmt(red) << " V, E_ox " << fmt(ox)
        << " V vs SHE</title></rect>\n";
    if (ox)
      s << "<text x=\"" << xm << "\" y=\"" << y(*ox) - 5 << "\" font-size=\"11\" text-anchor=\"middle\">" << fmt(ox)
        << "</text>\n";
    if (red)
      s << "<text x=\"" << xm << "\" y=\"" << y(*red) + 14 << "\" font-size=\"11\" text-anchor=\"middle\">"
        << fmt(red) << "</text>\n";
    s << "<text x=\"" << xm << "\" y=\"" << top + height + 22 << "\" font-size=\"12\" text-anchor=\"middle\">"
      << html_escape(r.candidate) << (ref ? " (ref.)" : "") << "</text>\n";
  }
  s << "<text x=\"" << left << "\" y=\"" << top + height + 50 << "\" font-size=\"11\" fill=\"#555\">"
    << "bars: reduction (bottom) to oxidation (top) potential, vertical, in the level's medium; grey: reference "
       "species</text>\n</svg>\n";
  return s.str();
}

/// The redox section: each species' potentials, its verdict against the window, its ions' status.
std::string redox_section(const Manifest& m, const Table& t) {
  std::ostringstream s;
  s << "<h2 id=\"redox\">Redox potentials</h2>\n<p>Vertical &Delta;SCF at the campaign's level"
    << (solvation_settings(m.level).enabled() ? " in the solvent (equilibrium solvation of every state)" : " in the gas phase")
    << ": E<sub>ox</sub> = E(cation) &minus; E(neutral) &minus; " << fmt(m.redox.she_absolute)
    << " V, E<sub>red</sub> = E(neutral) &minus; E(anion) &minus; " << fmt(m.redox.she_absolute)
    << " V (absolute SHE potential); window " << fmt(m.redox.window_low) << " to " << fmt(m.redox.window_high)
    << " V vs SHE; water at pH " << fmt(m.redox.ph, 1) << ": H<sub>2</sub> evolution "
    << fmt(electrode::h2_evolution(m.redox.ph)) << " V, O<sub>2</sub> evolution "
    << fmt(electrode::o2_evolution(m.redox.ph)) << " V (docs/redox.md).</p>\n";
  s << "<table id=\"potentials\"><tr><th>species</th><th>E<sub>red</sub> vs SHE</th><th>E<sub>ox</sub> vs SHE</th>"
       "<th>E<sub>red</sub> vs Zn</th><th>E<sub>ox</sub> vs Zn</th><th>window</th><th>verdict</th><th>ions</th></tr>\n";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    RedoxResult x;
    x.oxidation_potential = value(r, "oxidation_potential_v_she").value_or(RedoxResult::none);
    x.reduction_potential = value(r, "reduction_potential_v_she").value_or(RedoxResult::none);
    const auto v = judge(x, m.redox.window_low, m.redox.window_high);
    std::string verdict;
    if (std::isnan(x.oxidation_potential) && std::isnan(x.reduction_potential)) verdict = "";
    else if (v.stable()) verdict = "stable in the window";
    else verdict = std::string(!v.reduction_stable ? "reduced above the window's low end" : "") +
                   (!v.reduction_stable && !v.oxidation_stable ? "; " : "") +
                   (!v.oxidation_stable ? "oxidised below its high end" : "");
    std::string ions;
    for (const auto* ion : {&t.cation[i], &t.anion[i]}) {
      const std::string name = ion == &t.cation[i] ? "cation" : "anion";
      if (!*ion) ions += name + " not run; ";
      else if ((*ion)->status == "failed")
        ions += name + " failed (" + (*ion)->failure_class + ": " + (*ion)->failure_message + "); ";
      else if ((*ion)->status != "done") ions += name + " " + (*ion)->status + "; ";
      else if (auto st = value(**ion, "stable"); st && *st == 0.0) ions += name + " UNSTABLE SCF state; ";
    }
    if (ions.size() >= 2) ions.resize(ions.size() - 2);
    s << "<tr><td>" << html_escape(r.candidate) << (t.reference[i] ? " (reference)" : "") << "</td><td class=\"num\">"
      << fmt(value(r, "reduction_potential_v_she")) << "</td><td class=\"num\">" << fmt(value(r, "oxidation_potential_v_she"))
      << "</td><td class=\"num\">" << fmt(value(r, "reduction_potential_v_zn")) << "</td><td class=\"num\">"
      << fmt(value(r, "oxidation_potential_v_zn")) << "</td><td class=\"num\">" << fmt(value(r, "electrochemical_window_v"))
      << "</td><td>" << verdict << "</td><td>" << html_escape(ions.empty() ? "done" : ions) << "</td></tr>\n";
  }
  s << "</table>\n" << potential_diagram(m, t);
  return s.str();
}

// ---------------------------------------------------------------- SVG plots

/// HOMO and LUMO of every finished candidate (the paper's Figure S3).
std::string level_diagram(const Table& t) {
  std::vector<const ResultRow*> done;
  std::vector<double> all;
  for (const auto& r : t.rows)
    if (r.status == "done" && value(r, "homo_ev")) {
      done.push_back(&r);
      all.push_back(*value(r, "homo_ev"));
      if (auto l = value(r, "lumo_ev")) all.push_back(*l);
    }
  if (done.empty()) return "<p>No finished candidates.</p>";
  const double col = 110, left = 60, top = 20, height = 360, width = left + col * done.size() + 20;
  const Axis ax = Axis::around(all);
  std::ostringstream s;
  s << std::fixed << std::setprecision(1);
  s << "<svg class=\"levels\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\""
    << height + 70 << "\" role=\"img\" aria-label=\"HOMO and LUMO energies\">\n";
  auto y = [&](double e) { return ax.map(e, top + height, top); };
  for (double tk : ticks(ax)) {
    s << "<line x1=\"" << left << "\" x2=\"" << width - 10 << "\" y1=\"" << y(tk) << "\" y2=\"" << y(tk)
      << "\" stroke=\"#eee\"/><text x=\"" << left - 6 << "\" y=\"" << y(tk) + 4
      << "\" text-anchor=\"end\" font-size=\"11\">" << tk << "</text>\n";
  }
  s << "<text x=\"14\" y=\"" << top + height / 2 << "\" font-size=\"12\" transform=\"rotate(-90 14 "
    << top + height / 2 << ")\" text-anchor=\"middle\">orbital energy (eV)</text>\n";
  for (std::size_t i = 0; i < done.size(); ++i) {
    const auto& r = *done[i];
    const double x0 = left + col * i + 20, x1 = x0 + col - 40, xm = (x0 + x1) / 2;
    const double h = *value(r, "homo_ev");
    s << "<line x1=\"" << x0 << "\" x2=\"" << x1 << "\" y1=\"" << y(h) << "\" y2=\"" << y(h)
      << "\" stroke=\"#1f5fbf\" stroke-width=\"3\"><title>HOMO " << fmt(h) << " eV</title></line>\n";
    s << "<text x=\"" << xm << "\" y=\"" << y(h) + 15 << "\" font-size=\"11\" text-anchor=\"middle\">" << fmt(h)
      << "</text>\n";
    if (auto l = value(r, "lumo_ev")) {
      s << "<line x1=\"" << x0 << "\" x2=\"" << x1 << "\" y1=\"" << y(*l) << "\" y2=\"" << y(*l)
        << "\" stroke=\"#c0392b\" stroke-width=\"3\"><title>LUMO " << fmt(*l) << " eV</title></line>\n";
      s << "<text x=\"" << xm << "\" y=\"" << y(*l) - 6 << "\" font-size=\"11\" text-anchor=\"middle\">" << fmt(*l)
        << "</text>\n";
      s << "<line x1=\"" << xm << "\" x2=\"" << xm << "\" y1=\"" << y(*l) + 3 << "\" y2=\"" << y(h) - 3
        << "\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>\n";
      s << "<text x=\"" << xm + 4 << "\" y=\"" << (y(*l) + y(h)) / 2 + 4 << "\" font-size=\"11\" fill=\"#555\">"
        << fmt(*value(r, "gap_ev")) << " eV</text>\n";
    }
    s << "<text x=\"" << xm << "\" y=\"" << top + height + 22 << "\" font-size=\"12\" text-anchor=\"middle\">"
      << html_escape(r.candidate) << "</text>\n";
  }
  s << "<text x=\"" << left << "\" y=\"" << top + height + 50 << "\" font-size=\"11\" fill=\"#555\">"
    << "blue: HOMO, red: LUMO, dashed: gap</text>\n</svg>\n";
  return s.str();
}

/// The frame of an x-y plot: an SVG element with a box, tick labels and axis titles. X() and Y()
/// map data to SVG coordinates; the caller adds its marks and closes the svg element.
struct PlotFrame {
  Axis ax, ay;
  double w = 460, h = 320, l = 60, b = 45, tp = 15, r = 20;
  double X(double v) const { return ax.map(v, l, w - r); }
  double Y(double v) const { return ay.map(v, h - b, tp); }
  /// Opens the svg element (class `cls`) and draws box, ticks and titles (already escaped).
  void open(std::ostream& s, const std::string& cls, const std::string& aria, const std::string& xtitle,
            const std::string& ytitle) const {
    s << std::fixed << std::setprecision(1);
    s << "<svg class=\"" << cls << "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"" << w << "\" height=\"" << h
      << "\" role=\"img\" aria-label=\"" << aria << "\">\n";
    s << "<rect x=\"" << l << "\" y=\"" << tp << "\" width=\"" << w - l - r << "\" height=\"" << h - b - tp
      << "\" fill=\"none\" stroke=\"#999\"/>\n";
    for (double tk : ticks(ax))
      s << "<text x=\"" << X(tk) << "\" y=\"" << h - b + 15 << "\" font-size=\"10\" text-anchor=\"middle\">" << tk
        << "</text>\n";
    for (double tk : ticks(ay))
      s << "<text x=\"" << l - 5 << "\" y=\"" << Y(tk) + 3 << "\" font-size=\"10\" text-anchor=\"end\">" << tk
        << "</text>\n";
    s << "<text x=\"" << (l + w - r) / 2 << "\" y=\"" << h - 8 << "\" font-size=\"12\" text-anchor=\"middle\">" << xtitle
      << "</text>\n";
    s << "<text x=\"12\" y=\"" << (tp + h - b) / 2 << "\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 12 "
      << (tp + h - b) / 2 << ")\">" << ytitle << "</text>\n";
  }
};

/// Scatter plot of two descriptors; Pareto front 1 drawn filled and labelled.
std::string scatter(const Table& t, const RankingModel& model, const std::string& xname, const std::string& yname) {
  std::vector<std::tuple<double, double, const ResultRow*, int>> pts;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    auto x = value(r, xname), y = value(r, yname);
    if (r.status != "done" || !x || !y) continue;
    const auto it = t.by.find(i);
    pts.emplace_back(*x, *y, &r, it == t.by.end() ? 0 : it->second->pareto_front);
  }
  const auto* xs = find_scalar(xname);
  const auto* ys = find_scalar(yname);
  std::ostringstream s;
  if (pts.size() < 2 || !xs || !ys) return "";
  std::vector<double> xv, yv;
  for (const auto& p : pts) {
    xv.push_back(std::get<0>(p));
    yv.push_back(std::get<1>(p));
  }
  const PlotFrame f{Axis::around(xv), Axis::around(yv)};
  auto X = [&](double v) { return f.X(v); };
  auto Y = [&](double v) { return f.Y(v); };
  f.open(s, "scatter", yname + " against " + xname, std::string(xs->description) + " (" + xs->unit + ")",
         std::string(ys->description) + " (" + ys->unit + ")");
  // The two-criterion Pareto front of this plane (directions from the ranking model; larger is
  // better for a descriptor the model does not use), drawn as a step line.
  auto direction = [&](const std::string& name) {
    for (const auto& c : model.criteria)
      if (c.descriptor == name) return c.maximise ? 1.0 : -1.0;
    return 1.0;
  };
  const double dx = direction(xname), dy = direction(yname);
  std::vector<std::pair<double, double>> front2;
  for (const auto& a : pts) {
    bool dominated = false;
    for (const auto& b : pts) {
      const double bx = dx * std::get<0>(b), by = dy * std::get<1>(b), ax_ = dx * std::get<0>(a), ay_ = dy * std::get<1>(a);
      if (bx >= ax_ && by >= ay_ && (bx > ax_ || by > ay_)) dominated = true;
    }
    if (!dominated) front2.emplace_back(std::get<0>(a), std::get<1>(a));
  }
  std::sort(front2.begin(), front2.end());
  if (front2.size() > 1) {
    s << "<polyline class=\"pareto\" fill=\"none\" stroke=\"#1f8f4f\" stroke-dasharray=\"5 3\" points=\"";
    for (const auto& [x, y] : front2) s << X(x) << "," << Y(y) << " ";
    s << "\"><title>Pareto front of these two descriptors</title></polyline>\n";
  }
  for (const auto& [x, y, row, front] : pts) {
    const bool best = std::find(front2.begin(), front2.end(), std::make_pair(x, y)) != front2.end();
    s << "<circle cx=\"" << X(x) << "\" cy=\"" << Y(y) << "\" r=\"5\" fill=\"" << (best ? "#1f8f4f" : "white")
      << "\" stroke=\"#1f8f4f\" stroke-width=\"1.5\"><title>" << html_escape(row->candidate) << ": " << fmt(x) << ", "
      << fmt(y) << (front ? ", overall Pareto front " + std::to_string(front) : "") << "</title></circle>\n";
    s << "<text x=\"" << X(x) + 7 << "\" y=\"" << Y(y) - 5 << "\" font-size=\"10\">" << html_escape(row->candidate)
      << "</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

/// Gap against cluster size for each crystal series, with the molecular model and the baseline
/// as horizontal reference lines; then a table per series.
std::string size_convergence(const Manifest& m, const Table& t) {
  auto row_of = [&](const std::string& label) -> const ResultRow* {
    for (const auto& r : t.rows)
      if (r.candidate == label) return &r;
    return nullptr;
  };
  auto gap_of = [&](const std::string& label) -> std::optional<double> {
    const auto* r = label.empty() ? nullptr : row_of(label);
    return r && r->status == "done" ? value(*r, "gap_ev") : std::nullopt;
  };
  std::vector<std::string> series;
  for (const auto& c : m.candidates)
    if (c.cluster && std::find(series.begin(), series.end(), c.cluster->series) == series.end())
      series.push_back(c.cluster->series);
  if (series.empty()) return "";
  std::ostringstream s;
  s << "<h2 id=\"size-convergence\">Cluster size convergence</h2>\n<p>HOMO&ndash;LUMO gap of clusters cut from "
       "each crystal against their size; dashed lines: the molecular model";
  if (!m.baseline.empty()) s << " and the baseline " << html_escape(m.baseline);
  s << ".</p>\n<div class=\"plots\">\n";
  std::ostringstream tables;
  for (const auto& name : series) {
    std::vector<const Candidate*> members;
    for (const auto& c : m.candidates)
      if (c.cluster && c.cluster->series == name) members.push_back(&c);
    std::vector<std::pair<double, double>> pts;  // (atoms, gap)
    std::vector<std::string> labels;
    for (const auto* c : members)
      if (const auto g = gap_of(c->label)) {
        pts.emplace_back(static_cast<double>(c->molecule.atoms.size()), *g);
        labels.push_back(c->molecule.formula());
      }
    std::vector<std::pair<std::string, double>> refs;
    const std::string& reference = members[0]->cluster->reference;
    if (const auto g = gap_of(reference)) refs.emplace_back("molecule " + reference, *g);
    if (const auto g = gap_of(m.baseline)) refs.emplace_back(m.baseline, *g);
    std::vector<double> xs{0.0}, ys;
    for (const auto& [x, y] : pts) xs.push_back(x), ys.push_back(y);
    for (const auto& [l, y] : refs) ys.push_back(y);
    if (!pts.empty() && !ys.empty()) {
      const PlotFrame f{Axis::around(xs, 1.0), Axis::around(ys)};
      auto X = [&](double v) { return f.X(v); };
      auto Y = [&](double v) { return f.Y(v); };
      const double l = f.l, w = f.w, r = f.r;
      f.open(s, "convergence", "gap against cluster size, " + html_escape(name),
             "atoms in the cluster (" + html_escape(name) + ")", "HOMO-LUMO gap (eV)");
      const char* colours[] = {"#7f3fbf", "#c0392b"};
      for (std::size_t k = 0; k < refs.size(); ++k)
        s << "<line class=\"reference\" x1=\"" << l << "\" x2=\"" << w - r << "\" y1=\"" << Y(refs[k].second) << "\" y2=\""
          << Y(refs[k].second) << "\" stroke=\"" << colours[k % 2] << "\" stroke-dasharray=\"6 4\"/><text x=\""
          << (k % 2 ? w - r - 4 : l + 4) << "\" y=\"" << Y(refs[k].second) - 4 << "\" font-size=\"10\" fill=\""
          << colours[k % 2] << "\"" << (k % 2 ? " text-anchor=\"end\"" : "") << ">"
          << html_escape(refs[k].first) << " " << fmt(refs[k].second) << " eV</text>\n";
      if (pts.size() > 1) {
        s << "<polyline fill=\"none\" stroke=\"#1f5fbf\" points=\"";
        for (const auto& [x, y] : pts) s << X(x) << "," << Y(y) << " ";
        s << "\"/>\n";
      }
      for (std::size_t k = 0; k < pts.size(); ++k)
        s << "<circle cx=\"" << X(pts[k].first) << "\" cy=\"" << Y(pts[k].second)
          << "\" r=\"5\" fill=\"#1f5fbf\"><title>" << html_escape(labels[k]) << ": " << fmt(pts[k].second)
          << " eV</title></circle><text x=\"" << X(pts[k].first) + 7 << "\" y=\"" << Y(pts[k].second) + 14
          << "\" font-size=\"10\">" << html_escape(labels[k]) << "</text>\n";
      s << "</svg>\n";
    }
    const auto ref_gap = gap_of(reference);
    tables << "<h3>" << html_escape(name) << "</h3><table class=\"series\"><tr><th>candidate</th><th>radius (&Aring;)</th>"
           << "<th>formula</th><th>atoms</th><th>point group</th><th>HOMO (eV)</th><th>LUMO (eV)</th><th>gap (eV)</th>"
           << "<th>gap &minus; molecule (eV)</th><th>status</th></tr>\n";
    for (const auto* c : members) {
      const auto* r = row_of(c->label);
      const bool done = r && r->status == "done";
      const auto gap = done ? value(*r, "gap_ev") : std::nullopt;
      tables << "<tr><td>" << html_escape(c->label) << "</td><td class=\"num\">" << fmt(c->cluster->radius_angstrom)
             << "</td><td>" << html_escape(c->molecule.formula()) << "</td><td class=\"num\">" << c->molecule.atoms.size()
             << "</td><td>" << html_escape(c->cluster->point_group) << "</td><td class=\"num\">"
             << fmt(done ? value(*r, "homo_ev") : std::nullopt) << "</td><td class=\"num\">"
             << fmt(done ? value(*r, "lumo_ev") : std::nullopt) << "</td><td class=\"num\">" << fmt(gap)
             << "</td><td class=\"num\">" << fmt(gap && ref_gap ? std::optional<double>(*gap - *ref_gap) : std::nullopt)
             << "</td><td>" << html_escape(r ? r->status + (r->status == "failed" ? ": " + r->failure_class : "") : "not run")
             << "</td></tr>\n";
    }
    tables << "</table>\n";
  }
  s << "</div>\n" << tables.str();
  return s.str();
}

std::string atom_name(const json& result, int i) {
  try {
    return result.at("molecule").at("symbols").at(i).get<std::string>() + std::to_string(i + 1);
  } catch (...) {
    return "atom " + std::to_string(i + 1);
  }
}

std::string candidate_section(const ResultRow& r, const Ranked* rk, const RankingModel& model, bool model_in_gas_phase) {
  std::ostringstream s;
  s << "<section class=\"candidate\" id=\"c-" << html_escape(r.candidate) << "\"><h3>" << html_escape(r.candidate)
    << " <small>" << html_escape(r.formula) << ", charge " << r.charge << ", multiplicity " << r.multiplicity
    << "</small></h3>\n<p>Source: " << html_escape(r.source) << ". Status: " << html_escape(r.status);
  if (r.status == "done")
    s << std::fixed << std::setprecision(1) << " in " << r.wall_seconds << " s on " << r.threads << " thread(s).";
  if (r.status == "failed")
    s << " (" << html_escape(r.failure_class) << "): " << html_escape(r.failure_message);
  s << "</p>\n";
  if (rk)
    s << "<p>Rank " << rk->rank << ", Pareto front " << rk->pareto_front << ", score " << fmt(rk->score)
      << ". Lifted most by " << html_escape(model.criteria[rk->best_criterion].descriptor) << ", sunk most by "
      << html_escape(model.criteria[rk->worst_criterion].descriptor) << ".</p>\n";
  if (r.status != "done") return s.str() + "</section>\n";
  if (auto h = value(r, "homo_ev"); h && *h > 0)
    s << "<p class=\"warn\">The HOMO is above zero: the highest electrons are not bound"
      << (model_in_gas_phase ? " in this isolated species (typical of gas-phase anions: a solvent, e.g. "
                               "<code>solvent = \"water\"</code> in [level], binds them)"
                             : " even in the solvent")
      << "; its orbital energies and the descriptors built on them need care.</p>\n";
  if (auto st = value(r, "stable"); st && *st == 0.0)
    s << "<p class=\"warn\">The SCF state is unstable (lowest orbital-Hessian eigenvalue "
      << fmt(value(r, "stability_lowest_eh"), 6) << " Eh): a lower state exists, and its descriptors may differ; "
      << "run with <code>stability = \"follow\"</code> in [level] to reach it.</p>\n";
  else if (!st)
    s << "<p class=\"note\">The SCF state was not checked for stability (stability off, or a DFT level: the "
         "analysis needs the exchange-correlation kernel).</p>\n";
  s << "<table class=\"desc\"><tr><th>descriptor</th><th>value</th><th>unit</th></tr>\n";
  const auto& list = scalar_descriptors();
  for (std::size_t i = 0; i < list.size(); ++i)
    if (r.scalars[i])
      s << "<tr><td>" << list[i].description << "</td><td class=\"num\">"
        << fmt(r.scalars[i], std::string(list[i].name) == "energy_eh" ? 8 : 3) << "</td><td>" << list[i].unit
        << "</td></tr>\n";
  s << "</table>\n";
  try {
    const json result = json::parse(r.result_json);
    const auto& surf = result.at("extras").at("cagescreen").at("descriptors").at("esp_surface");
    for (const char* kind : {"local_maxima", "local_minima"}) {
      auto list_ext = surf.at(kind);
      std::vector<std::pair<double, int>> ext;
      for (const auto& e : list_ext) ext.emplace_back(e.at("value_kcal").get<double>(), e.at("nearest_atom").get<int>());
      std::sort(ext.begin(), ext.end());
      if (std::string(kind) == "local_maxima") std::reverse(ext.begin(), ext.end());
      s << "<p>Surface " << (std::string(kind) == "local_maxima" ? "maxima" : "minima") << " (kcal/mol, nearest atom): ";
      for (std::size_t k = 0; k < ext.size() && k < 8; ++k)
        s << (k ? ", " : "") << fmt(ext[k].first) << " (" << html_escape(atom_name(result, ext[k].second)) << ")";
      if (ext.size() > 8) s << " and " << ext.size() - 8 << " more";
      s << "</p>\n";
    }
  } catch (...) {
    // no surface analysis in this result
  }
  return s.str() + "</section>\n";
}

const char* style = R"(body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}tr.front1 td:first-child{font-weight:bold}
.plots{display:flex;flex-wrap:wrap;gap:1em}.verdict{background:#eef6ee;border-left:4px solid #1f8f4f;padding:.6em 1em}
.failed{background:#fbeeee}.wide{overflow-x:auto}.warn{color:#a04000}small{color:#666;font-weight:normal}section.candidate{border-top:1px solid #ccc;margin-top:1.5em})";

std::string html_report(const Manifest& m, const Table& t) {
  std::ostringstream s;
  std::size_t done = 0, failed = 0;
  for (const auto& r : t.rows) (r.status == "done" ? done : failed) += r.status == "done" || r.status == "failed";
  s << html_page_start("cagescreen: " + m.name, style);
  s << "<h1>Campaign " << html_escape(m.name) << "</h1>\n<p>Level of theory: " << html_escape(m.level.key())
    << ". Descriptors: " << html_escape(m.descriptors) << ". " << done << " done, " << failed << " failed of "
    << m.candidates.size() << " candidates. cagescreen " << html_escape(version_string()) << ", report written "
    << utc_now() << ".</p>\n";

  // The gap verdict: which candidate has the widest gap, and where the baseline stands.
  const ResultRow* widest = nullptr;
  for (const auto& r : t.rows)
    if (r.status == "done" && value(r, "gap_ev") && (!widest || *value(r, "gap_ev") > *value(*widest, "gap_ev")))
      widest = &r;
  if (widest) {
    s << "<p class=\"verdict\" id=\"verdict\">Widest HOMO&ndash;LUMO gap: <b>" << html_escape(widest->candidate)
      << "</b> (" << fmt(value(*widest, "gap_ev")) << " eV).";
    if (!m.baseline.empty()) {
      const auto it = std::find_if(t.rows.begin(), t.rows.end(), [&](const ResultRow& r) { return r.candidate == m.baseline; });
      if (it == t.rows.end() || it->status != "done" || !value(*it, "gap_ev"))
        s << " The baseline " << html_escape(m.baseline) << " has no result.";
      else {
        // Plainly: who has a wider gap than the baseline, and who a narrower one.
        const double g0 = *value(*it, "gap_ev");
        std::vector<std::pair<double, std::string>> wider, narrower;
        for (const auto& r : t.rows)
          if (&r != &*it && r.status == "done" && value(r, "gap_ev"))
            (*value(r, "gap_ev") > g0 ? wider : narrower).emplace_back(*value(r, "gap_ev"), r.candidate);
        std::sort(wider.rbegin(), wider.rend());
        std::sort(narrower.rbegin(), narrower.rend());
        auto list = [&](const std::vector<std::pair<double, std::string>>& v) {
          std::string out;
          for (std::size_t k = 0; k < v.size(); ++k)
            out += (k ? (k + 1 == v.size() ? " and " : ", ") : "") + html_escape(v[k].second) + " (" + fmt(v[k].first) + " eV)";
          return out;
        };
        s << " The baseline <b>" << html_escape(m.baseline) << "</b> (" << fmt(g0) << " eV) ";
        if (wider.empty()) s << "has the widest gap of all candidates.";
        else s << "does <b>not</b> have the widest gap: " << list(wider) << (wider.size() > 1 ? " have" : " has")
               << " a wider one.";
        if (!narrower.empty()) s << " Its gap is wider than that of " << list(narrower) << ".";
      }
    }
    s << "</p>\n";
  }
  // The potentials' verdict (redox group): the widest window, and the baseline against the others.
  if (m.redox.enabled) {
    std::vector<std::pair<double, const ResultRow*>> windows;
    for (const auto& r : t.rows)
      if (auto w = value(r, "electrochemical_window_v")) windows.emplace_back(*w, &r);
    std::sort(windows.rbegin(), windows.rend());
    if (!windows.empty()) {
      s << "<p class=\"verdict\" id=\"redox-verdict\">Widest electrochemical window (E<sub>ox</sub> &minus; "
           "E<sub>red</sub>, vertical): <b>"
        << html_escape(windows[0].second->candidate) << "</b> (" << fmt(windows[0].first) << " V). Windows: ";
      for (std::size_t k = 0; k < windows.size(); ++k)
        s << (k ? ", " : "") << html_escape(windows[k].second->candidate) << " " << fmt(windows[k].first) << " V";
      s << ".";
      const auto base = std::find_if(t.rows.begin(), t.rows.end(), [&](const ResultRow& r) { return r.candidate == m.baseline; });
      if (base != t.rows.end() && value(*base, "reduction_potential_v_she") && value(*base, "oxidation_potential_v_she"))
        s << " The baseline <b>" << html_escape(m.baseline) << "</b> is reduced at "
          << fmt(value(*base, "reduction_potential_v_she")) << " V and oxidised at "
          << fmt(value(*base, "oxidation_potential_v_she")) << " V vs SHE ("
          << fmt(electrode::zn_vs_she - *value(*base, "reduction_potential_v_she")) << " V below Zn plating).";
      s << "</p>\n";
    }
  }
  // Hydrophobicity (SMD, with the descriptor group): water against 1-octanol, candidate by candidate.
  {
    std::vector<const ResultRow*> rows;
    for (const auto& r : t.rows)
      if (r.status == "done" && value(r, "log_p_octanol_water")) rows.push_back(&r);
    std::sort(rows.begin(), rows.end(), [](const ResultRow* a, const ResultRow* b) {
      return *value(*a, "log_p_octanol_water") > *value(*b, "log_p_octanol_water");
    });
    if (!rows.empty()) {
      s << "<p id=\"hydrophobicity\">Hydrophobicity (SMD at the campaign's level, 1 M &rarr; 1 M, 298.15 K; log P "
           "&gt; 0 prefers 1-octanol to water): ";
      for (std::size_t k = 0; k < rows.size(); ++k)
        s << (k ? "; " : "") << (rows[k]->candidate == m.baseline ? "<b>" : "") << html_escape(rows[k]->candidate)
          << (rows[k]->candidate == m.baseline ? "</b>" : "") << " &Delta;G<sub>hyd</sub> "
          << fmt(value(*rows[k], "hydration_free_energy_kcal")) << " kcal/mol, log P "
          << fmt(value(*rows[k], "log_p_octanol_water"));
      s << ".</p>\n";
    }
  }

  s << "<h2>Ranking</h2>\n<p>Model <b>" << html_escape(m.ranking.name)
    << "</b>: score = weighted mean of z-scores (signed so that better is positive); Pareto front 1 = no other "
       "candidate is at least as good on every criterion and better on one.</p>\n";
  s << "<div class=\"wide\"><table id=\"ranking\"><tr><th>rank</th><th>candidate</th><th>formula</th><th>score</th><th>Pareto front</th>";
  for (const auto& c : m.ranking.criteria) s << "<th>" << html_escape(c.descriptor) << "</th>";
  s << "<th>SCF state</th><th>lifted by</th><th>sunk by</th></tr>\n";
  for (const auto& rk : t.ranked) {
    const auto& r = t.rows[rk.index];
    s << "<tr class=\"front" << rk.pareto_front << "\"><td class=\"num\">" << rk.rank << "</td><td><a href=\"#c-"
      << html_escape(r.candidate) << "\">" << html_escape(r.candidate) << "</a></td><td>" << html_escape(r.formula)
      << "</td><td class=\"num\">" << fmt(rk.score) << "</td><td class=\"num\">" << rk.pareto_front << "</td>";
    for (const auto& c : m.ranking.criteria) s << "<td class=\"num\">" << fmt(value(r, c.descriptor)) << "</td>";
    const auto stable = value(r, "stable");
    s << "<td>" << (!stable ? "unchecked" : *stable != 0.0 ? "stable" : "<b>unstable</b>") << "</td>";
    s << "<td>" << html_escape(m.ranking.criteria[rk.best_criterion].descriptor) << "</td><td>"
      << html_escape(m.ranking.criteria[rk.worst_criterion].descriptor) << "</td></tr>\n";
  }
  s << "</table></div>\n";
  std::vector<const ResultRow*> unranked;
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    if (!t.by.count(i)) unranked.push_back(&t.rows[i]);
  if (!unranked.empty()) {
    s << "<table id=\"unranked\" class=\"failed\"><tr><th>not ranked</th><th>status</th><th>reason</th></tr>\n";
    for (const auto* r : unranked)
      s << "<tr><td>" << html_escape(r->candidate) << "</td><td>" << html_escape(r->status) << "</td><td>"
        << html_escape(r->status == "failed" ? r->failure_class + ": " + r->failure_message
                       : t.reference[static_cast<std::size_t>(r - t.rows.data())]
                           ? std::string("reference species (drawn as a reference, not ranked)")
                           : std::string("a ranking descriptor is missing"))
        << "</td></tr>\n";
    s << "</table>\n";
  }
  s << "<h3>Criteria</h3><table><tr><th>descriptor</th><th>better</th><th>weight</th><th>why</th></tr>\n";
  for (const auto& c : m.ranking.criteria)
    s << "<tr><td>" << html_escape(c.descriptor) << "</td><td>" << (c.maximise ? "higher" : "lower")
      << "</td><td class=\"num\">" << fmt(c.weight) << "</td><td>" << html_escape(c.reason) << "</td></tr>\n";
  s << "</table>\n";

  s << "<h2>Frontier orbitals</h2>\n" << level_diagram(t);
  if (m.redox.enabled) s << redox_section(m, t);
  s << "<h2>Descriptor maps</h2>\n<p>Filled points and the dashed line: the Pareto front of the two descriptors "
       "plotted (better is higher gap and LUMO, higher V<sub>s,max</sub>, lower dipole and HOMO).</p><div class=\"plots\">\n"
    << scatter(t, m.ranking, "vs_max_kcal", "gap_ev") << scatter(t, m.ranking, "dipole_debye", "gap_ev")
    << scatter(t, m.ranking, "homo_ev", "lumo_ev") << "</div>\n";
  s << size_convergence(m, t);
  s << "<h2>Candidates</h2>\n";
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto it = t.by.find(i);
    s << candidate_section(t.rows[i], it == t.by.end() ? nullptr : it->second, m.ranking,
                           !solvation_settings(m.level).enabled());
  }
  s << "</body></html>\n";
  return s.str();
}

}  // namespace

std::pair<std::optional<ResultRow>, std::optional<ResultRow>> fill_redox_scalars(ResultRow& row, const Store& store,
                                                                                 const LevelOfTheory& level,
                                                                                 double she_absolute) {
  auto cation = store.find(row.candidate, redox_level_key(level, +1));
  auto anion = store.find(row.candidate, redox_level_key(level, -1));
  fill_redox(row, cation, anion, she_absolute);
  return {cation, anion};
}

std::string rows_csv(const std::vector<ResultRow>& rows) {
  std::ostringstream s;
  auto cols = Store::columns();
  cols.pop_back();  // result_json
  for (std::size_t i = 0; i < cols.size(); ++i) s << (i ? "," : "") << cols[i];
  s << "\n" << std::setprecision(12);
  for (const auto& r : rows) {
    s << csv_field(r.candidate) << ',' << csv_field(r.level) << ',' << r.status << ',' << r.input_hash << ','
      << csv_field(r.source) << ',' << r.formula << ',' << r.charge << ',' << r.multiplicity << ',' << r.n_atoms << ','
      << r.attempts << ',' << r.started_at << ',' << r.finished_at << ',' << r.wall_seconds << ',' << r.threads;
    for (const auto& v : r.scalars) {
      s << ',';
      if (v) s << *v;
    }
    s << ',' << r.failure_class << ',' << csv_field(r.failure_message) << ',' << csv_field(r.program_version) << "\n";
  }
  return s.str();
}

json rows_json(const std::vector<ResultRow>& rows) {
  json a = json::array();
  const auto& list = scalar_descriptors();
  for (const auto& r : rows) {
    json o = {{"candidate", r.candidate}, {"level", r.level}, {"status", r.status}, {"input_hash", r.input_hash},
              {"source", r.source}, {"formula", r.formula}, {"charge", r.charge}, {"multiplicity", r.multiplicity},
              {"n_atoms", r.n_atoms}, {"attempts", r.attempts}, {"started_at", r.started_at},
              {"finished_at", r.finished_at}, {"wall_seconds", r.wall_seconds}, {"threads", r.threads},
              {"program_version", r.program_version}};
    for (std::size_t i = 0; i < list.size(); ++i) o[list[i].name] = r.scalars[i] ? json(*r.scalars[i]) : json(nullptr);
    if (r.status == "failed") o["failure"] = {{"class", r.failure_class}, {"message", r.failure_message}};
    if (!r.result_json.empty()) o["qcschema"] = json::parse(r.result_json, nullptr, false);
    a.push_back(o);
  }
  return a;
}

void print_rows(std::ostream& out, const std::vector<ResultRow>& rows) {
  out << std::left << std::setw(20) << "candidate" << std::setw(12) << "formula" << std::setw(8) << "status"
      << std::right << std::setw(9) << "gap eV" << std::setw(9) << "HOMO" << std::setw(9) << "LUMO" << std::setw(10)
      << "Vs,max" << std::setw(9) << "dipole" << std::setw(9) << "wall s" << "  failure\n";
  for (const auto& r : rows) {
    out << std::left << std::setw(20) << r.candidate << std::setw(12) << r.formula << std::setw(8) << r.status
        << std::right << std::setw(9) << fmt(value(r, "gap_ev")) << std::setw(9) << fmt(value(r, "homo_ev"))
        << std::setw(9) << fmt(value(r, "lumo_ev")) << std::setw(10) << fmt(value(r, "vs_max_kcal")) << std::setw(9)
        << fmt(value(r, "dipole_debye")) << std::setw(9) << fmt(r.wall_seconds, 1);
    if (r.status == "failed") out << "  " << r.failure_class << ": " << r.failure_message;
    out << "\n";
  }
}

void print_ranking(std::ostream& out, const Manifest& m, const Store& store) {
  const Table t = campaign_table(m, store);
  out << "\nRanking (" << m.ranking.name << " model; Pareto front 1 = non-dominated) at " << m.level.key() << "\n";
  out << std::left << std::setw(6) << "rank" << std::setw(20) << "candidate" << std::right << std::setw(8) << "score"
      << std::setw(7) << "front" << std::setw(9) << "gap eV" << std::setw(10) << "Vs,max" << "  lifted by / sunk by\n";
  for (const auto& rk : t.ranked) {
    const auto& r = t.rows[rk.index];
    out << std::left << std::setw(6) << rk.rank << std::setw(20) << r.candidate << std::right << std::setw(8)
        << fmt(rk.score) << std::setw(7) << rk.pareto_front << std::setw(9) << fmt(value(r, "gap_ev")) << std::setw(10)
        << fmt(value(r, "vs_max_kcal")) << "  " << m.ranking.criteria[rk.best_criterion].descriptor << " / "
        << m.ranking.criteria[rk.worst_criterion].descriptor << "\n";
  }
  for (std::size_t i = 0; i < t.rows.size(); ++i)
    if (!t.by.count(i))
      out << "not ranked: " << t.rows[i].candidate << " ("
          << (t.reference[i] && t.rows[i].status == "done" ? std::string("reference species") : t.rows[i].status)
          << (t.rows[i].status == "failed" ? ", " + t.rows[i].failure_class : std::string()) << ")\n";
}

void write_reports(const Manifest& m, const Store& store, const fs::path& folder) {
  const Table t = campaign_table(m, store);
  std::vector<ResultRow> all = t.rows;
  all.insert(all.end(), t.ion_rows.begin(), t.ion_rows.end());
  write_file(folder / "results.csv", rows_csv(all));
  json j = {{"campaign", m.name}, {"level", m.level.key()}, {"ranking_model", m.ranking.name},
            {"program_version", version_string()}};
  json cands = rows_json(t.rows);
  for (std::size_t i = 0; i < t.rows.size(); ++i) cands[i]["role"] = t.reference[i] ? "reference" : "candidate";
  if (!t.ion_rows.empty()) j["redox_ions"] = rows_json(t.ion_rows);
  for (const auto& rk : t.ranked)
    cands[rk.index]["ranking"] = {{"rank", rk.rank}, {"score", rk.score}, {"pareto_front", rk.pareto_front},
                                  {"lifted_by", m.ranking.criteria[rk.best_criterion].descriptor},
                                  {"sunk_by", m.ranking.criteria[rk.worst_criterion].descriptor}};
  j["candidates"] = cands;
  write_file(folder / "results.json", j.dump(1, ' ', false, json::error_handler_t::replace) + "\n");
  write_file(folder / "report.html", html_report(m, t));
}

}  // namespace cagescreen::workflows
