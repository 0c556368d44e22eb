#!/usr/bin/env python3
"""Lists the function definitions of cagescreen's sources that are longer than a threshold.

  scripts/function_lengths.py                 functions over 150 lines in molecules/ scf/ descriptors/ workflows/
  scripts/function_lengths.py -t 60           over 60 lines
  scripts/function_lengths.py --all           every function, longest first
  scripts/function_lengths.py FILE|DIR ...    other files or folders
  scripts/function_lengths.py --clang-tidy    cross-check against clang-tidy's readability-function-size

A function's length is the number of lines from the first line of its declaration (a
`template <...>` line included, comments before it not) to its closing brace, both included:
`int f() {` ... `}` on lines 10..20 is 11 lines. Exits 1 when a function is longer than the
threshold, 0 otherwise, 2 on a usage error.

The scanner blanks comments, string and character literals (raw strings too) and preprocessor
lines, then matches braces. A `{` at namespace or class scope opens a function body when it
follows the `)` of a parameter list, a qualifier (const, noexcept, override, final, mutable, try)
or a trailing return type; member initialisers of a constructor (`: a_{1}, b_(2) {`) are skipped.
Lambdas belong to the function around them, as for clang-tidy (its check ignores them); so do
member functions of local classes (which clang-tidy would count on their own; the sources have none).

--clang-tidy runs clang-tidy's readability-function-size (LineThreshold 0) on every source file
of the selection through build/compile_commands.json (configure with
-DCMAKE_EXPORT_COMPILE_COMMANDS=ON) and compares its line counts (closing brace line minus
opening brace line) with the scanner's; it prints the differences and exits 1 if there are any.
Functions on one line, which clang-tidy never reports at threshold 0, are not compared. It takes
minutes.
"""

import argparse
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = ["molecules", "scf", "descriptors", "workflows"]
EXTENSIONS = {".cpp", ".cc", ".cxx", ".hpp", ".h", ".hh", ".hxx", ".ipp", ".inl"}
IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
QUALIFIERS = {"const", "noexcept", "override", "final", "mutable", "volatile", "try"}


@dataclass
class Function:
  path: str
  name: str
  start: int  # first line of the declaration
  open: int   # line of the body's `{`
  close: int  # line of the body's `}`

  @property
  def lines(self) -> int:
    """Declaration to closing brace, both included."""
    return self.close - self.start + 1

  @property
  def body_lines(self) -> int:
    """clang-tidy's count: closing brace line minus opening brace line."""
    return self.close - self.open


def blank(text: str) -> str:
  """Replaces comments, string and character literals and preprocessor lines by spaces (newlines kept)."""
  out = list(text)
  n = len(text)
  i = 0
  line_start = True  # only blanks since the last newline

  def erase(a: int, b: int) -> None:
    for k in range(a, min(b, n)):
      if out[k] != "\n":
        out[k] = " "

  while i < n:
    c = text[i]
    if c == "\n":
      line_start = True
      i += 1
      continue
    if c in " \t\r\f\v":
      i += 1
      continue
    if line_start and c == "#":  # preprocessor line, with its continuations
      j = i
      while j < n and text[j] != "\n":
        if text[j] == "\\" and j + 1 < n and text[j + 1] == "\n":
          j += 2
          continue
        if text.startswith("/*", j):  # a comment inside a directive may span lines
          k = text.find("*/", j + 2)
          j = n if k < 0 else k + 2
          continue
        j += 1
      erase(i, j)
      i = j
      continue
    line_start = False
    if text.startswith("//", i):
      j = text.find("\n", i)
      j = n if j < 0 else j
      erase(i, j)
      i = j
      continue
    if text.startswith("/*", i):
      j = text.find("*/", i + 2)
      j = n if j < 0 else j + 2
      erase(i, j)
      i = j
      continue
    m = re.compile(r'(?:u8|u|U|L)?R"([^ ()\\\t\n]{0,16})\(').match(text, i)
    if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
      end = text.find(")" + m.group(1) + '"', m.end())
      j = n if end < 0 else end + len(m.group(1)) + 2
      erase(i, j)
      i = j
      continue
    if c == '"' or c == "'":
      if c == "'" and i > 0 and text[i - 1].isalnum():
        # a digit separator (1'000) or the end of a u8'x' prefix: a separator unless the word is a prefix
        k = i - 1
        while k >= 0 and (text[k].isalnum() or text[k] in "_."):
          k -= 1
        word = text[k + 1:i]
        if word[:1].isdigit() or word.startswith("."):
          i += 1
          continue
      j = i + 1
      while j < n and text[j] != c and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
      erase(i, j + 1)
      i = j + 1
      continue
    if c.isalpha() or c == "_":  # skip whole words so that R"..." inside a name is not a raw string
      m = IDENT.match(text, i)
      i = m.end()
      continue
    i += 1
  return "".join(out)


