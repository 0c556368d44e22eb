#include "targets.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "molecules/crystal.hpp"
#include "molecules/error.hpp"
#include "molecules/generator.hpp"
#include "molecules/io.hpp"
#include "scf/basis.hpp"
#include "workflows/campaign/manifest.hpp"
#include "workflows/campaign/validate.hpp"

namespace cagescreen::fuzz {

namespace {

/// The folder of the manifest and reference.toml being read: an empty folder (made once, under the
/// temporary directory), so that relative paths (file, glob, directory entries, the QM9 files of
/// layout "qm9") resolve to nothing, and reading it is an ordinary empty result.
const std::string& folder() {
  static const std::string path = [] {
    const auto p = std::filesystem::temp_directory_path() / "cagescreen-fuzz-empty";
    std::filesystem::create_directories(p);
    return p.string();
  }();
  return path;
}

/// Runs `read` on the bytes as text; the project's own errors are expected answers to bad input.
template <class F>
int guarded(const std::uint8_t* data, std::size_t size, F&& read) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    read(text);
  } catch (const InputError&) {
  } catch (const NotConverged&) {
  } catch (const OutOfMemory&) {
  } catch (const XtbFailed&) {
  }
  return 0;
}

/// A consistency check failed: abort, which libFuzzer reports like a crash.
[[noreturn]] void inconsistent(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz target: %s: %s\n", what, detail.c_str());
  std::abort();
}

int xyz(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) { molecules::parse_xyz(text, "fuzz.xyz"); });
}

int qcschema(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) { molecules::parse_qcschema_molecule(text, "fuzz.json"); });
}

int gbs(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) { scf::parse_gbs(text, "fuzz.gbs"); });
}

int manifest(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) {
    workflows::parse_manifest(text, folder() + "/manifest.toml");
  });
}

int cif(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) { molecules::parse_cif(text, "fuzz.cif"); });
}

int poscar(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) { molecules::parse_poscar(text, "POSCAR"); });
}

/// A notation that parses also names itself, canonicalises and builds.
int derivative(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) {
    const molecules::Derivative d = molecules::parse_derivative(text);
    const std::string notation = d.notation();
    if (!(molecules::parse_derivative(notation) == d)) inconsistent("notation does not parse back", text + " -> " + notation);
    d.iupac_name();
    molecules::build_derivative(molecules::canonical(d));
  });
}

int reference_toml(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) {
    workflows::parse_reference_toml(text, folder() + "/reference.toml");
  });
}

int qm9(const std::uint8_t* data, std::size_t size) {
  return guarded(data, size, [](const std::string& text) {
    workflows::parse_qm9_entry(text, folder() + "/gdb_1.xyz");
  });
}

}  // namespace

const std::vector<Target>& targets() {
  static const std::vector<Target> all{
      {"xyz", xyz, "molecules::parse_xyz"},
      {"qcschema", qcschema, "molecules::parse_qcschema_molecule"},
      {"gbs", gbs, "scf::parse_gbs"},
      {"manifest", manifest, "workflows::parse_manifest"},
      {"cif", cif, "molecules::parse_cif"},
      {"poscar", poscar, "molecules::parse_poscar"},
      {"derivative", derivative, "molecules::parse_derivative (then notation, canonical, build_derivative)"},
      {"reference_toml", reference_toml, "workflows::parse_reference_toml"},
      {"qm9", qm9, "workflows::parse_qm9_entry"},
  };
  return all;
}

const Target* find_target(std::string_view name) {
  for (const auto& t : targets())
    if (t.name == name) return &t;
  return nullptr;
}

}  // namespace cagescreen::fuzz
