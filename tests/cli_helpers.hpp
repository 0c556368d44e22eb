#pragma once
// Runs the cagescreen executable from tests and writes scratch files.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

struct Result {
  int code = -1;
  std::string output;  // stdout and stderr
};

inline Result cli(const std::string& args) {
  const std::string cmd = std::string(CAGESCREEN_EXE) + " " + args + " 2>&1";
  Result r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (size_t n = fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

/// Runs `cagescreen ARGS`, expects exit code `code` and `message` in the error line; returns
/// the output.
inline Result expect_error(const std::string& args, int code, const std::string& message) {
  const auto r = cli(args);
  INFO("cagescreen " << args << "\n" << r.output);
  CHECK(r.code == code);
  CHECK(r.output.find(message) != std::string::npos);
  CHECK(r.output.find("cagescreen: error: ") != std::string::npos);
  return r;
}

/// An empty folder CAGESCREEN_TEST_TMP/name (removed first if it exists).
inline std::filesystem::path scratch(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(CAGESCREEN_TEST_TMP) / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

inline std::string tmp_file(const std::string& name, const std::string& content) {
  const std::filesystem::path dir = CAGESCREEN_TEST_TMP;
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path) << content;
  return path;
}

}  // namespace
