#pragma once
// Small text helpers shared by the readers and command lines.
#include <cctype>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace cagescreen {

/// ASCII lower case.
inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// `text` with every character other than ASCII letters, digits and those in `keep` replaced by
/// '_': file names made from labels, names and notations.
inline std::string safe_file_name(const std::string& text, const std::string& keep) {
  std::string s;
  for (char ch : text)
    s += std::isalnum(static_cast<unsigned char>(ch)) || keep.find(ch) != std::string::npos ? ch : '_';
  return s;
}

/// Whitespace-separated tokens of a line.
inline std::vector<std::string> split_ws(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> tok;
  for (std::string t; in >> t;) tok.push_back(t);
  return tok;
}

/// The entry of a built-in list (species, crystals: anything with `name` and `aliases`) whose
/// name or alias equals `name`, case-insensitively.
template <class T>
std::optional<T> find_named(const std::vector<T>& list, const std::string& name) {
  const std::string key = lower(name);
  for (const auto& e : list) {
    if (e.name == key) return e;
    for (const auto& a : e.aliases)
      if (a == key) return e;
  }
  return std::nullopt;
}

}  // namespace cagescreen