def strip_template_prefix(header: str) -> str:
  """Removes leading `template <...>` clauses (and `[[attributes]]`)."""
  while True:
    h = header.lstrip()
    if h.startswith("[["):
      end = h.find("]]")
      if end < 0:
        return h
      header = h[end + 2:]
      continue
    m = re.match(r"template\s*<", h)
    if not m:
      return h
    depth, k = 1, m.end()
    while k < len(h) and depth:
      if h[k] == "<":
        depth += 1
      elif h[k] == ">":
        depth -= 1
      elif h[k] in "({[":  # a default argument with parentheses: `<` and `>` inside are not brackets
        level = 0
        while k < len(h):
          level += (h[k] in "({[") - (h[k] in ")}]")
          k += 1
          if level == 0:
            break
        continue
      k += 1
    header = h[k:]


def top_level(header: str):
  """Yields (index, char) of the characters of `header` outside parentheses, brackets and braces."""
  depth = 0
  for k, c in enumerate(header):
    if c in "([{":
      depth += 1
    elif c in ")]}":
      depth -= 1
    elif depth == 0:
      yield k, c


def function_name(header: str) -> str:
  """The qualified name in a declaration header (the identifier before the parameter list)."""
  m = re.search(r"((?:[A-Za-z_][A-Za-z0-9_]*\s*(?:<[^;{}()]*>)?\s*::\s*)*~?\s*operator\s*(?:\(\s*\)|[^\s(]+))\s*\(",
                header)
  if m:  # operator() and operator==, but operator new and operator bool
    return re.sub(r"operator(?=[A-Za-z_])", "operator ", re.sub(r"\s+", "", m.group(1)))
  angle = 0
  for k, c in enumerate(header):
    if c == "<":
      angle += 1
    elif c == ">" and angle:
      angle -= 1
    elif c == "(" and angle == 0:
      m = re.search(r"((?:[A-Za-z_][A-Za-z0-9_]*\s*(?:<[^;{}()]*>)?\s*::\s*)*~?\s*[A-Za-z_][A-Za-z0-9_]*)\s*$",
                    header[:k])
      return re.sub(r"\s+", "", m.group(1)) if m else "?"
  return "?"


def opens_function(header: str) -> bool:
  """True when a `{` right after `header` (at namespace or class scope) opens a function body."""
  h = header.rstrip()
  if not h:
    return False
  last_word = re.search(r"([A-Za-z_][A-Za-z0-9_]*)$", h)
  if h.endswith(")"):
    opened = True
  elif last_word and last_word.group(1) in QUALIFIERS:
    opened = True
  else:
    # a trailing return type: `) -> T` at the top level
    opened = any(c == "-" and header[k + 1:k + 2] == ">" and ")" in header[:k] for k, c in top_level(header))
  if not opened or "(" not in header:
    return False
  # `auto f = [](int x) {` and `T x = g(1) {` are not function definitions
  for k, c in top_level(header):
    if c == "=" and header[k + 1:k + 2] != "=" and header[k - 1:k] not in ("=", "!", "<", ">"):
      if not re.search(r"operator\s*\S*$", header[:k + 1]):
        return False
  return True


