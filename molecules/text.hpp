#pragma once
// Small text helpers shared by the readers and command lines.
#include <algorithm>
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

/// Levenshtein distance between a and b (insertions, deletions and substitutions).
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

/// The `count` names of `candidates` closest to `name` by edit distance, comma-separated (for
/// "unknown X 'name' (closest: a, b, c)" messages).
inline std::string closest_names(const std::string& name, const std::vector<std::string>& candidates,
                                 std::size_t count = 3) {
  std::vector<std::pair<std::size_t, std::string>> close;
  for (const auto& c : candidates) close.push_back({edit_distance(name, c), c});
  std::sort(close.begin(), close.end());
  std::string list;
  for (std::size_t i = 0; i < close.size() && i < count; ++i) list += (i ? ", " : "") + close[i].second;
  return list;
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
