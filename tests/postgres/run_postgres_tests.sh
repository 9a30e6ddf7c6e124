#!/usr/bin/env bash
# Start a throw-away PostgreSQL server on 127.0.0.1 and run the database tests against it.
#
# The server gets its own data directory under a temporary folder and a free port; it is
# stopped and the folder removed when the script ends, also on failure or Ctrl-C. Extra
# arguments go to pytest (for example `-k ingest` or `-x`).
#
# Needs the Debian `postgresql` package (initdb and pg_ctl, looked up on PATH and then in
# /usr/lib/postgresql/*/bin). PostgreSQL refuses to run as root, so as root the server runs
# as the `postgres` system user that the package creates.
set -euo pipefail
cd "$(dirname "$0")/../.."

find_tool() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then
    command -v "$name"
    return
  fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin/"$name"; do
    if [ -x "$candidate" ]; then
      echo "$candidate"
      return
    fi
  done
  echo "error: $name not found: install the Debian package postgresql" >&2
  exit 1
}

INITDB=$(find_tool initdb)
PG_CTL=$(find_tool pg_ctl)
PYTHON=${PYTHON:-python}

run_as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

work_dir=$(mktemp -d -t footfall-postgres.XXXXXX)
data_dir="$work_dir/data"
log_file="$work_dir/server.log"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$work_dir"
fi

port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

stop_server() {
  local status=$?
  if [ -f "$data_dir/postmaster.pid" ]; then
    run_as_server_user "$PG_CTL" -D "$data_dir" -m fast -w stop >/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$log_file" ]; then
    echo "--- PostgreSQL server log ($log_file) ---" >&2
    tail -n 50 "$log_file" >&2 || true
  fi
  rm -rf "$work_dir"
  exit "$status"
}
trap stop_server EXIT INT TERM

# Trust authentication is safe here because the server listens on 127.0.0.1 only and lives
# for this run; fsync off because the data is thrown away afterwards.
run_as_server_user "$INITDB" -D "$data_dir" -U footfall --auth=trust --encoding=UTF8 \
  --no-instructions >"$work_dir/initdb.log"
run_as_server_user "$PG_CTL" -D "$data_dir" -l "$log_file" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $work_dir -c fsync=off -c max_connections=300" \
  start >/dev/null
echo "PostgreSQL started on 127.0.0.1:$port (data in $data_dir)"

export FOOTFALL_TEST_POSTGRES_URL="postgresql+psycopg://footfall@127.0.0.1:$port/postgres"
# The whole server is removed at the end, so the tests need not drop their databases.
export FOOTFALL_TEST_POSTGRES_KEEP_DATABASES=1

# Arguments that start with a test path replace the default selection; options alone (such
# as -x or -k ingest) are added to it.
if [ "$#" -gt 0 ] && [ -e "${1%%::*}" ]; then
  exec_paths=()
else
  # Every test folder that touches the database: migrations, ingest, access control,
  # analytics, the PostgreSQL-only tests (several workers, both back ends agreeing), sinks
  # and plugins. The dashboard's browser tests and the firmware tests use no database.
  exec_paths=()
  for path in tests/*/; do
    case "$path" in
      tests/dashboard/ | tests/firmware/ | tests/scaffold/) ;;
      *) exec_paths+=("${path%/}") ;;
    esac
  done
fi
"$PYTHON" -m pytest "${exec_paths[@]}" "$@"
