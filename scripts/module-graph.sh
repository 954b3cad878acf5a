#!/usr/bin/env bash
# The module import graph of rollcall's sources, read from src/, and the
# check that it flows one way. Prints every module and the modules it
# imports, then fails (exit 1) on an upward import or a circle:
#
#   scripts/module-graph.sh            # graph, then "ok" or the violations
#
# Layers, lowest first; a module may import only those before it (its own
# layer's modules too, within one top-level module):
#
#   printable tls redact     text made safe to print, TLS settings, secrets masked
#   contract                 load, resolve $refs, normalize; source locations
#   plan                     a request per operation; selection; follow-up requests
#   probe                    HTTP, discovery, sending, response masking
#   verdict                  rules and classification: pure, no I/O
#   report                   every rendering of a run (and of `list` and `diff`)
#   config                   rollcall.toml, read into typed values
#   check                    the run: the one way through the pipeline
#   demo                     the sample service and its check
#   cli console main         the binary: arguments in, output and exit code out
#
# Inside a top-level module, sibling modules (contract::bundle and
# contract::refs, say) must not import each other in a circle. A child may
# use its parent's face (`super::Thing`), and the parent its children.
# Test code (`#[cfg(test)]` items, tests.rs and testing.rs modules) is left
# out: tests may reach across layers to build what they check.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYERS="printable tls redact contract plan probe verdict report config check demo cli console main"

# The modules of the binary: main.rs and the ones it declares.
binary_modules="$(sed -n 's/^ *\(pub \)\{0,1\}mod \([a-z_0-9]*\);.*/\2/p' src/main.rs | tr '\n' ' ')"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. Every file's module path and what it refers to.
find src -name '*.rs' | LC_ALL=C sort | while read -r file; do
  rel="${file#src/}"
  rel="${rel%.rs}"
  rel="${rel%/mod}"
  case "$rel" in
    lib) module="crate" ;;
    main) module="main" ;;
    *) module="${rel//\//::}" ;;
  esac
  printf 'FILE\t%s\t%s\n' "$module" "$file"
done >"$work/files"

mapfile -t sources < <(cut -f3 "$work/files")
# shellcheck disable=SC2016
LC_ALL=C awk -F'\t' '
function reset_lexer() { in_block = 0; in_str = 0; raw_hashes = -1 }

