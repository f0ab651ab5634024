# src/README.md is the map of the code: every module in src/ (each NAME.c
# or header-only NAME.h in a subsystem folder) has its row, under the
# heading of the folder it is in, and the map names no module that is gone.
. "$(dirname "$0")/../lib.sh"
map=$ROOT/src/README.md
[ -f "$map" ] || fail "src/README.md (the map of the code) is missing"

# The modules on disk, as "folder NAME". A module's extra files count as
# the module: markdown_html.c and markdown_text.c are markdown's two
# renderers, transport_impl.h is transport's side for its backends,
# web_impl.h web's side for its route modules; the
# header-only banned.h and store_impl.h are rows of their own.
module_of() {
  case "$1" in
  markdown_html | markdown_text) echo markdown ;;
  transport_impl) echo transport ;;
  web_impl) echo web ;;
  banned) echo banned.h ;;
  store_impl) echo store_impl.h ;;
  web_impl) echo web_impl.h ;;
  *) echo "$1" ;;
  esac
}
on_disk=$(cd "$ROOT/src" && for f in */*.c */*.h; do
  d=${f%%/*} n=${f#*/}
  [ "$d" = cmd ] || echo "$d $(module_of "${n%.[ch]}")"
done | sort -u)
[ -n "$on_disk" ] || fail "no modules found under src/*/"

# The map's rows, as "folder NAME": the folder from the last "## folder/"
# heading, the name from the row's first cell.
in_map=$(awk '/^## [a-z]+\// { d = $2; sub(/\/.*/, "", d) }
  /^\| `/ && d { n = $2; gsub(/[`|]/, "", n); print d, n }' "$map" | sort -u)

missing=$(comm -23 <(echo "$on_disk") <(echo "$in_map"))
[ -z "$missing" ] || fail "modules in src/ missing from src/README.md (add a row under their folder's heading): $(echo $missing)"
gone=$(comm -13 <(echo "$on_disk") <(echo "$in_map"))
[ -z "$gone" ] || fail "src/README.md names modules that are not in that folder: $(echo $gone)"

# Loose files: every library module belongs to a subsystem folder.
loose=$(cd "$ROOT/src" && ls *.c *.h 2>/dev/null | grep -v '^main\.c$' || true)
[ -z "$loose" ] || fail "files directly in src/ (move each into its subsystem's folder and add it to the map): $(echo $loose)"

# The README's layout table points to the map.
grep -q 'src/README.md' "$ROOT/README.md" || fail "README.md's layout table does not point to src/README.md"
[ "$failures" -gt 0 ] || pass "all $(echo "$on_disk" | wc -l) modules of src/ are in src/README.md"
finish
