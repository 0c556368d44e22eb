// Corpus replay: every input of tests/fuzz/corpus/TARGET and tests/fuzz/regressions/TARGET goes
// through its fuzz target (tests/fuzz/targets.cpp), which must return normally: a reader may
// answer bad input with InputError, never with another exception or a crash. docs/fuzzing.md.
#include <doctest/doctest.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "targets.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path fuzz_dir = CAGESCREEN_FUZZ_DIR;

std::string read_bytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Sub-folders of tests/fuzz/KIND (corpus or regressions).
std::vector<std::string> folders(const std::string& kind) {
  std::vector<std::string> out;
  if (fs::is_directory(fuzz_dir / kind))
    for (const auto& d : fs::directory_iterator(fuzz_dir / kind))
      if (d.is_directory()) out.push_back(d.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_SUITE("fuzz_replay") {
  TEST_CASE("fuzz targets: targets.cpp's table, tests/fuzz/CMakeLists.txt and the corpus folders agree") {
    std::set<std::string> table;
    for (const auto& t : cagescreen::fuzz::targets()) table.insert(std::string(t.name));
    std::set<std::string> cmake;
    std::istringstream list(CAGESCREEN_FUZZ_TARGET_LIST);
    for (std::string name; std::getline(list, name, ',');) cmake.insert(name);
    CHECK(table == cmake);
    const auto corpus = folders("corpus");
    CHECK(std::set<std::string>(corpus.begin(), corpus.end()) == table);
    for (const auto& kind : {"corpus", "regressions"})
      for (const auto& f : folders(kind)) CHECK_MESSAGE(table.count(f), "tests/fuzz/", kind, "/", f, " names no fuzz target");
  }

  TEST_CASE("fuzz corpus and regression inputs go through their targets without a finding") {
    int inputs = 0;
    for (const auto& t : cagescreen::fuzz::targets()) {
      for (const char* kind : {"corpus", "regressions"}) {
        const fs::path dir = fuzz_dir / kind / std::string(t.name);
        if (!fs::is_directory(dir)) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir))
          if (e.is_regular_file()) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const auto& file : files) {
          const std::string bytes = read_bytes(file);
          std::string escaped;
          try {
            CHECK_MESSAGE(t.run(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()) == 0, file.string());
          } catch (const std::exception& e) {
            escaped = e.what();
          } catch (...) {
            escaped = "an exception not derived from std::exception";
          }
          CHECK_MESSAGE(escaped.empty(), file.string(), ": ", escaped);
          ++inputs;
        }
      }
      CHECK_MESSAGE(fs::is_directory(fuzz_dir / "corpus" / std::string(t.name)), "no seed corpus for ", t.name);
    }
    CHECK(inputs > 0);
  }
}