def scan_text(text: str, path: str):
  """Function definitions at namespace or class scope of one source text."""
  code = blank(text)
  line_of = []  # line number at each offset
  line = 1
  for c in code:
    line_of.append(line)
    if c == "\n":
      line += 1

  functions = []
  # scope stack entries: "ns", "class", ("func", name, start, open) or "block"
  stack = ["ns"]
  header_start = 0  # offset where the current declaration header starts (namespace/class scope)
  n = len(code)
  i = 0
  while i < n:
    c = code[i]
    top = stack[-1]
    in_decl_scope = top in ("ns", "class")
    if c == "{":
      if not in_decl_scope:
        stack.append("block")
        i += 1
        continue
      header = code[header_start:i]
      # braces inside parentheses of the header (default arguments) belong to the header
      depth = sum(1 for ch in header if ch == "(") - sum(1 for ch in header if ch == ")")
      if depth > 0:
        i = skip_braces(code, i)
        continue
      body = strip_template_prefix(header)
      body = re.sub(r"^\s*(?:public|private|protected)\s*:(?!:)", "", body)
      stripped = body.strip()
      is_class = re.match(r"(?:typedef\s+)?(?:class|struct|union|enum)\b", stripped) and not stripped.endswith(")")
      # a constructor's member initialisers: `) : a_{1}, b_{x} {`
      ctor = None
      for k, ch in top_level("" if is_class else body):
        if ch == ":" and body[k + 1:k + 2] != ":" and body[k - 1:k] != ":" and ")" in body[:k]:
          ctor = k
          break
      if ctor is not None:
        before = body.rstrip()
        if before and (before[-1].isalnum() or before[-1] in "_>"):
          i = skip_braces(code, i)  # a member initialiser in braces
          continue
      if re.match(r"(?:inline\s+)?namespace\b", stripped) or re.match(r"extern\s*$", stripped):
        stack.append("ns")
      elif is_class:
        stack.append("class")
      elif ctor is not None or opens_function(body):
        lead = re.match(r"(?:\s|(?:public|private|protected)\s*:(?!:))*", header)
        start = header_start + lead.end()
        stack.append(("func", function_name(body[:ctor] if ctor is not None else body), line_of[start],
                      line_of[i]))
      else:
        stack.append("block")  # an initialiser: `T x{...}`, `= {...}`, an enum body, ...
      i += 1
      header_start = i
      continue
    if c == "}":
      closed = stack.pop() if len(stack) > 1 else "ns"
      if isinstance(closed, tuple):
        _, name, start, opened = closed
        functions.append(Function(path, name, start, opened, line_of[i]))
      i += 1
      if stack[-1] in ("ns", "class"):
        header_start = i
      continue
    if c == ";" and in_decl_scope:
      header = code[header_start:i]
      if header.count("(") <= header.count(")"):
        header_start = i + 1
    i += 1
  return functions


def skip_braces(code: str, i: int) -> int:
  """Offset just past the brace group that opens at `i`."""
  depth = 0
  while i < len(code):
    if code[i] == "{":
      depth += 1
    elif code[i] == "}":
      depth -= 1
      if depth == 0:
        return i + 1
    i += 1
  return i


def fail(message: str):
  print(f"function_lengths: {message}", file=sys.stderr)
  sys.exit(2)


def source_files(paths):
  files = []
  for p in paths:
    p = Path(p)
    if p.is_dir():
      files += sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in EXTENSIONS)
    elif p.is_file():
      files.append(p)
    else:
      fail(f"no such file or folder: {p}")
  return files


def display(path: Path) -> str:
  try:
    return str(path.resolve().relative_to(ROOT))
  except ValueError:
    return str(path)


def scan(files):
  out = []
  for f in files:
    out += scan_text(f.read_text(encoding="utf-8", errors="replace"), display(f))
  return out