# The code of one line: comments dropped, string and char literals emptied.
# The lexer state (block comments, multi-line strings) carries over lines.
function code_of(line,    out, i, n, c, d, j, m, closing) {
  out = ""; n = length(line); i = 1
  while (i <= n) {
    c = substr(line, i, 1); d = substr(line, i, 2)
    if (in_block > 0) {
      if (d == "*/") { in_block--; i += 2 } else if (d == "/*") { in_block++; i += 2 } else i++
      continue
    }
    if (raw_hashes >= 0) {
      closing = "\"" substr("################", 1, raw_hashes)
      j = index(substr(line, i), closing)
      if (j == 0) return out
      i += j - 1 + length(closing); raw_hashes = -1; out = out "\"\""
      continue
    }
    if (in_str) {
      if (c == "\\") { i += 2; continue }
      if (c == "\"") { in_str = 0; out = out "\"\"" }
      i++; continue
    }
    if (d == "//") return out
    if (d == "/*") { in_block = 1; i += 2; continue }
    if (c == "\"") { in_str = 1; i++; continue }
    if ((c == "r" || c == "b") && (i == 1 || substr(line, i - 1, 1) !~ /[A-Za-z0-9_]/)) {
      m = substr(line, i)
      if (match(m, /^b?r#*"/)) {
        raw_hashes = RLENGTH - 1 - (substr(m, 1, 1) == "b" ? 2 : 1)
        i += RLENGTH; continue
      }
      if (substr(m, 1, 2) == "b\"") { in_str = 1; i += 2; continue }
    }
    if (c == "'"'"'") {
      # A char literal (quote, one char or an escape, quote); else a lifetime.
      if (substr(line, i + 1, 1) == "\\") {
        j = index(substr(line, i + 2), "'"'"'")
        if (j > 0) { i += j + 2; out = out "'"'"''"'"'"; continue }
      }
      for (j = 2; j <= 5; j++) {
        m = substr(line, i + 1, j - 1)
        if (substr(line, i + j, 1) == "'"'"'" && m !~ /[ '"'"'\\]/) break
      }
      if (j <= 5) { i += j + 1; out = out "'"'"''"'"'"; continue }
    }
    out = out c; i++
  }
  return out
}

# Emits every path of a `use` tree (`crate::{a::b, c::{d, e}}`).
function expand(prefix, tree,    depth, i, c, start, head, body, parts, n, k) {
  i = index(tree, "{")
  if (i == 0) {
    sub(/ as .*/, "", tree); sub(/::(self|\*)$/, "", tree)
    if (tree == "self") tree = ""
    ref(prefix tree)
    return
  }
  head = substr(tree, 1, i - 1)
  depth = 0; start = i + 1; n = 0
  for (k = i; k <= length(tree); k++) {
    c = substr(tree, k, 1)
    if (c == "{") depth++
    else if (c == "}") { depth--; if (depth == 0) { parts[++n] = substr(tree, start, k - start); break } }
    else if (c == "," && depth == 1) { parts[++n] = substr(tree, start, k - start); start = k + 1 }
  }
  for (k = 1; k <= n; k++) {
    body = parts[k]; gsub(/^ +| +$/, "", body)
    if (body != "") expand(prefix head, body)
  }
}

function ref(path) {
  gsub(/ /, "", path); sub(/::$/, "", path)
  if (path != "") print "REF\t" module "\t" path "\t" FILENAME
}

FILENAME == ARGV[1] { file_module[$3] = $2; next }
FNR == 1 {
  reset_lexer(); module = file_module[FILENAME]; skipping = 0; pending_test = 0; in_use = 0
}
{
  code = code_of($0)
  if (skipping) {
    # Inside a #[cfg(test)] item: count braces to its end.
    depth += gsub(/\{/, "{", code) - gsub(/\}/, "}", code)
    if (depth <= 0 && (seen_brace || code ~ /;/)) skipping = 0
    if (code ~ /\{/) seen_brace = 1
    next
  }
  if (code ~ /^[ \t]*#\[cfg\(test\)\]/) { pending_test = 1; next }
  if (pending_test && code ~ /^[ \t]*#\[/) next
  if (pending_test) {
    pending_test = 0
    if (match(code, /mod [a-z_0-9]+;/)) {
      name = substr(code, RSTART + 4, RLENGTH - 5)
      print "TEST\t" (module == "crate" ? "" : module "::") name
      next
    }
    depth = gsub(/\{/, "{", code) - gsub(/\}/, "}", code)
    seen_brace = (code ~ /\{/)
    if (depth > 0 || (!seen_brace && code !~ /;/)) skipping = 1
    next
  }
  if (match(code, /^[ \t]*(pub(\([a-z]+\))? )?mod [a-z_0-9]+;/)) {
    decl = substr(code, RSTART, RLENGTH); sub(/.*mod /, "", decl); sub(/;/, "", decl)
    print "MOD\t" module "\t" decl
  }
  # `use` statements, possibly over several lines.
  line = code
  if (!in_use && match(line, /(^|[^A-Za-z0-9_])use /)) {
    in_use = 1; use_text = ""
    line = substr(line, RSTART + RLENGTH)
  }
  if (in_use) {
    k = index(line, ";")
    if (k == 0) { use_text = use_text " " line; next }
    use_text = use_text " " substr(line, 1, k - 1)
    in_use = 0
    gsub(/[ \t]+/, " ", use_text); gsub(/^ | $/, "", use_text)
    gsub(/ ?:: ?/, "::", use_text); gsub(/ ?\{ ?/, "{", use_text); gsub(/ ?\} ?/, "}", use_text)
    if (use_text != "") expand("", use_text)
    code = substr(line, k + 1)
  }
  # Paths in code: crate::x, super::x, self::x, rollcall::x.
  rest = code
  while (match(rest, /(^|[^A-Za-z0-9_:])(crate|super|rollcall)(::[A-Za-z_][A-Za-z0-9_]*)+/)) {
    p = substr(rest, RSTART, RLENGTH); sub(/^[^A-Za-z_]/, "", p)
    ref(p)
    rest = substr(rest, RSTART + RLENGTH)
  }
}
' "$work/files" "${sources[@]}" >"$work/refs"

# 2. Resolve the references to modules; print the graph; check it.
LC_ALL=C awk -v binary="$binary_modules" -v layers="$LAYERS" -F'\t' '
function parent(m) { if (m == "crate" || m == "main" || index(m, "::") == 0) return (is_bin_top(m) && m != "main" ? "main" : "crate"); sub(/::[^:]*$/, "", m); return m }
function is_bin_top(m,   top) { top = m; sub(/::.*/, "", top); return (" " binary " main ") ~ (" " top " ") }
function top_of(m) { sub(/::.*/, "", m); return m }
function is_test(m,    t, parts, n, i) {
  n = split(m, parts, "::")
  for (i = 1; i <= n; i++) if (parts[i] ~ /^(tests|testing)$|_tests$/) return 1
  for (t in test_mod) if (m == t || index(m, t "::") == 1) return 1
  return 0
}
# The module a path names: the longest prefix that is a known module.
function resolve(from, path,    segs, n, base, i, cand, best) {
  n = split(path, segs, "::")
  i = 1
  if (segs[1] == "crate") { base = ""; i = 2 }
  else if (segs[1] == "rollcall") { base = ""; i = 2 }
  else if (segs[1] == "super") {
    base = from
    while (segs[i] == "super") { base = parent(base); i++ }
    if (base == "crate" || base == "main") base = ""
  } else if (segs[1] == "self") { base = (from == "crate" || from == "main") ? "" : from; i = 2 }
  else if ((from SUBSEP segs[1]) in declared) { base = (from == "crate" || from == "main") ? "" : from }
  else return ""
  best = (base == "" ? "" : base)
  cand = base
  for (; i <= n; i++) {
    cand = (cand == "" ? segs[i] : cand "::" segs[i])
    if (cand in known) best = cand
    else break
  }
  return best
}
FILENAME == ARGV[1] { known[$2] = 1; next }
$1 == "MOD" { declared[$2 SUBSEP $3] = 1; next }
$1 == "TEST" { test_mod[$2] = 1; next }
$1 == "REF" { refs[++nrefs] = $2 SUBSEP $3; next }
END {
  nl = split(layers, layer_list, " ")
  for (i = 1; i <= nl; i++) rank[layer_list[i]] = i
  for (r = 1; r <= nrefs; r++) {
    split(refs[r], pair, SUBSEP); from = pair[1]; path = pair[2]
    if (is_test(from)) continue
    to = resolve(from, path)
    if (to == "" || to == from || is_test(to)) continue
    edge[from SUBSEP to] = 1
  }
  # The graph, one line per module.
  print "module graph (src/; tests left out):"
  nm = 0
  for (m in known) if (m != "crate" && !is_test(m)) mods[++nm] = m
  for (i = 2; i <= nm; i++) { v = mods[i]; for (j = i - 1; j >= 1 && mods[j] > v; j--) mods[j + 1] = mods[j]; mods[j + 1] = v }
  for (i = 1; i <= nm; i++) {
    line = ""
    for (j = 1; j <= nm; j++) if ((mods[i] SUBSEP mods[j]) in edge) line = line " " mods[j]
    printf "  %s ->%s\n", mods[i], (line == "" ? " (nothing)" : line)
  }
  print "layers, lowest first: " layers
  bad = 0
  for (e in edge) {
    split(e, pair, SUBSEP); a = pair[1]; b = pair[2]
    ta = top_of(a); tb = top_of(b)
    if (!(ta in rank)) { missing[ta] = 1; continue }
    if (!(tb in rank)) { missing[tb] = 1; continue }
    if (ta != tb && rank[ta] < rank[tb]) {
      printf "upward import: %s -> %s (%s is below %s)\n", a, b, ta, tb; bad = 1
    }
    # Siblings: lift both ends to the children of their common parent.
    if (index(b "::", a "::") == 1 || index(a "::", b "::") == 1) continue
    na = split(a, sa, "::"); nb = split(b, sb, "::")
    for (k = 1; k <= na && k <= nb && sa[k] == sb[k]; k++) ;
    la = sa[1]; for (q = 2; q <= k; q++) la = la "::" sa[q]
    lb = sb[1]; for (q = 2; q <= k; q++) lb = lb "::" sb[q]
    if (la != lb) sib[la SUBSEP lb] = 1
  }
  for (t in missing) { printf "unknown top-level module %s: add it to LAYERS in scripts/module-graph.sh (and to lib.rs and the README)\n", t; bad = 1 }
  # Circles among siblings: depth-first search for a back edge.
  for (e in sib) { split(e, pair, SUBSEP); node[pair[1]] = 1; node[pair[2]] = 1 }
  for (n in node) state[n] = 0
  for (n in node) if (state[n] == 0) if (dfs(n, n)) bad = 1
  if (bad) exit 1
  print "ok: no upward import, no circle"
}
function dfs(n, trail,    e, pair, m, found, circle) {
  state[n] = 1; found = 0
  for (e in sib) {
    split(e, pair, SUBSEP)
    if (pair[1] != n) continue
    m = pair[2]
    if (state[m] == 1) {
      # The circle is the part of the trail from m on.
      circle = " " trail " "
      circle = substr(circle, index(circle, " " m " ") + 1)
      gsub(/^ +| +$/, "", circle)
      if (!(circle in reported)) { reported[circle] = 1; printf "circle: %s -> %s\n", circle, m }
      found = 1
    }
    else if (state[m] == 0) { if (dfs(m, trail " -> " m)) found = 1 }
  }
  state[n] = 2
  return found
}
' "$work/files" "$work/refs"
