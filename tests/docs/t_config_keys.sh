# Every bulletin.yaml key the program knows is documented in
# docs/operations.md, with its group.
source tests/lib.sh
keys=$(grep -oE '^ *\{"[a-z_]*", "[a-z_]+"' "$ROOT/src/common/config.c" | sed -E 's/^ *\{"([a-z_]*)", "([a-z_]+)"/\1.\2/')
[ -n "$keys" ] || fail "no keys found in src/common/config.c"
for k in $keys; do
  name=${k#*.}
  if [ "$k" = ".sections" ] || [ "$k" = ".topics" ]; then
    found=$(grep -c "^### $name" "$ROOT/docs/operations.md" || true)
  else
    found=$(grep -cF "| \`$name\` |" "$ROOT/docs/operations.md" || true)
  fi
  if [ "$found" -gt 0 ]; then
    pass "$k documented"
  else
    fail "$k is not in docs/operations.md's configuration reference"
  fi
done
finish
