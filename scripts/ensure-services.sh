#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer on 127.0.0.1 for `make test`: start them when stopped,
# install them from Debian's packages when missing, and say what was done.
set -eu
say() { echo "[services] $*"; }
need_root() { if [ "$(id -u)" != 0 ]; then echo "sudo"; fi; }
SUDO=$(need_root)
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL -----------------------------------------------------------------
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  say "PostgreSQL is running on 127.0.0.1:5432."
else
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    say "PostgreSQL is not installed: installing Debian's postgresql package."
    apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  conf=/etc/postgresql/$version/main
  if ! grep -q "heatservice: trust" "$conf/pg_hba.conf"; then
    say "Allowing trust authentication on loopback for the test database (PostgreSQL $version)."
    { echo "# heatservice: trust local connections for tests"; echo "host all all 127.0.0.1/32 trust";
      echo "host all all ::1/128 trust"; echo "local all all trust"; cat "$conf/pg_hba.conf"; } > /tmp/pg_hba.$$
    $SUDO cp /tmp/pg_hba.$$ "$conf/pg_hba.conf"; rm -f /tmp/pg_hba.$$
  fi
  say "Starting PostgreSQL $version."
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || $SUDO pg_ctlcluster "$version" main restart
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 || { say "PostgreSQL did not come up."; exit 1; }
fi

# --- Redis ----------------------------------------------------------------------
if redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "Redis is running on 127.0.0.1:6379."
else
  if ! command -v redis-server >/dev/null 2>&1; then
    say "Redis is not installed: installing Debian's redis-server package."
    apt_install redis-server
  fi
  say "Starting Redis on 127.0.0.1:6379."
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /tmp --logfile /tmp/heatservice-redis.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { say "Redis did not come up."; exit 1; }
fi

# --- The database named in DATABASE_URL (pytest-django then creates its test_ twin) ---------
db=${1:-heatservice}
if ! psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" postgres | grep -q 1; then
  say "Creating database $db."
  createdb -h 127.0.0.1 -U postgres "$db"
fi
