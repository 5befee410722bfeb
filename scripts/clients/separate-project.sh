#!/usr/bin/env bash
# Installs one client SDK into a new project outside the repository, with the
# commands its README gives, then builds and runs the quickstart there against
# a live service:
#   scripts/clients/separate-project.sh go|python|typescript
# INBOUNDFLOW_E2E_ADDR names the service and INBOUNDFLOW_API_KEY is an operator
# (or the quickstart organization's admin) key; scripts/clients/test.sh sets
# both. Each README command this runs is first looked for, verbatim, in that
# README, so the two cannot drift apart.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
lang=${1:?usage: separate-project.sh go|python|typescript}
addr=${INBOUNDFLOW_E2E_ADDR:?INBOUNDFLOW_E2E_ADDR must name a running service}
: "${INBOUNDFLOW_API_KEY:?INBOUNDFLOW_API_KEY must hold an API key of that service}"

version=$(sed -n 's/^  "version": "\(.*\)",$/\1/p' clients/typescript/package.json)
py_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' clients/python/pyproject.toml)
if [ -z "$version" ] || [ "$version" != "$py_version" ]; then
  echo "the packages' versions differ: typescript '$version', python '$py_version'" >&2
  exit 1
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# readme_says FILE LINE: the README shows LINE as a command, exactly.
readme_says() {
  grep -qxF -- "$2" "$1" || { echo "$1 no longer shows the command: $2" >&2; exit 1; }
}

# run_quickstart ORG COMMAND...: the quickstart exits 0 only once it has
# received and verified a delivery.
run_quickstart() {
  local org=$1
  shift
  "$@" --addr "$addr" --insecure --org "$org" >"$scratch/quickstart.log" 2>&1 ||
    { cat "$scratch/quickstart.log" >&2; echo "$lang quickstart failed in a separate project" >&2; exit 1; }
  grep -q '^received and verified: ' "$scratch/quickstart.log" ||
    { cat "$scratch/quickstart.log" >&2; echo "$lang quickstart verified nothing" >&2; exit 1; }
}

go_project() {
  local readme=clients/go/README.md
  readme_says "$readme" "go env -w GOPRIVATE='github.com/inboundflow/*'"
  readme_says "$readme" 'go get github.com/inboundflow/webhooks/clients/go/webhooks@latest'

  # The repository's host, as go get reaches it: a git repository holding
  # clients/go as it is in this work tree, tagged as a release. git's
  # insteadOf points the module's https URL at it, as a team's git
  # configuration points it at SSH or adds a credential.
  local host=$scratch/host
  mkdir -p "$host"
  git ls-files -z --cached --others --exclude-standard clients/go | tar --null -T - -cf - | tar -xf - -C "$host"
  git -C "$host" init --quiet
  git -C "$host" add --all
  git -C "$host" -c user.name=release -c user.email=release@localhost commit --quiet -m "clients/go v$version"
  git -C "$host" tag "clients/go/v$version"
  git clone --quiet --bare "$host" "$scratch/webhooks.git"
  export GIT_CONFIG_GLOBAL=$scratch/gitconfig
  git config --global url."file://$scratch/webhooks.git".insteadOf https://github.com/inboundflow/webhooks

  # A module cache of its own, so the SDK is always fetched from the host
  # above, never reused from an earlier run. It is kept between runs, and
  # filled from the machine's cache, so dependencies are not compiled again.
  local shared_cache proxy
  shared_cache=$(go env GOMODCACHE)
  proxy=$(go env GOPROXY)
  export GOMODCACHE=$root/.tools/separate-project/gomodcache
  if [ -d "$GOMODCACHE" ]; then
    chmod -R u+w "$GOMODCACHE/github.com/inboundflow" "$GOMODCACHE/cache/vcs" 2>/dev/null || true
    rm -rf "$GOMODCACHE/github.com/inboundflow" "$GOMODCACHE/cache/download/github.com/inboundflow" "$GOMODCACHE/cache/vcs"
  fi
  export GOPROXY="file://$shared_cache/cache/download,$proxy"
  export GOENV=$scratch/go.env
  # Set in the environment, these would override what go env -w writes.
  unset GOPRIVATE GONOPROXY GONOSUMDB

  mkdir "$scratch/app"
  cd "$scratch/app"
  go mod init example.com/app >/dev/null 2>&1
  go env -w GOPRIVATE='github.com/inboundflow/*'
  go get github.com/inboundflow/webhooks/clients/go/webhooks@latest 2>"$scratch/go-get.log" ||
    { cat "$scratch/go-get.log" >&2; exit 1; }
  grep -q "github.com/inboundflow/webhooks/clients/go v$version" go.mod ||
    { cat go.mod >&2; echo "go get did not add clients/go v$version" >&2; exit 1; }
  mkdir quickstart
  cp "$root/clients/go/examples/quickstart/main.go" quickstart/
  go build -o "$scratch/quickstart" ./quickstart
  run_quickstart org_go_separate_project "$scratch/quickstart"
  # The README's way to try an untagged change: a replace to a checkout.
  grep -qF 'go mod edit -replace github.com/inboundflow/webhooks/clients/go=' "$root/$readme" ||
    { echo "$readme no longer shows the replace to a checkout" >&2; exit 1; }
  go mod edit -replace "github.com/inboundflow/webhooks/clients/go=$root/clients/go"
  go build -o /dev/null ./quickstart
  echo "go: go get v$version from the repository's tag, quickstart built and verified a delivery; builds with a replace too"
}

