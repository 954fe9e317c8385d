# Sourced by bin/demo and bin/test: installs what a fresh machine lacks.
# Safe to run again; each step is skipped when already done.

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

ensure_uv() {
  if ! command -v uv >/dev/null 2>&1; then
    export PATH="$HOME/.local/bin:$PATH"
  fi
  if ! command -v uv >/dev/null 2>&1; then
    say "installing uv from PyPI"
    python3 -m pip install --quiet --user uv 2>/dev/null || python3 -m pip install --quiet uv
  fi
}

ensure_python_env() {
  ensure_uv
  say "syncing the Python environment (uv.lock)"
  uv sync --frozen --python python3.11 --quiet
}

ensure_apt_package() {  # ensure_apt_package <command-or-path> <package>
  if [ -e "$1" ] || command -v "$1" >/dev/null 2>&1; then return 0; fi
  say "installing $2 from Debian"
  if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}

apt_install_not_started() {  # apt_install_not_started <package>: installed, its service not started
  if [ -z "${_APT_UPDATED:-}" ]; then as_root apt-get update -qq; _APT_UPDATED=1; fi
  # policy-rc.d 101: the package's scripts start no service (nginx would take port 80). One the
  # machine already has is kept aside and put back, also when the install is interrupted.
  local saved=""
  if [ -e /usr/sbin/policy-rc.d ]; then
    saved=$(mktemp)
    as_root cp -p /usr/sbin/policy-rc.d "$saved"
  fi
  local before; before=$(trap -p EXIT INT TERM)  # the caller's traps, put back below
  # shellcheck disable=SC2064  # expanded now: the trap restores this very file
  trap "restore_policy_rc_d '$saved'" EXIT INT TERM
  printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
  as_root chmod +x /usr/sbin/policy-rc.d
  local status=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null || status=$?
  restore_policy_rc_d "$saved"
  trap - EXIT INT TERM
  eval "$before"
  return "$status"
}

restore_policy_rc_d() {  # restore_policy_rc_d <saved copy or "">
  if [ -n "$1" ]; then
    as_root cp -p "$1" /usr/sbin/policy-rc.d && rm -f "$1"
  else
    as_root rm -f /usr/sbin/policy-rc.d
  fi
}

ensure_nginx() {  # Debian's nginx for the deployment tests and the cluster harness, not started
  if [ -x /usr/sbin/nginx ]; then return 0; fi
  say "installing nginx from Debian (not started as a service: the tests run their own)"
  apt_install_not_started nginx-light || apt_install_not_started nginx
}

ensure_postgresql() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting PostgreSQL"
    as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && return 0; sleep 1; done
  echo "PostgreSQL is not reachable on 127.0.0.1:5432 (set DATABASE_URL to one that is)." >&2
  return 1
}

ensure_postgresql_server() {  # initdb and pg_ctl: tests/faults/test_postgresql_restart.py restarts a cluster of its own
  if compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then return 0; fi
  say "installing PostgreSQL's server from Debian (not started as a service: the test runs its own cluster)"
  apt_install_not_started postgresql
}

ensure_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then return 0; fi
  ensure_apt_package redis-server redis-server
  say "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0; sleep 1; done
  echo "Redis is not reachable on 127.0.0.1:6379" >&2
  return 1
}

ensure_prism() {  # the Twilio API stand-in: Prism serving Twilio's OpenAPI spec (npm, no network at run time)
  PRISM_BIN="$PWD/var/tools/node_modules/.bin/prism"
  export PRISM_BIN
  if [ -x "$PRISM_BIN" ]; then return 0; fi
  ensure_apt_package npm npm
  say "installing the Prism mock server from npm"
  mkdir -p var/tools
  npm install --prefix var/tools --no-save --no-audit --no-fund --loglevel=error @stoplight/prism-cli >/dev/null
}

ensure_npm_package() {  # ensure_npm_package <prefix> <package> <spec> <minimum node major.minor> <what it is>
  # Each tool has a prefix of its own: a second `npm install --no-save` into a prefix removes what
  # the first installed.
  local prefix="$1" package="$2" spec="$3" minimum="$4" what="$5"
  if [ -f "$prefix/node_modules/$package/package.json" ]; then return 0; fi
  ensure_apt_package npm npm
  if ! MINIMUM="$minimum" node -e 'const [a, b] = process.versions.node.split(".").map(Number); const [x, y] = process.env.MINIMUM.split(".").map(Number); process.exit(a > x || (a === x && b >= y) ? 0 : 1)'; then
    echo "$package needs Node.js $minimum or newer; this node is $(node --version)" >&2
    return 1
  fi
  say "installing $what from npm"
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "$spec" >/dev/null
}

ensure_oidc_provider() {  # a real OpenID Connect provider for the SSO tests: oidc-provider 9 (npm), run by tests/oidc/provider.mjs
  OIDC_PROVIDER_DIR="$PWD/var/tools/oidc"
  export OIDC_PROVIDER_DIR
  ensure_npm_package "$OIDC_PROVIDER_DIR" oidc-provider 'oidc-provider@^9' 20.12 \
    "the oidc-provider OpenID Connect server"
}

ensure_oidc_client() {  # a certified OpenID Connect relying party for the provider tests: openid-client 6 (npm), run by tests/oidc/rp.mjs
  OIDC_CLIENT_DIR="$PWD/var/tools/rp"
  export OIDC_CLIENT_DIR
  ensure_npm_package "$OIDC_CLIENT_DIR" openid-client 'openid-client@^6' 20.0 \
    "the openid-client OpenID Connect relying party"
}

ensure_saml_sp() {  # an independent SAML 2.0 service provider for the IdP tests: @node-saml/node-saml 5 (npm), run by tests/saml/sp.mjs
  SAML_SP_DIR="$PWD/var/tools/saml"
  export SAML_SP_DIR
  ensure_npm_package "$SAML_SP_DIR" @node-saml/node-saml '@node-saml/node-saml@^5' 18.0 \
    "the node-saml SAML service provider"
}

ensure_xmlsec1() {  # pysaml2 signs and verifies through Debian's xmlsec1 command
  ensure_apt_package xmlsec1 xmlsec1
}

ensure_moto_suite() {  # moto's own IAM and STS tests, run against Tobira by tests/conformance/run_moto.py: moto 5.2.5's sdist (PyPI) has tests/
  local version=5.2.5
  MOTO_SUITE_DIR="${MOTO_SUITE_DIR:-$PWD/var/tools/moto/moto-$version}"
  export MOTO_SUITE_DIR
  if [ -f "$MOTO_SUITE_DIR/tests/test_iam/test_iam.py" ]; then return 0; fi
  say "fetching moto $version's test suite from PyPI (its sdist)"
  local parent staging
  parent="$(dirname "$MOTO_SUITE_DIR")"
  mkdir -p "$parent"
  staging="$(mktemp -d "$parent/.unpack.XXXXXX")"
  # The project's venv (uv) may have no pip; the system Python's does.
  if .venv/bin/python -m pip --version >/dev/null 2>&1; then
    .venv/bin/python -m pip download --quiet --no-binary :all: --no-deps "moto==$version" -d "$parent"
  else
    python3 -m pip download --quiet --no-binary :all: --no-deps "moto==$version" -d "$parent"
  fi
  # tests/ and the pytest configuration beside it (markers), unpacked whole before they count.
  tar -xzf "$parent/moto-$version.tar.gz" -C "$staging" "moto-$version/tests" "moto-$version/pyproject.toml"
  rm -rf "$MOTO_SUITE_DIR"
  mv "$staging/moto-$version" "$MOTO_SUITE_DIR"
  rmdir "$staging"
}
