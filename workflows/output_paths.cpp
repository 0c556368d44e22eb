#include "workflows/output_paths.hpp"

#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "molecules/error.hpp"
#include "molecules/parse.hpp"

namespace cagescreen::workflows {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& option, const std::string& path, const std::string& why) {
  throw InputError(option + " " + in_quotes(path, 120) + ": " + why);
}

/// Status of a path without throwing: a symbolic-link loop or permission problem is refused.
fs::file_status status_of(const fs::path& p, const std::string& option) {
  std::error_code ec;
  const auto st = fs::status(p, ec);
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    refuse(option, p.string(), ec == std::errc::too_many_symbolic_link_levels ? "a loop of symbolic links" : ec.message());
  return st;
}

void check_writable_folder(const fs::path& dir, const std::string& option, const std::string& path) {
  const auto st = status_of(dir, option);
  if (!fs::exists(st)) refuse(option, path, "the folder " + dir.string() + " does not exist");
  if (!fs::is_directory(st)) refuse(option, path, dir.string() + " is not a folder");
  if (::access(dir.c_str(), W_OK | X_OK) != 0) refuse(option, path, "the folder " + dir.string() + " is not writable");
}

}  // namespace

void check_output_file(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  if (!is_one_line_text(path)) refuse(option, path, "the name has a control character");
  const fs::path p(path);
  const auto st = status_of(p, option);
  if (fs::is_directory(st)) refuse(option, path, "is a folder, not a file");
  if (fs::exists(st) && !fs::is_regular_file(st) && path != "/dev/null" && path != "/dev/stdout")
    refuse(option, path, "is not a regular file");
  if (fs::exists(st) && fs::is_regular_file(st) && ::access(path.c_str(), W_OK) != 0)
    refuse(option, path, "the file is not writable");
  const fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  check_writable_folder(dir, option, path);
}

void check_output_folder(const std::string& path, const std::string& option) {
  if (path.empty()) return;
  if (!is_one_line_text(path)) refuse(option, path, "the name has a control character");
  fs::path p = fs::absolute(fs::path(path));
  const auto st = status_of(p, option);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) refuse(option, path, "exists and is not a folder");
    if (::access(p.c_str(), W_OK | X_OK) != 0) refuse(option, path, "the folder is not writable");
    return;
  }
  // The nearest existing ancestor must be a writable folder.
  for (fs::path a = p.parent_path(); !a.empty(); a = a.parent_path()) {
    const auto sa = status_of(a, option);
    if (!fs::exists(sa)) {
      if (a == a.parent_path()) break;
      continue;
    }
    if (!fs::is_directory(sa)) refuse(option, path, a.string() + " is not a folder");
    if (::access(a.c_str(), W_OK | X_OK) != 0) refuse(option, path, "cannot create it: " + a.string() + " is not writable");
    return;
  }
}

}  // namespace cagescreen::workflows
