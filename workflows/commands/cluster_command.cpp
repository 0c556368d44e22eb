// `cagescreen cluster`: cut a cluster of whole units from a crystal (docs/crystals.md).
#include <iostream>
#include <memory>

#include "molecules/cluster.hpp"
#include "molecules/crystal.hpp"
#include "molecules/error.hpp"
#include "molecules/text.hpp"
#include "workflows/campaign/output_files.hpp"
#include "workflows/commands/command.hpp"
#include "workflows/output_paths.hpp"
#include "workflows/validators.hpp"
#include "workflows/commands/crystal_commands.hpp"
#include "workflows/exit_codes.hpp"

namespace cagescreen::workflows {

int cluster_command(const std::string& input, const molecules::ClusterOptions& options, const std::string& output) {
  check_output_file(output, "--output");
  const molecules::Crystal c = molecules::resolve_crystal(input);
  const auto cl = molecules::carve_cluster(c, options);
  const std::string xyz = molecules::cluster_xyz(cl);
  if (output.empty())
    std::cout << xyz;
  else
    write_file(output, xyz);
  std::cerr << "cluster: " << cl.molecule.formula() << ", " << cl.molecule.atoms.size() << " atoms (" << cl.units
            << " units, " << cl.caps << " caps), charge " << cl.molecule.charge;
  if (cl.formal_charge && *cl.formal_charge != cl.molecule.charge)
    std::cerr << " (formal charge " << *cl.formal_charge << ")";
  std::cerr << ", centre " << cl.center << ", point group " << cl.point_group;
  if (!output.empty()) std::cerr << "; wrote " << output;
  std::cerr << "\n";
  return exit_ok;
}

namespace {

/// `cagescreen cluster` options as given (the termination still a word).
struct ClusterCommand {
  std::string input, output, terminate = "none";
  molecules::ClusterOptions options;
};

int run_cluster_command(ClusterCommand c) {
  const auto t = molecules::parse_termination(lower(c.terminate));
  if (!t) throw InputError("--terminate '" + c.terminate + "': use none, h, oh or pseudo");
  c.options.terminate = *t;
  return cluster_command(c.input, c.options, c.output);
}

}  // namespace

Command add_cluster_command(CLI::App& app) {
  auto c = std::make_shared<ClusterCommand>();
  auto& o = c->options;
  auto* sub = app.add_subcommand("cluster", "cut a cluster of whole units from a crystal (docs/crystals.md)");
  sub->add_option("crystal", c->input, "CIF or POSCAR file, or a built-in crystal name")->required();
  sub->add_option("--center", o.center,
                  "atom number, site label, Wyckoff position, element, or fractional x,y,z (default: the first metal atom)");
  sub->add_option("--radius", o.radius_angstrom, "radius around the centre, Angstrom")->capture_default_str()->check(real_in(0, 30, true));
  sub->add_flag("--stoichiometric", o.stoichiometric,
                "add or remove whole units nearest the sphere until the formal charge is --charge (default 0)");
  sub->add_option("--charge", o.charge, "total charge of the cluster (default: its formal charge)")->check(integer_in(-1000, 1000));
  sub->add_option("--terminate", c->terminate, "cap dangling bonds: none, h, oh or pseudo")->capture_default_str();
  sub->add_option("--symprec", o.symprec_angstrom, "symmetry tolerance, Angstrom")->capture_default_str()->check(real_in(0, 1, true));
  sub->add_option("--output,-o", c->output, "XYZ file to write (default: standard output)");
  return {sub, [c] { return run_cluster_command(*c); }};
}

}  // namespace cagescreen::workflows