def clang_tidy_functions(files, build: Path, jobs: int):
  """Runs clang-tidy's readability-function-size on each .cpp; returns {(path, name line): body lines}."""
  db = build / "compile_commands.json"
  if not db.exists():
    fail(f"{db} is missing: configure with -DCMAKE_EXPORT_COMPILE_COMMANDS=ON")
  in_db = {str(Path(e["file"]).resolve()) for e in json.loads(db.read_text())}
  sources = [f for f in files if str(f.resolve()) in in_db]
  headers = [f for f in files if f.suffix not in (".cpp", ".cc", ".cxx")]
  header_filter = "|".join(re.escape(str(h.resolve())) for h in headers) or "^$"
  tidy = os.environ.get("CLANG_TIDY", "clang-tidy")
  config = ("{Checks: '-*,readability-function-size', "
            "CheckOptions: [{key: readability-function-size.LineThreshold, value: 0}]}")
  pattern = re.compile(r"^(.*):(\d+):\d+: warning: function '(.*)' exceeds recommended size")
  note = re.compile(r"^.*:\d+:\d+: note: (\d+) lines including whitespace and comments")

  def run(f: Path):
    r = subprocess.run([tidy, "-p", str(build), f"--config={config}", f"--header-filter={header_filter}", "--quiet",
                        str(f.resolve())], capture_output=True, text=True)
    found, current = {}, None
    for ln in r.stdout.splitlines():
      if m := pattern.match(ln):
        current = (display(Path(m.group(1))), int(m.group(2)), m.group(3))
      elif (m := note.match(ln)) and current:
        found[current] = int(m.group(1))
        current = None
    if r.returncode not in (0, 1) and not found:
      print(f"function_lengths: clang-tidy failed on {display(f)}:\n{r.stderr[-2000:]}", file=sys.stderr)
    return found

  result = {}
  with ThreadPoolExecutor(max_workers=jobs) as pool:
    for found in pool.map(run, sources):
      result.update(found)
  return result


def compare_with_clang_tidy(files, build: Path, jobs: int) -> int:
  ours = scan(files)
  theirs = clang_tidy_functions(files, build, jobs)
  # clang-tidy places a function at its name; the scanner at the first line of the declaration
  by_place = {}
  for f in ours:
    by_place.setdefault(f.path, []).append(f)
  matched, differences = set(), []
  for (path, line, name), body in sorted(theirs.items()):
    short = name.split("::")[-1]
    candidates = [f for f in by_place.get(path, []) if f.start <= line <= f.open and
                  (f.name.split("::")[-1] == short or short.startswith("operator"))]
    if not candidates:
      differences.append(f"{path}:{line}: clang-tidy only: {name} ({body} body lines)")
      continue
    f = candidates[0]
    matched.add(id(f))
    if f.body_lines != body:
      differences.append(f"{path}:{line}: {name}: clang-tidy {body} body lines, scanner {f.body_lines}")
  for f in ours:  # clang-tidy reports no function whose body is on one line (0 > threshold 0 is false)
    if id(f) not in matched and f.body_lines > 0:
      differences.append(f"{f.path}:{f.start}: scanner only: {f.name} ({f.body_lines} body lines)")
  print(f"function_lengths: clang-tidy found {len(theirs)} functions, the scanner {len(ours)}; "
        f"{len(differences)} differences")
  for d in differences:
    print(d)
  return 1 if differences else 0


def main() -> int:
  ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                               formatter_class=argparse.RawDescriptionHelpFormatter, epilog="\n".join(
                                   __doc__.split("\n")[1:]))
  ap.add_argument("paths", nargs="*", help="files or folders (default: molecules scf descriptors workflows)")
  ap.add_argument("-t", "--threshold", type=int, default=150, help="longest allowed function, lines (default 150)")
  ap.add_argument("--all", action="store_true", help="list every function, longest first")
  ap.add_argument("--clang-tidy", action="store_true", help="compare the scanner with clang-tidy (slow)")
  ap.add_argument("--build", default=str(ROOT / "build"), help="build folder with compile_commands.json")
  ap.add_argument("-j", "--jobs", type=int, default=2, help="clang-tidy processes (default 2)")
  args = ap.parse_args()
  if args.threshold < 1:
    ap.error("the threshold must be positive")
  files = source_files(args.paths or [ROOT / d for d in DEFAULT_DIRS])
  if args.clang_tidy:
    return compare_with_clang_tidy(files, Path(args.build), args.jobs)
  functions = sorted(scan(files), key=lambda f: (-f.lines, f.path, f.start))
  long = [f for f in functions if f.lines > args.threshold]
  for f in functions if args.all else long:
    print(f"{f.lines:5d}  {f.path}:{f.start}  {f.name}")
  sys.stdout.flush()
  print(f"function_lengths: {len(long)} of {len(functions)} functions longer than {args.threshold} lines",
        file=sys.stderr)
  return 1 if long else 0


if __name__ == "__main__":
  sys.exit(main())