python_project() {
  local readme=clients/python/README.md wheel=inboundflow_webhooks-$version-py3-none-any.whl
  readme_says "$readme" 'python3 -m pip wheel --no-deps --wheel-dir dist ./clients/python'
  readme_says "$readme" 'python3 -m venv .venv'
  readme_says "$readme" '. .venv/bin/activate'
  readme_says "$readme" "pip install dist/$wheel"

  python3 -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir "$scratch/dist" ./clients/python
  cd "$scratch"
  python3 -m venv .venv
  . .venv/bin/activate
  pip install --quiet --disable-pip-version-check "dist/$wheel"
  mkdir app
  cp "$root/clients/python/examples/quickstart.py" app/
  cd app
  # Imports the installed package, not the checkout.
  local where
  where=$(python -c 'import inboundflow.webhooks as w; print(w.__file__)')
  case $where in
    "$scratch/.venv/"*) ;;
    *) echo "inboundflow.webhooks came from $where, not the new environment" >&2; exit 1 ;;
  esac
  [ -f "$(dirname "$where")/py.typed" ] || { echo "the wheel has no py.typed" >&2; exit 1; }
  run_quickstart org_py_separate_project python quickstart.py
  echo "python: wheel installed into a new virtual environment, quickstart verified a delivery"
}

typescript_project() {
  local readme=clients/typescript/README.md tarball=inboundflow-webhooks-$version.tgz
  readme_says "$readme" '(cd clients/typescript && npm ci && npm pack)'
  readme_says "$readme" "npm install /path/to/$tarball"

  # npm ci has run already (scripts/clients/install-tools.sh, same lockfile).
  (cd clients/typescript && npm pack --silent >/dev/null)
  mv "clients/typescript/$tarball" "$scratch/"
  mkdir "$scratch/app"
  cd "$scratch/app"
  echo '{"name": "app", "private": true, "type": "module"}' >package.json
  npm install --no-audit --no-fund --loglevel=error --prefer-offline "$scratch/$tarball" >/dev/null
  # What installing it would run, were any there.
  node -e '
    const { scripts = {} } = JSON.parse(require("fs").readFileSync("node_modules/@inboundflow/webhooks/package.json", "utf8"));
    const run = ["preinstall", "install", "postinstall", "prepare"].filter((s) => s in scripts);
    if (run.length) { console.error("the packed package.json still has", run.join(", ")); process.exit(1); }'
  # The quickstart as TypeScript, type-checked against the shipped .d.ts.
  npm install --no-audit --no-fund --loglevel=error --prefer-offline --save-dev typescript@5.9.3 @types/node@20 >/dev/null
  cp "$root/clients/typescript/examples/quickstart.ts" .
  cat >tsconfig.json <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "types": ["node"]
  },
  "files": ["quickstart.ts"]
}
EOF
  npx tsc -p tsconfig.json
  run_quickstart org_ts_separate_project node quickstart.js
  echo "typescript: $tarball installed without build scripts, quickstart type-checked and verified a delivery"
}

case $lang in
  go) go_project ;;
  python) python_project ;;
  typescript) typescript_project ;;
  *) echo "unknown language: $lang" >&2; exit 2 ;;
esac
